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

A key whose unlink fails (permissions, a symlink on the way with ``follow_symlinks``) gets its
own error and keeps its row. This module knows nothing of HTTP.
"""

from __future__ import annotations

import os

from cargobay._types import Fingerprint
from cargobay.s3.errors import S3Error
from cargobay.s3.names import check_key
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.metadb import ObjectRow
from cargobay.s3.store.oserrors import translate_os_errors

__all__ = ["delete_many"]


def delete_many(store: KeySpace, bucket: str, keys: list[str]) -> list[tuple[str, S3Error | None]]:
    """Delete ``keys`` (repeats allowed) and return (key, error or None) for each, in order."""
    store.require_bucket(bucket)
    errors: dict[str, S3Error] = {}
    touched: set[str] = set()
    emptied: set[str] = set()  # verbatim directories that lost a file: pruned once, at the end
    gone: list[tuple[str, Fingerprint]] = []
    unique = list(dict.fromkeys(keys))
    with translate_os_errors():
        seen = store.db.get_many(bucket, unique)  # one query before any lock (see _delete_one)
    checked: dict[str, bool] = {}  # parent directory -> passed the symlink check (once per prefix)
    held: list[int] = []  # unlinked files still open: their blocks are freed in the background
    with store.releaser.holding():  # the frees wait for the end of the batch (see release.py)
        _unlink_all(store, bucket, unique, seen, checked, held, errors, touched, emptied, gone)
        with translate_os_errors():
            store.db.delete_unchanged(bucket, gone)
        for directory in sorted(emptied, key=len, reverse=True):  # deepest first: a chain collapses
            store.prune_empty(bucket, directory)
        if store.durable:
            for directory in sorted({store.nearest_existing(d) for d in touched}):
                store.sync_nearest(directory)
    return [(key, errors.get(key)) for key in keys]


def _unlink_all(
    store: KeySpace,
    bucket: str,
    unique: list[str],
    seen: dict[str, ObjectRow],
    checked: dict[str, bool],
    held: list[int],
    errors: dict[str, S3Error],
    touched: set[str],
    emptied: set[str],
    gone: list[tuple[str, Fingerprint]],
) -> None:
    """Step 2 for every key, each under its lock; the unlinked files' descriptors go to the
    releaser at the end, even when a key failed."""
    try:
        for key in unique:
            try:
                check_key(key)
                with store.lock(bucket, key), translate_os_errors():
                    directory = _delete_one(store, bucket, key, gone, emptied, seen.get(key), checked, held)
            except S3Error as exc:
                errors[key] = exc
                continue
            if directory is not None:
                touched.add(directory)
    finally:
        store.releaser.release(held)


def _delete_one(
    store: KeySpace,
    bucket: str,
    key: str,
    gone: list[tuple[str, Fingerprint]],
    emptied: set[str],
    seen: ObjectRow | None,
    checked: dict[str, bool],
    held: list[int],
) -> str | None:
    """Step 2 for one key (its lock held); the directory changed, if any.

    ``seen`` is the key's row as read before its lock was taken. It is the row now if it names a
    verbatim file and that file is still there with the row's fingerprint: every write of the
    key's row that matters here comes with a new file (a PUT renames a new inode into place, or
    moves the key to the internal area, under this lock), and a row rewritten for the same file
    (tags, a refresh) keeps its fingerprint, which is all step 3 compares. Otherwise the row is
    read again, under the lock."""
    st = _current_stat(store, bucket, key, seen) if seen is not None else None
    row = seen if st is not None else store.db.get(bucket, key)
    path, internal = store.locate(bucket, key, row)
    if internal:
        if row is not None:
            store.db.delete(bucket, key)
        store.unlink_internal(bucket, key, path)
        return os.path.dirname(path)
    directory = store.unlink_verbatim(bucket, path, prune=False, checked=checked, st=st, held=held)
    if directory is not None:
        emptied.add(directory)
    if row is not None:
        gone.append((key, row.fingerprint))
    return directory


def _current_stat(store: KeySpace, bucket: str, key: str, row: ObjectRow) -> os.stat_result | None:
    """The ``lstat`` of the key's verbatim file if ``row`` (read without the key's lock) still
    describes it (same fingerprint), else None."""
    if row.internal or store.is_internal(bucket, key):
        return None
    path = store.layout.verbatim_path(bucket, key)
    if path is None:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st if Fingerprint.of(st) == row.fingerprint else None
