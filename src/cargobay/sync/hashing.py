"""Reading a local file once to get its MD5 and, when asked, its multipart ETags for given part sizes.

The multipart ETag rule itself (``md5(concat(part md5s))-N``) lives in
:func:`cargobay.s3.etag.multipart_etag`; this module only cuts the byte stream into parts. It does
not know about caches or fingerprints (:mod:`cargobay.sync.state` and :mod:`cargobay.sync.local`
decide when to call it).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import queue
import signal
import sys
import threading
from collections.abc import Sequence

from cargobay._fork import fork
from cargobay.s3.etag import multipart_etag

_BUFFER = 1 << 20


class _PartHasher:
    """Feeds bytes to one MD5 per ``part_size`` bytes and keeps the part digests."""

    __slots__ = ("current", "digests", "filled", "part_size")

    def __init__(self, part_size: int) -> None:
        self.part_size = part_size
        self.current = hashlib.md5(usedforsecurity=False)
        self.filled = 0
        self.digests: list[str] = []

    def update(self, data: memoryview) -> None:
        while data:
            room = self.part_size - self.filled
            chunk = data[:room]
            self.current.update(chunk)
            self.filled += len(chunk)
            data = data[len(chunk) :]
            if self.filled == self.part_size:
                self.digests.append(self.current.hexdigest())
                self.current = hashlib.md5(usedforsecurity=False)
                self.filled = 0

    def etag(self) -> str:
        digests = list(self.digests)
        if self.filled or not digests:
            digests.append(self.current.hexdigest())
        return multipart_etag(digests)


_buffers = threading.local()


def _buffer() -> tuple[bytearray, memoryview]:
    """This thread's read buffer, made once: a new 1 MiB ``bytearray`` per file was zero-filled
    each time (a --checksum re-sync of 10,000 small files made 10,000 of them)."""
    pair: tuple[bytearray, memoryview] | None = getattr(_buffers, "pair", None)
    if pair is None:
        buf = bytearray(_BUFFER)
        pair = _buffers.pair = (buf, memoryview(buf))
    return pair


def hash_fd(fd: int, *, part_sizes: Sequence[int] = ()) -> tuple[str, tuple[tuple[int, str], ...]]:
    """``(md5_hex, ((part_size, multipart_etag), ...))`` of everything readable from ``fd``."""
    md5 = hashlib.md5(usedforsecurity=False)
    parts = [_PartHasher(p) for p in sorted(set(part_sizes))] if part_sizes else []
    buf, view = _buffer()
    while True:
        n = os.readv(fd, [buf])
        if n == 0:
            break
        chunk = view[:n]
        md5.update(chunk)
        for p in parts:
            p.update(chunk)
    return md5.hexdigest(), tuple((p.part_size, p.etag()) for p in parts)


Stat = tuple[int, int, int, int]  # (size, mtime_ns, ctime_ns, inode): a Fingerprint's fields
Hashed = tuple[Stat, str, tuple[tuple[int, str], ...], Stat]


def read_hash(path: str, part_sizes: Sequence[int] = ()) -> Hashed:
    """``(stat before, md5, multipart ETags, stat after)`` of the file at ``path`` (not followed if
    a symlink), read once: the caller compares the two stats to tell a file changed while read."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        before = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        md5, multipart = hash_fd(fd, part_sizes=part_sizes)
        st = os.fstat(fd)
        return before, md5, multipart, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    finally:
        os.close(fd)


def read_hashes(jobs: list[tuple[str, tuple[int, ...]]]) -> list[Hashed | OSError]:
    """:func:`read_hash` of each ``(path, part_sizes)``, an ``OSError`` in place of a file that
    could not be read."""
    out: list[Hashed | OSError] = []
    for path, part_sizes in jobs:
        try:
            out.append(read_hash(path, part_sizes))
        except OSError as exc:
            out.append(exc)
    return out


