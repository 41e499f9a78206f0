"""UploadPartCopy: x-amz-copy-source-range (valid edges and malformed values), the
x-amz-copy-source-if-* conditions and their precedence, a missing source bucket, key or version,
and the part number and upload id rules it shares with UploadPart.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("multipart"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html"),
]

SOURCE = b"0123456789abcdef"
PAST = "Sat, 01 Jan 2000 00:00:00 GMT"
FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"


def _md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


@pytest.fixture
def upload(s3: Any, bucket: str) -> Iterator[str]:
    """An upload to ``dst`` beside a 16-byte object ``src``; aborted afterwards."""
    s3.put_object(Bucket=bucket, Key="src", Body=SOURCE)
    upload_id: str = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    yield upload_id
    from botocore.exceptions import ClientError

    with contextlib.suppress(ClientError):  # completed or aborted by the test: nothing to abort
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id)


def _no_parts(s3: Any, bucket: str, upload: str) -> None:
    assert s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload).get("Parts", []) == [], "a refused copy stored"


@pytest.mark.parametrize(
    ("copy_range", "piece"),
    [("bytes=0-0", SOURCE[:1]), ("bytes=15-15", SOURCE[15:]), ("bytes=0-15", SOURCE), ("bytes=3-9", SOURCE[3:10])],
    ids=["first-byte", "last-byte", "whole", "middle"],
)
def test_upload_part_copy_range_edges(s3: Any, bucket: str, upload: str, copy_range: str, piece: bytes) -> None:
    """x-amz-copy-source-range "bytes=first-last": zero-based, both ends included; a range of one byte
    and the range of the whole object are ranges like any other. The part is those bytes (its ETag
    their MD5) and the completed object holds them."""
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=copy_range,
    )
    etag = part["CopyPartResult"]["ETag"]
    assert etag == _md5_etag(piece)
    listed = s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed] == [(1, len(piece), etag)]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == piece


@pytest.mark.parametrize(
    "copy_range",
    ["bytes=5-", "bytes=-5", "items=0-1", "bytes=0-1,3-4", "bytes=a-b", ""],
    ids=["open-end", "suffix", "unit", "two-ranges", "letters", "empty"],
)
def test_upload_part_copy_malformed_range_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, upload: str, copy_range: str
) -> None:
    """x-amz-copy-source-range: "The range value must use the form bytes=first-last, where the first and
    last are the zero-based byte offsets to copy". Any other form (an open end or a suffix as GET's
    Range allows, another unit, two ranges) is refused: AWS answers 400 InvalidArgument "The
    x-amz-copy-source-range value must be of the form bytes=first-last ..."; no part is stored."""
    headers = {"x-amz-copy-source": f"/{bucket}/src", "x-amz-copy-source-range": copy_range}
    answer = raw.request("PUT", key_path(bucket, "dst"), [("partNumber", "1"), ("uploadId", upload)], headers=headers)
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    _no_parts(s3, bucket, upload)


CONDITIONS = [
    ({"CopySourceIfMatch": "ETAG"}, 200),
    ({"CopySourceIfMatch": '"00000000000000000000000000000000"'}, 412),
    ({"CopySourceIfNoneMatch": '"00000000000000000000000000000000"'}, 200),
    ({"CopySourceIfNoneMatch": "ETAG"}, 412),
    ({"CopySourceIfModifiedSince": PAST}, 200),
    ({"CopySourceIfUnmodifiedSince": FUTURE}, 200),
    ({"CopySourceIfUnmodifiedSince": PAST}, 412),
    # API_UploadPartCopy.html: if-match true and if-unmodified-since false -> 200 OK, the part is copied;
    ({"CopySourceIfMatch": "ETAG", "CopySourceIfUnmodifiedSince": PAST}, 200),
    # if-none-match false and if-modified-since true -> 412 Precondition Failed.
    ({"CopySourceIfNoneMatch": "ETAG", "CopySourceIfModifiedSince": PAST}, 412),
]
CONDITION_IDS = [
    "if-match",
    "if-match-other",
    "if-none-match-other",
    "if-none-match",
    "modified-since-past",
    "unmodified-since-future",
    "unmodified-since-past",
    "match-beats-unmodified-since",
    "none-match-false-beats-modified-since",
]


