"""A mirror over a destination whose content is right but whose metadata is not.

Mode, mtime, ownership and hard-link grouping show in a ``stat``; extended attributes only in
the source inode's ctime (``fileattrs.attrs_differ``), a change the mirror must not hide by moving
the destination's ctime itself: deleting or replacing one name of a destination inode with other
links moves that inode's ctime, and the other names were then taken as "written after the source
changed" (found by ``test_copy_props.py``'s checksum-mirror property, shrunk to these cases).
Every case runs with and without ``checksum`` and with one and three workers; none may copy bytes
only to fix metadata (the destination keeps its inode).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cargobay import copy as cb
from cargobay.copy import pairing, prober, split
from cargobay.copy.moved import MovedCtimes
from cargobay.testing.trees import DirSpec, FileSpec, HardLinkSpec, Spec, compare_trees, write_tree

VARIANTS = pytest.mark.parametrize(
    ("checksum", "workers"),
    [(False, 1), (False, 3), (True, 1), (True, 3)],
    ids=["plain-1", "plain-3", "sum-1", "sum-3"],
)
_T = 1_600_000_000_123_456_789


def _setup(tmp_path: Path, model: dict[str, Spec]) -> tuple[str, str]:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    write_tree(model, src)
    report = cb.copytree(src, dst)
    assert report.ok, report.errors
    return src, dst


def _mirror_and_check(src: str, dst: str, checksum: bool, workers: int) -> cb.CopyReport:
    # The kernel stamps ctimes from a clock that ticks every few milliseconds: past one tick, a
    # change the mirror makes can no longer share the source edit's ctime (which hid the bug).
    time.sleep(0.025)
    report = cb.mirror(src, dst, checksum=checksum, workers=workers)
    assert report.ok, report.errors
    diff = compare_trees(src, dst)
    assert not diff, str(diff)
    return report


def _ino(path: str) -> int:
    return os.lstat(path).st_ino


# ------------------------------------------------------------------ the mirror's own deletions


LINKED: dict[str, Spec] = {
    "a": DirSpec(),
    "a/f": FileSpec(b"same bytes", mode=0o640, mtime_ns=_T, xattrs=(("user.k", b"v"),)),
    "b": DirSpec(),
    "b/g": HardLinkSpec("a/f"),
}


@VARIANTS
@pytest.mark.parametrize("xattr_edit", ["removed", "changed", "added"])
def test_xattr_change_kept_when_the_mirror_deletes_the_other_link_first(
    tmp_path: Path, checksum: bool, workers: int, xattr_edit: str
) -> None:
    """The property test's falsifying example, shrunk: ``b`` (holding the second link of ``a/f``)
    is gone from the source, and ``a/f``'s xattr changed; the mirror deletes ``b`` before it
    looks at ``a/f``, which moves ``a/f``'s destination ctime past the source's change."""
    src, dst = _setup(tmp_path, LINKED)
    shutil.rmtree(os.path.join(src, "b"))
    f = os.path.join(src, "a", "f")
    if xattr_edit == "removed":
        os.removexattr(f, "user.k")
    elif xattr_edit == "changed":
        os.setxattr(f, "user.k", b"w")
    else:
        os.setxattr(f, "user.other", b"")
    before = _ino(os.path.join(dst, "a", "f"))
    report = _mirror_and_check(src, dst, checksum, workers)
    assert _ino(os.path.join(dst, "a", "f")) == before  # set in place, not copied again
    assert (report.files, report.attrs_updated) == (0, 1)


@VARIANTS
def test_xattr_change_kept_when_the_mirror_deletes_the_other_link_file(
    tmp_path: Path, checksum: bool, workers: int
) -> None:
    """The same with only the linked file gone (``b`` stays): directories are walked last name
    first, so ``b`` (and its deletion) comes before ``a``."""
    src, dst = _setup(tmp_path, LINKED)
    os.unlink(os.path.join(src, "b", "g"))
    os.removexattr(os.path.join(src, "a", "f"), "user.k")
    before = _ino(os.path.join(dst, "a", "f"))
    report = _mirror_and_check(src, dst, checksum, workers)
    assert _ino(os.path.join(dst, "a", "f")) == before
    assert report.files == 0


@VARIANTS
def test_xattr_change_kept_when_the_mirror_replaces_the_other_link(
    tmp_path: Path, checksum: bool, workers: int
) -> None:
    """``b/g`` is now a file of its own (other bytes): the mirror's copy renames over the old
    link, which moves the shared inode's ctime as a deletion does."""
    src, dst = _setup(tmp_path, LINKED)
    g = os.path.join(src, "b", "g")
    os.unlink(g)
    with open(g, "wb") as fh:
        fh.write(b"other bytes, longer")
    os.removexattr(os.path.join(src, "a", "f"), "user.k")
    before = _ino(os.path.join(dst, "a", "f"))
    report = _mirror_and_check(src, dst, checksum, workers)
    assert _ino(os.path.join(dst, "a", "f")) == before
    assert report.files == 1  # b/g only


