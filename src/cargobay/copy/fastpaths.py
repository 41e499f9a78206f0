"""The copy-method ladder: move the bytes of one open file into another, as fast as the kernel allows.

Tried in order, each with a correct fallback (the shape of CPython's ``shutil._fastcopy_*``):

1. **reflink** (``FICLONE``): shares extents, O(1); refused by most filesystems (ext4). A refusal
   is remembered per (source device, destination device) pair so it costs one ioctl per run.
2. **holes**: a sparse source (fewer allocated blocks than its size) is copied extent by extent
   with ``SEEK_DATA`` / ``SEEK_HOLE`` and the tail set with ``ftruncate``, so holes stay holes.
3. **copy_file_range**: in-kernel copy. Trap: it returns 0 at offset 0 for files whose size the
   kernel does not know (procfs, sysfs, some FUSE/network filesystems). A 0 before the expected
   size is never taken as EOF: the rest is copied by the buffered loop, which reads to the real EOF.
4. **sendfile**: in-kernel, file to file (Linux >= 2.6.33).
5. **buffered loop**: ``readinto`` a reused per-thread buffer, write it all.

Before 3-5, a file of :data:`PREALLOCATE_MIN` or more gets its destination blocks reserved in one
call (``fallocate`` keeping the size, :mod:`cargobay._libc`), as ``rsync --preallocate`` does:
ext4 then fills one reserved extent instead of allocating page by page.

All methods use and advance the file positions of both descriptors, so a method that gives up
half way hands over to the next one at the right offset. A method "gives up" by raising the
private :class:`_GiveUp`; real I/O errors (``ENOSPC``, ``EIO``) propagate to the caller.
This module owns no policy about which files to copy and imports only ``_platform`` and ``_libc``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading

from cargobay import _libc
from cargobay.copy import _platform

# Errors meaning "this method cannot do this pair of files", not "the copy failed".
_UNSUPPORTED = frozenset(
    {
        errno.ENOSYS,
        errno.EXDEV,
        errno.EINVAL,
        errno.EOPNOTSUPP,
        errno.ENOTSUP,
        errno.ENOTTY,
        errno.EBADF,
        errno.ETXTBSY,
        errno.EPERM,
    }
)

# copy_file_range / sendfile request size: large enough to amortise the call, small enough that
# an interrupt is noticed.
_KERNEL_CHUNK = 1 << 30

# From this size on, the destination's blocks are reserved before the bytes are copied
# (fallocate, keeping the size). Measured on ext4 here: 1 MiB files copy ~25% faster, 10 MiB ~29%,
# 1 GiB ~23%; at 64 KiB it is even, so smaller files skip the extra call.
PREALLOCATE_MIN = 1 << 20


class _GiveUp(Exception):
    """This method cannot copy these files; try the next one (positions are left consistent)."""


class MethodLadder:
    """Per-run memory of which methods work, shared by worker threads.

    Only ever narrows: a method that failed as unsupported is not tried again for the same
    device pair (reflink) or at all (copy_file_range / sendfile missing from the kernel).
    """

    def __init__(self, *, buffer_size: int = 1 << 20, use_reflink: bool = True) -> None:
        if buffer_size < 4096:
            raise ValueError("buffer_size must be at least 4096 bytes")
        self.buffer_size = buffer_size
        self.use_reflink = use_reflink and _platform.FICLONE is not None
        self.use_copy_file_range = _platform.HAS_COPY_FILE_RANGE
        self.use_sendfile = _platform.HAS_SENDFILE
        self._no_reflink: set[tuple[int, int]] = set()
        # Device pairs copy_file_range refused with EXDEV (two filesystems the kernel will not
        # copy between): not tried again, as a failed call plus its exception costs ~3 us a file.
        self._no_copy_range: set[tuple[int, int]] = set()
        # Device pairs a whole file went between by copy_file_range, reflink refused or off: a
        # dense file below PREALLOCATE_MIN between them takes one call and no ladder (see copy).
        self._direct: set[tuple[int, int]] = set()
        self._local = threading.local()
        self.counts: dict[str, int] = {}  # method -> files finished by it (approximate under threads)

    def buffer(self) -> memoryview:
        """This thread's reused buffer (one allocation per thread per run, never per file)."""
        buf: memoryview | None = getattr(self._local, "buf", None)
        if buf is None:
            buf = memoryview(bytearray(self.buffer_size))
            self._local.buf = buf
        return buf

    def _count(self, method: str) -> None:
        self.counts[method] = self.counts.get(method, 0) + 1

    def copy(
        self, src_fd: int, dst_fd: int, *, size: int, blocks: int, src_dev: int, dst_dev: int, sparse: bool
    ) -> int:
        """Copy from the current position of ``src_fd`` to EOF into ``dst_fd``; return bytes copied.

        ``size`` and ``blocks`` are the source's ``fstat`` values, used as hints only: the copy
        always ends at the real end of file.
        """
        if (src_dev, dst_dev) in self._direct and 0 < size < PREALLOCATE_MIN and blocks * 512 >= size:
            # The run learnt what this pair takes (no reflink, a working copy_file_range): one
            # call. Anything else (an error, a short copy) goes on down the whole ladder from
            # where the copy stands, which decides what an error means.
            try:
                done = os.copy_file_range(src_fd, dst_fd, size)
            except OSError:
                done = 0
            if done == size:
                self._count("copy_file_range")
                return done
            return done + self._ladder(src_fd, dst_fd, size - done, blocks, src_dev, dst_dev, sparse)
        return self._ladder(src_fd, dst_fd, size, blocks, src_dev, dst_dev, sparse)

    def _ladder(
        self, src_fd: int, dst_fd: int, size: int, blocks: int, src_dev: int, dst_dev: int, sparse: bool
    ) -> int:
        if self.use_reflink and size > 0 and (src_dev, dst_dev) not in self._no_reflink:
            try:
                _reflink(src_fd, dst_fd)
            except _GiveUp:
                self._no_reflink.add((src_dev, dst_dev))
            else:
                self._count("reflink")
                os.lseek(src_fd, 0, os.SEEK_END)
                os.lseek(dst_fd, 0, os.SEEK_END)
                return size
        if sparse and size > 0 and _platform.HAS_SEEK_HOLES and blocks * 512 < size:
            try:
                done = self._copy_sparse(src_fd, dst_fd, size)
            except _GiveUp:
                pass
            else:
                self._count("sparse")
                return done
        if size >= PREALLOCATE_MIN:
            _libc.preallocate(dst_fd, size)
        copied = 0
        if size > 0 and self.use_copy_file_range and (src_dev, dst_dev) not in self._no_copy_range:
            try:
                copied = self._copy_file_range(src_fd, dst_fd, size)
            except _GiveUp as exc:
                copied = exc.args[0] if exc.args else 0
                cause = exc.__cause__
                if copied == 0 and isinstance(cause, OSError) and cause.errno == errno.EXDEV:
                    self._no_copy_range.add((src_dev, dst_dev))
            else:
                self._count("copy_file_range")
                if copied == size:  # reflink was refused or is off, and nothing short: see copy()
                    self._direct.add((src_dev, dst_dev))
                return copied
        if size > 0 and self.use_sendfile:
            try:
                copied += self._sendfile(src_fd, dst_fd, size - copied)
            except _GiveUp as exc:
                copied += exc.args[0] if exc.args else 0
            else:
                self._count("sendfile")
                return copied
        copied += self.copy_buffered(src_fd, dst_fd)
        self._count("buffered")
        return copied

    def _copy_file_range(self, src_fd: int, dst_fd: int, size: int) -> int:
        copied = 0
        while copied < size:
            try:
                n = os.copy_file_range(src_fd, dst_fd, min(size - copied, _KERNEL_CHUNK))
            except OSError as exc:
                if exc.errno == errno.ENOSYS:
                    self.use_copy_file_range = False
                if exc.errno in _UNSUPPORTED:
                    raise _GiveUp(copied) from exc
                raise
            if n == 0:
                # Short before the size we were told: a special file, a filesystem that does not
                # support it, or a file truncated under us. Let the buffered loop find the real EOF.
                raise _GiveUp(copied)
            copied += n
        return copied

    def _sendfile(self, src_fd: int, dst_fd: int, size: int) -> int:
        copied = 0
        while copied < size:
            try:
                n = os.sendfile(dst_fd, src_fd, None, min(size - copied, _KERNEL_CHUNK))
            except OSError as exc:
                if exc.errno in (errno.ENOSYS, errno.EINVAL) and copied == 0:
                    self.use_sendfile = False
                if exc.errno in _UNSUPPORTED:
                    raise _GiveUp(copied) from exc
                raise
            if n == 0:
                raise _GiveUp(copied)
            copied += n
        return copied

    def copy_buffered(self, src_fd: int, dst_fd: int) -> int:
        """Read to EOF through the reused buffer, writing every byte (short writes are resumed)."""
        buf = self.buffer()
        copied = 0
        while True:
            n = os.readv(src_fd, [buf])
            if n == 0:
                return copied
            view = buf[:n]
            while view:
                w = os.write(dst_fd, view)
                view = view[w:]
            copied += n

    def _copy_sparse(self, src_fd: int, dst_fd: int, size: int) -> int:
        """Copy only the data extents; holes stay unallocated; return the logical size written."""
        pos = 0
        while pos < size:
            try:
                data = os.lseek(src_fd, pos, os.SEEK_DATA)
            except OSError as exc:
                if exc.errno == errno.ENXIO:  # only a hole remains
                    break
                if exc.errno in _UNSUPPORTED and pos == 0:
                    raise _GiveUp(0) from exc
                raise
            hole = os.lseek(src_fd, data, os.SEEK_HOLE)
            os.lseek(dst_fd, data, os.SEEK_SET)
            self._copy_extent(src_fd, dst_fd, data, hole - data)
            pos = hole
        end = os.lseek(src_fd, 0, os.SEEK_END)
        os.ftruncate(dst_fd, end)
        os.lseek(dst_fd, end, os.SEEK_SET)
        return end

    def _copy_extent(self, src_fd: int, dst_fd: int, offset: int, length: int) -> int:
        os.lseek(src_fd, offset, os.SEEK_SET)
        done = 0
        if self.use_copy_file_range:
            try:
                done = self._copy_file_range(src_fd, dst_fd, length)
                return done
            except _GiveUp as exc:
                done = exc.args[0] if exc.args else 0
        buf = self.buffer()
        while done < length:
            n = os.readv(src_fd, [buf[: min(len(buf), length - done)]])
            if n == 0:
                break
            view = buf[:n]
            while view:
                w = os.write(dst_fd, view)
                view = view[w:]
            done += n
        return done


def _reflink(src_fd: int, dst_fd: int) -> None:
    assert _platform.FICLONE is not None
    try:
        fcntl.ioctl(dst_fd, _platform.FICLONE, src_fd)
    except OSError as exc:
        if exc.errno in _UNSUPPORTED:
            raise _GiveUp(0) from exc
        raise


def files_equal(path_a: str, path_b: str, *, buffer_size: int = 1 << 20) -> bool:
    """True when both files hold the same bytes (sizes first, then a chunked comparison).

    Used by ``verify`` and ``checksum``: comparing bytes is exact and cheaper than hashing both
    sides, since both would have to be read in full either way.
    """
    with open(path_a, "rb", buffering=0) as fa, open(path_b, "rb", buffering=0) as fb:
        if os.fstat(fa.fileno()).st_size != os.fstat(fb.fileno()).st_size:
            return False
        while True:
            a = fa.read(buffer_size)
            b = fb.read(buffer_size)
            if a != b:
                return False
            if not a:
                return True
