"""Upkeep of the multipart uploads: expiry, a dropped bucket's uploads, and completions cut off.

A mixin of :class:`~cargobay.s3.store.multipart.Multipart` (the attributes below are its own):

* expiry: an upload older than ``StoreConfig.upload_expiry`` is aborted by :meth:`sweep`, which
  also removes staging directories that belong to no upload (see multipart.py);
* a deleted bucket's uploads are forgotten (:meth:`drop_bucket`);
* a completion that renamed its assembly file onto the key and was cut off by a crash before its
  upload was forgotten (recognised by the rule of :mod:`.cutoff`) is forgotten when the store
  opens (:meth:`_recover`), and a retried completion answers with its object (:meth:`_cut_off`);
* an assembly file no part row names, found when the store opens, is what a crash left: removed.

This module knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from cargobay.s3.errors import S3Error
from cargobay.s3.store.base import ObjectInfo, StoreConfig
from cargobay.s3.store.completions import CompletionLog
from cargobay.s3.store.cutoff import cut_off
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.metadb import MetaDB, PartRow, UploadRow
from cargobay.s3.store.parts import split_ref
from cargobay.s3.store.pending import ObjectAccess
from cargobay.s3.store.preassembly import ASSEMBLY_PREFIX


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

    # -- what a crash left ----------------------------------------------------------------------

    def _recover(self) -> None:
        """Run when the store opens: forget the uploads whose completion a crash cut off after
        its rename (:mod:`.cutoff`), and remove the assembly files no part row names (a crash
        left them: a store that stops unlinks its own, and this one has made none yet)."""
        for upload in self.db.all_uploads():
            rows = self.db.parts(upload.upload_id)
            if self._cut_off(upload, rows) is not None:
                with self._lock(upload.upload_id):
                    self._drop(upload.upload_id)
                continue
            staging = self._staging(upload.upload_id)
            named = {split_ref(row.file)[0] for row in rows}
            with contextlib.suppress(FileNotFoundError):
                for name in os.listdir(staging):
                    if name.startswith(ASSEMBLY_PREFIX) and name not in named:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(os.path.join(staging, name))

    def _cut_off(self, upload: UploadRow, rows: Sequence[PartRow]) -> ObjectInfo | None:
        """The object at the upload's key if the upload is a completion a crash cut off after its
        rename (the rule: :func:`.cutoff.cut_off`); None otherwise."""
        found: list[ObjectInfo] = []

        @contextlib.contextmanager
        def key_object() -> Iterator[tuple[str | None, Sequence[int]]]:
            try:
                obj = self.objects.open(upload.bucket, upload.key)
            except S3Error:
                yield None, ()
                return
            with obj:
                found.append(obj.info)
                yield obj.info.etag, (obj.fd,)

        if cut_off(self._staging(upload.upload_id), rows, key_object):
            return found[0]
        return None
