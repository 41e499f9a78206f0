"""Bucket operations: create, delete, head, location, versioning, ACL, and object listings."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import operator
from typing import TYPE_CHECKING

from aiohttp import web

from cargobay.s3 import access, names
from cargobay.s3 import acl as acls
from cargobay.s3.errors import (
    BucketAlreadyExists,
    IllegalLocationConstraintException,
    InvalidArgument,
    InvalidBucketAclWithObjectOwnership,
    InvalidBucketName,
    InvalidLocationConstraint,
    MalformedXML,
    NotImplementedError_,
    S3Error,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import check_acl_allowed, forget, requested_acl, settings_of
from cargobay.s3.http.bucket_tagging import bucket_tags
from cargobay.s3.http.common import identity_of_id, identity_xml, int_param, read_small_body, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.lifecycle import forget_rules
from cargobay.s3.store import ListEntry, ListPage, VersionEntry

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_MAX_CONFIG_BODY = 64 * 1024


def _check_namespace(ctx: RequestContext) -> None:
    """x-amz-bucket-namespace (API_CreateBucket.html): ``global``, the one namespace cargobay has, or
    none; ``account-regional`` is refused (there are no account ids to put in such a name, and no
    second namespace to keep it in), another value is 400 InvalidArgument. A global name may not
    end in ``-an`` (:func:`names.new_global_bucket_name_problem`)."""
    assert ctx.bucket is not None
    namespace = ctx.headers.get("x-amz-bucket-namespace")
    if namespace is not None and namespace not in names.BUCKET_NAMESPACES:
        raise InvalidArgument(
            "Invalid x-amz-bucket-namespace header", ArgumentName="x-amz-bucket-namespace", ArgumentValue=namespace
        )
    if namespace == "account-regional":
        raise NotImplementedError_(
            "cargobay has one bucket namespace: create the bucket without x-amz-bucket-namespace: account-regional."
        )
    problem = names.new_global_bucket_name_problem(ctx.bucket)
    if problem is not None:
        raise InvalidBucketName(problem, BucketName=ctx.bucket)


def _configured_tags(root: Element) -> dict[str, str] | None:
    """The Tags of a CreateBucketConfiguration (API_CreateBucketConfiguration.html): the new bucket's
    tag set, under the rules of PutBucketTagging (InvalidTag before anything is made); None without."""
    lists = xml.children(root, "Tags")
    if len(lists) > 1:
        raise MalformedXML()
    return bucket_tags(xml.children(lists[0], "Tag")) if lists else None


# API_CreateBucketConfiguration.html: its elements, each at most once; another does not validate.
_CONFIGURATION = frozenset({"LocationConstraint", "Location", "Bucket", "Tags"})


def _refuse_directory_bucket(root: Element) -> None:
    """MalformedXML for an element the schema does not name; 501 for Location or Bucket, which ask
    for a directory bucket in an Availability or Local Zone (API_CreateBucketConfiguration.html,
    BucketInfo Type "Valid Values: Directory"): cargobay makes general purpose buckets only, and
    making one of those instead would answer 200 to what was not done."""
    xml.known_children(root, _CONFIGURATION)
    if xml.children(root, "Location") or xml.children(root, "Bucket"):
        raise NotImplementedError_(
            "cargobay has general purpose buckets only: create the bucket without Location and Bucket."
        )


async def create_bucket(ctx: RequestContext) -> web.StreamResponse:
    """CreateBucket. Re-creating your own bucket is 200 in us-east-1 and 409 elsewhere (AWS); the 200
    "resets the bucket access control lists" and nothing else: Object Lock, Object Ownership and the
    configuration's Tags are given to a bucket this request makes, never to one that was there."""
    assert ctx.bucket is not None
    _check_namespace(ctx)
    body = await read_small_body(ctx, limit=_MAX_CONFIG_BODY)
    region = ctx.services.config.region
    tags: dict[str, str] | None = None
    if body.strip():
        root = xml.parse(body)
        if xml.local_name(root) != "CreateBucketConfiguration":
            raise MalformedXML()  # API_CreateBucket.html: the body is a CreateBucketConfiguration
        _refuse_directory_bucket(root)
        tags = _configured_tags(root)
        constraint = xml.only_text(root, "LocationConstraint")
        if constraint == "EU" and region == "eu-west-1":
            constraint = region  # "Configurations using the value EU will create a bucket in eu-west-1"
        if constraint == "us-east-1" or (
            constraint and constraint != region and constraint not in names.LOCATION_CONSTRAINTS
        ):
            # Not a valid LocationConstraint (API_CreateBucketConfiguration.html lists the others): a
            # us-east-1 bucket is asked for without one, whatever region this endpoint is in, and a
            # value naming no Region is no constraint at all. (This endpoint's own region, whatever
            # its name, is always taken.)
            raise InvalidLocationConstraint(
                "The specified location-constraint is not valid", LocationConstraint=constraint
            )
        if constraint and constraint != region:
            raise IllegalLocationConstraintException(
                f"The {constraint} location constraint is incompatible for the region specific endpoint "
                "this request was sent to."
            )
    config = ctx.services.config
    owner = config.user_of(ctx.access_key) if ctx.access_key is not None else config.default_owner
    owner_id = config.identity(owner).canonical_id
    grants = requested_acl(ctx, owner_id=owner_id)
    ownership = ctx.headers.get("x-amz-object-ownership")
    if ownership is not None and ownership not in access.OWNERSHIP_SETTINGS:
        raise InvalidArgument(
            "Invalid x-amz-object-ownership header", ArgumentName="x-amz-object-ownership", ArgumentValue=ownership
        )
    if ownership == "BucketOwnerEnforced" and grants is not None and grants != acls.owner_only(owner_id):
        raise InvalidBucketAclWithObjectOwnership()
    bucket, store = ctx.bucket, ctx.store
    existed = store.bucket_exists(bucket)
    if existed:
        existing = await settings_of(ctx.services, bucket)
        if config.auth and existing.owner is not None and existing.owner != owner:
            raise BucketAlreadyExists(BucketName=bucket)
        if region == "us-east-1":
            # The 200 of a re-create resets the bucket ACL: a PutBucketAcl by another door, refused
            # where PutBucketAcl would be (ACLs disabled, BlockPublicAcls and a public ACL).
            check_acl_allowed(existing, grants, owner_id=owner_id, canned=ctx.headers.get("x-amz-acl"))
    await ctx.services.run(lambda: store.create_bucket(bucket, owner=owner, exists_ok=region == "us-east-1"))
    if not existed and ctx.headers.get("x-amz-bucket-object-lock-enabled", "").strip().lower() == "true":
        # Object lock turns versioning on, for good (AWS CreateBucket): for the new bucket only.
        await ctx.services.run(store.set_object_lock_config, bucket, {"enabled": True, "rule": None})
    if existed or (grants is not None and grants != acls.owner_only(owner_id)):
        # Re-creating one's own bucket in us-east-1 "returns 200 OK and resets the bucket access
        # control lists" (API_CreateBucket.html, BucketAlreadyOwnedByYou): to this request's ACL.
        acl = grants if grants is not None else acls.owner_only(owner_id)
        await ctx.services.run(store.set_bucket_setting, bucket, "acl", acls.encode(acl))
    if not existed:
        if ownership is not None:
            await ctx.services.run(store.set_bucket_setting, bucket, "ownership", ownership)
        if tags:
            await ctx.services.run(store.set_bucket_setting, bucket, "tags", tags)
    forget(ctx.services, bucket)
    forget_rules(ctx.services, bucket)
    return web.Response(status=200, headers={"Location": f"/{bucket}"})


