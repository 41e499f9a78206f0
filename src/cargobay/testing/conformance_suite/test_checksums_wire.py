"""Checksums as current AWS SDKs send them (boto3 >= 1.36 and the other SDKs since early 2025 send
one on every upload): x-amz-sdk-checksum-algorithm and the checksum it announces, checksums sent
as aws-chunked trailers for every algorithm (CRC64NVME, the new default, among them), a trailer
that is missing or names another algorithm, an x-amz-decoded-content-length that does not match,
and UploadPart with a checksum of another algorithm than its upload's.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-sdk-checksum-algorithm),
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Sequence
from typing import Any

import pytest
from awscrt import checksums as crt

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, Response, key_path

pytestmark = [
    pytest.mark.s3_requires("checksums"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html"),
]

ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")
CHUNKS = [b"a" * 8192, b"b" * 8192, b"tail"]
CONTENT = b"".join(CHUNKS)


def checksum(algorithm: str, data: bytes) -> str:
    """base64 of the big-endian digest, AWS's encoding (computed here, not by the server's code)."""
    if algorithm == "crc32":
        digest = zlib.crc32(data).to_bytes(4, "big")
    elif algorithm == "crc32c":
        digest = crt.crc32c(data).to_bytes(4, "big")
    elif algorithm == "crc64nvme":
        digest = crt.crc64nvme(data).to_bytes(8, "big")
    else:
        digest = hashlib.new(algorithm, data).digest()
    return base64.b64encode(digest).decode()


def unsigned_trailer_request(
    raw: RawS3,
    path: str,
    chunks: Sequence[bytes],
    announced: str,
    trailer_lines: Sequence[str],
    *,
    params: Sequence[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
    decoded_length: int | None = None,
) -> Response:
    """A STREAMING-UNSIGNED-PAYLOAD-TRAILER PUT (what SDKs send over HTTPS) announcing ``announced`` in
    x-amz-trailer and ending with exactly ``trailer_lines`` (none: a missing trailer)."""
    body = bytearray()
    for data in chunks:
        body += f"{len(data):x}\r\n".encode() + data + b"\r\n"
    body += b"0\r\n" + b"".join(line.encode() + b"\r\n" for line in trailer_lines) + b"\r\n"
    total = sum(len(c) for c in chunks) if decoded_length is None else decoded_length
    sent = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(total),
        "x-amz-trailer": announced,
        "content-length": str(len(body)),
        **(headers or {}),
    }
    signed = raw.sign_v4("PUT", path, params, headers=sent, payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    signed.body = bytes(body)
    return raw.send(signed)


def _nothing_at(s3: Any, bucket: str, key: str) -> None:
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key)) == (404, None), "a refused PUT wrote the object"


# -- x-amz-sdk-checksum-algorithm ---------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_sdk_checksum_algorithm_without_its_checksum_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutObject.html, x-amz-sdk-checksum-algorithm: "When you send this header, there must be a
    corresponding x-amz-checksum-algorithm or x-amz-trailer header sent. Otherwise, Amazon S3 fails
    the request with the HTTP status code 400 Bad Request." (The page names no error code.)"""
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"x-amz-sdk-checksum-algorithm": "CRC32"}, body=b"hello")
    assert answer.status == 400, answer
    _nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
@pytest.mark.parametrize("sent", ["crc32c", "sha256", "crc64nvme"])
def test_sdk_checksum_algorithm_other_than_the_checksum_header_is_400_bad_digest(
    raw: RawS3, s3: Any, bucket: str, sent: str
) -> None:
    """API_PutObject.html, x-amz-sdk-checksum-algorithm: "If the individual checksum value you provide
    through x-amz-checksum-algorithm doesn't match the checksum algorithm you set through
    x-amz-sdk-checksum-algorithm, Amazon S3 fails the request with a BadDigest error", even when the
    checksum sent is right for the body."""
    headers = {"x-amz-sdk-checksum-algorithm": "CRC32", f"x-amz-checksum-{sent}": checksum(sent, b"hello")}
    answer = raw.request("PUT", key_path(bucket, "k"), headers=headers, body=b"hello")
    refused(answer, 400, "BadDigest", accepted="x-amz-sdk-checksum-algorithm naming another algorithm accepted")
    _nothing_at(s3, bucket, "k")


