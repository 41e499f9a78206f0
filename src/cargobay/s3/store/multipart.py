"""Multipart uploads: part staging, completion, abort, and expiry of stale uploads.

The pieces it uses: :mod:`.partput` (a part upload in progress), :mod:`.preassembly` (the
assembly file parts are written into), :mod:`.parts` (values and pure helpers), :mod:`.uploadcomplete`
(CompleteMultipartUpload), :mod:`.uploadlist` (ListMultipartUploads paging), :mod:`.upkeep`
(expiry, and completions a crash cut off).

Where things are:

* an upload is a row in the metadata DB (``uploads``, schema version 2) plus a staging directory
  ``<root>/.cargobay/uploads/<upload id>/``; the staging area is inside the data directory, so on
  the same filesystem as the buckets (copy_file_range can share extents; nothing crosses devices);
* a part is a file ``<part number>.<random>`` in that directory, written like every other file
  (temp name, hash while streaming, verify, optional fsync, rename) and then recorded in a
  ``parts`` row. A re-uploaded part gets a new file; the row switches to it and the old file is
  removed, so a part's row always names a whole file whose MD5 is the row's ETag;
* a streamed part whose declared length fits the upload's stride is instead written straight
  into the upload's assembly file in the same directory, at its offset, and its row names that
  region (``assembly.<random>@<offset>``, :mod:`.preassembly`): its bytes are written once.

Completion (:mod:`.uploadcomplete`) holds the upload's lock from the first check to the last cleanup
step. Creating or aborting an upload never touches the object at its key.

Upload ids are 32 hex digits: nanoseconds since the epoch (16 digits, strictly increasing within
a process) then 16 random digits. Ordering by (key, upload id) is therefore initiation order, the
order ListMultipartUploads uses, and an id is checked against ``^[0-9a-f]{32}$`` before it is
ever joined to a path.

Expiry: an upload older than ``StoreConfig.upload_expiry`` (default 7 days, like a typical
AbortIncompleteMultipartUpload lifecycle rule) is aborted by :meth:`Multipart.sweep`, which runs
when the store opens and again at most every ``upload_sweep_interval`` (default 1 h), piggybacked
on CreateMultipartUpload and ListMultipartUploads. The sweep also removes staging directories
without a row (a crash between the row's deletion and the directory's) and uploads whose bucket
is gone.

This module knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from cargobay._cleanup import abort_after
from cargobay._fsutil import AtomicFile
from cargobay.s3 import checksums
from cargobay.s3.errors import (
    InvalidArgument,
    InvalidRange,
    InvalidRequest,
    NoSuchUpload,
)
from cargobay.s3.names import check_key, check_part_number
from cargobay.s3.store.base import ObjectInfo, ObjectMeta, PutChecks, StoreConfig
from cargobay.s3.store.completions import CompletionLog
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.metadb import PartRow, UploadRow
from cargobay.s3.store.oserrors import translate_os_errors
from cargobay.s3.store.partput import PartTarget, PendingPart
from cargobay.s3.store.parts import (
    CHECKSUM_TYPES,
    CompletedPart,
    PartInfo,
    PartsPage,
    UploadInfo,
    UploadsPage,
    checksum_type_for,
    combine_crcs,
    copy_range,
    part_info,
    split_ref,
    upload_info,
)
from cargobay.s3.store.pending import ObjectAccess, PendingPut
from cargobay.s3.store.preassembly import Assemblies, PreAssembly, RegionFile
from cargobay.s3.store.upkeep import UploadUpkeep
from cargobay.s3.store.uploadcomplete import UploadCompletion
from cargobay.s3.store.uploadlist import uploads_page

__all__ = [
    "CHECKSUM_TYPES",
    "CompletedPart",
    "Multipart",
    "ObjectAccess",
    "PartInfo",
    "PartsPage",
    "PendingPart",
    "UploadInfo",
    "UploadsPage",
    "checksum_type_for",
    "combine_crcs",
    "copy_range",
]


_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_LOCK_STRIPES = 64


class Multipart(UploadCompletion, UploadUpkeep):
    """The multipart uploads of one :class:`ObjectStore`."""

    def __init__(self, space: KeySpace, objects: ObjectAccess, config: StoreConfig) -> None:
        self.space = space
        self.objects = objects
        self.config = config
        self.db = space.db
        self.staging_root = os.path.join(space.layout.state_dir, "uploads")
        self._locks = [threading.RLock() for _ in range(_LOCK_STRIPES)]
        self._id_lock = threading.Lock()
        self._last_id_ns = 0
        self._last_sweep = 0.0
        self._assemblies = Assemblies(copy=copy_range, durable=config.durable)  # preassembly.py
        self.completions = CompletionLog(ttl=config.upload_expiry)
        os.makedirs(self.staging_root, exist_ok=True)
        self.sweep()
        self._recover()  # what a crash left (upkeep.py)

    # -- helpers -----------------------------------------------------------------------------

    def _lock(self, upload_id: str) -> threading.RLock:
        return self._locks[hash(upload_id) % _LOCK_STRIPES]

    def _staging(self, upload_id: str) -> str:
        return os.path.join(self.staging_root, upload_id)

    def _new_id(self) -> tuple[str, int]:
        with self._id_lock:
            now = max(time.time_ns(), self._last_id_ns + 1)
            self._last_id_ns = now
        return f"{now:016x}{secrets.token_hex(8)}", now

    def _require(self, bucket: str, key: str, upload_id: str) -> UploadRow:
        """The upload ``upload_id`` of ``bucket/key``, or NoSuchUpload (also for a malformed id)."""
        self.space.require_bucket(bucket)
        row = self.db.get_upload(upload_id) if _UPLOAD_ID.match(upload_id) else None
        if row is None or row.bucket != bucket or row.key != key:
            raise NoSuchUpload(UploadId=upload_id)
        return row

    # -- create / abort ----------------------------------------------------------------------

    def create(
        self,
        bucket: str,
        key: str,
        *,
        meta: ObjectMeta = ObjectMeta(),
        owner: str | None = None,
        checksum_algorithm: str | None = None,
        checksum_type: str | None = None,
    ) -> UploadInfo:
        """Start an upload. The object at ``key``, if any, is not touched."""
        self.space.require_bucket(bucket)
        check_key(key)
        if checksum_algorithm is not None and checksum_algorithm not in checksums.ALGORITHMS:
            raise InvalidRequest("Checksum algorithm provided is unsupported.")
        kind = checksum_type_for(checksum_algorithm, checksum_type)
        upload_id, now = self._new_id()
        row = UploadRow(upload_id, bucket, key, now, owner, replace(meta, parts=()), checksum_algorithm, kind)
        with translate_os_errors():
            # Row first, then directory: a staging directory without a row is always debris.
            self.db.add_upload(row)
            os.mkdir(self._staging(upload_id))
        self.maybe_sweep()
        return upload_info(row)

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop an upload and its parts; NoSuchUpload if it is unknown (or already finished)."""
        with self._lock(upload_id):
            self._require(bucket, key, upload_id)
            self._drop(upload_id)

    def _drop(self, upload_id: str, *, later: bool = False) -> None:
        """Forget an upload: its row, then its files (:meth:`_remove_staging`)."""
        self.db.delete_upload(upload_id)
        self._remove_staging(upload_id, later=later)

    def _remove_staging(self, upload_id: str, *, later: bool) -> None:
        """Remove the staging directory of an upload whose row is gone, and stop its assembly.
        ``later``: the directory is removed by a background thread (after a completion, the
        client need not wait for the freeing of every part's blocks; a crash before it is done
        leaves a directory without a row, which the sweep removes)."""
        remove = functools.partial(shutil.rmtree, self._staging(upload_id), ignore_errors=True)
        if later:
            threading.Thread(target=remove, name="cargobay-drop-upload", daemon=True).start()
        else:
            remove()
        assembly = self._assemblies.take(upload_id)
        if assembly is not None:
            assembly.discard()

    def _assembly_for(self, upload: UploadRow, size: int) -> PreAssembly | None:
        """The upload's assembly file; made on its first part big enough, which sets the stride.
        Made under the upload's lock and only while the upload exists, so an abort cannot slip
        between the check and the creation."""
        upload_id = upload.upload_id
        staging = self._staging(upload_id)
        if not self._assemblies.wanted(upload_id, size):
            return self._named(self._assemblies.get(upload_id), staging)
        with self._lock(upload_id):
            if self.db.get_upload(upload_id) is None:
                return None
            assembly = self._assemblies.make(upload_id, staging, size)
        return self._named(assembly, staging)

    def _named(self, assembly: PreAssembly | None, staging: str) -> PreAssembly | None:
        """``assembly`` once its name survives a crash, which must hold before a part written in
        place is acknowledged. Every caller checks, not only the one that made the file: a
        concurrent part may find it registered before its maker's directory fsync has ended."""
        if assembly is None or assembly.name_durable:
            return assembly
        try:
            with translate_os_errors():
                self.space.dirsync.sync(staging)  # shared: one fsync for concurrent callers
        except FileNotFoundError:
            return None  # aborted meanwhile
        assembly.name_durable = True
        return assembly

    def close(self) -> None:
        """Stop assembling (the store is closing); files that hold parts stay with their uploads."""
        self._assemblies.close()

    def get(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        return upload_info(self._require(bucket, key, upload_id))

    # -- parts -------------------------------------------------------------------------------

    def begin_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        *,
        algorithms: Iterable[str] = (),
        size: int | None = None,
    ) -> PendingPart:
        """Start receiving part ``part_number``; ``algorithms`` are the checksums the client sent.
        ``size``: the body's declared length, when known; a part that fits the upload's stride is
        then written straight into the assembly file at its offset (see :mod:`.preassembly`).

        The upload's own checksum algorithm is always computed, so every part has its checksum
        whether or not the client sent it."""
        check_part_number(part_number)
        upload = self._require(bucket, key, upload_id)
        wanted = list(algorithms)
        expected = upload.checksum_algorithm
        if expected is not None:
            if wanted and expected not in wanted:
                raise InvalidRequest(
                    f"Checksum Type mismatch occurred, expected checksum Type: {expected}, "
                    f"actual checksum Type: {wanted[0]}"
                )
            if expected not in wanted:
                wanted.append(expected)
        durable = self.config.durable
        if size is not None and size > 0:
            assembly = self._assembly_for(upload, size)
            region = assembly.reserve(part_number, size) if assembly is not None else None
            if region is not None:
                return PendingPart(
                    upload,
                    part_number,
                    PendingPut(
                        self.objects, region, bucket, key, algorithms=wanted, durable=durable, base=region.offset
                    ),
                    PartTarget(region.ref, lambda row: self.record_region(upload, row, region)),
                )
        with translate_os_errors():
            try:
                file = AtomicFile(os.path.join(self._staging(upload_id), f"{part_number:05d}.{secrets.token_hex(6)}"))
            except FileNotFoundError:
                raise NoSuchUpload(UploadId=upload_id) from None  # aborted meanwhile
        return PendingPart(
            upload,
            part_number,
            PendingPut(self.objects, file, bucket, key, algorithms=wanted, durable=durable),
            PartTarget(os.path.basename(file.final_path), lambda row: self.record_part(upload, row, file)),
        )

    def record_part(self, upload: UploadRow, row: PartRow, file: AtomicFile) -> PartInfo:
        """Record a part written to its own file (the rename into the staging directory, the row)."""
        # Durable: the part's bytes are fsynced before the upload's lock is taken and the staging
        # directory after it is released (shared by the parts arriving together), so parts
        # uploaded in parallel flush in parallel instead of queueing on the lock.
        durable = self.config.durable
        if durable:
            self.space.sync_data(file)
        with self._lock(upload.upload_id), translate_os_errors():
            gone = self.db.get_upload(upload.upload_id) is None
            if not gone:
                try:
                    file.commit(durable=False)
                except FileNotFoundError:
                    gone = True  # the staging directory went with an abort meanwhile
            if gone:
                error = NoSuchUpload(UploadId=upload.upload_id)
                abort_after(error, file.abort)
                raise error
            previous = self.db.get_part(upload.upload_id, row.part_number)
            self.db.put_part(row)
            self._forget_part_file(upload.upload_id, previous, row)
        assembly = self._assembly_for(upload, row.size)
        if durable:
            try:
                with translate_os_errors():
                    self.space.dirsync.sync(os.path.dirname(file.final_path))
            except FileNotFoundError:
                raise NoSuchUpload(UploadId=upload.upload_id) from None  # aborted meanwhile
        if assembly is not None:
            assembly.place(row.part_number, row.size, row.file, file.final_path)
        return part_info(row)

    def record_region(self, upload: UploadRow, row: PartRow, region: RegionFile) -> PartInfo:
        """Record a part written in place: its region is fsynced first (the assembly file's
        name was made durable when it was created), then its row names the region. The region
        is handed back to the assembly under the upload's lock, in the order the rows changed."""
        try:
            with translate_os_errors():
                if self.config.durable:
                    region.sync()
                region.close()
                with self._lock(upload.upload_id):
                    if self.db.get_upload(upload.upload_id) is None:
                        raise NoSuchUpload(UploadId=upload.upload_id)
                    previous = self.db.get_part(upload.upload_id, row.part_number)
                    self.db.put_part(row)
                    region.release(recorded=True)
                    self._forget_part_file(upload.upload_id, previous, row)
        finally:
            region.close()
            region.release(recorded=False)  # no-op once released
        return part_info(row)

    def _forget_part_file(self, upload_id: str, previous: PartRow | None, row: PartRow) -> None:
        """A part's new row replaced ``previous`` (call under the upload's lock): unlink its part
        file; a region of an assembly file is not a file of its own, but an assembly file no row
        names any more, and that takes no more parts, is unlinked."""
        if previous is None or previous.file == row.file:
            return
        staging = self._staging(upload_id)
        name, _offset = split_ref(previous.file)
        if name == previous.file:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(staging, name))
            return
        live = self._assemblies.get(upload_id)
        if live is not None and live.name == name:
            live.unref(previous.part_number)  # unlinked when it is discarded, if still unnamed
        elif all(split_ref(other.file)[0] != name for other in self.db.parts(upload_id)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(staging, name))  # from before a restart, or given up

    def put_part_bytes(
        self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes, checks: PutChecks = PutChecks()
    ) -> PartInfo:
        """UploadPart with a body already in memory."""
        pending = self.begin_part(bucket, key, upload_id, part_number, algorithms=list(checks.checksums))
        try:
            if checks.sha256_hex is not None:
                pending.want_sha256()
            pending.write(data)
        except BaseException as exc:
            abort_after(exc, pending.abort)
            raise
        return pending.commit(checks)

    def copy_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        src_bucket: str,
        src_key: str,
        src_version: str | None = None,
        *,
        byte_range: tuple[int, int] | None = None,
        check_source: Callable[[ObjectInfo], None] | None = None,
    ) -> PartInfo:
        """UploadPartCopy: the part is the bytes ``first..last`` (inclusive), or all of them, of
        ``src_key`` (its current version, or ``src_version``). ``check_source`` sees the source first
        (x-amz-copy-source-if-* conditions)."""
        check_part_number(part_number)
        self._require(bucket, key, upload_id)
        with self.objects.open(src_bucket, src_key, src_version) as src:
            if check_source is not None:
                check_source(src.info)
            size = src.info.size
            if byte_range is None:
                first, count = 0, size
            else:
                first, last = byte_range
                if first > last or last >= size:
                    # AWS's answer to UploadPartCopy (observed): 400, not the 416 of a GET.
                    raise InvalidArgument(
                        f"Range specified is not valid for source object of size: {size}",
                        ArgumentName="x-amz-copy-source-range",
                        ArgumentValue=f"bytes={first}-{last}",
                    )
                count = last - first + 1
            pending = self.begin_part(bucket, key, upload_id, part_number)
            try:
                with translate_os_errors():
                    buf = bytearray(min(1 << 20, max(count, 1)))
                    view = memoryview(buf)
                    offset, end = first, first + count
                    while offset < end:
                        n = os.preadv(src.fd, [view[: min(len(buf), end - offset)]], offset)
                        if n == 0:
                            raise InvalidRange("The source object changed while it was being copied.")
                        pending.write(view[:n])
                        offset += n
            except BaseException as exc:
                abort_after(exc, pending.abort)
                raise
        return pending.commit()

    def list_parts(self, bucket: str, key: str, upload_id: str, *, marker: int = 0, max_parts: int = 1000) -> PartsPage:
        upload = self._require(bucket, key, upload_id)
        rows = self.db.parts(upload_id, after=marker, limit=max_parts + 1) if max_parts > 0 else []
        page = rows[:max_parts]
        next_marker = page[-1].part_number if page else 0
        return PartsPage(upload_info(upload), tuple(part_info(r) for r in page), len(rows) > max_parts, next_marker)

    # -- listing -----------------------------------------------------------------------------

    def list_uploads(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        upload_id_marker: str | None = None,
        max_uploads: int = 1000,
    ) -> UploadsPage:
        """ListMultipartUploads: (key, initiation) order; ``upload_id_marker`` counts only with a
        ``key_marker`` (as in AWS); with a delimiter, keys are grouped into common prefixes."""
        self.space.require_bucket(bucket)
        self.maybe_sweep()
        return uploads_page(
            self.db,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            upload_id_marker=upload_id_marker,
            max_uploads=max_uploads,
        )
