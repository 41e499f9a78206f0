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


# sigv4-streaming.html: "The chunk size must be at least 8 KB ... This chunk size applies to all
# chunks except the last one. The last chunk you send can be smaller than 8 KB." S3 answers a
# smaller chunk that is not the last with 403 InvalidChunkSizeError, "Only the last chunk is allowed
# to have a size less than 8192 bytes", naming <Chunk> and <BadChunkSize> (HTTP 403 in
# aws/aws-sdk-cpp#2727 and #3132; the elements as AWS wrote them for chunks of 3 and 2 bytes,
# Chunk 2 and BadChunkSize 3, in versity/versitygw#1683). The rule holds for unsigned chunks too
# (aws-sdk-cpp#3132 sent STREAMING-UNSIGNED-PAYLOAD-TRAILER).
SMALL_FIRST = [b"s" * 1000, b"t" * 9000]


def _crc32_trailer(chunks: list[bytes]) -> tuple[str, str]:
    return ("x-amz-checksum-crc32", _crc32(b"".join(chunks)))


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned-trailer"])
def test_aws_chunked_rejects_chunk_under_8_kib_that_is_not_the_last_with_403(
    raw: RawS3, s3: Any, bucket: str, signed: bool
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    path = key_path(bucket, "k")
    request = (
        raw.signed_chunked(path, SMALL_FIRST)
        if signed
        else raw.unsigned_trailer(path, SMALL_FIRST, _crc32_trailer(SMALL_FIRST))
    )
    answer = raw.send(request)
    refused(answer, 403, "InvalidChunkSizeError", accepted="a 1000-byte chunk before the last accepted")
    root = answer.xml()
    assert (root.findtext("Chunk"), root.findtext("BadChunkSize")) == ("2", "1000"), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned-trailer"])
def test_aws_chunked_last_chunk_under_8_kib_and_chunks_of_exactly_8_kib_are_accepted(
    raw: RawS3, s3: Any, bucket: str, signed: bool
) -> None:
    chunks = [b"a" * 8192, b"b" * 8192, b"c" * 17]
    path = key_path(bucket, "k")
    request = raw.signed_chunked(path, chunks) if signed else raw.unsigned_trailer(path, chunks, _crc32_trailer(chunks))
    answer = raw.send(request)
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"".join(chunks)


def test_aws_chunked_rejects_bad_signature_of_the_final_chunk(raw: RawS3, s3: Any, bucket: str) -> None:
    """The final zero-length chunk is signed like the others (sigv4-streaming.html): a wrong
    signature there is 403 SignatureDoesNotMatch, though every byte of data checked out."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    answer = raw.send(raw.signed_chunked(key_path(bucket, "k"), CHUNKS, corrupt_chunk=len(CHUNKS)))
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature of the final chunk accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html")
def test_aws_chunked_rejects_bad_trailer_signature(raw: RawS3, s3: Any, bucket: str) -> None:
    """sigv4-streaming-trailers.html: the trailing headers are signed by x-amz-trailer-signature,
    chained to the final chunk's signature; a wrong one is 403 SignatureDoesNotMatch and the
    checksum it would vouch for stores nothing."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    signed = raw.signed_chunked(key_path(bucket, "k"), CHUNKS, trailer=("x-amz-checksum-crc32", _crc32(CONTENT)))
    at = signed.body.rindex(b"x-amz-trailer-signature:") + len(b"x-amz-trailer-signature:")
    flipped = b"1" if signed.body[at : at + 1] != b"1" else b"2"
    signed.body = signed.body[:at] + flipped + signed.body[at + 1 :]
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong trailer signature accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.parametrize("how", ["size-not-hex", "final-chunk-missing"])
def test_aws_chunked_rejects_broken_framing_with_a_4xx_and_stores_nothing(
    raw: RawS3, s3: Any, bucket: str, how: str
) -> None:
    """sigv4-streaming.html: each chunk starts with its size in hexadecimal and the body ends with a
    zero-length chunk. A size that is not hex, or a body that stops before the final chunk, is
    refused with a 4xx S3 error (the pages name no code), never a 500, and the object stays."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    chunks = [b"a" * 9000]
    signed = raw.signed_chunked(key_path(bucket, "k"), chunks)
    if how == "size-not-hex":
        size = f"{len(chunks[0]):x}".encode()
        signed.body = signed.body.replace(size, b"z" * len(size), 1)
    else:
        # The data chunk, then the body ends. Content-Length is signed: sign the shorter one.
        data_frame = len(signed.body) - len(b"0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n")
        headers = {k: v for k, v in signed.headers.items() if k in ("content-encoding", "x-amz-decoded-content-length")}
        headers["content-length"] = str(data_frame)
        resigned = raw.sign_v4(
            "PUT", key_path(bucket, "k"), headers=headers, payload_hash=signed.headers["x-amz-content-sha256"]
        )
        resigned.body = raw._signed_frames(chunks, resigned.signature, resigned, None, None)[:data_frame]
        signed = resigned
    answer = raw.send(signed)
    assert 400 <= answer.status < 500 and answer.code is not None, answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_aws_chunked_rejects_decoded_content_length_not_a_number_with_411(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    """x-amz-decoded-content-length is the payload's length in bytes (sigv4-streaming.html); one that
    is not a number is 411 MissingContentLength, "You must provide the Content-Length HTTP header.",
    as S3 answers it (versity/versitygw#1656), and nothing is stored."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    answer = raw.send(
        raw.signed_chunked(key_path(bucket, "k"), CHUNKS, headers={"x-amz-decoded-content-length": value})
    )
    refused(answer, 411, "MissingContentLength", accepted=f"x-amz-decoded-content-length: {value} accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
@pytest.mark.parametrize("delta", [-1, 1], ids=["declared-shorter", "declared-longer"])
def test_aws_chunked_decoded_length_mismatch_names_both_counts(raw: RawS3, s3: Any, bucket: str, delta: int) -> None:
    """A signed stream whose payload is not x-amz-decoded-content-length bytes is 400 IncompleteBody
    naming <NumberBytesExpected> (the declared length) and <NumberBytesProvided> (the payload's), as
    S3 answered 3 and 5 for "hello" declared as 3 bytes (versity/versitygw#1684)."""
    declared = len(CONTENT) + delta
    signed = raw.signed_chunked(key_path(bucket, "k"), CHUNKS, headers={"x-amz-decoded-content-length": str(declared)})
    answer = raw.send(signed)
    refused(answer, 400, "IncompleteBody", accepted="payload of another length than declared accepted")
    root = answer.xml()
    assert (root.findtext("NumberBytesExpected"), root.findtext("NumberBytesProvided")) == (
        str(declared),
        str(len(CONTENT)),
    ), answer


def test_aws_chunked_without_content_length_is_411_missing_content_length(raw: RawS3, s3: Any, bucket: str) -> None:
    """sigv4-streaming.html: a chunked upload gives its total length in Content-Length (or sends
    Transfer-Encoding); a streaming PUT with neither is 411 MissingContentLength, as S3 answers it
    (versity/versitygw#1043), and nothing is stored."""
    signed = raw.sign_v4(
        "PUT",
        key_path(bucket, "k"),
        headers={"content-encoding": "aws-chunked", "x-amz-decoded-content-length": "9000"},
        payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    )
    answer = raw.send(signed, add_length=False, timeout=20)
    refused(answer, 411, "MissingContentLength", accepted="streaming PUT without Content-Length accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)
