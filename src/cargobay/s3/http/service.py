"""Service-level operations: ListBuckets."""

from __future__ import annotations

import re

from aiohttp import web

from cargobay.s3.errors import InvalidArgument, NoSuchBucket
from cargobay.s3.http import xml
from cargobay.s3.http.access import bucket_settings
from cargobay.s3.http.buckets import decode_token, encode_token
from cargobay.s3.http.common import int32, owner_xml, xml_response
from cargobay.s3.http.context import RequestContext

# The shape of an AWS Region code (us-east-1, ap-southeast-4, us-gov-west-1, eu-isoe-west-1).
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
_PAGING = ("prefix", "max-buckets", "continuation-token", "bucket-region")


def _owners(ctx: RequestContext, names: list[str]) -> dict[str, str | None]:
    """The owner of each listed bucket (blocking); a bucket deleted since it was listed (a
    DeleteBucket served meanwhile) is left out, not turned into NoSuchBucket for the whole listing."""
    owners: dict[str, str | None] = {}
    for name in names:
        try:
            owners[name] = bucket_settings(ctx.services, name).owner
        except NoSuchBucket:
            continue
    return owners


async def list_buckets(ctx: RequestContext) -> web.StreamResponse:
    """ListBuckets, with the optional prefix / max-buckets / continuation-token paging."""
    buckets = await ctx.services.run(ctx.store.list_buckets)
    prefix = ctx.query.get("prefix", "")
    token = ctx.query.get("continuation-token")
    # A token is one this server issued; an empty or made-up one is refused, not read as "from the start".
    after = "" if token is None else decode_token(token, "")
    limit_text = ctx.query.get("max-buckets")
    limit = 10000
    if limit_text is not None:
        value = int32(limit_text)
        if value is None or not 1 <= value <= 10000:
            raise InvalidArgument("max-buckets must be an integer between 1 and 10000")
        limit = value
    config = ctx.services.config
    region_filter = ctx.query.get("bucket-region")
    if region_filter and region_filter != config.region:
        # Every bucket here is in this endpoint's region; AWS refuses a filter on another region at
        # a regional endpoint, and a value that is no region at all (versity/versitygw#1923, #1930).
        message = (
            "Requests with bucket-region specified must be made to the corresponding regional endpoint"
            if _REGION.fullmatch(region_filter)
            else f"Argument value {region_filter} is not a valid AWS Region"
        )
        raise InvalidArgument(message, ArgumentName="bucket-region")
    if config.auth and ctx.access_key is not None:
        # Each user sees the buckets they own, as in AWS.
        user = config.user_of(ctx.access_key)
        owners = await ctx.services.run(_owners, ctx, [b.name for b in buckets])
        buckets = [b for b in buckets if owners.get(b.name) == user]
    chosen = [b for b in buckets if b.name.startswith(prefix) and b.name > after]
    page, rest = chosen[:limit], chosen[limit:]
    # API_Bucket.html: BucketRegion is there when the request has at least one valid parameter.
    region = config.region if any(p in ctx.query for p in _PAGING) else None
    parts = [owner_xml(ctx), "<Buckets>"]
    for bucket in page:
        parts.append(
            f"<Bucket>{xml.element('Name', bucket.name)}"
            f"{xml.element('CreationDate', xml.iso8601(bucket.created_ns))}"
            f"{xml.element('BucketRegion', region)}</Bucket>"
        )
    parts.append("</Buckets>")
    if rest:
        next_token = encode_token(page[-1].name, "")
        parts.append(xml.element("ContinuationToken", next_token))
    if prefix:
        parts.append(xml.element("Prefix", prefix))
    return xml_response(xml.document("ListAllMyBucketsResult", parts))
