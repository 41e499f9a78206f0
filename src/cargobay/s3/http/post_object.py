"""POST Object: browser form uploads (multipart/form-data) with a signed policy.

The form fields come first and are small (64 KiB each at most); the policy and its signature are
checked before a single byte of the ``file`` part is read; the file part streams into the store
like any PUT body and is published only if its size satisfies the policy. Fields after ``file``
are ignored, as AWS does.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import AsyncIterator
from urllib.parse import quote, urlencode

from aiohttp import BodyPartReader, web

from cargobay.s3 import checksums, post_policy
from cargobay.s3 import etag as etags
from cargobay.s3.acl import GRANT_HEADERS
from cargobay.s3.errors import InvalidArgument, MalformedPOSTRequest, S3Error
from cargobay.s3.http import xml
from cargobay.s3.http.access import (
    authorize,
    authorize_write_extras,
    form_values,
    new_object_acl,
    note_object_owner,
    settings_of,
)
from cargobay.s3.http.body import stream_into
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.guarantees import refuse_unkept_guarantees
from cargobay.s3.http.headertext import legal_header_value
from cargobay.s3.http.tagging import tags_from_xml
from cargobay.s3.http.writemeta import check_user_metadata_size, requested_storage_class
from cargobay.s3.store import CONTENT_HEADERS, STORAGE_CLASS, ObjectMeta, PendingPut, PutChecks

_FIELD_LIMIT = 64 * 1024
_MAX_FIELDS = 100
_CHUNK = 1 << 20


class _FileSource:
    """The form's ``file`` part as a body for :func:`~cargobay.s3.http.body.stream_into`: its
    chunks as they are read, nothing to verify at its end (a POST has no checksum headers)."""

    def __init__(self, ctx: RequestContext, part: BodyPartReader) -> None:
        self._ctx = ctx
        self._part = part

    async def batches(self) -> AsyncIterator[list[bytes]]:
        while chunk := await self._ctx.services.receive(self._part.read_chunk(_CHUNK)):
            yield [chunk]

    def finish(self, checks: PutChecks) -> PutChecks:
        return checks


async def _discard(part: BodyPartReader, *, limit: int = 16 << 20) -> None:
    """Read and drop a refused upload (up to ``limit``) so the connection stays usable."""
    seen = 0
    while seen <= limit:
        chunk = await part.read_chunk(_CHUNK)
        if not chunk:
            return
        seen += len(chunk)


async def post_object(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    if not ctx.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise MalformedPOSTRequest("The body of your POST request is not well-formed multipart/form-data.")
    await ctx.continue_body()
    try:
        reader = await ctx.request.multipart()
    except (ValueError, AssertionError):
        raise MalformedPOSTRequest() from None
    fields: dict[str, str] = {}
    file_part: BodyPartReader | None = None
    while True:
        part = await ctx.services.receive(reader.next())  # type: ignore[arg-type]
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise MalformedPOSTRequest()
        if part.name.lower() == "file":
            file_part = part
            break
        if len(fields) >= _MAX_FIELDS:
            raise MalformedPOSTRequest("Too many form fields.")
        data = await ctx.services.receive(part.read_chunk(_FIELD_LIMIT + 1))
        if len(data) > _FIELD_LIMIT:
            raise MalformedPOSTRequest(f"Form field {part.name} is too large.")
        while await part.read_chunk(_CHUNK):  # drain (already known to be small)
            pass
        fields[part.name.lower()] = data.decode("utf-8", "replace")
    if file_part is None:
        raise InvalidArgument("POST requires exactly one file upload per request.", ArgumentName="file")
    if "key" not in fields:
        raise InvalidArgument("Bucket POST must contain a field named 'key'.", ArgumentName="key")
    config = ctx.services.config
    policy = None
    # RESTObjectPOST.html: policy and signature are needed only when the bucket is not publicly
    # writable; a form without them is an anonymous request, decided by the bucket's ACL and policy.
    signed = any(name in fields for name in ("x-amz-signature", "signature", "awsaccesskeyid", "x-amz-credential"))
    try:
        if config.auth and (signed or "policy" in fields):
            ctx.access_key = post_policy.verify_signature(
                fields, lookup_secret=config.credentials.get, region=config.region
            )
        if "policy" in fields:
            policy = post_policy.parse_policy(fields["policy"])
            post_policy.check_fields(policy, fields, bucket=ctx.bucket, now=_dt.datetime.now(_dt.UTC))
        # RESTObjectPOST.html, "tagging": the tag set as the XML of PutObjectTagging. Its tags and the
        # fields that stand for headers are the request's condition values (a Deny on s3:x-amz-acl
        # or s3:RequestObjectTag/<key> must see them); a malformed tagging is reported to a caller
        # allowed to write only.
        try:
            tags, bad_tagging = (tags_from_xml(fields["tagging"].encode("utf-8")) if "tagging" in fields else {}), None
        except S3Error as exc:
            tags, bad_tagging = {}, exc
        document = form_values(fields, tags)
        await authorize(ctx, "s3:PutObject", target=(ctx.bucket, fields["key"]), document=document)
        if bad_tagging is not None:
            raise bad_tagging
        refuse_unkept_guarantees(fields, secure=ctx.request.secure, write=True)  # form fields ask like headers
        storage_class = requested_storage_class(fields.get(STORAGE_CLASS))
        user = {name[len("x-amz-meta-") :]: value for name, value in fields.items() if name.startswith("x-amz-meta-")}
        check_user_metadata_size(user)
        if tags:
            await authorize_write_extras(ctx, ("s3:PutObjectTagging",), key=fields["key"], document=document)
        if "acl" in fields:
            ctx.headers["x-amz-acl"] = fields["acl"]
        for name in GRANT_HEADERS:
            if name in fields:
                ctx.headers[name] = fields[name]
        if "acl" in fields or any(name in fields for name in GRANT_HEADERS):
            await authorize_write_extras(ctx, ("s3:PutObjectAcl",), key=fields["key"], document=document)
        settings = await settings_of(ctx.services, ctx.bucket)
        owner, grants = new_object_acl(ctx, settings)
        await note_object_owner(ctx, settings, owner)
    except S3Error:
        await _discard(file_part)
        raise
    key = fields["key"].replace("${filename}", file_part.filename or "")
    headers = {name: fields[name] for name in CONTENT_HEADERS if name in fields}
    if storage_class is not None:
        headers[STORAGE_CLASS] = storage_class
    meta = ObjectMeta(headers=headers, user=user, tags=tags, owner=owner, acl=grants)
    bucket, store, services = ctx.bucket, ctx.store, ctx.services
    # Cancelled before the PendingPut is in hand, the pool aborts it; then stream_into aborts it on
    # any error (after its last write), and a refused length aborts it here.
    default = (checksums.DEFAULT_ALGORITHM,)  # S3 adds its default checksum to an object sent without one
    pending: PendingPut = await services.run(
        lambda: store.begin_put(bucket, key, algorithms=default), on_abandoned=PendingPut.abort
    )
    await stream_into(ctx, _FileSource(ctx, file_part), pending, PutChecks())
    if policy is not None:
        try:
            post_policy.check_length(policy, pending.size)
        except BaseException:
            await services.run(pending.abort)
            raise
    info = await services.run(pending.commit, meta)
    scheme = "https" if config.tls_cert else "http"
    location = f"{scheme}://{ctx.headers.get('host', config.host)}/{bucket}/{quote(key)}"
    redirect = fields.get("success_action_redirect")
    # RESTObjectPOST.html: a URL S3 "cannot interpret" is as if the field were absent; one with a
    # control character cannot be a Location header.
    if redirect and legal_header_value(redirect):
        sep = "&" if "?" in redirect else "?"
        target = redirect + sep + urlencode({"bucket": bucket, "key": key, "etag": etags.quote(info.etag)})
        return web.Response(status=303, headers={"Location": target, "ETag": etags.quote(info.etag)})
    status = fields.get("success_action_status", "204")
    response_headers = {"ETag": etags.quote(info.etag), "Location": location}
    if status == "201":
        body = xml.document(
            "PostResponse",
            [
                xml.element("Location", location),
                xml.element("Bucket", bucket),
                xml.element("Key", key),
                xml.element("ETag", etags.quote(info.etag)),
            ],
            namespace=False,
        )
        return web.Response(status=201, body=body, headers=response_headers, content_type="application/xml")
    return web.Response(status=200 if status == "200" else 204, headers=response_headers)