class HashProcesses:
    """Worker processes that read and hash files, one per CPU the process may use (at most 4).

    Why processes: hashing many small files in threads is mostly Python work per file (open,
    stat, a few calls around the MD5) under one interpreter lock, and each read or MD5 that
    releases the lock has to win it back from the others; a ``--checksum`` re-sync of 10,000
    small files spent more time waiting for the lock than hashing. Forked workers hash on every
    core; the parent only records what they found. Linux only (``fork``). The workers are
    forked by :meth:`start`, which the caller makes before it starts threads of its own: a fork
    while another thread is inside OpenSSL (an MD5, a signature) could leave the child a lock
    that nobody will release. Until started, :meth:`hash` hashes in the calling thread.

    Why not :class:`concurrent.futures.ProcessPoolExecutor`: importing it and multiprocessing
    adds 48 modules (15-25 ms on an idle machine of this kind, ten times that under load) to a
    run that takes a few hundred milliseconds. A worker here is a forked copy of this process
    reading ``marshal`` frames of ``(path, part_sizes)`` jobs from a pipe and writing back the
    :func:`read_hash` results (an ``OSError`` travels as its errno, message and file name), as
    the early listing's child does (:mod:`cargobay.sync.s3.early`). A worker that dies is
    replaced by hashing in the calling thread. :meth:`close` stops and reaps every worker.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: queue.Queue[_Worker | None] | None = None
        self._workers: list[_Worker] = []

    @staticmethod
    def available() -> bool:
        return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1

    def start(self) -> None:
        """Fork the workers (once)."""
        with self._lock:
            if self._idle is None:
                self._idle = queue.Queue()
                for _ in range(min(4, len(os.sched_getaffinity(0)))):
                    started = _Worker([fd for w in self._workers for fd in w.fds()])
                    self._workers.append(started)
                    self._idle.put(started)

    def hash(self, jobs: list[tuple[str, tuple[int, ...]]]) -> list[Hashed | OSError]:
        """:func:`read_hashes` in a worker (callable from many threads at once)."""
        idle = self._idle
        if idle is None:
            return read_hashes(jobs)
        worker = idle.get()
        if worker is None:  # every worker has died: hash here
            idle.put(None)
            return read_hashes(jobs)
        try:
            result = worker.ask(jobs)
        except (OSError, EOFError, ValueError, TypeError):
            worker.kill()
            idle.put(None)
            return read_hashes(jobs)
        idle.put(worker)
        return result

    def close(self) -> None:
        with self._lock:
            workers, self._workers, self._idle = self._workers, [], None
        for worker in workers:
            worker.stop()


class _Worker:
    """One forked hashing process and the parent's ends of its two pipes."""

    def __init__(self, inherited: list[int]) -> None:
        jobs_r, jobs_w = os.pipe()
        results_r, results_w = os.pipe()

        def child() -> None:  # pragma: no cover - the child; tested through HashProcesses
            for fd in (jobs_w, results_r, *inherited):  # so a worker sees EOF when the parent goes
                with contextlib.suppress(OSError):
                    os.close(fd)
            _serve(jobs_r, results_w)

        pid = fork(child)
        os.close(jobs_r)
        os.close(results_w)
        self.pid = pid
        self._out = os.fdopen(jobs_w, "wb")
        self._in = os.fdopen(results_r, "rb")

    def fds(self) -> tuple[int, int]:
        return self._out.fileno(), self._in.fileno()

    def ask(self, jobs: list[tuple[str, tuple[int, ...]]]) -> list[Hashed | OSError]:
        frame = marshal.dumps(jobs)
        self._out.write(len(frame).to_bytes(8, "little") + frame)
        self._out.flush()
        head = self._in.read(8)
        if len(head) != 8:
            raise EOFError("the hashing process ended")
        answers = marshal.loads(self._in.read(int.from_bytes(head, "little")))
        return [OSError(*value) if failed else value for failed, value in answers]

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._out.write(bytes(8))  # an empty frame: stop
            self._out.flush()
        self._close_and_reap()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        self._close_and_reap()

    def _close_and_reap(self) -> None:
        for f in (self._out, self._in):
            with contextlib.suppress(OSError, ValueError):
                f.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(jobs_fd: int, results_fd: int) -> None:  # pragma: no cover - runs in the forked child
    """The worker's loop: a frame of jobs in, a frame of results out, until an empty frame or EOF.
    Never returns (``os._exit``: no atexit handlers, no buffers of the parent)."""
    code = 0
    try:
        with contextlib.suppress(ValueError):  # Ctrl-C is the parent's to handle
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        with os.fdopen(jobs_fd, "rb") as inp, os.fdopen(results_fd, "wb") as out:
            while True:
                head = inp.read(8)
                size = int.from_bytes(head, "little") if len(head) == 8 else 0
                if not size:
                    break
                answers: list[tuple[int, object]] = []
                for path, part_sizes in marshal.loads(inp.read(size)):
                    try:
                        answers.append((0, read_hash(path, tuple(part_sizes))))
                    except OSError as exc:
                        answers.append((1, (exc.errno, exc.strerror, exc.filename)))
                frame = marshal.dumps(answers)
                out.write(len(frame).to_bytes(8, "little") + frame)
                out.flush()
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def hash_path(path: str, *, part_sizes: Sequence[int] = ()) -> tuple[str, tuple[tuple[int, str], ...]]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return hash_fd(fd, part_sizes=part_sizes)
    finally:
        os.close(fd)
