"""One ``syncfs`` for many writers: the data of concurrent PUTs made durable by a shared call.

A durable PUT makes its bytes durable before its rename (so a crash never leaves a torn file at a
key) and its directory entry durable before its row (so a committed row never names a lost
rename). One ``fsync`` per file and per directory does that at a cost per PUT: each call writes
back its own pages and waits on its own journal commit (measured here, one writer, 4 KiB files:
0.16 ms of process CPU a file for fsync + rename + directory fsync, against 0.02-0.04 ms when one
``syncfs`` covers 16 files). ``syncfs(2)`` writes back every dirty inode of the filesystem and
commits its journal once, so one call covers every file written and every rename made before it
began.

:class:`FsSync` shares those calls with the leader/follower scheme of :mod:`.groupcommit`: a
caller of :meth:`FsSync.sync` returns once a ``syncfs`` that *began after it called* has
finished; whoever finds none running starts one and covers everyone who was waiting.

A ``syncfs`` is used only where it replaces two or more fsyncs: a writer alone fsyncs its own
file (:meth:`FsSync.sync_data`), and a batch that changed one directory fsyncs that directory
(:meth:`.dirsync.DirSync.sync_all`). So one client writing one object at a time pays what it paid
before, and flushes nothing of anyone else's.

Only files and directories on the data directory's own filesystem are covered this way (a bucket
may be another filesystem mounted inside it: those keep their fsyncs).

Used only where ``syncfs`` is known to be a real durability barrier that reports errors:
Linux 5.8 or later (before, ``syncfs`` did not return writeback errors) on ext4, XFS or btrfs
(a local journaling or copy-on-write filesystem; on NFS, FUSE or overlayfs it may not reach the
disk), and tmpfs (nothing to sync). Elsewhere :func:`fs_sync_for` gives None and the store keeps
one ``fsync`` per file and per directory.

The cost of sharing: ``syncfs`` also writes back dirty data of other files on that filesystem.
That work was due anyway, but a PUT then waits for it; a data directory on a filesystem busy
with other writers can have the per-file mode back (``serve --fsync-per-file``).
"""

from __future__ import annotations

import errno
import os
import platform
import sys
import threading
from collections.abc import Callable

__all__ = ["FsSync", "fs_sync_for"]

#: Filesystems whose ``syncfs`` writes back and commits everything (and reports errors, 5.8+).
_TRUSTED = frozenset({"ext4", "xfs", "btrfs", "tmpfs"})


def _syncfs_call() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int

    def syncfs(fd: int) -> int:
        if fn(fd) != 0:
            return ctypes.get_errno() or errno.EIO
        return 0

    return syncfs


def _kernel_at_least(major: int, minor: int) -> bool:
    try:
        parts = platform.release().split(".")
        return (int(parts[0]), int(parts[1].split("-")[0])) >= (major, minor)
    except (IndexError, ValueError):
        return False


def filesystem_type(path: str) -> str | None:
    """The type of the filesystem ``path`` is on, from ``/proc/self/mountinfo`` (None if unknown)."""
    try:
        dev = os.stat(path).st_dev
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError:
        return None
    wanted = f"{os.major(dev)}:{os.minor(dev)}"
    found = None
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[2] == wanted and " - " in line:
            found = line.split(" - ", 1)[1].split()[0]  # the last mount of the device wins
    return found


class FsSync:
    """Shared ``syncfs`` calls on the filesystem of one directory (see the module docstring)."""

    def __init__(self, root: str, syncfs: Callable[[int], int]) -> None:
        self._fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        # A bucket or prefix may be another filesystem mounted inside the data directory: a
        # syncfs of this one does not reach it, so only files and directories on it are covered.
        self.dev = os.fstat(self._fd).st_dev
        self._syncfs = syncfs
        self._mutex = threading.Lock()
        self._done_cv = threading.Condition(self._mutex)
        self._started = 0  # syncfs calls begun
        self._finished = 0  # syncfs calls finished (successfully or not)
        self._running = False
        self._errors: dict[int, OSError] = {}  # call number -> its error (recent calls only)
        self.calls = 0  # for tests and benchmarks
        self.waiting = 0  # callers waiting for a call to finish (for tests)
        self._sharing = 0  # callers inside share()

    def sync_data(self, fd: int) -> None:
        """Make ``fd``'s data durable: with its own ``fsync`` when no other writer is doing the
        same (one file's fsync is less work than flushing the whole filesystem), else through
        :meth:`sync`, shared with the writers doing it meanwhile."""
        if os.fstat(fd).st_dev != self.dev:
            os.fsync(fd)
            return
        with self._mutex:
            self._sharing += 1
            alone = self._sharing == 1 and not self._running
        try:
            if alone:
                os.fsync(fd)
            else:
                self.sync()
        finally:
            with self._mutex:
                self._sharing -= 1

    def sync(self) -> None:
        """Return once a ``syncfs`` that began after this call has finished; raise its error."""
        with self._mutex:
            need = self._started + 1  # the first call to begin from now on
            while self._finished < need:
                if not self._running:
                    self._run()
                    continue
                self.waiting += 1
                self._done_cv.wait()
                self.waiting -= 1
            # Any call numbered need..finished covers us; the first of them is the one we waited on.
            error = self._errors.get(need)
        if error is not None:
            raise OSError(error.errno, error.strerror)

    def _run(self) -> None:
        """One ``syncfs`` (called with the mutex held; released meanwhile)."""
        self._running = True
        self._started += 1
        number = self._started
        self._mutex.release()
        try:
            code = self._syncfs(self._fd)
        finally:
            self._mutex.acquire()
            self._running = False
            self._finished = number
            self.calls += 1
            if code != 0:
                self._errors[number] = OSError(code, f"syncfs: {os.strerror(code)}")
                for old in [n for n in self._errors if n < number - 64]:
                    del self._errors[old]
            self._done_cv.notify_all()

    def close(self) -> None:
        os.close(self._fd)


def fs_sync_for(root: str) -> FsSync | None:
    """A shared ``syncfs`` for the data directory ``root``, or None where it is not trusted
    (see the module docstring)."""
    if not _kernel_at_least(5, 8) or filesystem_type(root) not in _TRUSTED:
        return None
    syncfs = _syncfs_call()
    if syncfs is None:
        return None
    return FsSync(root, syncfs)
