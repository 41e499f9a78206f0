"""The values of multipart uploads and the pure helpers they need (no state, no rows written).

Upload and part descriptions as the store returns them, the checksum types each algorithm allows
(AWS), combining part CRCs into the object's CRC, the copy ladder that assembles parts
(``copy_file_range``, then ``sendfile``, then pread/pwrite), where a part row's bytes are (its
``file``: a part file, or a region of the upload's assembly file), and the completion rules: which
stored parts a completion names, and the completed object's metadata. The part-number rule
(1-10,000) is :func:`cargobay.s3.names.check_part_number`, shared with the HTTP layer.
"""

from __future__ import annotations

import base64
import errno
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from cargobay.s3 import checksums
from cargobay.s3.errors import BadDigest, EntityTooSmall, InvalidPart, InvalidPartOrder, InvalidRequest
from cargobay.s3.etag import unquote
from cargobay.s3.store.base import ObjectMeta
from cargobay.s3.store.metadb import PartRow, UploadRow
from cargobay.s3.store.writeback import start_writeback

_CHUNK = 1 << 20
_REF_SEP = "@"
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
    return UploadInfo(
        row.upload_id,
        row.bucket,
        row.key,
        row.initiated_ns,
        row.owner,
        row.meta,
        row.checksum_algorithm,
        row.checksum_type,
    )


def part_info(row: PartRow) -> PartInfo:
    return PartInfo(row.part_number, row.size, row.etag, row.last_modified_ns, row.checksum)


def checksum_type_for(algorithm: str | None, requested: str | None) -> str | None:
    """The checksum type of a new upload (AWS defaults and allowed combinations)."""
    if algorithm is None:
        if requested is not None:
            raise InvalidRequest(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
            )
        return None
    allowed = CHECKSUM_TYPES[algorithm]
    if requested is None:
        return allowed[0]
    if requested not in ("COMPOSITE", "FULL_OBJECT"):
        raise InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    if requested not in allowed:
        raise InvalidRequest(f"The {requested} checksum type cannot be used with the {algorithm} checksum algorithm.")
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


def region_ref(name: str, offset: int) -> str:
    """A part row's ``file`` for a part written in place: the assembly file and the offset."""
    return f"{name}{_REF_SEP}{offset}"


def split_ref(file: str) -> tuple[str, int]:
    """(file name in the staging directory, offset of the part's first byte) of a part row's
    ``file``: a part file (offset 0) or a region of an assembly file (:func:`region_ref`)."""
    name, sep, offset = file.partition(_REF_SEP)
    return (name, int(offset)) if sep else (name, 0)


def open_parts(staging: str, chosen: Sequence[PartRow]) -> tuple[list[int], PartRow | None]:
    """Read descriptors of the chosen parts' files (a part file, or the assembly file holding
    the part's region), in order; at the first part whose file is gone, the descriptors opened
    so far and that part (the caller closes them)."""
    fds: list[int] = []
    for row in chosen:
        try:
            fds.append(os.open(os.path.join(staging, split_ref(row.file)[0]), os.O_RDONLY | os.O_CLOEXEC))
        except FileNotFoundError:
            return fds, row
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
    return fds, None


def concatenate(fds: Sequence[int], chosen: Sequence[PartRow], dst: int, *, durable: bool) -> None:
    """Copy the chosen parts (``fds`` from :func:`open_parts`) one after another into ``dst``;
    ``durable``: the disk writes each part while the next is copied."""
    offset = 0
    for row, fd in zip(chosen, fds, strict=True):
        copy_range(fd, dst, split_ref(row.file)[1], offset, row.size)
        if durable:
            start_writeback(dst, offset, row.size)
        offset += row.size


# -- the copy ladder ---------------------------------------------------------------------------

_FALLBACK_ERRNOS = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EBADF, errno.EPERM}


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


def chosen_parts(
    upload: UploadRow, parts: Sequence[CompletedPart], stored_rows: Iterable[PartRow], minimum: int
) -> list[PartRow]:
    """The stored parts a completion names, or the AWS error for the first thing wrong: parts out of
    order, a part not stored (or with another ETag or checksum), a part other than the last under
    ``minimum`` bytes. A part listed twice in a row is named by its last entry. An upload with a
    checksum algorithm is completed by parts numbered 1, 2, 3, ... (API_CompletedPart.html)."""
    previous = 0
    named: list[CompletedPart] = []
    for part in parts:
        if part.part_number < previous:
            raise InvalidPartOrder(UploadId=upload.upload_id)
        if named and part.part_number == previous:
            named[-1] = part  # listed again (a part re-sent while the list was built): the last names it
        else:
            named.append(part)
        previous = part.part_number
    parts = named
    if upload.checksum_algorithm is not None and [p.part_number for p in parts] != list(range(1, len(parts) + 1)):
        raise InvalidPartOrder(
            "An upload with checksums must be completed with parts numbered consecutively from 1.",
            UploadId=upload.upload_id,
        )
    stored = {row.part_number: row for row in stored_rows}
    chosen: list[PartRow] = []
    for part in parts:
        row = stored.get(part.part_number)
        if row is None or unquote(part.etag) != row.etag:
            raise InvalidPart(UploadId=upload.upload_id, PartNumber=str(part.part_number), ETag=unquote(part.etag))
        if part.checksum is not None and part.checksum != row.checksum:
            raise InvalidPart(
                f"The {upload.checksum_algorithm or 'checksum'} you specified for part "
                f"{part.part_number} did not match what we received.",
                UploadId=upload.upload_id,
                PartNumber=str(part.part_number),
                ETag=unquote(part.etag),
            )
        chosen.append(row)
    for row in chosen[:-1]:
        if row.size < minimum:
            raise EntityTooSmall(
                ProposedSize=str(row.size), MinSizeAllowed=str(minimum), PartNumber=str(row.part_number), ETag=row.etag
            )
    return chosen


def completed_meta(upload: UploadRow, chosen: list[PartRow], sent: str | None) -> ObjectMeta:
    """The completed object's metadata: the upload's, with the part sizes and the object checksum
    (COMPOSITE, or FULL_OBJECT from the part CRCs; either checked against ``sent``)."""
    meta = replace(upload.meta, parts=tuple(row.size for row in chosen), checksums={})
    algorithm = upload.checksum_algorithm
    if algorithm is None:
        return meta
    sums = [row.checksum for row in chosen]
    if any(s is None for s in sums):
        # A part stored before the upload had an algorithm cannot happen; be safe anyway.
        return meta
    raw = [base64.b64decode(s or "") for s in sums]
    if upload.checksum_type == "FULL_OBJECT":
        value = checksums.encode(combine_crcs(algorithm, raw, [row.size for row in chosen]))
        if sent is not None and sent != value:
            raise BadDigest(f"The {algorithm.upper()} you specified did not match the calculated checksum.")
    else:
        hasher = checksums.new_hasher(algorithm)
        for digest in raw:
            hasher.update(digest)
        value = f"{checksums.encode(hasher.digest())}-{len(chosen)}"
        # S3 takes the composite with or without its "-<parts>" suffix; anything else is no check passed.
        if sent is not None and sent not in (value, value.rsplit("-", 1)[0]):
            raise BadDigest(f"The {algorithm.upper()} you specified did not match the calculated checksum.")
    return replace(meta, checksums={algorithm: value}, part_checksums=tuple(s or "" for s in sums))
