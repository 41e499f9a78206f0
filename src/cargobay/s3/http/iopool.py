"""The I/O thread pool of the server: blocking store work off the event loop, at the least cost per call.

``loop.run_in_executor`` with a :class:`concurrent.futures.ThreadPoolExecutor` pays, per call, a
concurrent future chained to an asyncio future (callbacks both ways), the executor's idle
semaphore (a Python-level Condition) on both sides, and one write to the loop's self-pipe per
completed call. Measured on a 4 KiB PUT (16 in flight, fsync on): one extra empty hop through it
costs ~0.17 ms of server CPU. :class:`IOPool` keeps only what a hop needs: the loop puts
``(fn, args, future)`` on a C :class:`queue.SimpleQueue` that idle workers block on; a worker runs
``fn`` and appends the outcome to a completion list; the first completion after the loop last
drained the list schedules one drain with ``call_soon_threadsafe`` (one self-pipe write per
drain, however many calls finished meanwhile), and the drain sets the asyncio futures.

A call queued or running when its awaiting task is cancelled still runs to its end (unlike
``run_in_executor``, which drops a call not yet started): clean-up a cancelled handler queues, such
as aborting a temp file, is never skipped. Its outcome is dropped. Exceptions are delivered to
the awaiting task unchanged.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["IOPool"]

T = TypeVar("T")

_Item = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]", asyncio.AbstractEventLoop]


class IOPool:
    """``workers`` threads running blocking calls for asyncio code (see the module docstring)."""

    def __init__(self, workers: int, *, name: str = "cargobay-io") -> None:
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._done: list[tuple[asyncio.Future[Any], bool, Any]] = []
        self._drain_scheduled = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True) for i in range(workers)]
        self._started = False
        self._closed = False

    def run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run ``fn(*args)`` on a worker; a future of the running loop with its outcome."""
        if self._closed:
            raise RuntimeError("the I/O pool is shut down")
        loop = asyncio.get_running_loop()
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((fn, args, future, loop))
        return future

    def _work(self) -> None:
        get = self._queue.get
        while True:
            item = get()
            if item is None:
                return
            fn, args, future, loop = item
            try:
                outcome: tuple[asyncio.Future[Any], bool, Any] = (future, True, fn(*args))
            except BaseException as exc:  # delivered to the awaiting task
                outcome = (future, False, exc)
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
                    self._done.clear()

    def _drain(self) -> None:
        with self._lock:
            done, self._done = self._done, []
            self._drain_scheduled = False
        for future, ok, value in done:
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers once the calls queued so far have run."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        if wait and self._started:
            for thread in self._threads:
                thread.join()
