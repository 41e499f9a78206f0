"""Linux libc calls that :mod:`os` does not bind, through :mod:`ctypes`: ``fallocate`` with flags,
``sync_file_range`` and ``mallopt``.

Both are hints that make I/O faster, never what makes it correct: every caller must behave the
same when a call is missing (not Linux, no libc symbol) or refused (a filesystem without
preallocation), so the functions here report success as a bool and never raise.

Why not ``os.posix_fallocate``: glibc emulates it on filesystems that refuse ``fallocate`` by
writing a byte into every block (slow on NFS and FUSE, and it changes the file's size). The raw
call with ``FALLOC_FL_KEEP_SIZE`` either reserves the blocks or does nothing.

libc is bound on first use, not at import: ``ctypes`` costs ~1.5 ms and most runs of the copy
engine (small files) never need it; for the same reason this module does not import ``typing``.
``CDLL(None)`` reuses the libc already mapped into the process (``ctypes.util.find_library``
would run ``ldconfig`` in a subprocess).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

FALLOC_FL_KEEP_SIZE = 0x01
SYNC_FILE_RANGE_WRITE = 0x02


@functools.cache
def _bind(name: str) -> Callable[..., int] | None:
    """The libc function ``name`` with 64-bit offsets, or None where there is none (bound once;
    two threads racing here both bind the same symbol, which is harmless)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    # fallocate(int fd, int mode, off_t offset, off_t len); sync_file_range(int fd,
    # off64_t offset, off64_t nbytes, unsigned int flags): off_t is 64-bit on every 64-bit Linux.
    if name == "fallocate":
        fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    elif name == "mallopt":
        fn.argtypes = [ctypes.c_int, ctypes.c_int]
    else:
        fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


def has(call: str) -> bool:
    """Whether this platform's libc offers ``call`` (``"fallocate"``, ``"sync_file_range"``, ``"mallopt"``)."""
    return _bind(call) is not None


def preallocate(fd: int, length: int) -> bool:
    """Reserve disk blocks for the first ``length`` bytes of ``fd`` without changing its size.

    A file filled afterwards by ``copy_file_range`` or ``write`` then gets its blocks in one
    extent-sized allocation instead of one delayed allocation per page (on ext4, a 1 GiB copy
    takes ~23% less time). False when nothing was reserved (not Linux, refused, no space): the
    writes that follow then allocate as usual, and report ``ENOSPC`` themselves if it is real.
    """
    fn = _bind("fallocate")
    if fn is None or length <= 0:
        return False
    try:
        return fn(fd, FALLOC_FL_KEEP_SIZE, 0, length) == 0
    except Exception:  # ctypes.ArgumentError for an out-of-range value: a hint, so ignore it
        return False


def start_writeback(fd: int, offset: int, count: int) -> bool:
    """Queue the write-out of ``count`` bytes at ``offset`` of ``fd`` (``SYNC_FILE_RANGE_WRITE``);
    returns without waiting for the disk. False when the call is missing or refused."""
    fn = _bind("sync_file_range")
    if fn is None:
        return False
    try:
        return fn(fd, offset, count, SYNC_FILE_RANGE_WRITE) == 0
    except Exception:  # as in preallocate
        return False


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def keep_heap_for_streaming(mmap_threshold: int = 4 << 20, trim_threshold: int = 32 << 20) -> bool:
    """Tell glibc's malloc to serve blocks below ``mmap_threshold`` from the heap and to keep up
    to ``trim_threshold`` of freed heap instead of returning it to the kernel.

    A server streaming a large body allocates one buffer per socket read (up to 1 MiB) and frees
    it once the bytes are hashed and written. With glibc's defaults each such buffer became a
    fresh ``mmap`` (or heap growth after a trim) whose pages fault in and are zeroed on first
    touch: ~20-100 page faults per MiB received, measured on a 64 MiB PUT, and ~15% of the
    server's CPU per MiB. Reusing heap memory makes that ~0. False where there is no glibc
    ``mallopt`` (then nothing changes)."""
    fn = _bind("mallopt")
    if fn is None:
        return False
    try:
        # mallopt returns 1 on success, 0 on error
        return bool(fn(M_MMAP_THRESHOLD, mmap_threshold)) and bool(fn(M_TRIM_THRESHOLD, trim_threshold))
    except Exception:  # as in preallocate
        return False
