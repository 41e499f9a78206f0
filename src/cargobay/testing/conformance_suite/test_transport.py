"""Transport: HTTPS (certificate verified by the client) and virtual-hosted-style addressing
(the bucket in the Host header)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3, uri_encode


def _self_signed(directory: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1/localhost and its key, as PEM files (test CA = the cert)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cargobay-conformance")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path_ = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path_.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path_)


@pytest.fixture
def tls_target(s3_endpoint: Any, tmp_path: Path) -> Iterator[Any]:
    """An HTTPS endpoint: the URL endpoint itself when it is https, else a TLS cargobay server."""
    if s3_endpoint.endpoint.url.startswith("https://"):
        yield s3_endpoint
        return
    if s3_endpoint.spec.kind != "cargobay":
        pytest.skip(f"capability: {s3_endpoint.id} is not an https endpoint")
    from cargobay.testing.s3_target import S3Target
    from cargobay.testing.servers import InProcessServer

    cert, key = _self_signed(tmp_path)
    with InProcessServer(tls_cert=cert, tls_key=key) as server:
        yield S3Target(s3_endpoint.spec, server.endpoint, tls_verify=cert)


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
