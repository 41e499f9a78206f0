"""Bucket versioning over HTTP: Put/GetBucketVersioning and ListObjectVersions.

The store keeps the versions (store/versioning.py); this module reads and writes the documents.

* PutBucketVersioning takes ``Enabled`` or ``Suspended``; any other Status, or none, is 400
  IllegalVersioningConfigurationException (a body that is not a VersioningConfiguration, or has two
  Status elements or one holding an element, is MalformedXML); a bucket with object lock cannot
  be suspended (409 InvalidBucketState).
  MfaDelete ``Disabled`` is what every bucket is; ``Enabled`` is refused (501): it promises that
  no version is deleted and no state changed without a device's code (x-amz-mfa), and cargobay
  has no MFA devices to check one against (MultiFactorAuthenticationDelete.html). Another value
  is IllegalVersioningConfigurationException, as an unknown Status.
* GetBucketVersioning of a never-versioned bucket is an empty configuration.
* ListObjectVersions: keys in UTF-8 byte order, each key's versions newest first, delete markers
  as ``DeleteMarker`` elements in the same order; ``version-id-marker`` needs ``key-marker``.
"""

from __future__ import annotations

from aiohttp import web

from cargobay.s3.errors import (
    IllegalVersioningConfigurationException,
    InvalidArgument,
    MalformedXML,
    NotImplementedError_,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import settings_of
from cargobay.s3.http.buckets import _encoding, _max_keys, check_optional_attributes, checksum_elements
from cargobay.s3.http.common import identity_of_id, identity_xml, read_small_body, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.store import ObjectStore, VersionEntry

_MAX_BODY = 64 * 1024


async def get_bucket_versioning(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    status = await ctx.services.run(ctx.store.versioning, ctx.bucket)
    children = [xml.element("Status", status)] if status else []
    return xml_response(xml.document("VersioningConfiguration", children))


async def put_bucket_versioning(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    body = await read_small_body(ctx, limit=_MAX_BODY)
    root = xml.parse(body)
    if xml.local_name(root) != "VersioningConfiguration":
        raise MalformedXML()
    statuses = xml.children(root, "Status")
    if len(statuses) > 1 or any(len(node) for node in statuses):
        raise MalformedXML()  # Status is one string (API_VersioningConfiguration.html): never half a document
    status = (statuses[0].text or "") if statuses else None
    if status not in ("Enabled", "Suspended"):
        raise IllegalVersioningConfigurationException()
    mfa_delete = [node.text or "" for node in xml.children(root, "MfaDelete")]
    if len(mfa_delete) > 1 or not set(mfa_delete) <= {"Enabled", "Disabled"}:
        raise IllegalVersioningConfigurationException()
    # API_VersioningConfiguration.html names Status and MfaDelete only: another element (<MFADelete>) is
    # MalformedXML, never ignored (it would enable versioning without the MFA delete that was asked).
    xml.known_children(root, frozenset({"Status", "MfaDelete"}))
    if mfa_delete == ["Enabled"]:
        raise NotImplementedError_(
            "cargobay has no MFA devices to check an x-amz-mfa code against, so it cannot enable MFA delete; "
            "the versioning configuration was not changed."
        )
    await ctx.services.run(ctx.store.set_versioning, ctx.bucket, status)
    return web.Response(status=200)


def _owner_ids(store: ObjectStore, bucket: str, entries: tuple[VersionEntry, ...], default: str) -> list[str]:
    """Who owns each listed version (its recorded owner; else the bucket owner), never the caller."""
    if not entries:
        return []
    current = store.owners_between(bucket, entries[0].key, entries[-1].key)
    out = []
    for entry in entries:
        if entry.is_latest and not entry.is_marker:
            out.append(current.get(entry.key, default))
            continue
        out.append(entry.owner or default)
    return out


async def list_object_versions(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    bucket = ctx.bucket
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    key_marker = ctx.query.get("key-marker", "")
    version_marker = ctx.query.get("version-id-marker", "")
    max_keys = min(_max_keys(ctx), 1000)  # the echo of a larger one is settled for v1/v2 only
    url = _encoding(ctx)
    check_optional_attributes(ctx)
    if version_marker and not key_marker:
        raise InvalidArgument(
            "A version-id marker cannot be specified without a key marker.",
            ArgumentName="version-id-marker",
            ArgumentValue=version_marker,
        )
    page = await ctx.services.run(
        lambda: ctx.store.list_versions(
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            version_id_marker=version_marker,
            max_keys=max_keys,
        )
    )
    children = [
        xml.element("Name", bucket),
        f"<Prefix>{xml.encode_key(prefix, url)}</Prefix>",
        f"<KeyMarker>{xml.encode_key(key_marker, url)}</KeyMarker>",
        xml.element("VersionIdMarker", version_marker),
    ]
    if page.is_truncated and page.next_key_marker is not None:
        children.append(f"<NextKeyMarker>{xml.encode_key(page.next_key_marker, url)}</NextKeyMarker>")
        if page.next_version_id_marker is not None:
            children.append(xml.element("NextVersionIdMarker", page.next_version_id_marker))
    children.append(xml.element("MaxKeys", max_keys))
    if delimiter:
        children.append(f"<Delimiter>{xml.encode_key(delimiter, url)}</Delimiter>")
    if url:
        children.append(xml.element("EncodingType", "url"))
    children.append(xml.element("IsTruncated", page.is_truncated))
    settings = await settings_of(ctx.services, bucket)
    owner_ids = await ctx.services.run(_owner_ids, ctx.store, bucket, page.entries, settings.owner_id)
    rendered = {oid: identity_xml(identity_of_id(ctx, oid)) for oid in set(owner_ids)}
    for entry, owner_id in zip(page.entries, owner_ids, strict=True):
        owner = rendered[owner_id]
        head = (
            f"<Key>{xml.encode_key(entry.key, url)}</Key>"
            f"{xml.element('VersionId', entry.version_id)}"
            f"{xml.element('IsLatest', entry.is_latest)}"
            f"{xml.element('LastModified', xml.iso8601(entry.last_modified_ns))}"
        )
        if entry.is_marker:
            children.append(f"<DeleteMarker>{head}{owner}</DeleteMarker>")
        else:
            children.append(
                f"<Version>{head}"
                f"{xml.element('ETag', chr(34) + entry.etag + chr(34))}"
                f"{checksum_elements(entry)}"
                f"{xml.element('Size', entry.size)}"
                f"{owner}{xml.element('StorageClass', entry.storage_class or 'STANDARD')}"
                "</Version>"
            )
    for common in page.common_prefixes:
        children.append(f"<CommonPrefixes><Prefix>{xml.encode_key(common, url)}</Prefix></CommonPrefixes>")
    return xml_response(xml.document("ListVersionsResult", children))
