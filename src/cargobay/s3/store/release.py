"""Deferred release of deleted files: the name goes at once, the blocks are freed in the background.

Unlinking a file whose data reached the disk does two things: it removes the directory entry
(cheap, and all a DELETE has to make durable) and, when that was the last link and nobody holds the
file open, it frees the file's blocks. On a filesystem mounted with ``discard`` (this project's
machines: ext4 on a virtio disk) freeing blocks issues a synchronous discard to the device and
waits for it: measured here, ``unlink`` of a fsynced 4 KiB file blocks ~70-250 µs, while the
directory-entry part costs ~4 µs. A DeleteObjects request unlinks its keys one after another, so
its answer waited for one discard per key.

:class:`Releaser` splits the two: it opens the file (``O_PATH``, which reads nothing) before the
caller's unlink, so the unlink only removes the name and the kernel keeps the inode as an orphan
until the descriptor is closed; a background thread closes the descriptors, and the last close
frees the blocks. What a delete promises is unchanged: the name is gone when ``unlink`` returns,
and durable after the caller's directory fsync; a crash before the close leaves an orphan inode
that the filesystem frees when it is mounted again (ext4 orphan list), never a visible file.

The closers run at nice 10: the frees (ext4 evict + discard, ~17-25 µs of CPU per 4 KiB file here)
are the one job nobody waits for, so under load the answers get the CPU first (1000-key
DeleteObjects, 16 requests in flight, interleaved: 10,300-15,700 keys/s against 8,200-13,300 with
the closers at normal priority). Their CPU is still this process's, spent after the answer.

While a batch of deletes runs (:meth:`Releaser.holding`, around DeleteObjects) the closers wait: a
closer needs the GIL around every close, so on a machine with a core to spare they ran beside the
batch and took the GIL from its threads (``cargobay bench s3 --workloads small``, 7 interleaved
repetitions of 1000-key DeleteObjects, 16 in flight, load 2-3.5: median 9,904 -> 13,444 keys/s and
0.126 -> 0.091 ms of server CPU a key, the background frees included, with the closers held back).
They catch up as soon as no batch runs, or at once when half of ``limit`` is waiting,
so a steady stream of batches never makes the request path close its own descriptors.

Bounded: at most ``limit`` descriptors are held at once; past that the caller closes its own (the
discard is paid on the request path again), so a flood of deletes cannot exhaust the process's
descriptors. Files without blocks (empty ones, those never written back) and platforms without
``O_PATH`` are unlinked directly. This module knows nothing of S3 or HTTP.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import stat
import threading
from collections import deque
from collections.abc import Iterator

__all__ = ["Releaser"]

_O_PATH = getattr(os, "O_PATH", 0)


def _default_limit() -> int:
    """A quarter of the process's descriptor limit, at most 4,096: the rest stays for requests."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(16, min(4096, soft // 4))


_CLOSE_BATCH = 4  # descriptors a closer takes per turn (an rmdir waits for at most these)
_DEFAULT_WORKERS = 4  # discards overlap: 1 closing thread frees ~14,000 files/s here, 8 ~30,000


_CLOSER_NICE = 10


