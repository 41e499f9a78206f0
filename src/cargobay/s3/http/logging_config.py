"""PutBucketLogging and GetBucketLogging: a bucket's server access logging configuration.

Kept in the bucket's ``config`` JSON (``logging``), so it survives a restart, and registered with the
server's :class:`~cargobay.s3.http.log_delivery.ServerLogs`, which records every request on the bucket
and delivers the records into the target bucket (log_delivery.py). An empty BucketLoggingStatus turns
logging off ("To disable logging, you use an empty BucketLoggingStatus request element").

Validation, as AWS does it before acting: a body that is not a BucketLoggingStatus holding at most one
LoggingEnabled with one TargetBucket and one TargetPrefix (API_LoggingEnabled.html: both required),
TargetGrants of Grant/Grantee/Permission (API_TargetGrant.html), and a TargetObjectKeyFormat of one
SimplePrefix or one PartitionedPrefix whose PartitionDateSource is ``EventTime | DeliveryTime``
(API_TargetObjectKeyFormat.html, API_PartitionedPrefix.html) is 400 MalformedXML. The target bucket
must exist and have the source bucket's owner (ServerLogs.html: "Both the source and destination
buckets must be in the same AWS Region and owned by the same account"): otherwise 400
InvalidTargetBucketForLogging. TargetGrants on a target whose Object Ownership is BucketOwnerEnforced
are 400 AccessControlListNotSupported (API_LoggingEnabled.html: such buckets "don't support target
grants"). The grants are acted on: each log object carries them in its ACL beside its owner's
FULL_CONTROL.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLogging.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from cargobay.s3 import acl as acls
from cargobay.s3 import server_log
from cargobay.s3.errors import (
    AccessControlListNotSupported,
    InvalidTargetBucketForLogging,
    MalformedXML,
    UnresolvableGrantByEmailAddress,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import bucket_settings
from cargobay.s3.http.common import identity_of_id, read_small_body, xml_response
from cargobay.s3.http.context import RequestContext, Services

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_MAX_BODY = 64 * 1024
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SETTING = "logging"  # the bucket setting holding LoggingConfig.to_json()
_ENABLED = frozenset({"TargetBucket", "TargetPrefix", "TargetGrants", "TargetObjectKeyFormat"})


def _grantee(services: Services, node: Element) -> tuple[str, str]:
    """(kind, who) of a Grantee (API_Grantee.html): a known canonical id, a group URI or a known email."""
    xml.known_children(node, frozenset({"ID", "DisplayName", "EmailAddress", "URI"}))
    kind = next((v for k, v in node.attrib.items() if k.endswith("}type") or k == "type"), "")
    directory = services.config.directory
    if kind == "CanonicalUser":
        who = xml.only_text(node, "ID") or ""
        acls.check_grantee("user", who, known_id=lambda i: directory.by_id(i) is not None)
        return "user", who
    if kind == "Group":
        uri = xml.only_text(node, "URI") or ""
        acls.check_grantee("group", uri, known_id=lambda _: True)
        return "group", uri
    if kind == "AmazonCustomerByEmail":
        found = directory.by_email(xml.only_text(node, "EmailAddress") or "")
        if found is None:
            raise UnresolvableGrantByEmailAddress()
        return "user", found.canonical_id
    raise MalformedXML()


def _grants(services: Services, node: Element) -> tuple[server_log.TargetGrant, ...]:
    xml.known_children(node, frozenset({"Grant"}))
    grants = []
    for grant in xml.children(node, "Grant"):
        xml.known_children(grant, frozenset({"Grantee", "Permission"}))
        grantees = xml.children(grant, "Grantee")
        permission = xml.only_text(grant, "Permission")
        if len(grantees) != 1 or permission not in server_log.TARGET_PERMISSIONS:
            raise MalformedXML()
        kind, who = _grantee(services, grantees[0])
        grants.append(server_log.TargetGrant(kind, who, permission))
    if len(grants) > acls.MAX_GRANTS:
        raise MalformedXML()
    return tuple(grants)


def _key_format(node: Element) -> tuple[str, str | None]:
    """(SimplePrefix | PartitionedPrefix, its PartitionDateSource) of a TargetObjectKeyFormat."""
    xml.known_children(node, frozenset({server_log.SIMPLE, server_log.PARTITIONED}))
    if len(node) != 1:  # exactly one of the two
        raise MalformedXML()
    chosen = node[0]
    if xml.local_name(chosen) == server_log.SIMPLE:
        if len(chosen) or (chosen.text or "").strip():
            raise MalformedXML()
        return server_log.SIMPLE, None
    xml.known_children(chosen, frozenset({"PartitionDateSource"}))
    source = xml.only_text(chosen, "PartitionDateSource")
    if source is not None and source not in server_log.DATE_SOURCES:
        raise MalformedXML()
    return server_log.PARTITIONED, source


def parse_configuration(services: Services, body: bytes) -> server_log.LoggingConfig | None:
    """The LoggingEnabled of a BucketLoggingStatus body (None: logging off); MalformedXML if it does
    not validate."""
    root = xml.parse(body)
    if xml.local_name(root) != "BucketLoggingStatus":
        raise MalformedXML()
    xml.known_children(root, frozenset({"LoggingEnabled"}))
    enabled = xml.children(root, "LoggingEnabled")
    if not enabled:
        return None
    if len(enabled) > 1:
        raise MalformedXML()
    node = enabled[0]
    xml.known_children(node, _ENABLED)
    target = xml.only_text(node, "TargetBucket")
    prefix = xml.only_text(node, "TargetPrefix")
    if target is None or prefix is None:  # API_LoggingEnabled.html: both "Required: Yes"
        raise MalformedXML()
    grant_nodes = xml.children(node, "TargetGrants")
    formats = xml.children(node, "TargetObjectKeyFormat")
    if len(grant_nodes) > 1 or len(formats) > 1:
        raise MalformedXML()
    grants = _grants(services, grant_nodes[0]) if grant_nodes else ()
    key_format, date_source = _key_format(formats[0]) if formats else (None, None)
    return server_log.LoggingConfig(target.strip(), prefix, grants, key_format, date_source)


def _check_target(services: Services, source: str, config: server_log.LoggingConfig) -> str:
    """The source bucket owner's canonical id, once the target is one logs may go to (blocking)."""
    store = services.store
    store.require_bucket(source)
    owner = bucket_settings(services, source).owner_id
    if not config.target_bucket or not store.bucket_exists(config.target_bucket):
        raise InvalidTargetBucketForLogging(TargetBucket=config.target_bucket)
    target = bucket_settings(services, config.target_bucket)
    if target.owner_id != owner:
        raise InvalidTargetBucketForLogging(
            "The owner for the bucket to be logged and the target bucket must be the same.",
            TargetBucket=config.target_bucket,
        )
    if config.grants and target.ownership == "BucketOwnerEnforced":
        raise AccessControlListNotSupported("Target grants not allowed for bucket owner enforced buckets")
    return owner


