"""Authorization of each request: principal + action + bucket settings → allowed, or AccessDenied.

The decision itself is pure (:mod:`cargobay.s3.access`); this module gathers its inputs: who the
caller is (from authentication), which action the route performs (the table in routing.py), and
the bucket's owner, canned ACL and policy (from the store, cached per bucket until changed), and
serves the ACL and policy operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from cargobay.s3 import access
from cargobay.s3.errors import AccessDenied, NoSuchBucketPolicy, NotImplementedError_
from cargobay.s3.http.common import read_small_body
from cargobay.s3.http.context import RequestContext, Services

_MAX_POLICY = 20 * 1024  # AWS: bucket policies are limited to 20 KB


@dataclass(frozen=True)
class BucketAccess:
    owner: str | None
    acl: str
    policy: tuple[access.Statement, ...]
    policy_text: str | None


def principal_of(ctx: RequestContext) -> access.Principal:
    if ctx.access_key is None:
        return access.Principal(None, None)
    return access.Principal(ctx.access_key, ctx.services.config.user_of(ctx.access_key))


def bucket_access(services: Services, bucket: str) -> BucketAccess:
    """Owner, ACL and policy of a bucket (blocking: call on the I/O pool)."""
    cache: dict[str, BucketAccess] = services.cache.setdefault("access", {})
    found = cache.get(bucket)
    if found is None:
        store = services.store
        owner = store.bucket_owner(bucket) or services.config.default_owner
        text: Any = store.bucket_setting(bucket, "policy")
        policy = tuple(access.parse_policy(text, bucket=bucket)) if text else ()
        acl: Any = store.bucket_setting(bucket, "acl") or "private"
        found = BucketAccess(owner, str(acl), policy, text)
        cache[bucket] = found
    return found


def forget(services: Services, bucket: str) -> None:
    services.cache.setdefault("access", {}).pop(bucket, None)


async def authorize(ctx: RequestContext, action: str | None, *, target: tuple[str, str | None] | None = None) -> None:
    """Raise AccessDenied unless the caller may perform ``action`` (on ``target`` = (bucket, key),
    default the request's own). With authentication off, everyone may do everything."""
    services = ctx.services
    if not services.config.auth or action is None:
        return
    principal = principal_of(ctx)
    bucket, key = target if target is not None else (ctx.bucket, ctx.key)
    if bucket is None or action in ("s3:CreateBucket", "s3:ListAllMyBuckets"):
        if principal.anonymous:
            raise AccessDenied()
        return
    # One lstat, done inline: a thread hop would cost more than the call.
    if not services.store.bucket_exists(bucket):
        return  # the handler answers NoSuchBucket (or InvalidBucketName)
    cached: BucketAccess | None = services.cache.get("access", {}).get(bucket)
    settings = cached if cached is not None else await services.run(bucket_access, services, bucket)
    if not access.is_allowed(principal, action, bucket=bucket, key=key, owner=settings.owner,
                             acl=settings.acl, policy=settings.policy):
        raise AccessDenied()


_ONLY_CANNED = "Only canned ACLs (the x-amz-acl header) are supported."


def requested_canned_acl(ctx: RequestContext) -> str | None:
    """The bucket ACL a request asks for: its valid ``x-amz-acl``, or None when it names none.

    The one place bucket ACL headers are read (CreateBucket, PutBucketAcl). Only canned ACLs are
    kept, so explicit grants (``x-amz-grant-*``) are refused with 501 rather than dropped: a
    client that asked for a grant must not believe it was made.
    """
    if any(name.startswith("x-amz-grant-") for name in ctx.headers):
        raise NotImplementedError_(_ONLY_CANNED)
    canned = ctx.headers.get("x-amz-acl")
    return None if canned is None else access.check_canned_acl(canned)


async def put_bucket_acl(ctx: RequestContext) -> web.StreamResponse:
    """Only canned ACLs (``x-amz-acl``) are kept; grant headers and documents are refused clearly."""
    assert ctx.bucket is not None
    canned = requested_canned_acl(ctx)
    if canned is None:
        raise NotImplementedError_(_ONLY_CANNED)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "acl", None if canned == "private" else canned)
    forget(ctx.services, ctx.bucket)
    return web.Response(status=200)


async def put_bucket_policy(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    body = await read_small_body(ctx, limit=_MAX_POLICY)
    access.parse_policy(body, bucket=ctx.bucket)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "policy", body.decode("utf-8"))
    forget(ctx.services, ctx.bucket)
    return web.Response(status=204)


async def get_bucket_policy(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    settings = await ctx.services.run(bucket_access, ctx.services, ctx.bucket)
    if settings.policy_text is None:
        raise NoSuchBucketPolicy(BucketName=ctx.bucket)
    return web.Response(status=200, text=settings.policy_text, content_type="application/json")


async def delete_bucket_policy(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "policy", None)
    forget(ctx.services, ctx.bucket)
    return web.Response(status=204)
