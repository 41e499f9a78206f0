"""Browser form uploads (POST Object) with policies signed by boto3 (SigV4 and SigV2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer() as srv:
        yield srv
        assert srv.running.services.internal_errors == 0


def _form(server: InProcessServer, signature: str, bucket: str, **overrides: Any) -> dict[str, Any]:
    s3: Any = boto3_client(server.endpoint, signature_version=signature)
    s3.create_bucket(Bucket=bucket)
    conditions = [
        {"Content-Type": "text/plain"},
        {"x-amz-meta-who": "me"},
        ["content-length-range", 1, 100],
        ["starts-with", "$key", "uploads/"],
        {"success_action_status": "201"},
    ]
    post: dict[str, Any] = s3.generate_presigned_post(
        bucket,
        "uploads/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-who": "me", "success_action_status": "201"},
        Conditions=conditions,
        ExpiresIn=overrides.pop("expires", 60),
    )
    return post


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_form_upload_stores_file_with_fields_and_answers_201(server: InProcessServer, signature: str) -> None:
    bucket = f"form-{signature.replace('3v4', 'four')}"
    post = _form(server, signature, bucket)
    response = requests.post(post["url"], data=post["fields"], files={"file": ("hello.txt", b"hello form")}, timeout=30)
    assert response.status_code == 201, response.text
    assert "<Key>uploads/hello.txt</Key>" in response.text and "<Bucket>" in response.text
    got = boto3_client(server.endpoint).get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"hello form"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"who": "me"}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"file": b"x" * 101}, 400, "EntityTooLarge"),
        ({"extra": "field"}, 403, "AccessDenied"),
        ({"x-amz-meta-who": "someone else"}, 403, "AccessDenied"),
        ({"tamper-policy": True}, 403, "SignatureDoesNotMatch"),
    ],
    ids=["too-large", "extra-field", "condition-failed", "tampered-policy"],
)
def test_form_upload_refusals_store_nothing(
    server: InProcessServer, change: dict[str, Any], status: int, code: str
) -> None:
    post = _form(server, "s3v4", "form-refusals")
    fields = dict(post["fields"])
    body = change.pop("file", b"ok")
    if change.pop("tamper-policy", False):
        import base64
        import json

        doc = json.loads(base64.b64decode(fields["policy"]))
        doc["conditions"].append(["starts-with", "$x-amz-meta-extra", ""])
        fields["policy"] = base64.b64encode(json.dumps(doc).encode()).decode()
    fields.update(change)
    response = requests.post(post["url"], data=fields, files={"file": ("refused.txt", body)}, timeout=30)
    assert response.status_code == status, response.text
    assert f"<Code>{code}</Code>" in response.text
    listing = boto3_client(server.endpoint).list_objects_v2(Bucket="form-refusals")
    assert listing.get("KeyCount", 0) == 0


@pytest.mark.parametrize("secure", [True, False], ids=["https", "http"])
def test_form_upload_asking_for_sse_c_is_refused_and_stores_nothing(tmp_path: Any, secure: bool) -> None:
    """SSE-C form fields (RESTObjectPOST.html) ask like headers: over HTTPS the form is refused as on an
    AWS bucket that blocks SSE-C (403 AccessDenied, blocking-unblocking-s3-c-encryption-gpb.html),
    over HTTP 400 InvalidRequest; nothing is stored either way."""
    import base64
    import hashlib

    from cargobay.s3.http.tls import self_signed

    options: dict[str, Any] = {}
    verify: bool | str = True
    if secure:
        cert, key = self_signed(str(tmp_path / "tls"))
        options, verify = {"tls_cert": cert, "tls_key": key}, cert
    customer_key = bytes(range(32))
    sse_c = {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(customer_key).decode(),
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(customer_key).digest()).decode(),
    }
    with InProcessServer(**options) as server:
        import boto3
        from botocore.config import Config

        ep = server.endpoint
        s3: Any = boto3.client(
            "s3",
            endpoint_url=ep.url,
            aws_access_key_id=ep.access_key,
            aws_secret_access_key=ep.secret_key,
            region_name=ep.region,
            verify=verify,
            config=Config(s3={"addressing_style": "path"}),
        )
        s3.create_bucket(Bucket="form-ssec")
        post = s3.generate_presigned_post(
            "form-ssec", "k", Fields=sse_c, Conditions=[{name: value} for name, value in sse_c.items()]
        )
        response = requests.post(
            post["url"], data=post["fields"], files={"file": ("k", b"secret")}, timeout=30, verify=verify
        )
        expected = (403, "AccessDenied") if secure else (400, "InvalidRequest")
        assert (response.status_code, f"<Code>{expected[1]}</Code>" in response.text) == (expected[0], True), (
            response.text
        )
        assert s3.list_objects_v2(Bucket="form-ssec").get("KeyCount", 0) == 0
        assert server.running.services.internal_errors == 0
