"""Object lock over HTTP: Put/GetObjectLockConfiguration, Put/GetObjectRetention,
Put/GetObjectLegalHold, and the ``x-amz-object-lock-*`` headers of writes and reads.

The rules are :mod:`cargobay.s3.object_lock`'s (parsing, validation, decisions); this module only
moves values between requests, that module and the store (which keeps a version's lock in its
metadata and refuses to delete a locked version).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from aiohttp import web

from cargobay.s3 import checksums, object_lock
from cargobay.s3.errors import (
    AccessDenied,
    InvalidBucketState,
    InvalidRequest,
    NoSuchObjectLockConfiguration,
    ObjectLockConfigurationNotFoundError,
    S3Error,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import authorize, governance_bypass
from cargobay.s3.http.common import read_small_body, require_body_digest, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.store import ObjectInfo, ObjectMeta, lock_state

_MAX_BODY = 64 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


def _version(ctx: RequestContext) -> str | None:
    return ctx.query.get("versionId") or None


def lock_from_request(ctx: RequestContext, enabled: bool) -> ObjectMeta | None:
    """The lock a PUT/COPY/CreateMultipartUpload asks for (None: no lock headers)."""
    headers = {k: v for k, v in ctx.headers.items() if k.startswith("x-amz-object-lock-")}
    if not headers:
        return None
    object_lock.require_lock_enabled(enabled)
    retention, hold = object_lock.lock_from_headers(headers, now=_now())
    return ObjectMeta(
        lock_mode=None if retention is None else str(retention.mode),
        lock_until=None if retention is None else object_lock.format_date(retention.retain_until),
        legal_hold=hold,
    )


def with_lock(meta: ObjectMeta, lock: ObjectMeta | None) -> ObjectMeta:
    if lock is None:
        return meta
    return replace(meta, lock_mode=lock.lock_mode, lock_until=lock.lock_until, legal_hold=lock.legal_hold)


_UNDIGESTED = frozenset({"", "UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})


def body_digest_given(ctx: RequestContext) -> bool:
    """Content-MD5, x-amz-sdk-checksum-algorithm, an x-amz-checksum-* header or trailer, or a signed
    payload (its SHA-256 is checked by the server; AWS documents nothing about that case, so it counts)."""
    headers = ctx.headers
    if "content-md5" in headers or "x-amz-sdk-checksum-algorithm" in headers:
        return True
    if any(f"x-amz-checksum-{alg}" in headers for alg in checksums.ALGORITHMS):
        return True
    if "x-amz-checksum-" in headers.get("x-amz-trailer", "").lower():
        return True
    return headers.get("x-amz-content-sha256", "") not in _UNDIGESTED


async def require_lock_digest(ctx: RequestContext, lock: ObjectMeta | None) -> ObjectMeta | None:
    """``lock`` (what the PutObject's own headers ask), once the request may store it: API_PutObject.html,
    "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any request to upload an
    object with a retention period configured using Amazon S3 Object Lock" — its own lock headers or
    the bucket's default retention. Checked before the body is read."""
    if lock is None:
        assert ctx.bucket is not None
        if ctx.store.versioning(ctx.bucket) != "Enabled":
            # No lock configuration, so no default retention: a bucket with object lock is always
            # Enabled (BucketOps.set_versioning). The cached status spares every other PUT a
            # thread hop to read the bucket's settings (measured: +16% server CPU per 4 KiB PUT),
            # and the look through the headers for a digest.
            return lock
    if body_digest_given(ctx):
        return lock
    if lock is None:
        assert ctx.bucket is not None
        config = await ctx.services.run(ctx.store.object_lock_config, ctx.bucket)
        if not (config and config.get("rule")):
            return lock
    raise _no_digest()


def refuse_locked_part_without_digest(upload_meta: ObjectMeta) -> None:
    """API_UploadPart.html Content-MD5: "This parameter is required if object lock parameters are
    specified" — on the upload (its CreateMultipartUpload's lock headers); the caller found no digest."""
    if upload_meta.lock_mode is not None or upload_meta.legal_hold:
        raise _no_digest()


def _no_digest() -> InvalidRequest:
    return InvalidRequest(
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters"
    )


def lock_headers(info: ObjectInfo) -> dict[str, str]:
    """The lock headers of GET/HEAD (only what the version has). The legal hold is told once one was
    applied, ON or OFF (API_HeadObject.html: "not returned if the specified version of this object
    has never had a legal hold applied")."""
    out: dict[str, str] = {}
    if info.meta.lock_mode and info.meta.lock_until:
        out["x-amz-object-lock-mode"] = info.meta.lock_mode
        out["x-amz-object-lock-retain-until-date"] = info.meta.lock_until
    if info.meta.legal_hold is not None:
        out["x-amz-object-lock-legal-hold"] = "ON" if info.meta.legal_hold else "OFF"
    return out


async def _digested_body(ctx: RequestContext) -> bytes:
    """The body of a lock PUT, which S3 takes only with Content-MD5 or an x-amz-checksum-* header:
    400 InvalidRequest otherwise (real S3's answer quoted in versity/versitygw#1301 and #1311)."""
    return _digested(ctx, await read_small_body(ctx, limit=_MAX_BODY))


def _digested(ctx: RequestContext, body: bytes) -> bytes:
    """``body``, once :func:`_digested_body`'s digest requirement is met."""
    require_body_digest(ctx, message="Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
    return body


async def _lock_enabled(ctx: RequestContext) -> bool:
    assert ctx.bucket is not None
    return await ctx.services.run(ctx.store.object_lock_config, ctx.bucket) is not None


# -- bucket configuration ------------------------------------------------------------------------


async def put_object_lock_configuration(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    bucket = ctx.bucket
    body = await _digested_body(ctx)
    config = object_lock.parse_lock_configuration(xml.parse(body))
    current = await ctx.services.run(ctx.store.object_lock_config, bucket)
    if current is None:
        status = await ctx.services.run(ctx.store.versioning, bucket)
        if status != "Enabled":
            # AWS: object lock can be turned on for an existing bucket only when versioning is on
            # (ErrorResponses: InvalidBucketState, 409).
            raise InvalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
    rule = None
    if config.default is not None:
        rule = {"mode": str(config.default.mode), "days": config.default.days, "years": config.default.years}
    await ctx.services.run(ctx.store.set_object_lock_config, bucket, {"enabled": True, "rule": rule})
    return web.Response(status=200)


async def get_object_lock_configuration(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    config = await ctx.services.run(ctx.store.object_lock_config, ctx.bucket)
    if config is None:
        raise ObjectLockConfigurationNotFoundError(BucketName=ctx.bucket)
    children = [xml.element("ObjectLockEnabled", "Enabled")]
    rule = config.get("rule")
    if rule:
        period = xml.element("Days", rule["days"]) if rule.get("days") else xml.element("Years", rule["years"])
        children.append(
            f"<Rule><DefaultRetention>{xml.element('Mode', rule['mode'])}{period}</DefaultRetention></Rule>"
        )
    return xml_response(xml.document("ObjectLockConfiguration", children))


# -- retention and legal hold ----------------------------------------------------------------------


def _lock_values(parsed: object_lock.Retention | bool | None) -> dict[str, tuple[str, ...]]:
    """The policy condition values a PutObjectRetention or PutObjectLegalHold document carries
    (amazon-s3-policy-keys.html: s3:object-lock-mode, s3:object-lock-retain-until-date,
    s3:object-lock-remaining-retention-days, s3:object-lock-legal-hold)."""
    if isinstance(parsed, bool):
        return {"s3:object-lock-legal-hold": ("ON" if parsed else "OFF",)}
    if parsed is None:
        return {}
    return {
        "s3:object-lock-mode": (str(parsed.mode),),
        "s3:object-lock-retain-until-date": (object_lock.format_date(parsed.retain_until),),
        **object_lock.remaining_days_value(parsed.retain_until, now=time.time()),
    }


_Document = TypeVar("_Document", object_lock.Retention | None, bool)


async def _authorized(ctx: RequestContext, action: str, parse: Callable[[], _Document]) -> _Document:
    """The request's document, parsed, once the caller may do ``action`` with what it asks for
    (routing.AUTHORIZED_WITH_DOCUMENT: the gate left this decision here). A caller that may not
    is refused AccessDenied before it learns what is wrong with its document."""
    try:
        parsed = parse()
    except S3Error:
        await authorize(ctx, action)
        raise
    await authorize(ctx, action, document=_lock_values(parsed))
    return parsed


async def put_object_retention(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, version = ctx.bucket, ctx.key, _version(ctx)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    new = await _authorized(
        ctx, "s3:PutObjectRetention", lambda: object_lock.parse_retention(xml.parse(_digested(ctx, body)))
    )
    object_lock.require_lock_enabled(await _lock_enabled(ctx))
    now = _now()
    if new is not None:
        object_lock.validate_new_retention(new, now=now)
    bypass = await governance_bypass(ctx)

    def change(meta: ObjectMeta) -> ObjectMeta:
        decision = object_lock.may_change_retention(lock_state(meta).retention, new, now=now, bypass_governance=bypass)
        if not decision:
            raise AccessDenied(f"Access Denied because object protected by object lock: {decision.reason}.")
        if new is None:
            return replace(meta, lock_mode=None, lock_until=None)
        return replace(meta, lock_mode=str(new.mode), lock_until=object_lock.format_date(new.retain_until))

    info = await ctx.services.run(lambda: ctx.store.set_version_meta(bucket, key, version, change))
    return web.Response(status=200, headers=_version_header(info))


async def get_object_retention(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    object_lock.require_lock_enabled(await _lock_enabled(ctx))
    info = await ctx.services.run(ctx.store.head, ctx.bucket, ctx.key, _version(ctx))
    if not (info.meta.lock_mode and info.meta.lock_until):
        raise NoSuchObjectLockConfiguration()
    children = [xml.element("Mode", info.meta.lock_mode), xml.element("RetainUntilDate", info.meta.lock_until)]
    return xml_response(xml.document("Retention", children))


async def put_object_legal_hold(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, version = ctx.bucket, ctx.key, _version(ctx)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    hold = await _authorized(
        ctx, "s3:PutObjectLegalHold", lambda: object_lock.parse_legal_hold(xml.parse(_digested(ctx, body)))
    )
    object_lock.require_lock_enabled(await _lock_enabled(ctx))
    info = await ctx.services.run(
        lambda: ctx.store.set_version_meta(bucket, key, version, lambda meta: replace(meta, legal_hold=hold))
    )
    return web.Response(status=200, headers=_version_header(info))


async def get_object_legal_hold(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    object_lock.require_lock_enabled(await _lock_enabled(ctx))
    info = await ctx.services.run(ctx.store.head, ctx.bucket, ctx.key, _version(ctx))
    if info.meta.legal_hold is None:  # never set on this version: no configuration to answer
        raise NoSuchObjectLockConfiguration()
    status = "ON" if info.meta.legal_hold else "OFF"
    return xml_response(xml.document("LegalHold", [xml.element("Status", status)]))


def _version_header(info: ObjectInfo) -> dict[str, str]:
    return {} if info.version_id is None else {"x-amz-version-id": info.version_id}
