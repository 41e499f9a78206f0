"""The server's I/O thread pool (s3/http/iopool.py): outcomes reach the awaiting task, calls run off
the loop and at most ``workers`` at once, completions are drained in batches, a cancelled caller's
call still runs and a result it owned is given back (``on_abandoned``, ``owned``), ``run_after``
waits for the earlier call whatever its caller does, and shutdown runs what was queued."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from cargobay.s3.http.iopool import IOPool


def test_results_and_exceptions_reach_the_awaiting_task() -> None:
    pool = IOPool(2)
    error = ValueError("disk on fire")

    def fail() -> None:
        raise error

    async def main() -> None:
        assert await pool.run(lambda a, b: a + b, 2, 3) == 5
        with pytest.raises(ValueError) as caught:
            await pool.run(fail)
        assert caught.value is error

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()


def test_calls_run_off_the_loop_and_at_most_workers_at_once() -> None:
    workers = 3
    pool = IOPool(workers)
    lock = threading.Lock()
    running = 0
    peak = 0
    threads: set[int] = set()
    together = threading.Barrier(workers, timeout=30)  # each round of calls overlaps, whatever the load

    def call() -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            threads.add(threading.get_ident())
        together.wait()
        with lock:
            running -= 1
        return threading.get_ident()

    async def main() -> None:
        results = await asyncio.gather(*(pool.run(call) for _ in range(12)))
        assert threading.get_ident() not in results

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert peak == workers
    assert len(threads) == workers


def test_completions_that_arrive_together_take_one_wakeup_of_the_loop() -> None:
    calls = 8
    pool = IOPool(calls)
    barrier = threading.Barrier(calls)
    wakeups = 0

    async def main() -> None:
        nonlocal wakeups
        loop = asyncio.get_running_loop()
        original = loop.call_soon_threadsafe

        def counting(callback: Any, *args: Any, **kwargs: Any) -> asyncio.Handle:
            nonlocal wakeups
            wakeups += 1
            return original(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign,assignment]
        futures = [pool.run(barrier.wait) for _ in range(calls)]
        # Hold the loop until every call has finished: none of them can be delivered meanwhile.
        deadline = time.monotonic() + 10
        while len(pool._done) < calls and time.monotonic() < deadline:
            time.sleep(0.001)
        results = await asyncio.gather(*futures)
        assert sorted(results) == list(range(calls))

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert wakeups == 1


def test_a_cancelled_callers_call_still_runs_and_its_outcome_is_dropped_quietly() -> None:
    pool = IOPool(1)
    started = threading.Event()
    release = threading.Event()
    ran = threading.Event()
    loop_errors: list[dict[str, Any]] = []

    def slow() -> str:
        started.set()
        release.wait(10)
        ran.set()
        return "done"

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: loop_errors.append(ctx))
        task = asyncio.ensure_future(pool.run(slow))
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        # A later call is delivered after the cancelled one's outcome was dropped.
        assert await asyncio.wait_for(pool.run(lambda: "next"), 10) == "next"

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert ran.is_set()
    assert loop_errors == []


def test_shutdown_runs_what_was_queued_and_refuses_more() -> None:
    pool = IOPool(1)
    done: list[int] = []
    gate = threading.Event()

    async def main() -> None:
        pool.run(gate.wait, 10)
        for i in range(5):
            pool.run(done.append, i)
        shutdown = asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
        gate.set()
        await shutdown
        with pytest.raises(RuntimeError):
            pool.run(done.append, 99)

    asyncio.run(main())
    assert done == [0, 1, 2, 3, 4]


def test_a_call_that_ends_after_its_loop_closed_does_not_kill_the_worker() -> None:
    pool = IOPool(1)
    gate = threading.Event()

    async def first() -> None:
        pool.run(gate.wait, 10)  # never awaited: its loop is gone when it ends

    async def second() -> str:
        return await asyncio.wait_for(pool.run(lambda: "alive"), 10)

    try:
        asyncio.run(first())
        gate.set()
        assert asyncio.run(second()) == "alive"
    finally:
        pool.shutdown()


def test_a_result_whose_caller_was_cancelled_is_given_back_once_on_a_worker() -> None:
    pool = IOPool(1)
    started = threading.Event()
    release = threading.Event()
    given_back = threading.Event()
    calls: list[tuple[object, int]] = []
    handle = object()

    def opens() -> object:
        started.set()
        release.wait(10)
        return handle

    def give_back(value: object) -> None:
        calls.append((value, threading.get_ident()))
        given_back.set()

    async def main() -> None:
        task = asyncio.ensure_future(pool.owned(opens, on_abandoned=give_back))
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        assert await asyncio.to_thread(given_back.wait, 10)
        assert await asyncio.wait_for(pool.run(lambda: "next"), 10) == "next"

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert len(calls) == 1
    assert calls[0][0] is handle
    assert calls[0][1] != threading.get_ident()  # a worker, not the loop's thread


def test_a_result_that_reaches_its_caller_or_an_exception_is_never_given_back() -> None:
    pool = IOPool(2)
    given_back: list[object] = []

    def fail() -> object:
        raise OSError("no such file")

    async def main() -> None:
        assert await pool.owned(lambda: "kept", on_abandoned=given_back.append) == "kept"
        task = asyncio.ensure_future(pool.owned(fail, on_abandoned=given_back.append))
        with pytest.raises(OSError):
            await task
        assert await pool.owned(lambda: "kept too", on_abandoned=given_back.append) == "kept too"

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert given_back == []


def test_a_result_delivered_just_before_its_task_is_cancelled_is_given_back_by_owned() -> None:
    """The drain sets the future; the task is cancelled before it resumes: the result never gets
    to the caller's code, so :meth:`IOPool.owned` hands it to ``on_abandoned``."""
    pool = IOPool(1)
    given_back: list[object] = []
    done = threading.Event()
    handle = object()

    def give_back(value: object) -> None:
        given_back.append(value)
        done.set()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        original = loop.call_soon_threadsafe
        drain_scheduled = threading.Event()

        def noting(callback: Any, *args: Any, **kwargs: Any) -> asyncio.Handle:
            scheduled = original(callback, *args, **kwargs)
            drain_scheduled.set()
            return scheduled

        loop.call_soon_threadsafe = noting  # type: ignore[method-assign,assignment]
        task = asyncio.ensure_future(pool.owned(lambda: handle, on_abandoned=give_back))
        await asyncio.sleep(0)  # the task has queued its call and awaits it
        # Hold the loop until the call's drain is scheduled: it is then the next callback to run.
        assert drain_scheduled.wait(10)
        await asyncio.sleep(0)  # the drain runs (the result is set, the task's wake-up is queued), then this
        assert not task.done()
        task.cancel()  # lands before the task resumes with its result
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(done.wait, 10)

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert given_back == [handle]


