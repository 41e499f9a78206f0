"""POST Object: browser form uploads (multipart/form-data) with a signed policy.

The form fields come first and are small (20 KB in all, as AWS allows); ``${filename}`` is
expanded in them, then the signature and the policy are checked before a single byte of the
``file`` part is read; the file part streams into the store like any PUT body (verified against
the Content-MD5 and x-amz-checksum-* fields) and is published only if its size satisfies the
policy and the form reached the boundary that closes it. Fields after ``file`` are ignored, as
AWS does. The policy document itself is :mod:`cargobay.s3.post_policy`'s.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar
from urllib.parse import quote, urlencode, urlsplit

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.hdrs import CONTENT_DISPOSITION
from aiohttp.helpers import parse_mimetype
from aiohttp.http_exceptions import BadHttpMessage

from cargobay.s3 import checksums, post_policy
from cargobay.s3 import etag as etags
from cargobay.s3.acl import GRANT_HEADERS
from cargobay.s3.errors import (
    IncorrectNumberOfFilesInPostRequest,
    InvalidArgument,
    MalformedPOSTRequest,
    MaxPostPreDataLengthExceeded,
    PreconditionFailed,
    S3Error,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import (
    authorize,
    authorize_write_extras,
    form_values,
    new_object_acl,
    note_object_owner,
    settings_of,
)
from cargobay.s3.http.body import requested_digests, stream_into
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.guarantees import refuse_unkept_guarantees
from cargobay.s3.http.headertext import legal_header_value
from cargobay.s3.http.tagging import tags_from_xml
from cargobay.s3.http.writemeta import (
    REDIRECT,
    check_user_metadata_size,
    checked_website_redirect,
    requested_storage_class,
)
from cargobay.s3.store import CONTENT_HEADERS, STORAGE_CLASS, ObjectMeta, PendingPut, PutChecks

# "The form data and boundaries (excluding the contents of the file) cannot exceed 20 KB"
# (HTTPPOSTForms.html); AWS answers MaxPostPreDataLengthExceeded beyond.
_PRE_DATA_LIMIT = 20 * 1024
_MAX_FIELDS = 100
# Fields are read in small chunks: aiohttp reads two chunks ahead to find a part's end, so a 1 MiB
# read would wait for 2 MiB of the file before the upload may start streaming.
_FIELD_CHUNK = 8 << 10
_CHUNK = 1 << 20
T = TypeVar("T")


class _FileSource:
    """The form's ``file`` part as a body for :func:`~cargobay.s3.http.body.stream_into`: its
    chunks as they are read, nothing to add at its end (the digests to verify came as fields)."""

    def __init__(self, ctx: RequestContext, part: BodyPartReader) -> None:
        self._ctx = ctx
        self._part = part

    async def batches(self) -> AsyncIterator[list[bytes]]:
        while chunk := await _form_read(self._ctx, self._part.read_chunk(_CHUNK)):
            yield [chunk]
        if not self._part.at_eof():
            # The body ended before the boundary closing the file: a partial object, never stored
            # ("Amazon S3 never stores partial objects", RESTObjectPOST.html).
            raise MalformedPOSTRequest()

    def finish(self, checks: PutChecks) -> PutChecks:
        return checks


async def _form_read(ctx: RequestContext, read: Awaitable[T]) -> T:
    """Await a read of the form (under the idle timeout); a body that is not the multipart/form-data
    its header declares (aiohttp raises ValueError, AssertionError or BadHttpMessage on a boundary,
    header or end it cannot parse) is MalformedPOSTRequest, never a 500."""
    try:
        return await ctx.services.receive(read)  # type: ignore[arg-type, return-value]
    except (ValueError, AssertionError, BadHttpMessage):
        raise MalformedPOSTRequest() from None


async def _discard(part: BodyPartReader, *, limit: int = 16 << 20) -> None:
    """Read and drop a refused upload (up to ``limit``) so the connection stays usable."""
    seen = 0
    with contextlib.suppress(ValueError, AssertionError, BadHttpMessage):  # a broken form: the refusal stands
        while seen <= limit:
            chunk = await part.read_chunk(_CHUNK)
            if not chunk:
                return
            seen += len(chunk)


async def _read_fields(ctx: RequestContext, reader: MultipartReader) -> tuple[dict[str, str], BodyPartReader | None]:
    """The fields before the ``file`` part (names lower-cased; a repeated name's values joined by
    commas, as its policy condition states them: HTTPPOSTForms.html, "Conditions"), and that part.
    The fields and their boundaries may take 20 KB (HTTPPOSTForms.html), counted as they come."""
    boundary = parse_mimetype(ctx.headers.get("content-type", "")).parameters.get("boundary", "")
    values: dict[str, list[str]] = {}
    size = 0
    while True:
        part = await _form_read(ctx, reader.next())
        if part is None:
            return {name: ",".join(found) for name, found in values.items()}, None
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise MalformedPOSTRequest()
        size += len(boundary) + 6 + sum(len(name) + len(value) + 4 for name, value in part.headers.items())
        if part.name.lower() == "file":
            if size > _PRE_DATA_LIMIT:
                raise _too_much_before_the_file()
            return {name: ",".join(found) for name, found in values.items()}, part
        if sum(map(len, values.values())) >= _MAX_FIELDS:
            raise MalformedPOSTRequest("Too many form fields.")
        data = bytearray()
        while chunk := await _form_read(ctx, part.read_chunk(_FIELD_CHUNK)):
            data += chunk
            if size + len(data) > _PRE_DATA_LIMIT:
                raise _too_much_before_the_file()
        size += len(data)
        values.setdefault(part.name.lower(), []).append(data.decode("utf-8", "replace"))


def _too_much_before_the_file() -> MaxPostPreDataLengthExceeded:
    """S3's answer names the limit in bytes (MaxPostPreDataLengthBytes, in every captured answer)."""
    return MaxPostPreDataLengthExceeded(MaxPostPreDataLengthBytes=str(_PRE_DATA_LIMIT))


