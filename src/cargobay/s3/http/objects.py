"""Object operations: PutObject, CopyObject, GetObject, HeadObject (the deletes: deletes.py)."""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from email.utils import formatdate
from urllib.parse import unquote, unquote_plus

from aiohttp import web

from cargobay.s3 import conditions
from cargobay.s3 import etag as etags
from cargobay.s3.errors import (
    ConditionalRequestConflict,
    InvalidArgument,
    InvalidPart,
    InvalidRequest,
    MethodNotAllowed,
    NoSuchKey,
    NotImplementedError_,
    NotModified,
    PreconditionFailed,
    SlowDown,
)
from cargobay.s3.http import xml
from cargobay.s3.http.access import (
    authorize_copy_source,
    new_object_acl,
    note_object_owner,
    settings_of,
)
from cargobay.s3.http.body import store_body
from cargobay.s3.http.common import xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.headertext import legal_header_name, legal_header_value, response_text
from cargobay.s3.http.lifecycle import expiration_headers, known_without_rules
from cargobay.s3.http.object_lock import lock_from_request, lock_headers, require_lock_digest, with_lock
from cargobay.s3.http.readgate import drop_unreadable, has_gated
from cargobay.s3.http.sendfile import FileSliceResponse
from cargobay.s3.http.tagging import tags_from_header
from cargobay.s3.http.writemeta import (
    REDIRECT,
    meta_from_headers,
    requested_checksum_algorithm,
    requested_storage_class,
    website_redirect,
)
from cargobay.s3.names import check_part_number
from cargobay.s3.ranges import parse_range
from cargobay.s3.store import STORAGE_CLASS, ObjectInfo, ObjectMeta, ObjectStore, OpenObject

_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


@functools.lru_cache(maxsize=4096)
def http_date(seconds: int) -> str:
    """RFC 7231 date; cached, since objects written in the same second share one."""
    return formatdate(seconds, usegmt=True)


class WriteCondition:
    """If-Match / If-None-Match of a write (conditional-writes.html), decided twice: ``early``
    against the object when the request arrives (a failure is 412 before any body byte is read),
    then, as the store's precondition, against the object at the moment of publishing, under the
    key's lock. A condition that held early but fails at publish lost a race to a concurrent
    write: 409 ConditionalRequestConflict ("try again"), never a silent overwrite."""

    def __init__(self, headers: dict[str, str], key: str) -> None:
        self.headers = headers
        self.key = key
        self.held_early = False

    def _check(self, current_etag: str | None) -> None:
        if current_etag is None and "if-match" in self.headers:
            raise NoSuchKey(Key=self.key)
        decision = conditions.evaluate(self.headers, etag=current_etag, last_modified=None, is_read=False)
        if decision.outcome is not conditions.Outcome.PROCEED:
            raise PreconditionFailed(Condition=decision.condition or "")

    async def early(self, ctx: RequestContext, bucket: str) -> None:
        store = ctx.store

        def current() -> str | None:
            try:
                return store.head(bucket, self.key).etag
            except NoSuchKey:
                return None

        self._check(await ctx.services.run(current))
        self.held_early = True

    def __call__(self, current_etag: str | None) -> None:
        try:
            self._check(current_etag)
        except (PreconditionFailed, NoSuchKey):
            if self.held_early:
                raise ConditionalRequestConflict() from None
            raise


def _write_precondition(ctx: RequestContext) -> WriteCondition | None:
    """The If-Match / If-None-Match of a write (PutObject, CopyObject's destination,
    CompleteMultipartUpload); None without either. If-None-Match "Expects the '*' (asterisk)
    character" (API_PutObject.html): any other value is 501 NotImplemented, as AWS answers
    (aws/aws-sdk-ruby#3144), never read as a list of entity-tags that would let the write replace
    an object whose ETag differs."""
    if "if-match" not in ctx.headers and "if-none-match" not in ctx.headers:
        return None
    if ctx.headers.get("if-none-match", "*").strip() != "*":
        raise NotImplementedError_(Header="If-None-Match")
    return WriteCondition(ctx.headers, ctx.key or "")


