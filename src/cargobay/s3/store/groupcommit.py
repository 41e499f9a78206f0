"""Group commit of metadata rows: concurrent PUTs share one SQLite transaction and one WAL sync.

A durable PUT is acknowledged only when its bytes, its directory entry and its metadata row are
on disk. Committing each row alone costs a write transaction per PUT (a WAL append, lock
traffic on the shared-memory index) and, for the row to survive a power cut, a WAL fsync per PUT.
Under concurrency most of that is repeated work: :class:`GroupCommit` queues rows and commits
every row queued so far in one transaction on a connection with ``synchronous=FULL`` (the WAL is
fsynced at COMMIT), then wakes every writer whose row it held.

Protocol (the same leader/ticket scheme as :mod:`.dirsync`):

* :meth:`GroupCommit.add` queues a row and returns its ticket. The publisher calls it under the
  key's lock, right after the rename, so rows of one key are queued in publish order.
* :meth:`GroupCommit.wait` returns once a transaction holding that ticket's row has committed
  (durably when the store is durable). One waiter at a time is the leader: it takes the whole
  queue, commits it, and covers every ticket in it; the others wait, or lead the next batch.
  A finished leader wakes exactly the writers its batch covered and one parked writer of a
  later ticket to lead next (a notify_all woke every parked writer, most only to park again:
  9% of the interpreter's time in a 16-writer PUT profile).
  A writer that arrives while a batch commits is in the next one, so the batch grows with load.
* The publisher keeps the key's lock until :meth:`wait` returns, so nothing else writes that
  key's row (a delete, a refresh by a reader, a later PUT) before the queued row is committed:
  per key, rows land in the order they were published. Writers of other keys go on meanwhile.
* A writer may name the directory its rename changed (:meth:`GroupCommit.commit`'s
  ``directory``): the leader fsyncs each directory named in its batch once, *before* the
  transaction, so a committed row never describes a rename that could still be lost, and a
  writer waits for one batch instead of a batch and then a directory sync of its own (one
  wake-up per PUT fewer; the fsync count is the same or lower). The fsync starts after every
  rename of the batch, since each writer queues its row only after its rename.
* A failed commit or directory fsync (disk full...) fails every writer of that batch with the
  error; their rows were not written, as when a single-row commit fails.

A crash at any moment loses only rows of PUTs not yet acknowledged: their files are whole (data
and directory were synced first) and are re-read by the fingerprint rule of :mod:`.objects`.
This module knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cargobay.s3.store.metadb import MetaDB, ObjectRow

__all__ = ["GroupCommit"]


class GroupCommit:
    """Batches :class:`~.metadb.ObjectRow` writes into shared transactions (see the module docstring)."""

    def __init__(self, db: MetaDB, *, durable: bool, sync_dir: Callable[[str], None] | None = None) -> None:
        """``sync_dir``: how a directory named by a writer is fsynced (default: nothing to sync)."""
        self._db = db
        self._durable = durable
        self._sync_dir = sync_dir
        self._mutex = threading.Lock()
        # Parked writers: (ticket, gate). A gate is a lock its writer holds and blocks on until a
        # leader releases it: the writers a batch finished, and at most one other to lead next.
        self._waiters: list[tuple[int, threading.Lock]] = []
        self._queue: list[ObjectRow] = []
        self._dirs: set[str] = set()  # directories the queued rows' renames changed
        self._issued = 0  # tickets handed out
        self._taken = 0  # tickets up to this one are in a batch (committed, failed or under way)
        self._done = 0  # tickets up to this one are finished (committed or failed)
        self._running = False
        self._failures: list[tuple[int, int, BaseException]] = []  # (first, last ticket, error)
        self.batches = 0  # transactions committed (for tests and benchmarks)
        self.rows = 0  # rows committed

    def add(self, row: ObjectRow, directory: str | None = None) -> int:
        """Queue ``row`` (and ``directory`` to fsync before it); the ticket to :meth:`wait` for."""
        with self._mutex:
            self._queue.append(row)
            if directory is not None and self._sync_dir is not None:
                self._dirs.add(directory)
            self._issued += 1
            return self._issued

    def commit(self, row: ObjectRow, directory: str | None = None) -> None:
        """Queue ``row`` and wait for it (the one call the write path makes, under the key's lock);
        ``directory``, when given, is durably synced before the row is committed."""
        self.wait(self.add(row, directory))

    def wait(self, ticket: int) -> None:
        """Return once the row of ``ticket`` is committed; raise the error of its failed batch."""
        with self._mutex:
            while self._done < ticket:
                if not self._running:
                    self._lead()
                    continue
                gate = threading.Lock()
                gate.acquire()
                self._waiters.append((ticket, gate))
                self._mutex.release()
                try:
                    gate.acquire()  # released by the leader that finishes this ticket, or picks us
                finally:
                    self._mutex.acquire()
            self._raise_if_failed(ticket)

    def _wake(self, last: int) -> None:
        """After a batch up to ticket ``last``: release the writers it finished, and the first
        parked writer of a later ticket, who leads the next batch (its row is queued: rows are
        queued before their writer parks). No one else wakes up only to park again."""
        parked = []
        leader_picked = False
        for ticket, gate in self._waiters:
            if ticket <= last:
                gate.release()
            elif not leader_picked:
                leader_picked = True
                gate.release()
            else:
                parked.append((ticket, gate))
        self._waiters = parked

    def _lead(self) -> None:
        """Commit everything queued (called with the mutex held; releases it meanwhile)."""
        self._running = True
        batch, self._queue = self._queue, []
        dirs, self._dirs = self._dirs, set()
        first, last = self._taken + 1, self._issued
        self._taken = last
        error: BaseException | None = None
        self._mutex.release()
        try:
            if self._sync_dir is not None:
                for directory in sorted(dirs):
                    # Gone meanwhile: a later delete superseded that write and pruned the directory.
                    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                        self._sync_dir(directory)
            self._db.put_batch(batch, durable=self._durable)
        except BaseException as exc:  # every writer of the batch gets it
            error = exc
        finally:
            self._mutex.acquire()
            self._running = False
            self._done = last
            if error is None:
                self.batches += 1
                self.rows += len(batch)
            else:
                self._failures.append((first, last, error))
                del self._failures[:-64]  # only recent batches can still have waiters
            self._wake(last)

    def _raise_if_failed(self, ticket: int) -> None:
        for first, last, error in self._failures:
            if first <= ticket <= last:
                raise error
