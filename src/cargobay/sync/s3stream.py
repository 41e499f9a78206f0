"""S3-to-S3 transfer between two different endpoints: one object streamed from a GET into a PUT.

This module owns what a cross-endpoint copy carries and how it is verified, so that
:mod:`cargobay.sync.s3` (the endpoint and its local<->S3 paths) stays as it is. Carried: the bytes,
the content headers (Content-Type, Content-Encoding, Content-Disposition, Content-Language,
Cache-Control, Expires), the user metadata as stored (the ``x-amz-meta-*`` header values byte for
byte), and the tags (read only when the GET's ``x-amz-tagging-count`` says there are any).

Streaming, no temp files, and the source's layout kept so the copy has the source's ETag (which is
how the next run knows the object is already there, and how this one verifies it):

* below the target's part size: read into memory and sent as one ``PutObject`` with
  ``Content-MD5``, so the target verifies on arrival; the bytes read are checked against the
  source's MD5 first (its ETag when a plain MD5, else its ``md5chksum`` metadata);
* larger, with a plain-MD5 ETag (one part) and at most 5 GiB: the GET's body streamed into one
  ``PutObject`` carrying the source's MD5 as ``Content-MD5`` (the target refuses anything else);
* larger, multipart at the source (ETag ``<hex>-N``): part by part, ``GET ?partNumber=i`` into
  ``UploadPart`` (each with ``Content-MD5``), so the parts have the source's sizes and the
  copy's ETag must equal the source's - checked; a mismatch aborts the upload;
* otherwise (a store that does not serve parts, or a single part above 5 GiB): the GET's body cut
  into parts of the target's part size, hashed as a whole on the way and checked when the
  source's MD5 is known.

At most :data:`PARTS_IN_FLIGHT` parts of one object are uploaded at once (memory: that many parts).
A failed or interrupted multipart upload is aborted. The requests go through
:mod:`cargobay.sync.s3wire` (signed here, keep-alive, no botocore per request); botocore is kept
for a side no listing spec describes, the multipart calls, and header values that are not ASCII.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
import urllib.parse
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from cargobay.errors import SyncError
from cargobay.s3.etag import is_md5_etag, multipart_count, unquote
from cargobay.sync import meta
from cargobay.sync.s3wire import Wire, refused

if TYPE_CHECKING:
    from cargobay.sync.s3 import S3Prefix

__all__ = ["CONTENT_HEADERS", "PARTS_IN_FLIGHT", "stream_object", "wire_of"]

# PutObject parameter (boto3's names) -> the header it is.
CONTENT_HEADERS = {
    "ContentType": "content-type",
    "ContentEncoding": "content-encoding",
    "ContentDisposition": "content-disposition",
    "ContentLanguage": "content-language",
    "CacheControl": "cache-control",
    "Expires": "expires",
}
PARTS_IN_FLIGHT = 4
SINGLE_PUT_MAX = 5 * 1024**3  # AWS's PutObject limit
MAX_SOURCE_PART = 512 * 1024**2  # larger source parts are not held in memory: cut to the target's part size
_META = "x-amz-meta-"
_Progress = Callable[[int], None] | None


# ------------------------------------------------------------------------------------------- sides


_wires: weakref.WeakKeyDictionary[S3Prefix, Wire | None] = weakref.WeakKeyDictionary()
_wires_lock = threading.Lock()


def wire_of(prefix: S3Prefix) -> Wire | None:
    """The signed-request side of ``prefix`` (made once, closed when the prefix goes away), or
    ``None`` when only botocore can reach it."""
    with _wires_lock:
        if prefix in _wires:
            return _wires[prefix]
    from cargobay.sync.s3 import real_client, spec_from_client

    spec = prefix.listing or spec_from_client(real_client(prefix.client))
    wire = Wire(spec) if spec is not None else None
    with _wires_lock:
        if prefix in _wires:  # another thread was faster
            if wire is not None:
                wire.close()
            return _wires[prefix]
        _wires[prefix] = wire
        if wire is not None:
            weakref.finalize(prefix, wire.close)
    return wire


class _Object:
    """What the source's GET said about the object: everything the copy must carry."""

    def __init__(self, rel: str, headers: Mapping[str, str], tags: list[dict[str, str]] | None = None) -> None:
        self.rel = rel
        self.size = int(headers.get("content-length", "0"))
        self.etag = unquote(headers.get("etag", ""))
        self.carried = {h: headers[h] for h in CONTENT_HEADERS.values() if headers.get(h)}
        self.metadata = {k[len(_META) :]: v for k, v in headers.items() if k.startswith(_META)}
        self.tag_count = int(headers.get("x-amz-tagging-count") or 0)
        self.tags = tags or []
        user = {k.lower(): v for k, v in self.metadata.items()}
        self.md5 = self.etag if is_md5_etag(self.etag) else meta.md5_from_meta(user.get(meta.MD5_KEY))

    def headers(self) -> dict[str, str]:
        """The PutObject headers that reproduce it (content headers, metadata, tags)."""
        out = {**self.carried, **{_META + k: v for k, v in self.metadata.items()}}
        if self.tags:
            out["x-amz-tagging"] = _tagging(self.tags)
        return out

    def boto_args(self) -> dict[str, Any]:
        """The same, as boto3 PutObject/CreateMultipartUpload arguments."""
        args: dict[str, Any] = {name: self.carried[h] for name, h in CONTENT_HEADERS.items() if h in self.carried}
        args["Metadata"] = dict(self.metadata)
        if self.tags:
            args["Tagging"] = _tagging(self.tags)
        return args

    def parts(self) -> int | None:
        """``N`` of a multipart ETag ``<hex>-N``."""
        return multipart_count(self.etag)


