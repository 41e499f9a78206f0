"""Browser form uploads (POST Object, RESTObjectPOST.html) sent as a browser sends them.

The form body is built here byte by byte (multipart/form-data, the file part last, as AWS
requires; :func:`form_request` can also send what a browser or a broken client might: repeated
fields, no file, a file without a filename, fields after the file, a body cut short, another
Content-Type or Host). A policy and its signature come from boto3's ``generate_presigned_post``,
or, for a policy boto3 would not write (it always adds the bucket and key conditions), from
:func:`own_policy_fields` / :func:`signed_policy` (any policy text, signed as
sigv4-authentication-HTTPPOST.html says, with the signing key of ``_http``, written from the
documentation) and :func:`sigv2_fields` (HTTPPOSTForms.html).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import signing_key
from cargobay.testing.servers import Endpoint


def form_url(s3_endpoint: Any) -> str:
    """The endpoint's URL for :func:`form_request`, which speaks plain HTTP (skipped under TLS)."""
    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    return url


def nothing_at(s3: Any, bucket: str, key: str) -> None:
    """Assert no object is stored at ``key`` (a refused form stored nothing)."""
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key)) == (404, None)


@dataclass(frozen=True)
class FormAnswer:
    """A POST's answer: status, headers (names lower-cased) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> str | None:
        """The AWS error code of an error body, else None."""
        match = re.search(rb"<Code>([^<]*)</Code>", self.body)
        return match.group(1).decode() if match else None


def form_request(
    url: str,
    bucket: str,
    parts: list[tuple[str, str]],
    data: bytes | None,
    *,
    filename: str | None = "f.txt",
    after: Sequence[tuple[str, str]] = (),
    content_type: str | None = None,
    host: str | None = None,
    cut: int = 0,
) -> FormAnswer:
    """POST the fields ``parts`` (in order, names repeated as given), then a file part holding
    ``data`` (none when ``data`` is None; ``filename`` None: a part without one, as a text area
    sends), then the fields ``after``, to ``bucket`` (at ``/`` of ``host`` if given: virtual-hosted style),
    less the last ``cut`` bytes of the body (a form that ends early)."""
    boundary = uuid.uuid4().hex

    def field(name: str, value: str) -> bytes:
        return f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()

    chunks = [field(name, value) for name, value in parts]
    if data is not None:
        disposition = 'form-data; name="file"' + ("" if filename is None else f'; filename="{filename}"')
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: text/plain\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    chunks.extend(field(name, value) for name, value in after)
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    body = body[: len(body) - cut]
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)
    try:
        headers = {"Content-Type": content_type or f"multipart/form-data; boundary={boundary}"}
        if host is not None:
            headers["Host"] = host
        conn.request("POST", "/" if host is not None else f"/{bucket}", body=body, headers=headers)
        with conn.getresponse() as response:  # closed even when reading it fails
            answered = {name.lower(): value for name, value in response.getheaders()}
            return FormAnswer(response.status, answered, response.read())
    finally:
        conn.close()


def form_post(url: str, bucket: str, fields: dict[str, str], data: bytes) -> tuple[int, bytes]:
    """POST ``fields`` and a file part holding ``data`` to ``bucket``: (status, body)."""
    answer = form_request(url, bucket, list(fields.items()), data)
    return answer.status, answer.body


def signed_fields(
    s3: Any, bucket: str, key: str, fields: dict[str, str], conditions: list[Any], *, expires: int = 300
) -> dict[str, str]:
    """The form fields of a policy signed by boto3: ``fields`` plus key, policy and signature; the
    policy holds ``conditions`` and boto3's own (bucket and key)."""
    post = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires)
    return dict(post["fields"])


def own_policy_fields(
    endpoint: Endpoint,
    conditions: list[Any],
    fields: dict[str, str],
    *,
    expires: dt.timedelta = dt.timedelta(minutes=5),
    credential_conditions: bool = True,
) -> dict[str, str]:
    """``fields`` plus a SigV4-signed policy holding exactly ``conditions`` (and, unless
    ``credential_conditions`` is false, the x-amz-* credential fields), expiring in ``expires``."""
    now = dt.datetime.now(dt.UTC)
    signed = credential_fields(endpoint, now)
    expiration = (now + expires).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    extra = [{k: v} for k, v in signed.items()] if credential_conditions else []
    document = {"expiration": expiration, "conditions": [*conditions, *extra]}
    policy = base64.b64encode(json.dumps(document).encode()).decode()
    return {**fields, **signed_policy(endpoint, policy, now)}


def credential_fields(endpoint: Endpoint, now: dt.datetime, *, region: str | None = None) -> dict[str, str]:
    """The x-amz-algorithm, x-amz-credential and x-amz-date fields of a SigV4 form made at ``now``."""
    return {
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": f"{endpoint.access_key}/{now:%Y%m%d}/{region or endpoint.region}/s3/aws4_request",
        "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
    }


def signed_policy(endpoint: Endpoint, policy: str, now: dt.datetime | None = None) -> dict[str, str]:
    """The credential fields, ``policy`` as given (any text: the signature covers the base64 string
    itself) and its SigV4 signature (sigv4-authentication-HTTPPOST.html)."""
    now = now or dt.datetime.now(dt.UTC)
    key = signing_key(endpoint.secret_key, now.strftime("%Y%m%d"), endpoint.region)
    signature = hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()
    return {**credential_fields(endpoint, now), "policy": policy, "x-amz-signature": signature}


def encode_policy(document: Any) -> str:
    """A policy document as a form carries it: JSON, UTF-8, base64."""
    return base64.b64encode(json.dumps(document).encode()).decode()


def sigv2_fields(endpoint: Endpoint, policy: str) -> dict[str, str]:
    """The AWSAccessKeyId, policy and signature fields of a SigV2 form (HTTPPOSTForms.html,
    "Constructing a Signature": base64 of the HMAC-SHA1 of the base64 policy)."""
    digest = hmac.new(endpoint.secret_key.encode(), policy.encode(), hashlib.sha1).digest()
    return {"AWSAccessKeyId": endpoint.access_key, "policy": policy, "signature": base64.b64encode(digest).decode()}
