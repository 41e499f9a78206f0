"""Request authentication for the local S3 server: AWS Signature Version 4, and the dispatcher.

This module owns deciding WHO sent a request (or that nobody provably did) from the request line
and headers alone. It is pure: no HTTP framework, no I/O, no clock (``now`` is passed in). The HTTP
layer adapts its request to :class:`RequestView`, calls :func:`authenticate`, and acts on the
:class:`AuthResult` (checking the body against ``payload_sha256``, or decoding an aws-chunked body
with :class:`cargobay.s3.chunked.AwsChunkedDecoder` and ``streaming``). Signature Version 2 lives
in :mod:`cargobay.s3.sigv2`; :func:`authenticate` picks the scheme.

Decisions, with AWS S3 as the reference:

* **Canonical URI.** S3 does not normalise the path (no ``.``/``..`` removal, no ``//`` collapse),
  so the first candidate is the raw path exactly as sent. Clients differ in which characters they
  percent-encode (botocore encodes ``!*'()`` and ``$``; aws-sdk-go leaves some of them raw; some
  send lowercase hex), so when the raw form fails we also accept the botocore-style re-encoding of
  the *decoded* path (each byte but ``A-Za-z0-9-_.~/`` as ``%XX``). Both candidates decode to the
  same key, so accepting either never changes what the request means.
* **Canonical query.** Each name and value is decoded and re-encoded with the SigV4 rules
  (everything but ``A-Za-z0-9-_.~`` as ``%XX``, space as ``%20``), then sorted by encoded name and
  value. A raw ``+`` in the query is form-encoding for a space (as AWS, Go's ``url.Query`` and
  MinIO read it), so it canonicalises to ``%20``; a client that means a literal plus must send
  ``%2B`` (botocore always does). There is deliberately ONE interpretation: accepting a second one
  would let someone on the wire turn a signed ``%2B`` into ``+`` and change the meaning of a
  signed request. :func:`parse_query` applies the same rule, so the HTTP layer reads exactly the
  parameters that were verified.
* **Headers.** Signed header values are trimmed and inner whitespace runs collapsed (the SigV4
  ``Trimall``). ``host`` must be signed; every ``x-amz-*`` header present must be signed, as S3
  demands (``AccessDenied`` naming ``HeadersNotSigned``).
* **Cost.** Derived signing keys are cached per (secret, date, region, service) in an LRU, so a
  verification is two SHA-256 passes over short strings plus one HMAC; comparisons use
  :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import quote_from_bytes, unquote_to_bytes

from cargobay.s3 import sigv2
from cargobay.s3.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidRequest,
    InvalidURI,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)
from cargobay.s3.signing import derive_signing_key  # the client signer's; re-exported here

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "STREAMING_SIGNED",
    "STREAMING_SIGNED_TRAILER",
    "STREAMING_UNSIGNED_TRAILER",
    "UNSIGNED_PAYLOAD",
    "AuthMethod",
    "AuthResult",
    "RequestView",
    "StreamingContext",
    "authenticate",
    "canonical_query_string",
    "canonical_uri_candidates",
    "derive_signing_key",
    "parse_query",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_STREAMING_ECDSA = (
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
_PAYLOAD_CONSTANTS = frozenset(
    {
        UNSIGNED_PAYLOAD,
        STREAMING_SIGNED,
        STREAMING_SIGNED_TRAILER,
        STREAMING_UNSIGNED_TRAILER,
        *_STREAMING_ECDSA,
    }
)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_MAX_PRESIGN_EXPIRES = 604800  # one week, the SigV4 maximum

AuthMethod = Literal["sigv4-header", "sigv4-query", "sigv2-header", "sigv2-query", "anonymous"]

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
_DATESTAMP = re.compile(r"\d{8}")
_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]*")
_PATH_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~/]*")
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)


@dataclass(frozen=True)
class RequestView:
    """What authentication needs of a request, as the HTTP layer received it.

    ``raw_path`` and ``raw_query`` are exactly as on the request line (percent-encoded; the
    query without its ``?``). ``headers`` has lower-cased names, repeated headers joined with
    ``,``. ``host`` is the Host header value including any port. ``vhost_bucket`` is the bucket
    named by a virtual-hosted-style Host (``bucket.s3.example``), which Signature Version 2 puts
    in front of the path; None for path-style requests.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    host: str
    vhost_bucket: str | None = None


@dataclass(frozen=True)
class StreamingContext:
    """What verifying an aws-chunked body needs: the chain starts at ``seed_signature``."""

    seed_signature: str
    signing_key: bytes
    scope: str  # "20130524/us-east-1/s3/aws4_request"
    amz_date: str  # "20130524T000000Z"
    access_key: str


