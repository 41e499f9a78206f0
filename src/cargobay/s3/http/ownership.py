"""Bucket-level access settings: Object Ownership controls, Block Public Access, policy status.

Each is kept in the bucket's ``config`` JSON (``ownership``, ``public_access_block``) and read by
the access decision (s3/http/access.py) through its per-bucket cache.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html
"""

from __future__ import annotations

from aiohttp import web

from cargobay.s3 import access
from cargobay.s3 import acl as acls
from cargobay.s3.errors import (
    InvalidBucketAclWithObjectOwnership,
    MalformedXML,
    NoSuchBucketPolicy,
    NoSuchPublicAccessBlockConfiguration,
    OwnershipControlsNotFoundError,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import bucket_settings, forget
from cargobay.s3.http.common import read_small_body, xml_response
from cargobay.s3.http.context import RequestContext

_MAX_BODY = 64 * 1024
_SWITCHES = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}


async def _set(ctx: RequestContext, name: str, value: object) -> None:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, name, value)
    forget(ctx.services, ctx.bucket)


async def _settings(ctx: RequestContext) -> access.BucketSettings:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    return await ctx.services.run(bucket_settings, ctx.services, ctx.bucket)


async def put_ownership_controls(ctx: RequestContext) -> web.StreamResponse:
    settings = await _settings(ctx)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    root = xml.parse(body)
    rules = xml.children(root, "Rule")
    if xml.local_name(root) != "OwnershipControls" or len(rules) != 1:
        raise MalformedXML()
    xml.known_children(root, frozenset({"Rule"}))  # API_OwnershipControls.html
    xml.known_children(rules[0], frozenset({"ObjectOwnership"}))  # API_OwnershipControlsRule.html
    value = xml.only_text(rules[0], "ObjectOwnership")  # API_OwnershipControlsRule.html: one
    if value not in access.OWNERSHIP_SETTINGS:
        raise MalformedXML()
    if value == "BucketOwnerEnforced" and any(
        g != acls.Grant("user", settings.owner_id, "FULL_CONTROL") for g in settings.acl
    ):
        raise InvalidBucketAclWithObjectOwnership()
    await _set(ctx, "ownership", value)
    return web.Response(status=200)


async def get_ownership_controls(ctx: RequestContext) -> web.StreamResponse:
    settings = await _settings(ctx)
    if settings.ownership is None:
        raise OwnershipControlsNotFoundError(BucketName=ctx.bucket or "")
    rule = f"<Rule>{xml.element('ObjectOwnership', settings.ownership)}</Rule>"
    return xml_response(xml.document("OwnershipControls", [rule]))


async def delete_ownership_controls(ctx: RequestContext) -> web.StreamResponse:
    await _settings(ctx)
    await _set(ctx, "ownership", None)
    return web.Response(status=204)


async def put_public_access_block(ctx: RequestContext) -> web.StreamResponse:
    await _settings(ctx)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    root = xml.parse(body)
    if xml.local_name(root) != "PublicAccessBlockConfiguration":
        raise MalformedXML()
    # A misspelt switch (BlockPublicACLs) left unset would leave open what the client meant to block.
    xml.known_children(root, frozenset(_SWITCHES))
    config: dict[str, bool] = {}
    for element, field in _SWITCHES.items():
        text = xml.only_text(root, element)  # API_PublicAccessBlockConfiguration.html: each at most once
        if text is None:
            continue
        if text.strip().lower() not in ("true", "false"):
            raise MalformedXML()
        config[field] = text.strip().lower() == "true"
    await _set(ctx, "public_access_block", config)
    return web.Response(status=200)


async def get_public_access_block(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await _settings(ctx)
    raw = await ctx.services.run(ctx.store.bucket_setting, ctx.bucket, "public_access_block")
    if raw is None:
        raise NoSuchPublicAccessBlockConfiguration(BucketName=ctx.bucket)
    block = (await _settings(ctx)).block
    children = [xml.element(element, getattr(block, field)) for element, field in _SWITCHES.items()]
    return xml_response(xml.document("PublicAccessBlockConfiguration", children))


async def delete_public_access_block(ctx: RequestContext) -> web.StreamResponse:
    await _settings(ctx)
    await _set(ctx, "public_access_block", None)
    return web.Response(status=204)


async def get_policy_status(ctx: RequestContext) -> web.StreamResponse:
    settings = await _settings(ctx)
    if settings.policy_text is None:
        raise NoSuchBucketPolicy(BucketName=ctx.bucket or "")
    return xml_response(xml.document("PolicyStatus", [xml.element("IsPublic", settings.policy_public)]))
