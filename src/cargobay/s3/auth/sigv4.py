"""AWS Signature Version 4 verification: the ``Authorization`` header and presigned URLs.

This module owns the SigV4 rules: parsing the credential and its scope, the canonical request
(with the query and path forms of :mod:`cargobay.s3.auth.request`), which headers must be signed,
presigned-URL expiry, and the streaming context handed to the aws-chunked decoder. It is pure
(no HTTP framework, no I/O, no clock: ``now`` is passed in) and is called by
:func:`cargobay.s3.auth.authenticate`, which picks the scheme.

Decisions, with AWS S3 as the reference:

* **Headers.** Signed header values are trimmed and inner whitespace runs collapsed (the SigV4
  ``Trimall``). ``host`` must be signed; every ``x-amz-*`` header present must be signed, as S3
  demands (``AccessDenied`` naming ``HeadersNotSigned``).
* **Request time.** A header-signed request is dated by ``x-amz-date`` (or ``Date``) and must lie
  within ``max_skew`` of the server's clock; a presigned URL is valid from ``X-Amz-Date`` (less
  the skew) for ``X-Amz-Expires`` seconds, at most a week.
* **Cost.** Derived signing keys are cached per (secret, date, region, service) in an LRU
  (:func:`cargobay.s3.signing.derive_signing_key`, shared with the client signer), so a
  verification is two SHA-256 passes over short strings plus one HMAC; comparisons use
  :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cargobay.s3.auth.payload import (
    STREAMING_ECDSA,
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    UNSIGNED_PAYLOAD,
    framing_of,
    hex_or_none,
    payload_field,
)
from cargobay.s3.auth.request import (
    QueryParam,
    RequestView,
    canonical_query,
    canonical_uri_candidates,
    hex_dump,
    param_map,
    split_query,
    utf8,
)
from cargobay.s3.auth.result import AuthResult, StreamingContext
from cargobay.s3.auth.shared import (
    SecretLookup,
    check_skew,
    hmac_on_loop,
    iso,
    parse_amz_date,
    parse_http_date,
    parse_integer,
    secret_for,
)
from cargobay.s3.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
    SignatureDoesNotMatch,
)
from cargobay.s3.signing import derive_signing_key  # the client signer's: one derivation, both sides

__all__ = ["ALGORITHM", "derive_signing_key", "verify_header", "verify_query"]

ALGORITHM = "AWS4-HMAC-SHA256"
_MAX_PRESIGN_EXPIRES = 604800  # one week, the SigV4 maximum

_DATESTAMP = re.compile(r"[0-9]{8}")
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)


@dataclass(frozen=True, slots=True)
class _Credential:
    access_key: str
    datestamp: str
    region: str
    service: str
    terminal: str

    @property
    def scope(self) -> str:
        return f"{self.datestamp}/{self.region}/{self.service}/{self.terminal}"


def _parse_credential(value: str, *, err: Callable[[str], Exception], prefix: str) -> _Credential:
    parts = value.rsplit("/", 4)
    if len(parts) != 5 or not parts[0] or not _DATESTAMP.fullmatch(parts[1]):
        raise err(
            f'{prefix}the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    return _Credential(*parts)


def _check_scope(cred: _Credential, region: str, *, query: bool) -> None:
    if query:
        prefix = "Error parsing the X-Amz-Credential parameter; "
        cls: type[AuthorizationHeaderMalformed | AuthorizationQueryParametersError] = AuthorizationQueryParametersError
    else:
        prefix = "The authorization header is malformed; "
        cls = AuthorizationHeaderMalformed
    if cred.region != region:
        raise cls(f"{prefix}the region '{cred.region}' is wrong; expecting '{region}'", Region=region)
    if cred.service != "s3":
        raise cls(f'{prefix}incorrect service "{cred.service}". This endpoint belongs to "s3".')
    if cred.terminal != "aws4_request":
        raise cls(f'{prefix}incorrect terminal "{cred.terminal}". This endpoint uses "aws4_request".')


def _parse_authorization(auth: str) -> tuple[_Credential, str, str]:
    """Split ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    prefix = "The authorization header is malformed; "
    rest = auth[len(ALGORITHM) :]
    if not rest[:1].isspace():
        raise AuthorizationHeaderMalformed(f"{prefix}the authorization header requires three components.")
    fields: dict[str, str] = {}
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        name, eq, value = component.partition("=")
        if not eq or name in fields:
            raise AuthorizationHeaderMalformed(f'{prefix}the authorization component "{component}" is malformed.')
        fields[name] = value
    try:
        credential, signed, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
    except KeyError:
        raise AuthorizationHeaderMalformed(
            f"{prefix}the authorization header requires three components: Credential, SignedHeaders, and Signature."
        ) from None
    cred = _parse_credential(credential, err=AuthorizationHeaderMalformed, prefix=prefix)
    return cred, signed, signature


