"""Bucket CORS: configuration round trip, preflight decisions, headers on actual responses,
and a real headless Chromium page on another origin uploading through a presigned URL."""

from __future__ import annotations

import http.server
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cargobay.testing.chromium import chromium, dump_dom, serving
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer

RULES = {
    "CORSRules": [
        {
            "AllowedOrigins": ["http://127.0.0.1:*"],
            "AllowedMethods": ["PUT", "GET"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600,
        }
    ]
}


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer() as srv:
        yield srv
        assert srv.running.services.internal_errors == 0


@pytest.fixture(scope="module")
def web_bucket(server: InProcessServer) -> str:
    s3 = boto3_client(server.endpoint)
    s3.create_bucket(Bucket="web")
    s3.put_bucket_cors(Bucket="web", CORSConfiguration=RULES)
    return "web"


def _options(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method="OPTIONS", headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def test_cors_configuration_round_trip_and_delete(server: InProcessServer) -> None:
    s3 = boto3_client(server.endpoint)
    s3.create_bucket(Bucket="cors-rt")
    with pytest.raises(ClientError) as info:
        s3.get_bucket_cors(Bucket="cors-rt")
    assert info.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    s3.put_bucket_cors(Bucket="cors-rt", CORSConfiguration=RULES)
    assert s3.get_bucket_cors(Bucket="cors-rt")["CORSRules"] == RULES["CORSRules"]
    s3.delete_bucket_cors(Bucket="cors-rt")
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket="cors-rt")
    with pytest.raises(ClientError) as info:
        s3.put_bucket_cors(
            Bucket="cors-rt", CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}
        )
    assert info.value.response["Error"]["Code"] == "InvalidRequest"


def test_preflight_allowed_and_refused(server: InProcessServer, web_bucket: str) -> None:
    url = f"{server.endpoint.url}/{web_bucket}/some/key"
    status, headers, _ = _options(
        url,
        {
            "Origin": "http://127.0.0.1:8080",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, X-Amz-Meta-A",
        },
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
    assert "PUT" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-a"
    assert headers["Access-Control-Max-Age"] == "600"
    status, _, body = _options(url, {"Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"})
    assert status == 403 and b"<Code>AccessForbidden</Code>" in body
    status, _, body = _options(url, {"Origin": "http://127.0.0.1:8080", "Access-Control-Request-Method": "DELETE"})
    assert status == 403 and b"<Code>AccessForbidden</Code>" in body


def test_actual_response_carries_cors_headers_only_for_allowed_origin(server: InProcessServer, web_bucket: str) -> None:
    s3: Any = boto3_client(server.endpoint)
    s3.put_object(Bucket=web_bucket, Key="page.txt", Body=b"text")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": web_bucket, "Key": "page.txt"})
    for origin, allowed in (("http://127.0.0.1:1234", True), ("http://elsewhere.example", False)):
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Origin": origin})) as response:
            assert response.read() == b"text"
            assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed
            if allowed:
                assert response.headers.get("Access-Control-Expose-Headers") == "ETag"


PAGE = """<!doctype html><html><head><title>pending</title></head><body><script>
fetch(%(url)r, {method: "PUT", body: "uploaded from chromium"})
  .then(r => { document.title = "done:" + r.status + ":" + r.headers.get("ETag"); })
  .catch(e => { document.title = "error:" + e; });
</script></body></html>"""


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed here (.ci/run installs Debian's chromium)")
def test_headless_chromium_page_on_other_origin_uploads_with_presigned_url(
    server: InProcessServer, web_bucket: str
) -> None:
    s3: Any = boto3_client(server.endpoint, signature_version="s3v4")
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": web_bucket, "Key": "from-browser.txt"}, ExpiresIn=300
    )
    page = (PAGE % {"url": url}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as port:
        result = dump_dom(
            f"http://127.0.0.1:{port}/",
            "--disable-quic",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            timeout=120,
        )
    stored = s3.get_object(Bucket=web_bucket, Key="from-browser.txt")
    assert stored["Body"].read() == b"uploaded from chromium"
    # The page could read the response (CORS allowed it) including the exposed ETag.
    assert f"<title>done:200:{stored['ETag']}</title>" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
