"""The I/O thread pool of the server: blocking store work off the event loop, at the least cost per call.

``loop.run_in_executor`` with a :class:`concurrent.futures.ThreadPoolExecutor` pays, per call, a
concurrent future chained to an asyncio future (callbacks both ways), the executor's idle
semaphore (a Python-level Condition) on both sides, and one write to the loop's self-pipe per
completed call. Measured on a 4 KiB PUT (16 in flight, fsync on): one extra empty hop through it
costs ~0.17 ms of server CPU. :class:`IOPool` keeps only what a hop needs: the loop puts
``(fn, args, future, loop, on_abandoned)`` on a C :class:`queue.SimpleQueue` that idle workers
block on; a worker runs ``fn`` and appends the outcome to a completion list; the first completion
after the loop last drained the list schedules one drain with ``call_soon_threadsafe`` (one
self-pipe write per drain, however many calls finished meanwhile), and the drain sets the asyncio
futures.

A call queued or running when its awaiting task is cancelled still runs to its end (unlike
``run_in_executor``, which drops a call not yet started): clean-up a cancelled handler queues, such
as aborting a temp file, is never skipped. Its outcome has nobody to go to. A call that returns
something owning resources (a descriptor, a temp file, a region of an assembly file) names how to
give it back, ``on_abandoned``, and is awaited through :meth:`IOPool.owned` (the only way to pass
one): a result whose caller is gone is handed to it on a worker (it does I/O) instead of being
dropped, and so is a result that reached its future while the task was cancelled before it
resumed (then the result never gets to the caller either). Calls without ``on_abandoned`` pay
nothing for this: one more slot in the tuples they travel in. Exceptions are delivered to the awaiting task unchanged.

:meth:`IOPool.run_after` runs a call once an earlier one ended, whatever happens to the task that
asked meanwhile: a streamed body's abort waits for its last write (a file is never closed under a
running write), even when the handler is cancelled while that write runs.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["IOPool"]

T = TypeVar("T")

log = logging.getLogger(__name__)

Release = Callable[[Any], object]
# (fn, args, the caller's future (None: a clean-up nobody awaits), its loop, on_abandoned)
_Item = tuple[
    Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any] | None", asyncio.AbstractEventLoop, Release | None
]
_Outcome = tuple["asyncio.Future[Any]", bool, Any, Release | None]


def _clean_up(fn: Release, value: Any) -> None:
    """Run a clean-up nobody awaits; its failure is logged (there is no request left to tell)."""
    try:
        fn(value)
    except Exception:
        log.exception("clean-up %r of an abandoned result failed", fn)


class IOPool:
    """``workers`` threads running blocking calls for asyncio code (see the module docstring)."""

    def __init__(self, workers: int, *, name: str = "cargobay-io") -> None:
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._done: list[_Outcome] = []
        self._drain_scheduled = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True) for i in range(workers)]
        self._started = False
        self._closed = False

    def run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run ``fn(*args)`` on a worker; a future of the running loop with its outcome. A result
        that owns resources is awaited through :meth:`owned` instead."""
        return self._submit(fn, args, None)

    def _submit(
        self, fn: Callable[..., T], args: tuple[Any, ...], on_abandoned: Callable[[T], object] | None
    ) -> asyncio.Future[T]:
        """Queue ``fn(*args)``; ``on_abandoned`` gives back a result whose future was cancelled
        before it came (called on a worker; only :meth:`owned` passes one, as it alone also
        covers the rest of the window)."""
        if self._closed:
            raise RuntimeError("the I/O pool is shut down")
        loop = asyncio.get_running_loop()
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((fn, args, future, loop, on_abandoned))
        return future

    async def owned(self, fn: Callable[..., T], *args: Any, on_abandoned: Callable[[T], object]) -> T:
        """Run ``fn(*args)`` on a worker and await it; its result is handed to ``on_abandoned``
        instead of being lost wherever the caller's cancellation lands: before the result came
        (the pool calls it on a worker), or after it reached the future and before this task
        resumed."""
        future = self._submit(fn, args, on_abandoned)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.exception() is None:
                self._abandon(on_abandoned, future.result())
            raise

    def run_after(self, first: asyncio.Future[Any], fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``fn()`` on a worker once ``first`` is done; a future with its outcome. ``fn`` runs
        even if the returned future is cancelled meanwhile (the caller's task was); ``first``'s own
        outcome is taken as seen (the caller acts on its own error)."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[T] = loop.create_future()

        def deliver(done: asyncio.Future[T]) -> None:
            if result.cancelled():
                if not done.cancelled():
                    done.exception()  # seen: nobody is left to raise it to
                return
            if done.cancelled():
                result.cancel()
            elif (exc := done.exception()) is not None:
                result.set_exception(exc)
            else:
                result.set_result(done.result())

        def start(earlier: asyncio.Future[Any]) -> None:
            if not earlier.cancelled():
                earlier.exception()
            if self._closed:  # shutting down: nothing would run it any more
                try:
                    outcome = fn()
                except Exception as exc:
                    if not result.cancelled():
                        result.set_exception(exc)
                    return
                if not result.cancelled():
                    result.set_result(outcome)
                return
            self.run(fn).add_done_callback(deliver)

        first.add_done_callback(start)
        return result

    def _abandon(self, release: Release, value: Any) -> None:
        """Give ``value`` back with ``release`` on a worker (on this thread when the pool is shut
        down: no worker would run it)."""
        with self._lock:
            if not self._closed:
                self._queue.put((release, (value,), None, asyncio.get_running_loop(), None))
                return
        _clean_up(release, value)

    def _work(self) -> None:
        get = self._queue.get
        while True:
            item = get()
            if item is None:
                return
            fn, args, future, loop, release = item
            if future is None:  # a clean-up of an abandoned result
                _clean_up(fn, *args)
                del item, fn, args
                continue
            try:
                outcome: _Outcome = (future, True, fn(*args), release)
            except BaseException as exc:  # delivered to the awaiting task
                outcome = (future, False, exc, None)
            del item, fn, args
            with self._lock:
                self._done.append(outcome)
                if self._drain_scheduled:
                    continue
                self._drain_scheduled = True
            try:
                loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # the loop is closed: nobody awaits these any more
                with self._lock:
                    self._drain_scheduled = False
                    done, self._done = self._done, []
                for _future, ok, value, abandoned in done:
                    if ok and abandoned is not None:
                        _clean_up(abandoned, value)

    def _drain(self) -> None:
        with self._lock:
            done, self._done = self._done, []
            self._drain_scheduled = False
        for future, ok, value, release in done:
            if future.cancelled():
                if release is not None and ok:
                    self._abandon(release, value)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers once the calls queued so far have run (clean-ups included; one asked
        for later runs on the thread that asks)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:
                self._queue.put(None)
        if wait and self._started:
            for thread in self._threads:
                thread.join()
