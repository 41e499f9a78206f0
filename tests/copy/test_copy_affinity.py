"""The two processes of a split copy are held on different CPUs while it lasts (copy/_affinity.py):
the child on every allowed CPU but the parent's, the parent's thread on its own, and the parent's
mask given back when the split is collected."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from cargobay import _procstat
from cargobay.copy import _affinity
from cargobay.copy.split import Split

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity calls here")


@pytest.fixture
def home() -> Iterator[frozenset[int]]:
    before = frozenset(os.sched_getaffinity(0))
    yield before
    os.sched_setaffinity(0, before)  # whatever a failing test left


def test_a_split_holds_parent_and_child_apart_and_gives_the_parent_its_mask_back(home: frozenset[int]) -> None:
    seen: dict[str, object] = {}

    def child() -> object:  # runs in the child: report its own mask
        return sorted(os.sched_getaffinity(0))

    apart = _affinity.plan()
    split = Split.start(child)
    assert split is not None
    seen["during"] = frozenset(os.sched_getaffinity(0))
    result = split.collect()
    after = frozenset(os.sched_getaffinity(0))
    assert after == home
    if apart is None:  # one CPU allowed here: nothing to hold apart, nothing held
        assert seen["during"] == home and result == sorted(home)
        return
    assert seen["during"] == {apart.cpu}
    assert isinstance(result, list) and set(result) == home - {apart.cpu}


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