async def delete_bucket(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.delete_bucket, ctx.bucket)
    forget(ctx.services, ctx.bucket)
    forget_rules(ctx.services, ctx.bucket)
    ctx.services.cache.setdefault("cors", {}).pop(ctx.bucket, None)
    ctx.services.server_logs.disable(ctx.bucket)  # its logging configuration went with its row
    return web.Response(status=204)


async def head_bucket(ctx: RequestContext) -> web.StreamResponse:
    """HeadBucket: the region, and x-amz-access-point-alias ``false`` (the name is the bucket's own,
    never an access point alias; API_HeadBucket.html)."""
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    headers = {"x-amz-bucket-region": ctx.services.config.region, "x-amz-access-point-alias": "false"}
    return web.Response(status=200, headers=headers)


def name_region_in_refusal(ctx: RequestContext, error: S3Error) -> None:
    """A HeadBucket refused with 403, or with 400 for a signature scoped to another region, still
    names the bucket's region: "calls to the HeadBucket operation always return the bucket's location
    through an HTTP response header, whether access to the bucket is authorized or not"
    (API_GetBucketLocation.html); clients find a bucket's region this way before they can sign for
    it (botocore's S3RegionRedirector reads it from a HeadBucket's 400)."""
    if ctx.method != "HEAD" or ctx.bucket is None or ctx.key is not None:
        return
    if error.status != 403 and error.code != "AuthorizationHeaderMalformed":  # signed for another region
        return
    if ctx.store.bucket_exists(ctx.bucket):
        error.headers.setdefault("x-amz-bucket-region", ctx.services.config.region)


