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


# -- SSE-C on multipart uploads, copies and HEAD ------------------------------------------------
# ServerSideEncryptionCustomerKeys.html: every request of a multipart upload of an SSE-C object
# carries the key (CreateMultipartUpload, UploadPart, UploadPartCopy; CompleteMultipartUpload may),
# a copy names the source's key with x-amz-copy-source-server-side-encryption-customer-*, and
# "Amazon S3 rejects any requests made over HTTP when using SSE-C".

SSE_C_SOURCE = {name.replace("x-amz-", "x-amz-copy-source-", 1): value for name, value in SSE_C.items()}


def _parts_of(s3: Any, bucket: str, key: str, upload: str) -> list[tuple[int, int]]:
    return [
        (p["PartNumber"], p["Size"]) for p in s3.list_parts(Bucket=bucket, Key=key, UploadId=upload).get("Parts", [])
    ]


@pytest.mark.s3_requires("multipart")
@pytest.mark.parametrize(
    "operation", ["create", "upload-part", "upload-part-copy", "upload-part-copy-source", "complete"]
)
def test_sse_c_multipart_over_plain_http_is_400_invalid_request(
    raw: RawS3, s3: Any, bucket: str, operation: str
) -> None:
    if raw.scheme == "https":
        pytest.skip("capability: this endpoint is HTTPS; the rule is about plain HTTP")
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part one")["ETag"]
    path, part2 = key_path(bucket, "mp"), [("partNumber", "2"), ("uploadId", upload)]
    copy = {"x-amz-copy-source": f"/{bucket}/src"}
    complete = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    )
    try:
        answer = {
            "create": lambda: raw.request("POST", key_path(bucket, "other"), [("uploads", "")], headers=SSE_C),
            "upload-part": lambda: raw.request("PUT", path, part2, headers=SSE_C, body=b"part two"),
            "upload-part-copy": lambda: raw.request("PUT", path, part2, headers={**copy, **SSE_C}),
            "upload-part-copy-source": lambda: raw.request("PUT", path, part2, headers={**copy, **SSE_C_SOURCE}),
            "complete": lambda: raw.request(
                "POST", path, [("uploadId", upload)], headers=SSE_C, body=complete.encode()
            ),
        }[operation]()
        assert (answer.status, answer.code) == (400, "InvalidRequest"), answer
        assert _parts_of(s3, bucket, "mp", upload) == [(1, 8)], "a refused SSE-C request changed the upload"
        assert not _exists(s3, bucket, "mp"), "a refused SSE-C completion wrote the object"
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        assert [u["Key"] for u in uploads] == ["mp"], "a refused SSE-C request started an upload"
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("copy")
@pytest.mark.parametrize("which", ["destination", "source", "both"])
def test_sse_c_copy_over_plain_http_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str, which: str) -> None:
    if raw.scheme == "https":
        pytest.skip("capability: this endpoint is HTTPS; the rule is about plain HTTP")
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    sse = {"destination": SSE_C, "source": SSE_C_SOURCE, "both": {**SSE_C, **SSE_C_SOURCE}}[which]
    answer = raw.request("PUT", key_path(bucket, "dst"), headers={"x-amz-copy-source": f"/{bucket}/src", **sse})
    assert (answer.status, answer.code) == (400, "InvalidRequest"), answer
    assert not _exists(s3, bucket, "dst"), "a refused SSE-C copy wrote the object"


def test_sse_c_head_over_plain_http_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """A HEAD response has no body to carry the code: the status says it."""
    if raw.scheme == "https":
        pytest.skip("capability: this endpoint is HTTPS; the rule is about plain HTTP")
    s3.put_object(Bucket=bucket, Key="p", Body=b"plain")
    answer = raw.request("HEAD", key_path(bucket, "p"), headers=SSE_C)
    assert answer.status == 400, answer


# -- SSE-C over HTTPS: honoured as documented, or refused; a malformed key never accepted ---------

_OTHER_KEY = bytes(range(32, 64))


def _sse_c(key: bytes, *, md5_of: bytes | None = None, algorithm: str = "AES256") -> dict[str, str]:
    digest = hashlib.md5(key if md5_of is None else md5_of, usedforsecurity=False).digest()
    return {
        "x-amz-server-side-encryption-customer-algorithm": algorithm,
        "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
        "x-amz-server-side-encryption-customer-key-md5": base64.b64encode(digest).decode(),
    }


