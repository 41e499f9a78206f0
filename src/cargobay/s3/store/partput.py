"""A part upload in progress: the body streams into a part file or a region, then is recorded.

:class:`PendingPart` wraps the :class:`~cargobay.s3.store.pending.PendingPut` that hashes and writes
the body (into a temp file in the upload's staging directory, or straight into the upload's
assembly file at the part's offset, :class:`~cargobay.s3.store.preassembly.RegionFile`); its
``commit`` verifies the body and hands the part row to the :class:`PartTarget` the upload gave
it (:meth:`~cargobay.s3.store.multipart.Multipart.begin_part`), which knows where the bytes are
and makes them durable and visible. This module knows nothing of HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from cargobay._cleanup import abort_after
from cargobay.s3.store.base import PutChecks
from cargobay.s3.store.metadb import PartRow, UploadRow
from cargobay.s3.store.parts import PartInfo
from cargobay.s3.store.pending import PendingPut


class PartTarget(NamedTuple):
    """Where a part's bytes went: ``ref``, its row's ``file`` (a part file's name, or an assembly
    file's region); ``record`` records the verified row (durable first) and answers the part."""

    ref: str
    record: Callable[[PartRow], PartInfo]


class PendingPart:
    """A part upload in progress: bytes go to a temp file in the staging directory, or straight
    into the upload's assembly file at the part's offset (:class:`~.preassembly.RegionFile`)."""

    def __init__(self, upload: UploadRow, part_number: int, pending: PendingPut, target: PartTarget) -> None:
        self._upload = upload
        self.part_number = part_number
        self._pending = pending
        self._target = target

    @property
    def size(self) -> int:
        return self._pending.size

    @property
    def checksum_algorithm(self) -> str | None:
        """The upload's checksum algorithm (CreateMultipartUpload's), which the part's answer names."""
        return self._upload.checksum_algorithm

    def want_sha256(self) -> None:
        self._pending.want_sha256()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._pending.write(data)

    def write_many(self, chunks: Sequence[bytes]) -> None:
        self._pending.write_many(chunks)

    def abort(self) -> None:
        self._pending.abort()

    def commit(self, checks: PutChecks = PutChecks()) -> PartInfo:
        """Verify the body (Content-MD5, SHA-256, checksums, length), then record the part."""
        try:
            sums = self._pending.verify(checks)
        except BaseException as exc:
            abort_after(exc, self._pending.abort)
            raise
        algorithm = self._upload.checksum_algorithm
        row = PartRow(
            upload_id=self._upload.upload_id,
            part_number=self.part_number,
            size=self._pending.size,
            etag=self._pending.md5_hex,
            last_modified_ns=time.time_ns(),
            checksum=sums.get(algorithm) if algorithm is not None else None,
            file=self._target.ref,
        )
        return self._target.record(row)