@pytest.mark.parametrize(("conditions", "status"), CONDITIONS, ids=CONDITION_IDS)
def test_upload_part_copy_source_conditions(
    s3: Any, bucket: str, upload: str, conditions: dict[str, str], status: int
) -> None:
    """API_UploadPartCopy.html, x-amz-copy-source-if-match / -if-none-match / -if-modified-since /
    -if-unmodified-since: a condition that does not hold is 412 PreconditionFailed and no part is
    stored, with the documented precedence of the two pairs."""
    etag = s3.head_object(Bucket=bucket, Key="src")["ETag"]
    kwargs = {k: (etag if v == "ETAG" else v) for k, v in conditions.items()}

    def call() -> Any:
        return s3.upload_part_copy(
            Bucket=bucket,
            Key="dst",
            UploadId=upload,
            PartNumber=1,
            CopySource={"Bucket": bucket, "Key": "src"},
            **kwargs,
        )

    if status == 200:
        assert call()["CopyPartResult"]["ETag"] == _md5_etag(SOURCE)
        assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload)["Parts"]] == [1]
    else:
        assert error_of(call) == (412, "PreconditionFailed")
        _no_parts(s3, bucket, upload)


def test_upload_part_copy_missing_source_bucket_is_404_no_such_bucket(
    s3: Any, bucket: str, upload: str, new_bucket_name: Any
) -> None:
    gone = new_bucket_name("gone")
    assert error_of(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource={"Bucket": gone, "Key": "src"}
        )
    ) == (404, "NoSuchBucket")
    _no_parts(s3, bucket, upload)


def test_upload_part_copy_missing_source_key_is_404_no_such_key(s3: Any, bucket: str, upload: str) -> None:
    assert error_of(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource={"Bucket": bucket, "Key": "none"}
        )
    ) == (404, "NoSuchKey")
    _no_parts(s3, bucket, upload)


@pytest.mark.s3_requires("versioning")
def test_upload_part_copy_missing_source_version_is_404_no_such_version(s3: Any, versioned_bucket: str) -> None:
    """A source ?versionId= naming no version (here: one deleted by its id) is 404 NoSuchVersion
    ("The specified version does not exist", ErrorResponses.html); no part is stored."""
    gone = s3.put_object(Bucket=versioned_bucket, Key="src", Body=b"old")["VersionId"]
    s3.put_object(Bucket=versioned_bucket, Key="src", Body=b"new")
    s3.delete_object(Bucket=versioned_bucket, Key="src", VersionId=gone)
    upload = s3.create_multipart_upload(Bucket=versioned_bucket, Key="dst")["UploadId"]
    try:
        source = {"Bucket": versioned_bucket, "Key": "src", "VersionId": gone}
        assert error_of(
            lambda: s3.upload_part_copy(
                Bucket=versioned_bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource=source
            )
        ) == (404, "NoSuchVersion")
        assert s3.list_parts(Bucket=versioned_bucket, Key="dst", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=versioned_bucket, Key="dst", UploadId=upload)


@pytest.mark.parametrize("number", ["0", "10001", "x"])
def test_upload_part_copy_part_number_out_of_range_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, upload: str, number: str
) -> None:
    """partNumber: "a positive integer between 1 and 10,000", as for UploadPart: 400 InvalidArgument."""
    headers = {"x-amz-copy-source": f"/{bucket}/src"}
    answer = raw.request(
        "PUT", key_path(bucket, "dst"), [("partNumber", number), ("uploadId", upload)], headers=headers
    )
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    _no_parts(s3, bucket, upload)


def test_upload_part_copy_unknown_upload_is_404_no_such_upload(s3: Any, bucket: str, upload: str) -> None:
    """Errors: NoSuchUpload, "The specified multipart upload does not exist" (also after an abort)."""
    s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)
    assert error_of(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"}
        )
    ) == (404, "NoSuchUpload")


