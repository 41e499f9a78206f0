"""Small-object uploads without botocore: signed ``PutObject`` requests on keep-alive connections.

This module owns the fast path of a sync's uploads (issue 18): below the part size, a file is one
``PutObject``, and botocore's per-request machinery (parameter validation, serialisation, event
hooks, endpoint rules) costs about 1 ms of CPU per request under one interpreter lock, more than
the whole request costs the server. Here each transfer thread keeps its own
:class:`~cargobay.sync.s3.listing.ListingClient` connection (the same endpoint, addressing and
credentials the listing uses, so the fast path applies exactly where the listing's does) and
sends a request signed by :mod:`cargobay.s3.signing`:

* the payload is signed (``x-amz-content-sha256`` is the body's SHA-256, never
  ``UNSIGNED-PAYLOAD``), and ``Content-MD5`` is sent, so the server rejects a corrupted body;
* ``x-amz-meta-*`` carries the metadata (ASCII values, as the sync's metadata is);
* a connection reset on a reused keep-alive connection is retried once on a fresh one (the
  server may close an idle connection); every other failure raises :class:`PutFailed`, whose
  ``response`` has the shape the executor's retry rule reads (HTTP status and error code).

Multipart uploads, HEAD, GET, copies and deletes stay with botocore.
"""

from __future__ import annotations

import base64
import hashlib
import threading

from cargobay.sync.s3.listing import ListingClient, _error_code
from cargobay.sync.s3.spec import ListingSpec

__all__ = ["PutClient", "PutFailed"]


class PutFailed(Exception):
    """A PutObject the server refused, or that could not be sent."""

    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.response: dict[str, dict[str, int | str]] = {
            "ResponseMetadata": {"HTTPStatusCode": status},
            "Error": {"Code": code},
        }


class PutClient:
    """Signed single-request uploads to ``spec``'s endpoint, one keep-alive connection per thread."""

    def __init__(self, spec: ListingSpec) -> None:
        self.spec = spec
        self._local = threading.local()
        self._all: list[ListingClient] = []
        self._lock = threading.Lock()

    def _client(self) -> ListingClient:
        client: ListingClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self.spec.open()
            self._local.client = client
            with self._lock:
                self._all.append(client)
        return client

    def put(self, bucket: str, key: str, body: bytes, *, md5_hex: str, metadata: dict[str, str]) -> str:
        """Store ``body`` under ``key``; the ETag the server answered, unquoted."""
        headers = {
            "Content-MD5": base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii"),
            "Content-Length": str(len(body)),
            **{f"x-amz-meta-{name.lower()}": value for name, value in metadata.items()},
        }
        sha256 = hashlib.sha256(body).hexdigest()
        client = self._client()
        for attempt in (0, 1):
            try:
                status, etag, answer = client.send_with_body("PUT", bucket, key, headers, body, sha256)
            except OSError as exc:  # a reset keep-alive connection, HTTPProtocolError, a timeout
                client.close()
                if attempt == 0:
                    continue
                raise PutFailed(f"PutObject {key}: {type(exc).__name__}: {exc}") from None
            if status == 200:
                return etag.strip('"')
            code = _error_code(answer)
            if status >= 500:
                client.close()
            raise PutFailed(f"PutObject {key}: HTTP {status} {code}".strip(), status=status, code=code)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            clients, self._all = self._all, []
        for client in clients:
            client.close()