# The filename parameter as browsers write it: the HTML form-data encoding percent-encodes a quote
# and never escapes a backslash, so "C:\dir\a.txt" is a path (HTTPPOSTForms.html strips it to
# "a.txt"), not the quoted-pair escapes an RFC 2616 parser would remove ("C:dira.txt").
_FILENAME = re.compile(r'(?:^|;)\s*filename="([^"]*)"', re.IGNORECASE)


def _browser_filename(part: BodyPartReader) -> str | None:
    """The file part's name as the browser sent it (None: no filename parameter)."""
    match = _FILENAME.search(part.headers.get(CONTENT_DISPOSITION, ""))
    return match.group(1) if match else part.filename


def _absolute_url(value: str) -> bool:
    """True for a URL with a scheme and a host (``https://example.com/done``), which a browser can
    be sent to from S3's answer; a path or a bare word is no such URL."""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return bool(parts.scheme and parts.netloc)


def _form_checks(fields: dict[str, str]) -> PutChecks:
    """Content-MD5 and x-amz-checksum-* sent as form fields, checked as PutObject checks the
    headers (RESTObjectPOST.html: "use the Content-MD5 form field ... If they do not match,
    Amazon S3 returns an error")."""
    content_md5, sums = requested_digests(fields)
    return PutChecks(content_md5=content_md5, checksums=sums)


async def post_object(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None
    if not ctx.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        # ErrorResponses.html: RequestIsNotMultiPartContent, 412; S3 answers it as PreconditionFailed
        # naming the condition (LocalStack's recordings of S3).
        raise PreconditionFailed(Condition="Bucket POST must be of the enclosure-type multipart/form-data")
    await ctx.continue_body()
    try:
        reader = await ctx.request.multipart()
    except (ValueError, AssertionError):
        raise MalformedPOSTRequest() from None
    fields, file_part = await _read_fields(ctx, reader)
    if file_part is None:
        raise IncorrectNumberOfFilesInPostRequest()
    if "key" not in fields:
        await _discard(file_part)
        raise InvalidArgument("Bucket POST must contain a field named 'key'.", ArgumentName="key")
    fields = post_policy.expand_filename(fields, _browser_filename(file_part))
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
        # form fields ask like headers
        refuse_unkept_guarantees(fields, secure=ctx.request.secure, write=True, sse_s3=ctx.services.config.sse_s3)
        storage_class = requested_storage_class(fields.get(STORAGE_CLASS))
        redirect_location = checked_website_redirect(fields.get(REDIRECT))
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
        checks = _form_checks(fields)
    except S3Error:
        await _discard(file_part)
        raise
    key = fields["key"]
    headers = {name: fields[name] for name in CONTENT_HEADERS if name in fields}
    if storage_class is not None:
        headers[STORAGE_CLASS] = storage_class
    if redirect_location is not None:
        headers[REDIRECT] = redirect_location
    meta = ObjectMeta(headers=headers, user=user, tags=tags, owner=owner, acl=grants)
    bucket, store, services = ctx.bucket, ctx.store, ctx.services
    # Cancelled before the PendingPut is in hand, the pool aborts it; then stream_into aborts it on
    # any error (after its last write), and a refused length aborts it here.
    # S3 adds its default checksum to an object sent without one.
    algorithms = tuple(checks.checksums) or (checksums.DEFAULT_ALGORITHM,)
    pending: PendingPut = await services.run(
        lambda: store.begin_put(bucket, key, algorithms=algorithms), on_abandoned=PendingPut.abort
    )
    await stream_into(ctx, _FileSource(ctx, file_part), pending, checks)
    if policy is not None:
        try:
            post_policy.check_length(policy, pending.size)
        except BaseException:
            await services.run(pending.abort)
            raise
    info = await services.run(pending.commit, meta, checks)
    scheme = "https" if config.tls_cert else "http"
    # On the bucket's own host (virtual-hosted style) the path is the key alone. S3 encodes the key
    # whole, its slashes as %2F ("prefix%2F111222" in the answers quoted by ceph/ceph#20330 and
    # boto/boto3#2851).
    path = quote(key, safe="") if ctx.vhost else f"{bucket}/{quote(key, safe='')}"
    location = f"{scheme}://{ctx.headers.get('host', config.host)}/{path}"
    # HTTPPOSTForms.html: "redirect" is the deprecated name of the same field.
    redirect = fields.get("success_action_redirect") or fields.get("redirect")
    response_headers = {"ETag": etags.quote(info.etag), "Location": location}
    if info.version_id is not None:  # RESTObjectPOST.html, response headers
        response_headers["x-amz-version-id"] = info.version_id
    # RESTObjectPOST.html: a URL S3 "cannot interpret" is as if the field were absent: one that is not
    # absolute (S3 answered 204 to "/wrong/redirect/relative": LocalStack's recordings of S3), or one
    # with a control character, which cannot be a Location header.
    if redirect and _absolute_url(redirect) and legal_header_value(redirect):
        sep = "&" if "?" in redirect else "?"
        target = redirect + sep + urlencode({"bucket": bucket, "key": key, "etag": etags.quote(info.etag)})
        return web.Response(status=303, headers={**response_headers, "Location": target})
    status = fields.get("success_action_status", "204")
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
