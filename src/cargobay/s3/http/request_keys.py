"""Policy condition values a request carries in its connection, its signature and its conditional
headers (the rest: :func:`cargobay.s3.http.access._context`).

- ``s3:TlsVersion``: the TLS version of the connection, as ``1.2`` / ``1.3`` (amazon-s3-policy-keys.html,
  example-object-tls-version: compared with ``NumericLessThan``); absent over plain HTTP.
- ``s3:signatureAge``: milliseconds since the request was signed, from the date it signed
  (bucket-policy-s3-sigv4-conditions.html); absent for an unsigned request, a browser form or a SigV2
  presigned URL (which carries only its expiry).
- ``aws:PrincipalIsAWSService`` and ``aws:ViaAWSService``: false for a signed request (no AWS service
  calls this server), absent for an anonymous one; ``aws:RequestedRegion``: the server's region
  (reference_policies_condition-keys.html).
- ``s3:ObjectCreationOperation``, ``s3:if-match`` and ``s3:if-none-match`` of the writes of an object
  (conditional-writes-enforce.html): the operation key is true for PutObject, CopyObject and
  CompleteMultipartUpload and false for CreateMultipartUpload, UploadPart and UploadPartCopy, "as these
  APIs don't accept conditional headers"; the two header keys are the If-Match / If-None-Match of the
  writes that create the object.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence

from cargobay.s3.auth.shared import parse_amz_date, parse_http_date
from cargobay.s3.http.context import RequestContext

# Subresources of a PUT or POST on a key that act on something other than the object's bytes.
_NOT_OBJECT_WRITES = frozenset(
    {"acl", "tagging", "retention", "legal-hold", "restore", "select", "attributes", "torrent", "versions"}
)


def request_values(ctx: RequestContext, now: float) -> dict[str, Sequence[str]]:
    """All the keys of this module a request has (at ``now``)."""
    return {**write_keys(ctx), **transport_keys(ctx, now), **principal_keys(ctx)}


def write_keys(ctx: RequestContext) -> dict[str, Sequence[str]]:
    """s3:ObjectCreationOperation, s3:if-match and s3:if-none-match of a write of an object."""
    if ctx.key is None or ctx.method not in ("PUT", "POST") or not _NOT_OBJECT_WRITES.isdisjoint(ctx.query):
        return {}
    if ctx.method == "PUT":
        creates = "partNumber" not in ctx.query and "uploadId" not in ctx.query
    else:  # POST ?uploads starts an upload, POST ?uploadId completes one
        creates = "uploadId" in ctx.query
    values: dict[str, Sequence[str]] = {"s3:objectcreationoperation": ("true" if creates else "false",)}
    if creates:
        for header in ("if-match", "if-none-match"):
            if header in ctx.headers:
                values[f"s3:{header}"] = (ctx.headers[header],)
    return values


def transport_keys(ctx: RequestContext, now: float) -> dict[str, Sequence[str]]:
    """s3:TlsVersion of the connection and s3:signatureAge of the signature (at ``now``)."""
    values: dict[str, Sequence[str]] = {}
    transport = ctx.request.transport
    tls = transport.get_extra_info("ssl_object") if transport is not None else None
    version = tls.version() if isinstance(tls, ssl.SSLObject | ssl.SSLSocket) else None
    if version and version.startswith("TLSv"):
        values["s3:tlsversion"] = (version.removeprefix("TLSv"),)
    signed = signed_at(ctx.auth.method if ctx.auth is not None else None, ctx.headers, ctx.query)
    if signed is not None:
        values["s3:signatureage"] = (str(max(0, round((now - signed) * 1000))),)
    return values


def principal_keys(ctx: RequestContext) -> dict[str, Sequence[str]]:
    """aws:PrincipalIsAWSService, aws:ViaAWSService and aws:RequestedRegion of the request."""
    values: dict[str, Sequence[str]] = {"aws:requestedregion": (ctx.services.config.region,)}
    if ctx.access_key is not None:
        values["aws:principalisawsservice"] = values["aws:viaawsservice"] = ("false",)
    return values


def signed_at(method: str | None, headers: Mapping[str, str], query: Mapping[str, str]) -> float | None:
    """Seconds since the epoch at which a request says it was signed: X-Amz-Date of a SigV4
    presigned URL, x-amz-date (else Date) of a signed header; None when it says none."""
    if method == "sigv4-query":
        text = query.get("X-Amz-Date")
    elif method in ("sigv4-header", "sigv2-header"):
        text = headers.get("x-amz-date") or headers.get("date")
    else:
        return None
    if not text:
        return None
    when = parse_amz_date(text) if method == "sigv4-query" else parse_http_date(text)
    return when.timestamp() if when is not None else None
