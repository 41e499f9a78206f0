"""Helpers the multipart families share: the expected ETag of a completed upload, an upload
with its parts sent, and an upload whose first part is copied from an object."""

from __future__ import annotations

import hashlib
from typing import Any

MIB5 = 5 * 1024 * 1024  # the smallest part but the last (API_UploadPart.html)


def etag_of_parts(*parts: bytes) -> str:
    """The quoted ETag S3 gives an upload of ``parts``: the MD5 of their MD5s, ``-N``."""
    joined = b"".join(hashlib.md5(p, usedforsecurity=False).digest() for p in parts)
    return f'"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(parts)}"'


def upload_parts(s3: Any, bucket: str, key: str, bodies: dict[int, bytes], **create: Any) -> tuple[str, dict[int, Any]]:
    """Create an upload and send ``bodies`` (part number -> bytes); the UploadPart answers by number."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    algorithm = create.get("ChecksumAlgorithm")
    extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    sent = {
        n: s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=body, **extra)
        for n, body in bodies.items()
    }
    return upload, sent


def upload_with_copied_part(s3: Any, bucket: str, key: str, source: dict[str, str]) -> tuple[str, Any]:
    """Create an upload of ``key`` and send part 1 by UploadPartCopy from ``source`` (boto3's
    ``CopySource``: Bucket, Key and maybe VersionId); the upload id and the UploadPartCopy answer.
    The upload is aborted when the copy fails; afterwards, completing or aborting it is the caller's."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    try:
        part = s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, CopySource=source)
    except Exception:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        raise
    return upload, part
