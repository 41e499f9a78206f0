"""GetObjectAttributes: ETag, Checksum, ObjectParts (paged), ObjectSize, StorageClass.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributesParts.html (Parts only when
the object has an additional checksum), https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectPart.html
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header

pytestmark = [
    pytest.mark.s3_requires("attributes"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html"),
]

_ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def test_object_attributes_of_a_simple_object(s3: Any, bucket: str) -> None:
    body = b"hello attributes"
    s3.put_object(Bucket=bucket, Key="k", Body=body, ChecksumAlgorithm="SHA256")
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=_ALL)
    # The ETag is returned without quotes (API_GetObjectAttributes.html example).
    assert got["ETag"] == hashlib.md5(body).hexdigest()
    assert got["ObjectSize"] == len(body)
    assert got["StorageClass"] == "STANDARD"
    assert got["Checksum"]["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert "ObjectParts" not in got
    assert "LastModified" in got


def test_object_attributes_only_what_was_asked(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert got["ObjectSize"] == 1
    assert "ETag" not in got and "StorageClass" not in got


def test_object_attributes_missing_key_is_404_no_such_key(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_object_attributes(Bucket=bucket, Key="none", ObjectAttributes=["ETag"])) == (
        404,
        "NoSuchKey",
    )


def test_object_attributes_unknown_attribute_is_400_invalid_argument(raw: Any, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    response = raw.request("GET", f"/{bucket}/k", [("attributes", "")], headers={"x-amz-object-attributes": "Bogus"})
    assert (response.status, response.code) == (400, "InvalidArgument")


@pytest.mark.s3_requires("multipart")
def test_object_attributes_parts_with_checksums_and_paging(s3: Any, bucket: str) -> None:
    parts_data = [b"a" * (5 << 20), b"b" * (5 << 20), b"c" * 100]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
    done = []
    for number, data in enumerate(parts_data, 1):
        result = s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number, Body=data, ChecksumAlgorithm="SHA256"
        )
        done.append({"PartNumber": number, "ETag": result["ETag"], "ChecksumSHA256": result["ChecksumSHA256"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": done})
    got = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=_ALL, MaxParts=2)
    assert got["ObjectSize"] == sum(len(d) for d in parts_data)
    assert got["ETag"].endswith("-3")
    parts = got["ObjectParts"]
    assert parts["TotalPartsCount"] == 3
    assert parts["MaxParts"] == 2 and parts["IsTruncated"] is True
    assert str(parts["NextPartNumberMarker"]) == "2"
    assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [(1, 5 << 20), (2, 5 << 20)]
    expected = base64.b64encode(hashlib.sha256(parts_data[0]).digest()).decode()
    assert parts["Parts"][0]["ChecksumSHA256"] == expected
    rest = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"], PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["ObjectParts"]["Parts"]] == [3]
    assert rest["ObjectParts"]["IsTruncated"] is False
    # A ?partNumber GET with checksum mode returns that part's checksum (API_GetObject.html, PartNumber).
    head = s3.head_object(Bucket=bucket, Key="mp", PartNumber=1, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected


# -- versions (API_GetObjectAttributes.html: versionId "The version ID used to reference a specific
# version of the object"; the version read and delete markers: test_versioning_interplay.py) ------


def test_object_attributes_of_an_unversioned_object_name_no_version(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert header(got, "x-amz-version-id") is None


@pytest.mark.s3_requires("versioning")
def test_object_attributes_of_a_missing_version_is_404_no_such_version(s3: Any, versioned_bucket: str) -> None:
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"one")
    gone = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"two")["VersionId"]
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=gone)
    call = lambda: s3.get_object_attributes(  # noqa: E731
        Bucket=versioned_bucket, Key="k", VersionId=gone, ObjectAttributes=["ETag"]
    )
    assert error_of(call) == (404, "NoSuchVersion")


@pytest.mark.s3_requires("multipart")
@pytest.mark.parametrize("value", ["1_0", "x", "2147483648"])
@pytest.mark.parametrize("name", ["x-amz-max-parts", "x-amz-part-number-marker"])
def test_object_attributes_part_paging_header_that_is_no_number_is_400(
    raw: Any, s3: Any, bucket: str, name: str, value: str
) -> None:
    """Integers as S3 reads them (ASCII digits, 32 bits; the class list10 fixed for query
    parameters). The object has parts, so the paging headers are read. (A non-ASCII digit such as
    '²' cannot be signed as sent: tests/s3/http/test_no_auth_headers.py sends one unsigned.)"""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"x", ChecksumAlgorithm="CRC32")
    done = [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32": part["ChecksumCRC32"]}]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": done})
    headers = {"x-amz-object-attributes": "ObjectParts,ObjectSize", name: value}
    response = raw.request("GET", f"/{bucket}/mp", [("attributes", "")], headers=headers)
    assert (response.status, response.code) == (400, "InvalidArgument")