def _signed_header_names(signed: str, *, err: Callable[[str], Exception]) -> list[str]:
    names = signed.split(";")
    if not signed or any(not n or n != n.strip() for n in names):
        raise err(f'The SignedHeaders "{signed}" are malformed.')
    if "host" not in names:
        raise err("The host header must be signed.")
    return names


def _check_unsigned_amz_headers(headers: Mapping[str, str], signed: Sequence[str]) -> None:
    signed_set = set(signed)
    missing = sorted(h for h in headers if h.startswith("x-amz-") and h not in signed_set)
    if missing:
        raise AccessDenied(
            "There were headers present in the request which were not signed",
            HeadersNotSigned=", ".join(missing),
        )


def _trimall(value: str) -> str:
    return " ".join(value.split())


def _canonical_headers(req: RequestView, names: Sequence[str]) -> str:
    lines = []
    headers = req.headers
    for name in names:
        value = req.host if name == "host" else headers.get(name, "")
        lines.append(f"{name}:{_trimall(value)}\n")
    return "".join(lines)


def _verify_signature(
    *,
    req: RequestView,
    canonical_query: str,
    headers_block: str,
    signed: str,
    payload: str,
    amz_date: str,
    cred: _Credential,
    secret: str,
    provided: str,
) -> bytes:
    """Check ``provided`` against each canonical-URI candidate; return the signing key."""
    key = derive_signing_key(secret, cred.datestamp, cred.region, cred.service)
    scope = cred.scope
    provided_b = utf8(provided)
    first: tuple[str, str] | None = None
    for uri in canonical_uri_candidates(req.raw_path):
        creq = f"{req.method}\n{uri}\n{canonical_query}\n{headers_block}\n{signed}\n{payload}"
        sts = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(utf8(creq)).hexdigest()}"
        sig = hmac_on_loop(key, utf8(sts), "sha256").hex()
        if hmac.compare_digest(sig.encode(), provided_b):
            return key
        if first is None:
            first = (creq, sts)
    assert first is not None
    creq, sts = first
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=cred.access_key,
        StringToSign=sts,
        SignatureProvided=provided,
        StringToSignBytes=hex_dump(sts),
        CanonicalRequest=creq,
        CanonicalRequestBytes=hex_dump(creq),
    )


def verify_header(
    req: RequestView,
    auth: str,
    *,
    lookup_secret: SecretLookup,
    region: str,
    now: datetime,
    max_skew: timedelta,
) -> AuthResult:
    """Verify ``Authorization: AWS4-HMAC-SHA256 ...``; ``now`` must be time-zone aware."""
    cred, signed, provided = _parse_authorization(auth)
    _check_scope(cred, region, query=False)
    headers = req.headers
    amz_date_raw = headers.get("x-amz-date")
    if amz_date_raw is not None:
        sent: str | None = amz_date_raw
        request_time = parse_amz_date(amz_date_raw)
    else:
        sent = headers.get("date")
        request_time = parse_http_date(sent) if sent is not None else None
    if request_time is None or sent is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    amz_date = amz_date_raw if amz_date_raw is not None else request_time.strftime("%Y%m%dT%H%M%SZ")
    if amz_date[:8] != cred.datestamp:
        raise AuthorizationHeaderMalformed(
            "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."
        )
    check_skew(request_time, sent, now, max_skew)
    names = _signed_header_names(signed, err=AuthorizationHeaderMalformed)
    payload = payload_field(headers, required=True)
    assert payload is not None
    if payload in STREAMING_ECDSA:
        raise InvalidArgument(
            "Signature Version 4A is not supported",
            ArgumentName="x-amz-content-sha256",
            ArgumentValue=payload,
        )
    _check_unsigned_amz_headers(headers, names)
    secret = secret_for(lookup_secret, cred.access_key)
    key = _verify_signature(
        req=req,
        canonical_query=canonical_query(split_query(req.raw_query)) if req.raw_query else "",
        headers_block=_canonical_headers(req, names),
        signed=signed,
        payload=payload,
        amz_date=amz_date,
        cred=cred,
        secret=secret,
        provided=provided,
    )
    streaming = None
    if payload in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER):
        streaming = StreamingContext(provided, key, cred.scope, amz_date, cred.access_key)
    return AuthResult(cred.access_key, "sigv4-header", hex_or_none(payload), payload, streaming, framing_of(headers))