def _object_headers(info: ObjectInfo, ctx: RequestContext, *, full: bool) -> dict[str, str]:
    headers = {
        "ETag": etags.quote(info.etag),
        "Last-Modified": http_date(info.last_modified),
        "Accept-Ranges": "bytes",
        "Content-Type": response_text(info.meta.content_type),
    }
    for name, value in info.meta.headers.items():
        if name != "content-type":
            headers[name.title()] = response_text(value)
    # API_GetObject.html, x-amz-missing-meta: the number of user metadata entries that are not
    # legal HTTP headers (a form upload can store one), left out of the x-amz-meta-* headers.
    missing = 0
    for name, value in info.meta.user.items():
        if legal_header_name(f"x-amz-meta-{name}") and legal_header_value(value):
            headers[f"x-amz-meta-{name}"] = response_text(value)
        else:
            missing += 1
    if missing:
        headers["x-amz-missing-meta"] = str(missing)
    if info.meta.tags:
        headers["x-amz-tagging-count"] = str(len(info.meta.tags))
    if info.version_id is not None:
        headers["x-amz-version-id"] = info.version_id
    if info.meta.lock_mode or info.meta.legal_hold is not None:
        headers.update(lock_headers(info))
    if full and ctx.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED":
        for alg, value in info.meta.checksums.items():
            headers[f"x-amz-checksum-{alg}"] = value
        if info.meta.checksums:
            composite = any("-" in value for value in info.meta.checksums.values())
            headers["x-amz-checksum-type"] = "COMPOSITE" if composite else "FULL_OBJECT"
    for param, header in _RESPONSE_OVERRIDES.items():
        if param in ctx.query:
            headers[header] = response_text(ctx.query[param])
    return headers


_NOT_MODIFIED_KEEPS = ("ETag", "Last-Modified", "Cache-Control", "Expires")


def _not_modified_headers(info: ObjectInfo, ctx: RequestContext) -> dict[str, str]:
    """RFC 7232 §4.1 (which API_GetObject.html names): a 304 carries the Cache-Control, ETag and
    Expires a 200 would have (response-* overrides included), so a cache can refresh its copy."""
    full = _object_headers(info, ctx, full=False)
    return {name: full[name] for name in _NOT_MODIFIED_KEEPS if name in full}


async def put_object(ctx: RequestContext) -> web.StreamResponse:
    if "x-amz-copy-source" in ctx.headers:
        return await copy_object(ctx)
    assert ctx.bucket is not None and ctx.key is not None
    meta = meta_from_headers(ctx)
    settings = await settings_of(ctx.services, ctx.bucket)
    owner, grants = new_object_acl(ctx, settings)
    await note_object_owner(ctx, settings, owner)
    meta = replace(meta, owner=owner, acl=grants)
    meta = with_lock(meta, await require_lock_digest(ctx, await _requested_lock(ctx)))
    precondition = _write_precondition(ctx)
    if precondition is not None:
        await precondition.early(ctx, ctx.bucket)
    info = await store_body(ctx, ctx.bucket, ctx.key, meta, precondition=precondition)
    headers = {"ETag": etags.quote(info.etag)}
    for alg, value in info.meta.checksums.items():
        headers[f"x-amz-checksum-{alg}"] = value
    if info.meta.checksums:
        headers["x-amz-checksum-type"] = "FULL_OBJECT"  # API_PutObject.html: always, for PutObject
    if info.version_id is not None:
        headers["x-amz-version-id"] = info.version_id
    headers.update(await expiration_headers(ctx, info))
    return web.Response(status=200, headers=headers)


async def _requested_lock(ctx: RequestContext) -> ObjectMeta | None:
    """The x-amz-object-lock-* headers of a write, checked (None: none sent)."""
    if not any(name.startswith("x-amz-object-lock-") for name in ctx.headers):
        return None
    assert ctx.bucket is not None
    enabled = await ctx.services.run(ctx.store.object_lock_config, ctx.bucket) is not None
    return lock_from_request(ctx, enabled)


def copy_source_version(value: str) -> str | None:
    """The ``?versionId=`` of an x-amz-copy-source (None: the current version)."""
    _source, found, version = value.partition("?versionId=")
    return unquote(version) if found else None


