"""Shared passes: concurrent callers hand their items to one pass, run by one of them.

This module owns one protocol, the leader/follower batching that the group commit of PUT rows
(:mod:`.groupcommit`) and the DeleteObjects passes (:mod:`.deletes`) share. Work that is cheaper
done once for many callers than once for each (one SQLite transaction and one WAL fsync for many
rows; one row query, one transaction and one fsync per changed directory for many deletes) is
queued, and one caller at a time runs a *pass* over everything queued so far.

Protocol:

* :meth:`Batcher.submit` queues an item and returns its :class:`Ticket`; :meth:`Batcher.wait`
  returns the result the pass that took the ticket gave it, or raises that pass's error;
  :meth:`Batcher.call` is both.
* A pass takes every ticket queued when it begins. So the pass that answers a ticket began after
  the ticket was queued, and a caller is answered only once a whole pass over its item has
  finished (its fsyncs included): the same promise as doing the work alone. A ticket queued while
  a pass runs is served by the next pass, so passes grow with the load.
* One pass at a time. The pass runs on a waiting caller's thread (the *leader*): a caller whose
  ticket is queued while no pass runs leads the next pass itself; no extra thread, no hand-off
  when the server is idle.
* Wake-ups are per waiter: a parked waiter blocks on its own gate. A finished pass opens the gates
  of the waiters it served and of at most one waiter still queued, who leads the next pass. Nobody
  else wakes up (a ``notify_all`` woke every parked waiter, most only to park again: 9% of the
  interpreter's time in a 16-writer PUT profile).
* Errors: the pass function returns one result per item, in order (a per-item failure is a result;
  the caller's type says how). What it raises reaches exactly the waiters of that pass; the next
  pass starts clean. The leader raises the error itself; every other waiter raises its own copy
  (same class, arguments and attributes, by :func:`copy.copy`) ``from`` it, since one instance
  raised in several threads at once has its ``__traceback__`` and ``__context__`` rewritten by
  each of them. The copy's cause is the original, whose traceback is the pass's. An error whose
  class cannot be rebuilt from what it pickles to is raised itself by every waiter.

:class:`KeyedBatchers` keeps one :class:`Batcher` per key (a bucket, say) while it has callers,
so the passes of different keys run side by side and one key's slow or failing pass never holds
up or fails another key's callers.

This module knows nothing of S3, files or HTTP.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar, cast

__all__ = ["Batcher", "KeyedBatchers", "Ticket"]

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)

_Gate = threading.Lock  # what a parked waiter blocks on (a test swaps in one that reports parking)


class Ticket(Generic[T, R]):
    """One queued item and, once its pass has finished, its result or its pass's error."""

    __slots__ = ("_done", "_error", "_gate", "_parked", "_result", "item")

    def __init__(self, item: T) -> None:
        self.item = item
        self._done = False
        self._result: R = cast(R, None)
        self._error: BaseException | None = None
        self._gate: threading.Lock | None = None  # made (held) the first time the waiter parks
        self._parked = False  # blocked on its gate: a pass that sets this False opens the gate


