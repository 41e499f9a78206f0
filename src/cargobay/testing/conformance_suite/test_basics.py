"""The basic tests: one small proof per capability, run first, whose failure blocks the rest.

Each asks the least of the server that still proves the operation works (status and bytes; no
metadata, no headers beyond the operation's own). When one fails, every test that needs the same
capability is reported as *blocked by* it (the plugin's :data:`~cargobay.testing.s3_endpoints.BASICS`),
so one root cause shows as one failure with its own message, not as fifty.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, same_bytes
from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_basic_create_and_delete_bucket(s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("basic")
    assert s3.create_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200, "CreateBucket failed"
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200, "HeadBucket failed"
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204, "DeleteBucket failed"


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_API + "API_PutObject.html")
def test_basic_put_get_delete_object(s3: Any, bucket: str) -> None:
    assert (
        s3.put_object(Bucket=bucket, Key="basic", Body=b"basic bytes")["ResponseMetadata"]["HTTPStatusCode"] == 200
    ), "PutObject failed"
    same_bytes(s3.get_object(Bucket=bucket, Key="basic")["Body"].read(), b"basic bytes", "GetObject body")
    assert s3.delete_object(Bucket=bucket, Key="basic")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="basic")) == (404, "NoSuchKey")


@pytest.mark.s3_requires("listing")
@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_basic_list_objects(s3: Any, bucket: str) -> None:
    for key in ("b", "a"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    page = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in page.get("Contents", [])] == ["a", "b"], "ListObjectsV2 does not list both keys in order"


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html")
def test_basic_user_metadata_round_trip(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"color": "blue"})
    got = s3.head_object(Bucket=bucket, Key="m")["Metadata"]
    # Header names are case-insensitive (RFC 9110 section 5.1): the case of the returned name is
    # test_put_object_user_metadata_round_trips_lower_cased's concern, not this prerequisite's.
    lowered = {k.lower(): v for k, v in got.items()}
    assert lowered == {"color": "blue"}, f"user metadata dropped: expected {{'color': 'blue'}}, got {got}"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_CompleteMultipartUpload.html")
def test_basic_multipart_upload(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"only part")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    same_bytes(s3.get_object(Bucket=bucket, Key="mp")["Body"].read(), b"only part", "multipart object")


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc(_API + "API_PutObjectTagging.html")
def test_basic_object_tagging(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    got = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert [(t["Key"], t["Value"]) for t in got] == [("a", "1")], f"tags not stored: got {got}"


@pytest.mark.s3_requires("delete_objects")
@pytest.mark.aws_doc(_API + "API_DeleteObjects.html")
def test_basic_delete_objects(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d"}]})
    assert [d["Key"] for d in answer.get("Deleted", [])] == ["d"] and not answer.get("Errors"), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="d")) == (404, None)


@pytest.mark.aws_doc(_API + "sig-v4-header-based-auth.html")
def test_basic_raw_signed_request(raw: RawS3, bucket: str) -> None:
    """The suite's own signer (``_http.py``) is accepted: raw tests are judged only if this passes."""
    body = b"raw"
    put = raw.request("PUT", key_path(bucket, "raw"), body=body)
    assert put.status == 200, f"a correctly signed raw PUT was refused: {put}"
    got = raw.request("GET", key_path(bucket, "raw"))
    assert (got.status, hashlib.md5(got.body, usedforsecurity=False).hexdigest()) == (
        200,
        hashlib.md5(body, usedforsecurity=False).hexdigest(),
    ), got