def _lower_priority() -> None:
    """Run the calling thread (a closer) at a lower CPU priority than the request threads: freeing
    blocks is the one job here nobody waits for, so on a busy machine the answers go first and the
    frees catch up when the CPU is idle (Linux: a thread id is a valid ``PRIO_PROCESS`` target)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: usual priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _CLOSER_NICE)


class Releaser:
    """Unlinks files and frees their blocks off the caller's path (see the module docstring)."""

    def __init__(self, *, limit: int | None = None, workers: int = _DEFAULT_WORKERS) -> None:
        self.limit = _default_limit() if limit is None else limit
        self._fds: deque[int] = deque()
        lock = threading.Lock()
        self._work = threading.Condition(lock)  # closers wait here for descriptors
        self._idle = threading.Condition(lock)  # rmdir waits here for closes under way to end
        self._max_workers = workers
        self._workers: list[threading.Thread] = []
        self._active = 0  # closes under way
        self._paused = 0  # rmdir calls waiting for or making their rmdir
        self._batches = 0  # delete batches running (holding): closers wait while the backlog is small
        self._closed = False
        self.deferred = 0  # files whose blocks were freed in the background (for tests)

    def unlink(self, path: str, st: os.stat_result, held: list[int] | None = None) -> None:
        """Unlink ``path``, whose ``lstat`` is ``st``; raises what ``os.unlink`` raises.

        The caller holds whatever lock keeps ``path`` naming the file ``st`` describes. A caller
        unlinking many files passes ``held``: the descriptors are appended there, and handed
        over with one :meth:`release` at the end (one wake-up of the closers per batch instead
        of one per file)."""
        fd = -1
        if _O_PATH and st.st_blocks and stat.S_ISREG(st.st_mode):
            try:
                fd = os.open(path, _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                fd = -1  # gone or unreadable meanwhile: let the unlink say what happened
        try:
            os.unlink(path)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        if fd >= 0:
            if held is not None:
                held.append(fd)
            else:
                self.release([fd])

    def rmdir(self, path: str) -> None:
        """``os.rmdir(path)`` with no close under way meanwhile.

        A file unlinked here and not yet closed keeps its directory entry (dentry) in the
        kernel's cache as a child of its directory. Removing the directory walks those children;
        a child dying meanwhile (a close) makes the kernel walk again, so an rmdir racing the
        closes of the files it held spun until they were all closed (measured: 20-180 ms of CPU
        for a directory of 1,000 files). Closes are paused for the rmdir instead; the children
        still held are walked once and freed when their closes come. A directory that still
        lists an entry is refused at once (ENOTEMPTY), without pausing anything: the batch that
        empties it last finds it empty."""
        with os.scandir(path) as entries:
            if next(entries, None) is not None:
                # Not empty (most attempts: every batch of a prefix tries): no pause for nothing.
                raise OSError(errno.ENOTEMPTY, os.strerror(errno.ENOTEMPTY), path)
        with self._work:
            self._paused += 1
            while self._active:
                self._idle.wait()
        try:
            os.rmdir(path)
        finally:
            with self._work:
                self._paused -= 1
                if not self._paused:
                    self._work.notify_all()

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the closers waiting while the block runs (a batch of deletes; see the module
        docstring), unless half of ``limit`` descriptors are waiting."""
        with self._work:
            self._batches += 1
        try:
            yield
        finally:
            with self._work:
                self._batches -= 1
                if not self._batches:
                    self._work.notify_all()

    def _may_close(self) -> bool:
        """Whether a closer may take descriptors now (called with the lock held)."""
        if not self._fds or self._paused:
            return False
        return not self._batches or 2 * len(self._fds) >= self.limit

    def release(self, fds: list[int]) -> None:
        """Hand descriptors of unlinked files to the closers (those over the limit are closed here)."""
        if not fds:
            return
        with self._work:
            room = 0 if self._closed else max(0, self.limit - len(self._fds))
            taken = fds[:room]
            self._fds.extend(taken)
            self.deferred += len(taken)
            while len(self._workers) < self._max_workers and len(self._fds) > 8 * len(self._workers):
                # Another closer while the backlog outgrows those running (started lazily: a
                # store that never deletes never starts one).
                worker = threading.Thread(target=self._run, name="cargobay-release", daemon=True)
                self._workers.append(worker)
                worker.start()
            if taken and self._may_close():  # held back by a batch: its end wakes them
                self._work.notify(len(taken))
        for fd in fds[room:]:
            os.close(fd)  # over the limit (or shut down): free the blocks here

    def _run(self) -> None:
        _lower_priority()
        while True:
            with self._work:
                while not self._may_close():
                    if self._closed and not self._fds:
                        return
                    if self._closed and not self._paused:
                        break  # shutting down: close what is left whatever batch still runs
                    self._work.wait()
                batch = [self._fds.popleft() for _ in range(min(_CLOSE_BATCH, len(self._fds)))]
                self._active += 1
            try:
                for fd in batch:
                    os.close(fd)  # the last reference: the filesystem frees the blocks now
            finally:
                with self._work:
                    self._active -= 1
                    if not self._active and self._paused:
                        self._idle.notify_all()

    def pending(self) -> int:
        """Descriptors not yet closed."""
        with self._work:
            return len(self._fds) + self._active

    def close(self) -> None:
        """Free everything still held and stop the background threads."""
        with self._work:
            self._closed = True
            workers = list(self._workers)
            self._work.notify_all()
        for worker in workers:
            worker.join()
        with self._work:
            fds = list(self._fds)
            self._fds.clear()
        for fd in fds:
            os.close(fd)
