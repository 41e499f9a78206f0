"""Versions on plain files: the version area, delete markers, promotion (their listing: versionlist.py).

A mixin of :class:`~cargobay.s3.store.objects.ObjectStore` (the attributes below are the store's).
The rules (also in the README's storage model):

* The **current** version of a key is the plain file at its path (or its internal path) with its
  ``objects`` row, which carries the version id (NULL: the ``null`` version) and ``seq``, the
  version's creation order (0: written before the bucket was versioned).
* A **superseded** version moves into ``.cargobay/versions/<bucket>/<h[:2]>/<h>/<seq>`` and gets a
  ``versions`` row: the file is hard-linked there, then the new bytes are renamed over the path,
  then one transaction adds the ``versions`` row and replaces the ``objects`` row. No byte is
  copied; the old inode simply keeps a second name when it loses the first.
* A **delete marker** is a ``versions`` row only; the plain file's version is linked into the area
  and the path unlinked (after the transaction), so a marker leaves no file at the path.
* **Deleting a version** removes its row and file; deleting the current one renames the next newest
  (if it is not a marker) back over the path: promotion is a rename.
* **Suspended** buckets write the ``null`` version: a PUT or marker replaces the ``null`` version
  wherever it is in the key's stack.
* An **out-of-band edit** of the plain file (its stat fingerprint no longer matches the row) is a
  new version the next time the store looks at the key: the old version's bytes are gone (fsck
  reports ``changed-file``); the store never invents them.

Crash repair needs no log. Every interrupted step leaves a file whose inode tells what happened,
settled under the key's lock the next time the key is looked at (:meth:`VersionOps._settle`):

* new bytes at the path, the old row still there, and a link of the old row's inode in the area
  without a row: a PUT died after the rename. The old version gets its row; the new bytes are
  an (unacknowledged) new version.
* a file at the path whose inode is the newest ``versions`` row: a promotion died after its
  rename. The promotion is finished.
* a file at the path, no row, and its inode is a ``versions`` row under a newer marker: a DELETE
  died before unlinking the path. The unlink is finished.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from typing import Any

from cargobay._types import Fingerprint
from cargobay.s3 import object_lock
from cargobay.s3.errors import AccessDenied, InvalidArgument, MethodNotAllowed, NoSuchKey, NoSuchVersion
from cargobay.s3.object_lock import DefaultRetention, LockConfiguration, LockMode, LockState, Retention
from cargobay.s3.store.base import (
    DeleteOutcome,
    ListPage,
    ObjectInfo,
    ObjectMeta,
)
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.layout import Layout
from cargobay.s3.store.metadb import MetaDB, ObjectRow, VersionRow
from cargobay.s3.store.pending import md5_of_path, refreshed_meta

NULL = "null"
_ID_LEN = 24


class Superseded(Exception):
    """The file a reader opened was replaced before its metadata was read (open it again)."""


def is_version_id(text: str) -> bool:
    """True for ``null`` or an id of the form this store issues (24 lower-case hex digits)."""
    return text == NULL or (len(text) == _ID_LEN and all(c in "0123456789abcdef" for c in text))


def version_id_for(seq: int) -> str:
    """An opaque, URL-safe id that sorts as its creation order: the sequence in 16 hex digits
    and 8 random ones (so ids are not guessable from each other)."""
    return f"{seq:016x}{secrets.token_hex(4)}"


def seq_of(version_id: str) -> int | None:
    """The creation order an id of :func:`version_id_for` carries (None: ``null`` or no such id): a
    version's place in its key's stack, still known when the version itself is gone."""
    if version_id == NULL or not is_version_id(version_id):
        return None
    return int(version_id[:16], 16)


def lock_state(meta: ObjectMeta | None) -> LockState:
    """The object-lock state a version's metadata records (object_lock.py decides with it)."""
    if meta is None:
        return LockState()
    retention = None
    if meta.lock_mode and meta.lock_until:
        retention = Retention(LockMode(meta.lock_mode), object_lock.parse_date(meta.lock_until))
    return LockState(retention, bool(meta.legal_hold))


def lock_configuration(config: dict[str, Any] | None) -> LockConfiguration | None:
    """A bucket's stored object-lock setting as object_lock.py's value (None: no object lock)."""
    if config is None:
        return None
    rule = config.get("rule")
    if not rule:
        return LockConfiguration()
    return LockConfiguration(DefaultRetention(LockMode(rule["mode"]), rule.get("days"), rule.get("years")))


