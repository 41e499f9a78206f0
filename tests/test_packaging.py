"""Packaging facts a user relies on: the license, one version, and an ``all`` extra that is all."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import cargobay

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_license_file_matches_pyproject() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    assert "LICENSE" in PYPROJECT["project"]["license-files"]


def test_one_source_for_the_version() -> None:
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cargobay.__version__"}
    assert importlib.metadata.version("cargobay") == cargobay.__version__


def test_all_extra_names_every_other_extra() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    (spec,) = extras["all"]
    named = set(re.fullmatch(r"cargobay\[(.*)\]", spec).group(1).split(","))  # type: ignore[union-attr]
    assert named == set(extras) - {"all"}
