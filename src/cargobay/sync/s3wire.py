"""Signed S3 requests without botocore, on keep-alive connections, one per thread: the S3-to-S3 data path.

This module owns how :mod:`cargobay.sync.s3stream` talks to the two stores of a migration. A small
object costs three requests (GET, GET ``?tagging``, PUT), and botocore's per-request machinery
(parameter validation, serialisation, event hooks, endpoint rules, response parsing) is about 1 ms
of CPU each under one interpreter lock, on a machine the two servers often share - more than the
requests cost the servers (profiled with py-spy in issue 16: 88% of the client's samples were in
botocore's request path). Here a request is signed by :mod:`cargobay.s3.signing` and sent on an
:mod:`http.client` connection kept per thread and host, to the endpoint, region, addressing and
credentials of a :class:`~cargobay.sync.s3spec.ListingSpec` (the same target the side's listing
uses).

* Header values are sent as given and signed in SigV4's trimmed form; callers send ASCII only
  (SigV4 hashes UTF-8, HTTP carries Latin-1; anything else is left to botocore).
* A body given as bytes is signed by its SHA-256; a streamed body (a file-like object with a
  known length) as ``UNSIGNED-PAYLOAD``, and the caller sends ``Content-MD5`` so the store still
  verifies what arrives.
* A reused connection that turns out closed is replaced once; other transport failures raise
  :class:`WireFailed`, whose ``response`` has the shape the executor's retry rule reads.
* A response abandoned before its end leaves bytes on its connection: :meth:`Wire.reset` closes
  the calling thread's connections.
"""

from __future__ import annotations

import hashlib
import http.client
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cargobay.errors import CargobayError
from cargobay.s3.signing import EMPTY_SHA256, authorization, canonical_query, encode_path

if TYPE_CHECKING:
    from cargobay.sync.s3 import ListingSpec

__all__ = ["UNSIGNED", "Wire", "WireFailed", "error_code"]

UNSIGNED = "UNSIGNED-PAYLOAD"
_BLOCK = 1 << 20  # http.client sends a file-like body in blocks of this size (default 8 KiB)


class WireFailed(CargobayError):
    """A request the server refused (``response`` has the shape the executor's retry rule reads,
    HTTP status and error code, as botocore's errors do), or that could not be sent or answered
    (no ``response``: a transport failure, which that rule retries). A CargobayError, so the CLI
    prints its one line instead of calling it a bug."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        if status is not None:
            self.response: dict[str, Any] = {"ResponseMetadata": {"HTTPStatusCode": status}, "Error": {"Code": code}}


def error_code(body: bytes) -> str:
    """The ``Code`` of an S3 error body ("" if it is not one)."""
    try:
        return ET.fromstring(body).findtext("Code") or ""
    except ET.ParseError:
        return ""


def refused(what: str, response: http.client.HTTPResponse) -> WireFailed:
    """The error for a non-success answer (its body is read here)."""
    code = error_code(response.read())
    return WireFailed(f"{what}: HTTP {response.status} {code}".strip(), status=response.status, code=code)


class Wire:
    """Signed requests to one endpoint (``spec``), one keep-alive connection per thread and host."""

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
                conn = http.client.HTTPSConnection(connect, self.port, timeout=60, context=context, blocksize=_BLOCK)
            else:
                conn = http.client.HTTPConnection(connect, self.port, timeout=60, blocksize=_BLOCK)
            conns[connect] = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def request(
        self,
        method: str,
        bucket: str,
        key: str,
        params: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: bytes | Any = b"",
        *,
        length: int | None = None,
    ) -> http.client.HTTPResponse:
        """Send one signed request; the response, its body not read yet.

        ``body``: bytes (signed by their SHA-256), or a file-like object of ``length`` bytes
        (sent as read, ``UNSIGNED-PAYLOAD``; not resent on a closed connection, since it was read).
        """
        connect, host, path = self._target(bucket)
        uri = encode_path(f"{path}/{key}")
        query = canonical_query(params)
        streamed = not isinstance(body, bytes)
        if streamed:
            sha, size = UNSIGNED, length
        else:
            sha, size = (hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256), len(body)
        for attempt in (0, 1):
            creds = self.spec.credentials()
            amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            send = {**(headers or {}), "x-amz-date": amz_date, "x-amz-content-sha256": sha}
            if creds.session_token:
                send["x-amz-security-token"] = creds.session_token
            if size or method in ("PUT", "POST"):
                send["Content-Length"] = str(size or 0)
            signed = {k.lower(): " ".join(v.split()) for k, v in send.items()}
            signed["host"] = host
            send["Authorization"] = authorization(
                method, uri, query, signed, sha, credentials=creds, region=self.spec.region, amz_date=amz_date
            )
            send["Host"] = host
            conn = self._connection(connect, fresh=attempt > 0)
            try:
                conn.request(method, f"{uri}?{query}" if query else uri, body=body or None, headers=send)
                return conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if attempt == 0 and not streamed:
                    continue
                raise WireFailed(f"{method} {host}/{bucket}/{key}: cannot reach the endpoint: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def reset(self) -> None:
        """Close the calling thread's connections (a response was abandoned before its end)."""
        for conn in self._local.__dict__.get("conns", {}).values():
            conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
