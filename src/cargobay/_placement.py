"""An allocation hint for new trees on ext2/3/4: mark a directory "top of a hierarchy".

ext4's Orlov allocator keeps a new directory near its parent, and a new file in its directory's
block group. When files were just deleted there, that is exactly where the freed inodes are, and
without a journal ext4 skips inodes deleted in the last ~5-300 s by scanning past them on every
allocation (``find_inode_bit`` / ``recently_deleted``): measured here, creating 10,000 small files
then costs 300-700 µs of kernel time each instead of ~25 µs, and two threads contend on the same
group's lock. The documented ``FS_TOPDIR_FL`` flag (``chattr +T``) tells Orlov that the
subdirectories of a directory are unrelated and should be spread over the disk, as it does for
directories in the filesystem root, which moves the new files to groups with fresh inodes.

Two users: the copy engine marks a destination root for the length of a run (``copy/execute.py``),
and the S3 store marks its data directory and each bucket directory while it serves
(:class:`SpreadDirs`), so a new bucket or a new top-level prefix does not allocate among the
inodes of objects just deleted. The flag is an inode flag, not data or metadata either promises
to preserve; each sets it only where it was not set and clears it again when done (after a hard
kill it may stay: a harmless allocation hint, visible in ``lsattr``). Filesystems without the flag
answer ENOTTY/EOPNOTSUPP/EINVAL, and an unprivileged user may be refused (EPERM/EACCES): then
nothing is changed; no error of this hint ever fails a copy or a request.
"""

from __future__ import annotations

import array
import errno
import fcntl
import os
import sys
import threading

# _IOR('f', 1, long) / _IOW('f', 2, long) on LP64 Linux, as in <linux/fs.h>.
_FS_IOC_GETFLAGS = 0x80086601
_FS_IOC_SETFLAGS = 0x40086602
FS_TOPDIR_FL = 0x00020000
_IS_LINUX = sys.platform.startswith("linux")
_REFUSED = frozenset(
    {errno.ENOTTY, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.EPERM, errno.EACCES, errno.ENOSYS}
)


def _flags(fd: int) -> int:
    buf = array.array("l", [0])
    fcntl.ioctl(fd, _FS_IOC_GETFLAGS, buf, True)
    return int(buf[0])


def _set_flags(fd: int, flags: int) -> None:
    fcntl.ioctl(fd, _FS_IOC_SETFLAGS, array.array("l", [flags]), False)


def get_inode_flags(path: str) -> int | None:
    """The inode flags of ``path`` (``lsattr``), or None where the filesystem has none."""
    if not _IS_LINUX:
        return None
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        return _flags(fd)
    except OSError as exc:
        if exc.errno in _REFUSED:
            return None
        raise
    finally:
        os.close(fd)


def _change_topdir(path: str, *, on: bool) -> bool:
    """Best effort: a hint that cannot be set (or cleared) never fails a copy or a request."""
    if not _IS_LINUX:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        flags = _flags(fd)
        if bool(flags & FS_TOPDIR_FL) == on:
            return False
        _set_flags(fd, flags | FS_TOPDIR_FL if on else flags & ~FS_TOPDIR_FL)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def spread_subdirs(path: str) -> bool:
    """Set ``FS_TOPDIR_FL`` on ``path``; True when we set it (and so must call :func:`unspread`)."""
    return _change_topdir(path, on=True)


def unspread(path: str) -> None:
    """Clear the flag :func:`spread_subdirs` set (best effort: it is only a hint)."""
    _change_topdir(path, on=False)


class SpreadDirs:
    """The directories one long-lived owner (the S3 store) marked, so it clears exactly those.

    Thread-safe: buckets are created on the store's worker threads."""

    def __init__(self) -> None:
        self._marked: set[str] = set()
        self._lock = threading.Lock()

    def mark(self, path: str) -> None:
        if spread_subdirs(path):
            with self._lock:
                self._marked.add(path)

    def forget(self, path: str) -> None:
        """``path`` is gone (a deleted bucket): nothing to clear there."""
        with self._lock:
            self._marked.discard(path)

    def clear(self) -> None:
        with self._lock:
            marked, self._marked = self._marked, set()
        for path in sorted(marked):
            unspread(path)
