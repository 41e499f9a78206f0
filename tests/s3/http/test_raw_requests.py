"""Raw HTTP requests that clients would normalise away: dot segments, encoded slashes, odd methods.

Each is signed properly (botocore's signer over the exact raw path), so the server's own rules,
not authentication, decide the outcome: a round trip or a clear 4xx, and never a file created,
read or deleted outside the bucket directory.
"""

from __future__ import annotations

import http.client
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cargobay.testing.servers import Endpoint, SubprocessServer


def raw_request(
    endpoint: Endpoint,
    method: str,
    raw_path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    sign: bool = True,
    signed_body: bytes | None = None,
) -> tuple[int, bytes]:
    parts = urlsplit(endpoint.url)
    host = parts.netloc
    all_headers = {"Host": host, **(headers or {})}
    if sign:
        data = body if signed_body is None else signed_body
        request = AWSRequest(method=method, url=f"{endpoint.url}{raw_path}", data=data, headers=all_headers)
        # botocore would normalise the path; sign what we send, byte for byte.
        request.url = f"{endpoint.url}{raw_path}"
        S3SigV4Auth(Credentials(endpoint.access_key, endpoint.secret_key), "s3", endpoint.region).add_auth(request)
        all_headers = {k: v for k, v in request.headers.items()}
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, raw_path, skip_host=True, skip_accept_encoding=True)
        for name, value in all_headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _tree(root: str) -> set[str]:
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


@pytest.mark.parametrize(
    "raw_key",
    ["../../x", "a/../../b", "%2E%2E/x", "..%2F..%2Fy", "%2e%2e%2f%2e%2e%2fz", "./.././w", "a//b", "..", "%00nul"],
)
def test_dot_segments_round_trip_or_4xx_and_stay_inside(
    s3: Any, bucket: str, endpoint: Endpoint, served: SubprocessServer, raw_key: str
) -> None:
    outside_root = os.path.dirname(served.root)
    before = _tree(outside_root) - _tree(served.root)
    status, body = raw_request(endpoint, "PUT", f"/{bucket}/{raw_key}", b"payload")
    assert status in (200, 400), body
    if status == 200:
        got_status, got = raw_request(endpoint, "GET", f"/{bucket}/{raw_key}")
        assert (got_status, got) == (200, b"payload")
        del_status, _ = raw_request(endpoint, "DELETE", f"/{bucket}/{raw_key}")
        assert del_status == 204
    else:
        assert b"<Code>" in body and b"Traceback" not in body
    after = _tree(outside_root) - _tree(served.root)
    assert after == before, "a file appeared or vanished outside the data directory"


def test_unsigned_raw_request_is_access_denied_not_served(endpoint: Endpoint, bucket: str) -> None:
    status, body = raw_request(endpoint, "GET", f"/{bucket}/../../etc/passwd", sign=False)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("PATCH", "/{bucket}/k", 405, b"MethodNotAllowed"),
        ("POST", "/{bucket}/k?restore", 501, b"NotImplemented"),
        ("PUT", "/{bucket}?website", 501, b"NotImplemented"),  # kept but not acted on: refused, not 405
        ("GET", "/{bucket}/k%FF%FE", 400, b"InvalidURI"),
        ("GET", "/{bucket}?max-keys=abc", 400, b"InvalidArgument"),
        ("GET", "/{bucket}?list-type=2&continuation-token=%21%21not-ours", 400, b"InvalidArgument"),
        ("POST", "/{bucket}?delete", 400, b"InvalidRequest"),
    ],
    ids=[
        "patch",
        "unimplemented-subresource",
        "unkept-configuration",
        "bad-utf8-key",
        "bad-max-keys",
        "bad-token",
        "delete-no-md5",
    ],
)
def test_bad_requests_get_clear_4xx(
    endpoint: Endpoint, bucket: str, method: str, path: str, status: int, code: bytes
) -> None:
    got_status, body = raw_request(endpoint, method, path.format(bucket=bucket))
    assert got_status == status, body
    assert b"<Code>" + code + b"</Code>" in body
    assert b"<RequestId>" in body


def test_signed_body_hash_mismatch_is_rejected_and_nothing_stored(s3: Any, bucket: str, endpoint: Endpoint) -> None:
    s3.put_object(Bucket=bucket, Key="h", Body=b"original")
    status, body = raw_request(endpoint, "PUT", f"/{bucket}/h", b"something else", signed_body=b"what was signed")
    assert status == 400 and b"XAmzContentSHA256Mismatch" in body
    assert s3.get_object(Bucket=bucket, Key="h")["Body"].read() == b"original"
