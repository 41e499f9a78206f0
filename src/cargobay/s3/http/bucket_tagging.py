"""Bucket tagging: Put/Get/DeleteBucketTagging, kept in the bucket's ``config`` JSON (``tags``).

Limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html): at most 50
tags, keys of 1-128 and values of 0-256 characters, no ``aws:`` prefix, no key twice, the characters of
the S3 tag pattern (:func:`cargobay.s3.http.tagging.in_tag_pattern`); InvalidTag
otherwise (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from cargobay.s3.errors import InvalidTag, MalformedXML, NoSuchTagSet
from cargobay.s3.http import xml
from cargobay.s3.http.common import read_small_body, require_body_digest, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.tagging import in_tag_pattern

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_BUCKET_TAGS = 50
_MAX_BODY = 64 * 1024
_TAG = frozenset({"Key", "Value"})  # API_Tag.html: what a Tag holds; anything else is MalformedXML


def parse_bucket_tags(body: bytes) -> dict[str, str]:
    root = xml.parse(body)
    sets = xml.children(root, "TagSet")
    if xml.local_name(root) != "Tagging" or len(sets) != 1:
        raise MalformedXML()
    xml.known_children(root, frozenset({"TagSet"}))  # API_Tagging.html
    xml.known_children(sets[0], frozenset({"Tag"}))
    return bucket_tags(xml.children(sets[0], "Tag"))


def bucket_tags(nodes: list[Element]) -> dict[str, str]:
    """The tag set of these ``Tag`` elements, under the limits of a bucket's (the module docstring);
    shared with CreateBucket, whose CreateBucketConfiguration may carry the bucket's first tags."""
    tags: dict[str, str] = {}
    if len(nodes) > MAX_BUCKET_TAGS:
        raise InvalidTag("Bucket tag count cannot be greater than 50")
    for node in nodes:
        xml.known_children(node, _TAG)
        key, value = xml.only_text(node, "Key"), xml.only_text(node, "Value")  # API_Tag.html: one each
        if key is None or value is None:
            raise MalformedXML()
        if not 1 <= len(key) <= 128:
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise InvalidTag("The TagValue you have provided is too long, max 256", TagKey=key)
        if not in_tag_pattern(key):
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if not in_tag_pattern(value):
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key)
        if key.lower().startswith("aws:"):
            raise InvalidTag("System tags cannot be added/updated by requester", TagKey=key)
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        tags[key] = value
    return tags


async def put_bucket_tagging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    require_body_digest(ctx)
    tags = parse_bucket_tags(body)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "tags", tags or None)
    return web.Response(status=204)


async def get_bucket_tagging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    tags = await ctx.services.run(ctx.store.bucket_setting, ctx.bucket, "tags")
    if not tags:
        raise NoSuchTagSet(BucketName=ctx.bucket)
    items = [f"<Tag>{xml.element('Key', str(k))}{xml.element('Value', str(v))}</Tag>" for k, v in tags.items()]
    return xml_response(xml.document("Tagging", ["<TagSet>", *items, "</TagSet>"]))


async def delete_bucket_tagging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "tags", None)
    return web.Response(status=204)
