"""Put/Get/DeleteBucketLifecycleConfiguration: the XML both directions, kept in the bucket's
``config`` JSON (``lifecycle``). The rules are carried out by s3/http/sweeper.py.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRuleFilter.html
"""

from __future__ import annotations

import datetime
import email.utils
import secrets
import xml.etree.ElementTree as ET
from urllib.parse import quote

from aiohttp import web

from cargobay.s3 import lifecycle
from cargobay.s3.errors import InvalidRequest, MalformedXML, NoSuchLifecycleConfiguration, NotImplementedError_
from cargobay.s3.http import xml
from cargobay.s3.http.common import read_small_body, require_body_digest, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.store import ObjectInfo

_MAX_BODY = 512 * 1024
_UNSUPPORTED = ("Transition", "NoncurrentVersionTransition")
# HTTP-dates have four-digit years (RFC 9110, section 5.6.7).
_BEYOND_HTTP_DATES = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC).timestamp()
_SIZES = frozenset({"ObjectSizeGreaterThan", "ObjectSizeLessThan"})
_PREDICATES = frozenset({"Prefix", "Tag", "And"}) | _SIZES


def _int(node: ET.Element, name: str, *, bits: int = 32) -> int | None:
    """An Integer (32 bits: the day counts) or Long (64: the sizes) element; anything else does not
    validate against the schema (MalformedXML). Bounding the day counts also keeps every date they
    make within what a datetime can hold."""
    text = xml.child_text(node, name)
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise MalformedXML() from None
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise MalformedXML()
    return value


def _one(node: ET.Element, name: str) -> ET.Element | None:
    found = xml.children(node, name)
    if len(found) > 1:
        raise MalformedXML()
    return found[0] if found else None


def _tag(node: ET.Element) -> tuple[str, str]:
    key, value = xml.child_text(node, "Key"), xml.child_text(node, "Value")
    if key is None or value is None:
        raise MalformedXML()
    return key, value


def _filter(rule: ET.Element) -> lifecycle.Filter:
    node = _one(rule, "Filter")
    legacy = xml.child_text(rule, "Prefix")
    if node is not None and legacy is not None:
        raise MalformedXML()
    if node is None:
        return lifecycle.Filter(prefix=legacy or "", form="prefix" if legacy is not None else "none")
    conjunction = _one(node, "And")
    if conjunction is not None:
        source, form = conjunction, "and"
        tags = tuple(_tag(t) for t in xml.children(conjunction, "Tag"))
        if len({k for k, _ in tags}) < len(tags):
            # intro-lifecycle-filters.html: "if you specify multiple tags each tag key must be unique"
            raise InvalidRequest("Duplicate Tag Keys are not allowed.")
    else:
        source, form = node, "filter"
        tag_nodes = xml.children(node, "Tag")
        if len(tag_nodes) > 1:
            raise MalformedXML()
        tags = tuple(_tag(t) for t in tag_nodes)
    # API_LifecycleRuleFilter.html: "A Filter can have exactly one of Prefix, Tag,
    # ObjectSizeGreaterThan, ObjectSizeLessThan, or And"; predicates combine only inside And. A size
    # range (both sizes) is let through: intro-lifecycle-filters.html allows it "in the same filter".
    given = {xml.local_name(child) for child in node} & _PREDICATES
    if len(given - _SIZES) + (1 if given & _SIZES else 0) > 1:
        raise MalformedXML()
    return lifecycle.Filter(
        prefix=xml.child_text(source, "Prefix") or "",
        tags=tags,
        size_greater_than=_int(source, "ObjectSizeGreaterThan", bits=64),
        size_less_than=_int(source, "ObjectSizeLessThan", bits=64),
        form=form,
    )


def _new_rule_id() -> str:
    """The ID of a rule sent without one: ID is optional (API_LifecycleRule.html) and AWS gives such
    a rule a random identifier of its own, so two rules without an ID are not "the same ID"."""
    return secrets.token_urlsafe(36)


def parse_configuration(body: bytes) -> list[lifecycle.Rule]:
    root = xml.parse(body)
    if xml.local_name(root) != "LifecycleConfiguration":
        raise MalformedXML()
    rules = []
    for node in xml.children(root, "Rule"):
        for name in _UNSUPPORTED:
            if xml.children(node, name):
                raise NotImplementedError_(
                    f"{name} is not supported: cargobay does not move objects between storage classes."
                )
        status = xml.child_text(node, "Status")
        if status not in ("Enabled", "Disabled"):
            raise MalformedXML()
        expiration = _one(node, "Expiration")
        noncurrent = _one(node, "NoncurrentVersionExpiration")
        abort = _one(node, "AbortIncompleteMultipartUpload")
        marker = xml.child_text(expiration, "ExpiredObjectDeleteMarker") if expiration is not None else None
        if marker is not None and marker.strip().lower() not in ("true", "false"):
            raise MalformedXML()
        rules.append(
            lifecycle.Rule(
                id=xml.child_text(node, "ID") or _new_rule_id(),
                enabled=status == "Enabled",
                filter=_filter(node),
                expiration_days=_int(expiration, "Days") if expiration is not None else None,
                expiration_date=xml.child_text(expiration, "Date") if expiration is not None else None,
                expired_object_delete_marker=None if marker is None else marker.strip().lower() == "true",
                noncurrent_days=_int(noncurrent, "NoncurrentDays") if noncurrent is not None else None,
                newer_noncurrent_versions=_int(noncurrent, "NewerNoncurrentVersions")
                if noncurrent is not None
                else None,
                abort_days=_int(abort, "DaysAfterInitiation") if abort is not None else None,
            )
        )
    lifecycle.validate(rules)
    return rules