async def get_bucket_location(ctx: RequestContext) -> web.StreamResponse:
    """us-east-1 is reported as an empty LocationConstraint, as AWS does."""
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    region = ctx.services.config.region
    value = "" if region == "us-east-1" else region
    body = xml.DECLARATION + f'<LocationConstraint xmlns="{xml.S3_NS}">{xml.escape(value)}</LocationConstraint>'
    return xml_response(body.encode("utf-8"))


# -- listing ---------------------------------------------------------------------------------


def _max_keys(ctx: RequestContext) -> int:
    """The max-keys asked for: echoed as MaxKeys as sent (real S3 answered max-keys=20000000 with
    MaxKeys 20000000, goamz/goamz#76); a page holds at most 1,000 keys whatever it says."""
    return int_param(ctx, "max-keys", 1000, shown="maxKeys")


def _encoding(ctx: RequestContext) -> bool:
    value = ctx.query.get("encoding-type")
    if value is None:
        return False
    if value.lower() != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request", ArgumentName="encoding-type", ArgumentValue=value
        )
    return True


# x-amz-optional-object-attributes of ListObjects, ListObjectsV2 and ListObjectVersions: Valid Values
# RestoreStatus. An object is never archived here, so there is never a RestoreStatus to add
# (API_RestoreStatus.html: none "if the object hasn't been restored"); the header is only checked.
_OPTIONAL_ATTRIBUTES = frozenset({"RestoreStatus"})


def check_optional_attributes(ctx: RequestContext) -> None:
    """Refuse an x-amz-optional-object-attributes naming a field no listing has: 400 InvalidArgument
    "Invalid attribute name specified" (as GetObjectAttributes answers an unknown name), not a listing
    that silently leaves out what was asked for."""
    value = ctx.headers.get("x-amz-optional-object-attributes")
    if value is None:
        return
    for name in (item.strip() for item in value.split(",")):  # repeated headers arrive joined with ","
        if name and name not in _OPTIONAL_ATTRIBUTES:
            raise InvalidArgument(
                "Invalid attribute name specified.", ArgumentName="x-amz-optional-object-attributes", ArgumentValue=name
            )


