"""Which scheme authenticates a request, and the one :class:`AuthResult` it gets.

This module owns the dispatch (as S3 does it: one auth mechanism per request, the
``Authorization`` header or the SigV4 query or the SigV2 query, else anonymous) and the result
of the schemes that do not sign the payload (SigV2, anonymous, unverified). It is pure; the
schemes live in :mod:`~cargobay.s3.auth.sigv4` and :mod:`~cargobay.s3.auth.sigv2`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cargobay.s3.auth import sigv2, sigv4
from cargobay.s3.auth.payload import framing_of, hex_or_none, payload_field
from cargobay.s3.auth.request import RequestView, split_query
from cargobay.s3.auth.result import AuthMethod, AuthResult
from cargobay.s3.auth.shared import SecretLookup, aware
from cargobay.s3.errors import AccessDenied, InvalidArgument, InvalidRequest

__all__ = ["authenticate"]


def authenticate(
    req: RequestView,
    *,
    lookup_secret: SecretLookup,
    region: str,
    now: datetime,
    allow_anonymous: bool = False,
    max_skew: timedelta = timedelta(minutes=15),
    verify: bool = True,
) -> AuthResult:
    """Verify a request's signature (SigV4 or SigV2, header or query) or admit it anonymously.

    ``lookup_secret`` maps an access key id to its secret (None: unknown key). ``region`` is the
    region this endpoint claims; a SigV4 credential scope naming another is rejected. Raises the
    S3 error AWS would return. With ``verify=False`` (a server run without authentication, or a
    request that proves itself elsewhere, as a browser form's signed policy does) nothing is
    checked and the result only reads the payload hash and the body framing from the headers.
    """
    if not verify:
        content_sha = req.headers.get("x-amz-content-sha256")
        return AuthResult(None, "unverified", hex_or_none(content_sha), content_sha, None, framing_of(req.headers))
    now = aware(now)
    auth = req.headers.get("authorization")
    if auth is not None and not auth.strip():
        # An Authorization header with no value names no scheme: S3 takes the request as anonymous
        # (403 AccessDenied on a private resource, storj/edge#142 quoting real S3), not 400.
        auth = None
    params = split_query(req.raw_query) if req.raw_query else []
    names = {p.raw_name for p in params}
    query_v4 = "X-Amz-Algorithm" in names or "X-Amz-Credential" in names or "X-Amz-Signature" in names
    query_v2 = "Signature" in names or "AWSAccessKeyId" in names

    if auth is not None:
        if query_v4 or query_v2:
            raise InvalidArgument(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                "string parameter or the Authorization header should be specified",
                ArgumentName="Authorization",
                ArgumentValue=auth,
            )
        scheme = auth.split(" ", 1)[0]
        if scheme == sigv4.ALGORITHM:
            return sigv4.verify_header(
                req, auth, lookup_secret=lookup_secret, region=region, now=now, max_skew=max_skew
            )
        if scheme == "AWS":
            key = sigv2.verify_header(req, auth, params, lookup_secret=lookup_secret, now=now, max_skew=max_skew)
            return _unsigned_payload_result(req, key, "sigv2-header")
        raise InvalidArgument("Unsupported Authorization Type", ArgumentName="Authorization", ArgumentValue=auth)
    if query_v4:
        return sigv4.verify_query(req, params, lookup_secret=lookup_secret, region=region, now=now, max_skew=max_skew)
    if query_v2:
        key = sigv2.verify_query(req, params, lookup_secret=lookup_secret, now=now)
        return _unsigned_payload_result(req, key, "sigv2-query")
    if allow_anonymous:
        return _unsigned_payload_result(req, None, "anonymous")
    raise AccessDenied()


def _unsigned_payload_result(req: RequestView, access_key: str | None, method: AuthMethod) -> AuthResult:
    """A result for schemes that do not sign the payload (SigV2, anonymous): no signed stream."""
    value = payload_field(req.headers, required=False)
    if value is not None and value.startswith("STREAMING-AWS4-"):
        raise InvalidRequest(f"x-amz-content-sha256 {value} requires Signature Version 4 header authentication")
    return AuthResult(access_key, method, hex_or_none(value), value, None, framing_of(req.headers))
