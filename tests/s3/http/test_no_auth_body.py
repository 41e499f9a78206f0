"""A server run without authentication (``serve --no-auth``) still frames and checks bodies as the
headers announce: authentication then returns an unverified result whose framing and payload hash
the body path acts on (tests/s3/auth/test_framing.py has the rule; this is the server using it).

Wire formats: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html; the payload hash:
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (x-amz-content-sha256).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.conformance_suite._http import RawS3, key_path
from cargobay.testing.servers import InProcessServer

BUCKET = "noauth"
CHUNKS = [b"a" * 70_000, b"b" * 1000]
CONTENT = b"".join(CHUNKS)


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer(auth=False) as srv:
        boto3_client(srv.endpoint).create_bucket(Bucket=BUCKET)
        yield srv
        assert srv.running.services.internal_errors == 0


@pytest.fixture
def raw(server: InProcessServer) -> RawS3:
    return RawS3(server.endpoint)


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_no_auth_unsigned_trailer_body_is_decoded(raw: RawS3, server: InProcessServer) -> None:
    answer = raw.send(raw.unsigned_trailer(key_path(BUCKET, "t"), CHUNKS, ("x-amz-checksum-crc32", _crc32(CONTENT))))
    assert answer.status == 200, answer
    got = boto3_client(server.endpoint).get_object(Bucket=BUCKET, Key="t")
    assert got["Body"].read() == CONTENT


def test_no_auth_unsigned_trailer_wrong_checksum_is_bad_digest(raw: RawS3) -> None:
    answer = raw.send(raw.unsigned_trailer(key_path(BUCKET, "bad"), CHUNKS, ("x-amz-checksum-crc32", "AAAAAA==")))
    assert (answer.status, answer.code) == (400, "BadDigest"), answer


def test_no_auth_content_encoding_aws_chunked_alone_is_decoded(raw: RawS3, server: InProcessServer) -> None:
    framed = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in CHUNKS) + b"0\r\n\r\n"
    answer = raw.request(
        "PUT",
        key_path(BUCKET, "enc"),
        body=framed,
        payload_hash="UNSIGNED-PAYLOAD",
        headers={"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(CONTENT))},
    )
    assert answer.status == 200, answer
    assert boto3_client(server.endpoint).get_object(Bucket=BUCKET, Key="enc")["Body"].read() == CONTENT


def test_no_auth_payload_hash_mismatch_is_refused(raw: RawS3) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    answer = raw.request("PUT", key_path(BUCKET, "sha"), body=b"body", payload_hash=wrong)
    assert (answer.status, answer.code) == (400, "XAmzContentSHA256Mismatch"), answer
