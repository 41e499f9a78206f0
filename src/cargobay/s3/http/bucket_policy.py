"""The bucket policy operations: PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy.

The policy document is validated by :mod:`cargobay.s3.policy`; who may call these is decided as for
any request (:mod:`cargobay.s3.http.access`), and then only the bucket owner's account is served.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html
"""

from __future__ import annotations

from aiohttp import web

from cargobay.s3 import policy as policies
from cargobay.s3.access import BucketSettings
from cargobay.s3.errors import AccessDenied, MaxMessageLengthExceeded, MethodNotAllowed, NoSuchBucketPolicy
from cargobay.s3.http import access as access_http
from cargobay.s3.http.common import read_small_body
from cargobay.s3.http.context import RequestContext

# bucket-policies.html: "Bucket policies are limited to 20 KB in size", white space not counted (as
# for IAM policies, reference_iam-quotas.html): an indented document is read up to _MAX_BODY and
# measured without its white space.
_MAX_POLICY = 20 * 1024
_MAX_BODY = 1024 * 1024


async def _owners_only(ctx: RequestContext) -> BucketSettings:
    """The bucket's settings, once the caller is known to be of the bucket owner's account: another
    account that a policy lets manage the policy (so authorization passed) is answered 405
    MethodNotAllowed ("If you have the correct permissions, but you're not using an identity that
    belongs to the bucket owner's account, Amazon S3 returns a 405 Method Not Allowed error",
    API_PutBucketPolicy.html, API_GetBucketPolicy.html, API_DeleteBucketPolicy.html)."""
    assert ctx.bucket is not None
    settings = await ctx.services.run(access_http.bucket_settings, ctx.services, ctx.bucket)
    if ctx.services.config.auth and access_http.principal_of(ctx).user != settings.owner:
        raise MethodNotAllowed()
    return settings


async def put_bucket_policy(ctx: RequestContext) -> web.StreamResponse:
    """PutBucketPolicy: validated (s3/policy.py), refused when public and BlockPublicPolicy is on."""
    assert ctx.bucket is not None
    settings = await _owners_only(ctx)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    statements = policies.parse(body, bucket=ctx.bucket)
    if policies.size_without_white_space(body) > _MAX_POLICY:
        raise MaxMessageLengthExceeded()
    if settings.block.block_public_policy and policies.is_public(statements):
        raise AccessDenied()
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "policy", body.decode("utf-8"))
    access_http.forget(ctx.services, ctx.bucket)
    return web.Response(status=204)


async def get_bucket_policy(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    settings = await _owners_only(ctx)
    if settings.policy_text is None:
        raise NoSuchBucketPolicy(BucketName=ctx.bucket)
    return web.Response(status=200, text=settings.policy_text, content_type="application/json")


async def delete_bucket_policy(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await _owners_only(ctx)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "policy", None)
    access_http.forget(ctx.services, ctx.bucket)
    return web.Response(status=204)