def marker_headers(marker: VersionRow) -> dict[str, str]:
    """What an answer about a delete marker says of it: that it is one, its id and its time (the
    Last-Modified of delete markers on GET and HEAD, https://aws.amazon.com/about-aws/whats-new/2023/09/
    amazon-s3-last-modified-time-delete-markers-s3-head-get-apis)."""
    return {
        "x-amz-delete-marker": "true",
        "x-amz-version-id": marker.version_id,
        "Last-Modified": formatdate(marker.mtime_ns // 1_000_000_000, usegmt=True),
    }


def marker_refusal(marker: VersionRow) -> MethodNotAllowed:
    """The 405 of any operation but DELETE on a delete marker named by id (DeleteMarker.html: a marker
    has no data and no ACL): the marker's headers and ``Allow: DELETE``, the one method it allows
    (RFC 9110 section 15.5.6). The HTTP layer adds the request's method as the Method element."""
    return MethodNotAllowed(headers={**marker_headers(marker), "Allow": "DELETE"}, ResourceType="DeleteMarker")


@dataclass
class _Moves:
    """What a write does to the key's other versions, decided before the rename."""

    add: list[VersionRow] = field(default_factory=list)
    drop: list[tuple[str, str, int]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # made in the area; removed if the write fails
    unlink_after: list[str] = field(default_factory=list)  # files of replaced null versions

    def undo(self) -> None:
        for path in self.links:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def finish(self) -> None:
        for path in self.unlink_after:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _is_file(path: str) -> os.stat_result | None:
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st if stat.S_ISREG(st.st_mode) else None


class VersionOps:
    """Versions of keys (mixed into ObjectStore)."""

    space: KeySpace
    layout: Layout
    db: MetaDB
    versioning: Callable[[str], str]
    require_bucket: Callable[[str], None]
    object_lock_config: Callable[[str], dict[str, Any] | None]
    head: Callable[..., ObjectInfo]
    list_page: Callable[..., ListPage]  # ObjectStore.list

    # -- ids ---------------------------------------------------------------------------------

    @staticmethod
    def _vid(row: ObjectRow | None, status: str) -> str | None:
        if not status:
            return None
        return row.version_id if row is not None and row.version_id else NULL

    def _new_version(self, status: str) -> tuple[str | None, int]:
        """(version id for the row, None for null; seq) of a version written now."""
        seq = self.space.next_seq()
        return (version_id_for(seq) if status == "Enabled" else None), seq

    def default_retention(self, bucket: str, meta: ObjectMeta) -> ObjectMeta:
        """A new version of a bucket with a default retention rule gets it unless it has its own."""
        if meta.lock_mode is not None:
            return meta
        retention = object_lock.default_retention_for(
            lock_configuration(self.object_lock_config(bucket)), datetime.datetime.now(datetime.UTC)
        )
        if retention is None:
            return meta
        return replace(meta, lock_mode=str(retention.mode), lock_until=object_lock.format_date(retention.retain_until))

    # -- writes ------------------------------------------------------------------------------

    def _supersede(self, bucket: str, key: str, status: str) -> _Moves:
        """Link the current version into the area (called under the key's lock, before the new
        bytes are renamed over it); in a suspended bucket mark the null version for removal."""
        moves = _Moves()
        row = self.db.get(bucket, key)
        path, internal = self.space.locate(bucket, key, row)
        st = _is_file(path)
        if st is not None and (row is None or row.fingerprint != Fingerprint.of(st)):
            with contextlib.suppress(NoSuchKey):
                self._settle_file(bucket, key, path, internal, st)
            row = self.db.get(bucket, key)
            path, internal = self.space.locate(bucket, key, row)
            st = _is_file(path)
        if row is not None and st is not None and row.fingerprint == Fingerprint.of(st):
            vid = row.version_id or NULL
            if status == "Enabled" or vid != NULL:
                moves.add.append(self._link_into_area(bucket, key, path, row, moves))
        if status == "Suspended":
            self._drop_null(bucket, key, moves)
        return moves

    def _link_into_area(self, bucket: str, key: str, path: str, row: ObjectRow, moves: _Moves) -> VersionRow:
        target = self.layout.version_path(bucket, key, row.seq)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        os.link(path, target)
        moves.links.append(target)
        fp = row.fingerprint
        return VersionRow(
            bucket, key, row.seq, row.version_id or NULL, False, fp.size, fp.mtime_ns, fp.ino, row.etag, row.meta
        )

    def _drop_null(self, bucket: str, key: str, moves: _Moves) -> None:
        v = self.db.version(bucket, key, NULL)
        if v is not None:
            moves.drop.append((bucket, key, v.seq))
            if not v.marker:
                moves.unlink_after.append(self.layout.version_path(bucket, key, v.seq))

    def _delete_marker(self, bucket: str, key: str, status: str) -> DeleteOutcome:
        """DELETE without a version id in a versioned bucket: a marker on top."""
        with self.space.lock(bucket, key):
            moves = self._supersede(bucket, key, status)
            row = self.db.get(bucket, key)
            path, _internal = self.space.locate(bucket, key, row)
            vid, seq = self._new_version(status)
            marker = VersionRow(bucket, key, seq, vid or NULL, True, 0, time.time_ns(), 0, "", None)
            try:
                self.db.apply(
                    delete_object=(bucket, key) if row is not None else None,
                    add_versions=(*moves.add, marker),
                    drop_versions=tuple(moves.drop),
                )
            except BaseException:
                moves.undo()
                raise
            if row is not None:
                self.space.mark_internal(bucket, key, False)
                if _is_file(path) is not None:
                    os.unlink(path)
                    self.space.prune_empty_parents(bucket, path)
            moves.finish()
            return DeleteOutcome(vid or NULL, True)

    def _delete_version(self, bucket: str, key: str, version_id: str, *, bypass_governance: bool) -> DeleteOutcome:
        """DELETE with a version id: that version is gone for good; the next newest is promoted."""
        with self.space.lock(bucket, key):
            row = self._settled_row(bucket, key)
            path, _internal = self.space.locate(bucket, key, row)
            if row is not None and (row.version_id or NULL) == version_id:
                self._check_lock(row.meta, bypass_governance)
                newest = next(iter(self.db.versions_of(bucket, key, limit=1)), None)
                if newest is not None and not newest.marker:
                    self._promote(bucket, key, newest, path, row.internal)
                else:
                    self.db.apply(delete_object=(bucket, key))
                    self.space.mark_internal(bucket, key, False)
                    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                        os.unlink(path)
                    self.space.prune_empty_parents(bucket, path)
                return DeleteOutcome(version_id, False)
            v = self.db.version(bucket, key, version_id)
            if v is None:
                return DeleteOutcome(version_id, False)
            if not v.marker:
                self._check_lock(v.meta, bypass_governance)
            # Deleting the newest noncurrent entry of a key with no current version uncovers the
            # next one: an older version (promoted back to the path) or a marker (stays latest).
            uncovers = row is None and self.db.versions_of(bucket, key, limit=1)[0].seq == v.seq
            self.db.apply(drop_versions=((bucket, key, v.seq),))
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.layout.version_path(bucket, key, v.seq))
            if uncovers:
                below = self.db.versions_of(bucket, key, below_seq=v.seq, limit=1)
                if below and not below[0].marker:
                    target, internal = self.space.promotion_target(bucket, key)
                    self._promote(bucket, key, below[0], target, internal)
            return DeleteOutcome(version_id, v.marker)

    @staticmethod
    def _check_lock(meta: ObjectMeta | None, bypass_governance: bool) -> None:
        decision = object_lock.may_delete_version(
            lock_state(meta), now=datetime.datetime.now(datetime.UTC), bypass_governance=bypass_governance
        )
        if not decision:
            raise AccessDenied(f"Access Denied because object protected by object lock: {decision.reason}.")

    def _promote(self, bucket: str, key: str, v: VersionRow, path: str, internal: bool) -> None:
        """Rename version ``v`` over the key's path and make it the current row."""
        source = self.layout.version_path(bucket, key, v.seq)
        os.rename(source, path)
        st = os.lstat(path)
        self.db.apply(
            put_object=self._row_from_version(bucket, key, v, st, internal), drop_versions=((bucket, key, v.seq),)
        )
        self.space.mark_internal(bucket, key, internal)

    @staticmethod
    def _row_from_version(bucket: str, key: str, v: VersionRow, st: os.stat_result, internal: bool) -> ObjectRow:
        return ObjectRow(
            bucket,
            key,
            internal,
            Fingerprint.of(st),
            v.etag,
            v.meta,
            None if v.version_id == NULL else v.version_id,
            v.seq,
        )

    # -- settling out-of-band and interrupted changes ----------------------------------------

    def _settled_row(self, bucket: str, key: str) -> ObjectRow | None:
        """The current row after settling whatever file is at the key's path (under its lock)."""
        row = self.db.get(bucket, key)
        path, internal = self.space.locate(bucket, key, row)
        st = _is_file(path)
        if st is not None and (row is None or row.fingerprint != Fingerprint.of(st)):
            with contextlib.suppress(NoSuchKey):
                self._settle_file(bucket, key, path, internal, st)
            row = self.db.get(bucket, key)
        return row

    def _settle_file(
        self,
        bucket: str,
        key: str,
        path: str,
        internal: bool,
        st: os.stat_result,
        etag: str | None = None,
        meta: ObjectMeta | None = None,
        *,
        opened: bool = False,
    ) -> ObjectInfo:
        """Record the file at a versioned key's path whose row does not describe it (module
        docstring: interrupted moves are finished, anything else is a new version).

        ``opened``: ``st`` is the file a reader holds open. If the path holds another file by the
        time the key's lock is taken, that one is not settled for it: :class:`Superseded` is
        raised, since its info beside the reader's descriptor would pair two writes."""
        status = self.versioning(bucket)
        with self.space.lock(bucket, key):
            row = self.db.get(bucket, key)
            # ``st`` was taken before the lock: a writer may have moved that file into the area
            # and published another meanwhile. Only what is at the path now is settled.
            now = _is_file(path)
            if now is None:
                raise NoSuchKey(Key=key)
            if Fingerprint.of(now) != Fingerprint.of(st):
                if opened:
                    raise Superseded()
                st, etag, meta = now, None, None
            fp = Fingerprint.of(st)
            if row is not None and row.fingerprint == fp:
                return self._info(bucket, key, row, st, status)
            linked_path = self.layout.version_path(bucket, key, row.seq) if row is not None else None
            if (
                row is not None
                and linked_path is not None
                and (row.fingerprint.ino, row.fingerprint.size, row.fingerprint.mtime_ns)
                == (st.st_ino, st.st_size, st.st_mtime_ns)
            ):
                linked = _is_file(linked_path)
                if linked is not None and linked.st_ino == st.st_ino:
                    # Our own link into the area changed the ctime: a write stopped between the link
                    # and its rename. Same bytes, same version; the link goes.
                    if all(v.seq != row.seq for v in self.db.versions_of(bucket, key)):
                        os.unlink(linked_path)
                    new = replace(row, fingerprint=Fingerprint.of(os.lstat(path)))
                    self.db.put(new)
                    return self._info(bucket, key, new, st, status)
            versions = self.db.versions_of(bucket, key)
            for index, v in enumerate(versions):
                if v.marker or v.ino != st.st_ino or v.size != st.st_size:
                    continue
                if all(not above.marker for above in versions[:index]) and index == 0:
                    # A promotion that stopped after its rename: finish it.
                    self.db.apply(
                        put_object=self._row_from_version(bucket, key, v, st, internal),
                        drop_versions=((bucket, key, v.seq),),
                    )
                    return self._info(bucket, key, self.db.get(bucket, key), st, status)
                if row is None:
                    # A delete (marker) that stopped before unlinking the path: finish it.
                    os.unlink(path)
                    self.space.prune_empty_parents(bucket, path)
                    raise NoSuchKey(Key=key)
            if row is None and internal:
                # The PUT of an internal key that stopped after its rename, before its row: never
                # acknowledged, so never a version (fsck moves it to lost+found; a PUT replaces it).
                raise NoSuchKey(Key=key)
            add: list[VersionRow] = []
            if row is not None and row.fingerprint.ino != st.st_ino:
                linked = _is_file(self.layout.version_path(bucket, key, row.seq))
                if (
                    linked is not None
                    and linked.st_ino == row.fingerprint.ino
                    and all(v.seq != row.seq for v in versions)
                ):
                    # A PUT that stopped after its rename: the old version keeps its place.
                    fpo = row.fingerprint
                    add.append(
                        VersionRow(
                            bucket,
                            key,
                            row.seq,
                            row.version_id or NULL,
                            False,
                            fpo.size,
                            fpo.mtime_ns,
                            fpo.ino,
                            row.etag,
                            row.meta,
                        )
                    )
            if etag is None:
                etag = md5_of_path(path, fp)
            if meta is None:
                meta = refreshed_meta(row, key, st)
            vid, seq = self._new_version(status)
            moves = _Moves(add=add)
            if status == "Suspended":
                self._drop_null(bucket, key, moves)
            new = ObjectRow(bucket, key, internal, fp, etag, meta, vid, seq)
            self.db.apply(put_object=new, add_versions=tuple(moves.add), drop_versions=tuple(moves.drop))
            moves.finish()
            return self._info(bucket, key, new, st, status)

    def _info(self, bucket: str, key: str, row: ObjectRow | None, st: os.stat_result, status: str) -> ObjectInfo:
        assert row is not None
        meta = row.meta if row.meta is not None else ObjectMeta()
        return ObjectInfo(bucket, key, st.st_size, row.etag, st.st_mtime_ns, meta, self._vid(row, status))

    # -- reading -----------------------------------------------------------------------------

    def find_version(self, bucket: str, key: str, version_id: str) -> VersionRow | None:
        """The noncurrent version or marker ``version_id`` of ``key`` (None: not one)."""
        return self.db.version(bucket, key, version_id)

    def open_noncurrent(self, bucket: str, key: str, version_id: str) -> tuple[int, ObjectInfo]:
        """(descriptor, info) of a noncurrent version; 405 for a marker, 404 NoSuchVersion."""
        v = self.find_version(bucket, key, version_id)
        if v is None:
            raise NoSuchVersion(Key=key, VersionId=version_id)
        if v.marker:
            raise marker_refusal(v)
        try:
            fd = os.open(self.layout.version_path(bucket, key, v.seq), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NoSuchVersion(Key=key, VersionId=version_id) from None
        meta = v.meta if v.meta is not None else ObjectMeta()
        return fd, ObjectInfo(bucket, key, v.size, v.etag, v.mtime_ns, meta, version_id)

    def latest_marker(self, bucket: str, key: str) -> VersionRow | None:
        """The delete marker that is the latest version of ``key`` (None: not one)."""
        if not self.versioning(bucket):
            return None
        versions = self.db.versions_of(bucket, key, limit=1)
        if versions and versions[0].marker and self.db.get(bucket, key) is None:
            return versions[0]
        return None

    def set_version_meta(
        self, bucket: str, key: str, version_id: str | None, change: Callable[[ObjectMeta], ObjectMeta]
    ) -> ObjectInfo:
        """Change the metadata of one version (tags, retention, legal hold); bytes stay. A version id
        this store could not have made is InvalidArgument, as on every read (not NoSuchVersion)."""
        self.require_bucket(bucket)
        if version_id is not None and not is_version_id(version_id):
            raise InvalidArgument("Invalid version id specified", ArgumentName="versionId", ArgumentValue=version_id)
        with self.space.lock(bucket, key):
            row = self._settled_row(bucket, key)
            status = self.versioning(bucket)
            if row is not None and (version_id is None or (row.version_id or NULL) == version_id):
                path, _internal = self.space.locate(bucket, key, row)
                st = _is_file(path)
                if st is not None:
                    meta = change(row.meta if row.meta is not None else ObjectMeta())
                    new = replace(row, meta=meta)
                    self.db.put(new)
                    return self._info(bucket, key, new, st, status)
            if version_id is None:
                marker = self.latest_marker(bucket, key)
                headers = marker_headers(marker) if marker else None
                raise NoSuchKey(Key=key, headers=headers)
            v = self.find_version(bucket, key, version_id)
            if v is None:
                raise NoSuchVersion(Key=key, VersionId=version_id)
            if v.marker:
                raise marker_refusal(v)
            meta = change(v.meta if v.meta is not None else ObjectMeta())
            self.db.set_version_meta(bucket, key, v.seq, meta)
            return ObjectInfo(bucket, key, v.size, v.etag, v.mtime_ns, meta, version_id)
