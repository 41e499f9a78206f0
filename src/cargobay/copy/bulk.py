"""Helper threads for the copies of big files, so one worker keeps all the small work.

CPython's threads share one interpreter lock (the GIL), released around every system call. Small
files are a few short system calls each; two threads doing them at once hand the lock to each
other on nearly every call, and each hand-off is a futex wake-up and a task switch. On the 2-core
reference machine, 10,000 x 4 KiB took 0.35 s on one worker and 0.81-0.92 s on two (perf: futex
wake-ups and task switches were 25% of the samples); a lock passed between the workers per batch
still left two workers at 0.43-0.55 s. A big file is one long call (``copy_file_range``) during
which the lock is free: copies of big files overlap with each other and with the small work.

So the engine runs its directory scans and small files on one worker, and offers each file of
:data:`LONG_COPY` bytes or more, already open, to a :class:`BulkCopier` (``workers - 1`` threads,
started at the first big file, so a run of small files starts none). When every helper is behind,
the offer is refused and the worker copies the file itself: big files then copy on every thread,
and open descriptors stay few.

A job is a pair of callables: ``run`` does the work and reports its own ``Exception`` (the engine
records a failure); ``drop`` releases what the job holds when it will never run. Anything else a
job raises (Ctrl-C reaching a helper, a crash) stops the helpers, and :meth:`BulkCopier.join`
raises it again. This module knows nothing about files.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from cargobay.copy import _affinity

LONG_COPY = 1 << 20  # bytes from which a file is offered to a helper thread

Job = tuple[Callable[[], None], Callable[[], None]]  # (run, drop)


class BulkCopier:
    """``threads`` helper threads running the jobs offered to them, oldest first."""

    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError("a BulkCopier needs at least one thread")
        self.threads = threads
        self._cond = threading.Condition()
        self._jobs: deque[Job] = deque()
        self._helpers: list[threading.Thread] = []
        self._busy = 0
        self._closed = False
        self._fatal: BaseException | None = None

    def offer(self, run: Callable[[], None], drop: Callable[[], None]) -> bool:
        """Queue the job if a helper can take it soon; False when all are behind or stopped
        (the caller then does the work itself)."""
        with self._cond:
            if self._closed or len(self._jobs) >= self.threads:
                return False
            self._jobs.append((run, drop))
            if len(self._helpers) < self.threads and self._busy + len(self._jobs) > len(self._helpers):
                t = threading.Thread(target=self._helper, name=f"cargobay-bulk-{len(self._helpers)}", daemon=True)
                self._helpers.append(t)
                t.start()
            self._cond.notify()
            return True

    def stop(self) -> None:
        """Run no more queued jobs (each is dropped); jobs already running finish."""
        with self._cond:
            self._closed = True
            dropped = list(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()
        for _run, drop in dropped:
            drop()

    def join(self) -> None:
        """Wait until every queued job ran (the helpers then end); re-raise what stopped them.

        Ctrl-C while waiting drops the queued jobs but still waits for the running ones, then is
        raised again: a running job may be writing a file the caller is about to publish (a
        fresh copy's tree is renamed into place right after, ``fresh.reveal``), and a helper is a
        daemon thread, killed mid-file when the process exits. A second Ctrl-C ends the wait;
        :meth:`idle` then says whether a job still runs.
        """
        try:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
            self._wait()
        except KeyboardInterrupt:
            self.stop()
            self._wait()
            raise
        if self._fatal is not None:
            raise self._fatal

    def idle(self) -> bool:
        """No job is queued or running: every file a job wrote is finished or removed."""
        with self._cond:
            return not self._jobs and not self._busy

    def _wait(self) -> None:
        # On the jobs, not ``Thread.join``: a join that Ctrl-C interrupts marks the thread as ended
        # though it still runs (CPython 3.11's ``Thread._wait_for_tstate_lock`` then releases the
        # running thread's lock), so a second join would return at once.
        with self._cond:
            while self._jobs or self._busy:
                self._cond.wait(0.25)  # wakes for Ctrl-C in the main thread

    def _helper(self) -> None:
        _affinity.release_thread()  # not held to the CPU of a split's parent (see _affinity.py)
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if not self._jobs:
                    return
                run, _drop = self._jobs.popleft()
                self._busy += 1
            try:
                run()
            except BaseException as exc:
                with self._cond:
                    if self._fatal is None:
                        self._fatal = exc
                self.stop()
                return
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()  # a join may wait for this
