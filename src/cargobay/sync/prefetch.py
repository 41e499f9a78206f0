"""Listing ahead of the consumer: an iterator of batches produced by a thread.

This module owns :class:`Prefetch`: batches produced by a thread and handed over whole through a
bounded queue (one queue operation per batch, not per entry). An S3 listing spends its time
waiting for the server; in a thread that wait overlaps the local walk instead of following it.
:meth:`Prefetch.close` stops the producer and drains it, also when nothing was read. The early
start of an S3 listing from the command line is :mod:`cargobay.sync.s3.early`.

Only light modules are imported here (no selection, no sync model): see :mod:`cargobay.sync`.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["Prefetch"]

T = TypeVar("T")


class Prefetch(Generic[T]):
    """``batches`` run to the end in a thread (started now), read back in order."""

    def __init__(self, batches: Iterator[list[T]], *, name: str = "cargobay-list") -> None:
        self._q: queue.Queue[list[T] | BaseException | None] = queue.Queue(maxsize=64)
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._produce, args=(batches,), name=name, daemon=True)
        self._worker.start()

    def _produce(self, batches: Iterator[list[T]]) -> None:
        q, stop = self._q, self._stop
        try:
            for batch in batches:
                q.put(batch)
                if stop.is_set():
                    return
            q.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(exc)

    def batches(self) -> Iterator[list[T]]:
        """The batches in order; the producer's exception is raised where it stopped."""
        get = self._q.get
        while True:
            item = get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def __iter__(self) -> Iterator[T]:
        # A generator: resuming one costs less per entry than a Python-level ``__next__``.
        for batch in self.batches():
            yield from batch

    def close(self) -> None:
        self._stop.set()
        while self._worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                self._q.get(timeout=0.05)
