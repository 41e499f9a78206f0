"""S3-to-S3 transfer between two different endpoints: one object streamed from a GET into a PUT.

This module owns what a cross-endpoint copy carries and how it is verified, so that
:mod:`cargobay.sync.s3` (the endpoint and its local<->S3 paths) stays as it is. Carried: the bytes,
the content headers (Content-Type, Content-Encoding, Content-Disposition, Content-Language,
Cache-Control, Expires), the user metadata as stored, and the tags (read only when the GET's
``x-amz-tagging-count`` says there are any).

Streaming, no temp files: an object below the target's part size is read into memory (at most one
part) and sent as one ``PutObject`` with ``Content-MD5`` computed from the bytes read, so the
target verifies on arrival; when the source's ETag is a plain MD5 the bytes read are checked
against it first (a corrupted read is never written). A larger object goes through the target's
transfer manager as a multipart upload fed directly from the GET's body, hashed on the way; the MD5
of what was read is checked against the source's (its ETag if a plain MD5, else its
``md5chksum`` metadata) and a mismatch fails the file.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cargobay.errors import SyncError
from cargobay.s3.etag import is_md5_etag, unquote
from cargobay.sync import meta

if TYPE_CHECKING:
    from cargobay.sync.s3 import S3Prefix

__all__ = ["CONTENT_HEADERS", "stream_object"]

# GetObject response field -> PutObject parameter (the same names in boto3).
CONTENT_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl",
                   "Expires")


class _HashingReader:
    """A read()-able view of a GET body that hashes what passes through and counts bytes."""

    def __init__(self, body: Any, on_bytes: Callable[[int], None] | None) -> None:
        self.body = body
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0
        self.on_bytes = on_bytes

    def read(self, n: int = -1) -> bytes:
        data: bytes = self.body.read(n) if n is not None and n >= 0 else self.body.read()
        self.md5.update(data)
        self.size += len(data)
        if self.on_bytes is not None and data:
            self.on_bytes(len(data))
        return data


def put_args(response: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    """The PutObject/CreateMultipartUpload arguments that reproduce a GetObject response's object."""
    args: dict[str, Any] = {name: response[name] for name in CONTENT_HEADERS if response.get(name)}
    args["Metadata"] = dict(response.get("Metadata") or {})
    if tags:
        args["Tagging"] = urllib.parse.urlencode([(t["Key"], t["Value"]) for t in tags])
    return args


def _source_md5(response: dict[str, Any]) -> str | None:
    etag = unquote(response.get("ETag", ""))
    if is_md5_etag(etag):
        return etag
    user = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
    return meta.md5_from_meta(user.get(meta.MD5_KEY))


def stream_object(
    source: S3Prefix, target: S3Prefix, rel: str, *, on_bytes: Callable[[int], None] | None = None,
    version_id: str | None = None,
) -> int:
    """Copy ``rel`` from ``source`` to ``target`` (different endpoints); returns the bytes carried."""
    get: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key(rel)}
    if version_id is not None:
        get["VersionId"] = version_id
    response = source.client.get_object(**get)
    body = response["Body"]
    try:
        tags: list[dict[str, str]] = []
        if int(response.get("TagCount") or 0) > 0:
            tags = source.client.get_object_tagging(**get).get("TagSet", [])
        args = put_args(response, tags)
        expected = _source_md5(response)
        size = int(response.get("ContentLength", 0))
        key = target.key(rel)
        if size < target.part_size:
            data = body.read()
            digest = hashlib.md5(data, usedforsecurity=False)
            if len(data) != size or (expected is not None and digest.hexdigest() != expected):
                raise SyncError(f"{rel}: the bytes read from the source do not match its size/MD5")
            put = target.client.put_object(
                Bucket=target.bucket, Key=key, Body=data, ContentLength=size,
                ContentMD5=base64.b64encode(digest.digest()).decode("ascii"), **args,
            )
            etag = unquote(put.get("ETag", ""))
            if is_md5_etag(etag) and etag != digest.hexdigest():
                raise SyncError(f"{rel}: target stored ETag {etag}, expected {digest.hexdigest()}")
            if on_bytes is not None:
                on_bytes(size)
            return size
        reader = _HashingReader(body, on_bytes)
        future = target._transfer_manager().upload(reader, target.bucket, key, extra_args=args)
        future.result()
        if reader.size != size or (expected is not None and reader.md5.hexdigest() != expected):
            # What was written is not the source's object: remove it so a rerun copies it again.
            target.client.delete_object(Bucket=target.bucket, Key=key)
            raise SyncError(f"{rel}: the bytes read from the source do not match its size/MD5; not kept")
        return size
    finally:
        body.close()