def parse_copy_source(value: str) -> tuple[str, str]:
    """``/bucket/key`` or ``bucket/key``, URL-encoded, optionally with ``?versionId=``.

    A raw ``+`` is a space, as S3 reads this header (clients send ``%2B`` for a plus: aws-cli#614)."""
    source = value.split("?versionId=", 1)[0]
    source = unquote_plus(source)
    if source.startswith("/"):
        source = source[1:]
    bucket, slash, key = source.partition("/")
    if not bucket or not slash or not key:
        raise InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source",
            ArgumentValue=value,
        )
    return bucket, key


def marker_as_copy_source() -> InvalidRequest:
    """API_CopyObject.html, API_UploadPartCopy.html: a source versionId naming a delete marker is 400
    (no code named; InvalidRequest), where reading that version is 405 MethodNotAllowed."""
    return InvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")


_NOT_COPIED = frozenset({REDIRECT, STORAGE_CLASS})  # headers a COPY directive does not carry over


MAX_COPY_SOURCE = 5 * 1024**3  # API_CopyObject.html: "a copy of your object up to 5 GB in size"


def require_copyable(source: ObjectInfo) -> None:
    """A source over 5 GiB is copied in ranges (UploadPartCopy), never whole: 400 InvalidRequest
    with S3's message (which names the limit; the module constant is lowered by tests only)."""
    if source.size > MAX_COPY_SOURCE:
        raise InvalidRequest(
            "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"
        )


def require_source_conditions(headers: Mapping[str, str], source: ObjectInfo) -> None:
    """The x-amz-copy-source-if-* conditions on ``source``: 412 PreconditionFailed where one fails."""
    decision = conditions.evaluate(
        headers, etag=source.etag, last_modified=source.last_modified, prefix="x-amz-copy-source-if-"
    )
    if decision.outcome is not conditions.Outcome.PROCEED:
        raise PreconditionFailed(Condition=f"x-amz-copy-source-{decision.condition or ''}".lower())


def _kept_meta(source: ObjectInfo, redirect: str | None, kept_class: str | None) -> ObjectMeta | None:
    """A COPY's metadata (None: the source's as it is). API_CopyObject.html: the redirect location
    "is not copied", nor the storage class (a copy without x-amz-storage-class is STANDARD); the
    request's own, if any, apply."""
    if redirect is None and kept_class is None and source.meta.headers.keys().isdisjoint(_NOT_COPIED):
        return None
    headers = {k: v for k, v in source.meta.headers.items() if k not in _NOT_COPIED}
    if redirect is not None:
        headers[REDIRECT] = redirect
    if kept_class is not None:
        headers[STORAGE_CLASS] = kept_class
    return replace(source.meta, headers=headers)


