"""Meters of a process tree read straight from ``/proc``: CPU time in nanoseconds, peak memory.

This is the one place the benchmarks read a server's CPU and memory (``bench s3``, ``bench soak``
and anything else that watches a process it started). It needs no third-party package; the
threads of a process and their states come from :mod:`cargobay._procstat`.

CPU time comes first from the process's CPU-time clock: ``clock_gettime`` on the clock id
``MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`` = ``(~pid << 3) | 2`` (``include/linux/posix-timers.h``,
the clock ``clock_getcpuclockid(3)`` returns), which is the scheduler runtime of the whole thread
group in nanoseconds, exited threads included (:func:`process_clock_ns`). Measured: for a process
whose three worker threads had each run 0.08 s and exited, the clock read 0.247 s while
``/proc/PID/schedstat`` (the leader thread only) read 0.025 s. Where the kernel refuses that clock,
CPU time comes from ``/proc/PID/task/TID/schedstat``, whose first field is the nanoseconds the
thread has run (the scheduler's ``sum_exec_runtime``), summed over every thread of every process
in the tree. ``/proc/PID/stat``'s ``utime``/``stime`` (and ``psutil.cpu_times``, which reads them)
count in clock ticks of 10 ms, too coarse for a workload of a few hundred requests: a phase that
used 4 ms of CPU read as 0.00 ms/MiB. But a thread that has exited takes its ``schedstat`` with
it, while ``stat`` keeps the time of the process's dead threads. So a meter remembers the last
reading of every thread it has seen, and answers the larger of that sum and the tick count of
``stat``: nanosecond resolution for servers that keep their threads (cargobay's asyncio executor),
never less than the tick count for servers that start a thread per request (moto), and never
going backwards.

A workload's CPU is read once the server has gone quiet (:meth:`ProcessMeter.cpu_ns_when_quiet`):
work a request leaves behind after its answer is still that request's cost. cargobay's deletes
are one such case (store/release.py frees the deleted files' blocks on background threads at nice
10, ~15 µs of CPU a 4 KiB file here, after the DeleteObjects answer): read at the last answer, a
quiet machine, whose spare core ran the frees at once, charged them to the delete round, and a
busy one, which starved them until the round was over, to no round at all (or to whatever that
server ran next). ``bench s3`` reads it so before and after every measurement (``s3_workloads._timed``).

Peak memory is ``VmHWM``; :meth:`ProcessMeter.reset_peak` writes ``5`` to ``/proc/PID/clear_refs``
(Linux >= 4.0) so each phase can have its own peak.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field

from cargobay._procstat import thread_ids, thread_states

__all__ = ["ProcessMeter", "process_clock_ns", "process_tree", "thread_cpu_ns", "tick_cpu_ns"]

_CPUCLOCK_SCHED = 2


def process_clock_ns(pid: int) -> int | None:
    """CPU of every thread of ``pid`` (exited ones too) in ns, from its CPU-time clock; None when
    the kernel refuses the clock or the process is gone."""
    try:
        return time.clock_gettime_ns(((~pid) << 3) | _CPUCLOCK_SCHED)
    except OSError:
        return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (from ``/proc/PID/task/TID/children``); [] if gone."""
    if not os.path.exists(f"/proc/{pid}"):
        return []
    seen: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        for tid in thread_ids(current):
            with contextlib.suppress(OSError), open(f"/proc/{current}/task/{tid}/children") as fh:
                todo.extend(int(child) for child in fh.read().split())
    return seen


def thread_cpu_ns(pid: int) -> dict[int, int]:
    """Nanoseconds on CPU of each live thread of process ``pid``, by thread id ({} if it is gone)."""
    times: dict[int, int] = {}
    for tid in thread_ids(pid):
        with contextlib.suppress(OSError, ValueError, IndexError), open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
            times[int(tid)] = int(fh.read().split()[0])
    return times


def tick_cpu_ns(pid: int) -> int:
    """utime + stime of process ``pid`` (its dead threads included), in ns; 10 ms resolution."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), counted after the name
    return ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessMeter:
    """CPU and peak-memory readings of the process tree rooted at ``pid``."""

    pid: int
    _seen: dict[tuple[int, int], int] = field(default_factory=dict, compare=False, repr=False)
    _floor: list[int] = field(default_factory=lambda: [0], compare=False, repr=False)

    def cpu_ns(self) -> int:
        """CPU time of the whole tree so far, in nanoseconds; see the module docstring."""
        total = 0
        for pid in process_tree(self.pid):
            exact = process_clock_ns(pid)
            if exact is not None:
                total += exact
                continue
            for tid, ns in thread_cpu_ns(pid).items():
                self._seen[pid, tid] = ns
            seen = sum(ns for (p, _), ns in self._seen.items() if p == pid)
            total += max(seen, tick_cpu_ns(pid))
        value = max(total, self._floor[0])
        self._floor[0] = value
        return value

    def cpu_ns_when_quiet(
        self, *, interval: float = 0.05, quiet_share: float = 0.02, quiet_intervals: int = 2, limit: float = 10.0
    ) -> int:
        """:meth:`cpu_ns` once the tree has used less than ``quiet_share`` of one CPU in each of
        ``quiet_intervals`` intervals of ``interval`` seconds in a row (at most ``limit`` seconds
        of waiting); the reading where the quiet began, so the quiet itself is not counted."""
        deadline = time.monotonic() + limit
        before = self.cpu_ns()
        quiet_since = before
        quiet = 0
        while quiet < quiet_intervals and time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_ns()
            # A thread that is runnable (R) or in a disk wait (D) is not done, whatever CPU it got:
            # on a busy machine a low-priority thread may be starved of the CPU for a while.
            if now - before < quiet_share * interval * 1e9 and not self._working():
                quiet += 1
            else:
                quiet = 0
                quiet_since = now
            before = now
        return quiet_since

    def _working(self) -> bool:
        """True if a thread of the tree is running, runnable or in an uninterruptible (disk) wait."""
        return any(state in ("R", "D") for pid in process_tree(self.pid) for state, _nice in thread_states(pid))

    def reset_peak(self) -> bool:
        """Reset VmHWM of every process in the tree; False when the kernel does not allow it."""
        ok = True
        for pid in process_tree(self.pid):
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as fh:
                    fh.write("5")
            except OSError:
                ok = False
        return ok

    def peak_rss(self) -> int:
        """Sum of VmHWM (peak resident set) over the process tree, in bytes."""
        return self._status_sum("VmHWM:")

    def rss(self) -> int:
        """Sum of VmRSS (resident set now) over the process tree, in bytes."""
        return self._status_sum("VmRSS:")

    def _status_sum(self, field: str) -> int:
        total = 0
        for pid in process_tree(self.pid):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith(field):
                        total += int(line.split()[1]) * 1024
                        break
        return total
