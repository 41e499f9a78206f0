"""Objects on the filesystem: put, get, head, delete and copy.

Write order, decided once: **data first, then metadata**.

1. The body streams into a temp file in the destination directory, hashed as it goes.
2. Integrity checks run (Content-MD5, signed SHA-256, x-amz-checksum-*, length); on failure the
   temp file is removed and the previous object is untouched.
3. The temp file is fsynced (when the store is durable) and renamed onto the final path.
4. The metadata row (ETag, headers, fingerprint of the new file) is committed through the group
   commit (:mod:`.groupcommit`): concurrent PUTs share one transaction and, when durable, one WAL
   fsync; the PUT returns only once the transaction holding its row has committed.

A crash between 3 and 4 leaves the new bytes under the key with the *old* row. The row's
fingerprint (size, mtime_ns, ctime_ns, inode) cannot match the new file (it is a different inode),
so the next access recomputes the ETag from the bytes: the object is whole and its ETag matches it;
only the metadata of a PUT that was never acknowledged is lost. Metadata-first would instead
publish an ETag for bytes that may never arrive. Steps 3-4 run under a per-key lock so two writers
of one key cannot interleave rename and commit.

Deletes go the other way for internal keys (row first, then file) because the row is what makes an
internal key visible; verbatim keys unlink the file first because the file is what makes them
visible. Either way a crash leaves at most an invisible orphan that ``fsck`` removes.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import mimetypes
import os
import stat
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from cargobay._fsutil import AtomicFile
from cargobay.s3 import checksums
from cargobay.s3.errors import (
    AccessDenied,
    BadDigest,
    IncompleteBody,
    InvalidArgument,
    NoSuchKey,
    S3Error,
    XAmzContentSHA256Mismatch,
)
from cargobay.s3.names import check_key
from cargobay.s3.store.base import DeleteOutcome, ListPage, ObjectInfo, ObjectMeta, PutChecks
from cargobay.s3.store.buckets import BucketOps
from cargobay.s3.store.dirsync import DirSync
from cargobay.s3.store.fingerprint import Fingerprint
from cargobay.s3.store.groupcommit import GroupCommit
from cargobay.s3.store.layout import Layout
from cargobay.s3.store.listing import DirectoryCache, list_page
from cargobay.s3.store.metadb import MetaDB, ObjectRow, open_metadb
from cargobay.s3.store.oserrors import translate_os_errors
from cargobay.s3.store.versioning import NULL, VersionOps, is_version_id
from cargobay.s3.store.writeback import start_writeback

_HASH_CHUNK = 1 << 20
_OPEN_TRIES = 8  # opens of a key being overwritten before a reader settles for what it has


class _Superseded(Exception):
    """The file a reader opened was replaced before its metadata was read (retry the open)."""

Precondition = Callable[[str | None], None]
_LOCK_STRIPES = 256


@dataclass(frozen=True)
class StoreConfig:
    durable: bool = True  # fsync file and directory before acknowledging a write
    follow_symlinks: bool = False  # serve what symlinks in the tree point to (even outside it)
    min_part_size: int = 5 << 20  # EntityTooSmall below this, for every multipart part but the last
    upload_expiry: float = 7 * 86400.0  # seconds after which an unfinished multipart upload is removed
    upload_sweep_interval: float = 3600.0  # at most this long between sweeps of expired uploads


class OpenObject:
    """An open object: the descriptor pins the exact bytes the ETag describes.

    A concurrent overwrite renames a new inode over the path; this descriptor keeps reading the
    old one, so a reader never sees a mix. Close it (or use ``with``).
    """

    def __init__(self, fd: int, info: ObjectInfo) -> None:
        self.fd = fd
        self.info = info

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> OpenObject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _md5_of_fd(fd: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    buf = bytearray(_HASH_CHUNK)
    view = memoryview(buf)
    offset = 0
    while True:
        n = os.preadv(fd, [buf], offset)
        if n == 0:
            return digest.hexdigest()
        digest.update(view[:n])
        offset += n


class PendingPut:
    """A PUT in progress: bytes go to a temp file; nothing is visible until :meth:`commit`."""

    def __init__(self, store: ObjectStore, bucket: str, key: str, *, algorithms: Iterable[str] = (),
                 file: AtomicFile | None = None) -> None:
        """``file``: where the bytes go (default: a temp file where the key will be published)."""
        self.store = store
        self.bucket = bucket
        self.key = key
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256: hashlib._Hash | None = None
        self._extra = {alg: checksums.new_hasher(alg) for alg in algorithms}
        self._file = store._open_temp(bucket, key) if file is None else file
        self._write_behind = store.config.durable  # start writeback as batches land (writeback.py)

    def want_sha256(self) -> None:
        if self._sha256 is None:
            self._sha256 = hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._md5.update(data)
        if self._sha256 is not None:
            self._sha256.update(data)
        for hasher in self._extra.values():
            hasher.update(data)
        with translate_os_errors():
            self._file.write(data)
        if self._write_behind:
            start_writeback(self._file.fd, self.size, len(data))
        self.size += len(data)

    def verify(self, checks: PutChecks) -> dict[str, str]:
        """Raise the S3 error AWS gives for the first failed check; return the checksums to store."""
        if checks.expected_size is not None and self.size != checks.expected_size:
            raise IncompleteBody()
        md5 = self._md5.digest()
        if checks.content_md5 is not None and checks.content_md5 != md5:
            raise BadDigest(
                CalculatedDigest=base64.b64encode(md5).decode("ascii"),
                ExpectedDigest=base64.b64encode(checks.content_md5).decode("ascii"),
            )
        if checks.sha256_hex is not None and self._sha256 is not None:
            actual = self._sha256.hexdigest()
            if actual != checks.sha256_hex:
                raise XAmzContentSHA256Mismatch(ClientComputedContentSHA256=checks.sha256_hex,
                                                S3ComputedContentSHA256=actual)
        stored: dict[str, str] = {}
        for alg, hasher in self._extra.items():
            value = checksums.encode(hasher.digest())
            sent = checks.checksums.get(alg)
            if sent is not None and sent != value:
                raise BadDigest(f"The {alg.upper()} you specified did not match the calculated checksum.")
            stored[alg] = value
        return stored

    def commit(
        self,
        meta: ObjectMeta,
        checks: PutChecks = PutChecks(),
        *,
        precondition: Precondition | None = None,
    ) -> ObjectInfo:
        """Verify, then publish. ``precondition`` gets the current ETag (None: no object) under
        the key's lock and may raise (conditional writes: If-None-Match / If-Match)."""
        try:
            stored = self.verify(checks)
        except BaseException:
            self.abort()
            raise
        if stored:
            meta = replace(meta, checksums={**meta.checksums, **stored})
        return self.store._publish(
            self.bucket, self.key, self._file, self._md5.hexdigest(), meta, precondition=precondition
        )

    def abort(self) -> None:
        self._file.abort()

    @property
    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    @property
    def file(self) -> AtomicFile:
        return self._file


