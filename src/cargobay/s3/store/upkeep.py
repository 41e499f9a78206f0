"""Upkeep of the multipart uploads: expiry, a dropped bucket's uploads, and completions cut off.

A mixin of :class:`~cargobay.s3.store.multipart.Multipart` (the attributes below are its own):

* expiry: an upload older than ``StoreConfig.upload_expiry`` is aborted by :meth:`sweep`, which
  also removes staging directories that belong to no upload (see multipart.py);
* a deleted bucket's uploads are forgotten (:meth:`drop_bucket`);
* a completion that renamed its assembly file onto the key and was cut off by a crash before its
  upload was forgotten leaves rows naming regions of a file that is gone, and the object at the
  key is exactly its parts 1..N (its ETag says so, or, if the crash also beat the object's row,
  its bytes do): :meth:`_forget_completed` forgets such uploads when the store opens, and a
  retried completion answers with that object (:meth:`_published_already`).

This module knows nothing of HTTP.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence

from cargobay.s3.errors import S3Error
from cargobay.s3.store.base import ObjectInfo, StoreConfig
from cargobay.s3.store.completions import CompletionLog
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.metadb import MetaDB, PartRow
from cargobay.s3.store.parts import completed_with, holds_parts, split_ref
from cargobay.s3.store.pending import ObjectAccess


class UploadUpkeep:
    """Expiry, bucket drops and cut-off completions (mixed into Multipart)."""

    db: MetaDB
    space: KeySpace
    config: StoreConfig
    staging_root: str
    completions: CompletionLog
    _last_sweep: float
    _lock: Callable[[str], threading.RLock]
    _staging: Callable[[str], str]
    _drop: Callable[..., None]
    objects: ObjectAccess

    def drop_bucket(self, bucket: str) -> None:
        """Forget every upload of a deleted bucket (a bucket re-created under the name starts empty)."""
        for row in self.db.all_uploads():
            if row.bucket == bucket:
                with self._lock(row.upload_id):
                    if self.db.get_upload(row.upload_id) is not None:
                        self._drop(row.upload_id)
        self.completions.forget_bucket(bucket)

    # -- expiry ------------------------------------------------------------------------------

    def maybe_sweep(self) -> None:
        if time.monotonic() - self._last_sweep >= self.config.upload_sweep_interval:
            self.sweep()

    def sweep(self, *, now_ns: int | None = None) -> list[str]:
        """Abort uploads older than the expiry (or whose bucket is gone) and remove staging
        directories that belong to no upload. Returns the ids of the uploads removed."""
        self._last_sweep = time.monotonic()
        now = time.time_ns() if now_ns is None else now_ns
        cutoff = now - int(self.config.upload_expiry * 1e9)
        removed = []
        try:
            directories = set(os.listdir(self.staging_root))
        except FileNotFoundError:
            directories = set()
        known = set()
        for row in self.db.all_uploads():
            known.add(row.upload_id)
            if row.initiated_ns < cutoff or not self.space.bucket_exists(row.bucket):
                with self._lock(row.upload_id):
                    if self.db.get_upload(row.upload_id) is not None:
                        self._drop(row.upload_id)
                        removed.append(row.upload_id)
        for name in directories - known:
            shutil.rmtree(self._staging(name), ignore_errors=True)
        return removed

    # -- completions cut off by a crash ---------------------------------------------------------

    def _forget_completed(self) -> None:
        """Forget the uploads a crash cut off between publishing their assembly file (renamed
        onto the key) and forgetting the upload: their rows name regions of a file that is gone,
        and the object at the key is what completing their parts 1..N published. Run at open."""
        for upload in self.db.all_uploads():
            rows = self.db.parts(upload.upload_id)
            staging = self._staging(upload.upload_id)
            regions = {split_ref(row.file)[0] for row in rows if split_ref(row.file)[0] != row.file}
            if all(os.path.exists(os.path.join(staging, name)) for name in regions):
                continue
            if self._published_already(upload.bucket, upload.key, rows) is not None:
                with self._lock(upload.upload_id):
                    self._drop(upload.upload_id)

    def _published_already(self, bucket: str, key: str, rows: Sequence[PartRow]) -> ObjectInfo | None:
        """The object at ``key`` if completing parts 1..N of ``rows`` published it: a crash came
        after the assembly file was renamed onto the key and before the upload was forgotten. Its
        ETag says so, or, when the crash also beat the object's row, its bytes do."""
        try:
            with self.objects.open(bucket, key) as obj:
                if completed_with(rows, obj.info.etag) or holds_parts(obj.fd, rows):
                    return obj.info
        except S3Error:
            pass
        return None
