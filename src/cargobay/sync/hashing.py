"""Reading a local file once to get its MD5 and, when asked, its multipart ETags for given part sizes.

The multipart ETag rule itself (``md5(concat(part md5s))-N``) lives in
:func:`cargobay.s3.etag.multipart_etag`; this module only cuts the byte stream into parts. It does
not know about caches or fingerprints (:mod:`cargobay.sync.state` and :mod:`cargobay.sync.local`
decide when to call it).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

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
    could not be read (run in a worker process, see :class:`HashProcesses`)."""
    out: list[Hashed | OSError] = []
    for path, part_sizes in jobs:
        try:
            out.append(read_hash(path, part_sizes))
        except OSError as exc:
            out.append(exc)
    return out


def _ignore_sigint() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the run and shuts the workers down)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class HashProcesses:
    """Worker processes that read and hash files, one per CPU the process may use (at most 4).

    Why processes: hashing many small files in threads is mostly Python work per file (open,
    stat, a few calls around the MD5) under one interpreter lock, and each read or MD5 that
    releases the lock has to win it back from the others; a ``--checksum`` re-sync of 10,000
    small files spent more time waiting for the lock than hashing. Forked workers hash on every
    core; the parent only records what they found. Linux only (``fork``), made on first use.
    """

    def __init__(self) -> None:
        self._pool: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def available() -> bool:
        return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1

    def hash(self, jobs: list[tuple[str, tuple[int, ...]]]) -> list[Hashed | OSError]:
        """:func:`read_hashes` in a worker (callable from many threads at once)."""
        with self._lock:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                workers = min(4, len(os.sched_getaffinity(0)))
                context = multiprocessing.get_context("fork")
                self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_sigint)
            pool = self._pool
        result: list[Hashed | OSError] = pool.submit(read_hashes, jobs).result()
        return result

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def hash_path(path: str, *, part_sizes: Sequence[int] = ()) -> tuple[str, tuple[tuple[int, str], ...]]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return hash_fd(fd, part_sizes=part_sizes)
    finally:
        os.close(fd)
