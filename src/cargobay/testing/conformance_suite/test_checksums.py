"""Integrity on upload: Content-MD5 (BadDigest / InvalidDigest), x-amz-checksum-* (each
algorithm, stored and returned in checksum mode), and a failed PUT never touching the old object."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("checksums"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html"),
]

HELLO_MD5_B64 = "XUFAKrxLKna5cZ2REBfFkg=="
WRONG_MD5_B64 = "1B2M2Y8AsgTpgAmY7PhCfg=="  # MD5 of b""
# Checksums of b"hello", base64 of the big-endian digest (AWS's encoding).
HELLO_CHECKSUMS = {
    "crc32": "NhCmhg==",
    "crc32c": "mnG7TA==",
    "sha1": "qvTGHdzF6KLavt4PO0gs2a6pQ00=",
    "sha256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
    "crc64nvme": "M3eFcAZSQlc=",
}
WRONG_CHECKSUMS = {
    "crc32": "AAAAAA==",
    "crc32c": "AAAAAA==",
    "sha1": "qvTGHdzF6KLavt4PO0gs2a6pQ0A=",
    "sha256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCA=",
    "crc64nvme": "AAAAAAAAAAA=",
}


def test_put_object_correct_content_md5_is_accepted(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"content-md5": HELLO_MD5_B64}, body=b"hello")
    assert answer.status == 200, answer
    assert answer.headers["etag"] == '"5d41402abc4b2a76b9719d911017c592"'


def test_put_object_wrong_content_md5_is_400_bad_digest_and_keeps_old_object(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"content-md5": WRONG_MD5_B64}, body=b"hello")
    refused(answer, 400, "BadDigest", accepted="Content-MD5 not checked: wrong Content-MD5 accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original", "a failed PUT changed the object"


def test_put_object_wrong_content_md5_on_new_key_creates_nothing(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.request("PUT", key_path(bucket, "new"), headers={"content-md5": WRONG_MD5_B64}, body=b"hello")
    refused(answer, 400, "BadDigest", accepted="Content-MD5 not checked: wrong Content-MD5 accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="new")) == (404, None)


@pytest.mark.parametrize("value", ["not base64!", "AAAA"], ids=["not-base64", "wrong-length"])
def test_put_object_malformed_content_md5_is_400_invalid_digest(raw: RawS3, bucket: str, value: str) -> None:
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"content-md5": value}, body=b"hello")
    refused(answer, 400, "InvalidDigest", accepted="malformed Content-MD5 accepted")


@pytest.mark.s3_requires("metadata")
def test_failed_put_keeps_old_object(raw: RawS3, s3: Any, bucket: str) -> None:
    """Every kind of rejected PUT leaves the previous object whole (bytes, ETag, metadata)."""
    old = s3.put_object(Bucket=bucket, Key="keep", Body=b"old bytes", Metadata={"v": "1"})["ETag"]
    rejected = [
        raw.request("PUT", key_path(bucket, "keep"), headers={"content-md5": WRONG_MD5_B64}, body=b"new"),
        raw.request("PUT", key_path(bucket, "keep"), headers={"x-amz-checksum-crc32": "AAAAAA=="}, body=b"new"),
        raw.request("PUT", key_path(bucket, "keep"), headers={"x-amz-meta-big": "v" * 2100}, body=b"new"),
    ]
    assert [r.status for r in rejected] == [400, 400, 400], rejected
    after = raw.request("GET", key_path(bucket, "keep"))
    assert (after.status, after.body, after.headers.get("etag"), after.headers.get("x-amz-meta-v")) == (
        200,
        b"old bytes",
        old,
        "1",
    ), f"a failed PUT deleted or changed the old object: {after}"


@pytest.mark.parametrize("algorithm", sorted(HELLO_CHECKSUMS))
def test_put_object_checksum_header_is_verified_and_returned(raw: RawS3, s3: Any, bucket: str, algorithm: str) -> None:
    name = f"x-amz-checksum-{algorithm}"
    answer = raw.request("PUT", key_path(bucket, "c"), headers={name: HELLO_CHECKSUMS[algorithm]}, body=b"hello")
    assert answer.status == 200, answer
    assert answer.headers.get(name) == HELLO_CHECKSUMS[algorithm]
    head = raw.request("HEAD", key_path(bucket, "c"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert head.headers.get(name) == HELLO_CHECKSUMS[algorithm]
    plain = raw.request("HEAD", key_path(bucket, "c"))
    assert name not in plain.headers  # only in checksum mode


@pytest.mark.parametrize("algorithm", sorted(HELLO_CHECKSUMS))
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_object_with_a_checksum_answers_checksum_type_full_object(raw: RawS3, bucket: str, algorithm: str) -> None:
    """API_PutObject.html, response header x-amz-checksum-type: "For PutObject uploads, the checksum
    type is always FULL_OBJECT", sent with the checksum it describes."""
    name = f"x-amz-checksum-{algorithm}"
    answer = raw.request("PUT", key_path(bucket, "c"), headers={name: HELLO_CHECKSUMS[algorithm]}, body=b"hello")
    assert answer.status == 200, answer
    assert (answer.headers.get(name), answer.headers.get("x-amz-checksum-type")) == (
        HELLO_CHECKSUMS[algorithm],
        "FULL_OBJECT",
    )


