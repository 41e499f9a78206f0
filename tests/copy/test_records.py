"""The copy engine's public value types keep what ``@dataclass(frozen=True, slots=True)`` gave them
(they are ``cargobay._record.Record`` subclasses now, to keep ``dataclasses`` off start-up)."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import cargobay.copy as cb
from cargobay.copy.plan import PlanRules


def test_equality_hash_repr_and_defaults() -> None:
    assert cb.Preserve() == cb.Preserve(True, True, True, True, True)
    assert cb.Preserve() != cb.Preserve(xattrs=False)
    assert hash(cb.Preserve()) == hash(cb.Preserve())
    assert cb.CopyOptions().preserve == cb.Preserve()
    assert PlanRules(update=True).preserve == cb.Preserve()
    assert repr(cb.CopyFailure("a", "copy", "boom")) == "CopyFailure(rel='a', operation='copy', message='boom')"
    assert cb.CopyReport(files=2) == cb.CopyReport(2)
    assert cb.CopyReport() != cb.Preserve()


def test_frozen_and_slotted() -> None:
    report = cb.CopyReport()
    with pytest.raises(AttributeError):
        report.files = 3
    with pytest.raises(AttributeError):
        del report.files
    with pytest.raises(AttributeError):
        report.other = 1


def test_validation_and_copying() -> None:
    with pytest.raises(ValueError, match="workers"):
        cb.CopyOptions(workers=0)
    with pytest.raises(ValueError, match="buffer_size"):
        cb.CopyOptions(buffer_size=10)
    opts = cb.CopyOptions(workers=3, preserve=cb.Preserve.mode_only())
    assert pickle.loads(pickle.dumps(opts)) == opts
    assert copy.deepcopy(opts) == opts
    failure = cb.CopyReport(errors=(cb.CopyFailure("x", "stat", "gone"),))
    assert pickle.loads(pickle.dumps(failure)).errors[0].message == "gone"


def test_workers_default_to_the_idle_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    from cargobay.copy import _platform, model

    monkeypatch.setattr(_platform, "CPU_COUNT", 4)
    monkeypatch.setattr(model, "DEFAULT_WORKERS", 4)
    for others, want in ((0, 4), (1, 3), (3, 1), (9, 1)):
        monkeypatch.setattr(model, "other_runnable", lambda others=others: float(others))
        assert cb.CopyOptions().workers == want
    assert cb.CopyOptions(workers=3).workers == 3  # a choice is kept, busy machine or not


def test_other_runnable_reads_the_runnable_count_less_this_process(tmp_path: Path) -> None:
    from cargobay.copy import model

    # The fourth field of /proc/loadavg counts runnable tasks, this one included.
    assert 0 <= model.other_runnable() < 4096
    script = "from cargobay.copy import model\nprint(model.other_runnable())"
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        seen = max(
            float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)
        )
    finally:
        for p in busy:
            p.kill()
            p.wait()
    assert seen >= 1  # the two spinning processes are seen (at least one of them, on a loaded machine)


def test_other_runnable_looks_once_for_the_asks_of_one_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from cargobay.copy import model

    looks: list[float] = []

    def look() -> float:
        looks.append(float(len(looks) + 1))
        return looks[-1]

    monkeypatch.setattr(model, "_runnable_memo", [])
    monkeypatch.setattr(model, "look_for_other_runnable", look)
    assert (model.other_runnable(), model.other_runnable()) == (1.0, 1.0)  # workers, then the fork
    assert len(looks) == 1
    monkeypatch.setattr(model, "_RUNNABLE_MEMO_S", 0.0)  # an answer that old is looked for again
    assert model.other_runnable() == 2.0


def _fake_task(proc: Path, pid: int, tid: int, state: str, nice: int, comm: str = "a (b) c") -> None:
    # /proc/PID/task/TID/stat: "tid (comm) state" then fields 4..52; field 19 is the nice value.
    fields = ["0"] * 50
    fields[15] = str(nice)  # field 19 = the 16th after the state
    task = proc / str(pid) / "task" / str(tid)
    task.mkdir(parents=True)
    (task / "stat").write_text(f"{tid} ({comm}) {state} " + " ".join(fields) + "\n")


def test_competing_tasks_take_off_only_the_far_niced_runnable_threads_seen(tmp_path: Path) -> None:
    from cargobay.copy import model

    proc = tmp_path / "proc"
    own = os.getpriority(os.PRIO_PROCESS, 0)
    _fake_task(proc, 10, 10, "R", own)  # competes
    _fake_task(proc, 10, 11, "R", own + 9)  # still a real share of a core
    _fake_task(proc, 10, 12, "S", own)  # asleep
    _fake_task(proc, 20, 20, "R", own + 10)  # niced away: ~1/9 of our share
    _fake_task(proc, 30, 30, "R", 19 if own + 10 <= 19 else own + 10)
    _fake_task(proc, os.getpid(), os.getpid(), "R", own)  # this process itself
    (proc / "loadavg").write_text("0.00 0.00 0.00 5/100 1\n")  # not a process directory
    # Seen: 2 far-niced runnable threads (20/20, 30/30); the rest of the count stays.
    assert model.competing_tasks(9, str(proc)) == 7
    assert model.competing_tasks(2, str(proc)) == 0
    assert model.competing_tasks(1, str(proc)) == 0  # never below nothing
    assert model.competing_tasks(3, str(tmp_path / "missing")) == 3  # unreadable: nothing taken off
    assert model.competing_tasks(4, str(proc), budget_s=-1.0) == 4  # no time to look: nothing taken off


def test_under_autogroup_a_niced_task_of_another_group_competes_in_full(tmp_path: Path) -> None:
    """With autogroup scheduling on, CPU time is shared between groups (sessions) first: a far-niced
    task in another group is not "a sliver of a core", it is a whole competitor."""
    from cargobay.copy import model

    proc = tmp_path / "proc"
    own = os.getpriority(os.PRIO_PROCESS, 0)
    far = 19 if own + 10 <= 19 else own + 10
    _fake_task(proc, 20, 20, "R", far)  # same group as this process: taken off
    _fake_task(proc, 30, 30, "R", far)  # another session's group: competes
    (proc / "20" / "autogroup").write_text("/autogroup-7 nice 0\n")
    (proc / "30" / "autogroup").write_text("/autogroup-8 nice 0\n")
    (proc / str(os.getpid())).mkdir(parents=True)
    (proc / str(os.getpid()) / "autogroup").write_text("/autogroup-7 nice 0\n")
    (proc / "sys" / "kernel").mkdir(parents=True)
    switch = proc / "sys" / "kernel" / "sched_autogroup_enabled"
    switch.write_text("1\n")
    assert model.competing_tasks(2, str(proc)) == 1
    switch.write_text("0\n")  # off: nice values weigh machine-wide again
    assert model.competing_tasks(2, str(proc)) == 0
