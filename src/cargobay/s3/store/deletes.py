"""DeleteObjects in one pass: every key of a request under its lock, one metadata transaction.

Deleting keys one by one costs a SQLite write transaction (and a lock round) per key; a request
of 1,000 keys paid that 1,000 times. :func:`delete_many` keeps the per-key order that makes a
crash harmless (see :mod:`.objects`: internal keys lose their row before their file, verbatim keys
their file before their row) but does each half for the whole request at once:

1. validate the keys; the invalid ones get their error and are skipped;
2. take the locks of every key (lock stripes in ascending order, so two batches cannot deadlock,
   and single-key writers, which hold one stripe at a time, simply wait);
3. read every row in one query;
4. forget the rows of internal keys (one transaction), then unlink their files;
5. unlink the files of verbatim keys (pruning emptied parent directories);
6. forget the rows of verbatim keys (one transaction);
7. when the store is durable, fsync each directory that changed once (shared with concurrent
   writers through :class:`~.dirsync.DirSync`), so the deletes survive a power cut before the
   answer is sent.

A key whose unlink fails (permissions, a symlink on the way with ``follow_symlinks``) gets its
own error and keeps its row. This module knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import os

from cargobay.s3.errors import S3Error
from cargobay.s3.names import check_key
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.oserrors import translate_os_errors

__all__ = ["delete_many"]


def delete_many(store: KeySpace, bucket: str, keys: list[str]) -> list[tuple[str, S3Error | None]]:
    """Delete ``keys`` (repeats allowed) and return (key, error or None) for each, in order."""
    store.require_bucket(bucket)
    errors: dict[str, S3Error] = {}
    valid: list[str] = []
    for key in dict.fromkeys(keys):
        try:
            check_key(key)
        except S3Error as exc:
            errors[key] = exc
            continue
        valid.append(key)
    touched: set[str] = set()
    with contextlib.ExitStack() as held:
        for stripe in sorted({store.stripe(bucket, k) for k in valid}):
            held.enter_context(store.locks[stripe])
        with translate_os_errors():
            rows = store.db.get_many(bucket, valid)
        internal: list[tuple[str, str]] = []
        verbatim: list[tuple[str, str]] = []
        for key in valid:
            path, is_internal = store.locate(bucket, key, rows.get(key))
            (internal if is_internal else verbatim).append((key, path))
        with translate_os_errors():
            store.db.delete_many(bucket, [k for k, _ in internal if k in rows])
        for key, path in internal:
            try:
                with translate_os_errors():
                    store.unlink_internal(bucket, key, path)
                touched.add(os.path.dirname(path))
            except S3Error as exc:
                errors[key] = exc
        gone: list[str] = []
        for key, path in verbatim:
            try:
                with translate_os_errors():
                    directory = store.unlink_verbatim(bucket, path)
            except S3Error as exc:
                errors[key] = exc
                continue
            if directory is not None:
                touched.add(directory)
            if key in rows:
                gone.append(key)
        with translate_os_errors():
            store.db.delete_many(bucket, gone)
    if store.durable:
        for directory in sorted({_nearest_existing(store, d) for d in touched}):
            _sync_nearest(store, directory)
    return [(key, errors.get(key)) for key in keys]


def _nearest_existing(store: KeySpace, directory: str) -> str:
    """``directory``, or its nearest ancestor still there (a pruned chain changed its parent)."""
    while len(directory) > len(store.layout.root) and not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    return directory


def _sync_nearest(store: KeySpace, directory: str) -> None:
    """fsync ``directory``, or the nearest ancestor still there when it was pruned as empty."""
    root = store.layout.root
    while len(directory) >= len(root):
        try:
            with translate_os_errors():
                store.dirsync.sync(directory)
            return
        except (FileNotFoundError, NotADirectoryError):
            directory = os.path.dirname(directory)