@dataclass(frozen=True)
class AuthResult:
    """The outcome of a successful authentication.

    ``payload_sha256`` is the lower-case hex SHA-256 the body must have (the caller compares it
    and raises ``XAmzContentSHA256Mismatch``), None when the payload is unsigned or streamed.
    ``content_sha256_header`` is the raw ``x-amz-content-sha256`` value. ``streaming`` is set for
    ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`` bodies.
    """

    access_key: str | None
    method: AuthMethod
    payload_sha256: str | None
    content_sha256_header: str | None
    streaming: StreamingContext | None

    @property
    def aws_chunked(self) -> bool:
        """True when the body is aws-chunked framed and must go through the chunk decoder."""
        v = self.content_sha256_header
        return v is not None and v.startswith("STREAMING-")

    @property
    def trailer_expected(self) -> bool:
        """True when the aws-chunked body ends with trailing headers (e.g. a checksum)."""
        v = self.content_sha256_header
        return v is not None and v.startswith("STREAMING-") and v.endswith("-TRAILER")


# --------------------------------------------------------------------------------------------
# Query string


@dataclass(frozen=True, slots=True)
class _QueryParam:
    raw_name: str
    raw_value: str
    has_equals: bool


def _split_query(raw_query: str) -> list[_QueryParam]:
    params = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        params.append(_QueryParam(name, value, bool(eq)))
    return params


def _decode_component(raw: str) -> bytes:
    """Percent-decode one query component to bytes, ``+`` meaning space (form encoding)."""
    return unquote_to_bytes(raw.encode("utf-8", "surrogateescape").replace(b"+", b" "))


