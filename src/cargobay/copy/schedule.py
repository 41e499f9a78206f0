"""Share a copy's work among worker threads: directory tasks and file batches, from one queue.

Workers prefer file batches and open new directories only when no batch waits and fewer than
``HIGH_WATER`` actions are queued, so memory is bounded by the largest directory, never by the
tree. A worker takes the oldest batch from a directory no other worker is writing in (see
:meth:`WorkQueue._next_batch`). Directory scans run on the first worker alone until there is file
work or the scans are seen waiting on the disk (see :meth:`WorkQueue.note_scan`).

A task that raises (anything, Ctrl-C included) stops every worker; :meth:`WorkQueue.run` then
re-raises it. Tasks check :attr:`WorkQueue.stopped` between files to stop early. This module knows
nothing about files: ``execute.py`` says what a task does.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from collections.abc import Callable

from cargobay.copy.model import PlanStep

HIGH_WATER = 4096  # queued actions above which no new directory is opened
SCAN_WAIT_MIN = 0.002  # seconds of waiting in scans before every worker scans (see note_scan)

# A directory task is whatever the caller pushes (``execute._DirTask``): this module only hands it
# back. Typed ``object``, not a ``typing`` generic: ``typing`` stays off the CLI's start-up path.
DirTask = object


class Batch:
    """Actions for entries of one directory (``rel_dir``), run in order by one worker."""

    __slots__ = ("actions", "rel_dir")

    def __init__(self, rel_dir: str, actions: list[PlanStep]) -> None:
        self.rel_dir = rel_dir
        self.actions = actions


class WorkQueue:
    """The queue of one run: push tasks, then :meth:`run` them on ``workers`` threads."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.stopped = False
        self._cond = threading.Condition()
        self._dirs: list[DirTask] = []
        self._batches: collections.deque[Batch] = collections.deque()
        self._outstanding = 0
        self._pending_actions = 0
        self._busy_dirs: dict[str, int] = {}
        self._fatal: BaseException | None = None
        self.parallel_scans = False
        self._scan_cpu = 0.0
        self._scan_wait = 0.0

    def push_dir(self, task: DirTask) -> None:
        with self._cond:
            self._dirs.append(task)
            self._outstanding += 1
            self._cond.notify()

    def push_batch(self, rel_dir: str, actions: list[PlanStep]) -> None:
        with self._cond:
            self._batches.append(Batch(rel_dir, actions))
            self._outstanding += 1
            self._pending_actions += len(actions)
            # There is file work: a worker between batches must be free to scan the next
            # directory rather than wait for the first worker to finish its batch.
            self.parallel_scans = True
            self._cond.notify()

    def run(
        self,
        run_dir: Callable[[DirTask], None],
        run_batch: Callable[[Batch], None],
        after_task: Callable[[], None] | None = None,
    ) -> None:
        """Run every task, pushed before or during the run, until none is left; re-raise the
        first exception a task raised (after every worker has stopped)."""
        if self.workers == 1:
            self._worker(0, run_dir, run_batch, after_task)
        else:
            threads = [
                threading.Thread(
                    target=self._worker,
                    args=(i, run_dir, run_batch, after_task),
                    name=f"cargobay-copy-{i}",
                    daemon=True,
                )
                for i in range(self.workers)
            ]
            for t in threads:
                t.start()
            try:
                for t in threads:
                    while t.is_alive():
                        t.join(0.25)  # wakes for Ctrl-C in the main thread
            except BaseException:
                self._halt(None)
                for t in threads:
                    t.join()
                raise
        if self._fatal is not None:
            raise self._fatal

    def note_scan(self, wall: float, cpu: float) -> None:
        """Let every worker scan directories once scans have waited longer than they computed.

        This matters while a run has found nothing to copy, as in a no-change mirror (any batch
        of file work already lets every worker scan: see :meth:`push_batch`). While metadata is
        cached, a scan is Python work under the GIL and a second scanning thread only adds
        contention: a no-change mirror of 10,000 files took 78.5 ms on one worker and 82.9 ms
        on two. Waiting (on the disk, from a cold cache) overlaps across threads: 152 ms on two
        workers against 179 ms on one. Called by the first worker only, until the switch, so
        the totals need no lock.
        """
        self._scan_cpu += cpu
        self._scan_wait += max(0.0, wall - cpu)
        if self._scan_wait > max(self._scan_cpu, SCAN_WAIT_MIN):
            with self._cond:
                self.parallel_scans = True
                self._cond.notify_all()

    def _halt(self, exc: BaseException | None) -> None:
        with self._cond:
            if self._fatal is None and exc is not None:
                self._fatal = exc
            self.stopped = True
            self._cond.notify_all()

    def _next_task(self, index: int) -> DirTask | Batch | None:
        """Wait for the next task this worker may take; None when the run is over or stopped."""
        with self._cond:
            while True:
                if self.stopped:
                    return None
                if self._batches:
                    return self._next_batch()
                if self._dirs and self._pending_actions < HIGH_WATER and (index == 0 or self.parallel_scans):
                    return self._dirs.pop()
                if self._outstanding == 0:
                    self._cond.notify_all()
                    return None
                self._cond.wait()

    def _next_batch(self) -> Batch:
        """The oldest batch from a directory no other worker is writing in (called under the lock).

        Creating files in one directory serialises on its lock in the kernel, and on ext4 the
        directories of a tree spread over block groups whose allocators run in parallel: workers
        spread over directories scale, workers in one directory queue behind each other.
        """
        busy = self._busy_dirs
        for i, b in enumerate(itertools.islice(self._batches, 64)):
            if busy.get(b.rel_dir, 0) == 0:
                del self._batches[i]
                break
        else:
            b = self._batches.popleft()
        busy[b.rel_dir] = busy.get(b.rel_dir, 0) + 1
        return b

    def _done(self, task: DirTask | Batch) -> None:
        with self._cond:
            self._outstanding -= 1
            if isinstance(task, Batch):
                self._pending_actions -= len(task.actions)
                left = self._busy_dirs[task.rel_dir] - 1
                if left:
                    self._busy_dirs[task.rel_dir] = left
                else:
                    del self._busy_dirs[task.rel_dir]
            self._cond.notify_all()

    def _worker(
        self,
        index: int,
        run_dir: Callable[[DirTask], None],
        run_batch: Callable[[Batch], None],
        after_task: Callable[[], None] | None,
    ) -> None:
        while (task := self._next_task(index)) is not None:
            try:
                if isinstance(task, Batch):
                    run_batch(task)
                elif self.parallel_scans:
                    run_dir(task)
                else:
                    wall, cpu = time.perf_counter(), time.thread_time()
                    run_dir(task)
                    self.note_scan(time.perf_counter() - wall, time.thread_time() - cpu)
            except BaseException as exc:
                self._halt(exc)
                return
            self._done(task)
            if after_task is not None:
                after_task()