def _tagging(tags: list[dict[str, str]]) -> str:
    q = urllib.parse.quote
    return "&".join(f"{q(t['Key'], safe='')}={q(t['Value'], safe='')}" for t in tags)


def _parse_tags(body: bytes) -> list[dict[str, str]]:
    """The ``TagSet`` of a GetObjectTagging answer (namespace taken from the root)."""
    root = ET.fromstring(body)
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return [
        {"Key": tag.findtext(ns + "Key") or "", "Value": tag.findtext(ns + "Value") or ""}
        for tag in root.iter(ns + "Tag")
    ]


# ------------------------------------------------------------------------------------------- entry


def stream_object(
    source: S3Prefix,
    target: S3Prefix,
    rel: str,
    *,
    on_bytes: _Progress = None,
    version_id: str | None = None,
) -> int:
    """Copy ``rel`` from ``source`` to ``target`` (different endpoints); returns the bytes carried."""
    wire = wire_of(source)
    if wire is None:
        return _stream_botocore(source, target, rel, on_bytes=on_bytes, version_id=version_id)
    key = source.key(rel)
    version = [("versionId", version_id)] if version_id is not None else []
    response = wire.request("GET", source.bucket, key, version)
    try:
        if response.status != 200:
            raise refused(f"GetObject {key}", response)
        obj = _Object(rel, {k.lower(): v for k, v in response.getheaders()})
        # Small: one PutObject from memory - unless the source is multipart, whose layout is kept.
        small = obj.size < target.part_size and obj.parts() is None
        data = response.read() if small else None
        if obj.tag_count:
            if not small:  # the body still occupies this thread's connection
                response.close()
                wire.reset()
            obj.tags = _get_tags(wire, source.bucket, key, version)
        if data is not None:
            _check_whole(obj, data)
            _put_small(target, obj, data)
            if on_bytes is not None:
                on_bytes(obj.size)
            return obj.size
        parts = obj.parts()
        if (
            obj.md5 is not None
            and obj.md5 == obj.etag
            and obj.size <= SINGLE_PUT_MAX
            and wire_of(target) is not None
            and all(v.isascii() for v in obj.headers().values())
        ):
            if response.isclosed():
                response = wire.request("GET", source.bucket, key, version)
                if response.status != 200:
                    raise refused(f"GetObject {key}", response)
            _put_streamed(target, obj, response, on_bytes)
        elif parts is not None and obj.size <= parts * MAX_SOURCE_PART:
            response.close()
            wire.reset()
            _copy_parts(wire, source, target, obj, version, on_bytes)
        else:
            if response.isclosed():
                response = wire.request("GET", source.bucket, key, version)
                if response.status != 200:
                    raise refused(f"GetObject {key}", response)
            _copy_cut(target, obj, _chunks(response, target.part_size), on_bytes, source_parts=False)
        return obj.size
    except BaseException:
        if not response.isclosed():
            response.close()
            wire.reset()
        raise


