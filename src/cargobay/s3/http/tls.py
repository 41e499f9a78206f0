"""TLS for the server: a context from a certificate and key, or a self-signed pair for local use.

The self-signed certificate (made with ``cryptography``, the well-kept standard for X.509 in
Python) names ``localhost``, ``127.0.0.1``, ``::1`` and any extra host given, and is kept in the
data directory so clients that trusted it keep working across restarts. It is made fresh when
the kept one expires within a day or does not name a requested host.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import ssl

from cargobay._fsutil import atomic_write

_VALID_DAYS = 825


def server_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def _names(hosts: list[str]) -> list[str]:
    return sorted({"localhost", "127.0.0.1", "::1", *hosts})


def _usable(cert_path: str, hosts: list[str]) -> bool:
    from cryptography import x509

    try:
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
    except (OSError, ValueError):
        return False
    if cert.not_valid_after_utc - _dt.datetime.now(_dt.UTC) < _dt.timedelta(days=1):
        return False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    present = {str(n) for n in san.get_values_for_type(x509.DNSName)}
    present |= {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return set(_names(hosts)) <= present


def self_signed(directory: str, *, hosts: list[str] | None = None) -> tuple[str, str]:
    """(cert path, key path) of a self-signed certificate kept in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    hosts = hosts or []
    os.makedirs(directory, exist_ok=True)
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    if os.path.exists(key_path) and _usable(cert_path, hosts):
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in _names(hosts):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
            if not name.startswith("*.") and name != "localhost":
                alt.append(x509.DNSName(f"*.{name}"))  # virtual-hosted buckets under a --domain
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cargobay local S3")])
    now = _dt.datetime.now(_dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))
        .not_valid_after(now + _dt.timedelta(days=_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with atomic_write(key_path, mode=0o600) as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    with atomic_write(cert_path, mode=0o644) as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
