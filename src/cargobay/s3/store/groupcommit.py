"""Group commit of metadata rows: concurrent PUTs share one SQLite transaction and one WAL sync.

A durable PUT is acknowledged only when its bytes, its directory entry and its metadata row are
on disk. Committing each row alone costs a write transaction per PUT (a WAL append, lock
traffic on the shared-memory index) and, for the row to survive a power cut, a WAL fsync per PUT.
Under concurrency most of that is repeated work: :class:`GroupCommit` queues rows and commits
every row queued so far in one transaction on a connection with ``synchronous=FULL`` (the WAL is
fsynced at COMMIT), then wakes every writer whose row it held.

Protocol (the shared passes of :mod:`.batcher`):

* :meth:`GroupCommit.add` queues a row and returns its ticket. The publisher calls it under the
  key's lock, right after the rename, so rows of one key are queued in publish order.
* :meth:`GroupCommit.wait` returns once a transaction holding that ticket's row has committed
  (durably when the store is durable): one waiter at a time leads a batch of every row queued
  so far; a writer that arrives while a batch commits is in the next one, so the batch grows
  with load. A parked writer is woken by the batch that holds its row, or to lead the next one;
  nobody wakes up only to park again.
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
from collections.abc import Callable
from typing import TYPE_CHECKING

from cargobay.s3.store.batcher import Batcher, Ticket

if TYPE_CHECKING:
    from cargobay.s3.store.metadb import MetaDB, ObjectRow

__all__ = ["GroupCommit"]

_Queued = tuple["ObjectRow", "str | None"]  # a row and the directory its rename changed


class GroupCommit:
    """Batches :class:`~.metadb.ObjectRow` writes into shared transactions (see the module docstring)."""

    def __init__(self, db: MetaDB, *, durable: bool, sync_dir: Callable[[str], None] | None = None) -> None:
        """``sync_dir``: how a directory named by a writer is fsynced (default: nothing to sync)."""
        self._db = db
        self._durable = durable
        self._sync_dir = sync_dir
        self._batcher: Batcher[_Queued, None] = Batcher(self._commit)
        self.batches = 0  # transactions committed (for tests and benchmarks)
        self.rows = 0  # rows committed

    def add(self, row: ObjectRow, directory: str | None = None) -> Ticket[_Queued, None]:
        """Queue ``row`` (and ``directory`` to fsync before it); the ticket to :meth:`wait` for."""
        return self._batcher.submit((row, directory))

    def commit(self, row: ObjectRow, directory: str | None = None) -> None:
        """Queue ``row`` and wait for it (the one call the write path makes, under the key's lock);
        ``directory``, when given, is durably synced before the row is committed."""
        self._batcher.call((row, directory))

    def wait(self, ticket: Ticket[_Queued, None]) -> None:
        """Return once the row of ``ticket`` is committed; raise the error of its failed batch."""
        self._batcher.wait(ticket)

    def _commit(self, queued: list[_Queued]) -> list[None]:
        """One batch (run by the leading writer): the named directories, then the rows."""
        if self._sync_dir is not None:
            for directory in sorted({d for _, d in queued if d is not None}):
                # Gone meanwhile: a later delete superseded that write and pruned the directory.
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    self._sync_dir(directory)
        rows = [row for row, _ in queued]
        self._db.put_batch(rows, durable=self._durable)
        self.batches += 1  # one batch at a time: no race
        self.rows += len(rows)
        return [None] * len(rows)