def test_run_after_runs_once_the_first_call_ended_even_if_its_caller_was_cancelled() -> None:
    pool = IOPool(2)
    events: list[str] = []
    entered = threading.Event()
    release = threading.Event()
    after_ran = threading.Event()

    def first() -> None:
        events.append("first")
        entered.set()
        release.wait(10)
        events.append("first ended")

    def after() -> str:
        events.append("after")
        after_ran.set()
        return "after"

    async def main() -> None:
        assert await pool.run_after(pool.run(lambda: None), after) == "after"
        after_ran.clear()
        earlier = pool.run(first)
        await asyncio.to_thread(entered.wait, 10)
        waiter = asyncio.ensure_future(pool.run_after(earlier, after))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await pool.run(lambda: "free worker") == "free worker"  # nothing else was queued
        release.set()
        assert await asyncio.to_thread(after_ran.wait, 10)

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert events == ["after", "first", "first ended", "after"]


def test_a_result_abandoned_after_shutdown_is_given_back_on_the_loops_thread() -> None:
    pool = IOPool(1)
    started = threading.Event()
    release = threading.Event()
    given_back: list[tuple[object, int]] = []

    def opens() -> str:
        started.set()
        release.wait(10)
        return "fd"

    async def main() -> None:
        task = asyncio.ensure_future(
            pool.owned(opens, on_abandoned=lambda v: given_back.append((v, threading.get_ident())))
        )
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        pool.shutdown(wait=True)  # the worker ends; the drain it scheduled runs after this
        for _ in range(3):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert given_back == [("fd", threading.get_ident())]
