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

    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions, each alphabetical.
    def kind(member: str) -> tuple[int, str]:
        return (0 if member.isupper() else 1 if member[:1].isupper() else 2, member)

    assert exported == sorted(exported, key=kind), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{name}.__all__ names something twice"
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ names {member}, which does not exist"


def test_version_is_exported() -> None:
    assert cargobay.__version__ and "__version__" in cargobay.__all__