@pytest.mark.s3_requires("tls")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/blocking-unblocking-s3-c-encryption-gpb.html"
)
def test_sse_c_over_https_is_honoured_or_403_access_denied(tls_target: Any) -> None:
    """Honoured (the write and every read echo x-amz-server-side-encryption-customer-algorithm and
    -key-MD5; a read without the key, or with another key, gets no bytes), or blocked as on an AWS
    bucket whose default encryption blocks SSE-C (the default for new buckets since April 2026):
    "any PutObject, CopyObject, PostObject, or Multipart Upload ... requests that specify SSE-C
    encryption will be rejected with an HTTP 403 AccessDenied error". Nothing is stored."""
    raw = RawS3(tls_target.endpoint, tls_verify=tls_target.tls_verify)
    client = tls_target.client()
    name = tls_target.new_bucket_name("ssec")
    client.create_bucket(Bucket=name)
    try:
        answer = raw.request("PUT", key_path(name, "e"), headers=SSE_C, body=b"secret")
        if answer.status == 200:
            echoed = (
                "x-amz-server-side-encryption-customer-algorithm",
                "x-amz-server-side-encryption-customer-key-md5",
            )
            for response in (answer, raw.request("GET", key_path(name, "e"), headers=SSE_C)):
                assert all(response.headers.get(h) == SSE_C[h] for h in echoed), response.headers
            assert raw.request("GET", key_path(name, "e"), headers=SSE_C).body == b"secret"
            for headers in ({}, _sse_c(_OTHER_KEY)):
                refused = raw.request("GET", key_path(name, "e"), headers=headers)
                assert 400 <= refused.status < 500 and b"secret" not in refused.body, refused
        else:
            assert (answer.status, answer.code) == (403, "AccessDenied"), answer
            assert not _exists(client, name, "e"), "a refused SSE-C request stored the object"
    finally:
        tls_target.empty_and_delete(name)


@pytest.mark.s3_requires("tls", "multipart", "copy")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/blocking-unblocking-s3-c-encryption-gpb.html"
)
@pytest.mark.parametrize("operation", ["create-multipart", "upload-part", "copy"])
def test_sse_c_other_writes_over_https_are_honoured_or_403_access_denied(tls_target: Any, operation: str) -> None:
    """CreateMultipartUpload, UploadPart and CopyObject that ask for SSE-C: honoured (the answer
    echoes the algorithm and key MD5) or, with SSE-C blocked, 403 AccessDenied and nothing written."""
    raw = RawS3(tls_target.endpoint, tls_verify=tls_target.tls_verify)
    client = tls_target.client()
    name = tls_target.new_bucket_name("ssec")
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="src", Body=b"plain")
    upload = client.create_multipart_upload(Bucket=name, Key="mp")["UploadId"]
    try:
        answer = {
            "create-multipart": lambda: raw.request("POST", key_path(name, "e"), [("uploads", "")], headers=SSE_C),
            "upload-part": lambda: raw.request(
                "PUT", key_path(name, "mp"), [("partNumber", "1"), ("uploadId", upload)], headers=SSE_C, body=b"p"
            ),
            "copy": lambda: raw.request(
                "PUT", key_path(name, "e"), headers={"x-amz-copy-source": f"/{name}/src", **SSE_C}
            ),
        }[operation]()
        if answer.status == 200:
            echoed = "x-amz-server-side-encryption-customer-key-md5"
            assert answer.headers.get(echoed) == SSE_C[echoed], answer.headers
        else:
            assert (answer.status, answer.code) == (403, "AccessDenied"), answer
            assert not _exists(client, name, "e"), "a refused SSE-C request wrote the object"
            assert _parts_of(client, name, "mp", upload) == [], "a refused SSE-C part was stored"
            uploads = client.list_multipart_uploads(Bucket=name).get("Uploads", [])
            assert [u["Key"] for u in uploads] == ["mp"], "a refused SSE-C request started an upload"
    finally:
        client.abort_multipart_upload(Bucket=name, Key="mp", UploadId=upload)
        tls_target.empty_and_delete(name)


@pytest.mark.s3_requires("tls")
@pytest.mark.parametrize(
    "headers",
    [
        _sse_c(KEY[:16]),
        _sse_c(KEY, md5_of=_OTHER_KEY),
        _sse_c(KEY, algorithm="AES128"),
        {k: v for k, v in SSE_C.items() if not k.endswith("-md5")},
        {"x-amz-server-side-encryption-customer-algorithm": "AES256"},
    ],
    ids=["key-of-16-bytes", "md5-of-another-key", "algorithm-aes128", "no-key-md5", "algorithm-only"],
)
def test_sse_c_malformed_key_headers_are_never_accepted(tls_target: Any, headers: dict[str, str]) -> None:
    """ServerSideEncryptionCustomerKeys.html: the algorithm "must be AES256", the key "a 256-bit,
    base64-encoded encryption key", its MD5 the integrity check of the key and required. A request
    that breaks one of these is refused (AWS: 400; cargobay: 501 before it looks at the key) and
    stores nothing."""
    raw = RawS3(tls_target.endpoint, tls_verify=tls_target.tls_verify)
    client = tls_target.client()
    name = tls_target.new_bucket_name("ssec")
    client.create_bucket(Bucket=name)
    try:
        answer = raw.request("PUT", key_path(name, "e"), headers=headers, body=b"secret")
        assert 400 <= answer.status < 500 or (answer.status, answer.code) == (501, "NotImplemented"), answer
        assert not _exists(client, name, "e"), "a malformed SSE-C request stored the object"
    finally:
        tls_target.empty_and_delete(name)
