"""The key space of a data directory: the one owner of the write path's shared state.

A :class:`KeySpace` holds what every writer of a key needs and nothing else: the layout (where a
key's bytes live), the metadata database, the per-key lock stripes, the index of keys kept in the
internal area, the directory-fsync batcher and the listing's directory cache. Objects
(objects.py), versions (versioning.py), multipart uploads (multipart.py), listings (listing.py)
and batched deletes (deletes.py) are handed the same KeySpace, so none of them reaches into
another's private state and ``s3/store`` has no import cycle.

What it decides: where a key is read from and written to (verbatim when the filesystem can hold
it, else the internal area; ``a`` beside ``a/b`` goes internal), how a finished temp file is
renamed into place, and how a verbatim key's file is unlinked (never through a symlink, emptied
parent directories pruned, so a prefix disappears as in S3).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time

from cargobay._cleanup import abort_after
from cargobay._fsutil import AtomicFile
from cargobay.s3.errors import AccessDenied, NoSuchBucket
from cargobay.s3.names import check_key, is_valid_bucket_name
from cargobay.s3.store.dircache import DirectoryCache
from cargobay.s3.store.dirsync import DirSync
from cargobay.s3.store.layout import Layout
from cargobay.s3.store.metadb import MetaDB, ObjectRow
from cargobay.s3.store.oserrors import translate_os_errors
from cargobay.s3.store.release import Releaser

LOCK_STRIPES = 256


_CREATE_TRIES = 8  # creations of a verbatim temp file whose directory a delete pruned meanwhile


class KeySpace:
    """Layout, metadata, locks and the internal-key index of one data directory."""

    def __init__(self, layout: Layout, db: MetaDB, *, durable: bool) -> None:
        self.layout = layout
        self.db = db
        self.durable = durable
        self.locks = [threading.RLock() for _ in range(LOCK_STRIPES)]
        # Keys kept in the internal area, per bucket, loaded on first use and kept in step with
        # every row this store writes: a PUT then needs no metadata read to know where a key
        # lives. (This process is the only writer of its data directory while it serves it.)
        self._internal: dict[str, set[str]] = {}
        self._internal_lock = threading.Lock()
        self._seq_lock = threading.Lock()
        self._last_seq = db.max_seq()
        self.directory_cache = DirectoryCache()
        self.dirsync = DirSync()
        self.releaser = Releaser()  # unlinked files' blocks are freed off the request path

    def forget_bucket(self, bucket: str) -> None:
        with self._internal_lock:
            self._internal.pop(bucket, None)

    def next_seq(self) -> int:
        """A version's creation order: strictly increasing, close to the clock in nanoseconds."""
        with self._seq_lock:
            self._last_seq = max(self._last_seq + 1, time.time_ns())
            return self._last_seq

    def bucket_exists(self, bucket: str) -> bool:
        if not is_valid_bucket_name(bucket):
            return False
        try:
            return stat.S_ISDIR(os.lstat(self.layout.bucket_dir(bucket)).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False

    def require_bucket(self, bucket: str) -> None:
        if not self.bucket_exists(bucket):
            raise NoSuchBucket(BucketName=bucket)

    def locate(self, bucket: str, key: str, row: ObjectRow | None) -> tuple[str, bool]:
        """(path, internal) where the bytes of ``key`` are, or would be read from."""
        if row is not None and row.internal:
            return self.layout.internal_path(bucket, key), True
        path = self.layout.verbatim_path(bucket, key)
        if path is None:
            return self.layout.internal_path(bucket, key), True
        return path, False

    def internal_keys(self, bucket: str) -> set[str]:
        with self._internal_lock:
            keys = self._internal.get(bucket)
            if keys is None:
                keys = self._internal[bucket] = set(self.db.internal_keys(bucket))
            return keys

    def is_internal(self, bucket: str, key: str) -> bool:
        return key in self.internal_keys(bucket)

    def mark_internal(self, bucket: str, key: str, internal: bool) -> None:
        keys = self.internal_keys(bucket)
        with self._internal_lock:
            if internal:
                keys.add(key)
            else:
                keys.discard(key)

    def open_temp(self, bucket: str, key: str) -> AtomicFile:
        """Create the temp file where this key will be published (verbatim when possible)."""
        self.require_bucket(bucket)
        check_key(key)
        if self.is_internal(bucket, key):
            path, internal = self.layout.internal_path(bucket, key), True
        else:
            path, internal = self.locate(bucket, key, None)
        with translate_os_errors():
            for _ in range(_CREATE_TRIES if not internal else 0):
                target = self.prepare_verbatim(bucket, path)
                if target is None:
                    break
                try:
                    return AtomicFile(target)
                except (FileNotFoundError, NotADirectoryError):
                    # A concurrent DELETE pruned the directory just made (or a PUT put a file in
                    # its way): make it again, or give up on the verbatim path.
                    continue
            directory = self.layout.internal_dir(bucket, key)
            os.makedirs(directory, exist_ok=True)
            return AtomicFile(self.layout.internal_path(bucket, key))

    def prepare_verbatim(self, bucket: str, path: str) -> str | None:
        """Make the parent directories of ``path``; None if something is in the way.

        The symlink check's lstats tell whether the parents all exist; only when one is missing
        is ``makedirs`` called (a PUT into an existing prefix makes no mkdir/stat calls). A
        directory a concurrent delete prunes after the check fails the temp file's creation,
        and the caller (:meth:`open_temp`) comes here again."""
        parents = self.layout.verbatim_parents(bucket, path)
        if parents is None:
            return None
        if not parents:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                return None
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return path
        except NotADirectoryError:
            return None
        return path if stat.S_ISREG(st.st_mode) else None

    def rename_into_place(self, bucket: str, key: str, temp: AtomicFile, was_internal: bool) -> tuple[str, bool]:
        """Rename the temp file onto the key's path (or the internal one); (final path, internal)."""
        internal_now = self.layout.in_internal_area(temp.final_path)
        if was_internal and not internal_now:
            # Another writer moved this key to the internal area meanwhile: follow it there.
            self.retarget(temp, self.layout.internal_path(bucket, key))
            internal_now = True
        try:
            temp.commit(durable=False)  # data already fsynced; the directory follows below
        except OSError as exc:
            if internal_now or not is_conflict(exc):
                abort_after(exc, temp.abort)
                raise
            # A directory appeared at the key's path (``a`` vs ``a/b``): store it internally.
            self.retarget(temp, self.layout.internal_path(bucket, key))
            internal_now = True
            temp.commit(durable=False)
        return temp.final_path, internal_now

    def promotion_target(self, bucket: str, key: str) -> tuple[str, bool]:
        """Where a version promoted to current goes when nothing is at the key (verbatim if it can)."""
        if not self.is_internal(bucket, key):
            path, internal = self.locate(bucket, key, None)
            if not internal:
                target = self.prepare_verbatim(bucket, path)
                if target is not None:
                    return target, False
        os.makedirs(self.layout.internal_dir(bucket, key), exist_ok=True)
        return self.layout.internal_path(bucket, key), True

    def sync_data(self, temp: AtomicFile) -> None:
        """fsync a temp file's bytes (the first half of a durable commit; see :meth:`_publish`).
        A failure aborts the temp file."""
        if temp.fd < 0:
            return
        try:
            with translate_os_errors():
                os.fsync(temp.fd)
        except BaseException as exc:
            abort_after(exc, temp.abort)
            raise

    def retarget(self, temp: AtomicFile, final_path: str) -> None:
        """Move a temp file to another final path (same filesystem: the data directory)."""
        directory = os.path.dirname(final_path)
        os.makedirs(directory, exist_ok=True)
        temp.move_to(directory)
        temp.final_path = final_path

    def unlink_internal(self, bucket: str, key: str, path: str) -> None:
        """Second half of deleting an internal key (its row is already gone)."""
        self.mark_internal(bucket, key, False)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def unlink_verbatim(
        self,
        bucket: str,
        path: str,
        *,
        prune: bool = True,
        checked: dict[str, bool] | None = None,
        st: os.stat_result | None = None,
        held: list[int] | None = None,
    ) -> str | None:
        """Unlink a verbatim key's file (never through a symlink) and prune emptied parents
        (``prune=False``: the caller prunes, once per directory, see :mod:`.deletes`).

        A batch of deletes passes ``checked`` (parent directory -> whether the symlink check
        passed, filled as it goes: keys of one prefix check it once) and ``st``, the ``lstat``
        of ``path`` it has just made, and ``held``, where the unlinked file's descriptor goes until
        it hands them all to the releaser (see :mod:`.release`). Returns the directory the unlink
        changed, None when there was nothing to unlink."""
        parent = os.path.dirname(path)
        safe = checked.get(parent) if checked is not None else None
        if safe is None:
            safe = self.layout.verbatim_parent_is_safe(bucket, path)
            if checked is not None:
                checked[parent] = safe
        if not safe:
            if self.layout.follow_symlinks:
                raise AccessDenied("This key is reached through a symlink; cargobay never deletes through one.")
            return None
        try:
            st = st if st is not None else os.lstat(path)
            if not (stat.S_ISREG(st.st_mode) or (self.layout.follow_symlinks and stat.S_ISLNK(st.st_mode))):
                return None
            self.releaser.unlink(path, st, held)  # a followed symlink is removed itself, never its target
        except (FileNotFoundError, NotADirectoryError):
            return None
        if prune:
            self.prune_empty_parents(bucket, path)
        return parent

    def nearest_existing(self, directory: str) -> str:
        """``directory``, or its nearest ancestor still there (a pruned chain changed its parent)."""
        while len(directory) > len(self.layout.root) and not os.path.isdir(directory):
            directory = os.path.dirname(directory)
        return directory

    def sync_nearest(self, directory: str) -> None:
        """Make an unlink in ``directory`` durable: fsync it, or the nearest ancestor still there
        when it was pruned as empty (shared with concurrent writers through :class:`DirSync`)."""
        root = self.layout.root
        while len(directory) >= len(root):
            try:
                with translate_os_errors():
                    self.dirsync.sync(directory)
                return
            except (FileNotFoundError, NotADirectoryError):
                directory = os.path.dirname(directory)

    def stripe(self, bucket: str, key: str) -> int:
        return hash((bucket, key)) % LOCK_STRIPES

    def prune_empty_parents(self, bucket: str, path: str) -> None:
        """Remove directories left empty by a delete, so the prefix disappears as in S3."""
        self.prune_empty(bucket, os.path.dirname(path))

    def prune_empty(self, bucket: str, directory: str) -> None:
        """Remove ``directory`` and then its parents while they are empty (up to the bucket)."""
        base = self.layout.bucket_dir(bucket)
        current = directory
        while len(current) > len(base):
            try:
                self.releaser.rmdir(current)
            except OSError:
                return
            current = os.path.dirname(current)

    def lock(self, bucket: str, key: str) -> threading.RLock:
        return self.locks[self.stripe(bucket, key)]


def is_conflict(exc: OSError) -> bool:
    return isinstance(exc, IsADirectoryError | NotADirectoryError) or exc.errno in (
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ENOTEMPTY,
        errno.EEXIST,
    )
