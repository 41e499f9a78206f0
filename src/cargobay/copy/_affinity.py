"""The two processes of a split copy on different CPUs (Linux), for the length of the split.

Left to the scheduler, the parent and the forked child of a split (``split.py``) ran on the same
CPU in about a third of the runs, and such a run took as long as one process: 10,000 x 4 KiB
onto a fresh ext4, in-process, 0.18-0.22 s against 0.13-0.15 s (both processes' last CPU the
same, the child's involuntary task switches up and its voluntary ones down). The two wake each
other (they create files in the same ext4 inode-table blocks and wait on each other's locks),
and the scheduler's wake-affine placement pulls the woken one onto the waker's CPU. Pinned apart,
12 runs of 12 took 0.13-0.17 s; pinning only the child, or unpinning the parent after its first
directories, brought the slow runs back.

So: the parent's thread stays on the CPU it runs on and the child takes every other CPU it may
use, until the split ends (:func:`leave`). The split is only made when a CPU is free
(``split.subdirs_for_a_second_process``). A helper thread the parent starts meanwhile (the
copies of big files, ``bulk.py``) takes the parent's own mask back (:func:`release_thread`), so
only the thread doing the small work is held. Everything here is a hint: where the calls are
missing or refused, nothing is pinned and the copy is the same.
"""

from __future__ import annotations

import os

from cargobay import _procstat

__all__ = ["Apart", "plan", "release_thread"]


class Apart:
    """The parent's CPU and the mask it had before a split."""

    def __init__(self, home: frozenset[int], cpu: int) -> None:
        self.home = home
        self.cpu = cpu

    def enter_child(self) -> None:  # pragma: no cover - runs in the child
        _set(self.home - {self.cpu})

    def enter_parent(self) -> None:
        global _held
        if _set(frozenset({self.cpu})):
            _held = self.home

    def leave(self) -> None:
        global _held
        if _held is not None:
            _held = None
            _set(self.home)


# The parent's mask from before the split while its thread is held (None otherwise).
_held: frozenset[int] | None = None


def plan() -> Apart | None:
    """Where the two processes of a split would go; None when there is nowhere apart to put
    them (one CPU allowed, no affinity calls, the current CPU unknown or not among the allowed)."""
    try:
        home = frozenset(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    cpu = _procstat.current_cpu()
    if cpu is None or cpu not in home or len(home) < 2:
        return None
    return Apart(home, cpu)


def release_thread() -> None:
    """Give a thread started while the parent is held the parent's mask from before the split."""
    held = _held
    if held is not None:
        _set(held)


def _set(cpus: frozenset[int]) -> bool:
    try:
        os.sched_setaffinity(0, cpus)
    except (AttributeError, OSError, ValueError):
        return False
    return True
