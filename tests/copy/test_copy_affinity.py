"""The two processes of a split copy are held on different CPUs while it lasts (copy/_affinity.py):
the child on every allowed CPU but the parent's, the parent's thread on its own, and the parent's
mask given back when the split is collected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from cargobay import _procstat
from cargobay.copy import _affinity

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity calls here")


@pytest.fixture
def home() -> Iterator[frozenset[int]]:
    before = frozenset(os.sched_getaffinity(0))
    yield before
    os.sched_setaffinity(0, before)  # whatever a failing test left


# Run in a fresh interpreter: a split forks only when the process has one thread, and a thread
# another test left behind in this pytest worker would make it refuse.
_SPLIT_PROBE = """
import json, os
from cargobay.copy import _affinity
from cargobay.copy.split import Split

def child():
    return sorted(os.sched_getaffinity(0))

home = sorted(os.sched_getaffinity(0))
apart = _affinity.plan()
split = Split.start(child)
during = sorted(os.sched_getaffinity(0))
result = split.collect() if split is not None else None
after = sorted(os.sched_getaffinity(0))
print(json.dumps({"home": home, "cpu": None if apart is None else apart.cpu, "split": split is not None,
                  "during": during, "child": result, "after": after}))
"""


def test_a_split_holds_parent_and_child_apart_and_gives_the_parent_its_mask_back() -> None:
    done = subprocess.run([sys.executable, "-c", _SPLIT_PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    home = set(seen["home"])
    assert seen["split"], "a process with one thread did not split"
    assert set(seen["after"]) == home
    if seen["cpu"] is None:  # one CPU allowed here: nothing to hold apart, nothing held
        assert set(seen["during"]) == home and set(seen["child"]) == home
        return
    assert set(seen["during"]) == {seen["cpu"]}
    assert set(seen["child"]) == home - {seen["cpu"]}


def test_plan_needs_two_allowed_cpus_and_the_current_one_among_them(
    home: frozenset[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_procstat, "current_cpu", lambda proc="/proc": None)
    assert _affinity.plan() is None
    monkeypatch.setattr(_procstat, "current_cpu", lambda proc="/proc": max(home) + 1)
    assert _affinity.plan() is None
    monkeypatch.setattr(_procstat, "current_cpu", lambda proc="/proc": min(home))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {min(home)})
    assert _affinity.plan() is None


def test_a_thread_started_while_the_parent_is_held_gets_the_parents_old_mask(home: frozenset[int]) -> None:
    if len(home) < 2:
        assert _affinity.plan() is None
        return
    cpu = min(home)
    apart = _affinity.Apart(home, cpu)
    apart.enter_parent()
    try:
        assert frozenset(os.sched_getaffinity(0)) == {cpu}
        masks: list[frozenset[int]] = []

        def helper() -> None:
            inherited = frozenset(os.sched_getaffinity(0))
            _affinity.release_thread()
            masks.extend([inherited, frozenset(os.sched_getaffinity(0))])

        thread = threading.Thread(target=helper)
        thread.start()
        thread.join()
        assert masks == [{cpu}, home]
    finally:
        apart.leave()
    assert frozenset(os.sched_getaffinity(0)) == home
    _affinity.release_thread()  # nothing held any more: a no-op
    assert frozenset(os.sched_getaffinity(0)) == home


def test_current_cpu_is_one_the_thread_may_run_on(home: frozenset[int]) -> None:
    cpu = _procstat.current_cpu()
    assert cpu is None or cpu in home
