"""Put/Get/DeleteBucketLifecycleConfiguration: the XML both directions, kept in the bucket's
``config`` JSON (``lifecycle``). The rules are carried out by s3/http/sweeper.py.

The document is checked against the schema before anything is kept: an element the schema does not
name, one it allows once given twice, a rule with neither Filter nor Prefix (or both), an And of
fewer than two predicates: 400 MalformedXML, the old configuration untouched. Each of these, read
leniently, would run a rule other than the one sent, and a lifecycle rule deletes data.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRuleFilter.html
"""

from __future__ import annotations

import datetime
import email.utils
import secrets
import urllib.parse
import xml.etree.ElementTree as ET

from aiohttp import web

from cargobay.s3 import lifecycle
from cargobay.s3.errors import (
    InvalidArgument,
    InvalidRequest,
    MalformedXML,
    NoSuchLifecycleConfiguration,
    NotImplementedError_,
)
from cargobay.s3.http import xml
from cargobay.s3.http.common import read_small_body, require_body_digest, xml_response
from cargobay.s3.http.context import RequestContext, Services
from cargobay.s3.store import ObjectInfo

_MAX_BODY = 512 * 1024
_UNSUPPORTED = ("Transition", "NoncurrentVersionTransition")
# HTTP-dates have four-digit years (RFC 9110, section 5.6.7).
_BEYOND_HTTP_DATES = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC).timestamp()
_SIZES = frozenset({"ObjectSizeGreaterThan", "ObjectSizeLessThan"})
_PREDICATES = frozenset({"Prefix", "Tag", "And"}) | _SIZES
# What each element of the document may hold (API_LifecycleRule.html and the types it names); anything
# else does not validate (xml.known_children), and ignoring it would run another rule than the one sent.
_RULE = frozenset(
    {"ID", "Prefix", "Filter", "Status", "Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}
) | frozenset(_UNSUPPORTED)
_AND = frozenset({"Prefix", "Tag"}) | _SIZES
_TAG = frozenset({"Key", "Value"})
_EXPIRATION = frozenset({"Date", "Days", "ExpiredObjectDeleteMarker"})
_NONCURRENT = frozenset({"NoncurrentDays", "NewerNoncurrentVersions"})
_ABORT = frozenset({"DaysAfterInitiation"})


def _int(node: ET.Element, name: str, *, bits: int = 32) -> int | None:
    """An Integer (32 bits: the day counts) or Long (64: the sizes) element; anything else does not
    validate against the schema (MalformedXML). Bounding the day counts also keeps every date they
    make within what a datetime can hold."""
    text = xml.only_text(node, name)
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
    xml.known_children(node, _TAG)
    key, value = xml.only_text(node, "Key"), xml.only_text(node, "Value")
    if key is None or value is None:
        raise MalformedXML()
    return key, value


def _filter(rule: ET.Element) -> lifecycle.Filter:
    node = _one(rule, "Filter")
    legacy = xml.only_text(rule, "Prefix")
    if (node is None) == (legacy is None):
        # API_LifecycleRule.html: "Filter is required if the LifecycleRule does not contain a Prefix
        # element"; both name the objects twice (Prefix is Filter's deprecated form).
        raise MalformedXML()
    if node is None:
        return lifecycle.Filter(prefix=legacy or "", form="prefix")
    xml.known_children(node, _PREDICATES)
    conjunction = _one(node, "And")
    if conjunction is not None:
        xml.known_children(conjunction, _AND)
        if len(conjunction) < 2:
            # API_LifecycleRuleAndOperator.html: And joins "two or more predicates"; AWS answers
            # MalformedXML to one alone (hashicorp/terraform-provider-aws#23882).
            raise MalformedXML()
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
        prefix=xml.only_text(source, "Prefix") or "",
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
    xml.known_children(root, frozenset({"Rule"}))
    rules = []
    for node in xml.children(root, "Rule"):
        xml.known_children(node, _RULE)
        for name in _UNSUPPORTED:
            if xml.children(node, name):
                raise NotImplementedError_(
                    f"{name} is not supported: cargobay does not move objects between storage classes."
                )
        status = xml.only_text(node, "Status")
        if status not in ("Enabled", "Disabled"):
            raise MalformedXML()
        expiration = _one(node, "Expiration")
        noncurrent = _one(node, "NoncurrentVersionExpiration")
        abort = _one(node, "AbortIncompleteMultipartUpload")
        for action, names in ((expiration, _EXPIRATION), (noncurrent, _NONCURRENT), (abort, _ABORT)):
            if action is not None:
                xml.known_children(action, names)
        marker = xml.only_text(expiration, "ExpiredObjectDeleteMarker") if expiration is not None else None
        if marker is not None and marker.strip().lower() not in ("true", "false"):
            raise MalformedXML()
        rules.append(
            lifecycle.Rule(
                id=xml.only_text(node, "ID") or _new_rule_id(),
                enabled=status == "Enabled",
                filter=_filter(node),
                expiration_days=_int(expiration, "Days") if expiration is not None else None,
                expiration_date=xml.only_text(expiration, "Date") if expiration is not None else None,
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


# -- x-amz-expiration --------------------------------------------------------------------------
# PutObject, GetObject, HeadObject, CopyObject and CompleteMultipartUpload answer it when a rule of
# the bucket expires the object: ``expiry-date="<HTTP-date>", rule-id="<URL-encoded ID>"``
# (API_PutObject.html, API_HeadObject.html "x-amz-expiration"). Every object read and write asks,
# so the bucket's rules are cached here (one thread hop per bucket, then a dictionary lookup);
# the handlers that change them, and CreateBucket/DeleteBucket, replace or drop the entry.
_RULES = "lifecycle"


def _rules_cache(services: Services) -> dict[str, list[lifecycle.Rule]]:
    cache: dict[str, list[lifecycle.Rule]] = services.cache.setdefault(_RULES, {})
    return cache


def forget_rules(services: Services, bucket: str) -> None:
    """Drop the cached rules of ``bucket`` (created or deleted: read them again when asked)."""
    _rules_cache(services).pop(bucket, None)


def known_without_rules(services: Services, bucket: str) -> bool:
    """Whether ``bucket`` is known to have no lifecycle rules: the read path's way out without
    awaiting :func:`expiration_headers` (most buckets, every GET and HEAD)."""
    return _rules_cache(services).get(bucket) == []


async def expiration_headers(ctx: RequestContext, info: ObjectInfo) -> dict[str, str]:
    """x-amz-expiration for the current object ``info`` (empty: no rule of its bucket expires it)."""
    cache = _rules_cache(ctx.services)
    rules = cache.get(info.bucket)
    if rules is None:
        raw = await ctx.services.run(ctx.store.bucket_setting, info.bucket, "lifecycle")
        # setdefault: a PutBucketLifecycle answered meanwhile has put its rules here; keep those.
        rules = cache.setdefault(info.bucket, lifecycle.from_json(raw) if raw else [])
    if not rules:
        return {}
    due = lifecycle.object_expiration(rules, info.key, info.size, info.meta.tags, info.last_modified_ns / 1e9)
    if due is None or due[0] >= _BEYOND_HTTP_DATES:
        return {}
    when, rule_id = due
    expiry = email.utils.formatdate(when, usegmt=True)
    return {"x-amz-expiration": f'expiry-date="{expiry}", rule-id="{urllib.parse.quote(rule_id, safe="")}"'}


# x-amz-transition-default-minimum-object-size (API_PutBucketLifecycleConfiguration.html): which objects
# a transition skips by default. Transitions are refused here, so it changes nothing; it is kept and
# answered as sent (AWS's default when absent), so tools that read it back (an infrastructure-as-code
# provider) see what they set.
_MINIMUM_SIZE = "x-amz-transition-default-minimum-object-size"
_MINIMUM_SIZES = ("all_storage_classes_128K", "varies_by_storage_class")
_MINIMUM_SIZE_SETTING = "lifecycle_transition_minimum"


def _minimum_size(ctx: RequestContext) -> str:
    sent = ctx.headers.get(_MINIMUM_SIZE)
    if sent is None:
        return _MINIMUM_SIZES[0]
    if sent not in _MINIMUM_SIZES:
        raise InvalidArgument(
            f"{_MINIMUM_SIZE} must be one of {', '.join(_MINIMUM_SIZES)}",
            ArgumentName=_MINIMUM_SIZE,
            ArgumentValue=sent,
        )
    return sent


async def put_bucket_lifecycle(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    minimum = _minimum_size(ctx)
    body = await read_small_body(ctx, limit=_MAX_BODY)
    require_body_digest(ctx)
    rules = parse_configuration(body)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "lifecycle", lifecycle.to_json(rules))
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, _MINIMUM_SIZE_SETTING, minimum)
    _rules_cache(ctx.services)[ctx.bucket] = list(rules)
    return web.Response(status=200, headers={_MINIMUM_SIZE: minimum})


async def get_bucket_lifecycle(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    rules = lifecycle.from_json(await ctx.services.run(ctx.store.bucket_setting, ctx.bucket, "lifecycle"))
    if not rules:
        raise NoSuchLifecycleConfiguration(BucketName=ctx.bucket)
    minimum = await ctx.services.run(ctx.store.bucket_setting, ctx.bucket, _MINIMUM_SIZE_SETTING)
    return xml_response(
        render(rules), headers={_MINIMUM_SIZE: minimum if minimum in _MINIMUM_SIZES else _MINIMUM_SIZES[0]}
    )


async def delete_bucket_lifecycle(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "lifecycle", None)
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, _MINIMUM_SIZE_SETTING, None)
    _rules_cache(ctx.services)[ctx.bucket] = []
    return web.Response(status=204)