def encode_token(item: str, scope: str) -> str:
    """The continuation token that resumes after ``item`` in a listing of ``scope`` (the bucket; "" for
    ListBuckets): the item in base64url and a short digest of both. A token is "obfuscated and is not a
    real key" (API_ListObjectsV2.html): one made up from a key, or issued for another bucket, is refused
    as AWS refuses a token it did not issue. Not a secret: it guards against mistakes, not forgery."""
    body = base64.urlsafe_b64encode(item.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{body}.{_seal(item, scope)}"


def _seal(item: str, scope: str) -> str:
    digest = hashlib.blake2b(f"{scope}\0{item}".encode(), digest_size=6, person=b"cargobay-token").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def decode_token(token: str, scope: str) -> str:
    """The item a token of :func:`encode_token` resumes after; any other is InvalidArgument."""
    body, _, seal = token.rpartition(".")
    try:
        padded = body + "=" * (-len(body) % 4)
        item = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        item = ""
    if not item or not hmac.compare_digest(seal, _seal(item, scope)):
        raise InvalidArgument("The continuation token provided is incorrect", ArgumentName="continuation-token")
    return item


async def owner_elements(ctx: RequestContext, bucket: str, keys: list[str]) -> list[str]:
    """The Owner element of each listed key (in key order): its recorded owner, else the bucket's."""
    if not keys:
        return []
    settings = await settings_of(ctx.services, bucket)
    owners = await ctx.services.run(ctx.store.owners_between, bucket, keys[0], keys[-1])
    rendered: dict[str, str] = {}
    out = []
    for key in keys:
        oid = owners.get(key, settings.owner_id)
        if oid not in rendered:
            rendered[oid] = identity_xml(identity_of_id(ctx, oid))
        out.append(rendered[oid])
    return out


def checksum_elements(entry: ListEntry | VersionEntry) -> str:
    """ChecksumAlgorithm and ChecksumType of a listed object or version (API_Object.html), when it keeps one."""
    return "" if entry.checksum_algorithm is None else _checksum_xml(entry.checksum_algorithm, entry.checksum_type)


@functools.lru_cache(maxsize=64)
def _checksum_xml(algorithm: str, kind: str | None) -> str:
    """Rendered once per (algorithm, type): a page has a thousand entries and a handful of these."""
    return xml.element("ChecksumAlgorithm", algorithm) + xml.element("ChecksumType", kind)


_STORAGE_CLASS_OF = operator.itemgetter(4)  # ListEntry.storage_class, read in C for a whole page


def _contents(ctx: RequestContext, page: ListPage, *, url: bool, owners: list[str] | None) -> list[str]:
    entries = page.entries
    plain = "<StorageClass>STANDARD</StorageClass></Contents>"
    tails = [owner + plain for owner in owners] if owners is not None else [plain] * len(entries)
    if any(map(_STORAGE_CLASS_OF, entries)):  # rare: most objects are STANDARD (None)
        for i, entry in enumerate(entries):
            if entry.storage_class:
                owner = owners[i] if owners is not None else ""
                tails[i] = f"{owner}{xml.element('StorageClass', entry.storage_class)}</Contents>"
    iso8601 = xml.iso8601
    # Keys and ETags are checked a page at a time (xml.encode_keys / escape_all), not one by one.
    keys = xml.encode_keys([e.key for e in entries], url)
    etags = xml.escape_all([e.etag for e in entries])
    parts = [
        f"<Contents><Key>{key}</Key>"
        f"<LastModified>{iso8601(entry.last_modified_ns)}</LastModified>"
        f"<ETag>&quot;{etag}&quot;</ETag>{checksum_elements(entry)}<Size>{entry.size}</Size>{tail}"
        for key, etag, entry, tail in zip(keys, etags, entries, tails, strict=True)
    ]
    parts.extend(
        f"<CommonPrefixes><Prefix>{prefix}</Prefix></CommonPrefixes>"
        for prefix in xml.encode_keys(list(page.common_prefixes), url)
    )
    return parts


async def list_objects(ctx: RequestContext) -> web.StreamResponse:
    """ListObjects (v1) and ListObjectsV2 (``list-type=2``)."""
    assert ctx.bucket is not None
    bucket = ctx.bucket
    v2 = ctx.query.get("list-type") == "2"
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    max_keys = _max_keys(ctx)
    url = _encoding(ctx)
    check_optional_attributes(ctx)
    if v2:
        token = ctx.query.get("continuation-token")
        start_after = ctx.query.get("start-after", "")
        # An empty token continues nothing: the listing starts as without one (and echoes it).
        after = decode_token(token, bucket) if token else start_after
    else:
        after = ctx.query.get("marker", "")
    page = await ctx.services.run(
        lambda: ctx.store.list(bucket, prefix=prefix, delimiter=delimiter, after=after, max_keys=min(max_keys, 1000))
    )
    # v1 returns Prefix as sent even with encoding-type=url: AWS's SDKs URL-decode only Delimiter,
    # Marker, NextMarker and keys of a v1 listing (a %-encoded Prefix would reach the caller). Except
    # a Prefix XML 1.0 cannot carry: the client asked for a document it can parse, and the ListObjects
    # reference names Prefix among the elements encoding-type=url encodes.
    url_prefix = url and (v2 or xml.xml10_unsafe(prefix))
    parts = [xml.element("Name", bucket), f"<Prefix>{xml.encode_key(prefix, url_prefix)}</Prefix>"]
    if v2:
        if "start-after" in ctx.query:
            parts.append(f"<StartAfter>{xml.encode_key(start_after, url)}</StartAfter>")
        if token is not None:
            parts.append(xml.element("ContinuationToken", token))
        parts.append(xml.element("KeyCount", len(page.entries) + len(page.common_prefixes)))
    else:
        parts.append(f"<Marker>{xml.encode_key(after, url)}</Marker>")
    parts.append(xml.element("MaxKeys", max_keys))
    if delimiter:
        parts.append(f"<Delimiter>{xml.encode_key(delimiter, url)}</Delimiter>")
    if url:
        parts.append(xml.element("EncodingType", "url"))
    parts.append(xml.element("IsTruncated", page.is_truncated))
    if page.is_truncated and page.last_item is not None:
        if v2:
            parts.append(xml.element("NextContinuationToken", encode_token(page.last_item, bucket)))
        elif delimiter:
            # AWS sends NextMarker only with a delimiter; clients use the last key otherwise.
            parts.append(f"<NextMarker>{xml.encode_key(page.last_item, url)}</NextMarker>")
    with_owner = not v2 or ctx.query.get("fetch-owner", "").lower() == "true"
    owners = await owner_elements(ctx, bucket, [e.key for e in page.entries]) if with_owner else None
    parts += _contents(ctx, page, url=url, owners=owners)
    return xml_response(xml.document("ListBucketResult", parts))
