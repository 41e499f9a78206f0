"""A minimal HTTP/1.1 client connection for plain ``http://`` listing requests.

This module owns one thing: sending a request and reading its response over one keep-alive TCP
connection, for :mod:`cargobay.sync.s3list` talking to an ``http://`` endpoint. It exists for
start-up time only: :mod:`http.client` imports :mod:`ssl` and the :mod:`email` parser (about
10 ms, a twentieth of a no-change re-sync) even when no TLS is used. ``https://`` endpoints
keep using :mod:`http.client` (see :func:`cargobay.sync.s3list.ListingClient`).

It implements the part of RFC 9112 a client of a well-behaved server needs, strictly:

* a status line ``HTTP/1.x NNN reason``; header fields up to :data:`MAX_HEADER_BYTES` in all;
* a body framed by ``Transfer-Encoding: chunked`` (trailers are read and dropped), else by
  ``Content-Length``, else (HTTP/1.0 style) by the server closing the connection; no body for
  ``HEAD``, 1xx, 204 and 304;
* ``Connection: close`` (or HTTP/1.0 without keep-alive) ends reuse of the connection.

Anything else - a malformed status line, header or chunk size, a body cut short - is
:class:`HTTPProtocolError`, a :class:`ConnectionError`: the caller retries on a fresh
connection as for any broken connection. The same interface (``request``, ``getresponse``
with ``status`` and ``read()``, ``close``) as :class:`http.client.HTTPConnection`.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

__all__ = ["MAX_HEADER_BYTES", "HTTPProtocolError", "PlainHTTPConnection", "Response"]

MAX_HEADER_BYTES = 64 * 1024
_NO_BODY_STATUS = frozenset({204, 304})


class HTTPProtocolError(ConnectionError):
    """The server's answer is not the HTTP/1.1 this client understands (or was cut short)."""


class Response:
    """A response read whole: ``status``, ``headers`` (lower-case names) and the body."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def read(self) -> bytes:
        return self.body


class PlainHTTPConnection:
    """One TCP connection to ``host:port``, opened on the first request and reused after it."""

    def __init__(self, host: str, port: int | None = None, *, timeout: float | None = None) -> None:
        self.host = host
        self.port = 80 if port is None else port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = b""
        self._method = ""

    def request(self, method: str, url: str, body: None = None, headers: Mapping[str, str] | None = None) -> None:
        """Send ``method url`` with ``headers`` (no body). Raises :class:`OSError`."""
        if any(c in url for c in " \r\n") or any(c in method for c in " \r\n"):
            raise ValueError("method and URL must not contain spaces or line breaks")
        lines = [f"{method} {url} HTTP/1.1"]
        for name, value in (headers or {}).items():
            if any(c in name + value for c in "\r\n") or ":" in name:
                raise ValueError(f"invalid header {name!r}")
            lines.append(f"{name}: {value}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self._sock is None:
            # An ASCII host is passed as bytes: a str would be IDNA-encoded by getaddrinfo,
            # which imports the idna codec (and unicodedata) for nothing.
            host: str | bytes = self.host.encode("ascii") if self.host.isascii() else self.host
            sock = socket.create_connection((host, self.port), timeout=self.timeout)  # type: ignore[arg-type]
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock, self._buf = sock, b""
        self._method = method
        self._sock.sendall(data)

    def getresponse(self) -> Response:
        """Read the whole response to the last request; the connection stays open if allowed."""
        if self._sock is None:
            raise HTTPProtocolError("no request was sent")
        try:
            return self._read_response()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buf = b""

    # -------------------------------------------------------------------------- reading

    def _fill(self) -> bool:
        assert self._sock is not None
        data = self._sock.recv(65536)
        if not data:
            return False
        self._buf += data
        return True

    def _read_until(self, marker: bytes, limit: int) -> bytes:
        start = 0
        while True:
            at = self._buf.find(marker, start)
            if at > limit:
                raise HTTPProtocolError("response header section too large")
            if at >= 0:
                out, self._buf = self._buf[:at], self._buf[at + len(marker) :]
                return out
            if len(self._buf) > limit:
                raise HTTPProtocolError("response header section too large")
            start = max(0, len(self._buf) - len(marker) + 1)
            if not self._fill():
                raise HTTPProtocolError("connection closed in the middle of a response")

    def _read_exactly(self, n: int) -> bytes:
        while len(self._buf) < n:
            if not self._fill():
                raise HTTPProtocolError("connection closed in the middle of a response body")
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _read_response(self) -> Response:
        while True:
            head = self._read_until(b"\r\n\r\n", MAX_HEADER_BYTES)
            status_line, _, header_block = head.partition(b"\r\n")
            version, status, reason = _status_line(status_line)
            headers = _headers(header_block)
            if not 100 <= status < 200:
                break
            # An interim response (100 Continue): the real one follows.
        keep = version == "HTTP/1.1"
        connection = headers.get("connection", "").lower()
        if "close" in connection:
            keep = False
        elif "keep-alive" in connection:
            keep = True
        if self._method == "HEAD" or status in _NO_BODY_STATUS:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif "content-length" in headers:
            text = headers["content-length"]
            if not text.isdigit() or not text.isascii():
                raise HTTPProtocolError(f"bad Content-Length {text!r}")
            body = self._read_exactly(int(text))
        else:  # framed by the end of the connection
            while self._fill():
                pass
            body, self._buf = self._buf, b""
            keep = False
        if not keep:
            self.close()
        return Response(status, reason, headers, body)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self._read_until(b"\r\n", MAX_HEADER_BYTES)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HTTPProtocolError(f"bad chunk size {size_text!r}") from None
            if size < 0 or not size_text.isalnum():
                raise HTTPProtocolError(f"bad chunk size {size_text!r}")
            if size == 0:
                while self._read_until(b"\r\n", MAX_HEADER_BYTES):  # trailer fields, then a blank line
                    pass
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            if self._read_exactly(2) != b"\r\n":
                raise HTTPProtocolError("chunk not followed by CRLF")


def _status_line(line: bytes) -> tuple[str, int, str]:
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or parts[0] not in ("HTTP/1.1", "HTTP/1.0") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise HTTPProtocolError(f"bad status line {line[:100]!r}")
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    if not block:
        return out
    for raw in block.decode("latin-1").split("\r\n"):
        name, sep, value = raw.partition(":")
        if not sep or not name or name != name.strip() or raw[0] in " \t":
            raise HTTPProtocolError(f"bad header line {raw[:100]!r}")
        key = name.lower()
        value = value.strip(" \t")
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out