def _tags_xml(tags: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"<Tag>{xml.element('Key', k)}{xml.element('Value', v)}</Tag>" for k, v in tags)


def _filter_xml(f: lifecycle.Filter) -> str:
    if f.form == "prefix":
        return xml.element("Prefix", f.prefix) if f.prefix else "<Prefix></Prefix>"
    if f.form == "none":
        return ""
    sizes = xml.element("ObjectSizeGreaterThan", f.size_greater_than) + xml.element(
        "ObjectSizeLessThan", f.size_less_than
    )
    prefix = f"<Prefix>{xml.escape(f.prefix)}</Prefix>"
    if f.form == "and":
        return f"<Filter><And>{prefix}{_tags_xml(f.tags)}{sizes}</And></Filter>"
    if f.tags:
        return f"<Filter>{_tags_xml(f.tags)}</Filter>"
    if sizes:
        return f"<Filter>{sizes}</Filter>" if not f.prefix else f"<Filter>{prefix}{sizes}</Filter>"
    return f"<Filter>{prefix}</Filter>"


def render(rules: list[lifecycle.Rule]) -> bytes:
    parts = []
    for rule in rules:
        body = [
            xml.element("ID", rule.id),
            _filter_xml(rule.filter),
            xml.element("Status", "Enabled" if rule.enabled else "Disabled"),
        ]
        if (
            rule.expiration_days is not None
            or rule.expiration_date is not None
            or rule.expired_object_delete_marker is not None
        ):
            date = None
            if rule.expiration_date is not None:
                date = lifecycle.parse_date(rule.expiration_date).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            body.append(
                f"<Expiration>{xml.element('Date', date)}{xml.element('Days', rule.expiration_days)}"
                f"{xml.element('ExpiredObjectDeleteMarker', rule.expired_object_delete_marker)}</Expiration>"
            )
        if rule.noncurrent_days is not None:
            body.append(
                f"<NoncurrentVersionExpiration>{xml.element('NoncurrentDays', rule.noncurrent_days)}"
                f"{xml.element('NewerNoncurrentVersions', rule.newer_noncurrent_versions)}"
                "</NoncurrentVersionExpiration>"
            )
        if rule.abort_days is not None:
            body.append(
                f"<AbortIncompleteMultipartUpload>{xml.element('DaysAfterInitiation', rule.abort_days)}"
                "</AbortIncompleteMultipartUpload>"
            )
        parts.append(f"<Rule>{''.join(body)}</Rule>")
    return xml.document("LifecycleConfiguration", parts)


async def abort_headers(ctx: RequestContext, bucket: str, key: str, initiated_ns: int) -> dict[str, str]:
    """x-amz-abort-date and x-amz-abort-rule-id of an upload a rule of the bucket will abort
    (CreateMultipartUpload and ListParts answer them); none when no rule applies."""
    raw = await ctx.services.run(ctx.store.bucket_setting, bucket, "lifecycle")
    due = lifecycle.upload_abort(lifecycle.from_json(raw), key, initiated_ns / 1e9) if raw else None
    if due is None or due[0] >= _BEYOND_HTTP_DATES:
        return {}  # an abort after the year 9999 (a valid DaysAfterInitiation) has no HTTP-date
    return {"x-amz-abort-date": email.utils.formatdate(due[0], usegmt=True), "x-amz-abort-rule-id": due[1]}


async def expiration_headers(ctx: RequestContext, bucket: str, info: ObjectInfo) -> dict[str, str]:
    """x-amz-expiration of an object a rule of the bucket will expire: ``expiry-date="<HTTP date>",
    rule-id="<URL-encoded id>"`` (API_PutObject.html, API_CopyObject.html); none when no rule does."""
    raw = await ctx.services.run(ctx.store.bucket_setting, bucket, "lifecycle")
    if not raw:
        return {}
    due = lifecycle.object_expiration(
        lifecycle.from_json(raw), info.key, info.size, info.meta.tags, info.last_modified_ns / 1e9
    )
    if due is None or due[0] >= _BEYOND_HTTP_DATES:
        return {}
    date = email.utils.formatdate(due[0], usegmt=True)
    return {"x-amz-expiration": f'expiry-date="{date}", rule-id="{quote(due[1], safe="")}"'}


async def put_bucket_lifecycle(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    require_body_digest(ctx)
    rules = parse_configuration(body)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "lifecycle", lifecycle.to_json(rules))
    return web.Response(status=200)


async def get_bucket_lifecycle(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    rules = lifecycle.from_json(await ctx.services.run(ctx.store.bucket_setting, ctx.bucket, "lifecycle"))
    if not rules:
        raise NoSuchLifecycleConfiguration(BucketName=ctx.bucket)
    return xml_response(render(rules))


async def delete_bucket_lifecycle(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "lifecycle", None)
    return web.Response(status=204)