class Batcher(Generic[T, R]):
    """Runs ``run`` over every item queued so far, one pass at a time (see the module docstring)."""

    def __init__(self, run: Callable[[list[T]], Sequence[R]]) -> None:
        """``run(items)`` does one pass and returns one result per item, in the same order."""
        self._run = run
        self._mutex = threading.Lock()
        self._queue: list[Ticket[T, R]] = []  # queued, not yet taken by a pass
        self._running = False
        self.passes = 0  # passes begun (for tests and benchmarks: fewer than items under load)

    @property
    def queued(self) -> int:
        """Tickets queued for the next pass (for tests)."""
        with self._mutex:
            return len(self._queue)

    def submit(self, item: T) -> Ticket[T, R]:
        """Queue ``item``; the ticket to :meth:`wait` for (the next pass to begin takes it)."""
        ticket: Ticket[T, R] = Ticket(item)
        with self._mutex:
            self._queue.append(ticket)
        return ticket

    def call(self, item: T) -> R:
        """Queue ``item`` and wait for it."""
        return self.wait(self.submit(item))

    def wait(self, ticket: Ticket[T, R]) -> R:
        """The result of the pass that took ``ticket`` once that pass has finished; raises its
        error (the error itself if this caller ran the pass, else its own copy of it)."""
        led = False
        with self._mutex:
            while not ticket._done:
                if not self._running:
                    # Not done and no pass runs: the ticket is still queued (a pass marks its
                    # tickets done before it stops running), so this pass will take it.
                    self._lead()
                    led = True
                    continue
                gate = ticket._gate
                if gate is None:
                    gate = ticket._gate = _Gate()
                    gate.acquire()
                ticket._parked = True
                self._mutex.release()
                try:
                    gate.acquire()  # released by the pass that served us, or that picked us to lead
                except BaseException:  # interrupted (a signal in the main thread): leave cleanly
                    self._mutex.acquire()
                    self._abandon(ticket)
                    raise
                self._mutex.acquire()
        error = ticket._error
        if error is None:
            return ticket._result
        own = None if led else _own_copy(error)
        if own is None:
            raise error
        raise own from error

    def _abandon(self, ticket: Ticket[T, R]) -> None:
        """A waiter leaves without its answer (called with the mutex held). Its item stays queued
        and is still run; if it was woken to lead the next pass, another queued waiter is."""
        if ticket._parked:
            ticket._parked = False  # nobody will open its gate now
        elif not ticket._done and not self._running:
            for other in self._queue:
                if other is not ticket and _open(other):
                    break

    def _lead(self) -> None:
        """Run one pass over the queue (called with the mutex held; released meanwhile)."""
        self._running = True
        batch, self._queue = self._queue, []
        self.passes += 1
        self._mutex.release()
        results: Sequence[R] = ()
        error: BaseException | None = None
        try:
            results = self._run([ticket.item for ticket in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a pass over {len(batch)} items returned {len(results)} results")
        except BaseException as exc:  # every waiter of this pass gets it, the leader included
            error = exc
        finally:
            self._mutex.acquire()
            self._running = False
            for i, ticket in enumerate(batch):
                if error is None:
                    ticket._result = results[i]
                else:
                    ticket._error = error
                ticket._done = True
                _open(ticket)
            for ticket in self._queue:  # one queued waiter leads the next pass; the others sleep on
                if _open(ticket):
                    break


def _own_copy(error: BaseException) -> BaseException | None:
    """A waiter's own instance of its pass's ``error``: a copy with the same class, arguments and
    attributes (its notes in a list of its own), or None if the class cannot be rebuilt so."""
    try:
        own = copy.copy(error)
    except Exception:  # a constructor that does not take back its own args
        return None
    if type(own) is not type(error) or own is error:
        return None
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list):
        own.__notes__ = list(notes)
    return own


def _open(ticket: Ticket[T, R]) -> bool:
    """Wake the ticket's waiter if it is parked (called with the mutex held); whether it was."""
    if not ticket._parked:
        return False
    ticket._parked = False
    cast(threading.Lock, ticket._gate).release()  # a parked waiter has made its gate
    return True


class _Entry(Generic[T, R]):
    __slots__ = ("batcher", "callers")

    def __init__(self, batcher: Batcher[T, R]) -> None:
        self.batcher = batcher
        self.callers = 0  # inside call() for this key: the entry is dropped at 0


class KeyedBatchers(Generic[K, T, R]):
    """One :class:`Batcher` per key, kept while the key has callers: passes of different keys
    run side by side; ``run(key, items)`` is one key's pass."""

    def __init__(self, run: Callable[[K, list[T]], Sequence[R]]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._batchers: dict[K, _Entry[T, R]] = {}
        self.passes = 0  # passes begun, over all keys

    def call(self, key: K, item: T) -> R:
        """Queue ``item`` in ``key``'s batcher and wait for it (see :meth:`Batcher.call`)."""
        with self._lock:
            entry = self._batchers.get(key)
            if entry is None:
                entry = self._batchers[key] = _Entry(Batcher(self._pass_of(key)))
            entry.callers += 1
        try:
            return entry.batcher.call(item)
        finally:
            with self._lock:
                entry.callers -= 1
                if not entry.callers:
                    del self._batchers[key]

    def queued(self, key: K) -> int:
        """Items queued for ``key``'s next pass (for tests)."""
        with self._lock:
            entry = self._batchers.get(key)
        return entry.batcher.queued if entry is not None else 0

    def _pass_of(self, key: K) -> Callable[[list[T]], Sequence[R]]:
        def run(items: list[T]) -> Sequence[R]:
            with self._lock:
                self.passes += 1
            return self._run(key, items)

        return run
