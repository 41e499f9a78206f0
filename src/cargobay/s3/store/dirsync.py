"""Group commit of directory fsyncs: concurrent writers into one directory share one fsync.

A durable publish is: fsync the temp file, rename it onto the key, fsync the directory, then
acknowledge. The directory fsync is what makes the *rename* survive a power cut, and it is the
one step that many writers repeat for the same directory (every PUT under one prefix, every part
of one multipart upload). An fsync of a directory makes durable every entry change made in it
before the fsync *started*; so a writer whose rename is done only needs to wait for an fsync of
that directory that starts after its rename, whoever issues it.

:meth:`DirSync.sync` does that: each caller takes a ticket after its rename; one caller at a time
(the leader) runs the fsync and covers every ticket taken before it started; the others wait for
an fsync that covers theirs, or lead the next one. Nobody returns before an fsync that started
after their rename has finished, so the durability promise is the same as fsyncing alone; under
load there are fewer fsyncs, and never more than one at a time per directory. A failed fsync
covers nobody: every waiter then tries itself (and gets the error if it persists).

This module knows nothing of HTTP or of S3.
"""

from __future__ import annotations

import threading

from cargobay._fsutil import fsync_dir


class _Directory:
    __slots__ = ("cond", "done", "running", "tickets", "users")

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.tickets = 0  # tickets handed out (one per rename waiting to be made durable)
        self.done = 0  # every ticket up to this one is covered by a finished fsync
        self.running = False  # an fsync of this directory is under way
        self.users = 0  # callers inside sync() for this directory (the entry is dropped at 0)


class DirSync:
    """Shared directory fsyncs for one process (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dirs: dict[str, _Directory] = {}
        self.fsyncs = 0  # fsyncs issued (for tests and benchmarks: fewer than calls under load)
        self.calls = 0

    def sync(self, directory: str) -> None:
        """Return once an fsync of ``directory`` that started after this call has finished."""
        with self._lock:
            state = self._dirs.get(directory)
            if state is None:
                state = self._dirs[directory] = _Directory()
            state.users += 1
            self.calls += 1
        try:
            self._sync(directory, state)
        finally:
            with self._lock:
                state.users -= 1
                if state.users == 0:
                    del self._dirs[directory]

    def _sync(self, directory: str, state: _Directory) -> None:
        with state.cond:
            state.tickets += 1
            ticket = state.tickets
            while state.done < ticket:
                if state.running:
                    state.cond.wait()
                    continue
                state.running = True
                covered = state.tickets  # all taken before this fsync starts
                ok = False
                state.cond.release()
                try:
                    with self._lock:
                        self.fsyncs += 1
                    fsync_dir(directory)
                    ok = True
                finally:
                    state.cond.acquire()
                    state.running = False
                    if ok:
                        state.done = max(state.done, covered)
                    state.cond.notify_all()
