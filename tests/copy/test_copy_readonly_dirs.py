"""A mirror run by a user who is not root changes read-only destination directories it copied.

A source directory without the owner's write bit (``0o555``: a Go module cache, a read-only
checkout) is copied with that mode; the next mirror must still add, replace and delete entries
in it, and delete it whole, as rsync does. Permission bits do not bind root, so under root each
test runs in a forked child that has become ``nobody`` (``as_user``); elsewhere it runs as is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import traceback
from collections.abc import Callable, Iterator

import pytest

from cargobay import copy as cb
from cargobay.copy import _platform
from cargobay.testing.trees import compare_trees

NOBODY = 65534


def as_user(fn: Callable[[str], None]) -> None:
    """Run ``fn(work_dir)`` as a user the permission bits bind: this process when it is not root,
    else a forked child that became ``nobody`` (its failure, with the traceback, fails the test)."""
    work = tempfile.mkdtemp(prefix="cargobay-ro-")
    try:
        if os.geteuid() != 0:
            fn(work)
            return
        os.chown(work, NOBODY, NOBODY)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                os.close(read_fd)
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                # Probed at import, in the parent, as root: what the engine would have seen as nobody.
                _platform.IS_ROOT, _platform.EUID, _platform.EGID = False, NOBODY, NOBODY
                fn(work)
                code = 0
            except BaseException:
                os.write(write_fd, traceback.format_exc().encode())
            finally:
                os._exit(code)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            failure = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, failure or f"child status {status}"
    finally:
        for dirpath, dirnames, _ in os.walk(work):  # root removes anything; a user must open it up
            for d in dirnames:
                path = os.path.join(dirpath, d)
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
        shutil.rmtree(work)


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
