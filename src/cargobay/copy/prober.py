"""Pair half of the directories of an update or mirror in a second process, as rsync splits its work.

A no-change mirror is two ``lstat`` calls per file plus the listings, nearly all of it Python under
one interpreter lock: a second thread only adds contention (measured in ``bulk.py``). rsync runs
its sender and its generator as separate processes, one per side, on two cores. Here a forked
child runs :func:`pairing.drop_unchanged` (the same code, the same ``unchanged`` predicate) for
the directories whose relative path hashes odd, while the engine does the even ones; for each of
its directories the child sends back how many files it found unchanged and the names and kinds
of the entries left to plan (changed files, symlinks, subdirectories, names on one side only),
usually nothing. The engine builds :class:`~cargobay.copy.model.Entry` values for those and
plans them exactly as if it had paired the directory itself (stats missing from the child's
answer are taken again where planning needs them).

What the child found is a snapshot of the two trees, like any ``lstat``: a file that changes
after it was looked at is caught by the next run, as with the in-process path or rsync. Nothing
is written by the child. When the child is not there for a directory (it failed, it could not
list the destination, it was not started), the engine pairs that directory itself: the result
never depends on the child, only the speed.

The child starts only from a process with one thread (forking a threaded process can copy a
lock someone holds), exits with ``os._exit`` (no ``atexit``, no buffers of the parent's flushed
twice), and is reaped by :meth:`Prober.close` (killed first if the engine finished before it).
Results travel as ``marshal`` frames over a pipe.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import threading

from cargobay.copy.model import Entry, Kind
from cargobay.copy.pairing import Unchanged, drop_unchanged
from cargobay.copy.split import fork_with_pipe
from cargobay.copy.walker import scan_dir

_KINDS = {k.value: k for k in Kind}
_HEADER = 4  # bytes of frame length, little-endian
# What the child sends for one directory: (files kept, source entries left, destination entries
# left), each entry as (name, Kind value); None when it did not pair the directory.
_Answer = tuple[int, list[tuple[str, str]], list[tuple[str, str]]]
_SIGKILL = 9  # the same on every POSIX system; ``import signal`` costs ~0.5 ms of start-up (enums)


class Prober:
    """The parent's end: :meth:`result` for a directory the child owns, else None."""

    def __init__(self, pid: int, fd: int, owned: frozenset[str]) -> None:
        self._owned = owned
        self._pid = pid
        self._fd = fd
        self._buf = bytearray()
        self._results: dict[str, tuple[int, list[Entry], list[Entry]] | None] = {}
        self._eof = False
        self._lock = threading.Lock()

    @staticmethod
    def start(src_root: str, dst_root: str, unchanged: Unchanged, subdirs: list[str]) -> Prober | None:
        """Fork the child for every other one of the root's ``subdirs``, or None where that is not
        safe or not worth it (other threads, no fork, fewer than two subdirectories)."""
        if len(subdirs) < 2:
            return None
        owned = frozenset(sorted(subdirs)[1::2])
        forked = fork_with_pipe(lambda fd: _child(src_root, dst_root, unchanged, sorted(owned), fd))
        return None if forked is None else Prober(*forked, owned)

    def owns(self, rel: str) -> bool:
        return bool(rel) and rel.partition("/")[0] in self._owned

    def result(self, rel: str) -> tuple[int, list[Entry], list[Entry]] | None:
        """(files kept, source entries left, destination entries left) for a directory the child
        owns, waiting for it if need be; None if the child did not pair it."""
        with self._lock:
            while rel not in self._results and not self._eof:
                self._read_frames()
            return self._results.pop(rel, None)

    def _read_frames(self) -> None:
        chunk = os.read(self._fd, 1 << 16)
        if not chunk:
            self._eof = True
            return
        buf = self._buf
        buf += chunk
        at = 0
        while len(buf) - at >= _HEADER:
            size = int.from_bytes(buf[at : at + _HEADER], "little")
            if len(buf) - at - _HEADER < size:
                break
            rel, answer = marshal.loads(bytes(buf[at + _HEADER : at + _HEADER + size]))
            at += _HEADER + size
            if answer is None:
                self._results[rel] = None
            else:
                kept, src_left, dst_left = answer
                self._results[rel] = (
                    kept,
                    [Entry(name, _KINDS[kind]) for name, kind in src_left],
                    [Entry(name, _KINDS[kind]) for name, kind in dst_left],
                )
        del buf[:at]

    def close(self) -> None:
        """Stop listening and reap the child, stopping it first if it is still walking (it
        writes nothing but the pipe, so a kill loses nothing)."""
        if not self._eof:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, _SIGKILL)
        os.close(self._fd)
        os.waitpid(self._pid, 0)


def _child(src_root: str, dst_root: str, unchanged: Unchanged, tops: list[str], fd: int) -> None:  # pragma: no cover
    """Pair every directory of the subtrees ``tops``, in about the order the engine asks."""
    # The engine pushes subdirectories in name order and takes the last first: do the same.
    stack = list(tops)
    while stack:
        rel = stack.pop()
        src_dir = os.path.join(src_root, rel)
        dst_dir = os.path.join(dst_root, rel)
        try:
            src_des = scan_dir(src_dir, skip_temp=True)
        except OSError:
            _send(fd, rel, None)
            continue
        try:
            src_left, dst_left, kept = drop_unchanged(src_dir, dst_dir, src_des, unchanged)
        except OSError:
            _send(fd, rel, None)
            continue
        _send(fd, rel, (kept, [(e.name, e.kind.value) for e in src_left], [(e.name, e.kind.value) for e in dst_left]))
        # Only subdirectories on both sides are paired by the engine (a new one is copied whole).
        both = {e.name for e in dst_left if e.kind is Kind.DIR}
        stack.extend(f"{rel}/{e.name}" for e in sorted(src_left, key=_name) if e.kind is Kind.DIR and e.name in both)


def _name(e: Entry) -> str:
    return e.name


def _send(fd: int, rel: str, answer: _Answer | None) -> None:  # pragma: no cover - child
    data = marshal.dumps((rel, answer))
    frame = len(data).to_bytes(_HEADER, "little") + data
    while frame:
        frame = frame[os.write(fd, frame) :]