async def copy_object(ctx: RequestContext) -> web.StreamResponse:
    """CopyObject: directive COPY (default) keeps the source metadata, REPLACE takes the request's."""
    assert ctx.bucket is not None and ctx.key is not None
    src_bucket, src_key = parse_copy_source(ctx.headers["x-amz-copy-source"])
    src_version = copy_source_version(ctx.headers["x-amz-copy-source"])
    directive = ctx.headers.get("x-amz-metadata-directive", "COPY")  # case-sensitive, as on S3
    if directive not in ("COPY", "REPLACE"):
        raise InvalidArgument(
            "Unknown metadata directive.", ArgumentName="x-amz-metadata-directive", ArgumentValue=directive
        )
    storage_class = ctx.headers.get(STORAGE_CLASS)
    kept_class = requested_storage_class(storage_class)  # API_CopyObject.html: none given is STANDARD
    checksum_algorithm = requested_checksum_algorithm(ctx)
    store = ctx.store
    # A missing bucket or source key is reported before the copy-to-itself rule (AWS order).
    await ctx.services.run(store.require_bucket, ctx.bucket)
    await authorize_copy_source(ctx, src_bucket, src_key, src_version)
    try:
        source = await ctx.services.run(store.head, src_bucket, src_key, src_version)
    except MethodNotAllowed:
        raise marker_as_copy_source() from None
    # Naming a storage class counts as a change (how AWS changes an object's class in place),
    # even the class it has: `aws s3 cp --storage-class STANDARD s3://b/k s3://b/k` works on AWS;
    # so do setting a website redirect location and naming the encryption (SSE-S3 under --sse-s3;
    # guarantees.py refused any other before this handler ran).
    redirect = website_redirect(ctx)
    encryption = ctx.headers.get("x-amz-server-side-encryption")
    unchanged = directive == "COPY" and src_version is None and storage_class is None and redirect is None
    unchanged = unchanged and encryption is None
    if src_bucket == ctx.bucket and src_key == ctx.key and unchanged:
        raise InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without changing "
            "the object's metadata, storage class, website redirect location or encryption attributes."
        )
    require_source_conditions(ctx.headers, source)  # early: a 412 opens nothing more
    require_copyable(source)
    tagging = ctx.headers.get("x-amz-tagging-directive", "COPY")
    if tagging not in ("COPY", "REPLACE"):
        raise InvalidArgument(
            "Unknown tagging directive.", ArgumentName="x-amz-tagging-directive", ArgumentValue=tagging
        )
    replaced = meta_from_headers(ctx) if directive == "REPLACE" else None
    copied: list[ObjectInfo] = []

    def decide(opened: ObjectInfo) -> ObjectMeta | None:
        """Judged again on the version the store opened to copy (it may have changed since HEAD)."""
        copied.append(opened)
        require_source_conditions(ctx.headers, opened)
        require_copyable(opened)
        return replaced if replaced is not None else _kept_meta(opened, redirect, kept_class)

    tags = tags_from_header(ctx.headers.get("x-amz-tagging")) if tagging == "REPLACE" else None
    dst_bucket, dst_key = ctx.bucket, ctx.key
    settings = await settings_of(ctx.services, dst_bucket)
    owner, grants = new_object_acl(ctx, settings)
    await note_object_owner(ctx, settings, owner)
    lock = await _requested_lock(ctx)
    precondition = _write_precondition(ctx)  # If-Match / If-None-Match name the destination
    if precondition is not None:
        await precondition.early(ctx, dst_bucket)
    info = await ctx.services.run(
        lambda: store.copy(
            src_bucket,
            src_key,
            dst_bucket,
            dst_key,
            decide=decide,
            tags=tags,
            owner=owner,
            acl=grants,
            src_version=src_version,
            lock=lock,
            precondition=precondition,
            checksum_algorithm=checksum_algorithm,
        )
    )
    children = [
        xml.element("LastModified", xml.iso8601(info.last_modified_ns)),
        xml.element("ETag", etags.quote(info.etag)),
    ]
    # API_CopyObjectResult.html: the copy's checksum (a copy is one piece: a full-object one).
    children += [xml.element(f"Checksum{alg.upper()}", value) for alg, value in info.meta.checksums.items()]
    if info.meta.checksums:
        children.append(xml.element("ChecksumType", "FULL_OBJECT"))
    body = xml.document("CopyObjectResult", children)
    headers = await expiration_headers(ctx, info)  # API_CopyObject.html: x-amz-expiration
    if info.version_id is not None:
        headers["x-amz-version-id"] = info.version_id
    if copied[-1].version_id is not None:  # API_CopyObject.html: the version "that was copied"
        headers["x-amz-copy-source-version-id"] = copied[-1].version_id
    return xml_response(body, headers=headers)


SMALL_OBJECT = 256 * 1024  # read whole, sent from memory: cheaper than a sendfile set-up
_NOWAIT = getattr(os, "RWF_NOWAIT", None)


def _open_on_loop(store: ObjectStore, bucket: str, key: str, head: bool) -> tuple[OpenObject, bytes | None] | None:
    """The same as :func:`_open_for_read`, on the event loop, when that cannot block for long.

    A thread hop costs more CPU than serving a small cached object (two context switches, GIL
    hand-offs, a wake-up of the loop): the object is opened here when its metadata row is current
    (nothing to hash) and a small body is read with ``RWF_NOWAIT``, which fails instead of waiting
    for the disk. None means "use the I/O pool" (no row, a stale row, bytes not in the page cache,
    or no RWF_NOWAIT on this platform)."""
    if _NOWAIT is None:
        return None
    obj = store.open_cached(bucket, key)
    return None if obj is None else _small_body(obj, head, _read_cached)


