"""Virtual-hosted-style addressing (``--domain``), SigV2, and HTTPS with aws-chunked trailers."""

from __future__ import annotations

import hashlib
import http.client
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import HmacV1Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from cargobay.s3.http.tls import self_signed
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer


@pytest.fixture(scope="module")
def vhost_server() -> Iterator[InProcessServer]:
    with InProcessServer(domain="s3.local") as server:
        yield server
        assert server.running.services.internal_errors == 0


def _vhost_get(server: InProcessServer, bucket: str, path: str, signer: str) -> tuple[int, bytes]:
    ep = server.endpoint
    port = server.running.port
    host = f"{bucket}.s3.local:{port}"
    request = AWSRequest(method="GET", url=f"http://{host}{path}", headers={"Host": host})
    creds = Credentials(ep.access_key, ep.secret_key)
    if signer == "v4":
        S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
    else:
        request.auth_path = f"/{bucket}{path.split('?')[0]}"  # SigV2 signs the bucket before the path
        HmacV1Auth(creds).add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("signer", ["v4", "v2"])
def test_virtual_hosted_requests_address_the_bucket_from_host(vhost_server: InProcessServer, signer: str) -> None:
    s3 = boto3_client(vhost_server.endpoint)
    s3.create_bucket(Bucket=f"vh-{signer}")
    s3.put_object(Bucket=f"vh-{signer}", Key="dir/a b", Body=b"hosted")
    assert _vhost_get(vhost_server, f"vh-{signer}", "/dir/a%20b", signer) == (200, b"hosted")
    status, body = _vhost_get(vhost_server, f"vh-{signer}", "/?list-type=2", signer)
    assert status == 200 and b"<Key>dir/a b</Key>" in body and f"<Name>vh-{signer}</Name>".encode() in body


def test_sigv2_header_and_presigned_query_from_boto3(vhost_server: InProcessServer) -> None:
    ep = vhost_server.endpoint
    v2 = boto3.client(
        "s3",
        endpoint_url=ep.url,
        aws_access_key_id=ep.access_key,
        aws_secret_access_key=ep.secret_key,
        region_name="us-east-1",
        config=Config(signature_version="s3", s3={"addressing_style": "path"}),
    )
    v2.create_bucket(Bucket="sig-two")
    v2.put_object(Bucket="sig-two", Key="k ü+", Body=b"v2 body", Metadata={"m": "1"})
    assert v2.get_object(Bucket="sig-two", Key="k ü+")["Body"].read() == b"v2 body"
    url = v2.generate_presigned_url("get_object", Params={"Bucket": "sig-two", "Key": "k ü+"})
    assert "Signature=" in url and "AWSAccessKeyId=" in url
    import urllib.request

    assert urllib.request.urlopen(url).read() == b"v2 body"


def test_https_self_signed_with_default_aws_chunked_trailers(tmp_path: Path) -> None:
    cert, key = self_signed(str(tmp_path / "tls"))
    with InProcessServer(tls_cert=cert, tls_key=key) as server:
        ep = server.endpoint
        assert ep.url.startswith("https://")
        s3: Any = boto3.client(
            "s3",
            endpoint_url=ep.url,
            aws_access_key_id=ep.access_key,
            aws_secret_access_key=ep.secret_key,
            region_name="us-east-1",
            verify=cert,
            config=Config(s3={"addressing_style": "path"}),
        )
        sent: list[dict[str, str | bytes]] = []  # botocore keeps some header values as bytes
        s3.meta.events.register(
            "before-send.s3.PutObject", lambda request, **_: sent.append(dict(request.headers.items()))
        )
        s3.create_bucket(Bucket="tls-bucket")
        body = os.urandom(300_000)
        s3.put_object(Bucket="tls-bucket", Key="chunked", Body=body)
        assert sent and sent[0].get("Content-Encoding") == b"aws-chunked", "boto3 should use trailers over TLS"
        got = s3.get_object(Bucket="tls-bucket", Key="chunked", ChecksumMode="ENABLED")
        data = got["Body"].read()
        assert hashlib.sha256(data).digest() == hashlib.sha256(body).digest()
        assert "ChecksumCRC32" in got or "ChecksumCRC64NVME" in got
        assert got["ContentLength"] == len(body)
        assert server.running.services.internal_errors == 0