def _encode_component(raw: str) -> str:
    """The SigV4 canonical encoding of one raw (as sent) query component."""
    if _UNRESERVED.fullmatch(raw):
        return raw
    return quote_from_bytes(_decode_component(raw), safe="~")


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Decode a raw query string into (name, value) pairs, in order, as authentication reads it.

    ``+`` is a space; a name without ``=`` has the value ``""``. The HTTP layer should use this
    so that it acts on exactly what the signature covered. Invalid UTF-8 raises ``InvalidURI``.
    """
    out = []
    try:
        for p in _split_query(raw_query):
            out.append((_decode_component(p.raw_name).decode(), _decode_component(p.raw_value).decode()))
    except UnicodeDecodeError:
        raise InvalidURI() from None
    return out


def _param_map(params: Sequence[_QueryParam]) -> dict[str, str]:
    """First value of each (decoded) parameter name, for the auth parameters."""
    out: dict[str, str] = {}
    for p in params:
        name = _decode_component(p.raw_name).decode("utf-8", "surrogateescape")
        if name not in out:
            out[name] = _decode_component(p.raw_value).decode("utf-8", "surrogateescape")
    return out


def canonical_query_string(raw_query: str, *, exclude: frozenset[str] = frozenset()) -> str:
    """The SigV4 canonical query string of a raw query (see the module docstring for ``+``)."""
    return _canonical_query(_split_query(raw_query), exclude=exclude)


def _canonical_query(params: Sequence[_QueryParam], *, exclude: frozenset[str] = frozenset()) -> str:
    pairs = []
    for p in params:
        name = _encode_component(p.raw_name)
        if exclude and name in exclude:
            continue
        pairs.append((name, _encode_component(p.raw_value)))
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


# --------------------------------------------------------------------------------------------
# Path


def canonical_uri_candidates(raw_path: str) -> list[str]:
    """Canonical URIs to try, best first: the raw path, then its botocore-style re-encoding."""
    path = raw_path or "/"
    if _PATH_UNRESERVED.fullmatch(path):
        return [path]
    reencoded = quote_from_bytes(unquote_to_bytes(path.encode("utf-8", "surrogateescape")), safe="/~")
    return [path] if reencoded == path else [path, reencoded]


# --------------------------------------------------------------------------------------------
# Keys and small helpers


def _utf8(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _hex_bytes(s: str) -> str:
    return " ".join(f"{b:02x}" for b in _utf8(s))


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _parse_amz_date(value: str) -> datetime | None:
    m = _AMZ_DATE.fullmatch(value)
    if m is None:
        return None
    try:
        y, mo, d, h, mi, se = (int(g) for g in m.groups())
        return datetime(y, mo, d, h, mi, se, tzinfo=UTC)
    except ValueError:
        return None


def _parse_http_date(value: str) -> datetime | None:
    """An RFC 1123 (or ISO 8601 basic) date as sent in ``Date``/``x-amz-date``; None if invalid."""
    dt = _parse_amz_date(value.strip())
    if dt is not None:
        return dt
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _aware(parsed)


def check_skew(request_time: datetime, now: datetime, max_skew: timedelta) -> None:
    """Raise ``RequestTimeTooSkewed`` when header-signed request time is too far from ``now``."""
    if abs(now - request_time) > max_skew:
        raise RequestTimeTooSkewed(
            RequestTime=_iso(request_time),
            ServerTime=_iso(now),
            MaxAllowedSkewMilliseconds=str(int(max_skew.total_seconds() * 1000)),
        )


def _trimall(value: str) -> str:
    return " ".join(value.split())


def _payload_field(headers: Mapping[str, str], *, required: bool) -> str | None:
    """Validate ``x-amz-content-sha256``; return it (None when absent and not required)."""
    value = headers.get("x-amz-content-sha256")
    if value is None:
        if required:
            raise InvalidRequest("Missing required header for this request: x-amz-content-sha256")
        return None
    if value in _PAYLOAD_CONSTANTS or _HEX64.fullmatch(value):
        return value
    raise InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
        "or a valid sha256 value.",
        ArgumentName="x-amz-content-sha256",
        ArgumentValue=value,
    )


def _hex_or_none(value: str | None) -> str | None:
    if value is not None and _HEX64.fullmatch(value):
        return value.lower()
    return None


# --------------------------------------------------------------------------------------------
# Dispatcher


def authenticate(
    req: RequestView,
    *,
    lookup_secret: Callable[[str], str | None],
    region: str,
    now: datetime,
    allow_anonymous: bool = False,
    max_skew: timedelta = timedelta(minutes=15),
) -> AuthResult:
    """Verify a request's signature (SigV4 or SigV2, header or query) or admit it anonymously.

    ``lookup_secret`` maps an access key id to its secret (None: unknown key). ``region`` is the
    region this endpoint claims; a SigV4 credential scope naming another is rejected. Raises the
    S3 error AWS would return; see the module docstring for the canonicalisation rules.
    """
    now = _aware(now)
    auth = req.headers.get("authorization")
    params = _split_query(req.raw_query) if req.raw_query else []
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
        if scheme == ALGORITHM:
            return _verify_v4_header(
                req, auth, lookup_secret=lookup_secret, region=region, now=now, max_skew=max_skew
            )
        if scheme == "AWS":
            key = sigv2.verify_header(
                req, auth, params, lookup_secret=lookup_secret, now=now, max_skew=max_skew
            )
            return _plain_result(req, key, "sigv2-header")
        raise InvalidArgument(
            "Unsupported Authorization Type", ArgumentName="Authorization", ArgumentValue=auth
        )
    if query_v4:
        return _verify_v4_query(
            req, params, lookup_secret=lookup_secret, region=region, now=now, max_skew=max_skew
        )
    if query_v2:
        key = sigv2.verify_query(req, params, lookup_secret=lookup_secret, now=now)
        return _plain_result(req, key, "sigv2-query")
    if allow_anonymous:
        return _plain_result(req, None, "anonymous")
    raise AccessDenied()


def _plain_result(req: RequestView, access_key: str | None, method: AuthMethod) -> AuthResult:
    """A result for schemes that do not sign the payload (SigV2, anonymous)."""
    value = _payload_field(req.headers, required=False)
    if value is not None and value.startswith("STREAMING-AWS4-"):
        raise InvalidRequest(
            f"x-amz-content-sha256 {value} requires Signature Version 4 header authentication"
        )
    return AuthResult(access_key, method, _hex_or_none(value), value, None)


# --------------------------------------------------------------------------------------------
# SigV4


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
            f"{prefix}the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    return _Credential(*parts)


def _check_scope(cred: _Credential, region: str, *, query: bool) -> None:
    if query:
        prefix = "Error parsing the X-Amz-Credential parameter; "
        cls: type[AuthorizationHeaderMalformed | AuthorizationQueryParametersError] = (
            AuthorizationQueryParametersError
        )
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
            raise AuthorizationHeaderMalformed(
                f'{prefix}the authorization component "{component}" is malformed.'
            )
        fields[name] = value
    try:
        credential, signed, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
    except KeyError:
        raise AuthorizationHeaderMalformed(
            f"{prefix}the authorization header requires three components: "
            "Credential, SignedHeaders, and Signature."
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
    provided_b = _utf8(provided)
    first: tuple[str, str] | None = None
    for uri in canonical_uri_candidates(req.raw_path):
        creq = f"{req.method}\n{uri}\n{canonical_query}\n{headers_block}\n{signed}\n{payload}"
        sts = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(_utf8(creq)).hexdigest()}"
        sig = hmac.new(key, _utf8(sts), "sha256").hexdigest()
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
        StringToSignBytes=_hex_bytes(sts),
        CanonicalRequest=creq,
        CanonicalRequestBytes=_hex_bytes(creq),
    )


def _lookup(lookup_secret: Callable[[str], str | None], access_key: str) -> str:
    secret = lookup_secret(access_key)
    if secret is None:
        raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
    return secret


def _verify_v4_header(
    req: RequestView,
    auth: str,
    *,
    lookup_secret: Callable[[str], str | None],
    region: str,
    now: datetime,
    max_skew: timedelta,
) -> AuthResult:
    cred, signed, provided = _parse_authorization(auth)
    _check_scope(cred, region, query=False)
    headers = req.headers
    amz_date_raw = headers.get("x-amz-date")
    if amz_date_raw is not None:
        request_time = _parse_amz_date(amz_date_raw)
    else:
        date_raw = headers.get("date")
        request_time = _parse_http_date(date_raw) if date_raw is not None else None
    if request_time is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    amz_date = amz_date_raw if amz_date_raw is not None else request_time.strftime("%Y%m%dT%H%M%SZ")
    if amz_date[:8] != cred.datestamp:
        raise AuthorizationHeaderMalformed(
            "The authorization header is malformed; "
            "Invalid credential date. Date is not the same as X-Amz-Date."
        )
    check_skew(request_time, now, max_skew)
    names = _signed_header_names(signed, err=AuthorizationHeaderMalformed)
    payload = _payload_field(headers, required=True)
    assert payload is not None
    if payload in _STREAMING_ECDSA:
        raise InvalidArgument(
            "Signature Version 4A is not supported",
            ArgumentName="x-amz-content-sha256",
            ArgumentValue=payload,
        )
    _check_unsigned_amz_headers(headers, names)
    secret = _lookup(lookup_secret, cred.access_key)
    key = _verify_signature(
        req=req,
        canonical_query=_canonical_query(_split_query(req.raw_query)) if req.raw_query else "",
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
    return AuthResult(cred.access_key, "sigv4-header", _hex_or_none(payload), payload, streaming)


def _verify_v4_query(
    req: RequestView,
    params: list[_QueryParam],
    *,
    lookup_secret: Callable[[str], str | None],
    region: str,
    now: datetime,
    max_skew: timedelta,
) -> AuthResult:
    err = AuthorizationQueryParametersError
    q = _param_map(params)
    if any(name not in q for name in _PRESIGN_PARAMS):
        raise err(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    if q["X-Amz-Algorithm"] != ALGORITHM:
        raise err(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    cred = _parse_credential(
        q["X-Amz-Credential"], err=err, prefix="Error parsing the X-Amz-Credential parameter; "
    )
    _check_scope(cred, region, query=True)
    amz_date = q["X-Amz-Date"]
    request_time = _parse_amz_date(amz_date)
    if request_time is None:
        raise err("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if amz_date[:8] != cred.datestamp:
        raise err(
            f'Invalid credential date "{cred.datestamp}". '
            f'This date is not the same as X-Amz-Date: "{amz_date[:8]}".'
        )
    expires_raw = q["X-Amz-Expires"]
    try:
        expires = int(expires_raw)
    except ValueError:
        raise err("X-Amz-Expires should be a number") from None
    # Out of 1..604800 the URL grants nothing: 403 like an expired URL (AWS answers 403, not 400;
    # a URL valid for 0 seconds or less has expired when it is made).
    if expires > _MAX_PRESIGN_EXPIRES:
        too_long = AccessDenied("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        too_long.extra["X-Amz-Expires"] = str(expires)
        raise too_long
    expiry = request_time + timedelta(seconds=expires)
    if now > expiry or expires <= 0:
        expired = AccessDenied("Request has expired")
        # AWS's element order: X-Amz-Expires, Expires, ServerTime (not a Python identifier).
        expired.extra.update(
            {"X-Amz-Expires": str(expires), "Expires": _iso(expiry), "ServerTime": _iso(now)}
        )
        raise expired
    if request_time - now > max_skew:
        raise AccessDenied("Request is not valid yet", RequestTime=_iso(request_time), ServerTime=_iso(now))
    signed = q["X-Amz-SignedHeaders"]
    names = _signed_header_names(signed, err=err)
    headers = req.headers
    header_payload = _payload_field(headers, required=False)
    _check_unsigned_amz_headers(headers, names)
    secret = _lookup(lookup_secret, cred.access_key)
    query_payload = q.get("X-Amz-Content-Sha256")
    payload = query_payload if query_payload is not None else UNSIGNED_PAYLOAD
    _verify_signature(
        req=req,
        canonical_query=_canonical_query(params, exclude=frozenset({"X-Amz-Signature"})),
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
    payload_hex = _hex_or_none(header_payload) or _hex_or_none(query_payload)
    return AuthResult(cred.access_key, "sigv4-query", payload_hex, header_payload, None)