# ------------------------------------------------------------------ metadata only, either side

ONE: dict[str, Spec] = {"f": FileSpec(b"same bytes", mode=0o640, mtime_ns=_T, xattrs=(("user.k", b"v"),))}


def _chmod_src(src: str, dst: str) -> None:
    os.chmod(os.path.join(src, "f"), 0o600)


def _chmod_dst(src: str, dst: str) -> None:
    os.chmod(os.path.join(dst, "f"), 0o777)


def _xattr_src(src: str, dst: str) -> None:
    os.setxattr(os.path.join(src, "f"), "user.k", b"changed")


def _xattr_src_removed(src: str, dst: str) -> None:
    os.removexattr(os.path.join(src, "f"), "user.k")


@VARIANTS
@pytest.mark.parametrize("edit", [_chmod_src, _chmod_dst, _xattr_src, _xattr_src_removed], ids=lambda e: e.__name__)
def test_metadata_only_change_is_set_in_place(tmp_path: Path, checksum: bool, workers: int, edit) -> None:  # type: ignore[no-untyped-def]
    src, dst = _setup(tmp_path, ONE)
    edit(src, dst)
    before = _ino(os.path.join(dst, "f"))
    report = _mirror_and_check(src, dst, checksum, workers)
    assert _ino(os.path.join(dst, "f")) == before
    assert (report.files, report.attrs_updated) == (0, 1)


@VARIANTS
@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file another owner")
def test_owner_changed_on_the_destination_is_set_in_place(tmp_path: Path, checksum: bool, workers: int) -> None:
    src, dst = _setup(tmp_path, ONE)
    f = os.path.join(dst, "f")
    os.chown(f, 4321, 4321)
    before = _ino(f)
    report = _mirror_and_check(src, dst, checksum, workers)
    assert (_ino(f), os.lstat(f).st_uid) == (before, os.lstat(os.path.join(src, "f")).st_uid)
    assert (report.files, report.attrs_updated) == (0, 1)


@VARIANTS
@pytest.mark.parametrize("side", ["src", "dst"])
def test_mtime_only_change_ends_equal_and_is_set_in_place_with_checksum(
    tmp_path: Path, checksum: bool, workers: int, side: str
) -> None:
    """Without ``checksum`` another mtime means the content may differ: the file is copied. With
    it the bytes are compared first (as ``rsync --checksum``), and equal bytes keep their inode."""
    src, dst = _setup(tmp_path, ONE)
    os.utime(os.path.join(src if side == "src" else dst, "f"), ns=(_T + 7, _T + 7))
    before = _ino(os.path.join(dst, "f"))
    report = _mirror_and_check(src, dst, checksum, workers)
    if checksum:
        assert _ino(os.path.join(dst, "f")) == before
        assert (report.files, report.attrs_updated) == (0, 1)
    else:
        assert report.files == 1


@VARIANTS
def test_xattr_changed_on_the_destination_is_undone_with_checksum(tmp_path: Path, checksum: bool, workers: int) -> None:
    """An xattr set on the destination behind the mirror's back moves only the destination's
    ctime, which reads as "written after the source": without ``checksum`` it is kept (reading
    every file's xattrs would cost a no-change mirror two calls a file). ``checksum`` reads both
    files whole anyway and compares their xattrs too."""
    src, dst = _setup(tmp_path, ONE)
    f = os.path.join(dst, "f")
    os.setxattr(f, "user.k", b"tampered")
    os.setxattr(f, "user.extra", b"x")
    before = _ino(f)
    if not checksum:
        report = cb.mirror(src, dst, checksum=False, workers=workers)
        assert report.ok, report.errors
        assert (report.files, report.attrs_updated) == (0, 0)
        return
    report = _mirror_and_check(src, dst, checksum, workers)
    assert _ino(f) == before
    assert (report.files, report.attrs_updated) == (0, 1)


# ------------------------------------------------------------------ hard-link grouping

TWO_APART: dict[str, Spec] = {
    "a": DirSpec(),
    "a/f": FileSpec(b"same bytes", mode=0o640, mtime_ns=_T, xattrs=(("user.k", b"v"),)),
    "b": DirSpec(),
    "b/g": FileSpec(b"same bytes", mode=0o640, mtime_ns=_T, xattrs=(("user.k", b"v"),)),
}


@VARIANTS
def test_source_linked_where_destination_is_not_links_without_copying(
    tmp_path: Path, checksum: bool, workers: int
) -> None:
    src, dst = _setup(tmp_path, TWO_APART)
    os.unlink(os.path.join(src, "b", "g"))
    os.link(os.path.join(src, "a", "f"), os.path.join(src, "b", "g"))
    report = _mirror_and_check(src, dst, checksum, workers)
    assert report.files == 0
    assert _ino(os.path.join(dst, "a", "f")) == _ino(os.path.join(dst, "b", "g"))


