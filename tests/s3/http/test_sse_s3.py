"""``serve --sse-s3``: the data directory's disk is the encryption at rest, so SSE-S3 is accepted and
every object reported as SSE-S3 (guarantees.py), while SSE-KMS and SSE-C stay refused and objects
stay plain files. Without the option (conftest's server) SSE-S3 is refused, never stored in clear.

The headers and documents: API_PutObject.html, API_GetObject.html, API_HeadObject.html,
API_CopyObject.html, API_CreateMultipartUpload.html, API_UploadPart.html,
API_CompleteMultipartUpload.html (x-amz-server-side-encryption), API_GetBucketEncryption.html,
API_PutBucketEncryption.html, API_DeleteBucketEncryption.html.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._forms import form_request, signed_fields
from cargobay.testing.servers import SubprocessServer

_KMS = {"ServerSideEncryption": "aws:kms"}
_S3 = {"ServerSideEncryption": "AES256"}


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubprocessServer]:
    server = SubprocessServer(str(tmp_path_factory.mktemp("sse")), extra_args=("--no-fsync", "--sse-s3")).start()
    yield server
    assert server.stop() == 0, server.output
    assert "SSE-S3: reported for every object" in server.output  # the start-up banner says so
    assert "internal error" not in server.output.lower(), server.output


@pytest.fixture(scope="module")
def s3e(encrypted: SubprocessServer) -> Any:
    return boto3_client(encrypted.endpoint)


@pytest.fixture
def ebucket(s3e: Any) -> str:
    name = f"sse-{secrets.token_hex(5)}"
    s3e.create_bucket(Bucket=name)
    return name


def test_sse_s3_write_is_accepted_reported_and_stored_as_a_plain_file(
    encrypted: SubprocessServer, s3e: Any, ebucket: str
) -> None:
    put = s3e.put_object(Bucket=ebucket, Key="state/terraform.tfstate", Body=b"{}", **_S3)
    assert put["ServerSideEncryption"] == "AES256"
    assert s3e.head_object(Bucket=ebucket, Key="state/terraform.tfstate")["ServerSideEncryption"] == "AES256"
    got = s3e.get_object(Bucket=ebucket, Key="state/terraform.tfstate")
    assert (got["ServerSideEncryption"], got["Body"].read()) == ("AES256", b"{}")
    assert (Path(encrypted.root) / ebucket / "state" / "terraform.tfstate").read_bytes() == b"{}"


def test_every_object_is_reported_as_sse_s3_as_on_aws(s3e: Any, ebucket: str) -> None:
    """Since SSE-S3 became AWS's default, an object written without asking is SSE-S3 too."""
    assert s3e.put_object(Bucket=ebucket, Key="plain", Body=b"x")["ServerSideEncryption"] == "AES256"
    ranged = s3e.get_object(Bucket=ebucket, Key="plain", Range="bytes=0-0")
    assert ranged["ServerSideEncryption"] == "AES256"
    copy = s3e.copy_object(Bucket=ebucket, Key="copy", CopySource={"Bucket": ebucket, "Key": "plain"}, **_S3)
    assert copy["ServerSideEncryption"] == "AES256"


