"""aws-chunked request bodies built by hand: signed chunks, signed chunks with a signed checksum
trailer, unsigned chunks with a trailer; the framing must never be stored as content
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("aws_chunked"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html"),
]

# 300 kB in 64 KiB chunks (the size the must-show names), distinct bytes per chunk.
CHUNKS = [bytes([0x61 + i]) * 65536 for i in range(4)] + [b"z" * (300_000 - 4 * 65536)]
CONTENT = b"".join(CHUNKS)


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _check_stored(s3: Any, bucket: str, key: str) -> None:
    got = s3.get_object(Bucket=bucket, Key=key)
    body = got["Body"].read()
    # Compare without pytest's diff of two 300 kB byte strings (difflib is quadratic on them).
    stored_exactly = body == CONTENT
    assert stored_exactly, f"aws-chunked framing stored as content ({len(body)} bytes, expected {len(CONTENT)})"
    assert got["ETag"] == '"' + hashlib.md5(CONTENT, usedforsecurity=False).hexdigest() + '"'
    assert "aws-chunked" not in (header(got, "content-encoding") or "")


def test_aws_chunked_signed_chunks_store_decoded_bytes(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.send(raw.signed_chunked(key_path(bucket, "signed"), CHUNKS))
    assert answer.status == 200, answer
    _check_stored(s3, bucket, "signed")


def test_aws_chunked_signed_chunks_with_signed_trailer(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.send(
        raw.signed_chunked(key_path(bucket, "trailer"), CHUNKS, trailer=("x-amz-checksum-crc32", _crc32(CONTENT)))
    )
    assert answer.status == 200, answer
    _check_stored(s3, bucket, "trailer")


def test_aws_chunked_unsigned_payload_trailer(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.send(
        raw.unsigned_trailer(key_path(bucket, "unsigned"), CHUNKS, ("x-amz-checksum-crc32", _crc32(CONTENT)))
    )
    assert answer.status == 200, answer
    _check_stored(s3, bucket, "unsigned")
    head = s3.head_object(Bucket=bucket, Key="unsigned", ChecksumMode="ENABLED")
    assert header(head, "x-amz-checksum-crc32") == _crc32(CONTENT)


def test_aws_chunked_wrong_trailer_checksum_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.send(raw.unsigned_trailer(key_path(bucket, "bad"), CHUNKS, ("x-amz-checksum-crc32", "AAAAAA==")))
    refused(answer, 400, "BadDigest", accepted="trailing checksum not checked: wrong trailer accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="bad")) == (404, None)


def test_aws_chunked_rejects_bad_chunk_signature(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    answer = raw.send(raw.signed_chunked(key_path(bucket, "k"), CHUNKS, corrupt_chunk=1))
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong chunk signature accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


def test_aws_chunked_single_empty_body(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.send(raw.signed_chunked(key_path(bucket, "empty"), []))
    assert answer.status == 200, answer
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b"" and got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
