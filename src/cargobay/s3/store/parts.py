"""The values of multipart uploads and the pure helpers they need (no state, no rows written).

Upload and part descriptions as the store returns them, the part-number rule (1-10,000), the
checksum types each algorithm allows (AWS), combining part CRCs into the object's CRC, and the
copy ladder that assembles parts (``copy_file_range``, then ``sendfile``, then pread/pwrite).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from cargobay.s3.errors import InvalidArgument, InvalidPart, InvalidRequest
from cargobay.s3.store.base import ObjectMeta
from cargobay.s3.store.metadb import PartRow, UploadRow

_CHUNK = 1 << 20
_CFR_MAX = 1 << 30  # per call; the kernel caps a single copy anyway

MAX_PART_NUMBER = 10_000
_CHUNK = 1 << 20
_CFR_MAX = 1 << 30  # per call; the kernel caps a single copy anyway

# AWS: which checksum types each algorithm supports; the first is the default.
CHECKSUM_TYPES = {
    "crc32": ("COMPOSITE", "FULL_OBJECT"),
    "crc32c": ("COMPOSITE", "FULL_OBJECT"),
    "crc64nvme": ("FULL_OBJECT",),
    "sha1": ("COMPOSITE",),
    "sha256": ("COMPOSITE",),
}


@dataclass(frozen=True)
class UploadInfo:
    upload_id: str
    bucket: str
    key: str
    initiated_ns: int
    owner: str | None
    meta: ObjectMeta
    checksum_algorithm: str | None
    checksum_type: str | None


@dataclass(frozen=True)
class PartInfo:
    part_number: int
    size: int
    etag: str  # unquoted hex MD5 of the part
    last_modified_ns: int
    checksum: str | None  # base64, the upload's checksum algorithm


@dataclass(frozen=True)
class CompletedPart:
    """One ``<Part>`` of a CompleteMultipartUpload request."""

    part_number: int
    etag: str
    checksum: str | None = None  # the Checksum<ALG> element for the upload's algorithm, if sent


@dataclass(frozen=True)
class PartsPage:
    upload: UploadInfo
    parts: tuple[PartInfo, ...]
    is_truncated: bool
    next_marker: int  # the last part number returned (0 if none)


@dataclass(frozen=True)
class UploadsPage:
    uploads: tuple[UploadInfo, ...]
    common_prefixes: tuple[str, ...]
    is_truncated: bool
    next_key_marker: str | None
    next_upload_id_marker: str | None


def upload_info(row: UploadRow) -> UploadInfo:
    return UploadInfo(row.upload_id, row.bucket, row.key, row.initiated_ns, row.owner, row.meta,
                      row.checksum_algorithm, row.checksum_type)


def part_info(row: PartRow) -> PartInfo:
    return PartInfo(row.part_number, row.size, row.etag, row.last_modified_ns, row.checksum)


def check_part_number(value: int) -> None:
    if not 1 <= value <= MAX_PART_NUMBER:
        raise InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                              ArgumentName="partNumber", ArgumentValue=str(value))


def checksum_type_for(algorithm: str | None, requested: str | None) -> str | None:
    """The checksum type of a new upload (AWS defaults and allowed combinations)."""
    if algorithm is None:
        if requested is not None:
            raise InvalidRequest("The x-amz-checksum-type header can only be used with the "
                                 "x-amz-checksum-algorithm header.")
        return None
    allowed = CHECKSUM_TYPES[algorithm]
    if requested is None:
        return allowed[0]
    if requested not in ("COMPOSITE", "FULL_OBJECT"):
        raise InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    if requested not in allowed:
        raise InvalidRequest(f"The {requested} checksum type cannot be used with the {algorithm} "
                             "checksum algorithm.")
    return requested


def combine_crcs(algorithm: str, crcs: list[bytes], sizes: list[int]) -> bytes:
    """The CRC of the concatenation, from the parts' CRCs and sizes (no data re-read)."""
    from awscrt import checksums as crt

    combine, width = {
        "crc32": (crt.combine_crc32, 4),
        "crc32c": (crt.combine_crc32c, 4),
        "crc64nvme": (crt.combine_crc64nvme, 8),
    }[algorithm]
    value = int.from_bytes(crcs[0], "big")
    for crc, size in zip(crcs[1:], sizes[1:], strict=True):
        value = combine(value, int.from_bytes(crc, "big"), size)
    return int(value).to_bytes(width, "big")


# -- the copy ladder ---------------------------------------------------------------------------

_FALLBACK_ERRNOS = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EBADF,
                    errno.EPERM}


def copy_range(src: int, dst: int, src_offset: int, dst_offset: int, count: int) -> None:
    """Copy ``count`` bytes between descriptors at explicit offsets, in the kernel when possible.

    ``copy_file_range`` first (may reflink), then ``sendfile``, then pread/pwrite. A zero return
    from either kernel call before ``count`` bytes is not trusted as end of file (some
    filesystems return 0 for "unsupported"): the next rung decides, and the read loop raises
    if the source really is shorter than recorded.
    """
    method = 0 if hasattr(os, "copy_file_range") else 1
    while count > 0:
        if method == 0:
            try:
                n = os.copy_file_range(src, dst, min(count, _CFR_MAX), src_offset, dst_offset)
            except OSError as exc:
                if exc.errno not in _FALLBACK_ERRNOS:
                    raise
                n = 0
            if n == 0:
                method = 1
                continue
        elif method == 1:
            try:
                os.lseek(dst, dst_offset, os.SEEK_SET)
                n = os.sendfile(dst, src, src_offset, min(count, _CFR_MAX))
            except OSError as exc:
                if exc.errno not in _FALLBACK_ERRNOS:
                    raise
                n = 0
            if n == 0:
                method = 2
                continue
        else:
            data = os.pread(src, min(count, _CHUNK), src_offset)
            if not data:
                raise InvalidPart("A part's data is shorter than when it was uploaded.")
            view = memoryview(data)
            n = 0
            while n < len(view):
                n += os.pwrite(dst, view[n:], dst_offset + n)
        src_offset += n
        dst_offset += n
        count -= n
