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
