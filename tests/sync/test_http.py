"""The listing's plain-HTTP connection (:mod:`cargobay.sync._http`) against a scripted server.

Each test server accepts connections on 127.0.0.1 and answers every request it reads with the
next canned response, byte for byte, so framing (Content-Length, chunked, close-delimited),
keep-alive reuse and every malformed answer can be produced exactly.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.sync._http import MAX_HEADER_BYTES, HTTPProtocolError, PlainHTTPConnection


class Scripted:
    """Serves ``responses`` in order, one per request read (a request ends at a blank line)."""

    def __init__(self, responses: list[bytes], *, close_after_each: bool = False) -> None:
        self.responses = list(responses)
        self.close_after_each = close_after_each
        self.requests: list[bytes] = []
        self.accepted = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.responses:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            with conn:
                buf = b""
                while self.responses:
                    while b"\r\n\r\n" not in buf:
                        data = conn.recv(65536)
                        if not data:
                            break
                        buf += data
                    if b"\r\n\r\n" not in buf:
                        break
                    request, _, buf = buf.partition(b"\r\n\r\n")
                    self.requests.append(request)
                    conn.sendall(self.responses.pop(0))
                    if self.close_after_each:
                        break

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def scripted() -> Iterator[list[Scripted]]:
    made: list[Scripted] = []
    yield made
    for s in made:
        s.close()


def serve(made: list[Scripted], responses: list[bytes], **kw: bool) -> PlainHTTPConnection:
    s = Scripted(responses, **kw)
    made.append(s)
    return PlainHTTPConnection("127.0.0.1", s.port, timeout=5)


def get(conn: PlainHTTPConnection, url: str = "/b?list-type=2") -> tuple[int, bytes]:
    conn.request("GET", url, headers={"Host": "h", "X-Amz-Date": "20240101T000000Z"})
    r = conn.getresponse()
    return r.status, r.read()


def test_content_length_bodies_on_one_kept_alive_connection(scripted: list[Scripted]) -> None:
    conn = serve(scripted, [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                            b"HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnop"])
    assert get(conn) == (200, b"hello")
    assert get(conn, "/b?x=1") == (404, b"nop")
    conn.close()
    assert scripted[0].accepted == 1
    assert scripted[0].requests[0].split(b"\r\n")[:2] == [b"GET /b?list-type=2 HTTP/1.1", b"Host: h"]


def test_chunked_body_with_extensions_and_trailers(scripted: list[Scripted]) -> None:
    body = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: y\r\n\r\n")
    conn = serve(scripted, [body, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
    assert get(conn) == (200, b"Wikipedia in\r\n\r\nchunks.")
    assert get(conn) == (200, b"")  # the connection is still in step after the trailers
    conn.close()
    assert scripted[0].accepted == 1


def test_connection_close_and_close_delimited_bodies_reconnect(scripted: list[Scripted]) -> None:
    conn = serve(scripted, [b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                            b"HTTP/1.0 200 OK\r\n\r\nuntil the end"], close_after_each=True)
    assert get(conn) == (200, b"ok")
    assert get(conn) == (200, b"until the end")
    conn.close()
    assert scripted[0].accepted == 2


def test_interim_100_continue_is_skipped(scripted: list[Scripted]) -> None:
    conn = serve(scripted, [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"])
    assert get(conn) == (200, b"x")
    conn.close()


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES + 10) + b"\r\n\r\n",
    ],
    ids=["version", "status", "garbage", "short-body", "bad-length", "no-colon", "folded", "bad-chunk",
         "chunk-crlf", "cut-chunk", "huge-header"],
)
def test_malformed_or_cut_responses_are_connection_errors(scripted: list[Scripted], response: bytes) -> None:
    conn = serve(scripted, [response], close_after_each=True)
    with pytest.raises(HTTPProtocolError):
        get(conn)
    assert conn._sock is None  # closed: the next request starts a fresh connection


def test_header_injection_is_refused_before_anything_is_sent() -> None:
    conn = PlainHTTPConnection("127.0.0.1", 9, timeout=1)
    with pytest.raises(ValueError):
        conn.request("GET", "/a b")
    with pytest.raises(ValueError):
        conn.request("GET", "/", headers={"X": "a\r\nEvil: 1"})
    assert conn._sock is None


@given(body=st.binary(max_size=3000), cuts=st.lists(st.integers(min_value=1, max_value=700), max_size=8))
def test_any_body_in_any_chunking_reads_back_whole(body: bytes, cuts: list[int]) -> None:
    chunks, rest = [], body
    for n in cuts:
        if rest:
            chunks.append(rest[:n])
            rest = rest[n:]
    if rest:
        chunks.append(rest)
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    wire += b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    plain = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    s = Scripted([wire, plain])
    try:
        conn = PlainHTTPConnection("127.0.0.1", s.port, timeout=5)
        assert get(conn) == (200, body)
        assert get(conn) == (200, body)
        conn.close()
    finally:
        s.close()
