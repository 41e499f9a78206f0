"""AWS Signature Version 2 (HMAC-SHA1) verification for the local S3 server.

This module owns the S3 flavour of SigV2: ``Authorization: AWS AKID:signature`` and the query
form (``AWSAccessKeyId``, ``Signature``, ``Expires``) that boto3 still produces for presigned URLs
in us-east-1 with a custom endpoint. It is pure (no HTTP framework, no clock) and is called by
:func:`cargobay.s3.sigv4.authenticate`, which owns dispatch and result building; it imports
nothing from there at run time.

StringToSign, per the S3 "Signing and authenticating REST requests" document::

    Method \\n Content-MD5 \\n Content-Type \\n Date \\n CanonicalizedAmzHeaders CanonicalizedResource

* ``Date`` is the ``Expires`` value for the query form. When ``x-amz-date`` is sent AWS signs an
  empty Date line; botocore still fills it with the Date header, so both are accepted (the
  request time itself is checked separately either way).
* ``CanonicalizedAmzHeaders``: every ``x-amz-*`` header (lower-cased, values trimmed, repeats
  joined by ``,``) sorted by name. For the query form, ``x-amz-*`` query parameters count too,
  because botocore moves signed ``x-amz-*`` headers into the presigned URL.
* ``CanonicalizedResource``: ``/bucket`` for virtual-hosted requests, the path as sent (or, like
  SigV4, its botocore-style re-encoding), then the sub-resources of :data:`SUBRESOURCES`
  sorted by name with decoded values. Clients disagree on the newer sub-resources (botocore signs
  ``object-lock`` but not ``retention``; MinIO the reverse), so the names in
  :data:`OPTIONAL_SUBRESOURCES` are tried both included and excluded.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote_from_bytes, unquote_to_bytes

from cargobay.s3.errors import (
    AccessDenied,
    InvalidAccessKeyId,
    InvalidArgument,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)

if TYPE_CHECKING:
    from cargobay.s3.sigv4 import RequestView

__all__ = [
    "OPTIONAL_SUBRESOURCES",
    "SUBRESOURCES",
    "string_to_sign_candidates",
    "verify_header",
    "verify_query",
]

#: Sub-resources every SigV2 client signs (the S3 documentation's list plus response overrides).
SUBRESOURCES = frozenset(
    {
        "acl",
        "cors",
        "delete",
        "lifecycle",
        "location",
        "logging",
        "notification",
        "partNumber",
        "policy",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
    }
)
#: Sub-resources some clients sign and others do not: tried both ways.
OPTIONAL_SUBRESOURCES = frozenset(
    {
        "accelerate",
        "analytics",
        "defaultObjectAcl",
        "encryption",
        "inventory",
        "legal-hold",
        "metrics",
        "object-lock",
        "replication",
        "retention",
        "select",
        "select-type",
        "storageClass",
    }
)


class _Param(Protocol):
    @property
    def raw_name(self) -> str: ...
    @property
    def raw_value(self) -> str: ...
    @property
    def has_equals(self) -> bool: ...


def _decode(raw: str) -> str:
    return unquote_to_bytes(raw.encode("utf-8", "surrogateescape").replace(b"+", b" ")).decode(
        "utf-8", "surrogateescape"
    )


def _utf8(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _amz_headers(headers: Mapping[str, str], params: Sequence[_Param], *, from_query: bool) -> str:
    found = {name: value.strip() for name, value in headers.items() if name.startswith("x-amz-")}
    if from_query:
        for p in params:
            name = _decode(p.raw_name).lower()
            if name.startswith("x-amz-") and name not in found:
                found[name] = _decode(p.raw_value).strip()
    return "".join(f"{name}:{found[name]}\n" for name in sorted(found))


def _resources(req: RequestView, params: Sequence[_Param]) -> Iterator[str]:
    paths = [req.raw_path or "/"]
    reencoded = quote_from_bytes(unquote_to_bytes(_utf8(paths[0])), safe="/~")
    if reencoded != paths[0]:
        paths.append(reencoded)
    if req.vhost_bucket is None and paths[0].count("/") == 1 and len(paths[0]) > 1:
        # botocore signs bucket-level requests as "/bucket/" while sending "/bucket".
        paths.append(paths[0] + "/")
    subs = [(_decode(p.raw_name), p) for p in params]
    core = [(n, p) for n, p in subs if n in SUBRESOURCES]
    optional = [(n, p) for n, p in subs if n in OPTIONAL_SUBRESOURCES]
    sets = [core + optional, core] if optional else [core]
    for path in paths:
        base = f"/{req.vhost_bucket}{path}" if req.vhost_bucket else path
        for chosen in sets:
            chosen = sorted(chosen, key=lambda item: item[0])
            plain = "&".join(f"{n}={_decode(p.raw_value)}" if p.raw_value else n for n, p in chosen)
            yield f"{base}?{plain}" if chosen else base
            raw_eq = "&".join(f"{n}={_decode(p.raw_value)}" if p.has_equals else n for n, p in chosen)
            if raw_eq != plain:
                yield f"{base}?{raw_eq}"


def string_to_sign_candidates(
    req: RequestView, params: Sequence[_Param], *, date_line: str | None, from_query: bool
) -> list[str]:
    """Every StringToSign a correct client could have signed for this request, best first.

    ``date_line`` is the Expires value for the query form; None for the header form, where it is
    taken from the Date header (and also tried empty when ``x-amz-date`` is sent).
    """
    h = req.headers
    head = f"{req.method}\n{h.get('content-md5', '').strip()}\n{h.get('content-type', '').strip()}\n"
    if date_line is not None:
        dates = [date_line]
    elif "x-amz-date" in h:
        dates = ["", h.get("date", "").strip()] if h.get("date", "").strip() else [""]
    else:
        dates = [h.get("date", "").strip()]
    amz = _amz_headers(h, params, from_query=from_query)
    out: list[str] = []
    for resource in _resources(req, params):
        for date in dates:
            sts = f"{head}{date}\n{amz}{resource}"
            if sts not in out:
                out.append(sts)
    return out


def _check(access_key: str, secret: str, provided: str, candidates: list[str]) -> None:
    key = _utf8(secret)
    provided_b = _utf8(provided.replace(" ", "+"))  # a raw '+' in a query decodes as space
    for sts in candidates:
        sig = base64.b64encode(hmac.digest(key, _utf8(sts), "sha1"))
        if hmac.compare_digest(sig, provided_b):
            return
    sts = candidates[0]
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=access_key,
        StringToSign=sts,
        SignatureProvided=provided,
        StringToSignBytes=" ".join(f"{b:02x}" for b in _utf8(sts)),
    )


def _parse_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        value = value.strip()
        if len(value) == 16 and value[8] == "T" and value.endswith("Z"):
            try:
                return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                return None
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def verify_header(
    req: RequestView,
    auth: str,
    params: Sequence[_Param],
    *,
    lookup_secret: Callable[[str], str | None],
    now: datetime,
    max_skew: timedelta,
) -> str:
    """Verify ``Authorization: AWS AKID:signature``; return the access key id."""
    access_key, colon, provided = auth[4:].strip().partition(":")
    if not colon or not access_key or not provided:
        raise InvalidArgument(
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            ArgumentName="Authorization",
            ArgumentValue=auth,
        )
    raw_date = req.headers.get("x-amz-date") or req.headers.get("date")
    request_time = _parse_date(raw_date) if raw_date else None
    if request_time is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    if abs(now - request_time) > max_skew:
        raise RequestTimeTooSkewed(
            RequestTime=_iso(request_time),
            ServerTime=_iso(now),
            MaxAllowedSkewMilliseconds=str(int(max_skew.total_seconds() * 1000)),
        )
    secret = lookup_secret(access_key)
    if secret is None:
        raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
    _check(
        access_key, secret, provided, string_to_sign_candidates(req, params, date_line=None, from_query=False)
    )
    return access_key


def verify_query(
    req: RequestView,
    params: Sequence[_Param],
    *,
    lookup_secret: Callable[[str], str | None],
    now: datetime,
) -> str:
    """Verify a SigV2 presigned URL; return the access key id."""
    q: dict[str, str] = {}
    auth_params = []
    for p in params:
        name = _decode(p.raw_name)
        if name in ("AWSAccessKeyId", "Signature", "Expires"):
            q.setdefault(name, _decode(p.raw_value))
        else:
            auth_params.append(p)
    if not all(q.get(n) for n in ("AWSAccessKeyId", "Signature", "Expires")):
        raise AccessDenied(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
        )
    expires_raw = q["Expires"]
    try:
        expires = datetime.fromtimestamp(int(expires_raw), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise AccessDenied(f"Invalid date (should be seconds since epoch): {expires_raw}") from None
    if now > expires:
        raise AccessDenied("Request has expired", Expires=_iso(expires), ServerTime=_iso(now))
    access_key = q["AWSAccessKeyId"]
    secret = lookup_secret(access_key)
    if secret is None:
        raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
    candidates = string_to_sign_candidates(req, auth_params, date_line=expires_raw, from_query=True)
    _check(access_key, secret, q["Signature"], candidates)
    return access_key
