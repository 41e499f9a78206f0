"""Example tests of the pruned walk: what is opened, ignore files, markers, symlinks, order."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cargobay.errors import RuleSyntaxError, UsageError
from cargobay.select import build_selection, walk


def make(root: Path, *paths: str) -> None:
    for rel in paths:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(rel)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every directory the walk opens."""
    seen: list[str] = []
    real = os.scandir

    def recording(path: Any) -> Any:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", recording)
    return seen


def rel_opened(root: Path, seen: list[str]) -> set[str]:
    return {os.path.relpath(p, root).replace(os.sep, "/") for p in seen}


def test_excluded_directory_is_never_opened(tmp_path: Path, opened: list[str]) -> None:
    make(tmp_path, "src/a.py", "node_modules/pkg/index.js", "src/node_modules/x/y.js", "build/out.o")
    sel = build_selection(exclude=["node_modules/", "/build/"])
    assert [e.path for e in walk(tmp_path, sel)] == ["src/a.py"]
    assert rel_opened(tmp_path, opened) == {".", "src"}


def test_directory_no_include_can_reach_is_never_opened(tmp_path: Path, opened: list[str]) -> None:
    make(tmp_path, "src/pkg/a.py", "src/pkg/b.txt", "docs/x.py", "lib/deep/er/c.py")
    sel = build_selection(include=["src/**/*.py"])
    assert [e.path for e in walk(tmp_path, sel)] == ["src/pkg/a.py"]
    assert rel_opened(tmp_path, opened) == {".", "src", "src/pkg"}


def test_pruned_directory_without_permission_is_not_an_error(tmp_path: Path) -> None:
    make(tmp_path, "ok.txt", "secret/x.txt")
    os.chmod(tmp_path / "secret", 0)
    try:
        sel = build_selection(exclude=["secret/"])
        assert [e.path for e in walk(tmp_path, sel)] == ["ok.txt"]
        if os.geteuid() != 0:  # root reads anything, so only then is the error observable
            with pytest.raises(PermissionError):
                list(walk(tmp_path, build_selection()))
            errors: list[OSError] = []
            assert [e.path for e in walk(tmp_path, build_selection(), on_error=errors.append)] == ["ok.txt"]
            assert len(errors) == 1
    finally:
        os.chmod(tmp_path / "secret", 0o755)


def test_walk_order_is_full_path_code_point_order(tmp_path: Path) -> None:
    make(tmp_path, "a-b", "a/x", "a/y/z", "a.txt", "B", "a0")
    paths = [e.path for e in walk(tmp_path, build_selection())]
    assert paths == sorted(paths)
    assert paths == ["B", "a-b", "a.txt", "a/x", "a/y/z", "a0"]


def test_ignore_file_is_scoped_to_its_directory_and_supports_negation(tmp_path: Path) -> None:
    make(tmp_path, "a.log", "sub/a.log", "sub/keep.log", "sub/deeper/b.log", "other/c.log", "sub/tmp/x")
    (tmp_path / "sub" / ".cargobayignore").write_text("*.log\n!keep.log\n/tmp/\n")
    got = [e.path for e in walk(tmp_path, build_selection())]
    assert got == ["a.log", "other/c.log", "sub/.cargobayignore", "sub/keep.log"]


def test_deeper_ignore_file_overrides_shallower(tmp_path: Path) -> None:
    make(tmp_path, "x/a.tmp", "x/y/a.tmp", "x/y/b.tmp")
    (tmp_path / ".cargobayignore").write_text("*.tmp\n")
    (tmp_path / "x" / "y" / ".cargobayignore").write_text("!a.tmp\n")
    got = [e.path for e in walk(tmp_path, build_selection(), with_stat=False)]
    assert got == [".cargobayignore", "x/y/.cargobayignore", "x/y/a.tmp"]


def test_ignore_files_cannot_be_overridden_by_include_but_can_be_disabled(tmp_path: Path) -> None:
    make(tmp_path, "a.log", "b.txt")
    (tmp_path / ".cargobayignore").write_text("*.log\n")
    assert [e.path for e in walk(tmp_path, build_selection(include=["*.log"]))] == []
    sel = build_selection(include=["*.log"], ignore_file_name=None)
    assert [e.path for e in walk(tmp_path, sel)] == ["a.log"]


def test_bad_ignore_file_reports_file_and_line(tmp_path: Path) -> None:
    make(tmp_path, "d/x")
    (tmp_path / "d" / ".cargobayignore").write_text("ok\n[oops\n")
    with pytest.raises(RuleSyntaxError) as info:
        list(walk(tmp_path, build_selection()))
    assert info.value.line == 2
    assert info.value.source.endswith(".cargobayignore")


def test_exclude_if_present_skips_the_marked_directory(tmp_path: Path, opened: list[str]) -> None:
    make(tmp_path, "keep/a", "cache/.nobackup", "cache/b", "cache/sub/c", "x/cache2/.nobackup", "x/d")
    sel = build_selection(exclude_if_present=[".nobackup"])
    assert [e.path for e in walk(tmp_path, sel)] == ["keep/a", "x/d"]
    assert "cache/sub" not in rel_opened(tmp_path, opened)
    make(tmp_path, ".nobackup")
    assert list(walk(tmp_path, sel)) == []


def test_symlinks_are_entries_and_never_followed(tmp_path: Path) -> None:
    make(tmp_path, "real/f.txt")
    os.symlink("real", tmp_path / "link")
    os.symlink("nowhere", tmp_path / "dangling")
    entries = {e.path: e.kind for e in walk(tmp_path, build_selection())}
    assert entries == {"dangling": "symlink", "link": "symlink", "real/f.txt": "file"}
    # A directory-only pattern does not match a symlink to a directory.
    assert "link" in {e.path for e in walk(tmp_path, build_selection(exclude=["link/"]))}


def test_size_and_age_filters_use_lstat(tmp_path: Path) -> None:
    make(tmp_path, "small", "big")
    (tmp_path / "big").write_bytes(b"x" * 5000)
    os.utime(tmp_path / "small", (1000, 1000))
    sel = build_selection(min_size=1000)
    assert [e.path for e in walk(tmp_path, sel)] == ["big"]
    recent = build_selection(max_age=86400)
    assert [e.path for e in walk(tmp_path, recent)] == ["big"]
    with_stat = list(walk(tmp_path, build_selection(), with_stat=True))
    assert [(e.path, e.stat.st_size if e.stat else None) for e in with_stat] == [("big", 5000), ("small", 5)]


def test_walk_of_a_file_is_a_usage_error(tmp_path: Path) -> None:
    make(tmp_path, "f")
    with pytest.raises(UsageError, match="not a directory"):
        walk(tmp_path / "f", build_selection())


def test_selection_is_shared_safely_between_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    make(tmp_path, *[f"d{i % 7}/s{i % 3}/f{i}.{'py' if i % 2 else 'txt'}" for i in range(300)])
    sel = build_selection(rules=[("exclude", "d1/"), ("include", "*.py")])

    def run(_: int) -> list[str]:
        return [e.path for e in walk(tmp_path, sel)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(8)))
    assert all(r == results[0] for r in results)
    assert results[0] and all(p.endswith(".py") and not p.startswith("d1/") for p in results[0])
