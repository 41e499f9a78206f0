"""Example tests of the selection decision: order, implicit exclude, groups, size/age, pruning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cargobay.select import GROUPS, build_selection


def _stat(size: int, mtime: float) -> os.stat_result:
    return os.stat_result((0o100644, 0, 0, 1, 0, 0, size, mtime, mtime, mtime))


def test_first_match_wins_in_given_order() -> None:
    a = build_selection(rules=[("include", "keep.log"), ("exclude", "*.log")])
    b = build_selection(rules=[("exclude", "*.log"), ("include", "keep.log")])
    assert a.includes_file("d/keep.log")
    assert not b.includes_file("d/keep.log")
    assert not a.includes_file("other.log")


def test_include_rule_makes_the_list_exclusive() -> None:
    sel = build_selection(include=["*.py"])
    assert sel.includes_file("a/b.py")
    assert not sel.includes_file("a/b.txt")
    assert build_selection(exclude=["*.py"]).includes_file("a/b.txt")


def test_filter_plus_lines_do_not_make_the_list_exclusive(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("+ important.log\n- *.log\n")
    sel = build_selection(filter_from=[str(f)])
    assert sel.includes_file("important.log")
    assert not sel.includes_file("x.log")
    assert sel.includes_file("x.txt")


def test_filter_clear_line_forgets_earlier_rules(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("- *.txt\n!\n- *.md\n")
    sel = build_selection(rules=[("include", "*.py"), ("filter_from", str(f))])
    assert sel.includes_file("a.txt")  # cleared, and the include went with it
    assert sel.includes_file("a.py")
    assert not sel.includes_file("a.md")


def test_directory_rule_covers_everything_below() -> None:
    sel = build_selection(exclude=["build/"])
    assert not sel.includes_file("build/x/y.c")
    assert not sel.includes_file("src/build/y.c")
    assert sel.includes_file("build")  # a file called build is not a directory
    inc = build_selection(include=["src/"])
    assert inc.includes_file("src/a/b/c.txt")
    assert not inc.includes_file("lib/src")


def test_earlier_file_rule_beats_later_directory_rule() -> None:
    sel = build_selection(rules=[("include", "*.py"), ("exclude", "build/")])
    assert sel.includes_file("build/gen.py")
    assert not sel.includes_file("build/gen.c")
    assert sel.may_descend("build")


def test_anchored_and_unanchored_patterns() -> None:
    sel = build_selection(exclude=["/top.txt", "a/b.txt", "any.txt"])
    assert not sel.includes_file("top.txt")
    assert sel.includes_file("d/top.txt")
    assert not sel.includes_file("a/b.txt")
    assert sel.includes_file("x/a/b.txt")
    assert not sel.includes_file("x/y/any.txt")


MAY_DESCEND = [
    # rules, directory, expected
    ([("exclude", "node_modules/")], "node_modules", False),
    ([("exclude", "node_modules/")], "a/node_modules/b", False),
    ([("exclude", "node_modules/")], "a", True),
    ([("include", "src/**/*.py")], "docs", False),
    ([("include", "src/**/*.py")], "src/a/b", True),
    ([("include", "/a/b/*.c")], "a", True),
    ([("include", "/a/b/*.c")], "a/b", True),
    ([("include", "/a/b/*.c")], "a/b/c", False),
    ([("include", "/a/b/*.c")], "a/x", False),
    ([("include", "*.py")], "anything/deep", True),
    ([("exclude", "*.tmp")], "x.tmp", False),
    ([("include", "keep.txt"), ("exclude", "cache/")], "cache", True),
    ([("exclude", "cache/"), ("include", "keep.txt")], "cache", False),
    ([("exclude", "/a/*/c/")], "a/b/c", False),
    ([("exclude", "/a/*/c/")], "a/b", True),
]


@pytest.mark.parametrize(("rules", "directory", "expected"), MAY_DESCEND, ids=[f"{r}-{d}" for r, d, _ in MAY_DESCEND])
def test_may_descend_table(rules: list[tuple[str, str]], directory: str, expected: bool) -> None:
    assert build_selection(rules=rules).may_descend(directory) is expected


def test_groups_expand_in_place() -> None:
    assert {"office", "media", "source", "temporary", "archives"} <= set(GROUPS)
    sel = build_selection(exclude_groups=["temporary"])
    for junk in ("a.tmp", "x/.DS_Store", "pkg/__pycache__/m.cpython-311.pyc", "notes.txt~", "#draft#"):
        assert not sel.includes_file(junk), junk
    assert sel.includes_file("main.py")
    media = build_selection(include_groups=["media"])
    assert media.includes_file("holiday/IMG_1.JPG")
    assert not media.includes_file("holiday/notes.txt")


def test_size_and_age_bounds_are_inclusive() -> None:
    now = 1_000_000.0
    sel = build_selection(min_size=10, max_size=20, min_age=60, max_age=3600, now=now)
    assert sel.includes_file("f", _stat(10, now - 60))
    assert sel.includes_file("f", _stat(20, now - 3600))
    assert not sel.includes_file("f", _stat(9, now - 100))
    assert not sel.includes_file("f", _stat(21, now - 100))
    assert not sel.includes_file("f", _stat(15, now - 59))
    assert not sel.includes_file("f", _stat(15, now - 3601))
    with pytest.raises(ValueError, match="lstat"):
        sel.includes_file("f")


@pytest.mark.parametrize("rel", ["", "/abs", "dir/"])
def test_includes_file_rejects_non_relative_paths(rel: str) -> None:
    with pytest.raises(ValueError, match="relative file path"):
        build_selection().includes_file(rel)
