"""Objects on the filesystem: put, get, head, delete and copy — the store's public face.

:class:`ObjectStore` is what the HTTP layer programs against. It owns the publish path (the one
place a finished temp file becomes an object, also for multipart completions) and composes the
rest: the :class:`~.keyspace.KeySpace` (layout, metadata, per-key locks, internal-key index,
directory syncing) that objects, multipart, listing and batched deletes share; reads (reads.py:
open, HEAD, the fresh info of a listed file), bucket operations (buckets.py) and versions
(versioning.py) as mixins; uploads (multipart.py).

Write order, decided once: **data first, then metadata**.

1. The body streams into a temp file in the destination directory, hashed as it goes.
2. Integrity checks run (Content-MD5, signed SHA-256, x-amz-checksum-*, length); on failure the
   temp file is removed and the previous object is untouched.
3. The temp file is fsynced (when the store is durable) and renamed onto the final path.
4. The metadata row (ETag, headers, fingerprint of the new file) is committed through the group
   commit (:mod:`.groupcommit`): concurrent PUTs share one transaction and, when durable, one WAL
   fsync, preceded by one fsync of each directory their renames changed; the PUT returns only
   once the transaction holding its row has committed.

A crash between 3 and 4 leaves the new bytes under the key with the *old* row. The row's
fingerprint (size, mtime_ns, ctime_ns, inode) cannot match the new file (it is a different inode),
so the next access recomputes the ETag from the bytes: the object is whole and its ETag matches it;
only the metadata of a PUT that was never acknowledged is lost. None of the old row's metadata is
carried over to the new file (it describes the replaced inode's bytes, see ``pending.kept_meta``).
Metadata-first would instead publish an ETag for bytes that may never arrive. Steps 3-4 run under
a per-key lock so two writers of one key cannot interleave rename and commit.

Deletes go the other way for internal keys (row first, then file) because the row is what makes an
internal key visible; verbatim keys unlink the file first because the file is what makes them
visible. Either way a crash leaves at most an invisible orphan that ``fsck`` removes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from cargobay._cleanup import abort_after
from cargobay._fsutil import AtomicFile
from cargobay._placement import SpreadDirs
from cargobay._types import Fingerprint
from cargobay.s3 import checksums
from cargobay.s3.errors import InvalidArgument, NoSuchKey, S3Error
from cargobay.s3.names import check_key
from cargobay.s3.store.base import DeleteOutcome, ListPage, ObjectInfo, ObjectMeta, PutChecks, StoreConfig
from cargobay.s3.store.buckets import BucketOps
from cargobay.s3.store.deletes import DeleteBatcher
from cargobay.s3.store.groupcommit import GroupCommit
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.layout import Layout
from cargobay.s3.store.listing import list_page
from cargobay.s3.store.metadb import ObjectRow, open_metadb
from cargobay.s3.store.multipart import Multipart
from cargobay.s3.store.oserrors import translate_os_errors
from cargobay.s3.store.pending import OpenObject, PendingPut, Precondition, copy_fd, md5_of_path
from cargobay.s3.store.reads import ObjectReads
from cargobay.s3.store.versioning import NULL, VersionOps, is_version_id
from cargobay.s3.store.versionlist import VersionListing

__all__ = ["ObjectStore", "OpenObject", "PendingPut", "Precondition", "StoreConfig", "md5_of_path"]


_DEFAULT_CONFIG = StoreConfig()


class ObjectStore(ObjectReads, BucketOps, VersionOps, VersionListing):
    """A data directory served as S3: buckets are top-level directories, keys are files."""

    def __init__(self, root: str, config: StoreConfig = _DEFAULT_CONFIG) -> None:
        os.makedirs(root, exist_ok=True)
        layout = Layout(root, follow_symlinks=config.follow_symlinks)
        self.config = config
        self.space = KeySpace(layout, open_metadb(layout.root), durable=config.durable)
        self.layout = layout
        self.db = self.space.db
        self.commits = GroupCommit(
            self.db, durable=config.durable, sync_dir=self.space.dirsync.sync if config.durable else None
        )
        self._bucket_settings_lock = threading.Lock()
        self._usage_lock = threading.Lock()
        self._usage: tuple[float, dict[str, int]] | None = None
        self._versioning: dict[str, str] = {}
        self.multipart = Multipart(self.space, self, config)
        self.deletes = DeleteBatcher(self.space)  # concurrent DeleteObjects share one pass
        # New buckets and new top-level prefixes allocate their inodes away from those of objects
        # just deleted (ext4 without a journal scans past those on every create: _placement.py).
        self.spread = SpreadDirs()
        self.spread.mark(layout.root)
        for info in self.list_buckets():
            self.spread.mark(layout.bucket_dir(info.name))

    def close(self) -> None:
        self.multipart.close()
        self.space.releaser.close()
        self.db.close()
        self.spread.clear()

    # -- writing -----------------------------------------------------------------------------

    def begin_put(self, bucket: str, key: str, *, algorithms: Iterable[str] = ()) -> PendingPut:
        return PendingPut(
            self, self.space.open_temp(bucket, key), bucket, key, algorithms=algorithms, durable=self.config.durable
        )

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
        except BaseException as exc:
            abort_after(exc, pending.abort)
            raise
        return pending.commit(meta, checks, precondition=precondition)

    def _current_etag(self, bucket: str, key: str, row: ObjectRow | None) -> str | None:
        """The ETag of what is at the key now (None if nothing), for conditional writes."""
        try:
            with self.open(bucket, key) as current:
                return current.info.etag
        except NoSuchKey:
            return None

    def publish(
        self,
        bucket: str,
        key: str,
        temp: AtomicFile,
        etag: str,
        meta: ObjectMeta,
        *,
        precondition: Precondition | None = None,
        synced: bool = False,
    ) -> ObjectInfo:
        """Rename the finished temp file onto the key and commit the row (see module docstring).

        Durable: the data fsync runs before the key's lock is taken (``synced``: the caller has
        fsynced ``temp`` itself, and written nothing since). The directory fsync of an
        unversioned publish is done by the group commit, before the batch holding the row
        (shared with the batch's other writers, see :mod:`.groupcommit`); a versioned publish
        syncs its directories after the lock is released (shared through :mod:`.dirsync`). Both
        are done before returning."""
        durable = self.config.durable
        if durable and not synced:
            self.space.sync_data(temp)
        with self.space.lock(bucket, key), translate_os_errors():
            was_internal = self.space.is_internal(bucket, key)
            if precondition is not None:
                try:
                    precondition(self._current_etag(bucket, key, self.db.get(bucket, key)))
                except BaseException as exc:
                    abort_after(exc, temp.abort)
                    raise
            status = self.versioning(bucket)
            if status:
                meta = self.default_retention(bucket, meta)
            try:
                moves = self._supersede(bucket, key, status) if status else None
            except BaseException as exc:
                abort_after(exc, temp.abort)
                raise
            try:
                final, internal_now = self.space.rename_into_place(bucket, key, temp, was_internal)
            except BaseException as exc:
                if moves is not None:
                    abort_after(exc, moves.undo)
                raise
            st = os.stat(final)
            fp = Fingerprint.of(st)
            if moves is None:
                # The directory fsync rides with the row's batch (see groupcommit.py).
                self.commits.commit(ObjectRow(bucket, key, internal_now, fp, etag, meta), os.path.dirname(final))
                version_id = None
            else:
                vid, seq = self._new_version(status)
                self.db.apply(
                    put_object=ObjectRow(bucket, key, internal_now, fp, etag, meta, vid, seq),
                    add_versions=tuple(moves.add),
                    drop_versions=tuple(moves.drop),
                )
                moves.finish()
                version_id = vid or NULL
            self.space.mark_internal(bucket, key, internal_now)
            if internal_now and not was_internal:
                # The temp file was made in the internal area while the key was kept there, and
                # the key was written verbatim since (deleted, then PUT): that verbatim file is
                # the version this write replaces. Left behind, a reader that read no row (or an
                # older one) opened it and took this row's metadata; after a delete it came back.
                stray = self.layout.verbatim_path(bucket, key)
                if stray is not None and self.layout.verbatim_parent_is_safe(bucket, stray):
                    self.space.unlink_verbatim(bucket, stray)
            if was_internal and not internal_now:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.layout.internal_path(bucket, key))
        if durable and moves is not None:
            # Versioned publishes commit through db.apply: their directories are synced here.
            # Gone meanwhile: a later delete superseded this write (and pruned the directory).
            with translate_os_errors(), contextlib.suppress(FileNotFoundError, NotADirectoryError):
                self.space.dirsync.sync(os.path.dirname(final))
                if moves.links:
                    self.space.dirsync.sync(os.path.dirname(moves.links[0]))
        return ObjectInfo(bucket, key, fp.size, etag, st.st_mtime_ns, meta, version_id)

    # -- deleting ----------------------------------------------------------------------------

    def delete(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        bypass_governance: bool = False,
        precondition: Precondition | None = None,
    ) -> DeleteOutcome:
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
                with self.space.lock(bucket, key):  # re-entrant: the marker is written under the same lock
                    if precondition is not None:
                        precondition(self._current_etag(bucket, key, self.db.get(bucket, key)))
                    return self._delete_marker(bucket, key, status)
        changed = self._delete_unversioned(bucket, key, precondition)
        if changed is not None and self.config.durable:
            # The unlink survives a power cut before the answer (as DeleteObjects'), synced
            # after the key's lock is released, like a PUT's directory.
            self.space.sync_nearest(self.space.nearest_existing(changed))
        return DeleteOutcome(NULL if version_id is not None else None, False)

    def _delete_unversioned(self, bucket: str, key: str, precondition: Precondition | None = None) -> str | None:
        """Delete the key's file and row; the directory the unlink changed (None: nothing there)."""
        with self.space.lock(bucket, key), translate_os_errors():
            row = self.db.get(bucket, key)
            if precondition is not None:
                precondition(self._current_etag(bucket, key, row))
            path, internal = self.space.locate(bucket, key, row)
            if internal:
                if row is not None:
                    self.db.delete(bucket, key)
                existed = os.path.lexists(path)
                self.space.unlink_internal(bucket, key, path)
                return os.path.dirname(path) if existed else None
            changed = self.space.unlink_verbatim(bucket, path)
            if row is not None:
                self.db.delete(bucket, key)
            return changed

    def delete_many(self, bucket: str, keys: list[str]) -> list[tuple[str, S3Error | None]]:
        """DeleteObjects: every key, one metadata transaction, concurrent requests in one pass
        (see :mod:`.deletes`)."""
        return self.deletes.delete(bucket, keys)

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
        checksum_algorithm: str | None = None,
        decide: Callable[[ObjectInfo], ObjectMeta | None] | None = None,
    ) -> ObjectInfo:
        """Server-side copy; ``meta`` None keeps the source's metadata (directive COPY), ``tags``
        None its tags (tagging directive COPY); ``precondition`` is decided on the destination
        when publishing, as for a PUT. The copy never inherits the source's owner and
        ACL: it gets ``owner`` and ``acl`` (as AWS gives a copy its own ACL). The copy is one piece: part
        boundaries do not carry over, and a composite (``-N``) checksum of a multipart source is
        recomputed over the copy's bytes with the same algorithm (API_CopyObject.html: "the checksum
        algorithm will be copied from the source object"); the source's checksum is kept whatever
        ``meta`` says (it describes the bytes), and a source without one gives the copy the default
        (CRC64NVME). ``checksum_algorithm`` (x-amz-checksum-algorithm): the copy's checksum is that
        one, computed over the copied bytes, in place of the source's. ``decide`` judges the opened
        source, the version copied (not an earlier look): it raises to refuse it, or gives ``meta``."""
        self.require_bucket(dst_bucket)
        with self.open(src_bucket, src_key, src_version) as src:
            info = src.info
            meta = meta if decide is None else decide(info)
            new_meta = meta if meta is not None else info.meta
            kept = {alg: v for alg, v in info.meta.checksums.items() if "-" not in v}
            if checksum_algorithm is None and not kept:
                # A composite checksum is recomputed over the one piece the copy is; no checksum at
                # all gets the default one, as S3 gives an object written without one.
                checksum_algorithm = next(iter(info.meta.checksums), checksums.DEFAULT_ALGORITHM)
            wanted = () if checksum_algorithm is None else (checksum_algorithm,)
            pending = self.begin_put(dst_bucket, dst_key, algorithms=wanted)
            try:
                with translate_os_errors():
                    copy_fd(src.fd, pending, info.size)
            except BaseException as exc:
                abort_after(exc, pending.abort)
                raise
            new_meta = replace(
                new_meta,
                parts=(),
                checksums={}
                if checksum_algorithm is not None  # commit adds the one computed
                else kept,
                tags=info.meta.tags if tags is None else tags,
                part_checksums=(),
                owner=owner,
                acl=acl,
                lock_mode=None if lock is None else lock.lock_mode,
                lock_until=None if lock is None else lock.lock_until,
                legal_hold=None if lock is None else lock.legal_hold,
            )
            return pending.commit(new_meta, precondition=precondition)

    # -- metadata-only changes ---------------------------------------------------------------

    def set_acl(
        self,
        bucket: str,
        key: str,
        owner: str | None,
        acl: tuple[tuple[str, str, str], ...],
        version_id: str | None = None,
    ) -> ObjectInfo:
        """Replace a version's ACL (PutObjectAcl); like set_tags, nothing else changes."""
        return self._set_meta(bucket, key, lambda meta: replace(meta, owner=owner, acl=acl), version_id)

    def set_tags(self, bucket: str, key: str, tags: Mapping[str, str], version_id: str | None = None) -> ObjectInfo:
        """Replace a version's tags; its bytes, ETag and mtime stay (Put/DeleteObjectTagging)."""
        return self._set_meta(bucket, key, lambda meta: replace(meta, tags=dict(tags)), version_id)

    def _set_meta(
        self, bucket: str, key: str, change: Callable[[ObjectMeta], ObjectMeta], version_id: str | None = None
    ) -> ObjectInfo:
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
            return list_page(
                self.space,
                self.refresh_listed,
                bucket,
                prefix=prefix,
                delimiter=delimiter,
                after=after,
                max_keys=max_keys,
            )

    list_page = list  # the name versioning.py calls it by (``list`` is a builtin there)


def _algorithms_for(checks: PutChecks) -> list[str]:
    return [alg for alg in checksums.ALGORITHMS if alg in checks.checksums]
