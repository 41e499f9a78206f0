"""DeleteObjects in one pass: each key under its own lock, one metadata transaction, shared syncs.

Deleting keys one by one costs a SQLite write transaction per key; a request of 1,000 keys paid
that 1,000 times. :func:`delete_many` keeps the per-key order that makes a crash harmless (see
:mod:`.objects`: internal keys lose their row before their file, verbatim keys their file before
their row) but batches what can be batched:

1. validate the keys; the invalid ones get their error and are skipped;
2. for each key, under that key's lock only: take its row (read for all keys in one query
   beforehand, read again under the lock unless its file still has the row's fingerprint), then
   either (internal key) forget the row and unlink the file, or (verbatim key) unlink the file
   and remember which row it had;
3. forget the remembered rows of verbatim keys in one transaction, each only if it is still the
   row this delete saw (same fingerprint): a PUT that re-created the key after its unlink keeps
   its new row;
   (the unlinked files' blocks are freed in the background, see :mod:`.release`);
4. remove the directories the unlinks left empty (one ``rmdir`` try per directory, not per key:
   a prefix disappears as in S3);
5. when the store is durable, fsync each directory that changed once (shared with concurrent
   writers through :class:`~.dirsync.DirSync`), so the deletes survive a power cut before the
   answer is sent.

Why one lock at a time: an unlink on a busy filesystem waits for the journal, so a request that
held the locks of all its keys while unlinking serialised every other DeleteObjects (and PUT) that
shared one of its 256 lock stripes, which with ~100 keys a request is nearly all of them (374
keys/s measured, against 5,236 for moto). Between a key's unlink and step 3 the key reads as
missing (its file is what makes a verbatim key visible), as it would after the answer.

Concurrent requests on one bucket share one pass (:class:`DeleteBatcher`, on the shared passes
of :mod:`.batcher`): a request that arrives while a pass of its bucket runs waits, and the next
pass takes every request of that bucket queued meanwhile (one row query, one transaction and one
``fsync`` per changed directory for all of them). Running the passes side by side cost twice the
CPU: 16 threads each making a syscall per step handed the GIL to each other at every step (a
context switch each time), and each request fsynced the same directory again (in-process, 1,000
keys in 16 requests: 60 us of CPU a key one request after another, 118 us with 16 threads).
Every request still waits for a pass that began after it arrived, so its answer follows its
keys' unlinks and directory syncs, as when it ran alone. Buckets do not share passes: the passes
of two buckets run side by side, so a slow or failing pass in one bucket (a missing bucket, a
full disk under it, a request of many keys) neither holds up nor fails another bucket's requests.

A key whose unlink fails (permissions: AccessDenied; a symlink on the way with
``follow_symlinks``; any other OS error: InternalError) gets its own error and keeps its row; the
other keys and requests of the pass go on. This module knows nothing of HTTP.
"""

from __future__ import annotations

import os

from cargobay._types import Fingerprint
from cargobay.s3.errors import S3Error
from cargobay.s3.names import check_key
from cargobay.s3.store.batcher import KeyedBatchers
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.oserrors import key_file_error, translate_os_errors

__all__ = ["DeleteBatcher", "delete_many"]

Outcome = list[tuple[str, S3Error | None]]


def delete_many(store: KeySpace, bucket: str, keys: list[str]) -> Outcome:
    """Delete ``keys`` (repeats allowed) and return (key, error or None) for each, in order."""
    store.require_bucket(bucket)
    unique = list(dict.fromkeys(keys))
    with translate_os_errors():
        seen = store.db.fingerprints_many(bucket, unique)  # one query before any lock (see _Pass.one)
    run = _Pass(store, bucket, seen)
    with store.releaser.holding():  # the frees wait for the end of the batch (see release.py)
        run.unlink_all(unique)
        with translate_os_errors():
            store.db.delete_unchanged(bucket, run.gone)
        for directory in sorted(run.emptied, key=len, reverse=True):  # deepest first: a chain collapses
            store.prune_empty(bucket, directory)
        if store.durable:
            for directory in sorted({store.nearest_existing(d) for d in run.touched}):
                store.sync_nearest(directory)
    errors = run.errors
    return [(key, errors.get(key)) for key in keys]


