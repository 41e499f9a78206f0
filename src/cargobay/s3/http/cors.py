"""Browser access: Put/Get/DeleteBucketCors, preflight OPTIONS, and CORS headers on responses.

Preflight requests carry no credentials, so they are answered before authentication. Rules are
read from the store once per bucket and cached until the configuration changes (this server is
the only writer of its data directory).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cargobay.s3 import cors
from cargobay.s3.errors import (
    AccessForbidden,
    BadRequest,
    InvalidRequest,
    MalformedXML,
    NoSuchCORSConfiguration,
    S3Error,
)
from cargobay.s3.http import xml
from cargobay.s3.http.common import read_small_body, require_body_digest, xml_response
from cargobay.s3.http.context import RequestContext, Services
from cargobay.s3.http.headertext import legal_header_value

_MAX_BODY = 64 * 1024  # API_PutBucketCors.html: "The document is limited to 64 KB in size"
# API_CORSRule.html: what a CORSRule holds; another element does not validate (MalformedXML).
_RULE = frozenset({"ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"})


def _rules(services: Services, bucket: str) -> list[cors.CorsRule]:
    cache: dict[str, list[cors.CorsRule]] = services.cache.setdefault("cors", {})
    rules = cache.get(bucket)
    if rules is None:
        doc: Any = services.store.bucket_setting(bucket, "cors")
        rules = [cors.CorsRule.from_json(r) for r in doc] if doc else []
        cache[bucket] = rules
    return rules


def _forget(services: Services, bucket: str) -> None:
    services.cache.setdefault("cors", {}).pop(bucket, None)


def parse_configuration(body: bytes) -> list[cors.CorsRule]:
    root = xml.parse(body)
    if xml.local_name(root) != "CORSConfiguration":
        raise MalformedXML()
    xml.known_children(root, frozenset({"CORSRule"}))
    rules = []
    for node in xml.children(root, "CORSRule"):
        xml.known_children(node, _RULE)
        # API_CORSRule.html: at most one ID and one MaxAgeSeconds (xml.only_text refuses two).
        max_age = xml.only_text(node, "MaxAgeSeconds")
        age = None
        if max_age is not None:  # an Integer (API_CORSRule.html): 32 bits
            try:
                age = int(max_age)
            except ValueError:
                raise MalformedXML() from None
            if not -(1 << 31) <= age < 1 << 31:
                raise MalformedXML()
        rules.append(
            cors.CorsRule(
                allowed_origins=tuple((n.text or "").strip() for n in xml.children(node, "AllowedOrigin")),
                allowed_methods=tuple((n.text or "").strip() for n in xml.children(node, "AllowedMethod")),
                allowed_headers=tuple((n.text or "").strip() for n in xml.children(node, "AllowedHeader")),
                expose_headers=tuple((n.text or "").strip() for n in xml.children(node, "ExposeHeader")),
                max_age_seconds=age,
                rule_id=xml.only_text(node, "ID"),
            )
        )
    cors.validate(rules)
    for rule in rules:
        # Each string may come back in a response header (ExposeHeader always does): one with a
        # control character (RFC 9110 section 5.5) could never be sent, so no CORS answer would be.
        for value in (*rule.allowed_origins, *rule.allowed_headers, *rule.expose_headers):
            if not legal_header_value(value):
                raise InvalidRequest(f"CORS rule value {value!r} holds a control character no header can carry.")
    return rules


async def put_bucket_cors(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    body = await read_small_body(ctx, limit=_MAX_BODY)
    require_body_digest(ctx)
    rules = parse_configuration(body)
    bucket = ctx.bucket
    await ctx.services.run(ctx.store.set_bucket_setting, bucket, "cors", [r.to_json() for r in rules])
    _forget(ctx.services, bucket)
    return web.Response(status=200)


async def get_bucket_cors(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    rules = await ctx.services.run(_rules, ctx.services, ctx.bucket)
    if not rules:
        raise NoSuchCORSConfiguration(BucketName=ctx.bucket)
    parts = []
    for rule in rules:
        inner = [xml.element("ID", rule.rule_id)]
        inner += [xml.element("AllowedOrigin", o) for o in rule.allowed_origins]
        inner += [xml.element("AllowedMethod", m) for m in rule.allowed_methods]
        inner += [xml.element("AllowedHeader", h) for h in rule.allowed_headers]
        inner += [xml.element("ExposeHeader", h) for h in rule.expose_headers]
        inner.append(xml.element("MaxAgeSeconds", rule.max_age_seconds))
        parts.append("<CORSRule>" + "".join(inner) + "</CORSRule>")
    return xml_response(xml.document("CORSConfiguration", parts))


async def delete_bucket_cors(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    bucket = ctx.bucket
    await ctx.services.run(ctx.store.set_bucket_setting, bucket, "cors", None)
    _forget(ctx.services, bucket)
    return web.Response(status=204)


def _requested_headers(ctx: RequestContext) -> list[str]:
    raw = ctx.headers.get("access-control-request-headers", "")
    return [h.strip() for h in raw.split(",") if h.strip()]


async def preflight(ctx: RequestContext) -> web.StreamResponse:
    """OPTIONS: allowed → 200 with the Access-Control-* headers; no rule allows it (or the bucket has
    no CORS configuration) → 403 AccessForbidden; no Origin or Access-Control-Request-Method (both
    required) → 400 BadRequest."""
    origin = ctx.headers.get("origin")
    method = ctx.headers.get("access-control-request-method")
    if origin is None:
        raise BadRequest("Insufficient information. Origin request header needed.")
    if method is None:
        raise BadRequest("Invalid Access-Control-Request-Method: null")
    if ctx.bucket is None:
        raise AccessForbidden("CORSResponse: Bucket not found")
    rules = await ctx.services.run(_rules, ctx.services, ctx.bucket)
    resource = "OBJECT" if ctx.key else "BUCKET"
    if not rules:  # cors-troubleshooting.html names the two refusals apart
        raise AccessForbidden(
            "CORSResponse: CORS is not enabled for this bucket.", Method=method, ResourceType=resource
        )
    requested = _requested_headers(ctx)
    rule = cors.find_rule(rules, origin=origin, method=method, request_headers=requested)
    if rule is None:
        raise AccessForbidden(Method=method, ResourceType=resource)
    headers = cors.response_headers(rule, origin=origin, request_headers=requested, preflight=True)
    return web.Response(status=200, headers=headers)


async def decorate(ctx: RequestContext, response: web.StreamResponse) -> None:
    """Add CORS headers to an actual (non-preflight) cross-origin response a rule allows."""
    origin = ctx.headers.get("origin")
    if origin is None or ctx.bucket is None or ctx.method == "OPTIONS":
        return
    try:
        rules = await ctx.services.run(_rules, ctx.services, ctx.bucket)
    except S3Error:
        return
    rule = cors.find_rule(rules, origin=origin, method=ctx.method)
    if rule is not None:
        response.headers.update(cors.response_headers(rule, origin=origin, preflight=False))
