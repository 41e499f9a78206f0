"""Group commit of directory fsyncs: every caller is covered by an fsync that started after it
called, fsyncs of one directory never overlap, and concurrent callers share fsyncs."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable

import pytest

from cargobay.s3.store import dirsync
from cargobay.s3.store.dirsync import DirSync


class FakeFsync:
    """Records each fsync as (directory, start tick, end tick) on one logical clock."""

    def __init__(self, *, hold: Callable[[int], None] = lambda n: None, fail_at: int | None = None) -> None:
        self.clock = itertools.count()
        self.lock = threading.Lock()
        self.done: list[tuple[str, int, int]] = []
        self.running: dict[str, int] = {}
        self.overlaps = 0
        self.hold = hold
        self.fail_at = fail_at  # the fsync (1-based) that fails
        self.started = 0

    def tick(self) -> int:
        with self.lock:
            return next(self.clock)

    def __call__(self, path: str) -> None:
        with self.lock:
            start = next(self.clock)
            self.started += 1
            number = self.started
            if self.running.get(path):
                self.overlaps += 1
            self.running[path] = self.running.get(path, 0) + 1
        try:
            self.hold(number)
            if number == self.fail_at:
                raise OSError(5, "simulated EIO")
        finally:
            with self.lock:
                self.running[path] -= 1
                end = next(self.clock)
        with self.lock:
            self.done.append((path, start, end))


Result = tuple[str, int, int, BaseException | None]  # path, entered, left, error


def _run_callers(syncer: DirSync, fake: FakeFsync, paths: list[str]) -> list[Result]:
    results: list[Result] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(paths))

    def caller(path: str) -> None:
        barrier.wait()
        entered = fake.tick()
        error: BaseException | None = None
        try:
            syncer.sync(path)
        except OSError as exc:
            error = exc
        left = fake.tick()
        with lock:
            results.append((path, entered, left, error))

    threads = [threading.Thread(target=caller, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == len(paths)
    return results


def _covered(fake: FakeFsync, path: str, entered: int, left: int) -> bool:
    return any(p == path and entered < start and end < left for p, start, end in fake.done)


def test_every_caller_is_covered_by_an_fsync_that_started_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeFsync()
    monkeypatch.setattr(dirsync, "fsync_dir", fake)
    syncer = DirSync()
    paths = ["/a", "/b"] * 6
    for path, entered, left, error in _run_callers(syncer, fake, paths):
        assert error is None
        assert _covered(fake, path, entered, left), (path, entered, left, fake.done)
    assert fake.overlaps == 0
    assert syncer._batchers._batchers == {}  # nothing kept once the callers are gone


def test_waiting_callers_share_one_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seven callers queue while a first fsync runs: one more fsync, started after all of them
    arrived, covers them all."""
    callers = 8
    syncer = DirSync()
    queued = threading.Event()

    def hold(number: int) -> None:
        if number == 1:  # the first fsync runs until the other callers are queued behind it
            assert queued.wait(10)

    fake = FakeFsync(hold=hold)
    monkeypatch.setattr(dirsync, "fsync_dir", fake)
    results: list[Result] = []

    def caller() -> None:
        entered = fake.tick()
        syncer.sync("/d")
        results.append(("/d", entered, fake.tick(), None))

    first = threading.Thread(target=caller)
    first.start()
    _wait_for(lambda: fake.started >= 1)
    others = [threading.Thread(target=caller) for _ in range(callers - 1)]
    for t in others:
        t.start()
    _wait_for(lambda: syncer._batchers.queued("/d") == callers - 1)
    queued.set()
    for t in [first, *others]:
        t.join(10)
        assert not t.is_alive()
    assert len(results) == callers
    assert all(_covered(fake, "/d", entered, left) for _, entered, left, _ in results)
    assert syncer.fsyncs == len(fake.done) == 2


def _wait_for(condition: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll until ``condition`` holds (a bound for a loaded machine, never reached when it works)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        threading.Event().wait(0.001)


def test_a_failed_fsync_fails_every_caller_it_was_to_cover(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two callers queue while a first fsync runs; the fsync that was to cover them both fails: both
    get its error. (Before, only its leader did; the other fsynced again on a new descriptor, which
    the kernel no longer tells about a write-back error it has reported once: acknowledged, maybe lost.)"""
    syncer = DirSync()
    queued = threading.Event()

    def hold(number: int) -> None:
        if number == 1:  # the first fsync runs until the two others are queued behind it
            assert queued.wait(10)

    fake = FakeFsync(hold=hold, fail_at=2)
    monkeypatch.setattr(dirsync, "fsync_dir", fake)
    errors: dict[str, BaseException | None] = {}

    def caller(name: str) -> None:
        try:
            syncer.sync("/d")
            errors[name] = None
        except OSError as exc:
            errors[name] = exc

    first = threading.Thread(target=caller, args=("first",))
    first.start()
    _wait_for(lambda: fake.started >= 1)
    others = [threading.Thread(target=caller, args=(name,)) for name in ("second", "third")]
    for t in others:
        t.start()
    _wait_for(lambda: syncer._batchers.queued("/d") >= 2)
    queued.set()
    for t in [first, *others]:
        t.join(10)
        assert not t.is_alive()
    assert errors["first"] is None
    assert isinstance(errors["second"], OSError) and isinstance(errors["third"], OSError)
    assert fake.started == 2  # nobody fsynced again on its own


def test_real_directory(tmp_path: os.PathLike[str]) -> None:
    syncer = DirSync()
    syncer.sync(str(tmp_path))
    assert syncer.fsyncs == 1
    with pytest.raises(FileNotFoundError):
        syncer.sync(os.path.join(str(tmp_path), "missing"))
