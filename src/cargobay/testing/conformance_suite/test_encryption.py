"""Server-side encryption requests and every other header that asks for a guarantee: the server
either gives the guarantee and says so, or refuses the request. Never accept and ignore.

What AWS does (the literals below):
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
(SSE-C: "Amazon S3 rejects any requests made over HTTP when using SSE-C"; every read needs the
same key, its MD5 checked), https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html
(SSE-S3: the response reports ``x-amz-server-side-encryption: AES256``) and
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (NotImplemented, 501: "A
header you provided implies functionality that is not implemented").
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html"),
]

KEY = bytes(range(32))
SSE_C = {
    "x-amz-server-side-encryption-customer-algorithm": "AES256",
    "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY).decode(),
    "x-amz-server-side-encryption-customer-key-md5": base64.b64encode(hashlib.md5(KEY).digest()).decode(),
}


def _exists(s3: Any, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def test_sse_c_over_plain_http_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    if raw.scheme == "https":
        pytest.skip("capability: this endpoint is HTTPS; the rule is about plain HTTP")
    answer = raw.request("PUT", key_path(bucket, "c"), headers=SSE_C, body=b"secret")
    assert (answer.status, answer.code) == (400, "InvalidRequest"), answer
    assert not _exists(s3, bucket, "c"), "an SSE-C request over plain HTTP stored the object"


def test_sse_c_read_over_plain_http_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    if raw.scheme == "https":
        pytest.skip("capability: this endpoint is HTTPS; the rule is about plain HTTP")
    s3.put_object(Bucket=bucket, Key="p", Body=b"plain")
    answer = raw.request("GET", key_path(bucket, "p"), headers=SSE_C)
    assert (answer.status, answer.code) == (400, "InvalidRequest"), answer


@pytest.mark.parametrize("value", ["AES256", "aws:kms", "aws:kms:dsse"])
def test_sse_request_is_honoured_or_refused(raw: RawS3, s3: Any, bucket: str, value: str) -> None:
    answer = raw.request("PUT", key_path(bucket, "e"), headers={"x-amz-server-side-encryption": value}, body=b"x")
    if answer.status == 200:
        # Honoured: the write response and every read report the encryption applied.
        assert answer.headers.get("x-amz-server-side-encryption") == value, answer.headers
        got = raw.request("GET", key_path(bucket, "e"))
        assert got.headers.get("x-amz-server-side-encryption") == value, got.headers
    else:
        assert answer.status in (400, 403, 501), answer
        assert answer.code in (
            "NotImplemented",
            "InvalidArgument",
            "KMS.NotFoundException",
            "AccessDenied",
            "InvalidRequest",
        ), answer
        assert not _exists(s3, bucket, "e"), "a refused encryption request stored the object"


@pytest.mark.parametrize(
    "name",
    [
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-server-side-encryption-context",
        "x-amz-server-side-encryption-bucket-key-enabled",
    ],
)
def test_kms_detail_headers_are_never_silently_dropped(raw: RawS3, s3: Any, bucket: str, name: str) -> None:
    headers = {"x-amz-server-side-encryption": "aws:kms", name: "dHJ1ZQ==" if "context" in name else "true"}
    answer = raw.request("PUT", key_path(bucket, "e"), headers=headers, body=b"x")
    if answer.status == 200:
        got = raw.request("HEAD", key_path(bucket, "e"))
        assert got.headers.get("x-amz-server-side-encryption") == "aws:kms", got.headers
    else:
        assert 400 <= answer.status < 500 or answer.status == 501, answer
        assert not _exists(s3, bucket, "e")


@pytest.mark.parametrize("operation", ["create-multipart", "copy"])
def test_sse_on_other_writes_is_honoured_or_refused(raw: RawS3, s3: Any, bucket: str, operation: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    sse = {"x-amz-server-side-encryption": "AES256"}
    if operation == "create-multipart":
        answer = raw.request("POST", key_path(bucket, "e"), [("uploads", "")], headers=sse)
    else:
        answer = raw.request("PUT", key_path(bucket, "e"), headers={**sse, "x-amz-copy-source": f"/{bucket}/src"})
    if answer.status == 200:
        assert answer.headers.get("x-amz-server-side-encryption") == "AES256", answer.headers
        if operation == "create-multipart":
            upload = answer.xml().findtext("{*}UploadId") or ""
            raw.request("DELETE", key_path(bucket, "e"), [("uploadId", upload)])
    else:
        assert answer.status in (400, 501), answer
        assert not _exists(s3, bucket, "e")


def test_write_offset_is_honoured_or_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    # API_PutObject.html, x-amz-write-offset-bytes: "Specifies the offset for appending data to
    # existing objects in bytes"; ignoring it would replace the object instead of appending.
    s3.put_object(Bucket=bucket, Key="a", Body=b"head")
    answer = raw.request("PUT", key_path(bucket, "a"), headers={"x-amz-write-offset-bytes": "4"}, body=b"tail")
    got = s3.get_object(Bucket=bucket, Key="a")["Body"].read()
    if answer.status == 200:
        assert got == b"headtail"
    else:
        assert 400 <= answer.status < 500 or answer.status == 501, answer
        assert got == b"head"