def _open_for_read(store: ObjectStore, bucket: str, key: str, head: bool) -> tuple[OpenObject, bytes | None]:
    """Open an object; a small one (or any for HEAD) is read and closed in the same thread hop."""
    opened = _small_body(store.open(bucket, key), head, _read_whole)
    assert opened is not None  # _read_whole never gives up
    return opened


def _open_version_for_read(
    store: ObjectStore, bucket: str, key: str, version: str, head: bool
) -> tuple[OpenObject, bytes | None]:
    opened = _small_body(store.open(bucket, key, version), head, _read_whole)
    assert opened is not None
    return opened


def _close_opened(opened: tuple[OpenObject, bytes | None]) -> None:
    """Give back what an opener returned to a GET that was cancelled meanwhile."""
    opened[0].close()


def _small_body(
    obj: OpenObject, head: bool, read: Callable[[int, int], bytes | None]
) -> tuple[OpenObject, bytes | None] | None:
    """What both openers share: a large GET keeps its descriptor open for ``loop.sendfile``
    (body None); otherwise the body is read (nothing for HEAD) and the descriptor closed.
    None when ``read`` gave up."""
    size = obj.info.size
    if not head and size > SMALL_OBJECT:
        return obj, None
    try:
        if head or size == 0:
            return obj, b""
        data = read(obj.fd, size)
        return None if data is None else (obj, data)
    finally:
        obj.close()


def _read_cached(fd: int, size: int) -> bytes | None:
    """The whole body if it is all in the page cache (``RWF_NOWAIT``), else None."""
    buf = bytearray(size)
    try:
        n = os.preadv(fd, [buf], 0, _NOWAIT)  # type: ignore[arg-type]  # checked by the caller
    except BlockingIOError:
        return None
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL):
            return None  # a filesystem without RWF_NOWAIT (tmpfs on older kernels...)
        raise
    return bytes(buf) if n == size else None  # partly cached, or the file changed: the pool path sorts it out


def _read_whole(fd: int, size: int) -> bytes:
    data = os.pread(fd, size, 0)
    while len(data) < size:
        more = os.pread(fd, size - len(data), len(data))
        if not more:
            raise SlowDown("The object changed on disk while being read; retry.")
        data += more
    return data


def _refuse_anonymous_overrides(ctx: RequestContext) -> None:
    """API_GetObject.html: the response-* parameters "cannot be used with an unsigned (anonymous)
    request", even where anyone may read the object (a signed or presigned request may)."""
    if ctx.access_key is None and ctx.services.config.auth and any(p in ctx.query for p in _RESPONSE_OVERRIDES):
        raise InvalidRequest("Request specific response headers cannot be used for anonymous GET requests.")


