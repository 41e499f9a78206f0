"""Bucket operations of the store: create, delete, list, settings, versioning state.

A mixin of :class:`~cargobay.s3.store.objects.ObjectStore` (the attributes below are the store's):
bucket operations own the bucket directories, the ``buckets`` rows and the per-bucket JSON
settings (CORS, policy, ACL, versioning, object lock). Versioning state is one of three: never
versioned (``""``), ``Enabled`` or ``Suspended``; once enabled a bucket never goes back to ``""``
(AWS). A bucket created with object lock is Enabled and can never be Suspended.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from typing import TYPE_CHECKING, Any

from cargobay._fsutil import is_temp_name
from cargobay.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidBucketState,
    NoSuchBucket,
)
from cargobay.s3.names import check_bucket_name, is_valid_bucket_name
from cargobay.s3.store.base import BucketInfo
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.layout import STATE_DIR, Layout
from cargobay.s3.store.metadb import MetaDB
from cargobay.s3.store.oserrors import translate_os_errors

if TYPE_CHECKING:
    from cargobay._placement import SpreadDirs
    from cargobay.s3.store.multipart import Multipart

VERSIONING = "versioning"  # bucket setting: "Enabled" / "Suspended" (absent: never versioned)
USAGE_MAX_AGE = 10.0  # seconds the status page's object counts are reused (see BucketOps.usage)
OBJECT_LOCK = "object_lock"  # bucket setting: {"enabled": true, "rule": {...} | None}


class BucketOps:
    """Bucket operations (mixed into ObjectStore)."""

    layout: Layout
    db: MetaDB
    _bucket_settings_lock: threading.Lock
    _usage_lock: threading.Lock
    _usage: tuple[float, dict[str, int]] | None
    space: KeySpace
    _versioning: dict[str, str]
    multipart: Multipart
    spread: SpreadDirs

    # -- buckets -----------------------------------------------------------------------------

    def bucket_exists(self, bucket: str) -> bool:
        return self.space.bucket_exists(bucket)

    def bucket_owner(self, bucket: str) -> str | None:
        """Who created the bucket (None for a directory that was already there)."""
        return self.db.bucket_owner(bucket)

    def require_bucket(self, bucket: str) -> None:
        if not self.space.bucket_exists(bucket):
            raise NoSuchBucket(BucketName=bucket)

    def list_buckets(self) -> list[BucketInfo]:
        """Every top-level directory whose name is a valid bucket name, sorted by name."""
        result = []
        with os.scandir(self.layout.root) as entries:
            for entry in entries:
                if entry.name == STATE_DIR or not is_valid_bucket_name(entry.name):
                    continue
                if not entry.is_dir(follow_symlinks=False):
                    continue
                created = self.db.bucket_created(entry.name)
                if created is None:
                    created = entry.stat(follow_symlinks=False).st_mtime_ns
                result.append(BucketInfo(entry.name, created))
        result.sort(key=lambda b: b.name)
        return result

    def usage(self, max_age: float = USAGE_MAX_AGE) -> dict[str, int]:
        """Buckets, current objects and their bytes, and the data directory's disk space: the
        console's status page.

        Counting walks every bucket directory (plus the keys kept in the internal area), which
        at a million objects takes seconds; the counts are kept for ``max_age`` seconds and
        shared by concurrent callers (one walk at a time), so reloading the page costs nothing.
        The disk space is read each time (one ``statvfs``)."""
        with self._usage_lock:
            cached = self._usage
            if cached is None or time.monotonic() - cached[0] > max_age:
                cached = self._usage = (time.monotonic(), self._count_objects())
        disk = os.statvfs(self.layout.root)
        return {**cached[1], "disk_free": disk.f_bavail * disk.f_frsize, "disk_total": disk.f_blocks * disk.f_frsize}

    def _count_objects(self) -> dict[str, int]:
        buckets = objects = size = 0
        for info in self.list_buckets():
            buckets += 1
            for dirpath, dirnames, filenames in os.walk(self.layout.bucket_dir(info.name)):
                dirnames[:] = [d for d in dirnames if not d.startswith(".cargobay")]
                for name in filenames:
                    if is_temp_name(name):
                        continue
                    with contextlib.suppress(OSError):
                        st = os.lstat(os.path.join(dirpath, name))
                        if stat.S_ISREG(st.st_mode):
                            objects += 1
                            size += st.st_size
            for row in self.db.internal_rows(info.name, after="", prefix=""):
                objects += 1
                size += row.fingerprint.size
        return {"buckets": buckets, "objects": objects, "bytes": size}

    def create_bucket(self, bucket: str, *, owner: str | None = None, exists_ok: bool = False) -> None:
        check_bucket_name(bucket)
        with translate_os_errors():
            try:
                os.mkdir(self.layout.bucket_dir(bucket))
            except FileExistsError:
                current = self.db.bucket_owner(bucket)
                if current is not None and owner is not None and current != owner:
                    raise BucketAlreadyExists(BucketName=bucket) from None
                if exists_ok and self.space.bucket_exists(bucket):
                    return
                raise BucketAlreadyOwnedByYou(BucketName=bucket) from None
            self.db.add_bucket(bucket, time.time_ns(), owner)
        self.spread.mark(self.layout.bucket_dir(bucket))

    def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket. Files that are not objects (symlinks, odd names) count as content."""
        self.require_bucket(bucket)
        base = self.layout.bucket_dir(bucket)
        if self.db.has_internal(bucket) or self.db.has_versions(bucket) or _has_any_entry(base):
            raise BucketNotEmpty(BucketName=bucket)
        with translate_os_errors():
            _remove_empty_tree(base)
            self.spread.forget(base)
            internal = self.layout.internal_bucket_dir(bucket)
            if os.path.isdir(internal):
                _remove_empty_tree(internal, remove_files=True)
            versions = os.path.join(self.layout.versions_root, bucket)
            if os.path.isdir(versions):
                _remove_empty_tree(versions, remove_files=True)
            self.db.drop_bucket(bucket)
            self.space.forget_bucket(bucket)
            self._versioning.pop(bucket, None)
        self.multipart.drop_bucket(bucket)  # its uploads die with it (never revive in a new bucket)

    def bucket_setting(self, bucket: str, name: str) -> Any:
        """One section of a bucket's settings (``"cors"``...), None when unset."""
        self.require_bucket(bucket)
        return self.db.bucket_config(bucket).get(name)

    def set_bucket_setting(self, bucket: str, name: str, value: Any) -> None:
        """Set (or with None remove) one section of a bucket's settings."""
        self.require_bucket(bucket)
        with self._bucket_settings_lock:
            config = self.db.bucket_config(bucket)
            if value is None:
                config.pop(name, None)
            else:
                config[name] = value
            created = self.db.bucket_created(bucket) or os.lstat(self.layout.bucket_dir(bucket)).st_mtime_ns
            self.db.set_bucket_config(bucket, config, created_ns=created)

    # -- versioning state --------------------------------------------------------------------

    def versioning(self, bucket: str) -> str:
        """``""`` (never versioned), ``"Enabled"`` or ``"Suspended"``; cached (one writer)."""
        found = self._versioning.get(bucket)
        if found is None:
            self.require_bucket(bucket)
            found = self._versioning[bucket] = str(self.db.bucket_config(bucket).get(VERSIONING) or "")
        return found

    def set_versioning(self, bucket: str, status: str) -> None:
        """Enable or suspend versioning (never back to unversioned; a locked bucket stays Enabled)."""
        if status not in ("Enabled", "Suspended"):
            raise ValueError(status)
        if status == "Suspended" and self.object_lock_config(bucket) is not None:
            raise InvalidBucketState(
                "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
            )
        self.set_bucket_setting(bucket, VERSIONING, status)
        self._versioning[bucket] = status

    def object_lock_config(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's object lock settings (None: created without object lock)."""
        found: dict[str, Any] | None = self.bucket_setting(bucket, OBJECT_LOCK)
        return found

    def set_object_lock_config(self, bucket: str, config: dict[str, Any]) -> None:
        """Turn object lock on (and versioning with it) or change its default retention."""
        self.set_bucket_setting(bucket, OBJECT_LOCK, config)
        if self.versioning(bucket) != "Enabled":
            self.set_versioning(bucket, "Enabled")


def _has_any_entry(directory: str) -> bool:
    """True if anything but empty directories and stale temp files is below ``directory``."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if _has_any_entry(entry.path):
                    return True
            elif not is_temp_name(entry.name):
                return True
    return False


def _remove_empty_tree(directory: str, *, remove_files: bool = False) -> None:
    for dirpath, dirnames, filenames in os.walk(directory, topdown=False):
        for name in filenames:
            if remove_files or is_temp_name(name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(dirpath, name))
        for name in dirnames:
            with contextlib.suppress(FileNotFoundError):
                os.rmdir(os.path.join(dirpath, name))
    os.rmdir(directory)