@pytest.mark.s3_requires("copy")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObjectResult.html")
def test_copy_object_result_carries_the_checksum(raw: RawS3, s3: Any, bucket: str) -> None:
    """A copy keeps the source's full-object checksum (checking-object-integrity.html) and the
    CopyObjectResult says so: ChecksumSHA256 and ChecksumType FULL_OBJECT (API_CopyObjectResult.html)."""
    name = "x-amz-checksum-sha256"
    put = raw.request("PUT", key_path(bucket, "src"), headers={name: HELLO_CHECKSUMS["sha256"]}, body=b"hello")
    assert put.status == 200, put
    result = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})["CopyObjectResult"]
    assert (result.get("ChecksumSHA256"), result.get("ChecksumType")) == (HELLO_CHECKSUMS["sha256"], "FULL_OBJECT")
    head = raw.request("HEAD", key_path(bucket, "dst"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert head.headers.get(name) == HELLO_CHECKSUMS["sha256"]


@pytest.mark.parametrize("algorithm", sorted(HELLO_CHECKSUMS))
def test_put_object_wrong_checksum_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str, algorithm: str) -> None:
    answer = raw.request(
        "PUT", key_path(bucket, "c"), headers={f"x-amz-checksum-{algorithm}": WRONG_CHECKSUMS[algorithm]}, body=b"hello"
    )
    refused(answer, 400, "BadDigest", accepted="checksum not checked: wrong x-amz-checksum accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="c")) == (404, None)


def test_boto3_default_checksum_round_trips(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="b", Body=b"hello", ChecksumAlgorithm="SHA256")
    assert put["ChecksumSHA256"] == HELLO_CHECKSUMS["sha256"]
    got = s3.get_object(Bucket=bucket, Key="b", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"hello"
    assert header(got, "x-amz-checksum-sha256") == HELLO_CHECKSUMS["sha256"]


@pytest.mark.parametrize("algorithm", sorted(HELLO_CHECKSUMS))
def test_put_object_wrong_checksum_from_boto3_is_400_bad_digest(s3: Any, bucket: str, algorithm: str) -> None:
    # API_PutObject.html / checking-object-integrity.html: a checksum that does not match the
    # body is BadDigest (ErrorResponses.html: BadDigest, 400), whichever algorithm, however sent.
    name = algorithm.upper()
    for value in (WRONG_CHECKSUMS[algorithm], HELLO_CHECKSUMS[algorithm][:-4] + "AAA="):
        assert error_of(
            lambda v=value: s3.put_object(
                Bucket=bucket,
                Key="c",
                Body=b"hello",  # type: ignore[misc]
                ChecksumAlgorithm=name,
                **{f"Checksum{name}": v},
            )
        ) == (400, "BadDigest"), value
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="c")) == (404, None)


@pytest.mark.parametrize("algorithm", sorted(HELLO_CHECKSUMS))
def test_upload_part_wrong_checksum_is_400_bad_digest(s3: Any, bucket: str, algorithm: str) -> None:
    name = algorithm.upper()
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=name)["UploadId"]
    try:
        wrong = {f"Checksum{name}": WRONG_CHECKSUMS[algorithm]}
        assert error_of(
            lambda: s3.upload_part(
                Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"hello", ChecksumAlgorithm=name, **wrong
            )
        ) == (400, "BadDigest")
        assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)
