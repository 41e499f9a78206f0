"""Object tagging: the x-amz-tagging header, Put/Get/DeleteObjectTagging, and AWS's tag limits.

Limits (AWS): at most 10 tags per object, keys 1-128 characters, values up to 256, no duplicate
keys, no ``aws:`` prefix, only letters, numbers, spaces and ``_ . : / = + - @`` (the S3 tag pattern
``^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$``, API_control_S3Tag.html); a violation is InvalidTag (400).
The header form is a URL-encoded query string (``k1=v1&k2=v2``; a name without ``=`` is a tag with an
empty value, empty pieces are skipped); duplicate names or bytes that are not UTF-8 are
InvalidArgument, as AWS answers.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl

from aiohttp import web

from cargobay.s3.errors import InvalidArgument, InvalidTag, MalformedXML, S3Error
from cargobay.s3.http import xml
from cargobay.s3.http.access import authorize, request_tag_values
from cargobay.s3.http.common import read_small_body, xml_response
from cargobay.s3.http.context import RequestContext

MAX_TAGS = 10
MAX_KEY = 128
MAX_VALUE = 256
_MAX_BODY = 64 * 1024
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def in_tag_pattern(text: str) -> bool:
    """Whether every character is a letter, a space separator, a number or one of ``_ . : / = + - @``
    (the Unicode categories L*, Z*, N* of the S3 tag pattern)."""
    return all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def validate_tags(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The tag set, or InvalidTag for the first AWS limit it breaks."""
    if len(pairs) > MAX_TAGS:
        raise InvalidTag("Object tags cannot be greater than 10")
    tags: dict[str, str] = {}
    for key, value in pairs:
        if not 1 <= len(key) <= MAX_KEY:
            raise InvalidTag(
                "The TagKey you have provided is too long, max 128"
                if key
                else "The TagKey you have provided is invalid",
                TagKey=key,
            )
        if len(value) > MAX_VALUE:
            raise InvalidTag("The TagValue you have provided is too long, max 256", TagKey=key, TagValue=value)
        if not in_tag_pattern(key):
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if not in_tag_pattern(value):
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key, TagValue=value)
        if key.lower().startswith("aws:"):
            raise InvalidTag("Your TagKey cannot be prefixed with aws:", TagKey=key)
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        tags[key] = value
    return tags


def tags_from_header(value: str | None) -> dict[str, str]:
    """Tags from an ``x-amz-tagging`` header (empty when absent)."""
    if value is None or value == "":
        return {}
    try:
        value.encode("utf-8")  # bytes that are not UTF-8 (read as surrogate escapes) are malformed
        pairs = parse_qsl(value, keep_blank_values=True, errors="strict")
    except (ValueError, UnicodeError):
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
            "parameters without tag name duplicates.",
            ArgumentName="x-amz-tagging",
            ArgumentValue=value,
        ) from None
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
            "parameters without tag name duplicates.",
            ArgumentName="x-amz-tagging",
            ArgumentValue=value,
        )
    return validate_tags(pairs)


def tags_from_xml(body: bytes) -> dict[str, str]:
    root = xml.parse(body)
    if xml.local_name(root) != "Tagging":
        raise MalformedXML()
    sets = xml.children(root, "TagSet")
    if len(sets) != 1:
        raise MalformedXML()
    pairs = []
    for node in xml.children(sets[0], "Tag"):
        keys, values = xml.children(node, "Key"), xml.children(node, "Value")
        if len(keys) != 1 or len(values) != 1:  # API_Tag.html: one Key and one Value, both required
            raise MalformedXML()
        pairs.append((keys[0].text or "", values[0].text or ""))
    return validate_tags(pairs)


def tagging_body(tags: dict[str, str]) -> bytes:
    items = [f"<Tag>{xml.element('Key', k)}{xml.element('Value', v)}</Tag>" for k, v in tags.items()]
    return xml.document("Tagging", ["<TagSet>", *items, "</TagSet>"])


async def put_object_tagging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key = ctx.bucket, ctx.key
    body = await read_small_body(ctx, limit=_MAX_BODY)
    version = ctx.query.get("versionId")
    # Authorized here, with the tags the document asks for (routing.AUTHORIZED_WITH_DOCUMENT); the
    # action as routing.action_of names it. A caller refused hears AccessDenied first.
    action = "s3:PutObjectVersionTagging" if "versionId" in ctx.query else "s3:PutObjectTagging"
    try:
        tags = tags_from_xml(body)
    except S3Error:
        await authorize(ctx, action)
        raise
    await authorize(ctx, action, document=request_tag_values(list(tags.items())))
    info = await ctx.services.run(lambda: ctx.store.set_tags(bucket, key, tags, version))
    return web.Response(status=200, headers=_version_header(info.version_id))


async def get_object_tagging(ctx: RequestContext) -> web.StreamResponse:
    """An object without tags has an empty TagSet (NoSuchTagSet is for buckets)."""
    assert ctx.bucket is not None and ctx.key is not None
    info = await ctx.services.run(ctx.store.head, ctx.bucket, ctx.key, ctx.query.get("versionId"))
    return xml_response(tagging_body(dict(info.meta.tags)), headers=_version_header(info.version_id))


async def delete_object_tagging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key = ctx.bucket, ctx.key
    version = ctx.query.get("versionId")
    info = await ctx.services.run(lambda: ctx.store.set_tags(bucket, key, {}, version))
    return web.Response(status=204, headers=_version_header(info.version_id))


def _version_header(version_id: str | None) -> dict[str, str]:
    return {} if version_id is None else {"x-amz-version-id": version_id}
