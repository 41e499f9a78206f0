"""ACL operations: Get/PutBucketAcl and Get/PutObjectAcl (canned, grant headers, or an
AccessControlPolicy document), and the AccessControlPolicy XML both directions.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from cargobay.s3 import acl as acls
from cargobay.s3.errors import (
    AccessDenied,
    InvalidArgument,
    MalformedACLError,
    S3Error,
    UnexpectedContent,
    UnresolvableGrantByEmailAddress,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import (
    bucket_settings,
    check_acl_allowed,
    forget,
    object_acl_of,
    requested_acl,
)
from cargobay.s3.http.common import identity_of_id, identity_xml, read_small_body, xml_response
from cargobay.s3.http.context import RequestContext

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_MAX_ACL_BODY = 64 * 1024
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def acl_document(ctx: RequestContext, owner_id: str, grants: acls.Acl) -> bytes:
    """An AccessControlPolicy: the owner, then each grant."""
    parts = []
    for grant in grants:
        if grant.kind == "user":
            ident = identity_of_id(ctx, grant.who)
            grantee = (
                f'<Grantee xmlns:xsi="{_XSI}" xsi:type="CanonicalUser">'
                f"{xml.element('ID', ident.canonical_id)}{xml.element('DisplayName', ident.display_name)}"
                "</Grantee>"
            )
        else:
            grantee = f'<Grantee xmlns:xsi="{_XSI}" xsi:type="Group">{xml.element("URI", grant.who)}</Grantee>'
        parts.append(f"<Grant>{grantee}{xml.element('Permission', grant.permission)}</Grant>")
    owner = identity_xml(identity_of_id(ctx, owner_id))
    return xml.document("AccessControlPolicy", [owner, f"<AccessControlList>{''.join(parts)}</AccessControlList>"])


def parse_acl_document(ctx: RequestContext, body: bytes, *, owner_id: str) -> acls.Acl:
    """The grants of an AccessControlPolicy body; MalformedACLError for anything else.

    The document names the resource's owner (``Owner/ID``, a required element of the published
    schema): without it the document is MalformedACLError, and an ACL cannot give the resource to
    another owner, so an ID other than ``owner_id`` is AccessDenied (AWS answers both so). More than
    ``MAX_GRANTS`` Grant elements do not validate either: MalformedACLError."""
    directory = ctx.services.config.directory
    try:
        root = xml.parse(body)
    except S3Error:
        raise MalformedACLError() from None
    if xml.local_name(root) != "AccessControlPolicy":
        raise MalformedACLError()
    lists = xml.children(root, "AccessControlList")
    owners = xml.children(root, "Owner")
    if len(lists) != 1 or len(owners) != 1:
        raise MalformedACLError()
    named_owner = _only(owners[0], "ID")
    if not named_owner:
        raise MalformedACLError()
    if named_owner != owner_id:
        raise AccessDenied()
    nodes = xml.children(lists[0], "Grant")
    if len(nodes) > acls.MAX_GRANTS:
        raise MalformedACLError()
    grants: list[acls.Grant] = []
    for node in nodes:
        permission = _only(node, "Permission")
        grantees = xml.children(node, "Grantee")
        if permission not in acls.PERMISSIONS or len(grantees) != 1:
            raise MalformedACLError()
        grantee = grantees[0]
        kind = next((v for k, v in grantee.attrib.items() if k.endswith("}type") or k == "type"), "")
        if kind == "CanonicalUser":
            who = _only(grantee, "ID") or ""
            if directory.by_id(who) is None:
                raise MalformedACLError("Invalid id") if not who else _invalid_id(who)
            grants.append(acls.Grant("user", who, permission))
        elif kind == "Group":
            uri = _only(grantee, "URI") or ""
            # Not one of the three groups: InvalidArgument "Invalid group uri", as for a grant header
            # (aws/aws-sdk-ruby#826 and marcel/aws-s3#39 met it with a document).
            acls.check_grantee("group", uri, known_id=lambda _: True)
            grants.append(acls.Grant("group", uri, permission))
        elif kind == "AmazonCustomerByEmail":
            found = directory.by_email(_only(grantee, "EmailAddress") or "")
            if found is None:
                raise UnresolvableGrantByEmailAddress()
            grants.append(acls.Grant("user", found.canonical_id, permission))
        else:
            raise MalformedACLError()
    return tuple(grants)  # as sent: S3 keeps the order and a grant sent twice


def _only(node: Element, name: str) -> str | None:
    """The text of ``node``'s one ``name`` child (None without one); two of them do not validate
    (API_Grant.html, API_Grantee.html, API_Owner.html: one of each): MalformedACLError."""
    found = xml.children(node, name)
    if len(found) > 1:
        raise MalformedACLError()
    return (found[0].text or "") if found else None


def _invalid_id(who: str) -> S3Error:
    return InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=who)


async def _requested(ctx: RequestContext, owner_id: str, bucket_owner_id: str) -> acls.Acl:
    """The new ACL of a Put*Acl request: headers or the body, exactly one of them. Both is 400
    UnexpectedContent "This request does not support content" (real S3's answer, quoted in
    minio/minio-java#253 and brendanhay/amazonka#241)."""
    grants = requested_acl(ctx, owner_id=owner_id, bucket_owner_id=bucket_owner_id)
    body = await read_small_body(ctx, limit=_MAX_ACL_BODY)
    if grants is not None and body.strip():
        raise UnexpectedContent()
    if grants is None:
        if not body.strip():
            raise MalformedACLError()
        grants = parse_acl_document(ctx, body, owner_id=owner_id)
    return grants


async def get_bucket_acl(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    settings = await ctx.services.run(bucket_settings, ctx.services, ctx.bucket)
    grants = settings.acl if settings.acls_enabled else acls.owner_only(settings.owner_id)
    return xml_response(acl_document(ctx, settings.owner_id, grants))


async def put_bucket_acl(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    settings = await ctx.services.run(bucket_settings, ctx.services, ctx.bucket)
    grants = await _requested(ctx, settings.owner_id, settings.owner_id)
    check_acl_allowed(settings, grants, owner_id=settings.owner_id, canned=ctx.headers.get("x-amz-acl"))
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, "acl", acls.encode(grants))
    forget(ctx.services, ctx.bucket)
    return web.Response(status=200)


async def get_object_acl(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    info = await ctx.services.run(ctx.store.head, ctx.bucket, ctx.key, ctx.query.get("versionId"))
    settings = await ctx.services.run(bucket_settings, ctx.services, ctx.bucket)
    obj = object_acl_of(info, settings)
    if not settings.acls_enabled:
        # object-ownership-error-responses.html: reads show the bucket owner's full control.
        return xml_response(acl_document(ctx, settings.owner_id, acls.owner_only(settings.owner_id)))
    return xml_response(acl_document(ctx, obj.owner_id, obj.acl))


async def put_object_acl(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, version = ctx.bucket, ctx.key, ctx.query.get("versionId")
    info = await ctx.services.run(ctx.store.head, bucket, key, version)
    settings = await ctx.services.run(bucket_settings, ctx.services, bucket)
    owner_id = object_acl_of(info, settings).owner_id
    grants = await _requested(ctx, owner_id, settings.owner_id)
    check_acl_allowed(settings, grants, owner_id=owner_id, canned=ctx.headers.get("x-amz-acl"))
    triples = tuple((g.kind, g.who, g.permission) for g in grants)
    await ctx.services.run(lambda: ctx.store.set_acl(bucket, key, owner_id, triples, version))
    return web.Response(status=200)