@pytest.mark.s3_requires("aws_chunked")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_sdk_checksum_algorithm_other_than_the_trailer_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    """The same rule for a checksum sent as a trailer: x-amz-sdk-checksum-algorithm CRC32 with a
    (correct) CRC32C trailer is BadDigest."""
    name = "x-amz-checksum-crc32c"
    answer = unsigned_trailer_request(
        raw,
        key_path(bucket, "k"),
        CHUNKS,
        name,
        [f"{name}:{checksum('crc32c', CONTENT)}"],
        headers={"x-amz-sdk-checksum-algorithm": "CRC32"},
    )
    refused(answer, 400, "BadDigest", accepted="x-amz-sdk-checksum-algorithm naming another algorithm accepted")
    _nothing_at(s3, bucket, "k")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sdk_checksum_algorithm_with_its_checksum_is_accepted(raw: RawS3, s3: Any, bucket: str, algorithm: str) -> None:
    """What every current SDK sends: x-amz-sdk-checksum-algorithm (upper case) and the checksum it
    names; the answer carries the checksum, and HEAD in checksum mode returns it."""
    name = f"x-amz-checksum-{algorithm}"
    value = checksum(algorithm, b"hello")
    headers = {"x-amz-sdk-checksum-algorithm": algorithm.upper(), name: value}
    answer = raw.request("PUT", key_path(bucket, "k"), headers=headers, body=b"hello")
    assert (answer.status, answer.headers.get(name)) == (200, value), answer
    head = raw.request("HEAD", key_path(bucket, "k"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert head.headers.get(name) == value


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
@pytest.mark.parametrize(
    "headers",
    [
        {"x-amz-checksum-crc32": checksum("crc32", b"hello"), "x-amz-checksum-sha256": checksum("sha256", b"hello")},
        {"x-amz-checksum-crc32": "not base64!"},
        {"x-amz-sdk-checksum-algorithm": "MD5", "x-amz-checksum-crc32": checksum("crc32", b"hello")},
    ],
    ids=["two-checksums", "not-base64", "unknown-sdk-algorithm"],
)
def test_malformed_checksum_headers_are_400_invalid_request(
    raw: RawS3, s3: Any, bucket: str, headers: dict[str, str]
) -> None:
    """A request carries one checksum (AWS: "Expecting a single x-amz-checksum- header"), base64 of its
    digest, and an x-amz-sdk-checksum-algorithm among "CRC32 | CRC32C | SHA1 | SHA256 | CRC64NVME"
    (API_PutObject.html, Valid Values); anything else is 400 InvalidRequest and writes nothing."""
    answer = raw.request("PUT", key_path(bucket, "k"), headers=headers, body=b"hello")
    refused(answer, 400, "InvalidRequest", accepted="malformed checksum headers accepted")
    _nothing_at(s3, bucket, "k")


# -- trailers -----------------------------------------------------------------------------------


@pytest.mark.s3_requires("aws_chunked")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_unsigned_trailer_of_each_algorithm_is_verified_and_kept(
    raw: RawS3, s3: Any, bucket: str, algorithm: str
) -> None:
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER with a trailing checksum of each algorithm S3 supports
    (CRC64NVME, the SDKs' new default, among them): the object is the decoded bytes, PutObject
    answers with the checksum, and HEAD in checksum mode returns it as a FULL_OBJECT checksum."""
    name = f"x-amz-checksum-{algorithm}"
    value = checksum(algorithm, CONTENT)
    answer = unsigned_trailer_request(
        raw,
        key_path(bucket, "k"),
        CHUNKS,
        name,
        [f"{name}:{value}"],
        headers={"x-amz-sdk-checksum-algorithm": algorithm.upper()},
    )
    assert (answer.status, answer.headers.get(name)) == (200, value), answer
    got = raw.request("GET", key_path(bucket, "k"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert got.body == CONTENT, f"{len(got.body)} bytes stored, {len(CONTENT)} sent"
    assert (got.headers.get(name), got.headers.get("x-amz-checksum-type")) == (value, "FULL_OBJECT")


@pytest.mark.s3_requires("aws_chunked")
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("algorithm", ["crc64nvme", "sha256", "crc32c"])
def test_wrong_trailer_checksum_is_400_bad_digest(
    raw: RawS3, s3: Any, bucket: str, algorithm: str, signed: bool
) -> None:
    """A trailing checksum that does not match the body is BadDigest (as one sent as a header), for a
    signed trailer too (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the trailer's signature is right,
    its value is not); the previous object stays."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    name = f"x-amz-checksum-{algorithm}"
    wrong = checksum(algorithm, CONTENT + b"!")
    if signed:
        answer = raw.send(raw.signed_chunked(key_path(bucket, "k"), CHUNKS, trailer=(name, wrong)))
    else:
        answer = unsigned_trailer_request(raw, key_path(bucket, "k"), CHUNKS, name, [f"{name}:{wrong}"])
    refused(answer, 400, "BadDigest", accepted="wrong trailing checksum accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.s3_requires("aws_chunked")
@pytest.mark.parametrize("algorithm", ["crc64nvme", "sha1"])
def test_signed_trailer_of_each_algorithm_is_kept(raw: RawS3, s3: Any, bucket: str, algorithm: str) -> None:
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with a signed checksum trailer: stored and returned."""
    name = f"x-amz-checksum-{algorithm}"
    value = checksum(algorithm, CONTENT)
    answer = raw.send(raw.signed_chunked(key_path(bucket, "k"), CHUNKS, trailer=(name, value)))
    assert answer.status == 200, answer
    head = raw.request("HEAD", key_path(bucket, "k"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert (head.headers.get(name), head.headers.get("content-length")) == (value, str(len(CONTENT)))


@pytest.mark.s3_requires("aws_chunked")
@pytest.mark.parametrize(
    "lines",
    [[], ["x-amz-checksum-crc32c:{crc32c}"], ["x-amz-checksum-crc32:"]],
    ids=["missing", "another-algorithm", "empty-value"],
)
def test_trailer_announced_but_not_sent_is_400(raw: RawS3, s3: Any, bucket: str, lines: list[str]) -> None:
    """x-amz-trailer announces x-amz-checksum-crc32; the body ends without it, with a (correct) CRC32C
    trailer instead, or with an empty value. The checksum announced cannot be verified: a 400 (the
    pages name no code for this case), never an object stored unchecked; the previous one stays."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    sent = [line.format(crc32c=checksum("crc32c", CONTENT)) for line in lines]
    answer = unsigned_trailer_request(raw, key_path(bucket, "k"), CHUNKS, "x-amz-checksum-crc32", sent)
    assert answer.status == 400, answer
    assert answer.code is not None, answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.s3_requires("aws_chunked")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html")
@pytest.mark.parametrize("delta", [1, -1], ids=["declared-longer", "declared-shorter"])
def test_decoded_content_length_other_than_the_payload_is_400(raw: RawS3, s3: Any, bucket: str, delta: int) -> None:
    """x-amz-decoded-content-length is the payload's length; a body that decodes to more or fewer
    bytes is refused (400; IncompleteBody when fewer bytes came than declared, ErrorResponses.html)
    and nothing is stored."""
    value = checksum("crc32", CONTENT)
    answer = unsigned_trailer_request(
        raw,
        key_path(bucket, "k"),
        CHUNKS,
        "x-amz-checksum-crc32",
        [f"x-amz-checksum-crc32:{value}"],
        decoded_length=len(CONTENT) + delta,
    )
    assert answer.status == 400, answer
    if delta > 0:
        assert answer.code == "IncompleteBody", answer
    _nothing_at(s3, bucket, "k")


# -- UploadPart ----------------------------------------------------------------------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html")
@pytest.mark.parametrize("how", ["header", "trailer"])
def test_upload_part_checksum_of_another_algorithm_than_the_upload_is_400(
    raw: RawS3, s3: Any, bucket: str, how: str
) -> None:
    """API_UploadPart.html, x-amz-sdk-checksum-algorithm: "This checksum algorithm must be the same for
    all parts and it match the checksum value supplied in the CreateMultipartUpload request." A part
    of a SHA256 upload sent with a (correct) CRC32 checksum is refused with a 400 and not stored."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
    params = [("partNumber", "1"), ("uploadId", upload)]
    name, value = "x-amz-checksum-crc32", checksum("crc32", CONTENT)
    sdk = {"x-amz-sdk-checksum-algorithm": "CRC32"}
    try:
        if how == "header":
            answer = raw.request("PUT", key_path(bucket, "mp"), params, headers={**sdk, name: value}, body=CONTENT)
        else:
            answer = unsigned_trailer_request(
                raw, key_path(bucket, "mp"), CHUNKS, name, [f"{name}:{value}"], params=params, headers=sdk
            )
        assert answer.status == 400, answer
        assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("multipart", "aws_chunked")
def test_upload_part_with_a_crc64nvme_trailer_completes_a_full_object_upload(raw: RawS3, s3: Any, bucket: str) -> None:
    """The flow of an SDK with its CRC64NVME default: CreateMultipartUpload with CRC64NVME, each part
    with a CRC64NVME trailer. Each UploadPart answers with the part's checksum; the object's checksum
    is the CRC64NVME of the whole object (FULL_OBJECT, no "-N" suffix) on the completion and on GET
    in checksum mode."""
    parts = [b"p" * (5 << 20), b"last part"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC64NVME")["UploadId"]
    name = "x-amz-checksum-crc64nvme"
    listed = []
    for number, data in enumerate(parts, 1):
        value = checksum("crc64nvme", data)
        pieces = [data[i : i + 65536] for i in range(0, len(data), 65536)]
        answer = unsigned_trailer_request(
            raw,
            key_path(bucket, "mp"),
            pieces,
            name,
            [f"{name}:{value}"],
            params=[("partNumber", str(number)), ("uploadId", upload)],
            headers={"x-amz-sdk-checksum-algorithm": "CRC64NVME"},
        )
        assert (answer.status, answer.headers.get(name)) == (200, value), answer
        listed.append({"PartNumber": number, "ETag": answer.headers["etag"], "ChecksumCRC64NVME": value})
    whole = checksum("crc64nvme", b"".join(parts))
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": listed})
    assert (done.get("ChecksumCRC64NVME"), done.get("ChecksumType")) == (whole, "FULL_OBJECT")
    got = s3.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    got["Body"].close()
    assert (got.get("ChecksumCRC64NVME"), got.get("ChecksumType")) == (whole, "FULL_OBJECT")


# -- the default checksum --------------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
@pytest.mark.parametrize("with_md5", [False, True], ids=["nothing", "content-md5"])
def test_put_without_a_checksum_gets_the_default_crc64nvme(raw: RawS3, s3: Any, bucket: str, with_md5: bool) -> None:
    """API_PutObject.html, response x-amz-checksum-crc64nvme: "This header is present if the object was
    uploaded with the CRC64NVME checksum algorithm, or if it was uploaded without a checksum (and
    Amazon S3 added the default checksum, CRC64NVME, to the uploaded object)" (API_Checksum.html
    likewise). A PUT with no x-amz-checksum-* (a Content-MD5 is not one) answers the CRC64NVME of its
    body, FULL_OBJECT, and HEAD in checksum mode and GetObjectAttributes return it."""
    value = checksum("crc64nvme", b"hello")
    headers = {"content-md5": base64.b64encode(hashlib.md5(b"hello").digest()).decode()} if with_md5 else {}
    answer = raw.request("PUT", key_path(bucket, "k"), headers=headers, body=b"hello")
    assert answer.status == 200, answer
    assert (answer.headers.get("x-amz-checksum-crc64nvme"), answer.headers.get("x-amz-checksum-type")) == (
        value,
        "FULL_OBJECT",
    )
    head = raw.request("HEAD", key_path(bucket, "k"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert (head.headers.get("x-amz-checksum-crc64nvme"), head.headers.get("x-amz-checksum-type")) == (
        value,
        "FULL_OBJECT",
    )
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Checksum"])["Checksum"]
    assert (got.get("ChecksumCRC64NVME"), got.get("ChecksumType")) == (value, "FULL_OBJECT")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_Checksum.html")
def test_post_object_gets_the_default_crc64nvme(s3_endpoint: Any, raw: RawS3, s3: Any, bucket: str) -> None:
    """An object uploaded with a browser form (POST) carries no checksum either: it gets the default
    CRC64NVME too (API_Checksum.html: "if the object was uploaded without a checksum (and Amazon S3
    added the default checksum, CRC64NVME, to the uploaded object)")."""
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    status, body = form_post(url, bucket, signed_fields(s3, bucket, "form", {}, []), b"posted")
    assert status == 204, (status, body[:300])
    head = raw.request("HEAD", key_path(bucket, "form"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert (head.headers.get("x-amz-checksum-crc64nvme"), head.headers.get("x-amz-checksum-type")) == (
        checksum("crc64nvme", b"posted"),
        "FULL_OBJECT",
    )
