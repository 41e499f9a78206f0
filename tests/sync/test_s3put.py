"""The botocore-free PutObject (:mod:`cargobay.sync.s3.put`): what it stores equals what botocore
would store (bytes, ETag, user metadata), against cargobay and moto, for keys that stress the
path encoding; a corrupted body is refused by the server through Content-MD5; a stale
keep-alive connection is retried; a refusal carries the status the executor's retry rule reads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tests.sync.conftest import new_bucket, settings

from cargobay.s3.signing import Credentials
from cargobay.sync import sync
from cargobay.sync.s3 import ListingSpec
from cargobay.sync.s3.put import PutClient, PutFailed
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint

KEYS = ["a", "a b", "a+b", "dir/é ü", "dir/x~y", "dir/sub/deep=1&2", "z?q#frag", "ü/€", "p/%41"]


def _spec(ep: Endpoint, *, secret: str | None = None) -> ListingSpec:
    creds = Credentials(ep.access_key, secret or ep.secret_key)
    return ListingSpec(ep.url, ep.region, lambda: creds, "path")


def test_put_stores_bytes_etag_and_metadata_as_sent(endpoint: Endpoint) -> None:
    bucket = new_bucket(endpoint)
    client = PutClient(_spec(endpoint))
    c = boto3_client(endpoint)
    try:
        for i, key in enumerate(KEYS):
            body = bytes([i]) * (i * 1000 + 1)
            md5 = hashlib.md5(body).hexdigest()
            etag = client.put(bucket, key, body, md5_hex=md5, metadata={"Mtime": f"{i}.5", "md5chksum": "abc"})
            assert etag == md5
            got = c.get_object(Bucket=bucket, Key=key)
            assert got["Body"].read() == body
            assert got["Metadata"] == {"mtime": f"{i}.5", "md5chksum": "abc"}
    finally:
        client.close()


def test_put_with_a_wrong_content_md5_is_refused_and_stores_nothing(cargobay_endpoint: Endpoint) -> None:
    # cargobay's server only: moto stores the body without checking Content-MD5.
    endpoint = cargobay_endpoint
    bucket = new_bucket(endpoint)
    client = PutClient(_spec(endpoint))
    try:
        with pytest.raises(PutFailed) as info:
            client.put(bucket, "k", b"the body", md5_hex=hashlib.md5(b"another body").hexdigest(), metadata={})
    finally:
        client.close()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["Error"]["Code"] == "BadDigest"
    assert "Contents" not in boto3_client(endpoint).list_objects_v2(Bucket=bucket)


def test_put_with_a_wrong_secret_is_refused_with_403(cargobay_endpoint: Endpoint) -> None:
    bucket = new_bucket(cargobay_endpoint)
    client = PutClient(_spec(cargobay_endpoint, secret="not-the-secret"))
    try:
        with pytest.raises(PutFailed) as info:
            client.put(bucket, "k", b"x", md5_hex=hashlib.md5(b"x").hexdigest(), metadata={})
    finally:
        client.close()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_put_retries_once_on_a_connection_the_server_closed(cargobay_endpoint: Endpoint) -> None:
    bucket = new_bucket(cargobay_endpoint)
    client = PutClient(_spec(cargobay_endpoint))
    try:
        client.put(bucket, "one", b"1", md5_hex=hashlib.md5(b"1").hexdigest(), metadata={})
        lister = client._client()
        assert lister._conn is not None
        lister._conn._conn.sock.close()  # as an idle keep-alive closed by the peer
        assert client.put(bucket, "two", b"2", md5_hex=hashlib.md5(b"2").hexdigest(), metadata={})
    finally:
        client.close()
    assert boto3_client(cargobay_endpoint).get_object(Bucket=bucket, Key="two")["Body"].read() == b"2"


def test_sync_uploads_through_the_fast_path_and_the_result_equals_the_tree(
    cargobay_endpoint: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = cargobay_endpoint
    bucket = new_bucket(ep)
    src = tmp_path / "src"
    files = {f"d{i % 3}/f{i}.bin": bytes([i]) * (i * 37) for i in range(30)}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    puts: list[str] = []
    real_put = PutClient.put

    def counting_put(self: PutClient, bucket: str, key: str, body: bytes, **kw: object) -> str:
        puts.append(key)
        return real_put(self, bucket, key, body, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(PutClient, "put", counting_put)
    report = sync(str(src), f"s3://{bucket}/p", s3=settings(ep), state_dir=str(tmp_path / "state"))
    assert report.ok and len(report.transferred) == len(files)
    assert sorted(puts) == sorted(f"p/{rel}" for rel in files)
    c = boto3_client(ep)
    for rel, data in files.items():
        assert c.get_object(Bucket=bucket, Key=f"p/{rel}")["Body"].read() == data