class ObjectStore(BucketOps, VersionOps):
    """A data directory served as S3: buckets are top-level directories, keys are files."""

    def __init__(self, root: str, config: StoreConfig = StoreConfig()) -> None:
        os.makedirs(root, exist_ok=True)
        self.layout = Layout(root, follow_symlinks=config.follow_symlinks)
        self.config = config
        self.db: MetaDB = open_metadb(self.layout.root)
        self.commits = GroupCommit(self.db, durable=config.durable)
        self._locks = [threading.RLock() for _ in range(_LOCK_STRIPES)]
        self._bucket_settings_lock = threading.Lock()
        # Keys kept in the internal area, per bucket, loaded on first use and kept in step with
        # every row this store writes: a PUT then needs no metadata read to know where a key
        # lives. (This process is the only writer of its data directory while it serves it.)
        self._internal: dict[str, set[str]] = {}
        self._internal_lock = threading.Lock()
        self._versioning: dict[str, str] = {}
        self._seq_lock = threading.Lock()
        self._last_seq = self.db.max_seq()
        self.directory_cache = DirectoryCache()
        self.dirsync = DirSync()
        # Imported here: multipart.py builds on this module (PendingPut, _publish).
        from cargobay.s3.store.multipart import Multipart

        self.multipart = Multipart(self)

    def close(self) -> None:
        self.multipart.close()
        self.db.close()

    def _lock(self, bucket: str, key: str) -> threading.RLock:
        return self._locks[self._stripe(bucket, key)]

    # -- locating ----------------------------------------------------------------------------

    def _locate(self, bucket: str, key: str, row: ObjectRow | None) -> tuple[str, bool]:
        """(path, internal) where the bytes of ``key`` are, or would be read from."""
        if row is not None and row.internal:
            return self.layout.internal_path(bucket, key), True
        path = self.layout.verbatim_path(bucket, key)
        if path is None:
            return self.layout.internal_path(bucket, key), True
        return path, False

    def _internal_keys(self, bucket: str) -> set[str]:
        with self._internal_lock:
            keys = self._internal.get(bucket)
            if keys is None:
                keys = self._internal[bucket] = set(self.db.internal_keys(bucket))
            return keys

    def _is_internal(self, bucket: str, key: str) -> bool:
        return key in self._internal_keys(bucket)

    def _mark_internal(self, bucket: str, key: str, internal: bool) -> None:
        keys = self._internal_keys(bucket)
        with self._internal_lock:
            if internal:
                keys.add(key)
            else:
                keys.discard(key)

    def _open_temp(self, bucket: str, key: str) -> AtomicFile:
        """Create the temp file where this key will be published (verbatim when possible)."""
        self.require_bucket(bucket)
        check_key(key)
        if self._is_internal(bucket, key):
            path, internal = self.layout.internal_path(bucket, key), True
        else:
            path, internal = self._locate(bucket, key, None)
        with translate_os_errors():
            if not internal:
                target = self._prepare_verbatim(bucket, path)
                if target is not None:
                    return AtomicFile(target)
            directory = self.layout.internal_dir(bucket, key)
            os.makedirs(directory, exist_ok=True)
            return AtomicFile(self.layout.internal_path(bucket, key))

    def _prepare_verbatim(self, bucket: str, path: str) -> str | None:
        """Make the parent directories of ``path``; None if something is in the way."""
        if not self.layout.verbatim_parent_is_safe(bucket, path):
            return None
        for _ in range(3):
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
        return None

    # -- writing -----------------------------------------------------------------------------

    def begin_put(self, bucket: str, key: str, *, algorithms: Iterable[str] = ()) -> PendingPut:
        return PendingPut(self, bucket, key, algorithms=algorithms)

    def put_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        meta: ObjectMeta = ObjectMeta(),
        checks: PutChecks = PutChecks(),
        *,
        precondition: Precondition | None = None,
        algorithms: Iterable[str] | None = None,
    ) -> ObjectInfo:
        """PUT a body already in memory (the small-object fast path: one thread hop).

        ``algorithms`` are the checksums to compute and store (default: those in ``checks``)."""
        wanted = _algorithms_for(checks) if algorithms is None else list(algorithms)
        pending = self.begin_put(bucket, key, algorithms=wanted)
        try:
            if checks.sha256_hex is not None:
                pending.want_sha256()
            pending.write(data)
        except BaseException:
            pending.abort()
            raise
        return pending.commit(meta, checks, precondition=precondition)

    def _current_etag(self, bucket: str, key: str, row: ObjectRow | None) -> str | None:
        """The ETag of what is at the key now (None if nothing), for conditional writes."""
        try:
            with self.open(bucket, key) as current:
                return current.info.etag
        except NoSuchKey:
            return None

    def _publish(
        self,
        bucket: str,
        key: str,
        temp: AtomicFile,
        etag: str,
        meta: ObjectMeta,
        *,
        precondition: Precondition | None = None,
    ) -> ObjectInfo:
        """Rename the finished temp file onto the key and commit the row (see module docstring).

        Durable: the data fsync runs before the key's lock is taken and the directory fsync after
        it is released (shared with concurrent writers, see :mod:`.dirsync`); the row's group
        commit (:mod:`.groupcommit`) is waited for under the lock, so rows of one key land in
        publish order. Writers of one key queue behind each other's metadata batch (one shared
        WAL fsync), never behind data or directory flushes; all are done before returning."""
        durable = self.config.durable
        if durable:
            self.sync_data(temp)
        with self._lock(bucket, key), translate_os_errors():
            was_internal = self._is_internal(bucket, key)
            if precondition is not None:
                try:
                    precondition(self._current_etag(bucket, key, self.db.get(bucket, key)))
                except BaseException:
                    temp.abort()
                    raise
            status = self.versioning(bucket)
            if status:
                meta = self.default_retention(bucket, meta)
            try:
                moves = self._supersede(bucket, key, status) if status else None
            except BaseException:
                temp.abort()
                raise
            try:
                final, internal_now = self._rename_into_place(bucket, key, temp, was_internal)
            except BaseException:
                if moves is not None:
                    moves.undo()
                raise
            st = os.stat(final)
            fp = Fingerprint.of(st)
            if moves is None:
                self.commits.commit(ObjectRow(bucket, key, internal_now, fp, etag, meta))
                version_id = None
            else:
                vid, seq = self._new_version(status)
                self.db.apply(put_object=ObjectRow(bucket, key, internal_now, fp, etag, meta, vid, seq),
                              add_versions=tuple(moves.add), drop_versions=tuple(moves.drop))
                moves.finish()
                version_id = vid or NULL
            self._mark_internal(bucket, key, internal_now)
            if was_internal and not internal_now:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.layout.internal_path(bucket, key))
        if durable:
            # Gone meanwhile: a later delete superseded this write (and pruned the directory).
            with translate_os_errors(), contextlib.suppress(FileNotFoundError, NotADirectoryError):
                self.dirsync.sync(os.path.dirname(final))
                if moves is not None and moves.links:
                    self.dirsync.sync(os.path.dirname(moves.links[0]))
        return ObjectInfo(bucket, key, fp.size, etag, st.st_mtime_ns, meta, version_id)

    def _rename_into_place(self, bucket: str, key: str, temp: AtomicFile, was_internal: bool) -> tuple[str, bool]:
        """Rename the temp file onto the key's path (or the internal one); (final path, internal)."""
        internal_now = temp.final_path.startswith(self.layout.internal_root + os.sep)
        if was_internal and not internal_now:
            # Another writer moved this key to the internal area meanwhile: follow it there.
            self._retarget(temp, self.layout.internal_path(bucket, key))
            internal_now = True
        try:
            temp.commit(durable=False)  # data already fsynced; the directory follows below
        except OSError as exc:
            if internal_now or not _is_conflict(exc):
                temp.abort()
                raise
            # A directory appeared at the key's path (``a`` vs ``a/b``): store it internally.
            self._retarget(temp, self.layout.internal_path(bucket, key))
            internal_now = True
            temp.commit(durable=False)
        return temp.final_path, internal_now

    def _promotion_target(self, bucket: str, key: str) -> tuple[str, bool]:
        """Where a version promoted to current goes when nothing is at the key (verbatim if it can)."""
        if not self._is_internal(bucket, key):
            path, internal = self._locate(bucket, key, None)
            if not internal:
                target = self._prepare_verbatim(bucket, path)
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
        except BaseException:
            temp.abort()
            raise

    def _retarget(self, temp: AtomicFile, final_path: str) -> None:
        """Move a temp file to another final path (same filesystem: the data directory)."""
        directory = os.path.dirname(final_path)
        os.makedirs(directory, exist_ok=True)
        new_temp = os.path.join(directory, os.path.basename(temp.temp_path))
        os.rename(temp.temp_path, new_temp)
        temp.temp_path = new_temp
        temp.final_path = final_path

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
                raise NoSuchKey(Key=key, headers={"x-amz-delete-marker": "true", "x-amz-version-id": marker}) from None
            raise

    def _open_current(self, bucket: str, key: str, *, rehash: bool) -> OpenObject | None:
        self.require_bucket(bucket)
        check_key(key)
        for _ in range(_OPEN_TRIES - 1):
            with contextlib.suppress(_Superseded):
                return self._open_once(bucket, key, rehash=rehash, final=False)
        return self._open_once(bucket, key, rehash=rehash, final=True)

    def _open_once(self, bucket: str, key: str, *, rehash: bool, final: bool) -> OpenObject | None:
        """One attempt of :meth:`_open`; raises :class:`_Superseded` (unless ``final``) when the
        file it opened was replaced before its metadata could be read (open it again)."""
        row = self.db.get(bucket, key)
        path, internal = self._locate(bucket, key, row)
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
            if not stat.S_ISREG(st.st_mode) or (internal and row is None):
                raise NoSuchKey(Key=key)
            if not rehash and (row is None or row.fingerprint != Fingerprint.of(st)):
                os.close(fd)
                return None
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
            with self._lock(bucket, key):
                row = self.db.get(bucket, key) or row
                try:
                    now: Fingerprint | None = Fingerprint.of(os.lstat(path))
                except (FileNotFoundError, NotADirectoryError):
                    now = None
            if (row is None or row.fingerprint != fp) and now != fp and not superseded_ok:
                raise _Superseded()
        status = self.versioning(bucket)
        if row is not None and row.fingerprint == fp:
            meta = row.meta if row.meta is not None else _guessed_meta(key)
            return ObjectInfo(bucket, key, fp.size, row.etag, st.st_mtime_ns, meta, self._vid(row, status))
        # Out-of-band change (or a crash between rename and commit): the bytes are the truth.
        with translate_os_errors():
            if fd is not None:
                etag = _md5_of_fd(fd)
            else:
                etag = md5_of_path(path, fp)
        meta = refreshed_meta(row, key)
        if status:
            with translate_os_errors():
                return self._settle_file(bucket, key, path, internal, st, etag, meta)
        with self._lock(bucket, key):
            try:
                current = Fingerprint.of(os.lstat(path))
            except FileNotFoundError:
                current = None
            if current == fp:
                self.db.put(ObjectRow(bucket, key, internal, fp, etag, meta if row is not None else None))
        return ObjectInfo(bucket, key, fp.size, etag, st.st_mtime_ns, meta)

    def refresh_listed(self, bucket: str, key: str, path: str, st: os.stat_result, row: ObjectRow | None,
                       internal: bool) -> ObjectInfo | None:
        """Fresh info for a file found by a listing walk; None if it vanished meanwhile."""
        try:
            return self._fresh_info(bucket, key, row, internal, st, path=path)
        except (NoSuchKey, FileNotFoundError):
            return None

    # -- deleting ----------------------------------------------------------------------------

    def delete(self, bucket: str, key: str, version_id: str | None = None, *,
               bypass_governance: bool = False, precondition: Precondition | None = None) -> DeleteOutcome:
        """Delete a key (a marker in a versioned bucket) or one version of it; deleting a missing
        key or version succeeds (S3 semantics). A version under object lock is AccessDenied.
        ``precondition`` (If-Match) gets the current ETag (None: no object) under the key's lock."""
        self.require_bucket(bucket)
        check_key(key)
        if version_id is not None and not is_version_id(version_id):
            raise InvalidArgument("Invalid version id specified", ArgumentName="versionId", ArgumentValue=version_id)
        status = self.versioning(bucket)
        with translate_os_errors():
            if version_id is not None and (status or version_id != NULL):
                return self._delete_version(bucket, key, version_id, bypass_governance=bypass_governance)
            if status:
                with self._lock(bucket, key):  # re-entrant: the marker is written under the same lock
                    if precondition is not None:
                        precondition(self._current_etag(bucket, key, self.db.get(bucket, key)))
                    return self._delete_marker(bucket, key, status)
        self._delete_unversioned(bucket, key, precondition)
        return DeleteOutcome(NULL if version_id is not None else None, False)

    def _delete_unversioned(self, bucket: str, key: str, precondition: Precondition | None = None) -> None:
        with self._lock(bucket, key), translate_os_errors():
            row = self.db.get(bucket, key)
            if precondition is not None:
                precondition(self._current_etag(bucket, key, row))
            path, internal = self._locate(bucket, key, row)
            if internal:
                if row is not None:
                    self.db.delete(bucket, key)
                self._unlink_internal(bucket, key, path)
                return
            self._unlink_verbatim(bucket, path)
            if row is not None:
                self.db.delete(bucket, key)

    def delete_many(self, bucket: str, keys: list[str]) -> list[tuple[str, S3Error | None]]:
        """DeleteObjects: every key, one metadata transaction (see :mod:`.deletes`)."""
        from cargobay.s3.store.deletes import delete_many

        return delete_many(self, bucket, keys)

    def _unlink_internal(self, bucket: str, key: str, path: str) -> None:
        """Second half of deleting an internal key (its row is already gone)."""
        self._mark_internal(bucket, key, False)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def _unlink_verbatim(self, bucket: str, path: str) -> str | None:
        """Unlink a verbatim key's file (never through a symlink) and prune emptied parents.

        Returns the directory the unlink changed, None when there was nothing to unlink."""
        if not self.layout.verbatim_parent_is_safe(bucket, path) and self.layout.follow_symlinks:
            raise AccessDenied("This key is reached through a symlink; cargobay never deletes through one.")
        if not self.layout.verbatim_parent_is_safe(bucket, path):
            return None
        try:
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or (self.layout.follow_symlinks and stat.S_ISLNK(mode))):
                return None
            os.unlink(path)  # a followed symlink is removed itself, never its target
        except (FileNotFoundError, NotADirectoryError):
            return None
        self._prune_empty_parents(bucket, path)
        return os.path.dirname(path)

    def _stripe(self, bucket: str, key: str) -> int:
        return hash((bucket, key)) % _LOCK_STRIPES

    def _prune_empty_parents(self, bucket: str, path: str) -> None:
        """Remove directories left empty by a delete, so the prefix disappears as in S3."""
        base = self.layout.bucket_dir(bucket)
        current = os.path.dirname(path)
        while len(current) > len(base):
            try:
                os.rmdir(current)
            except OSError:
                return
            current = os.path.dirname(current)

    # -- copying -----------------------------------------------------------------------------

    def copy(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        *,
        meta: ObjectMeta | None = None,
        tags: Mapping[str, str] | None = None,
        owner: str | None = None,
        acl: tuple[tuple[str, str, str], ...] | None = None,
        src_version: str | None = None,
        lock: ObjectMeta | None = None,
        precondition: Precondition | None = None,
    ) -> ObjectInfo:
        """Server-side copy; ``meta`` None keeps the source's metadata (directive COPY), ``tags``
        None its tags (tagging directive COPY); ``precondition`` is decided on the destination
        when publishing, as for a PUT. The copy never inherits the source's owner and
        ACL: it gets ``owner`` and ``acl`` (as AWS gives a copy its own ACL). The copy is one piece: part boundaries and
        composite (``-N``) checksums of a multipart source do not carry over, as in AWS."""
        self.require_bucket(dst_bucket)
        with self.open(src_bucket, src_key, src_version) as src:
            info = src.info
            pending = self.begin_put(dst_bucket, dst_key)
            try:
                with translate_os_errors():
                    _copy_fd(src.fd, pending, info.size)
            except BaseException:
                pending.abort()
                raise
            new_meta = meta if meta is not None else info.meta
            new_meta = replace(
                new_meta,
                parts=(),
                checksums={alg: v for alg, v in new_meta.checksums.items() if "-" not in v},
                tags=info.meta.tags if tags is None else tags,
                part_checksums=(),
                owner=owner,
                acl=acl,
                lock_mode=None if lock is None else lock.lock_mode,
                lock_until=None if lock is None else lock.lock_until,
                legal_hold=False if lock is None else lock.legal_hold,
            )
            return pending.commit(new_meta, precondition=precondition)

    # -- metadata-only changes ---------------------------------------------------------------

    def set_acl(self, bucket: str, key: str, owner: str | None, acl: tuple[tuple[str, str, str], ...],
                version_id: str | None = None) -> ObjectInfo:
        """Replace a version's ACL (PutObjectAcl); like set_tags, nothing else changes."""
        return self._set_meta(bucket, key, lambda meta: replace(meta, owner=owner, acl=acl), version_id)

    def set_tags(self, bucket: str, key: str, tags: Mapping[str, str], version_id: str | None = None) -> ObjectInfo:
        """Replace a version's tags; its bytes, ETag and mtime stay (Put/DeleteObjectTagging)."""
        return self._set_meta(bucket, key, lambda meta: replace(meta, tags=dict(tags)), version_id)

    def _set_meta(self, bucket: str, key: str, change: Callable[[ObjectMeta], ObjectMeta],
                  version_id: str | None = None) -> ObjectInfo:
        if version_id is not None and not is_version_id(version_id):
            raise InvalidArgument("Invalid version id specified", ArgumentName="versionId", ArgumentValue=version_id)
        with translate_os_errors():
            return self.set_version_meta(bucket, key, version_id, change)

    def owners_between(self, bucket: str, first: str, last: str) -> dict[str, str]:
        """key -> recorded owner of the keys in ``[first, last]`` (a listing's Owner fields)."""
        return self.db.owners_between(bucket, first, last)

    # -- listing -----------------------------------------------------------------------------

    def list(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        after: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        self.require_bucket(bucket)
        with translate_os_errors():
            return list_page(self, bucket, prefix=prefix, delimiter=delimiter, after=after, max_keys=max_keys)


def _copy_fd(src_fd: int, pending: PendingPut, size: int) -> None:
    buf = bytearray(_HASH_CHUNK)
    view = memoryview(buf)
    offset = 0
    while offset < size:
        n = os.preadv(src_fd, [buf], offset)
        if n == 0:
            break
        pending.write(view[:n])
        offset += n


def _algorithms_for(checks: PutChecks) -> list[str]:
    return [alg for alg in checksums.ALGORITHMS if alg in checks.checksums]


def _guessed_meta(key: str) -> ObjectMeta:
    content_type, _encoding = mimetypes.guess_type(key, strict=False)
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    return ObjectMeta(headers=headers)


def refreshed_meta(row: ObjectRow | None, key: str) -> ObjectMeta:
    """Metadata after the bytes changed out of band: keep headers, drop checksums (now wrong)
    and any object lock (it protected bytes that are gone)."""
    if row is None or row.meta is None:
        return _guessed_meta(key)
    return replace(row.meta, checksums={}, parts=(), lock_mode=None, lock_until=None, legal_hold=False)


def md5_of_path(path: str, fp: Fingerprint) -> str:
    """The MD5 of the file at ``path`` if it still has fingerprint ``fp`` (else NoSuchKey: it
    changed again under us; the caller retries)."""
    with open(path, "rb", buffering=0) as f:
        if Fingerprint.of(os.fstat(f.fileno())) != fp:
            raise NoSuchKey()
        return _md5_of_fd(f.fileno())


def _is_conflict(exc: OSError) -> bool:
    return isinstance(exc, IsADirectoryError | NotADirectoryError) or exc.errno in (
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ENOTEMPTY,
        errno.EEXIST,
    )