def test_upload_part_copy_url_encoded_source_key(raw: RawS3, s3: Any, bucket: str, upload: str) -> None:
    """x-amz-copy-source "must be URL-encoded": ``%20``, ``%2B``, ``%3F`` and UTF-8 percent-escapes
    name the key with a space, a plus, a question mark and an accented letter; an escaped
    ``?versionId=`` is part of the key, not a version."""
    key = "dir/a b+c?versionId=1 \u00e9"
    s3.put_object(Bucket=bucket, Key=key, Body=b"special source")
    encoded = "dir/a%20b%2Bc%3FversionId%3D1%20%C3%A9"
    headers = {"x-amz-copy-source": f"/{bucket}/{encoded}"}
    answer = raw.request("PUT", key_path(bucket, "dst"), [("partNumber", "1"), ("uploadId", upload)], headers=headers)
    assert answer.status == 200, answer
    assert answer.xml().findtext("{*}ETag") == _md5_etag(b"special source")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html")
@pytest.mark.parametrize("header_name", ["ExpectedSourceBucketOwner", "ExpectedBucketOwner"])
def test_upload_part_copy_expected_owner_of_source_or_destination_bucket(
    s3: Any, bucket: str, upload: str, header_name: str
) -> None:
    """x-amz-source-expected-bucket-owner / x-amz-expected-bucket-owner: a mismatch "fails with the
    HTTP status code 403 Forbidden (access denied)"; no part is stored."""
    me = str(s3.list_buckets()["Owner"]["ID"])
    other = "1" * 64 if me != "1" * 64 else "2" * 64
    source = {"Bucket": bucket, "Key": "src"}

    def copy(owner: str) -> Any:
        return s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource=source, **{header_name: owner}
        )

    assert error_of(lambda: copy(other)) == (403, "AccessDenied")
    _no_parts(s3, bucket, upload)
    assert copy(me)["CopyPartResult"]["ETag"] == _md5_etag(SOURCE)


@pytest.mark.s3_requires("versioning")
def test_upload_part_copy_from_a_delete_marker(s3: Any, versioned_bucket: str) -> None:
    """API_UploadPartCopy.html, Versioning: "If the current version is a delete marker and you don't
    specify a versionId in the x-amz-copy-source, Amazon S3 returns a 404 error, because the object
    does not exist. If you specify versionId in the x-amz-copy-source and the versionId is a delete
    marker, Amazon S3 returns an HTTP 400 error, because you are not allowed to specify a delete
    marker as a version for the x-amz-copy-source" (no code named). No part is stored."""
    s3.put_object(Bucket=versioned_bucket, Key="src", Body=b"x")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="src")["VersionId"]
    upload = s3.create_multipart_upload(Bucket=versioned_bucket, Key="dst")["UploadId"]
    try:

        def copy(**version: str) -> Any:
            source = {"Bucket": versioned_bucket, "Key": "src", **version}
            return s3.upload_part_copy(
                Bucket=versioned_bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource=source
            )

        assert error_of(copy) == (404, "NoSuchKey")
        status, code = error_of(lambda: copy(VersionId=marker))
        assert status == 400 and code, (status, code)
        assert s3.list_parts(Bucket=versioned_bucket, Key="dst", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=versioned_bucket, Key="dst", UploadId=upload)


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyPartResult.html")
def test_upload_part_copy_into_a_checksum_upload_reports_the_parts_checksum(s3: Any, bucket: str) -> None:
    """API_CopyPartResult.html, ChecksumCRC32: "This checksum is present if the multipart upload request
    was created with the CRC32 checksum algorithm": the CRC-32 of the bytes copied (the range), the
    same value ListParts gives, and the completion that names it succeeds."""
    import base64
    import zlib

    s3.put_object(Bucket=bucket, Key="src", Body=SOURCE)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst", ChecksumAlgorithm="CRC32")["UploadId"]
    try:
        result = s3.upload_part_copy(
            Bucket=bucket,
            Key="dst",
            UploadId=upload,
            PartNumber=1,
            CopySource={"Bucket": bucket, "Key": "src"},
            CopySourceRange="bytes=2-5",
        )["CopyPartResult"]
        crc = base64.b64encode(zlib.crc32(SOURCE[2:6]).to_bytes(4, "big")).decode()
        assert result.get("ChecksumCRC32") == crc
        listed = s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload)["Parts"]
        assert [(p["PartNumber"], p.get("ChecksumCRC32")) for p in listed] == [(1, crc)]
        part = {"PartNumber": 1, "ETag": result["ETag"], "ChecksumCRC32": crc}
        s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload={"Parts": [part]})
    except Exception:
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)
        raise
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == SOURCE[2:6]