class _Pass:
    """Step 2 of one bucket's pass (see the module docstring): the state its keys share."""

    def __init__(self, store: KeySpace, bucket: str, seen: dict[str, tuple[bool, Fingerprint]]) -> None:
        self.store = store
        self.bucket = bucket
        self.seen = seen  # key -> (internal, fingerprint) of its row, read before any lock
        self.internal = store.internal_keys(bucket)  # live set, changed only under a key's lock
        self.errors: dict[str, S3Error] = {}
        self.touched: set[str] = set()  # directories whose entries changed: synced at the end
        self.emptied: set[str] = set()  # verbatim directories that lost a file: pruned once, at the end
        self.gone: list[tuple[str, Fingerprint]] = []  # verbatim rows to forget if unchanged
        self.checked: dict[str, bool] = {}  # parent directory -> passed the symlink check (once per prefix)
        self.held: list[int] = []  # unlinked files still open: their blocks are freed in the background

    def unlink_all(self, keys: list[str]) -> None:
        """Every key, each under its lock; the unlinked files' descriptors go to the releaser at
        the end, even when a key failed."""
        store, bucket, errors = self.store, self.bucket, self.errors
        try:
            for key in keys:
                try:
                    check_key(key)
                    with store.lock(bucket, key), translate_os_errors():  # a full sidecar: that key's 507
                        directory = self.one(key)
                except S3Error as exc:
                    errors[key] = exc
                    continue
                except OSError as exc:
                    errors[key] = key_file_error(exc, "remove")
                    continue
                if directory is not None:
                    self.touched.add(directory)
        finally:
            store.releaser.release(self.held)

    def one(self, key: str) -> str | None:
        """Delete one key (its lock held); the directory changed, if any.

        The row read before the lock is the row now if it names a verbatim file and that file is
        still there with the row's fingerprint: every write of the key's row that matters here
        comes with a new file (a PUT renames a new inode into place, or moves the key to the
        internal area, under this lock), and a row rewritten for the same file (tags, a refresh)
        keeps its fingerprint, which is all the row delete compares. Otherwise the row is read
        again, under the lock."""
        store, bucket = self.store, self.bucket
        seen = self.seen.get(key)
        if seen is not None and not seen[0] and key not in self.internal:
            found = self._still_as_seen(key, seen[1])
            if found is not None:
                return self._unlink_verbatim(key, found[0], seen[1], found[1])
        row = store.db.get(bucket, key)  # not (or no longer) what was read: read it under the lock
        path, internal = store.locate(bucket, key, row)
        if internal:
            if row is not None:
                store.db.delete(bucket, key)
            store.unlink_internal(bucket, key, path)
            return os.path.dirname(path)
        return self._unlink_verbatim(key, path, row.fingerprint if row is not None else None, None)

    def _still_as_seen(self, key: str, fingerprint: Fingerprint) -> tuple[str, os.stat_result] | None:
        """The verbatim path of ``key`` and its stat, if the file there has ``fingerprint``."""
        path = self.store.layout.verbatim_path(self.bucket, key)
        if path is None:
            return None
        try:
            st = os.lstat(path)
        except OSError:
            return None
        return (path, st) if Fingerprint.of(st) == fingerprint else None

    def _unlink_verbatim(
        self, key: str, path: str, fingerprint: Fingerprint | None, st: os.stat_result | None
    ) -> str | None:
        directory = self.store.unlink_verbatim(
            self.bucket, path, prune=False, checked=self.checked, st=st, held=self.held
        )
        if directory is not None:
            self.emptied.add(directory)
        if fingerprint is not None:
            self.gone.append((key, fingerprint))
        return directory


class DeleteBatcher:
    """Concurrent DeleteObjects requests on one bucket share one pass (see the module docstring)."""

    def __init__(self, store: KeySpace) -> None:
        self._store = store
        self._buckets: KeyedBatchers[str, list[str], Outcome] = KeyedBatchers(self._pass)

    @property
    def passes(self) -> int:
        """Passes run (for tests: fewer than requests under load)."""
        return self._buckets.passes

    def queued(self, bucket: str) -> int:
        """Requests on ``bucket`` waiting for its next pass (for tests)."""
        return self._buckets.queued(bucket)

    def delete(self, bucket: str, keys: list[str]) -> Outcome:
        """What :func:`delete_many` returns (or raises) for ``keys``, once a pass that began
        after this call has deleted them."""
        return self._buckets.call(bucket, keys)

    def _pass(self, bucket: str, requests: list[list[str]]) -> list[Outcome]:
        """One pass over the union of the requests' keys; each request gets its keys' outcomes.
        An error that stops the pass (NoSuchBucket...) reaches every request of it, and only
        those: they are the requests of this bucket queued before the pass began."""
        keys = list(dict.fromkeys(key for request in requests for key in request))
        outcome = dict(delete_many(self._store, bucket, keys))
        return [[(key, outcome[key]) for key in request] for request in requests]
