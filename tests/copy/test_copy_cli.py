"""`cargobay copy` through cargobay.cli.main and as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cargobay._fsutil import is_temp_name
from cargobay.cli import main
from cargobay.copy import execute
from cargobay.testing.trees import DirSpec, FileSpec, Spec, SymlinkSpec, compare_trees, write_tree

MODEL: dict[str, Spec] = {
    "a": DirSpec(),
    "a/x.txt": FileSpec(b"x"),
    "a/skip.tmp": FileSpec(b"t"),
    "ln": SymlinkSpec("a"),
}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    write_tree(MODEL, str(tmp_path / "src"))
    return tmp_path / "src"


def test_cli_copy_tree_prints_summary_and_exits_zero(
    src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["copy", str(src), str(tmp_path / "dst")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("copied 2 files") and "0 errors" in out
    assert not compare_trees(str(src), str(tmp_path / "dst"))


def test_cli_copy_mirror_dry_run_prints_plan_and_changes_nothing(
    src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dst = tmp_path / "dst"
    assert main(["copy", str(src), str(dst), "-q"]) == 0
    (dst / "extra").write_text("e")
    assert main(["copy", str(src), str(dst), "--mirror", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("delete") and "extra" in line for line in out)
    assert (dst / "extra").exists()
    assert main(["copy", str(src), str(dst), "--mirror", "-q"]) == 0
    assert not (dst / "extra").exists()


def test_cli_copy_without_mirror_keeps_extraneous(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    main(["copy", str(src), str(dst), "-q"])
    (dst / "extra").write_text("e")
    assert main(["copy", str(src), str(dst), "-q", "--checksum", "--verify", "--workers", "2"]) == 0
    assert (dst / "extra").exists()


def test_cli_copy_exclude_uses_gitignore_patterns(src: Path, tmp_path: Path) -> None:
    assert main(["copy", str(src), str(tmp_path / "dst"), "-q", "--exclude", "*.tmp"]) == 0
    assert (tmp_path / "dst" / "a" / "x.txt").exists()
    assert not (tmp_path / "dst" / "a" / "skip.tmp").exists()


def test_cli_copy_single_file(src: Path, tmp_path: Path) -> None:
    assert main(["copy", str(src / "a" / "x.txt"), str(tmp_path / "y.txt")]) == 0
    assert (tmp_path / "y.txt").read_bytes() == b"x"


def test_cli_copy_failure_of_one_entry_gives_exit_code_one(
    src: Path, tmp_path: Path, on_source: Callable[[Path, str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    on_source(src, "a/x.txt", OSError(5, "Input/output error"))
    assert main(["copy", str(src), str(tmp_path / "dst")]) == 1
    err = capsys.readouterr().err
    assert "a/x.txt: copy: Input/output error" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{t}/missing", "{t}/out"], "source does not exist"),
        (["{t}/src", "{t}/src/in"], "is inside the source"),
        (["{t}/src/a/x.txt", "{t}/src/a/x.txt"], "same file"),
        (["{t}/src", "{t}/out", "--workers", "0"], "--workers must be at least 1"),
    ],
    ids=["missing", "inside", "same-file", "workers"],
)
def test_cli_copy_bad_arguments_give_one_line_error(src: Path, tmp_path: Path, args: list[str], message: str) -> None:
    argv = [a.format(t=tmp_path) for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "cargobay", "copy", *argv],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("flag", "calls"), [([], 1), (["--no-spread"], 0)])
def test_cli_copy_no_spread_turns_the_allocation_hint_off(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: list[str], calls: int
) -> None:
    seen: list[str] = []

    def recording(path: str) -> bool:
        seen.append(path)
        return False

    monkeypatch.setattr(execute, "spread_subdirs", recording)
    assert main(["copy", str(src), str(tmp_path / "dst"), "-q", *flag]) == 0
    # A fresh copy is built under a temp name beside dst (fresh.hidden_root): the hint is set there.
    assert [os.path.dirname(p) for p in seen] == [str(tmp_path)] * calls
    assert all(p.endswith("-dst") and is_temp_name(os.path.basename(p)) for p in seen)
    assert not compare_trees(str(src), str(tmp_path / "dst"))
