"""CPU time of another process at nanosecond resolution: the one reader every benchmark uses.

This module owns reading how much CPU a server process (and its children) has spent. The usual
sources are too coarse or incomplete for per-request costs of a fraction of a millisecond:

* ``/proc/PID/stat`` (and psutil's ``cpu_times``) count utime/stime in clock ticks of 10 ms, so a
  phase shorter than about a second reads as 0 ("0.00 ms/MiB").
* ``/proc/PID/schedstat`` is in nanoseconds but covers only the thread-group leader: a server
  that works in a thread pool shows a tenth of its CPU there (measured: 0.025 s of 0.247 s for a
  process running three busy threads), and ``/proc/PID/task/*/schedstat`` forgets threads that
  have exited.

Linux exposes the whole thread group's scheduler runtime (every thread, exited ones included, in
nanoseconds) as a CPU-time clock of that process: ``clock_gettime`` on the clock id
``MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`` = ``(~pid << 3) | 2`` (see
``include/linux/posix-timers.h``; the same clock ``clock_getcpuclockid(3)`` returns). That is
what :func:`process_cpu_ns` reads. Where the kernel refuses it, the reader falls back to the sum of
``/proc/PID/task/*/schedstat`` (ns, live threads) and then to ``/proc/PID/stat`` ticks, and
:func:`cpu_source` says which one a reading came from so a report can state it.
"""

from __future__ import annotations

import contextlib
import os
import time

__all__ = ["cpu_source", "process_cpu_ns", "tree_cpu_ns"]

_CPUCLOCK_SCHED = 2
_TICK_NS = 1_000_000_000 // (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


def _process_clock(pid: int) -> int:
    return ((~pid) << 3) | _CPUCLOCK_SCHED


def _schedstat_ns(pid: int) -> int | None:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total = 0
    for tid in tasks:
        with contextlib.suppress(OSError, ValueError, IndexError), open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
            total += int(fh.read().split()[0])
    return total


def _stat_ticks_ns(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) * _TICK_NS  # utime + stime


def cpu_source(pid: int) -> str:
    """Which reader :func:`process_cpu_ns` uses for ``pid`` (for the report's method line)."""
    try:
        time.clock_gettime_ns(_process_clock(pid))
        return "process CPU-time clock (clock_gettime, ns, all threads)"
    except OSError:
        pass
    if _schedstat_ns(pid) is not None:
        return "/proc/PID/task/*/schedstat (ns, live threads only)"
    return "/proc/PID/stat (10 ms ticks)"


def process_cpu_ns(pid: int) -> int | None:
    """User + system CPU of every thread of ``pid`` so far, in ns; None once the process is gone."""
    try:
        return time.clock_gettime_ns(_process_clock(pid))
    except OSError:
        pass
    ns = _schedstat_ns(pid)
    return ns if ns is not None else _stat_ticks_ns(pid)


def _children(pid: int) -> list[int]:
    """Direct and indirect children of ``pid`` (from /proc/PID/task/*/children)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            with contextlib.suppress(OSError), open(f"/proc/{parent}/task/{tid}/children") as fh:
                for child in fh.read().split():
                    out.append(int(child))
                    stack.append(int(child))
    return out


def tree_cpu_ns(pid: int) -> int | None:
    """CPU of ``pid`` and all its live descendants, in ns; None when ``pid`` itself is gone."""
    root = process_cpu_ns(pid)
    if root is None:
        return None
    return root + sum(process_cpu_ns(c) or 0 for c in _children(pid))
