"""AWS Signature Version 2 (HMAC-SHA1) verification: the ``AWS`` header and presigned URLs.

This module owns the S3 flavour of SigV2: ``Authorization: AWS AKID:signature`` and the query
form (``AWSAccessKeyId``, ``Signature``, ``Expires``) that boto3 still produces for presigned URLs
in us-east-1 with a custom endpoint. It is pure (no HTTP framework, no clock) and is called by
:func:`cargobay.s3.auth.authenticate`, which picks the scheme and builds the result; the request
time, skew and access-key checks are the ones SigV4 uses (:mod:`cargobay.s3.auth.shared`).

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
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from cargobay.s3.auth.request import QueryParam, RequestView, decode_component, hex_dump, reencode_path, utf8
from cargobay.s3.auth.shared import (
    SecretLookup,
    check_skew,
    hmac_on_loop,
    iso,
    parse_http_date,
    parse_integer,
    secret_for,
)
from cargobay.s3.errors import AccessDenied, InvalidArgument, SignatureDoesNotMatch

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


def _amz_headers(headers: Mapping[str, str], params: Sequence[QueryParam], *, from_query: bool) -> str:
    found = {name: value.strip() for name, value in headers.items() if name.startswith("x-amz-")}
    if from_query:
        for p in params:
            name = decode_component(p.raw_name).lower()
            if name.startswith("x-amz-") and name not in found:
                found[name] = decode_component(p.raw_value).strip()
    return "".join(f"{name}:{found[name]}\n" for name in sorted(found))


def _resources(req: RequestView, params: Sequence[QueryParam]) -> Iterator[str]:
    paths = [req.raw_path or "/"]
    reencoded = reencode_path(paths[0])
    if reencoded != paths[0]:
        paths.append(reencoded)
    if req.vhost_bucket is None and paths[0].count("/") == 1 and len(paths[0]) > 1:
        # botocore signs bucket-level requests as "/bucket/" while sending "/bucket".
        paths.append(paths[0] + "/")
    subs = [(decode_component(p.raw_name), p) for p in params]
    core = [(n, p) for n, p in subs if n in SUBRESOURCES]
    optional = [(n, p) for n, p in subs if n in OPTIONAL_SUBRESOURCES]
    sets = [core + optional, core] if optional else [core]
    for path in paths:
        base = f"/{req.vhost_bucket}{path}" if req.vhost_bucket else path
        for chosen in sets:
            chosen = sorted(chosen, key=lambda item: item[0])
            plain = "&".join(f"{n}={decode_component(p.raw_value)}" if p.raw_value else n for n, p in chosen)
            yield f"{base}?{plain}" if chosen else base
            raw_eq = "&".join(f"{n}={decode_component(p.raw_value)}" if p.has_equals else n for n, p in chosen)
            if raw_eq != plain:
                yield f"{base}?{raw_eq}"


def string_to_sign_candidates(
    req: RequestView, params: Sequence[QueryParam], *, date_line: str | None, from_query: bool
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
    key = utf8(secret)
    provided_b = utf8(provided.replace(" ", "+"))  # a raw '+' in a query decodes as space
    for sts in candidates:
        sig = base64.b64encode(hmac_on_loop(key, utf8(sts), "sha1"))
        if hmac.compare_digest(sig, provided_b):
            return
    sts = candidates[0]
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=access_key,
        StringToSign=sts,
        SignatureProvided=provided,
        StringToSignBytes=hex_dump(sts),
    )


def verify_header(
    req: RequestView,
    auth: str,
    params: Sequence[QueryParam],
    *,
    lookup_secret: SecretLookup,
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
    request_time = parse_http_date(raw_date) if raw_date else None
    if request_time is None or raw_date is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    check_skew(request_time, raw_date, now, max_skew)
    secret = secret_for(lookup_secret, access_key)
    _check(access_key, secret, provided, string_to_sign_candidates(req, params, date_line=None, from_query=False))
    return access_key


def verify_query(
    req: RequestView,
    params: Sequence[QueryParam],
    *,
    lookup_secret: SecretLookup,
    now: datetime,
) -> str:
    """Verify a SigV2 presigned URL; return the access key id."""
    q: dict[str, str] = {}
    auth_params = []
    for p in params:
        name = decode_component(p.raw_name)
        if name in ("AWSAccessKeyId", "Signature", "Expires"):
            q.setdefault(name, decode_component(p.raw_value))
        else:
            auth_params.append(p)
    if not all(q.get(n) for n in ("AWSAccessKeyId", "Signature", "Expires")):
        raise AccessDenied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
    expires_raw = q["Expires"]
    seconds = parse_integer(expires_raw)
    try:
        expires = datetime.fromtimestamp(seconds, tz=UTC) if seconds is not None else None
    except (ValueError, OverflowError, OSError):
        expires = None
    if expires is None:
        raise AccessDenied(f"Invalid date (should be seconds since epoch): {expires_raw}")
    if now > expires:
        raise AccessDenied("Request has expired", Expires=iso(expires), ServerTime=iso(now))
    access_key = q["AWSAccessKeyId"]
    secret = secret_for(lookup_secret, access_key)
    candidates = string_to_sign_candidates(req, auth_params, date_line=expires_raw, from_query=True)
    _check(access_key, secret, q["Signature"], candidates)
    return access_key
