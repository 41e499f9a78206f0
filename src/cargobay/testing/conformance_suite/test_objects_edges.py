"""PutObject, GetObject, HeadObject and DeleteObject, second deeper pass: the edges of their headers
that the first pass left open (conditional writes with a value AWS does not take, weak entity-tags,
the InvalidRange error document, header text AWS keeps as given, HEAD error answers, DeleteObject's
answer, user metadata sizes and repeated headers, keys that are only a prefix).

Sources: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, API_GetObject.html,
API_HeadObject.html, API_DeleteObject.html, ErrorResponses.html, the user guide's UsingMetadata.html
and object-keys.html, and RFC 7232, which the conditional headers of every one of these pages name
("For more information about conditional requests, see RFC 7232").
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

pytestmark = [pytest.mark.s3_requires("objects"), pytest.mark.aws_doc(_API + "API_PutObject.html")]

TEN = b"0123456789"
TEN_ETAG = '"781e5e245d69b566979b86e28d23f2c7"'  # MD5 of TEN
OTHER_ETAG = '"00000000000000000000000000000000"'


# -- conditional writes: If-None-Match takes only "*" ------------------------------------------------
# API_PutObject.html, If-None-Match: "Uploads the object only if the object key name does not already
# exist in the bucket specified. [...] Expects the '*' (asterisk) character." AWS answers any other
# value 501 NotImplemented ("A header you provided implies functionality that is not implemented",
# ErrorResponses.html), whether or not the value names the current ETag: aws/aws-sdk-ruby#3144,
# "Using if_none_match: etag returns Aws::S3::Errors::NotImplemented" against S3 itself. Taking it
# as an entity-tag list instead would overwrite an object the client meant to keep whenever the
# tags differ.


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize("value", [TEN_ETAG, OTHER_ETAG, f"{OTHER_ETAG}, {TEN_ETAG}"], ids=["same", "other", "list"])
def test_put_object_if_none_match_other_than_star_is_501_not_implemented(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"if-none-match": value}, body=b"replaced")
    assert (answer.status, answer.code) == (501, "NotImplemented"), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == TEN
    answer = raw.request("PUT", key_path(bucket, "new"), headers={"if-none-match": value}, body=b"created")
    assert (answer.status, answer.code) == (501, "NotImplemented"), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="new")) == (404, None)


@pytest.mark.s3_requires("conditional", "copy")
@pytest.mark.aws_doc(_API + "API_CopyObject.html")
def test_copy_object_if_none_match_other_than_star_is_501_not_implemented(s3: Any, bucket: str) -> None:
    # API_CopyObject.html, If-None-Match: "Copies the object only if the object key name at the
    # destination does not already exist [...] Expects the '*' (asterisk) character."
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    s3.put_object(Bucket=bucket, Key="dst", Body=TEN)
    source = {"Bucket": bucket, "Key": "src"}
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, IfNoneMatch=OTHER_ETAG)) == (
        501,
        "NotImplemented",
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == TEN


@pytest.mark.s3_requires("conditional", "multipart")
@pytest.mark.aws_doc(_API + "API_CompleteMultipartUpload.html")
def test_complete_multipart_upload_if_none_match_other_than_star_is_501_not_implemented(s3: Any, bucket: str) -> None:
    # API_CompleteMultipartUpload.html, If-None-Match: "Expects the '*' (asterisk) character." The
    # upload stays in progress, so it can be completed with a condition AWS takes.
    s3.put_object(Bucket=bucket, Key="mp", Body=TEN)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts, IfNoneMatch=OTHER_ETAG
        )
    ) == (501, "NotImplemented")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == TEN
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts)
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"part"


# -- weak entity-tags ------------------------------------------------------------------------------
# RFC 7232 section 3.1: "An origin server MUST use the strong comparison function when comparing
# entity-tags for If-Match", and section 2.3.2: two entity-tags are strongly equal only if "both are
# not weak". A weak tag in If-Match therefore never matches: 412. Section 3.2: "A recipient MUST use
# the weak comparison function when comparing entity-tags for If-None-Match", under which W/"x"
# matches "x": 304 for a read.


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_match_with_a_weak_etag_never_matches(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request(method, key_path(bucket, "k"), headers={"if-match": f"W/{TEN_ETAG}"})
    assert answer.status == 412, answer
    answer = raw.request(method, key_path(bucket, "k"), headers={"if-match": f"W/{OTHER_ETAG}, {TEN_ETAG}"})
    assert answer.status == 200, answer


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_with_a_weak_etag_matches(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request(method, key_path(bucket, "k"), headers={"if-none-match": f"W/{TEN_ETAG}"})
    assert (answer.status, answer.body) == (304, b""), answer


@pytest.mark.s3_requires("conditional")
def test_put_object_if_match_with_a_weak_etag_is_412(raw: RawS3, s3: Any, bucket: str) -> None:
    # API_PutObject.html, If-Match: "Uploads the object only if the ETag (entity tag) value provided
    # during the WRITE operation matches the ETag of the object in S3" (RFC 7232: strongly).
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"if-match": f"W/{TEN_ETAG}"}, body=b"replaced")
    assert (answer.status, answer.code) == (412, "PreconditionFailed"), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == TEN
