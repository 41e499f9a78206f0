"""Shared passes (store/batcher.py): who runs a pass, what it takes, who is woken, who gets errors.

Deterministic: the pass function is steered by events, and the gates waiters park on are
swapped for gates that report each parking, so a test knows when a waiter is parked instead of
sleeping and hoping. No timing is asserted; a timeout only turns a hang into a failure.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cargobay.s3.store import batcher
from cargobay.s3.store.batcher import Batcher, KeyedBatchers

WAIT = 10  # seconds before a hang is a failure


class _Gate:
    """A waiter's gate that counts its parkings and openings."""

    def __init__(self, parked: threading.Semaphore) -> None:
        self._lock = threading.Lock()
        self._made = False
        self._parked = parked
        self.opened = 0

    def acquire(self) -> bool:
        if self._made:
            self._parked.release()  # the waiter blocks now (or returns at once if opened already)
        self._made = True
        return self._lock.acquire()

    def release(self) -> None:
        self.opened += 1
        self._lock.release()


@pytest.fixture
def parked(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Semaphore]:
    """Released once each time a waiter parks; acquire it n times to know n waiters parked."""
    semaphore = threading.Semaphore(0)
    monkeypatch.setattr(batcher, "_Gate", lambda: _Gate(semaphore))
    yield semaphore


def _wait_parked(parked: threading.Semaphore, count: int) -> None:
    for _ in range(count):
        assert parked.acquire(timeout=WAIT), "a waiter never parked"


class _Passes:
    """A pass function the test steers: it records each pass's items, reports its start, holds
    the passes it is told to hold until released, and fails those it is told to fail."""

    def __init__(self) -> None:
        self.items: list[list[str]] = []
        self.finished: list[bool] = []
        self.began = threading.Semaphore(0)
        self.hold: dict[int, threading.Event] = {}
        self.fail: dict[int, BaseException] = {}

    def held(self, n: int) -> threading.Event:
        self.hold[n] = threading.Event()
        return self.hold[n]

    def wait_began(self) -> None:
        assert self.began.acquire(timeout=WAIT), "a pass never began"

    def __call__(self, items: list[str]) -> list[tuple[int, str]]:
        n = len(self.items)
        self.items.append(list(items))
        self.finished.append(False)
        self.began.release()
        if n in self.hold:
            assert self.hold[n].wait(WAIT)
        if n in self.fail:
            raise self.fail[n]
        self.finished[n] = True
        return [(n, item) for item in items]


