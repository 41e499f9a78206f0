"""An interrupted copy leaves no partial file under a real name, and a rerun completes it.

Both ways of creating a file are exercised: unnamed (``O_TMPFILE``, then ``linkat``), the default
where the filesystem supports it, and temp name + rename (forced by making ``open_tmpfile``
report no support, as on filesystems without ``O_TMPFILE``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay import _fsutil
from cargobay import copy as cb
from cargobay._fsutil import HAS_O_TMPFILE
from cargobay.copy import writer
from cargobay.copy.fastpaths import MethodLadder
from cargobay.testing.trees import FileSpec, compare_trees, temp_files, write_tree

TREE = {
    f"d{i % 3}/f{i:02}": FileSpec(bytes([i]) * (1000 + 7919 * i), mode=0o640, mtime_ns=10**18 + i) for i in range(24)
}


class _Crash(BaseException):
    """Stands for Ctrl-C or a crash in the middle of writing a file."""


def _real_names_are_complete(src: str, dst: str) -> None:
    for dirpath, _dirs, names in os.walk(dst):
        for n in names:
            if n.startswith(".cargobay-tmp-"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, n), dst)
            assert Path(dst, rel).read_bytes() == Path(src, rel).read_bytes(), f"partial file under real name {rel}"


def _no_tmpfile(directory: str, *, dir_fd: int | None = None, mode: int = 0o600) -> int | None:
    return None


@given(k=st.integers(0, len(TREE) - 1), workers=st.sampled_from([1, 2]), tmpfile=st.booleans())
def test_copy_interrupted_after_k_files_leaves_no_partial_file_and_rerun_completes(
    k: int, workers: int, tmpfile: bool
) -> None:
    real = MethodLadder.copy
    calls = {"n": 0}

    def crashing(self: MethodLadder, src_fd: int, dst_fd: int, **kw: int) -> int:
        calls["n"] += 1
        if calls["n"] > k:
            os.write(dst_fd, os.read(src_fd, 500))  # half a file is on disk under the temp name
            raise _Crash
        return real(self, src_fd, dst_fd, **kw)  # type: ignore[arg-type]

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        write_tree(TREE, src)
        MethodLadder.copy = crashing  # type: ignore[method-assign]
        try:
            with (
                mock.patch.object(writer, "open_tmpfile", _fsutil.open_tmpfile if tmpfile else _no_tmpfile),
                pytest.raises(_Crash),
            ):
                cb.copytree(src, dst, workers=workers)
        finally:
            MethodLadder.copy = real  # type: ignore[method-assign]
        _real_names_are_complete(src, dst)
        assert temp_files(dst) == []  # an orderly interrupt removes its temp files
        assert cb.mirror(src, dst).ok
        assert not compare_trees(src, dst)


_KILLER = """
import os, signal, sys
from cargobay import copy as cb
from cargobay.copy import writer
from cargobay.copy.fastpaths import MethodLadder
if sys.argv[4] == "rename":
    writer.open_tmpfile = lambda *a, **k: None
real = MethodLadder.copy
calls = [0]
def dying(self, src_fd, dst_fd, **kw):
    calls[0] += 1
    if calls[0] > int(sys.argv[3]):
        os.write(dst_fd, os.read(src_fd, 500))
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, src_fd, dst_fd, **kw)
MethodLadder.copy = dying
cb.copytree(sys.argv[1], sys.argv[2], workers=1)
"""


@pytest.mark.parametrize("how", ["tmpfile", "rename"])
@pytest.mark.parametrize("k", [0, 5, 17])
def test_copy_killed_mid_file_leaves_only_temp_names_and_mirror_cleans_up(tmp_path: Path, k: int, how: str) -> None:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    write_tree(TREE, src)
    proc = subprocess.run([sys.executable, "-c", _KILLER, src, dst, str(k), how], capture_output=True, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    _real_names_are_complete(src, dst)
    # The file being written when the process died: under a temp name, or (O_TMPFILE) nowhere,
    # since the kernel frees an unnamed inode when its last descriptor closes.
    assert len(temp_files(dst)) == (0 if how == "tmpfile" and HAS_O_TMPFILE else 1)
    report = cb.mirror(src, dst)
    assert report.ok, report.errors
    assert not compare_trees(src, dst)
