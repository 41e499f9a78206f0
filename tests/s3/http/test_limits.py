"""Request limits answer with the S3 error AWS gives: oversized headers, oversized XML bodies,
and clients that stop sending in the middle of a body."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer(idle_timeout=1.0, auth=False) as srv:
        boto3_client(srv.endpoint).create_bucket(Bucket="limits")
        yield srv
        assert srv.running.services.internal_errors == 0


def _exchange(server: InProcessServer, request: bytes) -> bytes:
    """Send a raw request (never half-closing: a server may take EOF for a client that left)."""
    with socket.create_connection(("127.0.0.1", server.running.port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
            if b"</Error>" in b"".join(chunks):
                break
        return b"".join(chunks)


def test_header_section_over_8_kib_is_request_header_section_too_large(server: InProcessServer) -> None:
    request = (
        b"GET /limits/k HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"x-amz-meta-pad: "
        + b"a" * 9000
        + b"\r\nConnection: close\r\n\r\n"
    )
    answer = _exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 400") and b"<Code>RequestHeaderSectionTooLarge</Code>" in answer


def test_xml_body_over_limit_is_max_message_length_exceeded(server: InProcessServer) -> None:
    body = b"<Delete>" + b"<Object><Key>k</Key></Object>" * 100_000 + b"</Delete>"
    request = (
        b"POST /limits?delete HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-MD5: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )
    answer = _exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 400") and b"<Code>MaxMessageLengthExceeded</Code>" in answer


@pytest.mark.parametrize("size", [100, 5 << 20], ids=["small-body", "streamed-body"])
def test_client_that_stalls_mid_body_gets_request_timeout_and_nothing_is_stored(
    server: InProcessServer, size: int
) -> None:
    request = (
        b"PUT /limits/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
        + str(size).encode()
        + b"\r\n\r\n"
        + b"x" * 10
    )
    answer = _exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 400") and b"<Code>RequestTimeout</Code>" in answer
    listing = boto3_client(server.endpoint).list_objects_v2(Bucket="limits")
    assert listing.get("KeyCount", 0) == 0
