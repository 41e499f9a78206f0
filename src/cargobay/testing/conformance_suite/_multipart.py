"""Helpers the multipart families share: the expected ETag of a completed upload and an upload
with its parts sent."""

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
