"""Task state from /proc (cargobay/_procstat.py): a fake tree for the parsing, this process for the real thing."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cargobay import _procstat


def _task(proc: Path, pid: int, tid: int, line: str) -> None:
    task = proc / str(pid) / "task" / str(tid)
    task.mkdir(parents=True)
    (task / "stat").write_text(line)


def test_thread_states_count_fields_after_the_last_parenthesis(tmp_path: Path) -> None:
    fields = ["0"] * 50
    fields[15] = "-5"  # field 19, the nice value, is the 16th after the state
    _task(tmp_path, 7, 7, "7 (a) b) S " + " ".join(fields) + "\n")  # a command name with ") " in it
    fields[15] = "19"
    _task(tmp_path, 7, 8, "8 (worker) D " + " ".join(fields) + "\n")
    _task(tmp_path, 7, 9, "9 (cut short) R 1 2\n")  # does not parse: left out
    assert sorted(_procstat.thread_states(7, str(tmp_path))) == [("D", 19), ("S", -5)]
    assert _procstat.thread_states(8, str(tmp_path)) == []  # no such process
    assert sorted(_procstat.thread_ids(7, str(tmp_path))) == ["7", "8", "9"]


def test_thread_states_of_this_process_see_its_running_thread() -> None:
    stop = threading.Event()
    sleeper = threading.Thread(target=stop.wait)
    sleeper.start()
    try:
        states = _procstat.thread_states(os.getpid())
        assert len(states) >= 2
        assert ("R", os.getpriority(os.PRIO_PROCESS, 0)) in states  # this thread, with its nice value
    finally:
        stop.set()
        sleeper.join()


def test_runnable_count_and_load_averages(tmp_path: Path) -> None:
    (tmp_path / "loadavg").write_text("0.52 1.07 2.00 3/412 12345\n")
    assert _procstat.runnable_tasks(str(tmp_path)) == 3
    assert _procstat.load_averages(str(tmp_path)) == ("0.52", "1.07", "2.00")
    missing = str(tmp_path / "missing")
    assert _procstat.runnable_tasks(missing) is None and _procstat.load_averages(missing) is None
    (tmp_path / "loadavg").write_text("garbage\n")
    assert _procstat.runnable_tasks(str(tmp_path)) is None and _procstat.load_averages(str(tmp_path)) is None
    real = _procstat.runnable_tasks()
    assert real is not None and real >= 1  # this process is running
