"""CopyObject and UploadPartCopy, fourth pass: the two spellings of x-amz-copy-source (with and
without a leading slash) for both operations, an UploadPartCopy source that names no key, and a
REPLACE whose new metadata is over the 2 KB limit.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("copy"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"),
]

_PART_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html"
BODY = b"the source, copied"


@pytest.mark.parametrize("source", ["{bucket}/dir/a%20b", "/{bucket}/dir/a%20b"], ids=["no-slash", "leading-slash"])
@pytest.mark.parametrize(
    "operation", ["copy-object", pytest.param("upload-part-copy", marks=pytest.mark.s3_requires("multipart"))]
)
def test_copy_source_with_or_without_a_leading_slash(
    raw: RawS3, s3: Any, bucket: str, operation: str, source: str
) -> None:
    """API_CopyObject.html and API_UploadPartCopy.html, x-amz-copy-source: "specify the name of the source
    bucket and the key of the source object, separated by a slash (/). For example, to copy the object
    reports/january.pdf from the general purpose bucket awsexamplebucket, use
    awsexamplebucket/reports/january.pdf. The value must be URL-encoded." The SDKs send it with a
    leading slash; both spellings name the same object."""
    s3.put_object(Bucket=bucket, Key="dir/a b", Body=BODY)
    headers = {"x-amz-copy-source": source.format(bucket=bucket)}
    if operation == "copy-object":
        answer = raw.request("PUT", key_path(bucket, "dst"), headers=headers)
        assert answer.status == 200, answer
        assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == BODY
        return
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    try:
        params = [("partNumber", "1"), ("uploadId", upload)]
        answer = raw.request("PUT", key_path(bucket, "dst"), params, headers=headers)
        assert answer.status == 200, answer
        listed = s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload)["Parts"]
        assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, len(BODY))]
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_PART_API)
@pytest.mark.parametrize("value", ["{bucket}", "/{bucket}", "/{bucket}/"], ids=["bucket", "slash-bucket", "no-key"])
def test_upload_part_copy_copy_source_without_a_key_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    """API_UploadPartCopy.html, x-amz-copy-source: "the name of the source bucket and key name of the
    source object, separated by a slash (/)". A value without a key names no object: 400
    InvalidArgument, as CopyObject answers it ("Copy Source must mention the source bucket and key:
    sourcebucket/sourcekey"), and no part is stored."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    try:
        params = [("partNumber", "1"), ("uploadId", upload)]
        headers = {"x-amz-copy-source": value.format(bucket=bucket)}
        answer = raw.request("PUT", key_path(bucket, "dst"), params, headers=headers)
        assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
        assert s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html")
def test_copy_object_replace_with_metadata_over_2_kb_is_400_metadata_too_large(s3: Any, bucket: str) -> None:
    """UsingMetadata.html: "the user-defined metadata is limited to 2 KB in size"; a CopyObject with
    x-amz-metadata-directive REPLACE sets the request's metadata, so over the limit it is 400
    MetadataTooLarge (ErrorResponses.html: "Your metadata headers exceed the maximum allowed metadata
    size") and neither the destination nor the source changes."""
    s3.put_object(Bucket=bucket, Key="src", Body=BODY, Metadata={"a": "1"})
    s3.put_object(Bucket=bucket, Key="dst", Body=b"old", Metadata={"b": "2"})
    assert error_of(
        lambda: s3.copy_object(
            Bucket=bucket,
            Key="dst",
            CopySource={"Bucket": bucket, "Key": "src"},
            MetadataDirective="REPLACE",
            Metadata={"big": "v" * 2100},
        )
    ) == (400, "MetadataTooLarge")
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert (got["Body"].read(), got["Metadata"]) == (b"old", {"b": "2"})
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"a": "1"}
