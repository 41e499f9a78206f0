"""The order of a copy's work: directory tasks and file batches, run by the engine's one worker.

The worker takes file batches before directories and opens the next directory only when no batch
waits, so memory is bounded by the largest directory, never by the tree. Directories are taken
last pushed first (a depth-first walk; ``prober.py`` walks its half in the same order).

One worker, because scans and small files are short system calls under the GIL, and two threads
doing them hand the GIL to each other on every call (measurements in ``bulk.py``): the engine's
further threads only copy big files. A task that raises (anything, Ctrl-C included) ends the run
and :meth:`WorkQueue.run` raises it again. This module knows nothing about files: ``execute.py``
says what a task does.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

from cargobay.copy.model import PlanStep

# A directory task is whatever the caller pushes (``execute._DirTask``): this module only hands it
# back. Typed ``object``, not a ``typing`` generic: ``typing`` stays off the CLI's start-up path.
DirTask = object


class Batch:
    """Actions for entries of one directory (``rel_dir``), run in order."""

    __slots__ = ("actions", "rel_dir")

    def __init__(self, rel_dir: str, actions: list[PlanStep]) -> None:
        self.rel_dir = rel_dir
        self.actions = actions


class WorkQueue:
    """The queue of one run: push tasks, then :meth:`run` them (tasks may push more)."""

    def __init__(self) -> None:
        self.stopped = False
        # Asked for more work when none is left: pushes some and returns True, or returns False
        # (the run ends). A split copy's processes claim the root's subdirectories this way.
        self.refill: Callable[[], bool] | None = None
        self._dirs: list[DirTask] = []
        self._batches: collections.deque[Batch] = collections.deque()

    def push_dir(self, task: DirTask) -> None:
        self._dirs.append(task)

    def push_batch(self, rel_dir: str, actions: list[PlanStep]) -> None:
        self._batches.append(Batch(rel_dir, actions))

    def run(
        self,
        run_dir: Callable[[DirTask], None],
        run_batch: Callable[[Batch], None],
        after_task: Callable[[], None] | None = None,
    ) -> None:
        """Run every task, pushed before or during the run, until none is left (and
        :attr:`refill` adds none); the first
        exception a task raises ends the run (:attr:`stopped` is then set) and is raised again."""
        batches, dirs = self._batches, self._dirs
        try:
            while True:
                if batches:
                    run_batch(batches.popleft())
                elif dirs:
                    run_dir(dirs.pop())
                elif self.refill is None or not self.refill():
                    return
                if after_task is not None:
                    after_task()
        except BaseException:
            self.stopped = True
            raise
