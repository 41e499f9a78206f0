"""Run one piece of a copy in a forked second process, and collect what it reports.

A fresh copy of small files is kernel work (create, copy, set times) plus Python work under one
interpreter lock, and two threads cannot share it (``bulk.py``). Two processes can: with a CPU to
spare, the engine forks a child, and the two share out the root's subdirectories as they run
out of work (:class:`Claims`; ``fresh.py`` decides what the child does and merges its report).

This module owns when a second process may pay off (:func:`subdirs_for_a_second_process`, also
for the prober of a mirror), the claims, and the mechanics: fork from a process with one thread
(forking a threaded process can copy a lock someone holds), run the child's function, send its result back
as one ``marshal`` frame over a pipe, leave with ``os._exit`` (no ``atexit``, no buffers of the
parent's flushed twice), and reap the child. :meth:`Split.collect` returns None when the child failed
(died, raised, sent nothing whole): the caller then does the child's part itself, so the result
never depends on the child, only the speed.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import threading
from collections.abc import Callable

from cargobay._fork import fork
from cargobay._fsutil import is_temp_name
from cargobay.copy import _affinity
from cargobay.copy.model import other_runnable

_SIGINT = 2  # the same on every POSIX system; ``import signal`` costs ~0.5 ms of start-up (enums)

# What a child reports: marshal-able data (dicts, lists, tuples, str, int, bool, None).
Result = object


class Split:
    """The parent's end of one forked child."""

    def __init__(self, pid: int, fd: int, apart: _affinity.Apart | None = None) -> None:
        self.pid = pid
        self._fd = fd
        self._apart = apart  # the two processes' CPUs (``_affinity.py``), given back by collect
        self._collected = False
        self.interrupted = False  # Ctrl-C arrived while collect() waited

    @staticmethod
    def start(run: Callable[[], Result]) -> Split | None:
        """Fork a child that runs ``run`` and reports its result; None where that is not safe
        (other threads, no fork) or the fork failed."""

        apart = _affinity.plan()

        def report(fd: int) -> None:  # pragma: no cover - runs in the child
            if apart is not None:
                apart.enter_child()
            data = marshal.dumps(run())  # type: ignore[arg-type]
            while data:
                data = data[os.write(fd, data) :]

        forked = fork_with_pipe(report)
        if forked is None:
            return None
        if apart is not None:
            apart.enter_parent()
        return Split(*forked, apart)

    def interrupt(self) -> None:
        """Pass Ctrl-C on to the child (when the signal reached only this process)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, _SIGINT)

    def collect(self) -> Result | None:
        """Wait for the child; its result, or None if it failed (:attr:`interrupted` says whether
        Ctrl-C came meanwhile)."""
        if self._collected:
            return None
        self._collected = True
        chunks = []
        try:
            while True:
                try:
                    chunk = os.read(self._fd, 1 << 16)
                except KeyboardInterrupt:
                    # Ctrl-C while waiting: the child stops too (between files) and still
                    # reports what it did; keep reading, and let the caller know.
                    self.interrupted = True
                    self.interrupt()
                    continue
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self.pid, 0)
            if self._apart is not None:
                self._apart.leave()
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            return marshal.loads(b"".join(chunks))  # type: ignore[no-any-return]
        except (EOFError, ValueError, TypeError):
            return None


_PIPE_MIN = 4096  # what a pipe holds at least where its size cannot be asked (POSIX: PIPE_BUF >= 512)


class Claims:
    """Names shared out between the processes of a split as they ask: whichever process runs
    out of work takes the next name, so one slowed by other load (or by a bigger subdirectory)
    simply takes fewer. A fixed half each left the faster process idle at the end: 15-90 ms of
    a 0.2-0.4 s copy of 10,000 small files on a shared machine.

    The names' indices are written into a pipe before the fork and the write end is closed;
    a claim reads one 4-byte index (a pipe read is atomic against other readers, and every
    read asks for exactly one index), end of file means none is left. More names than the pipe
    holds are claimed in runs of consecutive names."""

    _INDEX = 4

    def __init__(self, names: list[str], fd: int, run: int) -> None:
        self._names = names
        self._fd: int | None = fd
        self._run = run

    @classmethod
    def open(cls, names: list[str]) -> Claims | None:
        """Claims on ``names`` (in that order); None if the pipe cannot be made and filled."""
        r, w = os.pipe()
        try:
            need = len(names) * cls._INDEX
            capacity = _PIPE_MIN
            if hasattr(fcntl, "F_GETPIPE_SZ"):  # Linux
                capacity = fcntl.fcntl(w, fcntl.F_GETPIPE_SZ)
                if need > capacity:
                    with contextlib.suppress(OSError):  # capped by /proc/sys/fs/pipe-max-size
                        capacity = fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, need)
            slots = max(1, capacity // cls._INDEX)
            run = -(-len(names) // slots)
            data = b"".join(i.to_bytes(cls._INDEX, "little") for i in range(0, len(names), run))
            os.set_blocking(w, False)  # never wait on a full pipe: give up instead
            if os.write(w, data) != len(data):
                raise BlockingIOError
        except OSError:
            os.close(r)
            return None
        finally:
            os.close(w)
        return cls(names, r, run)

    def take(self) -> list[str]:
        """The next names nobody has claimed (one, or one run); [] when none is left."""
        if self._fd is None:
            return []
        got = os.read(self._fd, self._INDEX)
        if len(got) != self._INDEX:
            return []
        first = int.from_bytes(got, "little")
        return self._names[first : first + self._run]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def fork_with_pipe(child: Callable[[int], None]) -> tuple[int, int] | None:
    """Fork a child that runs ``child(write_end)`` and exits (status 0 when it returned, 1 when
    it raised); return (pid, read end) to the parent, or None where forking is not safe (another
    thread could hold a lock across the fork) or failed. The prober of a mirror uses it too."""
    if threading.active_count() != 1 or not hasattr(os, "fork"):
        return None
    r, w = os.pipe()

    def run_child() -> None:  # pragma: no cover - the child
        os.close(r)
        child(w)

    try:
        pid = fork(run_child)
    except OSError:
        os.close(r)
        os.close(w)
        return None
    os.close(w)
    return pid, r


def subdirs_for_a_second_process(src_root: str) -> list[str]:
    """The subdirectories of ``src_root`` when a usable CPU is free for a second process (fewer
    other runnable tasks than CPUs less one, see ``model.other_runnable``) and there are two or
    more; else []. Used for the prober of a mirror too."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    if cpus < 2 or other_runnable() > cpus - 1.5:
        return []
    try:
        with os.scandir(src_root) as it:
            subdirs = [de.name for de in it if de.is_dir(follow_symlinks=False) and not is_temp_name(de.name)]
    except OSError:
        return []
    return subdirs if len(subdirs) >= 2 else []
