"""Multipart upload operations: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
ListMultipartUploads.

Part bodies stream exactly like PUT bodies (:class:`~cargobay.s3.http.body.BodySource`: plain or
aws-chunked, Content-MD5 / SHA-256 / x-amz-checksum-* verified) into the store's staging area;
nothing here touches a path. The minimum part size is ``ServeConfig.min_part_size``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote

from aiohttp import web

from cargobay.s3 import checksums
from cargobay.s3 import etag as etags
from cargobay.s3.errors import (
    BadDigest,
    InvalidArgument,
    InvalidPart,
    InvalidRequest,
    MalformedXML,
    MethodNotAllowed,
    NoSuchUpload,
    S3Error,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import (
    authorize,
    authorize_copy_source,
    new_object_acl,
    note_object_owner,
    settings_of,
)
from cargobay.s3.http.body import BodySource, put_checks, stream_into
from cargobay.s3.http.common import identity_of_id, identity_xml, int_param, read_small_body, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.lifecycle import abort_headers, expiration_headers
from cargobay.s3.http.object_lock import body_digest_given, refuse_locked_part_without_digest, with_lock
from cargobay.s3.http.objects import (
    _requested_lock,
    _write_precondition,
    copy_source_version,
    marker_as_copy_source,
    parse_copy_source,
    require_copyable,
    require_source_conditions,
)
from cargobay.s3.http.writemeta import meta_from_headers, requested_checksum_algorithm
from cargobay.s3.identity import ANONYMOUS
from cargobay.s3.names import check_part_number
from cargobay.s3.numbers import decimal
from cargobay.s3.store import CompletedPart, ObjectInfo, ObjectMeta, PartInfo, PendingPart, UploadInfo

_MAX_COMPLETE_BODY = 4 << 20  # 10,000 <Part> elements with checksums fit comfortably
_COPY_RANGE = re.compile(r"^bytes=([0-9]+)-([0-9]+)$")
_XS_INT = re.compile(r"[+-]?[0-9]+")


def _part_number(ctx: RequestContext) -> int:
    return check_part_number(ctx.query.get("partNumber", ""))


def _checksum_headers(algorithm: str | None, value: str | None) -> dict[str, str]:
    return {} if algorithm is None or value is None else {f"x-amz-checksum-{algorithm}": value}


def _checksum_elements(algorithm: str | None, value: str | None) -> str:
    if algorithm is None or value is None:
        return ""
    return xml.element(f"Checksum{algorithm.upper()}", value)


def _initiator_and_owner(ctx: RequestContext, initiator_key: str | None, meta: ObjectMeta) -> tuple[str, str]:
    """Initiator (who created the upload: its access key is kept) and Owner (who will own the object)."""
    config = ctx.services.config
    if initiator_key is None:
        initiator = config.identity(None) if not config.auth else ANONYMOUS
    else:
        initiator = config.directory.by_name(config.user_of(initiator_key))
    owner = identity_of_id(ctx, meta.owner) if meta.owner is not None else initiator
    return identity_xml(initiator, "Initiator"), identity_xml(owner)


# -- create / abort ----------------------------------------------------------------------------


async def create_multipart_upload(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    meta = meta_from_headers(ctx)
    settings = await settings_of(ctx.services, ctx.bucket)
    owner, grants = new_object_acl(ctx, settings)
    await note_object_owner(ctx, settings, owner)
    meta = replace(meta, owner=owner, acl=grants)
    meta = with_lock(meta, await _requested_lock(ctx))
    algorithm = requested_checksum_algorithm(ctx)
    kind = ctx.headers.get("x-amz-checksum-type")
    kind = kind.upper() if kind else None
    bucket, key = ctx.bucket, ctx.key
    upload = await ctx.services.run(
        lambda: ctx.store.multipart.create(
            bucket, key, meta=meta, owner=ctx.access_key, checksum_algorithm=algorithm, checksum_type=kind
        )
    )
    headers = await abort_headers(ctx, bucket, key, upload.initiated_ns)
    if upload.checksum_algorithm is not None and upload.checksum_type is not None:
        headers["x-amz-checksum-algorithm"] = upload.checksum_algorithm.upper()
        headers["x-amz-checksum-type"] = upload.checksum_type
    body = xml.document(
        "InitiateMultipartUploadResult",
        [
            xml.element("Bucket", bucket),
            xml.element("Key", key),
            xml.element("UploadId", upload.upload_id),
        ],
    )
    return xml_response(body, headers=headers)


async def _authorized_upload(ctx: RequestContext) -> None:
    """AbortMultipartUpload and ListParts (routing.AUTHORIZED_BY_UPLOAD: the gate left them here, as
    the decision needs the upload): the bucket owner, the upload's initiator or a principal the policy
    allows, unless a policy Deny refuses (mpuoverview.html, "Multipart upload API and permissions").
    An S3 error of finding the upload, NoSuchUpload first, is told only to a caller the bucket lets
    act on uploads at all, so an upload id is not probed by whoever asks."""
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, upload_id = ctx.bucket, ctx.key, ctx.query["uploadId"]
    action = "s3:AbortMultipartUpload" if ctx.method == "DELETE" else "s3:ListMultipartUploadParts"
    try:
        upload = await ctx.services.run(lambda: ctx.store.multipart.get(bucket, key, upload_id))
    except S3Error:
        await authorize(ctx, action)
        raise
    # The initiator: the access key that created the upload (None: an unsigned caller), or another
    # key of the same user.
    config, started_by = ctx.services.config, upload.owner
    initiator = ctx.access_key == started_by or (
        ctx.access_key is not None
        and started_by is not None
        and config.user_of(ctx.access_key) == config.user_of(started_by)
    )
    await authorize(ctx, action, initiator=initiator)


async def abort_multipart_upload(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, upload_id = ctx.bucket, ctx.key, ctx.query["uploadId"]
    await _authorized_upload(ctx)
    await ctx.services.run(lambda: ctx.store.multipart.abort(bucket, key, upload_id))
    return web.Response(status=204)


# -- parts -------------------------------------------------------------------------------------


async def upload_part(ctx: RequestContext) -> web.StreamResponse:
    """UploadPart, or UploadPartCopy when x-amz-copy-source is present."""
    if "x-amz-copy-source" in ctx.headers:
        return await upload_part_copy(ctx)
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, upload_id = ctx.bucket, ctx.key, ctx.query["uploadId"]
    number = _part_number(ctx)
    checks = put_checks(ctx)
    source = BodySource(ctx)
    services = ctx.services
    multipart = ctx.store.multipart
    algorithms = source.algorithms(checks)
    if not body_digest_given(ctx):  # an upload with lock parameters takes only parts with a digest
        upload = await services.run(lambda: multipart.get(bucket, key, upload_id))
        refuse_locked_part_without_digest(upload.meta)
    # Cancelled before the PendingPart is in hand, the pool aborts it (its temp file, or its region
    # of the assembly file, is given back); from here on stream_into aborts it on any error.
    pending: PendingPart = await services.run(
        lambda: multipart.begin_part(bucket, key, upload_id, number, algorithms=algorithms, size=checks.expected_size),
        on_abandoned=PendingPart.abort,
    )
    final_checks = await stream_into(ctx, source, pending, checks)
    part = await services.run(lambda: pending.commit(final_checks))
    headers = {"ETag": etags.quote(part.etag), **_checksum_headers(pending.checksum_algorithm, part.checksum)}
    for alg, value in final_checks.checksums.items():
        headers.setdefault(f"x-amz-checksum-{alg}", value)
    return web.Response(status=200, headers=headers)


def parse_copy_range(value: str | None) -> tuple[int, int] | None:
    """``bytes=first-last`` (both required, as AWS requires for x-amz-copy-source-range)."""
    if value is None:
        return None
    match = _COPY_RANGE.match(value.strip())
    if match is None:
        raise InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where "
            "first and last are the zero-based offsets of the first and last bytes to copy",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=value,
        )
    return decimal(match.group(1)), decimal(match.group(2))  # any length (numbers.py)


async def upload_part_copy(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, upload_id = ctx.bucket, ctx.key, ctx.query["uploadId"]
    number = _part_number(ctx)
    src_bucket, src_key = parse_copy_source(ctx.headers["x-amz-copy-source"])
    src_version = copy_source_version(ctx.headers["x-amz-copy-source"])
    byte_range = parse_copy_range(ctx.headers.get("x-amz-copy-source-range"))
    headers = ctx.headers
    await authorize_copy_source(ctx, src_bucket, src_key, src_version)

    source_versions: list[str | None] = []

    def check_source(info: ObjectInfo) -> None:
        source_versions.append(info.version_id)
        require_source_conditions(headers, info)
        if byte_range is None:  # a range of a larger source is how it is copied
            require_copyable(info)

    multipart = ctx.store.multipart
    try:
        part: PartInfo = await ctx.services.run(
            lambda: multipart.copy_part(
                bucket,
                key,
                upload_id,
                number,
                src_bucket,
                src_key,
                src_version,
                byte_range=byte_range,
                check_source=check_source,
            )
        )
    except MethodNotAllowed:  # the source version is a delete marker
        raise marker_as_copy_source() from None
    upload = await ctx.services.run(lambda: multipart.get(bucket, key, upload_id))
    body = xml.document(
        "CopyPartResult",
        [
            xml.element("LastModified", xml.iso8601(part.last_modified_ns)),
            xml.element("ETag", etags.quote(part.etag)),
            _checksum_elements(upload.checksum_algorithm, part.checksum),
        ],
    )
    # API_UploadPartCopy.html: x-amz-copy-source-version-id, "the version of the source object that was copied".
    copied = source_versions[0] if source_versions else None
    return xml_response(body, headers={"x-amz-copy-source-version-id": copied} if copied is not None else None)


# -- completion --------------------------------------------------------------------------------


def parse_complete_body(body: bytes, algorithm: str | None) -> list[CompletedPart]:
    root = xml.parse(body)
    if xml.local_name(root) != "CompleteMultipartUpload":
        raise MalformedXML()
    parts = []
    for node in xml.children(root, "Part"):
        # API_CompletedPart.html: one PartNumber, one ETag, at most one of each checksum.
        number_text = xml.only_text(node, "PartNumber")
        etag = xml.only_text(node, "ETag")
        if number_text is None or etag is None:
            raise MalformedXML()
        text = number_text.strip()
        if _XS_INT.fullmatch(text) is None:  # not int(): "1_0" is no xs:int
            raise MalformedXML()
        number = -decimal(text[1:]) if text[0] == "-" else decimal(text.lstrip("+"))  # any length (numbers.py)
        checksum = xml.only_text(node, f"Checksum{algorithm.upper()}") if algorithm else None
        for other in checksums.ALGORITHMS:
            if other != algorithm and xml.child_text(node, f"Checksum{other.upper()}") is not None:
                # A checksum the upload does not keep cannot be verified: never complete on it.
                raise InvalidPart(
                    f"The upload was created using the {(algorithm or 'null').upper()} checksum "
                    f"algorithm; part {number} lists a {other.upper()} checksum.",
                    PartNumber=str(number),
                    ETag=etag.strip(),
                )
        parts.append(CompletedPart(number, etag.strip(), checksum.strip() if checksum else None))
    if not parts:
        raise MalformedXML()
    return parts


async def complete_multipart_upload(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, upload_id = ctx.bucket, ctx.key, ctx.query["uploadId"]
    multipart = ctx.store.multipart
    try:
        upload: UploadInfo = await ctx.services.run(lambda: multipart.get(bucket, key, upload_id))
    except NoSuchUpload:
        # A retry of a completion that succeeded gets the same answer (store/completions.py).
        done = await ctx.services.run(lambda: multipart.answered(bucket, key, upload_id))
        if done is None:
            raise
        algorithm = next(iter(done.meta.checksums), None)
        kind = None if algorithm is None else ("COMPOSITE" if "-" in done.meta.checksums[algorithm] else "FULL_OBJECT")
        return await _completed(ctx, done, algorithm, kind)
    body = await read_small_body(ctx, limit=_MAX_COMPLETE_BODY, checksums_of_body=False)
    parts = parse_complete_body(body, upload.checksum_algorithm)
    _check_checksum_type(ctx, upload)
    _require_part_checksums(upload, parts)
    algorithm = upload.checksum_algorithm
    sent = ctx.headers.get(f"x-amz-checksum-{algorithm}") if algorithm else None
    precondition = _write_precondition(ctx)
    if precondition is not None:
        await precondition.early(ctx, bucket)
    minimum = ctx.services.config.min_part_size
    size = _object_size(ctx)
    info = await ctx.services.run(
        lambda: multipart.complete(
            bucket,
            key,
            upload_id,
            parts,
            precondition=precondition,
            full_object_checksum=sent,
            min_part_size=minimum,
            object_size=size,
        )
    )
    return await _completed(ctx, info, algorithm, upload.checksum_type)


def _check_checksum_type(ctx: RequestContext, upload: UploadInfo) -> None:
    """x-amz-checksum-type on a completion is an integrity check: a type other than the one the upload
    was created with is BadDigest (API_CompleteMultipartUpload.html), never ignored."""
    sent = ctx.headers.get("x-amz-checksum-type")
    if sent is None:
        return
    if sent.upper() not in ("COMPOSITE", "FULL_OBJECT"):
        raise InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    if sent.upper() != upload.checksum_type:
        raise BadDigest(
            f"The checksum type {sent.upper()} does not match the upload's ({upload.checksum_type or 'none'})."
        )


def _require_part_checksums(upload: UploadInfo, parts: list[CompletedPart]) -> None:
    """A COMPOSITE upload's checksum is made of its parts' checksums, so its completion names each one
    (API_CompletedPart.html: present "if the multipart upload request was created with" the algorithm);
    AWS refuses a part without one with this InvalidRequest. A FULL_OBJECT upload needs none."""
    if upload.checksum_type != "COMPOSITE" or upload.checksum_algorithm is None:
        return
    last_entries = {part.part_number: part.checksum for part in parts}  # a part listed twice: its last entry
    missing = next((number for number, checksum in last_entries.items() if checksum is None), None)
    if missing is not None:
        raise InvalidRequest(
            f"The upload was created using a {upload.checksum_algorithm.lower()} checksum. The complete "
            f"request must include the checksum for each part. It was missing for part {missing} in the request."
        )


def _object_size(ctx: RequestContext) -> int | None:
    """x-amz-mp-object-size: the total the client expects (checked, never ignored)."""
    text = ctx.headers.get("x-amz-mp-object-size")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):  # not int()'s rules: '²' and '1_0' are no sizes
        raise InvalidArgument(
            "x-amz-mp-object-size must be a non-negative integer",
            ArgumentName="x-amz-mp-object-size",
            ArgumentValue=text,
        )
    return decimal(text)


async def _completed(ctx: RequestContext, info: ObjectInfo, algorithm: str | None, kind: str | None) -> web.Response:
    """The CompleteMultipartUploadResult for the object a completion wrote."""
    bucket, key = info.bucket, info.key
    # A URL of the object (the key percent-encoded); on the bucket's own host the path is the key alone.
    path = quote(key) if ctx.vhost else f"{bucket}/{quote(key)}"
    location = f"{ctx.request.scheme}://{ctx.headers.get('host', '')}/{path}"
    children = [
        xml.element("Location", location),
        xml.element("Bucket", bucket),
        xml.element("Key", key),
        xml.element("ETag", etags.quote(info.etag)),
    ]
    headers = {}
    if info.version_id is not None:
        headers["x-amz-version-id"] = info.version_id
    if algorithm is not None and kind is not None:
        value = info.meta.checksums.get(algorithm)
        children.append(_checksum_elements(algorithm, value))
        children.append(xml.element("ChecksumType", kind))
        headers.update(_checksum_headers(algorithm, value))
    headers.update(await expiration_headers(ctx, info))
    return xml_response(xml.document("CompleteMultipartUploadResult", children), headers=headers)


# -- listing -----------------------------------------------------------------------------------


async def list_parts(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key, upload_id = ctx.bucket, ctx.key, ctx.query["uploadId"]
    await _authorized_upload(ctx)
    marker = int_param(ctx, "part-number-marker", 0)
    max_parts = min(int_param(ctx, "max-parts", 1000), 1000)
    page = await ctx.services.run(
        lambda: ctx.store.multipart.list_parts(bucket, key, upload_id, marker=marker, max_parts=max_parts)
    )
    upload = page.upload
    children = [
        xml.element("Bucket", bucket),
        xml.element("Key", key),
        xml.element("UploadId", upload_id),
        *_initiator_and_owner(ctx, upload.owner, upload.meta),
        xml.element("StorageClass", upload.meta.storage_class or "STANDARD"),
        xml.element("PartNumberMarker", marker),
        xml.element("NextPartNumberMarker", page.next_marker),
        xml.element("MaxParts", max_parts),
        xml.element("IsTruncated", page.is_truncated),
    ]
    if upload.checksum_algorithm is not None:
        children.append(xml.element("ChecksumAlgorithm", upload.checksum_algorithm.upper()))
        children.append(xml.element("ChecksumType", upload.checksum_type))
    for part in page.parts:
        children.append(
            "<Part>"
            f"{xml.element('PartNumber', part.part_number)}"
            f"{xml.element('LastModified', xml.iso8601(part.last_modified_ns))}"
            f"{xml.element('ETag', etags.quote(part.etag))}"
            f"{xml.element('Size', part.size)}"
            f"{_checksum_elements(upload.checksum_algorithm, part.checksum)}"
            "</Part>"
        )
    headers = await abort_headers(ctx, bucket, key, upload.initiated_ns)
    return xml_response(xml.document("ListPartsResult", children), headers=headers)


async def list_multipart_uploads(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    bucket = ctx.bucket
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    key_marker = ctx.query.get("key-marker", "")
    id_marker = ctx.query.get("upload-id-marker", "")
    max_uploads = min(int_param(ctx, "max-uploads", 1000), 1000)
    encoding = ctx.query.get("encoding-type")
    if encoding is not None and encoding.lower() != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request", ArgumentName="encoding-type", ArgumentValue=encoding
        )
    url = encoding is not None
    page = await ctx.services.run(
        lambda: ctx.store.multipart.list_uploads(
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            upload_id_marker=id_marker or None,
            max_uploads=max_uploads,
        )
    )
    children = [
        xml.element("Bucket", bucket),
        f"<KeyMarker>{xml.encode_key(key_marker, url)}</KeyMarker>",
        xml.element("UploadIdMarker", id_marker if key_marker else ""),
    ]
    if page.next_key_marker is not None:
        children.append(f"<NextKeyMarker>{xml.encode_key(page.next_key_marker, url)}</NextKeyMarker>")
    if page.next_upload_id_marker is not None:
        children.append(xml.element("NextUploadIdMarker", page.next_upload_id_marker))
    if delimiter:
        children.append(f"<Delimiter>{xml.encode_key(delimiter, url)}</Delimiter>")
    children.append(f"<Prefix>{xml.encode_key(prefix, url)}</Prefix>")
    if url:
        children.append(xml.element("EncodingType", "url"))
    children.append(xml.element("MaxUploads", max_uploads))
    children.append(xml.element("IsTruncated", page.is_truncated))
    for upload in page.uploads:
        algorithm = upload.checksum_algorithm.upper() if upload.checksum_algorithm else None
        children.append(
            "<Upload>"
            f"<Key>{xml.encode_key(upload.key, url)}</Key>"
            f"{xml.element('UploadId', upload.upload_id)}"
            f"{''.join(_initiator_and_owner(ctx, upload.owner, upload.meta))}"
            f"{xml.element('StorageClass', upload.meta.storage_class or 'STANDARD')}"
            f"{xml.element('Initiated', xml.iso8601(upload.initiated_ns))}"
            f"{xml.element('ChecksumAlgorithm', algorithm)}"
            f"{xml.element('ChecksumType', upload.checksum_type)}"
            "</Upload>"
        )
    for prefix_item in page.common_prefixes:
        children.append(f"<CommonPrefixes><Prefix>{xml.encode_key(prefix_item, url)}</Prefix></CommonPrefixes>")
    return xml_response(xml.document("ListMultipartUploadsResult", children))
