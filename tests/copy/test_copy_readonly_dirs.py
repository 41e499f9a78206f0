"""A copy or mirror run by a user who is not root handles read-only files and directories.

A source directory without the owner's write bit (``0o555``: a Go module cache, a read-only
checkout) is copied with that mode; the next mirror must still add, replace and delete entries
in it, and delete it whole, as rsync does; and Linux lets only a writer set a user xattr, so a
read-only file's or directory's xattrs are set with the owner's write bit added for the moment.
Permission bits do not bind root, so under root each
test runs in a forked child that has become ``nobody`` (``testing.users.as_user``); elsewhere
it runs as is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator

import pytest

from cargobay import copy as cb
from cargobay.testing.trees import compare_trees
from cargobay.testing.users import as_user


def _write(path: str, data: bytes = b"x") -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


@contextlib.contextmanager
def opened(*dirs: str) -> Iterator[None]:
    """Edit inside read-only source directories: ``u+w`` for the block, their modes back after."""
    modes = [stat.S_IMODE(os.lstat(d).st_mode) for d in dirs]
    for d, m in zip(dirs, modes, strict=True):
        os.chmod(d, m | 0o700)
    try:
        yield
    finally:
        for d, m in reversed(list(zip(dirs, modes, strict=True))):
            os.chmod(d, m)


def _source(work: str) -> tuple[str, str]:
    """``src/ro`` (0o555) holding a file and ``sub`` (0o500) holding another, copied to ``dst``."""
    src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
    _write(os.path.join(src, "ro", "f"))
    _write(os.path.join(src, "ro", "sub", "g"))
    os.chmod(os.path.join(src, "ro", "sub"), 0o500)
    os.chmod(os.path.join(src, "ro"), 0o555)
    report = cb.copytree(src, dst)
    assert report.ok, report.errors
    assert not compare_trees(src, dst)
    return src, dst


@pytest.mark.parametrize("checksum", [False, True], ids=["size-mtime", "checksum"])
def test_mirror_adds_replaces_and_deletes_inside_a_read_only_directory(checksum: bool) -> None:
    def run(work: str) -> None:
        src, dst = _source(work)
        ro = os.path.join(src, "ro")
        with opened(ro):
            _write(os.path.join(ro, "new"), b"new")
            _write(os.path.join(ro, "f"), b"longer")
            os.symlink("f", os.path.join(ro, "link"))
        with opened(ro, os.path.join(ro, "sub")):
            os.unlink(os.path.join(ro, "sub", "g"))
        report = cb.mirror(src, dst, checksum=checksum)
        assert report.ok, report.errors
        assert not compare_trees(src, dst)
        assert stat.S_IMODE(os.stat(os.path.join(dst, "ro")).st_mode) == 0o555

    as_user(run)


def test_mirror_deletes_a_read_only_tree() -> None:
    def run(work: str) -> None:
        src, dst = _source(work)
        with opened(os.path.join(src, "ro")):
            os.chmod(os.path.join(src, "ro", "sub"), 0o700)
            shutil.rmtree(os.path.join(src, "ro", "sub"))
        os.chmod(os.path.join(src, "ro"), 0o700)
        shutil.rmtree(os.path.join(src, "ro"))
        report = cb.mirror(src, dst)
        assert report.ok, report.errors
        assert not compare_trees(src, dst)

    as_user(run)


def test_mirror_replaces_a_read_only_directory_by_a_file() -> None:
    def run(work: str) -> None:
        src, dst = _source(work)
        os.chmod(os.path.join(src, "ro"), 0o700)
        os.chmod(os.path.join(src, "ro", "sub"), 0o700)
        shutil.rmtree(os.path.join(src, "ro"))
        _write(os.path.join(src, "ro"), b"now a file")
        report = cb.mirror(src, dst)
        assert report.ok, report.errors
        assert not compare_trees(src, dst)

    as_user(run)


def test_mirror_into_a_read_only_root_keeps_its_mode() -> None:
    def run(work: str) -> None:
        src, dst = _source(work)
        os.chmod(src, 0o555)
        os.chmod(dst, 0o555)
        with opened(src):
            _write(os.path.join(src, "top"), b"t")
        report = cb.mirror(src, dst)
        assert report.ok, report.errors
        assert not compare_trees(src, dst)

    as_user(run)


def test_mirror_without_modes_sets_back_the_read_only_mode_it_found() -> None:
    def run(work: str) -> None:
        src, dst = _source(work)
        ro, dst_ro = os.path.join(src, "ro"), os.path.join(dst, "ro")
        with opened(ro):
            _write(os.path.join(ro, "new"), b"new")
        os.chmod(dst_ro, 0o551)  # differs from the source's: modes are not preserved in this run
        report = cb.mirror(src, dst, preserve=cb.Preserve(mode=False))
        assert report.ok, report.errors
        assert os.path.exists(os.path.join(dst_ro, "new"))
        assert stat.S_IMODE(os.stat(dst_ro).st_mode) == 0o551

    as_user(run)


def _xattrs(path: str) -> dict[str, bytes]:
    return {n: os.getxattr(path, n) for n in os.listxattr(path)}


@pytest.mark.parametrize("mode", [0o400, 0o444, 0o555], ids=oct)
def test_copy_keeps_the_xattrs_of_a_read_only_file(mode: int) -> None:
    # Linux lets only a writer set a user xattr: a file created with its final mode 0o400 refused
    # it with EACCES, which was tolerated, so the copy silently had none.
    def run(work: str) -> None:
        src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
        _write(os.path.join(src, "f"))
        os.setxattr(os.path.join(src, "f"), "user.k", b"v")
        os.chmod(os.path.join(src, "f"), mode)
        report = cb.copytree(src, dst)
        assert report.ok, report.errors
        assert _xattrs(os.path.join(dst, "f")) == {"user.k": b"v"}
        assert not compare_trees(src, dst)

    as_user(run)


@pytest.mark.parametrize("checksum", [False, True], ids=["size-mtime", "checksum"])
@pytest.mark.parametrize("entry", ["ro/f", "ro"])
def test_mirror_carries_an_xattr_change_of_a_read_only_entry(entry: str, checksum: bool) -> None:
    def run(work: str) -> None:
        src, dst = _source(work)
        path = os.path.join(src, entry)
        os.chmod(os.path.join(src, "ro", "f"), 0o444)
        with opened(path):
            os.setxattr(path, "user.added", b"1")
        report = cb.mirror(src, dst, checksum=checksum)
        assert report.ok, report.errors
        assert _xattrs(os.path.join(dst, entry)) == {"user.added": b"1"}
        assert not compare_trees(src, dst)
        with opened(path):
            os.removexattr(path, "user.added")
        report = cb.mirror(src, dst, checksum=checksum)
        assert report.ok, report.errors
        assert _xattrs(os.path.join(dst, entry)) == {}
        assert stat.S_IMODE(os.stat(os.path.join(dst, entry)).st_mode) == stat.S_IMODE(os.stat(path).st_mode)

    as_user(run)


def test_fresh_copy_links_into_a_read_only_directory_a_split_child_finished() -> None:
    """Found by the as-user mirror property in CI: a fresh copy with two root subdirectories forks a
    second process, which sets a directory's mode when it finishes it; a file there with another
    link is handed back and linked by the parent at the end, into a directory already ``0o500``
    (root is not bound by it; a user was: "Permission denied"). The link opens it for the moment."""
    from cargobay.testing.trees import DirSpec, FileSpec, HardLinkSpec, Spec, write_tree

    tree: dict[str, Spec] = {
        "-rf": FileSpec(data=b"", mode=0o400, mtime_ns=0, xattrs=(), hole_before=0, hole_after=0),
        "a": DirSpec(mode=0o500, mtime_ns=0, xattrs=()),
        "b": DirSpec(mode=0o500, mtime_ns=0, xattrs=()),
        "a/-rf": HardLinkSpec(to="-rf"),
    }

    def run(work: str) -> None:
        src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
        write_tree(tree, src)
        report = cb.copytree(src, dst)
        assert report.ok, report.errors
        assert not compare_trees(src, dst), str(compare_trees(src, dst))
        assert os.stat(os.path.join(dst, "a", "-rf")).st_ino == os.stat(os.path.join(dst, "-rf")).st_ino
        assert stat.S_IMODE(os.stat(os.path.join(dst, "a")).st_mode) == 0o500

    as_user(run)
