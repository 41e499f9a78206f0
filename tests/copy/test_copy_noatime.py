"""A copy reads its sources with ``O_NOATIME``: their access times stay as they were (and the
copies get exactly those), and a refusal of the flag costs the run one retry, not the copy."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cargobay import copy as cb
from cargobay.copy import _platform, execute
from cargobay.testing.trees import compare_trees

pytestmark = pytest.mark.skipif(not _platform.O_NOATIME, reason="O_NOATIME is Linux's")

OLD_ATIME_NS = 1_000_000_000_123_456_789  # older than any mtime here: a plain read (relatime) updates it


def _tree(root: Path, dirs: int = 3, files: int = 20) -> list[Path]:
    made = []
    for d in range(dirs):
        for f in range(files):
            p = root / f"d{d}" / f"f{f:02}"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(os.urandom(100 + f))
            st = p.stat()
            os.utime(p, ns=(OLD_ATIME_NS, st.st_mtime_ns))
            made.append(p)
    return made


def _reads_update_atime(tmp_path: Path) -> bool:
    """Whether a plain read on this filesystem updates an old atime (not a ``noatime`` mount)."""
    probe = tmp_path / "probe"
    probe.write_bytes(b"x")
    os.utime(probe, ns=(OLD_ATIME_NS, probe.stat().st_mtime_ns))
    probe.read_bytes()
    updated = probe.stat().st_atime_ns != OLD_ATIME_NS
    probe.unlink()
    return updated


def test_a_fresh_copy_leaves_the_sources_atimes_and_gives_them_to_the_copies(tmp_path: Path) -> None:
    assert _reads_update_atime(tmp_path), "the test needs a filesystem where reads update atime"
    src, dst = tmp_path / "src", tmp_path / "dst"
    files = _tree(src)
    report = cb.copytree(src, dst)
    assert report.ok and report.files == len(files), report.errors
    for p in files:
        assert p.stat().st_atime_ns == OLD_ATIME_NS, p
        assert (dst / p.relative_to(src)).stat().st_atime_ns == OLD_ATIME_NS, p
    assert not compare_trees(str(src), str(dst))


def test_an_update_leaves_the_changed_sources_atimes(tmp_path: Path) -> None:
    """The general path (a file that exists on the destination is replaced)."""
    assert _reads_update_atime(tmp_path), "the test needs a filesystem where reads update atime"
    src, dst = tmp_path / "src", tmp_path / "dst"
    files = _tree(src, dirs=1, files=5)
    assert cb.copytree(src, dst).ok
    for p in files:
        p.write_bytes(b"changed " + p.name.encode())
        os.utime(p, ns=(OLD_ATIME_NS, p.stat().st_mtime_ns))
    report = cb.mirror(src, dst)
    assert report.ok and report.files == len(files), report.errors
    for p in files:
        assert p.stat().st_atime_ns == OLD_ATIME_NS, p
    assert not compare_trees(str(src), str(dst))


def test_a_refused_noatime_is_dropped_for_the_run_and_the_copy_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for a file the caller does not own (EPERM): each file is copied, exactly, and the flag
    is given up after the first refusal, not asked again for every file."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    files = _tree(src, dirs=1, files=3 * execute._BATCH_QUIET)
    real_open = os.open
    refusals = []

    def open_(path: str, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        if flags & _platform.O_NOATIME:
            refusals.append(path)
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), path)
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", open_)
    report = cb.copytree(src, dst)
    monkeypatch.setattr(os, "open", real_open)
    assert report.ok and report.files == len(files), report.errors
    assert not compare_trees(str(src), str(dst))
    # The first batch's fast loop tries each of its files, the general path gives the flag up.
    assert 0 < len(refusals) <= execute._BATCH_QUIET + 1
