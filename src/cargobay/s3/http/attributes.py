"""GetObjectAttributes: ETag, Checksum, ObjectParts (paged, with per-part checksums), ObjectSize,
StorageClass — only those named in ``x-amz-object-attributes``, of the version ``versionId`` names
(the current one without it), which x-amz-version-id names in a versioned bucket.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributesParts.html (Parts are
listed only when the object has an additional checksum; TotalPartsCount always).
"""

from __future__ import annotations

from aiohttp import web

from cargobay.s3.errors import InvalidArgument
from cargobay.s3.http import xml
from cargobay.s3.http.common import int_param, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.objects import http_date

ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")


def _requested(ctx: RequestContext) -> set[str]:
    raw = ctx.headers.get("x-amz-object-attributes", "")
    names = {item.strip() for item in raw.split(",") if item.strip()}
    if not names:
        raise InvalidArgument(
            "Invalid attribute name specified.", ArgumentName="x-amz-object-attributes", ArgumentValue=raw
        )
    unknown = names - set(ATTRIBUTES)
    if unknown:
        raise InvalidArgument(
            "Invalid attribute name specified.",
            ArgumentName="x-amz-object-attributes",
            ArgumentValue=sorted(unknown)[0],
        )
    return names


async def get_object_attributes(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    wanted = _requested(ctx)
    # versionId names one version; a delete marker named so is 405, one that is current 404 (store.head)
    info = await ctx.services.run(ctx.store.head, ctx.bucket, ctx.key, ctx.query.get("versionId"))
    meta = info.meta
    algorithm = next(iter(meta.checksums), None)
    children: list[str] = []
    if "ETag" in wanted:
        children.append(xml.element("ETag", info.etag))
    if "Checksum" in wanted and algorithm is not None:
        value = meta.checksums[algorithm]
        kind = "COMPOSITE" if "-" in value else "FULL_OBJECT"
        children.append(
            f"<Checksum>{xml.element('Checksum' + algorithm.upper(), value)}"
            f"{xml.element('ChecksumType', kind)}</Checksum>"
        )
    if "ObjectParts" in wanted and meta.parts:
        # read as S3 reads integers (common.int32): '²' passes str.isdigit and fails int
        marker = int_param(ctx, "x-amz-part-number-marker", 0, header=True)
        max_parts = min(int_param(ctx, "x-amz-max-parts", 1000, header=True), 1000)
        numbers = [n for n in range(1, len(meta.parts) + 1) if n > marker]
        page, truncated = numbers[:max_parts], len(numbers) > max_parts
        parts = [xml.element("PartsCount", len(meta.parts)), xml.element("PartNumberMarker", marker)]
        if truncated and page:
            parts.append(xml.element("NextPartNumberMarker", page[-1]))
        parts += [xml.element("MaxParts", max_parts), xml.element("IsTruncated", truncated)]
        sums = meta.part_checksums
        if algorithm is not None and len(sums) == len(meta.parts):
            tag = "Checksum" + algorithm.upper()
            parts += [
                f"<Part>{xml.element('PartNumber', n)}{xml.element('Size', meta.parts[n - 1])}"
                f"{xml.element(tag, sums[n - 1])}</Part>"
                for n in page
            ]
        children.append(f"<ObjectParts>{''.join(parts)}</ObjectParts>")
    if "StorageClass" in wanted:
        children.append(xml.element("StorageClass", info.meta.storage_class or "STANDARD"))
    if "ObjectSize" in wanted:
        children.append(xml.element("ObjectSize", info.size))
    headers = {"Last-Modified": http_date(info.last_modified)}
    if info.version_id is not None:
        headers["x-amz-version-id"] = info.version_id  # API_GetObjectAttributes.html: "The version ID of the object"
    return xml_response(xml.document("GetObjectAttributesResponse", children), headers=headers)