@VARIANTS
def test_destination_linked_where_source_is_not_is_split(tmp_path: Path, checksum: bool, workers: int) -> None:
    """Two names of one destination inode for two source files of equal bytes: one must become a
    file of its own (a copy: a link cannot be split in place), and each keeps its own metadata."""
    src, dst = _setup(tmp_path, TWO_APART)
    os.unlink(os.path.join(dst, "b", "g"))
    os.link(os.path.join(dst, "a", "f"), os.path.join(dst, "b", "g"))
    os.chmod(os.path.join(src, "b", "g"), 0o604)
    _mirror_and_check(src, dst, checksum, workers)
    assert _ino(os.path.join(dst, "a", "f")) != _ino(os.path.join(dst, "b", "g"))


def test_remove_tree_deletes_all_notes_linked_files_and_follows_no_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_bytes(b"k")
    tree = tmp_path / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "sub" / "deeper" / "plain").write_bytes(b"p")
    (tree / "linked").write_bytes(b"l")
    os.link(tree / "linked", tmp_path / "other-name")
    (tree / "sub" / "to-outside").symlink_to(outside)
    before = os.lstat(tmp_path / "other-name")
    moved = MovedCtimes()
    moved.remove_tree(str(tree))
    assert not tree.exists()
    assert (outside / "keep").read_bytes() == b"k"
    assert moved.before == {(before.st_dev, before.st_ino): before.st_ctime_ns}  # not "plain": one link


@pytest.mark.parametrize("workers", [1, 3])
def test_prober_snapshot_taken_after_the_move_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """With the prober (a forked child pairing every other subdirectory of the root): the engine
    walks ``d04`` first and deletes ``d04/g``, the other link of ``d01/f``, while the child, slowed
    here, pairs ``d01`` only afterwards and would find ``f`` "unchanged" by its moved ctime."""
    monkeypatch.setattr(split, "other_runnable", lambda: 0.0)  # as test_copy_prober.py: a CPU to spare
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    model: dict[str, Spec] = {f"d{i:02}": DirSpec() for i in range(5)}
    model["d01/f"] = FileSpec(b"same bytes", mode=0o640, mtime_ns=_T, xattrs=(("user.k", b"v"),))
    model["d04/g"] = HardLinkSpec("d01/f")
    src, dst = _setup(tmp_path, model)
    os.unlink(os.path.join(src, "d04", "g"))
    os.removexattr(os.path.join(src, "d01", "f"), "user.k")
    answered: list[str] = []
    real_result, real_drop = prober.Prober.result, pairing.drop_unchanged

    def slow_drop(*args: Any) -> Any:
        time.sleep(0.2)  # in the child
        return real_drop(*args)

    def result(self: prober.Prober, rel: str) -> Any:
        got = real_result(self, rel)
        if got is not None:
            answered.append(rel)
        return got

    monkeypatch.setattr(prober, "drop_unchanged", slow_drop)
    monkeypatch.setattr(prober.Prober, "result", result)
    started = []
    real_start = prober.Prober.start

    def start(*args: Any) -> Any:
        started.append(real_start(*args))
        return started[-1]

    monkeypatch.setattr(prober.Prober, "start", staticmethod(start))
    _mirror_and_check(src, dst, False, workers)
    assert started and started[0] is not None, "the prober did not start"
    assert "d01" not in answered


@VARIANTS
def test_destination_group_wider_than_the_source_groups_is_split(tmp_path: Path, checksum: bool, workers: int) -> None:
    """Two source groups of equal bytes and times whose copies share one destination inode: the
    first group to reach the engine keeps it, the other gets one copy and its second name is
    linked to that. Before, both kept it: the second's metadata overwrote the first's and the four
    names stayed one group (the split rule only looked at a source with one link)."""
    model: dict[str, Spec] = {
        "a": DirSpec(),
        "b": DirSpec(),
        "a/x": FileSpec(b"same", mode=0o600, mtime_ns=_T, xattrs=(("user.k", b"A"),)),
        "a/x2": HardLinkSpec("a/x"),
        "b/y": FileSpec(b"same", mode=0o644, mtime_ns=_T, xattrs=(("user.k", b"B"),)),
        "b/y2": HardLinkSpec("b/y"),
    }
    src, dst = _setup(tmp_path, model)
    for name, onto in (("b/y", "a/x"), ("b/y2", "a/x2")):  # one destination inode for all four
        os.unlink(os.path.join(dst, name))
        os.link(os.path.join(dst, onto), os.path.join(dst, name))
    report = _mirror_and_check(src, dst, checksum, workers)
    assert (report.files, report.hardlinks) == (1, 1)
