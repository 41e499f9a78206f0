"""Reading objects: open (current or one version), HEAD, and the fresh info a listing needs.

A mixin of :class:`~cargobay.s3.store.objects.ObjectStore` (the attributes below are the store's),
kept apart from objects.py for length: these are the store's read path, the one place a reader
pairs an open descriptor with its row. Its rules: a reader never pairs one write's bytes with
another's ETag or metadata (it waits for a PUT in flight under the key's lock, or opens again when
the file it holds was superseded: :class:`~.versioning.Superseded`, SlowDown on the last try); a
file changed out of band gets its ETag recomputed from the bytes (``pending.md5_of_fd``) and, in a
versioned bucket, is settled as a new version (:mod:`.versioning`). Writes, deletes and copies
stay in objects.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from typing import NoReturn

from cargobay._types import Fingerprint
from cargobay.s3.errors import InvalidArgument, NoSuchKey, SlowDown
from cargobay.s3.names import check_key
from cargobay.s3.store.base import ObjectInfo, ObjectMeta
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.layout import Layout
from cargobay.s3.store.metadb import MetaDB, ObjectRow, VersionRow
from cargobay.s3.store.oserrors import translate_os_errors
from cargobay.s3.store.pending import OpenObject, guessed_meta, kept_meta, md5_of_fd, md5_of_path, refreshed_meta
from cargobay.s3.store.versioning import NULL, Superseded, is_version_id, marker_headers

_OPEN_TRIES = 8  # opens of a key being overwritten before a reader settles for what it has


def _lost_race(*, final: bool) -> NoReturn:
    """A reader's open lost its race with a writer: the descriptor holds bytes that no row
    describes any more and the path a newer file, so any answer would pair one with the other's
    ETag or metadata. Open again (:class:`Superseded`), or on the last try answer SlowDown (the
    client retries)."""
    if not final:
        raise Superseded()
    raise SlowDown("The object is being overwritten faster than it can be read; retry.")


class ObjectReads:
    """Opening and HEAD of objects (mixed into ObjectStore)."""

    space: KeySpace
    layout: Layout
    db: MetaDB
    versioning: Callable[[str], str]
    require_bucket: Callable[[str], None]
    latest_marker: Callable[[str, str], VersionRow | None]
    open_noncurrent: Callable[[str, str, str], tuple[int, ObjectInfo]]
    _vid: Callable[[ObjectRow | None, str], str | None]
    _settle_file: Callable[..., ObjectInfo]

    # -- reading -----------------------------------------------------------------------------

    def open(self, bucket: str, key: str, version_id: str | None = None) -> OpenObject:
        """Open an object (its current version, or ``version_id``) for reading; its info is
        fresh (an out-of-band edit gets a new ETag)."""
        if version_id is not None:
            return self._open_version(bucket, key, version_id)
        obj = self._open(bucket, key, rehash=True)
        assert obj is not None
        return obj

    def open_cached(self, bucket: str, key: str) -> OpenObject | None:
        """Like :meth:`open`, but None where the ETag would have to be recomputed from the bytes
        (no row, or a row whose fingerprint no longer matches the file).

        It never reads file content, so it is cheap enough for an event loop: a few ``lstat``
        calls, one ``open``, one ``fstat`` and one indexed SQLite read (WAL: readers do not wait
        for the writer). The caller falls back to :meth:`open` on a worker thread when it gets None.
        """
        return self._open(bucket, key, rehash=False)

    def _open_version(self, bucket: str, key: str, version_id: str) -> OpenObject:
        self.require_bucket(bucket)
        check_key(key)
        if not is_version_id(version_id):
            raise InvalidArgument("Invalid version id specified", ArgumentName="versionId", ArgumentValue=version_id)
        with contextlib.suppress(NoSuchKey):
            obj = self._open(bucket, key, rehash=True)
            assert obj is not None
            if (obj.info.version_id or NULL) == version_id:
                return obj
            obj.close()
        fd, info = self.open_noncurrent(bucket, key, version_id)
        return OpenObject(fd, info)

    def _open(self, bucket: str, key: str, *, rehash: bool) -> OpenObject | None:
        try:
            return self._open_current(bucket, key, rehash=rehash)
        except NoSuchKey as exc:
            marker = self.latest_marker(bucket, key) if not exc.headers else None
            if marker is not None:
                raise NoSuchKey(Key=key, headers=marker_headers(marker)) from None
            raise

    def _open_current(self, bucket: str, key: str, *, rehash: bool) -> OpenObject | None:
        self.require_bucket(bucket)
        check_key(key)
        for _ in range(_OPEN_TRIES - 1):
            with contextlib.suppress(Superseded):
                return self._open_once(bucket, key, rehash=rehash, final=False)
        return self._open_once(bucket, key, rehash=rehash, final=True)

    def _open_once(self, bucket: str, key: str, *, rehash: bool, final: bool) -> OpenObject | None:
        """One attempt of :meth:`_open`; raises :class:`Superseded` (unless ``final``) when the
        file it opened was replaced before its metadata could be read (open it again)."""
        row = self.db.get(bucket, key)
        path, internal = self.space.locate(bucket, key, row)
        if not internal and not self.layout.verbatim_parent_is_safe(bucket, path, reading=True):
            raise NoSuchKey(Key=key)
        try:
            nofollow = 0 if self.layout.follow_symlinks else os.O_NOFOLLOW
            # O_NONBLOCK: a FIFO dropped into the tree must not hang the opener (it changes
            # nothing for a regular file, the only kind that is served).
            fd = os.open(path, os.O_RDONLY | nofollow | os.O_CLOEXEC | os.O_NONBLOCK)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NoSuchKey(Key=key) from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENAMETOOLONG):
                raise NoSuchKey(Key=key) from None
            raise
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NoSuchKey(Key=key)
            if internal and row is None and not self.versioning(bucket):
                raise NoSuchKey(Key=key)  # an internal file no row names is crash debris
            if not rehash and (row is None or row.fingerprint != Fingerprint.of(st)):
                os.close(fd)
                return None
            if internal and row is None:
                # In a versioned bucket it may also be an interrupted version move: settling (under
                # the key's lock) finishes that, or refuses the debris, without hashing its bytes.
                info = self._settle_opened(bucket, key, path, internal, st, final=final)
            else:
                info = self._fresh_info(bucket, key, row, internal, st, fd=fd, path=path, superseded_ok=final)
        except BaseException:
            os.close(fd)
            raise
        return OpenObject(fd, info)

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        with self.open(bucket, key, version_id) as obj:
            return obj.info

    def _fresh_info(
        self,
        bucket: str,
        key: str,
        row: ObjectRow | None,
        internal: bool,
        st: os.stat_result,
        *,
        fd: int | None = None,
        path: str,
        superseded_ok: bool = True,
    ) -> ObjectInfo:
        fp = Fingerprint.of(st)
        if row is None or row.fingerprint != fp:
            # A PUT in flight holds the key's lock from its rename until its row is committed
            # (group commit): wait for it and read the row again, so a reader never pairs the new
            # bytes with the old row's metadata. If by then another file is at the path, the
            # opened one was superseded: its row is gone, and a rehash would pair its bytes with
            # the newer row's metadata (a CopyObject would store that pair), so open again.
            # The row may also have moved the key (verbatim <-> internal area) since the reader
            # read it: then the opened file is not the key's, whatever is still at its path.
            with self.space.lock(bucket, key):
                current_row = self.db.get(bucket, key)
                row = current_row or row
                moved = current_row is not None and self.space.locate(bucket, key, current_row)[0] != path
                try:
                    # What an open of the path reaches now (through a served symlink, its target).
                    st_now = os.stat(path) if self.layout.follow_symlinks else os.lstat(path)
                    now: Fingerprint | None = Fingerprint.of(st_now)
                except (FileNotFoundError, NotADirectoryError):
                    now = None
            if moved:
                if not superseded_ok:
                    raise Superseded()
                raise NoSuchKey(Key=key)  # still moving after every try: never pair with that row
            if (row is None or row.fingerprint != fp) and now != fp and (fd is not None or not superseded_ok):
                _lost_race(final=superseded_ok)
        status = self.versioning(bucket)
        if row is not None and row.fingerprint == fp:
            meta = row.meta if row.meta is not None else guessed_meta(key)
            return ObjectInfo(bucket, key, fp.size, row.etag, st.st_mtime_ns, meta, self._vid(row, status))
        # Out-of-band change (or a crash between rename and commit): the bytes are the truth.
        with translate_os_errors():
            etag = md5_of_fd(fd) if fd is not None else md5_of_path(path, fp)
        meta = refreshed_meta(row, key, st)
        if status:
            with translate_os_errors():
                if fd is not None:
                    return self._settle_opened(bucket, key, path, internal, st, etag, meta, final=superseded_ok)
                return self._settle_file(bucket, key, path, internal, st, etag, meta)
        with self.space.lock(bucket, key):
            try:
                current = Fingerprint.of(os.lstat(path))
            except FileNotFoundError:
                current = None
            if current == fp:
                self.db.put(ObjectRow(bucket, key, internal, fp, etag, kept_meta(row, fp.ino)))
        return ObjectInfo(bucket, key, fp.size, etag, st.st_mtime_ns, meta)

    def _settle_opened(
        self,
        bucket: str,
        key: str,
        path: str,
        internal: bool,
        st: os.stat_result,
        etag: str | None = None,
        meta: ObjectMeta | None = None,
        *,
        final: bool,
    ) -> ObjectInfo:
        """Settle the file a reader holds open (``st``), never the one that replaced it meanwhile:
        :class:`Superseded` to open again, or SlowDown on the last try (see :meth:`_fresh_info`)."""
        try:
            return self._settle_file(bucket, key, path, internal, st, etag, meta, opened=True)
        except Superseded:
            _lost_race(final=final)

    def refresh_listed(
        self, bucket: str, key: str, path: str, st: os.stat_result, row: ObjectRow | None, internal: bool
    ) -> ObjectInfo | None:
        """Fresh info for a file found by a listing walk; None if it vanished meanwhile."""
        try:
            return self._fresh_info(bucket, key, row, internal, st, path=path)
        except (NoSuchKey, FileNotFoundError):
            return None
