"""A lean SigV4-signed S3 client for the load generator of ``cargobay bench s3``.

This module owns putting S3 requests on the wire as cheaply as Python allows, so that the
benchmark measures the server and not the client. boto3 spends about 1 ms of CPU per request
and hashes every payload; this client spends a few tens of microseconds:

* one keep-alive TCP connection per :class:`S3Connection` (``TCP_NODELAY``), the request head
  and a small body written with one ``sendall``, the response read through a C ``BufferedReader``;
* Signature Version 4 in the ``Authorization`` header with ``x-amz-content-sha256:
  UNSIGNED-PAYLOAD`` (no payload hashing), the signing key derived once per day and the
  ``x-amz-date`` string once per second;
* large bodies sent from a ``memoryview`` and large responses read with ``readinto`` straight
  into a caller's buffer, so no byte is copied in Python.

It speaks just enough HTTP/1.1 for S3 servers: ``Content-Length`` and ``chunked`` responses,
bodiless HEAD/204/304 answers, ``Connection: close``, and one reconnect when a reused keep-alive
connection turns out to be closed. It is not a general client: no redirects, no TLS, no retries
beyond that reconnect, path-style addressing only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cargobay.s3 import signing
from cargobay.s3.signing import encode_path

__all__ = ["ClientError", "RepeatedBody", "Response", "S3Connection", "Target", "canonical_query", "key_path"]

UNSIGNED = "UNSIGNED-PAYLOAD"
_SIGNED_HEADERS_BASE = ("host", "x-amz-content-sha256", "x-amz-date")
_NO_BODY_STATUS = frozenset({204, 304})
_NS = re.compile(r"\{[^}]*\}")


class ClientError(Exception):
    """An S3 request that failed: a non-2xx status (with the S3 error code) or a broken connection."""

    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Target:
    """Where to send requests and how to sign them (picklable: worker processes receive it)."""

    url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class RepeatedBody:
    """A request body of ``count`` copies of ``block``, streamed: a large upload without a large buffer."""

    def __init__(self, block: bytes | memoryview, count: int) -> None:
        self.block = memoryview(block)
        self.count = count

    def __len__(self) -> int:
        return len(self.block) * self.count


Body = bytes | memoryview | RepeatedBody


def key_path(bucket: str, key: str = "") -> str:
    """The path-style request path, URI-encoded as SigV4 wants it for S3 (``/`` kept)."""
    return encode_path(f"/{bucket}/{key}" if key else f"/{bucket}")


def canonical_query(query: Mapping[str, str] | None) -> str:
    """The SigV4 canonical query string, which this client also sends verbatim on the wire."""
    return signing.canonical_query(query.items()) if query else ""


class _Signer:
    """SigV4 headers through :func:`cargobay.s3.signing.authorization`, with the date strings
    made once per second rather than per request (this client must not be the bottleneck)."""

    def __init__(self, target: Target, host: str) -> None:
        self._credentials = signing.Credentials(target.access_key, target.secret_key)
        self._region = target.region
        self._host = host
        self._second = -1
        self._amz_date = ""

    def headers(self, method: str, path: str, query: str, extra: Mapping[str, str]) -> list[tuple[str, str]]:
        """The headers that authenticate this request (``extra`` x-amz-* headers get signed too)."""
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        signed = {"host": self._host, "x-amz-content-sha256": UNSIGNED, "x-amz-date": self._amz_date}
        for name, value in extra.items():
            lname = name.lower()
            if lname.startswith("x-amz-"):
                signed[lname] = " ".join(value.split())
        auth = signing.authorization(
            method,
            path,
            query,
            signed,
            UNSIGNED,
            credentials=self._credentials,
            region=self._region,
            amz_date=self._amz_date,
        )
        return [("x-amz-content-sha256", UNSIGNED), ("x-amz-date", self._amz_date), ("Authorization", auth)]


class S3Connection:
    """One keep-alive HTTP/1.1 connection to an S3 endpoint, signing every request with SigV4."""

    def __init__(self, target: Target, *, timeout: float = 120.0) -> None:
        parts = urlsplit(target.url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only http:// endpoints are supported, not {target.url!r}")
        self._addr = (parts.hostname, parts.port or 80)
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        self._host = host
        self._signer = _Signer(target, host)
        self._timeout = timeout
        self._sock: socket.socket | None = None
        self.listed_with_v1_markers = False
        self._rfile: io.BufferedReader | None = None

    # -- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        if self._sock is not None:
            return
        sock = socket.create_connection(self._addr, timeout=self._timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._rfile = io.BufferedReader(socket.SocketIO(sock, "rb"), buffer_size=256 * 1024)

    def close(self) -> None:
        if self._rfile is not None:
            self._rfile.close()
            self._rfile = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> S3Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Body = b"",
        headers: Mapping[str, str] | None = None,
        into: memoryview | None = None,
        sign: bool = True,
    ) -> Response:
        """Send one request and read the whole response.

        With ``into``, a 2xx response body is read straight into that buffer (it must be large
        enough) and ``Response.body`` stays empty; ``Content-Length`` is in the headers.
        """
        qs = canonical_query(query)
        extra = dict(headers or {})
        head = [f"{method} {path}{'?' + qs if qs else ''} HTTP/1.1", f"Host: {self._host}"]
        if sign:
            head += [f"{n}: {v}" for n, v in self._signer.headers(method, path, qs, extra)]
        head += [f"{n}: {v}" for n, v in extra.items()]
        if len(body) or method in ("PUT", "POST"):
            head.append(f"Content-Length: {len(body)}")
        head_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("utf-8")
        reused = self._sock is not None
        try:
            return self._exchange(method, head_bytes, body, into)
        except (ConnectionError, _EmptyResponse) as exc:
            self.close()
            if not reused:
                raise ClientError(f"{method} {path}: {exc}") from exc
        # The keep-alive connection had been closed by the server: one fresh attempt.
        try:
            return self._exchange(method, head_bytes, body, into)
        except (ConnectionError, _EmptyResponse, OSError) as exc:
            self.close()
            raise ClientError(f"{method} {path}: {exc}") from exc

    def _exchange(self, method: str, head: bytes, body: Body, into: memoryview | None) -> Response:
        self.connect()
        sock, rfile = self._sock, self._rfile
        assert sock is not None and rfile is not None
        if isinstance(body, RepeatedBody):
            sock.sendall(head)
            for _ in range(body.count):
                sock.sendall(body.block)
        elif len(body) <= 64 * 1024:
            sock.sendall(head + bytes(body) if body else head)
        else:
            sock.sendall(head)
            sock.sendall(body)
        line = rfile.readline(65537)
        if not line:
            raise _EmptyResponse("connection closed before a response")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ClientError(f"malformed status line {line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        data = b""
        if method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            pass
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._read_chunked(rfile)
            if into is not None and 200 <= status < 300:
                if len(data) > len(into):
                    raise ClientError(f"answer of {len(data)} bytes does not fit the {len(into)}-byte buffer")
                into[: len(data)] = data
                headers["content-length"] = str(len(data))
                data = b""
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if into is not None and 200 <= status < 300:
                if length > len(into):
                    self.close()  # the rest of the body is still on the wire: drop the connection
                    raise ClientError(f"answer of {length} bytes does not fit the {len(into)}-byte buffer")
                _readinto_exactly(rfile, into[:length])
            else:
                data = rfile.read(length)
                if len(data) != length:
                    raise ConnectionError("connection closed inside a response body")
        else:
            data = rfile.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, data)

    @staticmethod
    def _read_chunked(rfile: io.BufferedReader) -> bytes:
        out = bytearray()
        while True:
            size_line = rfile.readline(65537)
            if not size_line:
                raise ConnectionError("connection closed inside a chunked body")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(out)
            chunk = rfile.read(size)
            if len(chunk) != size:
                raise ConnectionError("connection closed inside a chunk")
            out += chunk
            rfile.readline(65537)

    # -- S3 operations (raise ClientError unless the status is 2xx) -------------------------

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200, 204), **kwargs: object) -> Response:
        response = self.request(method, path, **kwargs)  # type: ignore[arg-type]
        if response.status not in expect:
            code = _error_code(response.body)
            raise ClientError(
                f"{method} {path}: HTTP {response.status} {code}".strip(), status=response.status, code=code
            )
        return response

    def create_bucket(self, bucket: str) -> None:
        self.call("PUT", key_path(bucket))

    def delete_bucket(self, bucket: str) -> None:
        self.call("DELETE", key_path(bucket))

    def put(self, bucket: str, key: str, body: Body) -> str:
        return self.call("PUT", key_path(bucket, key), body=body).headers.get("etag", "")

    def get(self, bucket: str, key: str, *, range_: tuple[int, int] | None = None) -> bytes:
        headers = {"Range": f"bytes={range_[0]}-{range_[1]}"} if range_ else None
        return self.call("GET", key_path(bucket, key), headers=headers, expect=(200, 206)).body

    def get_into(self, bucket: str, key: str, into: memoryview, *, range_: tuple[int, int] | None = None) -> int:
        """GET (a range of) an object into ``into``; returns the number of bytes received."""
        headers = {"Range": f"bytes={range_[0]}-{range_[1]}"} if range_ else None
        response = self.call("GET", key_path(bucket, key), headers=headers, expect=(200, 206), into=into)
        return int(response.headers.get("content-length", "0"))

    def head(self, bucket: str, key: str) -> dict[str, str]:
        return self.call("HEAD", key_path(bucket, key)).headers

    def delete(self, bucket: str, key: str) -> None:
        self.call("DELETE", key_path(bucket, key))

    def delete_objects(self, bucket: str, keys: Sequence[str]) -> int:
        """DeleteObjects (Quiet) of ``keys``; returns how many keys the server reported as errors."""
        body = (
            "<Delete><Quiet>true</Quiet>"
            + "".join(f"<Object><Key>{_xml_escape(k)}</Key></Object>" for k in keys)
            + "</Delete>"
        ).encode("utf-8")
        md5 = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode("ascii")
        response = self.call(
            "POST", key_path(bucket), query={"delete": ""}, body=body, headers={"Content-MD5": md5}, expect=(200,)
        )
        return response.body.count(b"<Error>")

    def list_keys(
        self, bucket: str, *, prefix: str = "", page_size: int = 1000, on_page: Callable[[int], None] | None = None
    ) -> list[str]:
        """Every key under ``prefix`` through ListObjectsV2 pagination, in the server's order.

        ``on_page`` is called with the number of keys after each page arrives (to time pages).

        A server that answers a truncated V2 listing without ``NextContinuationToken`` (one that
        ignores ``list-type=2`` and answers V1) is paged on with V1 markers instead, and
        ``listed_with_v1_markers`` is set, so that a caller can report it.
        """
        self.listed_with_v1_markers = False
        keys: list[str] = []
        token = ""
        marker = ""
        while True:
            if self.listed_with_v1_markers:
                query = {"max-keys": str(page_size), "marker": marker}
            else:
                query = {"list-type": "2", "max-keys": str(page_size)}
                if token:
                    query["continuation-token"] = token
            if prefix:
                query["prefix"] = prefix
            root = ET.fromstring(self.call("GET", key_path(bucket), query=query).body)
            truncated = "false"
            token = next_marker = ""
            page: list[str] = []
            for child in root:
                tag = _NS.sub("", child.tag)
                if tag == "Contents":
                    for item in child:
                        if _NS.sub("", item.tag) == "Key":
                            page.append(item.text or "")
                elif tag == "IsTruncated":
                    truncated = (child.text or "").strip().lower()
                elif tag == "NextContinuationToken":
                    token = child.text or ""
                elif tag == "NextMarker":
                    next_marker = child.text or ""
            keys += page
            if on_page is not None:
                on_page(len(page))
            if truncated != "true":
                return keys
            if not token and not self.listed_with_v1_markers:
                self.listed_with_v1_markers = True
            if self.listed_with_v1_markers:
                marker = next_marker or (page[-1] if page else "")
                if not marker:
                    raise ClientError("truncated listing with neither a continuation token nor a marker")

    def create_multipart(self, bucket: str, key: str) -> str:
        root = ET.fromstring(self.call("POST", key_path(bucket, key), query={"uploads": ""}).body)
        for child in root:
            if _NS.sub("", child.tag) == "UploadId" and child.text:
                return child.text
        raise ClientError("CreateMultipartUpload answer has no UploadId")

    def upload_part(self, bucket: str, key: str, upload_id: str, number: int, body: bytes | memoryview) -> str:
        query = {"partNumber": str(number), "uploadId": upload_id}
        etag = self.call("PUT", key_path(bucket, key), query=query, body=body).headers.get("etag", "")
        if not etag:
            raise ClientError(f"UploadPart {number} answered without an ETag")
        return etag

    def complete_multipart(self, bucket: str, key: str, upload_id: str, etags: list[str]) -> str:
        parts = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{_xml_escape(e)}</ETag></Part>" for n, e in enumerate(etags, 1)
        )
        body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
        response = self.call("POST", key_path(bucket, key), query={"uploadId": upload_id}, body=body)
        code = _error_code(response.body)
        if code:  # S3 may answer 200 and put the error in the body
            raise ClientError(f"CompleteMultipartUpload: {code}", status=response.status, code=code)
        return response.headers.get("etag", "")

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        self.call("DELETE", key_path(bucket, key), query={"uploadId": upload_id})


class _EmptyResponse(Exception):
    pass


def _readinto_exactly(rfile: io.BufferedReader, view: memoryview) -> None:
    done = 0
    total = len(view)
    while done < total:
        n = rfile.readinto(view[done:])
        if not n:
            raise ConnectionError("connection closed inside a response body")
        done += n


def _error_code(body: bytes) -> str:
    if not body or b"<Error" not in body[:512]:
        return ""
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode("utf-8", "replace") if match else "Error"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