async def _read_object(ctx: RequestContext, *, head: bool) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    _refuse_anonymous_overrides(ctx)
    version = ctx.query.get("versionId")
    opened: tuple[OpenObject, bytes | None] | None
    if version is not None:
        opened = await ctx.services.run(
            _open_version_for_read, ctx.store, ctx.bucket, ctx.key, version, head, on_abandoned=_close_opened
        )
    else:
        opened = _open_on_loop(ctx.store, ctx.bucket, ctx.key, head)
        if opened is None:
            opened = await ctx.services.run(
                _open_for_read, ctx.store, ctx.bucket, ctx.key, head, on_abandoned=_close_opened
            )
    obj, data = opened
    try:
        info = obj.info
        decision = conditions.evaluate(ctx.headers, etag=info.etag, last_modified=info.last_modified)
        if decision.outcome is conditions.Outcome.NOT_MODIFIED:
            raise NotModified(headers=_not_modified_headers(info, ctx))
        if decision.outcome is conditions.Outcome.PRECONDITION_FAILED:
            raise PreconditionFailed(Condition=decision.condition or "")
        part = _part_range(ctx, info)
        if part is not None:
            (offset, count), parts_count = part
            status = 206 if count else 200  # an empty part: no range to name (aws/aws-sdk-net#4477)
            headers = _object_headers(info, ctx, full=False)
            if count:
                headers["Content-Range"] = f"bytes {offset}-{offset + count - 1}/{info.size}"
            if parts_count:
                headers["x-amz-mp-parts-count"] = str(parts_count)
            _part_checksum_headers(ctx, info, headers)
        else:
            wanted = ctx.headers.get("range")
            if not conditions.if_range_holds(
                ctx.headers.get("if-range"), etag=info.etag, last_modified=info.last_modified
            ):
                wanted = None  # RFC 9110 §13.1.5: the whole object, never bytes of another version
            byte_range = parse_range(wanted, info.size)
            headers = _object_headers(info, ctx, full=byte_range is None)
            if byte_range is None:
                offset, count, status = 0, info.size, 200
            else:
                offset, count, status = byte_range.start, byte_range.length, 206
                headers["Content-Range"] = byte_range.content_range(info.size)
        if has_gated(headers):
            await drop_unreadable(ctx, version, headers)
        # The current object only (a version named by id: noncurrent versions have their own rules).
        if version is None and not known_without_rules(ctx.services, info.bucket):
            headers.update(await expiration_headers(ctx, info))
    except BaseException:
        obj.close()
        raise
    if data is None:
        return FileSliceResponse(obj, offset, count, status=status, headers=headers)
    if head:
        headers["Content-Length"] = str(count)
        return web.Response(status=status, headers=headers)
    body = data if offset == 0 and count == len(data) else data[offset : offset + count]
    return web.Response(status=status, headers=headers, body=body)


def _part_checksum_headers(ctx: RequestContext, info: ObjectInfo, headers: dict[str, str]) -> None:
    """A ?partNumber read with checksum mode gets that part's checksum (API_GetObject.html); of a
    FULL_OBJECT upload, only when its one part is the object (localstack/localstack#12842)."""
    sums = info.meta.part_checksums
    if not sums or ctx.headers.get("x-amz-checksum-mode", "").upper() != "ENABLED":
        return
    number = int(ctx.query["partNumber"])
    composite = any("-" in value for value in info.meta.checksums.values())
    if not composite and len(sums) > 1:
        return
    for alg in info.meta.checksums:
        if number <= len(sums) and sums[number - 1]:
            headers[f"x-amz-checksum-{alg}"] = sums[number - 1]
            headers["x-amz-checksum-type"] = "COMPOSITE" if composite else "FULL_OBJECT"


def _part_range(ctx: RequestContext, info: ObjectInfo) -> tuple[tuple[int, int], int] | None:
    """((offset, length), parts count) for ``?partNumber=N``; None without the parameter.

    A multipart object serves part N's bytes; a single-part object has one part, the whole
    object. A part that does not exist is 400 InvalidPart; Range with partNumber is refused."""
    text = ctx.query.get("partNumber")
    if text is None:
        return None
    number = check_part_number(text)
    if "range" in ctx.headers:
        raise InvalidRequest("Cannot specify both Range header and partNumber query parameter")
    sizes = info.meta.parts or (info.size,)
    if number > len(sizes):
        raise InvalidPart(PartNumber=text)
    offset = sum(sizes[: number - 1])
    return (offset, sizes[number - 1]), len(info.meta.parts)


async def get_object(ctx: RequestContext) -> web.StreamResponse:
    return await _read_object(ctx, head=False)


async def head_object(ctx: RequestContext) -> web.StreamResponse:
    return await _read_object(ctx, head=True)


async def get_object_torrent(ctx: RequestContext) -> web.StreamResponse:
    """GetObjectTorrent: cargobay keeps no torrent data, so there is none to return (404, as AWS
    answers for an object without torrent data); a missing key is NoSuchKey as usual."""
    assert ctx.bucket is not None and ctx.key is not None
    await ctx.services.run(ctx.store.head, ctx.bucket, ctx.key)
    raise NoSuchKey("There is no torrent data for the specified key.", Key=ctx.key)
