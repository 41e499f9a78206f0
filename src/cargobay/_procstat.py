"""Task state read from Linux ``/proc``: the threads of a process, each one's state and nice value,
and the machine's runnable count and load averages.

Three callers ask these questions: the copy engine (how many other tasks want a CPU before it
starts a second worker process, ``copy/model.py``; which CPU the first one runs on, to keep the
second off it, ``copy/_affinity.py``), and the benchmarks (whether a server they
measure is still working, ``bench/_proc.py``; the load average printed with every timing,
``bench/_wholeproc.py``). The parsing lives here once: ``/proc/PID/task/TID/stat`` is
``tid (comm) state ...`` where ``comm`` may itself hold spaces and parentheses, so the fields are
counted after the *last* ``)``; ``/proc/loadavg`` is ``1m 5m 15m runnable/total last-pid``.

Everything takes the ``/proc`` directory as an argument (tests give a fake tree) and treats a
process or thread that vanished meanwhile as absent. It is on the start-up path of every
``cargobay copy``: it imports nothing but ``os``, and nothing from cargobay.
"""

from __future__ import annotations

import os

__all__ = ["autogroup", "current_cpu", "load_averages", "runnable_tasks", "thread_ids", "thread_states"]

PROC = "/proc"


def thread_ids(pid: int | str, proc: str = PROC) -> list[str]:
    """The ids of the live threads of process ``pid`` ([] when it is gone or unreadable)."""
    try:
        return os.listdir(f"{proc}/{pid}/task")
    except OSError:
        return []


def thread_states(pid: int | str, proc: str = PROC) -> list[tuple[str, int]]:
    """(state letter, nice value) of each live thread of process ``pid``: ``R`` running or
    runnable, ``D`` in an uninterruptible (disk) wait, ``S`` asleep... ([] when it is gone); a
    thread that exits meanwhile, or whose line does not parse, is left out."""
    states: list[tuple[str, int]] = []
    for tid in thread_ids(pid, proc):
        try:
            with open(f"{proc}/{pid}/task/{tid}/stat", "rb") as fh:
                data = fh.read()
            # After "tid (comm) ": field 3 is the state, field 19 the nice value (proc(5)).
            fields = data[data.rindex(b")") + 2 :].split(b" ", 17)
            states.append((fields[0].decode("ascii"), int(fields[16])))
        except (OSError, ValueError, IndexError, UnicodeDecodeError):
            continue
    return states


def autogroup(pid: int | str, proc: str = PROC) -> str | None:
    """The scheduler autogroup of process ``pid`` (``/autogroup-N`` from ``/proc/PID/autogroup``)
    when autogroup scheduling is on (``/proc/sys/kernel/sched_autogroup_enabled``), else None
    (off, no such file, or the process is gone). With it on, CPU time is shared between groups
    first (a terminal session each): a task's nice value weighs only within its own group."""
    try:
        with open(f"{proc}/sys/kernel/sched_autogroup_enabled", "rb") as fh:
            if fh.read().strip() != b"1":
                return None
        with open(f"{proc}/{pid}/autogroup", "rb") as fh:
            return fh.read().split()[0].decode("ascii")
    except (OSError, IndexError, UnicodeDecodeError):
        return None


def current_cpu(proc: str = PROC) -> int | None:
    """The CPU the calling thread last ran on (field 39 of ``/proc/thread-self/stat``), or None."""
    try:
        with open(f"{proc}/thread-self/stat", "rb") as fh:
            data = fh.read()
        return int(data[data.rindex(b")") + 2 :].split(b" ")[36])
    except (OSError, ValueError, IndexError):
        return None


def _loadavg_fields(proc: str) -> list[str] | None:
    try:
        with open(f"{proc}/loadavg", "rb") as fh:
            return fh.read().decode("ascii").split()
    except (OSError, UnicodeDecodeError):
        return None


def runnable_tasks(proc: str = PROC) -> int | None:
    """How many tasks are running or runnable on the machine now, the caller included (the
    fourth field of ``/proc/loadavg``, before its ``/``); None where it cannot be read."""
    fields = _loadavg_fields(proc)
    try:
        return int(fields[3].split("/")[0]) if fields is not None else None
    except (ValueError, IndexError):
        return None


def load_averages(proc: str = PROC) -> tuple[str, str, str] | None:
    """The 1, 5 and 15 minute load averages as ``/proc/loadavg`` prints them; None where it
    cannot be read."""
    fields = _loadavg_fields(proc)
    if fields is None or len(fields) < 3:
        return None
    return fields[0], fields[1], fields[2]