def verify_query(
    req: RequestView,
    params: list[QueryParam],
    *,
    lookup_secret: SecretLookup,
    region: str,
    now: datetime,
    max_skew: timedelta,
) -> AuthResult:
    """Verify a SigV4 presigned URL (``X-Amz-Algorithm`` ... ``X-Amz-Signature`` in the query)."""
    err = AuthorizationQueryParametersError
    q = param_map(params)
    if any(name not in q for name in _PRESIGN_PARAMS):
        raise err(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    if q["X-Amz-Algorithm"] != ALGORITHM:
        raise err(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    cred = _parse_credential(q["X-Amz-Credential"], err=err, prefix="Error parsing the X-Amz-Credential parameter; ")
    _check_scope(cred, region, query=True)
    amz_date = q["X-Amz-Date"]
    request_time = parse_amz_date(amz_date)
    if request_time is None:
        raise err("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if amz_date[:8] != cred.datestamp:
        raise err(
            f'Invalid credential date "{cred.datestamp}". This date is not the same as X-Amz-Date: "{amz_date[:8]}".'
        )
    expires_raw = q["X-Amz-Expires"]
    expires = parse_integer(expires_raw)
    if expires is None:
        raise err("X-Amz-Expires should be a number")
    # Out of 1..604800 the URL grants nothing: 403 like an expired URL (AWS answers 403, not 400;
    # a URL valid for 0 seconds or less has expired when it is made).
    if expires > _MAX_PRESIGN_EXPIRES:
        too_long = AccessDenied("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        too_long.extra["X-Amz-Expires"] = str(expires)
        raise too_long
    # A URL valid for 0 seconds or less expired when it was made, at X-Amz-Date (no earlier: a
    # hugely negative value would take the date out of range).
    expiry = request_time + timedelta(seconds=max(expires, 0))
    if now > expiry or expires <= 0:
        expired = AccessDenied("Request has expired")
        # AWS's element order: X-Amz-Expires, Expires, ServerTime (not a Python identifier).
        expired.extra.update({"X-Amz-Expires": str(expires), "Expires": iso(expiry), "ServerTime": iso(now)})
        raise expired
    if request_time - now > max_skew:
        raise AccessDenied("Request is not valid yet", RequestTime=iso(request_time), ServerTime=iso(now))
    signed = q["X-Amz-SignedHeaders"]
    names = _signed_header_names(signed, err=err)
    headers = req.headers
    header_payload = payload_field(headers, required=False)
    _check_unsigned_amz_headers(headers, names)
    secret = secret_for(lookup_secret, cred.access_key)
    query_payload = q.get("X-Amz-Content-Sha256")
    payload = query_payload if query_payload is not None else UNSIGNED_PAYLOAD
    _verify_signature(
        req=req,
        canonical_query=canonical_query(params, exclude=frozenset({"X-Amz-Signature"})),
        headers_block=_canonical_headers(req, names),
        signed=signed,
        payload=payload,
        amz_date=amz_date,
        cred=cred,
        secret=secret,
        provided=q["X-Amz-Signature"],
    )
    if header_payload is not None and header_payload.startswith("STREAMING-"):
        raise InvalidRequest("aws-chunked bodies cannot be sent with a presigned URL")
    payload_hex = hex_or_none(header_payload) or hex_or_none(query_payload)
    return AuthResult(cred.access_key, "sigv4-query", payload_hex, header_payload, None, framing_of(headers))
