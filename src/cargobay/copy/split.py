"""Run one piece of a copy in a forked second process, and collect what it reports.

A fresh copy of small files is kernel work (create, copy, set times) plus Python work under one
interpreter lock, and two threads cannot share it (``bulk.py``). Two processes can: with a CPU to
spare, the engine forks a child that copies every other subdirectory of the root while the
engine copies the rest (``fresh.py`` decides what the child does and merges its report).

This module owns when a second process may pay off (:func:`subdirs_for_a_second_process`, also
for the prober of a mirror) and the mechanics: fork from a process with one thread (forking a
threaded process can copy a lock someone holds), run the child's function, send its result back
as one ``marshal`` frame over a pipe, leave with ``os._exit`` (no ``atexit``, no buffers of the
parent's flushed twice), and reap the child. :meth:`Split.collect` returns None when the child failed
(died, raised, sent nothing whole): the caller then does the child's part itself, so the result
never depends on the child, only the speed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import threading
from collections.abc import Callable

from cargobay._fork import fork
from cargobay._fsutil import is_temp_name
from cargobay.copy.model import other_runnable

_SIGINT = 2  # the same on every POSIX system; ``import signal`` costs ~0.5 ms of start-up (enums)

# What a child reports: marshal-able data (dicts, lists, tuples, str, int, bool, None).
Result = object


class Split:
    """The parent's end of one forked child."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self._fd = fd
        self._collected = False
        self.interrupted = False  # Ctrl-C arrived while collect() waited

    @staticmethod
    def start(run: Callable[[], Result]) -> Split | None:
        """Fork a child that runs ``run`` and reports its result; None where that is not safe
        (other threads, no fork) or the fork failed."""

        def report(fd: int) -> None:  # pragma: no cover - runs in the child
            data = marshal.dumps(run())  # type: ignore[arg-type]
            while data:
                data = data[os.write(fd, data) :]

        forked = fork_with_pipe(report)
        return None if forked is None else Split(*forked)

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
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            return marshal.loads(b"".join(chunks))  # type: ignore[no-any-return]
        except (EOFError, ValueError, TypeError):
            return None


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
