"""Transport: HTTPS (certificate verified by the client) and virtual-hosted-style addressing
(the bucket in the Host header)."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3, uri_encode


@pytest.mark.s3_requires("tls")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html")
def test_tls_round_trip_with_verified_certificate(tls_target: Any) -> None:
    assert tls_target.endpoint.url.startswith("https://")
    client = tls_target.client()
    name = tls_target.new_bucket_name("tls")
    client.create_bucket(Bucket=name)
    try:
        client.put_object(Bucket=name, Key="k", Body=b"over tls")
        assert client.get_object(Bucket=name, Key="k")["Body"].read() == b"over tls"
    finally:
        tls_target.empty_and_delete(name)


@pytest.mark.s3_requires("tls")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html")
def test_tls_unverified_certificate_is_refused_by_clients(tls_target: Any) -> None:
    import ssl

    if tls_target.tls_verify is True:
        pytest.skip("the endpoint has a publicly trusted certificate: nothing to refuse")
    raw = RawS3(tls_target.endpoint, tls_verify=True)
    with pytest.raises(ssl.SSLError):
        raw.request("GET", "/")


@pytest.mark.s3_requires("virtual_host")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html")
def test_virtual_host_put_get_list(s3_endpoint: Any, s3: Any, bucket: str, s3_vhost_domain: str) -> None:
    """The bucket in the Host header (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html);
    the domain is ``--s3-vhost-domain`` (default ``localhost``, which resolves to the loopback address)."""
    raw = RawS3(s3_endpoint.endpoint, tls_verify=s3_endpoint.tls_verify)
    host = f"{bucket}.{s3_vhost_domain}:{raw.port}"
    key = "dir/a b+c"
    put = raw.send(raw.sign_v4("PUT", "/" + uri_encode(key, slash=True), body=b"vhost", host=host))
    assert put.status == 200, put
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"vhost"
    got = raw.send(raw.sign_v4("GET", "/" + uri_encode(key, slash=True), host=host))
    assert (got.status, got.body) == (200, b"vhost")
    listing = raw.send(raw.sign_v4("GET", "/", [("list-type", "2")], host=host))
    assert listing.status == 200 and b"<Key>dir/a b+c</Key>" in listing.body, listing