def _store(services: Services, source: str, config: server_log.LoggingConfig | None) -> None:
    """Keep the configuration (or its absence) and put it in force (blocking)."""
    if config is None:
        services.store.require_bucket(source)
        services.store.set_bucket_setting(source, SETTING, None)
        services.server_logs.disable(source)
        return
    owner = _check_target(services, source, config)
    services.store.set_bucket_setting(source, SETTING, config.to_json())
    services.server_logs.enable(source, config, owner)


async def put_bucket_logging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    config = parse_configuration(ctx.services, await read_small_body(ctx, limit=_MAX_BODY))
    await ctx.services.run(_store, ctx.services, ctx.bucket, config)
    return web.Response(status=200)


def _grant_xml(ctx: RequestContext, grant: server_log.TargetGrant) -> str:
    if grant.kind == "user":
        ident = identity_of_id(ctx, grant.who)
        inner = xml.element("ID", ident.canonical_id) + xml.element("DisplayName", ident.display_name)
        grantee = f'<Grantee xmlns:xsi="{_XSI}" xsi:type="CanonicalUser">{inner}</Grantee>'
    else:
        grantee = f'<Grantee xmlns:xsi="{_XSI}" xsi:type="Group">{xml.element("URI", grant.who)}</Grantee>'
    return f"<Grant>{grantee}{xml.element('Permission', grant.permission)}</Grant>"


def _enabled_xml(ctx: RequestContext, config: server_log.LoggingConfig) -> str:
    parts = [xml.element("TargetBucket", config.target_bucket), xml.element("TargetPrefix", config.target_prefix)]
    if config.grants:
        parts.append("<TargetGrants>" + "".join(_grant_xml(ctx, g) for g in config.grants) + "</TargetGrants>")
    if config.key_format == server_log.SIMPLE:
        parts.append("<TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>")
    elif config.key_format == server_log.PARTITIONED:
        source = xml.element("PartitionDateSource", config.date_source)
        parts.append(f"<TargetObjectKeyFormat><PartitionedPrefix>{source}</PartitionedPrefix></TargetObjectKeyFormat>")
    return "<LoggingEnabled>" + "".join(parts) + "</LoggingEnabled>"


async def get_bucket_logging(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    raw = await ctx.services.run(ctx.store.bucket_setting, ctx.bucket, SETTING)
    children = [_enabled_xml(ctx, server_log.LoggingConfig.from_json(raw))] if raw else []
    return xml_response(xml.document("BucketLoggingStatus", children))
