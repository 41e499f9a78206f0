"""Small helpers every handler family uses: owner identity, XML responses, header parsing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from aiohttp import web

from cargobay.s3 import checksums
from cargobay.s3.auth import EMPTY_SHA256
from cargobay.s3.errors import BadDigest, InvalidArgument, InvalidDigest, InvalidRequest, XAmzContentSHA256Mismatch
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.xml import element
from cargobay.s3.identity import ANONYMOUS, Identity


def identity_xml(ident: Identity, tag: str = "Owner") -> str:
    """An Owner/Initiator element: the canonical id and display name of one identity."""
    return f"<{tag}>{element('ID', ident.canonical_id)}{element('DisplayName', ident.display_name)}</{tag}>"


def owner_xml(ctx: RequestContext, tag: str = "Owner") -> str:
    """The caller as an Owner element (ListBuckets: the buckets listed are the caller's)."""
    config = ctx.services.config
    if ctx.access_key is None:
        ident = config.identity(None) if not config.auth else ANONYMOUS
    else:
        ident = config.directory.by_name(config.user_of(ctx.access_key))
    return identity_xml(ident, tag)


def identity_of_id(ctx: RequestContext, canonical_id: str) -> Identity:
    """The identity with this canonical id (an unknown id keeps its id, shown as its own name)."""
    found = ctx.services.config.directory.by_id(canonical_id)
    return found if found is not None else Identity(canonical_id, canonical_id, "", canonical_id)


_INT = re.compile(r"[+-]?[0-9]{1,10}")
INT32_MAX = 2**31 - 1


def int32(text: str) -> int | None:
    """A query integer as AWS reads one (decimal ASCII digits, optional sign, 32 bits), else None.

    Not ``int()``: it also takes ``1_000``, surrounding spaces and non-ASCII digits, which AWS
    refuses as InvalidArgument rather than reading them as some number."""
    if _INT.fullmatch(text) is None:
        return None
    value = int(text)
    return value if -INT32_MAX - 1 <= value <= INT32_MAX else None


def int_param(
    ctx: RequestContext, name: str, default: int, *, low: int = 0, shown: str | None = None, header: bool = False
) -> int:
    """The query integer ``name`` (``default`` when absent or empty), read as :func:`int32` reads
    it; text that is no 32-bit integer, or a value under ``low``, is InvalidArgument in AWS's words
    (versity/versitygw#1794). ``shown``: the name the range message uses (ListObjects says maxKeys).
    ``header``: ``name`` is a request header (GetObjectAttributes' x-amz-max-parts), not a query one."""
    text = (ctx.headers if header else ctx.query).get(name)
    if text is None or text == "":
        return default
    value = int32(text)
    if value is None:
        raise InvalidArgument(
            f"Provided {name} not an integer or within integer range", ArgumentName=name, ArgumentValue=text
        )
    if value < low:
        shown = shown or name
        raise InvalidArgument(
            f"Argument {shown} must be an integer between {low} and 2147483647", ArgumentName=shown, ArgumentValue=text
        )
    return value


def xml_response(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=body, headers=headers, content_type="application/xml")


async def read_small_body(ctx: RequestContext, *, limit: int, checksums_of_body: bool = True) -> bytes:
    """Read a bounded request body (a document: XML, a policy); larger bodies are refused before
    reading, and a Content-MD5 or x-amz-checksum-* sent with it is checked (:func:`verify_body_digest`)
    for every operation alike: AWS checks each one it is sent. ``checksums_of_body`` False: the
    x-amz-checksum-* headers are not the body's (CompleteMultipartUpload's are the object's)."""
    from cargobay.s3.errors import MaxMessageLengthExceeded

    length = ctx.request.content_length
    if length is not None and length > limit:
        raise MaxMessageLengthExceeded()
    await ctx.continue_body()
    chunks = []
    total = 0
    while True:
        chunk = await ctx.services.receive(ctx.request.content.readany())
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise MaxMessageLengthExceeded()
        chunks.append(chunk)
    body = b"".join(chunks)
    verify_payload_hash(ctx, body)
    verify_body_digest(ctx, body, checksums_of_body=checksums_of_body)
    return body


def verify_payload_hash(ctx: RequestContext, body: bytes) -> None:
    """A document is a payload like an object's bytes: the signed ``x-amz-content-sha256`` covers
    it, so one changed on the way (its Content-MD5, which is not signed, recomputed) is
    XAmzContentSHA256Mismatch, naming both hashes, and nothing is applied. A request without a
    body (``body`` empty) has the payload of nothing: its hash must be :data:`EMPTY_SHA256`."""
    auth = ctx.auth
    if auth is None or auth.payload_sha256 is None or auth.aws_chunked:
        return
    actual = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    if actual != auth.payload_sha256:
        raise XAmzContentSHA256Mismatch(ClientComputedContentSHA256=auth.payload_sha256, S3ComputedContentSHA256=actual)


def require_body_digest(
    ctx: RequestContext, *, message: str = "Missing required header for this request: Content-MD5"
) -> None:
    """The operations whose body AWS takes only with a digest (DeleteObjects, PutBucketCors,
    PutBucketLifecycle, PutBucketTagging: "Missing required header for this request: Content-MD5"
    without one; the object lock PUTs, whose ``message`` names both headers): Content-MD5 or an
    x-amz-checksum-* header must come (a Content-MD5 that came was checked by :func:`read_small_body`)."""
    has_checksum = any(name.startswith("x-amz-checksum-") for name in ctx.headers)
    if ctx.headers.get("content-md5") is None and not has_checksum:
        raise InvalidRequest(message)


def verify_body_digest(ctx: RequestContext, body: bytes, *, checksums_of_body: bool = True) -> None:
    """A Content-MD5 or x-amz-checksum-* sent with a small body is checked like any other (AWS checks
    every one it gets): not a base64 MD5 is InvalidDigest, other bytes' digest BadDigest; no header,
    nothing to check."""
    md5_header = ctx.headers.get("content-md5")
    if md5_header is not None:
        try:
            sent = base64.b64decode(md5_header, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidDigest() from None
        if len(sent) != 16:
            raise InvalidDigest()
        if sent != hashlib.md5(body, usedforsecurity=False).digest():
            raise BadDigest()
    # An x-amz-checksum-* header in place of Content-MD5 (what current SDKs send) is of the body
    # too, and is checked as an object's is (userguide/checking-object-integrity.html).
    for algorithm in checksums.ALGORITHMS if checksums_of_body else ():
        value = ctx.headers.get(f"x-amz-checksum-{algorithm}")
        if value is None:
            continue
        checksums.check_encoded(algorithm, value)
        hasher = checksums.new_hasher(algorithm)
        hasher.update(body)
        if checksums.encode(hasher.digest()) != value:
            raise BadDigest(f"The {algorithm.upper()} you specified did not match the calculated checksum.")