def _get_tags(wire: Wire, bucket: str, key: str, version: list[tuple[str, str]]) -> list[dict[str, str]]:
    response = wire.request("GET", bucket, key, [("tagging", ""), *version])
    if response.status != 200:
        raise refused(f"GetObjectTagging {key}", response)
    return _parse_tags(response.read())


def _check_whole(obj: _Object, data: bytes) -> None:
    if len(data) != obj.size or (
        obj.md5 is not None and hashlib.md5(data, usedforsecurity=False).hexdigest() != obj.md5
    ):
        raise SyncError(f"{obj.rel}: the bytes read from the source do not match its size/MD5")


# ------------------------------------------------------------------------------------------- small


def _put_small(target: S3Prefix, obj: _Object, data: bytes) -> None:
    key = target.key(obj.rel)
    digest = hashlib.md5(data, usedforsecurity=False)
    md5_b64 = base64.b64encode(digest.digest()).decode("ascii")
    headers = {**obj.headers(), "Content-MD5": md5_b64}
    wire = wire_of(target) if all(v.isascii() for v in headers.values()) else None
    if wire is None:
        put = target.client.put_object(
            Bucket=target.bucket, Key=key, Body=data, ContentLength=len(data), ContentMD5=md5_b64, **obj.boto_args()
        )
        etag = unquote(put.get("ETag", ""))
    else:
        response = wire.request("PUT", target.bucket, key, (), headers, data)
        if response.status != 200:
            raise refused(f"PutObject {key}", response)
        response.read()
        etag = unquote(response.getheader("ETag", ""))
    if is_md5_etag(etag) and etag != digest.hexdigest():
        raise SyncError(f"{obj.rel}: target stored ETag {etag}, expected {digest.hexdigest()}")


# ------------------------------------------------------------------------------------------- large


class _Counting:
    """A read()-able view of a body that hashes and counts what passes through."""

    def __init__(self, body: Any, on_bytes: _Progress) -> None:
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


def _put_streamed(target: S3Prefix, obj: _Object, body: Any, on_bytes: _Progress) -> None:
    """One PutObject fed from the GET's body; ``Content-MD5`` is the source's MD5."""
    wire = wire_of(target)
    assert wire is not None and obj.md5 is not None
    key = target.key(obj.rel)
    reader = _Counting(body, on_bytes)
    headers = {**obj.headers(), "Content-MD5": base64.b64encode(bytes.fromhex(obj.md5)).decode("ascii")}
    response = wire.request("PUT", target.bucket, key, (), headers, reader, length=obj.size)
    if response.status != 200:
        raise refused(f"PutObject {key}", response)
    response.read()
    etag = unquote(response.getheader("ETag", ""))
    if reader.size != obj.size or reader.md5.hexdigest() != obj.md5 or (is_md5_etag(etag) and etag != obj.md5):
        target.client.delete_object(Bucket=target.bucket, Key=key)  # not the source's object: not kept
        raise SyncError(f"{obj.rel}: the bytes carried do not match the source's MD5; not kept")


def _chunks(body: Any, part_size: int) -> Iterator[bytes]:
    while True:
        data: bytes = body.read(part_size)
        if not data:
            return
        yield data


def _source_parts(wire: Wire, source: S3Prefix, obj: _Object, version: list[tuple[str, str]]) -> Iterator[bytes]:
    """The source's parts in order, ``GET ?partNumber=i`` each; raises if the store does not serve
    them as parts of this object."""
    count = obj.parts()
    assert count is not None
    key = source.key(obj.rel)
    for i in range(1, count + 1):
        response = wire.request("GET", source.bucket, key, [("partNumber", str(i)), *version])
        if response.status not in (200, 206):
            raise refused(f"GetObject {key} part {i}", response)
        said = response.getheader("x-amz-mp-parts-count")
        data = response.read()
        if response.status != 206 or said != str(count):
            raise _NoParts(f"{obj.rel}: the source does not serve part {i} of {count} as a part")
        yield data


class _NoParts(Exception):
    """The source store answered ``partNumber`` with something else than the part."""


def _copy_parts(
    wire: Wire, source: S3Prefix, target: S3Prefix, obj: _Object, version: list[tuple[str, str]], on_bytes: _Progress
) -> None:
    try:
        _copy_cut(target, obj, _source_parts(wire, source, obj, version), on_bytes, source_parts=True)
    except _NoParts:
        response = wire.request("GET", source.bucket, source.key(obj.rel), version)
        if response.status != 200:
            raise refused(f"GetObject {source.key(obj.rel)}", response) from None
        try:
            _copy_cut(target, obj, _chunks(response, target.part_size), on_bytes, source_parts=False)
        finally:
            if not response.isclosed():
                response.close()
                wire.reset()


