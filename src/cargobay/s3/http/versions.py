"""ListObjectVersions for buckets that were never versioned (the only kind this server keeps).

AWS lists each object of such a bucket once, with VersionId ``null`` and IsLatest true, and no
delete markers. Paging: ``key-marker`` alone resumes after that key; ``version-id-marker`` needs a
``key-marker`` and can only be ``null`` here (the one version of every key), so it resumes after
the key as well. Tools that empty a bucket (``aws s3 rb --force``, rclone purge, the boto3
``object_versions`` collection) page through this listing and delete what it names.
"""

from __future__ import annotations

from aiohttp import web

from cargobay.s3.errors import InvalidArgument
from cargobay.s3.http import xml
from cargobay.s3.http.buckets import _encoding, _max_keys, owner_elements
from cargobay.s3.http.common import xml_response
from cargobay.s3.http.context import RequestContext

NULL_VERSION = "null"


async def list_object_versions(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    bucket = ctx.bucket
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    key_marker = ctx.query.get("key-marker", "")
    version_marker = ctx.query.get("version-id-marker")
    max_keys = _max_keys(ctx)
    url = _encoding(ctx)
    if version_marker is not None and version_marker != "":
        if not key_marker:
            raise InvalidArgument("A version-id marker cannot be specified without a key marker.",
                                  ArgumentName="version-id-marker", ArgumentValue=version_marker)
        if version_marker != NULL_VERSION:
            raise InvalidArgument("Invalid version id specified", ArgumentName="version-id-marker",
                                  ArgumentValue=version_marker)
    page = await ctx.services.run(
        lambda: ctx.store.list(bucket, prefix=prefix, delimiter=delimiter, after=key_marker, max_keys=max_keys)
    )
    children = [
        xml.element("Name", bucket),
        f"<Prefix>{xml.encode_key(prefix, url)}</Prefix>",
        f"<KeyMarker>{xml.encode_key(key_marker, url)}</KeyMarker>",
        xml.element("VersionIdMarker", version_marker or ""),
    ]
    if page.is_truncated and page.last_item is not None:
        children.append(f"<NextKeyMarker>{xml.encode_key(page.last_item, url)}</NextKeyMarker>")
        if not page.last_is_prefix:
            children.append(xml.element("NextVersionIdMarker", NULL_VERSION))
    children.append(xml.element("MaxKeys", max_keys))
    if delimiter:
        children.append(f"<Delimiter>{xml.encode_key(delimiter, url)}</Delimiter>")
    if url:
        children.append(xml.element("EncodingType", "url"))
    children.append(xml.element("IsTruncated", page.is_truncated))
    owners = await owner_elements(ctx, bucket, [e.key for e in page.entries])
    for entry, owner in zip(page.entries, owners, strict=True):
        children.append(
            "<Version>"
            f"<Key>{xml.encode_key(entry.key, url)}</Key>"
            f"{xml.element('VersionId', NULL_VERSION)}"
            f"{xml.element('IsLatest', True)}"
            f"{xml.element('LastModified', xml.iso8601(entry.last_modified_ns))}"
            f"{xml.element('ETag', chr(34) + entry.etag + chr(34))}"
            f"{xml.element('Size', entry.size)}"
            f"{owner}<StorageClass>STANDARD</StorageClass>"
            "</Version>"
        )
    for common in page.common_prefixes:
        children.append(f"<CommonPrefixes><Prefix>{xml.encode_key(common, url)}</Prefix></CommonPrefixes>")
    return xml_response(xml.document("ListVersionsResult", children))
