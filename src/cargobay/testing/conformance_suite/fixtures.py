"""Fixtures only the conformance suite uses (the endpoint fixtures are the plugin's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target


@pytest.fixture
def raw(s3_endpoint: S3Target) -> RawS3:
    """Hand-signed raw HTTP requests to the endpoint under test."""
    return RawS3(s3_endpoint.endpoint, tls_verify=s3_endpoint.tls_verify)


def self_signed(directory: Path) -> tuple[str, str]:
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

    cert, key = self_signed(tmp_path)
    with InProcessServer(tls_cert=cert, tls_key=key) as server:
        yield S3Target(s3_endpoint.spec, server.endpoint, tls_verify=cert)
