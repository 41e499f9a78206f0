"""Content-MD5 on the requests whose small body is a document (a policy, a part list, a bucket
configuration): AWS checks every Content-MD5 it is sent, so one that does not match the body is 400
BadDigest and one that is not a base64 MD5 is 400 InvalidDigest, and nothing changes
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html: BadDigest "The Content-MD5 or
checksum value that you specified did not match what the server received", InvalidDigest "The
Content-MD5 or checksum value that you specified is not valid"). The configuration and ACL requests
that have their own modules are checked there (``refuses_a_wrong_digest`` in each); these are the
three left: PutBucketPolicy, CompleteMultipartUpload and CreateBucket with a configuration.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"),
]


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html")
def test_put_bucket_policy_with_a_wrong_content_md5_is_refused_and_sets_nothing(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """API_PutBucketPolicy.html, Content-MD5: "The MD5 hash of the request body"."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ],
    }
    refuses_a_wrong_digest(raw, "/" + bucket, [("policy", "")], json.dumps(policy).encode(), "a bucket policy")
    assert error_of(lambda: s3.get_bucket_policy(Bucket=bucket)) == (404, "NoSuchBucketPolicy")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
def test_complete_multipart_upload_with_a_wrong_content_md5_is_refused_and_completes_nothing(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """The part list is a body like any other: a refused completion leaves the upload open (it still
    completes with a right request) and the key absent."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=b"only part")["ETag"]
    body = (
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    ).encode()
    refuses_a_wrong_digest(
        raw, key_path(bucket, "mpu"), [("uploadId", upload)], body, "a CompleteMultipartUpload", method="POST"
    )
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mpu")) == (404, None)
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mpu", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.get_object(Bucket=bucket, Key="mpu")["Body"].read() == b"only part"


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html")
def test_create_bucket_with_a_wrong_content_md5_is_refused_and_creates_nothing(
    raw: RawS3, s3: Any, s3_endpoint: Any, new_bucket_name: Any
) -> None:
    """A CreateBucketConfiguration body whose Content-MD5 does not match creates no bucket."""
    name = new_bucket_name("md5")
    region = s3_endpoint.endpoint.region
    location = "" if region == "us-east-1" else f"<LocationConstraint>{region}</LocationConstraint>"
    body = (
        f'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{location}'
        "</CreateBucketConfiguration>"
    ).encode()
    refuses_a_wrong_digest(raw, "/" + name, [], body, "a CreateBucket configuration")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.mark.s3_requires("delete_objects", "bucket_tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html")
@pytest.mark.parametrize("operation", ["delete-objects", "bucket-tagging"])
def test_a_document_with_a_wrong_checksum_header_is_400_bad_digest(
    raw: RawS3, s3: Any, bucket: str, operation: str
) -> None:
    """An x-amz-checksum-* header stands in for Content-MD5 on a document request (current SDKs send
    x-amz-checksum-crc32 with x-amz-sdk-checksum-algorithm); it is the body's checksum, so one that does
    not match is 400 BadDigest (ErrorResponses.html: "The Content-MD5 or checksum value that you specified
    did not match what the server received") and nothing changes. The right one is accepted."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    if operation == "delete-objects":
        method, params = "POST", [("delete", "")]
        body = f"<Delete {ns}><Object><Key>k</Key></Object></Delete>".encode()
    else:
        method, params = "PUT", [("tagging", "")]
        body = f"<Tagging {ns}><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>".encode()
    wrong = {"x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": _crc32(body + b" ")}
    answer = raw.request(method, "/" + bucket, params, headers=wrong, body=body)
    assert (answer.status, answer.code) == (400, "BadDigest"), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == (404, "NoSuchTagSet")
    right = {"x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": _crc32(body)}
    assert raw.request(method, "/" + bucket, params, headers=right, body=body).status in (200, 204)
