"""S3-to-S3 transfer between two different endpoints: one object streamed from a GET into a PUT.

This module owns what a cross-endpoint copy carries and how it is verified, so that
:mod:`cargobay.sync.s3` (the endpoint and its local<->S3 paths) stays as it is. Carried: the bytes,
the content headers (Content-Type, Content-Encoding, Content-Disposition, Content-Language,
Cache-Control, Expires), the user metadata as stored (the ``x-amz-meta-*`` header values byte for
byte), and the tags (read only when the GET's ``x-amz-tagging-count`` says there are any).

Streaming, no temp files: an object below the target's part size is read into memory (at most one
part) and sent as one ``PutObject`` with ``Content-MD5`` computed from the bytes read, so the
target verifies on arrival; when the source's ETag is a plain MD5 the bytes read are checked
against it first (a corrupted read is never written). A larger object goes through the target's
transfer manager as a multipart upload fed directly from the GET's body, hashed on the way; the MD5
of what was read is checked against the source's (its ETag if a plain MD5, else its
``md5chksum`` metadata) and a mismatch fails the file.

Speed (issue 16: a migration must keep up with ``rclone sync``): a small object costs three
requests (GET, GET ``?tagging``, PUT), and botocore's per-request machinery (parameter validation,
serialisation, event hooks, endpoint rules, response parsing) is about 1 ms of CPU each, under one
interpreter lock, on a machine the two servers share - more than the requests cost the servers.
So the requests are signed here (:mod:`cargobay.s3.signing`, the payload's SHA-256 signed) and sent
on keep-alive :mod:`http.client` connections, one per transfer thread and side (:class:`_Wire`),
to the endpoint, region, addressing and credentials the side's listing uses (its
:class:`~cargobay.sync.s3spec.ListingSpec`, else one taken from its botocore client). botocore
stays for a side no spec can describe (a proxy), for multipart uploads (its transfer manager), and
for a PUT whose header values are not ASCII (SigV4 signs UTF-8, HTTP sends Latin-1: left to
botocore, as before).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import threading
import urllib.parse
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cargobay.errors import SyncError
from cargobay.s3.etag import is_md5_etag, unquote
from cargobay.s3.signing import EMPTY_SHA256, authorization, canonical_query, encode_path
from cargobay.sync import meta

if TYPE_CHECKING:
    from cargobay.sync.s3 import S3Prefix
    from cargobay.sync.s3spec import ListingSpec

__all__ = ["CONTENT_HEADERS", "WireFailed", "stream_object"]

# GetObject response field -> PutObject parameter (the same names in boto3), and their headers.
CONTENT_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl",
                   "Expires")
_HEADER_OF = {"ContentType": "content-type", "ContentEncoding": "content-encoding",
              "ContentDisposition": "content-disposition", "ContentLanguage": "content-language",
              "CacheControl": "cache-control", "Expires": "expires"}
_META = "x-amz-meta-"


class WireFailed(Exception):
    """A request the server refused, or that could not be sent; ``response`` has the shape the
    executor's retry rule reads (HTTP status and error code), as botocore's errors do."""

    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.response = {"ResponseMetadata": {"HTTPStatusCode": status}, "Error": {"Code": code}}


def _error_code(body: bytes) -> str:
    try:
        return ET.fromstring(body).findtext("Code") or ""
    except ET.ParseError:
        return ""


class _Wire:
    """Signed requests to one endpoint (``spec``), one keep-alive connection per thread."""

    def __init__(self, spec: ListingSpec) -> None:
        url = spec.endpoint_url or (
            "https://s3.amazonaws.com" if spec.region == "us-east-1" else f"https://s3.{spec.region}.amazonaws.com"
        )
        parts = urllib.parse.urlsplit(url)
        self.spec = spec
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port
        self.base_path = parts.path.rstrip("/")
        self.style = spec.addressing_style or ("path" if spec.endpoint_url else "auto")
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _target(self, bucket: str) -> tuple[str, str, str]:
        """(host to connect to, Host header, path of the bucket) - as the listing addresses it."""
        virtual = self.style == "virtual" or (self.style == "auto" and "." not in bucket and bucket == bucket.lower())
        default_port = 443 if self.tls else 80
        port = "" if self.port in (None, default_port) else f":{self.port}"
        connect = f"{bucket}.{self.host}" if virtual else self.host
        shown = f"[{connect}]" if ":" in connect else connect
        return connect, shown + port, (self.base_path if virtual else f"{self.base_path}/{bucket}")

    def _connection(self, connect: str, *, fresh: bool) -> http.client.HTTPConnection:
        conns: dict[str, http.client.HTTPConnection] = self._local.__dict__.setdefault("conns", {})
        conn = conns.get(connect)
        if conn is not None and fresh:
            conn.close()
            conn = None
        if conn is None:
            if self.tls:
                import ssl

                context = ssl.create_default_context(cafile=self.spec.ca_bundle)
                conn = http.client.HTTPSConnection(connect, self.port, timeout=60, context=context)
            else:
                conn = http.client.HTTPConnection(connect, self.port, timeout=60)
            conns[connect] = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def request(self, method: str, bucket: str, key: str, params: Iterable[tuple[str, str]] = (),
                headers: Mapping[str, str] | None = None, body: bytes = b"") -> http.client.HTTPResponse:
        """Send one signed request and return the response, its body not read yet.

        ``headers`` are sent as given and signed trimmed (SigV4's canonical form). A reused
        keep-alive connection that turns out closed is replaced once; any other transport
        failure raises :class:`WireFailed` (retried by the executor).
        """
        connect, host, path = self._target(bucket)
        path = f"{path}/{key}"
        query = canonical_query(params)
        uri = encode_path(path)
        sha = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        for attempt in (0, 1):
            creds = self.spec.credentials()
            amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            send = {**(headers or {}), "x-amz-date": amz_date, "x-amz-content-sha256": sha}
            if creds.session_token:
                send["x-amz-security-token"] = creds.session_token
            if body or method in ("PUT", "POST"):
                send["Content-Length"] = str(len(body))
            signed = {k.lower(): " ".join(v.split()) for k, v in send.items()}
            signed["host"] = host
            send["Authorization"] = authorization(method, uri, query, signed, sha, credentials=creds,
                                                  region=self.spec.region, amz_date=amz_date)
            send["Host"] = host
            conn = self._connection(connect, fresh=attempt > 0)
            try:
                conn.request(method, f"{uri}?{query}" if query else uri, body=body or None, headers=send)
                return conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if attempt == 0:
                    continue
                raise WireFailed(f"{method} {key}: {type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def reset(self) -> None:
        """Close this thread's connections: a response abandoned before its end leaves bytes on
        its connection that the next answer would be read from."""
        for conn in self._local.__dict__.get("conns", {}).values():
            conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()


_wires: weakref.WeakKeyDictionary[S3Prefix, _Wire | None] = weakref.WeakKeyDictionary()
_wires_lock = threading.Lock()


def _wire(prefix: S3Prefix) -> _Wire | None:
    """The signed-request side of ``prefix`` (made once; closed when the prefix goes away), or
    ``None`` when only botocore can reach it."""
    with _wires_lock:
        if prefix in _wires:
            return _wires[prefix]
    from cargobay.sync.s3 import real_client, spec_from_client

    spec = prefix.listing or spec_from_client(real_client(prefix.client))
    wire = _Wire(spec) if spec is not None else None
    with _wires_lock:
        if prefix in _wires:  # another thread was faster
            if wire is not None:
                wire.close()
            return _wires[prefix]
        _wires[prefix] = wire
        if wire is not None:
            weakref.finalize(prefix, wire.close)
    return wire


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


def _tagging_header(tags: list[dict[str, str]]) -> str:
    return "&".join(f"{urllib.parse.quote(t['Key'], safe='')}={urllib.parse.quote(t['Value'], safe='')}"
                    for t in tags)


def _md5_of(etag: str, metadata: Mapping[str, str]) -> str | None:
    """The source's MD5: its ETag when a plain MD5, else its ``md5chksum`` metadata."""
    etag = unquote(etag)
    if is_md5_etag(etag):
        return etag
    user = {k.lower(): v for k, v in metadata.items()}
    return meta.md5_from_meta(user.get(meta.MD5_KEY))


def _parse_tags(body: bytes) -> list[dict[str, str]]:
    """The ``TagSet`` of a GetObjectTagging answer (namespace taken from the root)."""
    root = ET.fromstring(body)
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return [{"Key": tag.findtext(ns + "Key") or "", "Value": tag.findtext(ns + "Value") or ""}
            for tag in root.iter(ns + "Tag")]


def stream_object(
    source: S3Prefix, target: S3Prefix, rel: str, *, on_bytes: Callable[[int], None] | None = None,
    version_id: str | None = None,
) -> int:
    """Copy ``rel`` from ``source`` to ``target`` (different endpoints); returns the bytes carried."""
    src_wire = _wire(source)
    if src_wire is None:
        return _stream_botocore(source, target, rel, on_bytes=on_bytes, version_id=version_id)
    key = source.key(rel)
    params = [("versionId", version_id)] if version_id is not None else []
    response = src_wire.request("GET", source.bucket, key, params)
    try:
        if response.status != 200:
            answer = response.read()
            code = _error_code(answer)
            raise WireFailed(f"GetObject {key}: HTTP {response.status} {code}".strip(), status=response.status,
                             code=code)
        headers = {k.lower(): v for k, v in response.getheaders()}
        size = int(headers.get("content-length", "0"))
        carried = {h: headers[h] for h in _HEADER_OF.values() if headers.get(h)}
        metadata = {k[len(_META):]: v for k, v in headers.items() if k.startswith(_META)}
        expected = _md5_of(headers.get("etag", ""), metadata)
        data = response.read() if size < target.part_size else None  # None: large, read while uploading
    except BaseException:
        src_wire.reset()
        raise
    tags: list[dict[str, str]] = []
    try:
        if int(headers.get("x-amz-tagging-count") or 0) > 0:
            # A small body is read: the tagging GET follows on this thread's connection. A large
            # one is still on it: the tags come through botocore.
            tags = _get_tags(source, src_wire, key, params, busy=data is None)
        if data is None:
            return _upload_large(target, rel, response, size, carried, metadata, tags, expected, on_bytes)
    except BaseException:
        if data is None:
            src_wire.reset()
        raise
    digest = hashlib.md5(data, usedforsecurity=False)
    if len(data) != size or (expected is not None and digest.hexdigest() != expected):
        raise SyncError(f"{rel}: the bytes read from the source do not match its size/MD5")
    _put_small(target, rel, data, digest, carried, metadata, tags)
    if on_bytes is not None:
        on_bytes(size)
    return size


def _get_tags(source: S3Prefix, wire: _Wire, key: str, params: list[tuple[str, str]], *,
              busy: bool) -> list[dict[str, str]]:
    if busy:  # this thread's connection is carrying the large body: ask through botocore
        get: dict[str, Any] = {"Bucket": source.bucket, "Key": key, **dict(("VersionId", v) for _, v in params)}
        tags: list[dict[str, str]] = source.client.get_object_tagging(**get).get("TagSet", [])
        return tags
    response = wire.request("GET", source.bucket, key, [("tagging", ""), *params])
    answer = response.read()
    if response.status != 200:
        code = _error_code(answer)
        raise WireFailed(f"GetObjectTagging {key}: HTTP {response.status} {code}".strip(), status=response.status,
                         code=code)
    return _parse_tags(answer)


def _put_small(target: S3Prefix, rel: str, data: bytes, digest: Any, carried: dict[str, str],
               metadata: dict[str, str], tags: list[dict[str, str]]) -> None:
    key = target.key(rel)
    md5_b64 = base64.b64encode(digest.digest()).decode("ascii")
    headers = {**carried, **{_META + k: v for k, v in metadata.items()}, "Content-MD5": md5_b64}
    if tags:
        headers["x-amz-tagging"] = _tagging_header(tags)
    wire = _wire(target) if all(v.isascii() for v in headers.values()) else None
    if wire is None:
        args = {name: carried[h] for name, h in _HEADER_OF.items() if h in carried}
        if tags:
            args["Tagging"] = headers["x-amz-tagging"]
        put = target.client.put_object(Bucket=target.bucket, Key=key, Body=data, ContentLength=len(data),
                                       ContentMD5=md5_b64, Metadata=metadata, **args)
        etag = unquote(put.get("ETag", ""))
    else:
        response = wire.request("PUT", target.bucket, key, (), headers, data)
        answer = response.read()
        if response.status != 200:
            code = _error_code(answer)
            raise WireFailed(f"PutObject {key}: HTTP {response.status} {code}".strip(), status=response.status,
                             code=code)
        etag = unquote(response.getheader("ETag", ""))
    if is_md5_etag(etag) and etag != digest.hexdigest():
        raise SyncError(f"{rel}: target stored ETag {etag}, expected {digest.hexdigest()}")


def _upload_large(target: S3Prefix, rel: str, body: Any, size: int, carried: dict[str, str],
                  metadata: dict[str, str], tags: list[dict[str, str]], expected: str | None,
                  on_bytes: Callable[[int], None] | None) -> int:
    """A multipart upload through the target's transfer manager, fed from the GET's body."""
    args: dict[str, Any] = {name: carried[h] for name, h in _HEADER_OF.items() if h in carried}
    args["Metadata"] = metadata
    if tags:
        args["Tagging"] = _tagging_header(tags)
    key = target.key(rel)
    reader = _HashingReader(body, on_bytes)
    try:
        future = target._transfer_manager().upload(reader, target.bucket, key, extra_args=args)
        future.result()
        complete = reader.size == size and not body.read(1)
    finally:
        body.close()
    if not complete or (expected is not None and reader.md5.hexdigest() != expected):
        # What was written is not the source's object: remove it so a rerun copies it again.
        target.client.delete_object(Bucket=target.bucket, Key=key)
        raise SyncError(f"{rel}: the bytes read from the source do not match its size/MD5; not kept")
    return size


def _stream_botocore(
    source: S3Prefix, target: S3Prefix, rel: str, *, on_bytes: Callable[[int], None] | None,
    version_id: str | None,
) -> int:
    """:func:`stream_object` through botocore, for a source no listing spec describes."""
    get: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key(rel)}
    if version_id is not None:
        get["VersionId"] = version_id
    response = source.client.get_object(**get)
    body = response["Body"]
    tags: list[dict[str, str]] = []
    try:
        if int(response.get("TagCount") or 0) > 0:
            tags = source.client.get_object_tagging(**get).get("TagSet", [])
    except BaseException:
        body.close()
        raise
    carried = {h: str(response[name]) for name, h in _HEADER_OF.items() if response.get(name)}
    if "expires" in carried:  # botocore parsed it into a datetime: the header's own text
        carried["expires"] = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("expires",
                                                                                              carried["expires"])
    metadata = dict(response.get("Metadata") or {})
    expected = _md5_of(response.get("ETag", ""), metadata)
    size = int(response.get("ContentLength", 0))
    if size >= target.part_size:
        return _upload_large(target, rel, body, size, carried, metadata, tags, expected, on_bytes)
    try:
        data = body.read()
    finally:
        body.close()
    digest = hashlib.md5(data, usedforsecurity=False)
    if len(data) != size or (expected is not None and digest.hexdigest() != expected):
        raise SyncError(f"{rel}: the bytes read from the source do not match its size/MD5")
    _put_small(target, rel, data, digest, carried, metadata, tags)
    if on_bytes is not None:
        on_bytes(size)
    return size