def test_multipart_upload_reports_sse_s3_at_each_step(s3e: Any, ebucket: str) -> None:
    created = s3e.create_multipart_upload(Bucket=ebucket, Key="mp", **_S3)
    assert created["ServerSideEncryption"] == "AES256"
    upload = created["UploadId"]
    part = s3e.upload_part(Bucket=ebucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part")
    assert part["ServerSideEncryption"] == "AES256"
    done = s3e.complete_multipart_upload(
        Bucket=ebucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    )
    assert done["ServerSideEncryption"] == "AES256"


def test_copy_onto_itself_naming_sse_s3_is_allowed(s3e: Any, ebucket: str) -> None:
    """API_CopyObject.html: a copy onto itself is refused only "without changing the object's metadata,
    storage class, website redirect location or encryption attributes"; naming the encryption is such
    a change, as naming the storage class is, even the one the object has (every object is SSE-S3 on
    AWS, and ``aws s3 cp --sse AES256 s3://b/k s3://b/k`` is how an object is re-encrypted in place).
    The copy keeps the bytes and the metadata (COPY); without the header it stays refused."""
    s3e.put_object(Bucket=ebucket, Key="k", Body=b"kept", Metadata={"a": "1"})
    source = {"Bucket": ebucket, "Key": "k"}
    assert error_of(lambda: s3e.copy_object(Bucket=ebucket, Key="k", CopySource=source)) == (400, "InvalidRequest")
    done = s3e.copy_object(Bucket=ebucket, Key="k", CopySource=source, **_S3)
    assert done["ServerSideEncryption"] == "AES256"
    got = s3e.get_object(Bucket=ebucket, Key="k")
    assert (got["Body"].read(), got["Metadata"], got["ServerSideEncryption"]) == (b"kept", {"a": "1"}, "AES256")


def test_errors_and_other_operations_name_no_encryption(s3e: Any, ebucket: str) -> None:
    s3e.put_object(Bucket=ebucket, Key="k", Body=b"x")
    assert error_of(lambda: s3e.get_object(Bucket=ebucket, Key="missing"))[0] == 404
    assert header(s3e.get_object_tagging(Bucket=ebucket, Key="k"), "x-amz-server-side-encryption") is None
    assert header(s3e.delete_object(Bucket=ebucket, Key="k"), "x-amz-server-side-encryption") is None


@pytest.mark.parametrize("operation", ["GetObject", "HeadObject"])
def test_a_read_naming_sse_s3_is_400_invalid_argument(s3e: Any, ebucket: str, operation: str) -> None:
    """API_GetObject.html / API_HeadObject.html: x-amz-server-side-encryption sent to read an SSE-S3
    object is "an HTTP 400 Bad Request error"; the object is reported as SSE-S3, so the same here."""
    s3e.put_object(Bucket=ebucket, Key="k", Body=b"x", **_S3)

    def add(params: dict[str, Any], **_: Any) -> None:
        params["headers"]["x-amz-server-side-encryption"] = "AES256"

    s3e.meta.events.register(f"before-call.s3.{operation}", add)
    try:
        call = s3e.get_object if operation == "GetObject" else s3e.head_object
        assert error_of(lambda: call(Bucket=ebucket, Key="k")) == (
            400,
            "InvalidArgument" if operation == "GetObject" else None,
        )
    finally:
        s3e.meta.events.unregister(f"before-call.s3.{operation}", add)
    assert s3e.get_object(Bucket=ebucket, Key="k")["Body"].read() == b"x"


@pytest.mark.parametrize("call", ["put", "create_multipart_upload", "copy"])
def test_sse_kms_stays_refused(s3e: Any, ebucket: str, call: str) -> None:
    s3e.put_object(Bucket=ebucket, Key="src", Body=b"x")
    calls = {
        "put": lambda: s3e.put_object(Bucket=ebucket, Key="k", Body=b"x", **_KMS),
        "create_multipart_upload": lambda: s3e.create_multipart_upload(Bucket=ebucket, Key="k", **_KMS),
        "copy": lambda: s3e.copy_object(Bucket=ebucket, Key="k", CopySource={"Bucket": ebucket, "Key": "src"}, **_KMS),
    }
    assert error_of(calls[call]) == (501, "NotImplemented")
    assert "k" not in [o["Key"] for o in s3e.list_objects_v2(Bucket=ebucket).get("Contents", [])]


def test_sse_c_stays_refused(s3e: Any, ebucket: str) -> None:
    key = os.urandom(32)
    call = lambda: s3e.put_object(Bucket=ebucket, Key="c", Body=b"x", SSECustomerAlgorithm="AES256", SSECustomerKey=key)  # noqa: E731
    assert error_of(call) == (400, "InvalidRequest")  # SSE-C over plain HTTP, before anything else


def test_bucket_encryption_is_the_sse_s3_default(s3e: Any, ebucket: str) -> None:
    def algorithm() -> str:
        rules = s3e.get_bucket_encryption(Bucket=ebucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert len(rules) == 1 and rules[0]["BucketKeyEnabled"] is False
        return str(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"])

    assert algorithm() == "AES256"
    sse_s3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    s3e.put_bucket_encryption(Bucket=ebucket, ServerSideEncryptionConfiguration=sse_s3)
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}}]}
    assert error_of(lambda: s3e.put_bucket_encryption(Bucket=ebucket, ServerSideEncryptionConfiguration=kms)) == (
        501,
        "NotImplemented",
    )
    s3e.delete_bucket_encryption(Bucket=ebucket)
    assert algorithm() == "AES256"  # "resets the default encryption ... to SSE-S3" (DeleteBucketEncryption)


def test_without_the_option_sse_s3_is_refused_and_nothing_stored(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", **_S3)) == (501, "NotImplemented")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert header(s3.put_object(Bucket=bucket, Key="plain", Body=b"x"), "x-amz-server-side-encryption") is None
    assert error_of(lambda: s3.get_bucket_encryption(Bucket=bucket)) == (
        404,
        "ServerSideEncryptionConfigurationNotFoundError",
    )


def test_a_form_upload_asking_for_sse_s3_is_accepted_and_reported(
    encrypted: SubprocessServer, s3e: Any, ebucket: str
) -> None:
    """RESTObjectPOST.html: x-amz-server-side-encryption is a form field (it needs a condition)."""
    sse = {"x-amz-server-side-encryption": "AES256"}
    fields = signed_fields(s3e, ebucket, "form", sse, [sse])
    answer = form_request(encrypted.url, ebucket, list(fields.items()), b"posted")
    assert answer.status == 204, answer.body
    assert answer.headers.get("x-amz-server-side-encryption") == "AES256"
    assert s3e.get_object(Bucket=ebucket, Key="form")["Body"].read() == b"posted"
    kms = {"x-amz-server-side-encryption": "aws:kms"}
    refused = form_request(encrypted.url, ebucket, list(signed_fields(s3e, ebucket, "k", kms, [kms]).items()), b"x")
    assert refused.status == 501
