"""Request bodies → the store, streaming: memory stays flat whatever the object size.

Small bodies (up to ``small_body_limit``) are read whole and stored with one thread hop. Larger
ones go to a :class:`~cargobay.s3.store.PendingPut` in batches of about 1 MiB; the next batch is
read from the socket while the previous one is hashed and written on the I/O pool (hashlib and
os.write release the GIL, so hashing uses the second core). At most two batches are in memory.

The integrity checks to apply (Content-MD5, signed SHA-256, x-amz-checksum-*, length) come from
the headers; the store verifies them before anything becomes visible.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re

from cargobay.s3 import checksums
from cargobay.s3.errors import (
    IncompleteBody,
    InvalidDigest,
    InvalidRequest,
    MissingContentLength,
    NotImplementedError_,
)
from cargobay.s3.http.context import RequestContext
from cargobay.s3.store import ObjectInfo, ObjectMeta, PendingPut, PutChecks
from cargobay.s3.store.objects import Precondition

_BATCH = 1 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def put_checks(ctx: RequestContext) -> PutChecks:
    """The integrity checks a body must pass, from the request headers."""
    md5_header = ctx.headers.get("content-md5")
    content_md5 = None
    if md5_header is not None:
        try:
            content_md5 = base64.b64decode(md5_header, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidDigest() from None
        if len(content_md5) != 16:
            raise InvalidDigest()
    sha = ctx.payload_sha256
    if sha is None:
        declared = ctx.headers.get("x-amz-content-sha256", "").lower()
        sha = declared if _HEX64.match(declared) else None
    sums: dict[str, str] = {}
    for alg in checksums.ALGORITHMS:
        value = ctx.headers.get(f"x-amz-checksum-{alg}")
        if value is not None:
            checksums.check_encoded(alg, value)
            sums[alg] = value
    if len(sums) > 1:
        raise InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
    algorithm = ctx.headers.get("x-amz-sdk-checksum-algorithm", "").lower()
    if algorithm and algorithm not in checksums.ALGORITHMS:
        raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
    length = ctx.request.content_length
    return PutChecks(content_md5=content_md5, sha256_hex=sha, expected_size=length, checksums=sums)


def _require_plain_body(ctx: RequestContext) -> None:
    content_sha = ctx.headers.get("x-amz-content-sha256", "")
    encoding = ctx.headers.get("content-encoding", "")
    if content_sha.startswith("STREAMING-") or "aws-chunked" in encoding.lower():
        # Never store the framing as content: refuse clearly until aws-chunked decoding lands.
        raise NotImplementedError_("aws-chunked request bodies are not supported yet.")
    if ctx.request.content_length is None and "chunked" not in ctx.headers.get("transfer-encoding", "").lower():
        raise MissingContentLength()


async def store_body(
    ctx: RequestContext,
    bucket: str,
    key: str,
    meta: ObjectMeta,
    *,
    precondition: Precondition | None = None,
) -> ObjectInfo:
    """Stream the request body into ``bucket/key`` and publish it atomically."""
    _require_plain_body(ctx)
    checks = put_checks(ctx)
    services = ctx.services
    length = ctx.request.content_length
    store = ctx.store
    if length is not None and length <= services.config.small_body_limit:
        data = await _read_exactly(ctx, length)
        return await services.run(
            lambda: store.put_bytes(bucket, key, data, meta, checks, precondition=precondition)
        )
    algorithms = list(checks.checksums)
    pending: PendingPut = await services.run(lambda: store.begin_put(bucket, key, algorithms=algorithms))
    in_flight: asyncio.Future[None] | None = None
    try:
        if checks.sha256_hex is not None:
            pending.want_sha256()
        batch: list[bytes] = []
        size = 0
        stream = ctx.request.content
        while True:
            chunk = await stream.readany()
            if chunk:
                batch.append(chunk)
                size += len(chunk)
                if length is not None and pending.size + size > length:
                    raise IncompleteBody("The request body is longer than its Content-Length.")
            if size >= _BATCH or (not chunk and batch):
                if in_flight is not None:
                    await in_flight
                data = b"".join(batch)
                batch, size = [], 0
                in_flight = asyncio.ensure_future(services.run(pending.write, data))
            if not chunk:
                break
        if in_flight is not None:
            await in_flight
    except BaseException:
        if in_flight is not None and not in_flight.done():
            await asyncio.wait([in_flight])  # never close the file under a running write
        await services.run(pending.abort)
        raise
    return await services.run(lambda: pending.commit(meta, checks, precondition=precondition))


async def _read_exactly(ctx: RequestContext, length: int) -> bytes:
    if length == 0:
        return b""
    try:
        return await ctx.request.content.readexactly(length)
    except asyncio.IncompleteReadError:
        raise IncompleteBody() from None