class _Caller(threading.Thread):
    """Calls ``fn`` on its own thread; keeps the result or the error."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self._fn()
        except BaseException as exc:
            self.error = exc

    def outcome(self) -> Any:
        self.join(WAIT)
        assert not self.is_alive(), "a caller never returned"
        return self.error if self.error is not None else self.result


def _held_first_pass(item: str) -> tuple[_Passes, Batcher[str, tuple[int, str]], threading.Event, _Caller]:
    """A batcher whose first pass, over ``item`` and led by a caller thread of its own, has
    begun and goes on until the returned event is set."""
    passes = _Passes()
    batch: Batcher[str, tuple[int, str]] = Batcher(passes)
    release = passes.held(0)
    leader = _Caller(lambda: batch.call(item))
    passes.wait_began()
    return passes, batch, release, leader


def test_batcher_lone_caller_runs_its_own_pass_without_parking(parked: threading.Semaphore) -> None:
    passes = _Passes()
    batch: Batcher[str, tuple[int, str]] = Batcher(passes)
    ticket = batch.submit("a")
    assert batch.wait(ticket) == (0, "a")
    assert batch.call("b") == (1, "b")
    assert ticket._gate is None and not parked.acquire(blocking=False)  # nobody parked
    assert batch.passes == 2


def test_batcher_item_queued_during_a_pass_is_served_by_the_next_pass(parked: threading.Semaphore) -> None:
    """A pass takes what was queued when it began: a later arrival waits for the next pass, and
    is answered only once that pass has finished."""
    passes, batch, release, first = _held_first_pass("a")
    late = _Caller(lambda: batch.call("b"))
    _wait_parked(parked, 1)
    assert batch.queued == 1
    release.set()
    assert first.outcome() == (0, "a")
    assert late.outcome() == (1, "b")
    assert passes.items == [["a"], ["b"]]
    assert passes.finished == [True, True]


def test_batcher_wakes_each_waiter_once_and_one_of_the_queued_to_lead(parked: threading.Semaphore) -> None:
    """When a pass ends, the waiters it served wake up, and one waiter still queued wakes up to
    lead the next pass; the other queued waiters sleep on until the pass that serves them ends."""
    passes, batch, release_first, leader = _held_first_pass("a")
    release_second = passes.held(1)
    tickets = [batch.submit(item) for item in "bcd"]
    waiters = [_Caller(functools.partial(batch.wait, t)) for t in tickets]
    _wait_parked(parked, 3)
    release_first.set()
    passes.wait_began()  # the second pass: led by the first queued waiter
    assert leader.outcome() == (0, "a")
    gates = [t._gate for t in tickets]
    assert all(isinstance(g, _Gate) for g in gates)
    assert [g.opened for g in gates] == [1, 0, 0]  # type: ignore[union-attr]
    assert not parked.acquire(blocking=False)  # nobody woke up only to park again
    release_second.set()
    assert [w.outcome() for w in waiters] == [(1, "b"), (1, "c"), (1, "d")]
    assert [g.opened for g in gates] == [1, 1, 1]  # type: ignore[union-attr]
    assert passes.items == [["a"], ["b", "c", "d"]]
    assert batch.passes == 2


def test_batcher_error_reaches_only_the_waiters_of_its_pass(parked: threading.Semaphore) -> None:
    passes, batch, release, failing = _held_first_pass("a")
    passes.fail[0] = OSError("first pass")  # raised once released
    later = _Caller(lambda: batch.call("b"))
    _wait_parked(parked, 1)
    release.set()
    error = failing.outcome()
    assert isinstance(error, OSError) and str(error) == "first pass"
    assert later.outcome() == (1, "b")
    # Both tickets of a failing pass get its error, the one that did not lead too.
    passes.fail[2] = ValueError("third pass")
    c, d = batch.submit("c"), batch.submit("d")
    with pytest.raises(ValueError, match="third pass"):
        batch.wait(c)
    with pytest.raises(ValueError, match="third pass"):
        batch.wait(d)
    assert batch.call("e") == (3, "e")  # the next pass starts clean


def test_batcher_base_exception_reaches_the_leader_and_the_waiters(parked: threading.Semaphore) -> None:
    class Stop(BaseException):
        pass

    passes, batch, blocker_release, blocker = _held_first_pass("x")
    release = passes.held(1)
    passes.fail[1] = Stop()
    callers = [_Caller(functools.partial(batch.call, i)) for i in "ab"]
    _wait_parked(parked, 2)
    blocker_release.set()
    passes.wait_began()
    release.set()
    assert blocker.outcome() == (0, "x")
    assert all(isinstance(c.outcome(), Stop) for c in callers)
    assert batch.call("z") == (2, "z")


def test_batcher_a_pass_that_miscounts_its_results_fails_its_waiters() -> None:
    batch: Batcher[str, int] = Batcher(lambda items: [1])
    a, b = batch.submit("a"), batch.submit("b")
    with pytest.raises(RuntimeError, match="2 items returned 1 results"):
        batch.wait(a)
    with pytest.raises(RuntimeError):
        batch.wait(b)


def test_batcher_every_answer_comes_from_a_pass_that_began_after_its_item_was_queued() -> None:
    """Many callers at once: each gets its own item back, from a pass that began after the item
    was queued (the promise that makes a shared fsync as good as one's own)."""
    lock = threading.Lock()
    clock = [0]  # bumped before each submit
    starts: list[int] = []

    def run(items: list[tuple[int, str]]) -> list[tuple[int, str, int]]:
        with lock:
            starts.append(clock[0])
            n = len(starts) - 1
        return [(stamp, name, n) for stamp, name in items]

    batch: Batcher[tuple[int, str], tuple[int, str, int]] = Batcher(run)
    go = threading.Barrier(8)
    wrong: list[str] = []

    def caller(i: int) -> None:
        go.wait()
        for j in range(200):
            with lock:
                clock[0] += 1
                stamp = clock[0]
            name = f"{i}/{j}"
            got_stamp, got_name, n = batch.call((stamp, name))
            if (got_stamp, got_name) != (stamp, name) or stamp > starts[n]:
                wrong.append(name)

    threads = [_Caller(functools.partial(caller, i)) for i in range(8)]
    for t in threads:
        assert t.outcome() is None
    assert wrong == []
    assert batch.passes == len(starts) <= 1600
    assert batch.queued == 0


def test_keyed_batchers_run_the_passes_of_two_keys_side_by_side() -> None:
    """A pass of one key that does not end holds up no caller of another key, and its error
    reaches only its own key's callers; a key without callers is forgotten."""
    entered, release = threading.Event(), threading.Event()

    def run(key: str, items: list[str]) -> list[str]:
        if key == "slow":
            entered.set()
            assert release.wait(WAIT)
            raise OSError("slow key failed")
        return [f"{key}:{item}" for item in items]

    keyed: KeyedBatchers[str, str, str] = KeyedBatchers(run)
    slow = _Caller(lambda: keyed.call("slow", "a"))
    assert entered.wait(WAIT)
    assert keyed.call("fast", "b") == "fast:b"  # while the slow key's pass is still under way
    release.set()
    assert isinstance(slow.outcome(), OSError)
    assert keyed.call("fast", "c") == "fast:c"
    assert keyed.passes == 3
    assert keyed._batchers == {}


def test_batcher_a_waiter_interrupted_when_woken_to_lead_hands_the_lead_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A waiter woken to lead the next pass that is interrupted instead (a signal in the main
    thread) must not leave the other queued waiters parked with nobody to lead."""

    class Interrupted(BaseException):
        pass

    parked = threading.Semaphore(0)
    doomed: list[_Gate] = []

    class _DyingGate(_Gate):
        def acquire(self) -> bool:
            got = super().acquire()
            if self in doomed and self.opened:
                raise Interrupted
            return got

    def gate() -> _Gate:
        made = _DyingGate(parked)
        if not doomed:
            doomed.append(made)  # the first waiter to park: the first queued, so picked to lead
        return made

    monkeypatch.setattr(batcher, "_Gate", gate)
    passes, batch, release, leader = _held_first_pass("a")
    first = _Caller(lambda: batch.call("b"))
    _wait_parked(parked, 1)
    second = _Caller(lambda: batch.call("c"))
    _wait_parked(parked, 1)
    release.set()
    assert leader.outcome() == (0, "a")
    assert isinstance(first.outcome(), Interrupted)
    assert second.outcome() == (1, "c")
    assert passes.items == [["a"], ["b", "c"]]  # the interrupted caller's item still ran


def test_batcher_each_waiter_gets_its_own_error_caused_by_the_pass_error(parked: threading.Semaphore) -> None:
    """One exception instance raised in several threads at once gets its ``__traceback__`` and
    ``__context__`` rewritten by each: the waiter that ran the failing pass raises the error
    itself, every other waiter its own copy (same class and arguments) raised from it."""
    passes, batch, release_first, blocker = _held_first_pass("x")
    release_second = passes.held(1)
    original = OSError(5, "second pass", "/some/dir")
    original.add_note("from the pass")
    passes.fail[1] = original
    tickets = [batch.submit(item) for item in "abc"]
    waiters = [_Caller(functools.partial(batch.wait, t)) for t in tickets]
    _wait_parked(parked, 3)
    release_first.set()
    passes.wait_began()  # the second pass, led by the first queued waiter
    release_second.set()
    assert blocker.outcome() == (0, "x")
    leader, *followers = [w.outcome() for w in waiters]
    assert leader is original
    assert len({id(e) for e in followers}) == 2 and original not in followers
    for error in followers:
        assert type(error) is OSError and error.__cause__ is original
        assert (error.errno, error.strerror, error.filename) == (5, "second pass", "/some/dir")
        assert error.__notes__ == ["from the pass"] and error.__notes__ is not original.__notes__
        assert error.__traceback__ is not original.__traceback__


def test_batcher_an_error_that_cannot_be_copied_is_raised_itself() -> None:
    """An exception class that cannot be rebuilt from its arguments: each waiter raises the
    pass's error itself (as before), rather than an error of another class."""

    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:
            super().__init__(a + b)

    def run(items: list[str]) -> list[str]:
        raise Odd(1, 2)

    batch: Batcher[str, str] = Batcher(run)
    a, b = batch.submit("a"), batch.submit("b")
    with pytest.raises(Odd) as first:
        batch.wait(a)
    with pytest.raises(Odd) as second:
        batch.wait(b)
    assert second.value is first.value
