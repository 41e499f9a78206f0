"""Browser form uploads (POST Object, RESTObjectPOST.html) sent as a browser sends them.

The form body is built here byte by byte (multipart/form-data, the file part last, as AWS
requires). A policy and its signature come from boto3's ``generate_presigned_post``, or, for a
policy boto3 would not write (it always adds the bucket and key conditions), from
:func:`own_policy_fields`, signed as sigv4-HTTPPOSTConstructPolicy.html says (the signing key of
``_http``, written from the documentation).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from cargobay.testing.conformance_suite._http import signing_key
from cargobay.testing.servers import Endpoint


def form_post(url: str, bucket: str, fields: dict[str, str], data: bytes) -> tuple[int, bytes]:
    """POST ``fields`` and a file part holding ``data`` to ``bucket``: (status, body)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)
    try:
        conn.request(
            "POST", f"/{bucket}", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def signed_fields(
    s3: Any, bucket: str, key: str, fields: dict[str, str], conditions: list[Any], *, expires: int = 300
) -> dict[str, str]:
    """The form fields of a policy signed by boto3: ``fields`` plus key, policy and signature; the
    policy holds ``conditions`` and boto3's own (bucket and key)."""
    post = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires)
    return dict(post["fields"])


def own_policy_fields(endpoint: Endpoint, conditions: list[Any], fields: dict[str, str]) -> dict[str, str]:
    """``fields`` plus a SigV4-signed policy holding exactly ``conditions`` (and the x-amz-*
    credential fields, which the signature covers), valid for five minutes."""
    now = dt.datetime.now(dt.UTC)
    date = now.strftime("%Y%m%d")
    signed = {
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": f"{endpoint.access_key}/{date}/{endpoint.region}/s3/aws4_request",
        "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
    }
    expiration = (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    document = {"expiration": expiration, "conditions": [*conditions, *({k: v} for k, v in signed.items())]}
    policy = base64.b64encode(json.dumps(document).encode()).decode()
    key = signing_key(endpoint.secret_key, date, endpoint.region)
    signature = hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()
    return {**fields, **signed, "policy": policy, "x-amz-signature": signature}
