"""The selection benchmark's peers select exactly what cargobay selects (no timing asserted)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cargobay.bench.select import ensure_tree, run_cargobay, run_find, run_fnmatch
from cargobay.cli import main


def test_peers_select_the_same_files_on_a_small_tree(tmp_path: Path) -> None:
    root = ensure_tree(str(tmp_path), files=2000, seed=7)
    ours = sorted(p for p in run_cargobay(root) if not p.startswith(".cargobay-bench"))
    assert ours, "the workload must select something"
    assert sorted(p for p in run_fnmatch(root) if not p.startswith(".cargobay-bench")) == ours
    if shutil.which("find"):
        assert sorted(p for p in run_find(root) if not p.startswith(".cargobay-bench")) == ours


def test_bench_select_cli_reports_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "select", "--files", "300", "--runs", "5", "--tree-dir", str(tmp_path), "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["files_in_tree"] > 0
    assert set(doc["median_seconds"]) >= {"cargobay", "fnmatch"}
    assert doc["ratios"]["cargobay_vs_fnmatch_speedup"] > 0
