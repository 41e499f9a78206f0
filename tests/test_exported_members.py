"""The public names: ``__all__`` is sorted, complete for what the package re-exports, and importable."""

from __future__ import annotations

import importlib

import pytest

import cargobay

PACKAGES = ["cargobay", "cargobay.s3.store", "cargobay.copy", "cargobay.select", "cargobay.sync"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(getattr(module, "__all__", []))
    assert exported, f"{name} has no __all__"
    assert exported == sorted(exported, key=str), f"{name}.__all__ is not sorted"
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ names {member}, which does not exist"


def test_version_is_exported() -> None:
    assert cargobay.__version__ and "__version__" in cargobay.__all__
