"""The allocation hint (``FS_TOPDIR_FL`` on the destination root) is set only for the run.

Where the filesystem of the temp dir has no inode flags (not ext2/3/4, or refused), the hint must
change nothing; the assertions below hold in both cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cargobay import copy as cb
from cargobay._fsutil import is_temp_name
from cargobay._placement import FS_TOPDIR_FL, get_inode_flags
from cargobay.copy.fastpaths import MethodLadder
from cargobay.testing.trees import FileSpec, compare_trees, write_tree

TREE = {f"d{i}/f{j}": FileSpec(b"x" * (i * 100 + j), mode=0o644, mtime_ns=10**18) for i in range(3) for j in range(4)}


def _topdir(path: Path) -> bool | None:
    flags = get_inode_flags(str(path))
    return None if flags is None else bool(flags & FS_TOPDIR_FL)


def _watch_flag_during_copies(monkeypatch: pytest.MonkeyPatch, dst: Path) -> list[bool | None]:
    """The destination root's flag as seen each time a file's bytes are copied (a fresh copy's
    root is still under its temp name then: see ``fresh.hidden_root``)."""
    seen: list[bool | None] = []
    real = MethodLadder.copy

    def watching(self: MethodLadder, src_fd: int, dst_fd: int, **kw: int) -> int:
        hidden = [p for p in dst.parent.iterdir() if is_temp_name(p.name) and p.name.endswith("-" + dst.name)]
        seen.append(_topdir(dst if dst.exists() else hidden[0]))
        return real(self, src_fd, dst_fd, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(MethodLadder, "copy", watching)
    return seen


@pytest.mark.parametrize("existing", [False, True])
def test_topdir_flag_is_set_during_the_copy_and_cleared_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(TREE, str(src))
    if existing:
        dst.mkdir()
    supported = _topdir(tmp_path) is not None
    seen = _watch_flag_during_copies(monkeypatch, dst)
    report = cb.mirror(src, dst)
    assert report.ok, report.errors
    assert seen and all(s is (True if supported else None) for s in seen)
    assert _topdir(dst) is (False if supported else None)
    assert not compare_trees(str(src), str(dst))


def test_topdir_flag_is_cleared_when_the_copy_is_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(TREE, str(src))

    def crashing(self: MethodLadder, src_fd: int, dst_fd: int, **kw: int) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(MethodLadder, "copy", crashing)
    with pytest.raises(KeyboardInterrupt):
        cb.copytree(src, dst)
    assert _topdir(dst) is not True


def test_a_topdir_flag_the_destination_already_had_is_kept(tmp_path: Path) -> None:
    from cargobay._placement import spread_subdirs

    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(TREE, str(src))
    dst.mkdir()
    had = spread_subdirs(str(dst))  # the user's own chattr +T (False: no inode flags here)
    assert cb.mirror(src, dst).ok
    assert _topdir(dst) is True if had else _topdir(dst) is not True


def test_no_spread_option_leaves_the_flag_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(TREE, str(src))
    seen = _watch_flag_during_copies(monkeypatch, dst)
    assert cb.copytree(src, dst, options=cb.CopyOptions(spread=False)).ok
    assert seen and not any(seen)
