"""``--plot`` and ``--profile`` of the side-by-side benchmarks (cargobay.bench._output).

No timing is asserted. The tests check that the chart is a real PNG with one bar per ratio and the
target drawn, that a profile names cargobay's own functions, and that bad options fail before the
measurement starts, with one line and nothing written.
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
from pathlib import Path

import pytest

from cargobay.bench import _output
from cargobay.bench._output import Speedup, check_output_options, write_plot
from cargobay.errors import UsageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _args(**kw: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _output.add_output_arguments(parser)
    ns = parser.parse_args([])
    for k, v in kw.items():
        setattr(ns, k, v)
    return ns


def test_plot_draws_one_bar_per_ratio_and_each_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.axes

    drawn: dict[str, object] = {}
    real_barh = matplotlib.axes.Axes.barh

    def spy_barh(self: matplotlib.axes.Axes, y: object, width: object, **kw: object) -> object:
        drawn["widths"] = list(width)  # type: ignore[call-overload]
        drawn["colors"] = kw.get("color")
        return real_barh(self, y, width, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(matplotlib.axes.Axes, "barh", spy_barh)
    bars = [
        Speedup("tree A", "cp -a", 2.5, target=2.0),
        Speedup("tree A", "rsync -a", 0.8, target=1.0),
        Speedup("tree B", "find", 3.0),
    ]
    out = tmp_path / "chart.png"
    write_plot(str(out), "title", bars)
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert drawn["widths"] == [2.5, 0.8, 3.0]
    # met targets are green, a missed one red: the colour is the verdict a person reads first
    assert drawn["colors"] == ["#2e8b57", "#c0392b", "#2e8b57"]
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]  # no temp file left behind


def test_bad_output_options_fail_before_measuring(tmp_path: Path) -> None:
    missing_dir = tmp_path / "nope" / "chart.png"
    with pytest.raises(UsageError, match="does not exist"):
        check_output_options(_args(plot=str(missing_dir)), name="x")
    with pytest.raises(UsageError, match="is a directory"):
        check_output_options(_args(plot=str(tmp_path)), name="x")
    with pytest.raises(UsageError, match="needs --profile"):
        check_output_options(_args(profile_output=str(tmp_path / "p.prof")), name="x")


def test_missing_library_is_a_one_line_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name))
    with pytest.raises(UsageError, match=r"--plot needs matplotlib: pip install 'cargobay\[bench\]'"):
        check_output_options(_args(plot=str(tmp_path / "c.png")), name="x")


def test_profile_default_name_follows_the_profiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    a = _args(profile="cprofile")
    check_output_options(a, name="copy")
    assert a.profile_output == "cargobay-bench-copy.prof"
    b = _args(profile="pyinstrument")
    check_output_options(b, name="select")
    assert b.profile_output == "cargobay-bench-select.html"


def _bench_select(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "cargobay", "bench", "select", "--files", "400", "--runs", "5"]
    cmd += ["--tree-dir", str(tmp_path / "tree"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def test_bench_select_writes_plot_and_cprofile(tmp_path: Path) -> None:
    chart, prof = tmp_path / "sel.png", tmp_path / "sel.prof"
    done = _bench_select(tmp_path, "--plot", str(chart), "--profile", "cprofile", "--profile-output", str(prof))
    assert done.returncode == 0, done.stderr
    assert chart.read_bytes().startswith(PNG_MAGIC)
    functions = {(Path(f).name, name) for f, _line, name in pstats.Stats(str(prof)).stats}  # type: ignore[attr-defined]
    assert {("selection.py", "build_selection"), ("walk.py", "walk")} <= functions


def test_bench_select_writes_pyinstrument_html(tmp_path: Path) -> None:
    page = tmp_path / "sel.html"
    done = _bench_select(tmp_path, "--profile", "pyinstrument", "--profile-output", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "run_cargobay" in html


def test_bench_select_bad_plot_path_is_one_line_and_fast(tmp_path: Path) -> None:
    done = _bench_select(tmp_path, "--plot", str(tmp_path / "missing" / "c.png"))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert not (tmp_path / "tree").exists()  # refused before building the tree


def test_copy_speedups_point_one_way_and_carry_targets_only_in_their_condition() -> None:
    from cargobay.bench.copy import AFTER_DELETE, FRESH, IN_PROCESS, MIRROR, SMALL, Result, Tree, speedups

    tree = Tree("small", lambda root, rnd: None, (FRESH, AFTER_DELETE, MIRROR), targets=SMALL)

    def res(condition: str, tool: str, seconds: float) -> Result:
        return Result("small", condition, tool, seconds=[seconds] * 5)

    results = [
        res(FRESH, "cargobay", 1.0),
        res(FRESH, "cp -a", 0.5),
        res(FRESH, "shutil.copytree", 3.0),
        res(FRESH, IN_PROCESS, 0.1),  # in-process rows never become a bar
        res(AFTER_DELETE, "cargobay", 1.0),
        res(AFTER_DELETE, "cp -a", 4.0),
        res(AFTER_DELETE, "rsync -a", 0.5),
        res(MIRROR, "cargobay", 2.0),
        res(MIRROR, "rsync -a", 1.0),
    ]
    bars = {(b.case, b.peer): (b.speedup, b.target) for b in speedups(results, [tree])}
    assert bars == {
        (f"small [{FRESH}]", "cp -a"): (0.5, 1.0),  # issue 18: at or under cp -a on fresh space
        (f"small [{FRESH}]", "shutil.copytree"): (3.0, None),  # no target for this peer
        (f"small [{AFTER_DELETE}]", "cp -a"): (4.0, 2.0),  # "at most 0.5x the time of cp -a"
        (f"small [{AFTER_DELETE}]", "rsync -a"): (0.5, 1.0),  # "no slower than rsync -a"
        (f"small [{MIRROR}]", "rsync -a"): (0.5, 1.0),
    }


def test_copy_table_shows_each_tools_range_beside_its_median(capsys: pytest.CaptureFixture[str]) -> None:
    """A median alone hides a bimodal tool (the fresh-space copy takes 0.16 s when its two
    processes overlap and 0.21 s when they do not): the table prints the fastest and slowest run."""
    from cargobay.bench.copy import FRESH, SMALL, Result, Tree, _print_table

    tree = Tree("small", lambda root, rnd: None, (FRESH,), targets=SMALL)
    results = [
        Result("small", FRESH, "cargobay", seconds=[0.16, 0.21, 0.17, 0.22, 0.16]),
        Result("small", FRESH, "cp -a", seconds=[0.19, 0.20, 0.19]),
    ]
    _print_table(results, [tree], ["1.00 1.00 1.00"], cold=False, fresh_words="a new ext4", departures=())
    lines = capsys.readouterr().out.splitlines()
    ours = next(line for line in lines if line.strip().startswith("cargobay "))
    assert "median    0.170 s (0.160-0.220)" in ours
    peer = next(line for line in lines if line.strip().startswith("cp -a"))
    assert "median    0.190 s (0.190-0.200)" in peer and "target: at most 1.00x its time: met)" in peer
