"""Service-level operations: ListBuckets."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from cargobay.s3.errors import InvalidArgument
from cargobay.s3.http import xml
from cargobay.s3.http.access import bucket_settings
from cargobay.s3.http.common import int32, owner_xml, xml_response
from cargobay.s3.http.context import RequestContext

_PAGING = ("prefix", "max-buckets", "continuation-token", "bucket-region")


async def list_buckets(ctx: RequestContext) -> web.StreamResponse:
    """ListBuckets, with the optional prefix / max-buckets / continuation-token paging."""
    buckets = await ctx.services.run(ctx.store.list_buckets)
    prefix = ctx.query.get("prefix", "")
    after = ""
    token = ctx.query.get("continuation-token")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise InvalidArgument("The continuation token provided is incorrect") from None
    limit_text = ctx.query.get("max-buckets")
    limit = 10000
    if limit_text is not None:
        value = int32(limit_text)
        if value is None or not 1 <= value <= 10000:
            raise InvalidArgument("max-buckets must be an integer between 1 and 10000")
        limit = value
    config = ctx.services.config
    if (ctx.query.get("bucket-region") or config.region) != config.region:
        # Every bucket here is in this endpoint's region: a filter on another lists none.
        buckets = []
    if config.auth and ctx.access_key is not None:
        # Each user sees the buckets they own, as in AWS.
        user = config.user_of(ctx.access_key)
        owners = await ctx.services.run(lambda: {b.name: bucket_settings(ctx.services, b.name).owner for b in buckets})
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
        next_token = base64.urlsafe_b64encode(page[-1].name.encode("utf-8")).decode("ascii")
        parts.append(xml.element("ContinuationToken", next_token))
    if prefix:
        parts.append(xml.element("Prefix", prefix))
    return xml_response(xml.document("ListAllMyBucketsResult", parts))
