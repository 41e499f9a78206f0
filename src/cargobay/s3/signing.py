"""Client-side AWS Signature Version 4: the headers that sign a request cargobay sends itself.

This module owns signing a request *without botocore*: a no-change re-sync makes ten
``ListObjectsV2`` GETs and nothing else, and importing botocore and building a client costs more
than those ten requests (about 0.2 s). It is pure (no I/O, no clock: ``now`` is passed in, no
environment) and imports nothing from cargobay. It also owns the SigV4 key derivation
(:func:`derive_signing_key`), which the server's verifier (:mod:`cargobay.s3.auth.sigv4`) and the
form-upload policy check import from here, so both sides derive keys the same way and a client
does not import the verifier.

What is signed, following the SigV4 specification for S3:

* **Canonical URI**: the path as sent, each byte but ``A-Za-z0-9-_.~/`` percent-encoded once
  (S3 does not double-encode). :func:`encode_path` builds it and the caller sends exactly it.
* **Canonical query**: names and values percent-encoded (everything but ``A-Za-z0-9-_.~``,
  space as ``%20``, ``+`` as ``%2B``), sorted by name then value. :func:`sign` returns this
  string and the caller sends it as the query, so what is verified is what is sent.
* **Headers**: ``host``, ``x-amz-content-sha256``, ``x-amz-date`` and, with temporary
  credentials, ``x-amz-security-token``; plus any headers the caller passes, lower-cased,
  values trimmed and inner whitespace collapsed.
* **Payload**: the SHA-256 of the body; for a GET, the hash of the empty string.

The result is checked in the tests against botocore's ``S3SigV4Auth`` and against the server's
verifier (:func:`cargobay.s3.auth.authenticate`) on generated keys, prefixes and tokens.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple
from urllib.parse import quote

from cargobay._record import Record

__all__ = [
    "EMPTY_SHA256",
    "Credentials",
    "SignedRequest",
    "authorization",
    "canonical_query",
    "derive_signing_key",
    "encode_path",
    "presign",
    "sign",
]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_ALGORITHM = "AWS4-HMAC-SHA256"


class Credentials(Record):
    """An access key pair, with the session token of temporary credentials (STS, SSO, roles)."""

    _fields = ("access_key", "secret_key", "session_token")
    __slots__ = _fields
    access_key: str
    secret_key: str
    session_token: str | None

    def __init__(self, access_key: str, secret_key: str, session_token: str | None = None) -> None:
        self._set(access_key, secret_key, session_token)

    def __repr__(self) -> str:  # never print a secret
        return f"Credentials(access_key={self.access_key!r}, secret_key=..., session_token=...)"


@functools.lru_cache(maxsize=1024)
def derive_signing_key(secret: str, datestamp: str, region: str, service: str = "s3") -> bytes:
    """The SigV4 signing key; cached because every request of a day re-derives the same one.

    Keyed on the secret itself (not the access key id) so that a rotated secret never meets a
    stale key.
    """
    k = hmac.digest(("AWS4" + secret).encode("utf-8"), datestamp.encode(), "sha256")
    k = hmac.digest(k, region.encode("utf-8"), "sha256")
    k = hmac.digest(k, service.encode("utf-8"), "sha256")
    return hmac.digest(k, b"aws4_request", "sha256")


class SignedRequest(NamedTuple):
    """What to send: ``path`` and ``query`` exactly as signed, and the headers to add."""

    path: str
    query: str
    headers: dict[str, str]


def encode_path(path: str) -> str:
    """``/bucket/some key`` -> ``/bucket/some%20key``: every byte but ``A-Za-z0-9-_.~/`` as ``%XX``."""
    return quote(path, safe="/~")


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """The SigV4 canonical query string, which is also a valid query string to send."""
    pairs = sorted((_encode(k), _encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in pairs)


def _trim(value: str) -> str:
    return " ".join(value.split())


def authorization(
    method: str,
    canonical_uri: str,
    query: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    *,
    credentials: Credentials,
    region: str,
    amz_date: str,
    service: str = "s3",
) -> str:
    """The ``Authorization`` header for a request already in canonical form.

    ``canonical_uri`` and ``query`` are sent exactly as given; ``headers`` are every signed
    header, names lower-case and values trimmed (``host``, ``x-amz-date`` = ``amz_date`` and
    ``x-amz-content-sha256`` = ``payload_sha256`` among them). For callers that keep their own
    canonical form (the benchmark client caches its date per second); others use :func:`sign`.
    """
    datestamp = amz_date[:8]
    names = sorted(headers)
    signed_names = ";".join(names)
    canonical = "\n".join(
        (
            method,
            canonical_uri,
            query,
            "".join(f"{n}:{headers[n]}\n" for n in names),
            signed_names,
            payload_sha256,
        )
    )
    scope = f"{datestamp}/{region}/{service}/aws4_request"
    to_sign = "\n".join((_ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
    key = derive_signing_key(credentials.secret_key, datestamp, region, service)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (
        f"{_ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={signed_names}, Signature={signature}"
    )


def sign(
    method: str,
    host: str,
    path: str,
    params: Iterable[tuple[str, str]] = (),
    *,
    credentials: Credentials,
    region: str,
    now: datetime,
    service: str = "s3",
    headers: Mapping[str, str] | None = None,
    payload_sha256: str = EMPTY_SHA256,
) -> SignedRequest:
    """Sign ``method host path?params`` at ``now`` (a UTC datetime).

    ``path`` is the decoded path (``/bucket/key``); ``host`` is the Host header as sent
    (``127.0.0.1:9000``; a default port must be left out, as HTTP clients leave it out).
    """
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    all_headers = {k.lower(): _trim(v) for k, v in (headers or {}).items()}
    all_headers["host"] = host
    all_headers["x-amz-date"] = amz_date
    all_headers["x-amz-content-sha256"] = payload_sha256
    if credentials.session_token:
        all_headers["x-amz-security-token"] = credentials.session_token
    canonical_uri = encode_path(path)
    query = canonical_query(params)
    out = {n: v for n, v in all_headers.items() if n != "host"}
    out["authorization"] = authorization(
        method,
        canonical_uri,
        query,
        all_headers,
        payload_sha256,
        credentials=credentials,
        region=region,
        amz_date=amz_date,
        service=service,
    )
    return SignedRequest(canonical_uri, query, out)


def presign(
    method: str,
    host: str,
    path: str,
    params: Iterable[tuple[str, str]] = (),
    *,
    credentials: Credentials,
    region: str,
    now: datetime,
    expires: int,
    service: str = "s3",
) -> str:
    """A SigV4 query-string-signed ``path?query`` (host the only signed header, payload unsigned),
    valid for ``expires`` seconds from ``now``: the presigned URL of the AWS docs
    (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    datestamp = amz_date[:8]
    scope = f"{datestamp}/{region}/{service}/aws4_request"
    all_params = [
        *params,
        ("X-Amz-Algorithm", _ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if credentials.session_token:
        all_params.append(("X-Amz-Security-Token", credentials.session_token))
    canonical_uri = encode_path(path)
    query = canonical_query(all_params)
    canonical = "\n".join((method, canonical_uri, query, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"))
    to_sign = "\n".join((_ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
    key = derive_signing_key(credentials.secret_key, datestamp, region, service)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{canonical_uri}?{query}&X-Amz-Signature={signature}"
