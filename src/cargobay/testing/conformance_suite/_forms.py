"""Browser form uploads (POST Object, RESTObjectPOST.html) sent as a browser sends them.

The form body is built here byte by byte (multipart/form-data, the file part last, as AWS
requires); the policy and its signature, when wanted, come from boto3's ``generate_presigned_post``
(the client under test's own signer), so nothing here signs.
"""

from __future__ import annotations

import http.client
import uuid
from typing import Any
from urllib.parse import urlsplit


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
