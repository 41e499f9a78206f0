"""The libc hints: they do what they say where they can, and are silent no-ops where they cannot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cargobay import _libc

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fallocate is a Linux call")


def test_the_calls_exist_exactly_on_linux() -> None:
    linux = sys.platform.startswith("linux")
    assert _libc.has("fallocate") == linux
    assert _libc.has("sync_file_range") == linux
    assert not _libc.has("no_such_libc_function")


@linux_only
def test_preallocate_reserves_blocks_without_changing_the_size(tmp_path: Path) -> None:
    path = tmp_path / "f"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        assert _libc.preallocate(fd, 8 << 20)
        st = os.fstat(fd)
        assert st.st_size == 0
        assert st.st_blocks * 512 >= 8 << 20
        os.write(fd, b"abc")
    finally:
        os.close(fd)
    assert path.read_bytes() == b"abc"


def test_refusals_are_false_not_errors(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "f", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        assert not _libc.preallocate(fd, 0)
        assert not _libc.preallocate(fd, 1 << 80)  # does not fit off_t: refused by ctypes
        assert not _libc.start_writeback(fd, -1, 1 << 20)  # EINVAL from the kernel
    finally:
        os.close(fd)
    assert not _libc.preallocate(fd, 1 << 20)  # closed descriptor: EBADF
    assert not _libc.start_writeback(fd, 0, 1 << 20)
    assert os.stat(tmp_path / "f").st_size == 0


@linux_only
def test_keep_heap_for_streaming_is_accepted_by_glibc() -> None:
    import subprocess

    # In a child: the setting is process-wide and the test process need not change.
    code = "from cargobay import _libc; print(_libc.keep_heap_for_streaming())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