def _copy_cut(
    target: S3Prefix, obj: _Object, parts: Iterator[bytes], on_bytes: _Progress, *, source_parts: bool
) -> None:
    """A multipart upload of ``parts`` (read in order, uploaded :data:`PARTS_IN_FLIGHT` at a
    time), verified: with ``source_parts`` the copy's ETag must be the source's; otherwise the
    whole MD5 must be the source's when that is known. Aborted on any failure."""
    client = target.client
    key = target.key(obj.rel)
    upload_id = client.create_multipart_upload(Bucket=target.bucket, Key=key, **obj.boto_args())["UploadId"]
    whole = hashlib.md5(usedforsecurity=False)
    digests: list[bytes] = []
    done: list[dict[str, Any]] = []
    size = 0

    def send(number: int, data: bytes, digest: bytes) -> None:
        answer = client.upload_part(
            Bucket=target.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ContentMD5=base64.b64encode(digest).decode("ascii"),
        )
        etag = unquote(answer.get("ETag", ""))
        if is_md5_etag(etag) and etag != digest.hex():
            raise SyncError(f"{obj.rel}: part {number} stored with ETag {etag}, expected {digest.hex()}")
        done.append({"PartNumber": number, "ETag": answer["ETag"]})
        if on_bytes is not None:
            on_bytes(len(data))

    pool = ThreadPoolExecutor(PARTS_IN_FLIGHT, thread_name_prefix="cargobay-part")
    pending: list[Future[None]] = []
    try:
        for number, data in enumerate(parts, start=1):
            digest = hashlib.md5(data, usedforsecurity=False).digest()
            whole.update(data)
            digests.append(digest)
            size += len(data)
            pending.append(pool.submit(send, number, data, digest))
            if len(pending) >= PARTS_IN_FLIGHT:
                pending.pop(0).result()
        for future in pending:
            future.result()
        composite = f"{hashlib.md5(b''.join(digests), usedforsecurity=False).hexdigest()}-{len(digests)}"
        if size != obj.size:
            raise SyncError(f"{obj.rel}: read {size} bytes of {obj.size} from the source")
        if source_parts and composite != obj.etag:
            raise SyncError(f"{obj.rel}: the parts read give ETag {composite}, the source's is {obj.etag}")
        if obj.md5 is not None and whole.hexdigest() != obj.md5:
            raise SyncError(f"{obj.rel}: the bytes read from the source do not match its MD5")
        done.sort(key=lambda p: p["PartNumber"])
        answer = client.complete_multipart_upload(
            Bucket=target.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
        )
    except BaseException:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        with contextlib.suppress(Exception):  # the original failure is what the report needs
            client.abort_multipart_upload(Bucket=target.bucket, Key=key, UploadId=upload_id)
        raise
    pool.shutdown(wait=True)
    stored = unquote(answer.get("ETag", ""))
    if "-" in stored and stored != composite:
        client.delete_object(Bucket=target.bucket, Key=key)
        raise SyncError(f"{obj.rel}: target stored ETag {stored}, expected {composite}; not kept")


# ------------------------------------------------------------------------------------------- botocore


def _stream_botocore(
    source: S3Prefix, target: S3Prefix, rel: str, *, on_bytes: _Progress, version_id: str | None
) -> int:
    """:func:`stream_object` through botocore, for a source no listing spec describes (a proxy)."""
    get: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key(rel)}
    if version_id is not None:
        get["VersionId"] = version_id
    response = source.client.get_object(**get)
    body = response["Body"]
    try:
        headers = dict(response.get("ResponseMetadata", {}).get("HTTPHeaders", {}))
        obj = _Object(rel, headers)
        obj.metadata = dict(response.get("Metadata") or {})  # botocore's decoding of the values
        if obj.tag_count:
            obj.tags = source.client.get_object_tagging(**get).get("TagSet", [])
        if obj.size < target.part_size and obj.parts() is None:
            data = body.read()
            _check_whole(obj, data)
            _put_small(target, obj, data)
            if on_bytes is not None:
                on_bytes(obj.size)
        else:
            _copy_cut(target, obj, _chunks(body, target.part_size), on_bytes, source_parts=False)
    finally:
        body.close()
    return obj.size
