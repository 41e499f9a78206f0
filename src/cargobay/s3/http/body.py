"""Request bodies → the store, streaming: memory stays flat whatever the object size.

Small bodies (up to ``small_body_limit``) are read whole and stored with one thread hop. Larger
ones go to a :class:`~cargobay.s3.store.PendingPut` in batches of about 1 MiB, each the list of
the pieces read from the socket (taken off aiohttp's buffer one by one, hashed piece by piece,
written with one ``writev``: the bytes are never joined into another copy); the next batch is
read from the socket while the previous one is hashed and written on the I/O pool (hashlib and
os.write release the GIL, so hashing uses the second core). At most two batches are in memory.
When more than a few bodies stream at once, each reads 512 KiB batches and no batch ahead (the
cores are busy with the others anyway), so memory stays about 1 MiB per body (``_CROWDED_READ``).

How a body is framed is decided once, by authentication (``ctx.auth.framing``, see
:mod:`cargobay.s3.auth.payload`); this module acts on that decision and never re-reads it from the
headers. ``aws-chunked`` bodies pass through :class:`~cargobay.s3.auth.chunked.AwsChunkedDecoder`,
which strips the framing and verifies every chunk signature and the trailer; a checksum sent as a
trailer (``x-amz-trailer``) is verified like one sent as a header. Nothing is published before the
decoder's ``finish`` succeeds, so a bad chunk signature or checksum leaves the previous object
untouched and stores no framing, ever.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from aiohttp import StreamReader

from cargobay._cleanup import abort_after
from cargobay.s3 import checksums
from cargobay.s3.auth import AuthResult
from cargobay.s3.auth.chunked import AwsChunkedDecoder, decoded_content_length
from cargobay.s3.errors import (
    BadDigest,
    EntityTooLarge,
    IncompleteBody,
    InvalidDigest,
    InvalidRequest,
    MissingContentLength,
    NotImplementedError_,
)
from cargobay.s3.http.context import RequestContext
from cargobay.s3.names import check_key
from cargobay.s3.store import ObjectInfo, ObjectMeta, PendingPut, Precondition, PutChecks

_BATCH = 1 << 20
# The largest body one PutObject or UploadPart may carry: 5 GiB (API_PutObject.html, qfacts.html).
MAX_UPLOAD = 5 * 1024**3
# Bytes asked of the socket per read while a large body streams in (asyncio's selector transport
# reads 256 KiB at a time by default): a quarter of the reads, so a quarter of the per-read Python
# of the event loop, aiohttp's parser and this module. Measured on 64 MiB PUTs here, with the heap
# kept (cargobay._libc.keep_heap_for_streaming): 2.5-2.7 ms/MiB of server CPU instead of 3.0-3.1.
_STREAM_READ = 1 << 20
# Crowded: more bodies than this streaming at once (the multipart uploads of one large object,
# 16 parts in flight, say). The cores are busy hashing anyway, so a body no longer reads its next
# batch while the previous one is written (other bodies keep the cores busy), and reads and
# batches _CROWDED_READ bytes at a time: each body then holds about 1 MiB instead of 3-4 (a batch
# being written, the next one read, and a 1 MiB read waiting in aiohttp's buffer). Measured with
# 16 parts of 8 MiB in flight (bench s3 large, 7 interleaved repetitions against the previous
# code): server peak RSS 89 MiB instead of 119 at the same CPU per MiB (1.97 against 1.98 ms/MiB).
# Up to 4 bodies (twice the cores here) keep 1 MiB reads and read-ahead: with 4 parts in flight,
# 512 KiB reads cost ~0.05 ms/MiB more (1.96 against 1.91) for 8 MiB less; one body alone ~0.1.
_FEW_STREAMS = 4
_CROWDED_READ = 512 << 10


def _auth(ctx: RequestContext) -> AuthResult:
    """The request's authentication result, which the app sets before any handler runs."""
    if ctx.auth is None:
        raise RuntimeError("a request body was read before the request was authenticated")
    return ctx.auth


def _trailer_algorithm(ctx: RequestContext) -> str | None:
    """The checksum announced by ``x-amz-trailer`` (e.g. ``x-amz-checksum-crc32`` → crc32)."""
    trailer = ctx.headers.get("x-amz-trailer")
    if trailer is None:
        return None
    names = [name.strip().lower() for name in trailer.split(",") if name.strip()]
    algorithms = [n[len("x-amz-checksum-") :] for n in names if n.startswith("x-amz-checksum-")]
    if len(algorithms) != 1 or algorithms[0] not in checksums.ALGORITHMS:
        raise InvalidRequest("The value specified in the x-amz-trailer header is not supported")
    return algorithms[0]


def _check_sdk_algorithm(algorithm: str, sent: list[str]) -> None:
    """x-amz-sdk-checksum-algorithm names the checksum the request carries (API_PutObject.html): with
    none (neither an x-amz-checksum-* header nor a trailer) the request is 400; one of another
    algorithm is BadDigest, however right it is for the body."""
    if algorithm not in checksums.ALGORITHMS:
        raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
    if not sent:
        raise InvalidRequest(
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
            "or x-amz-trailer headers were found."
        )
    if algorithm not in sent:
        raise BadDigest(
            f"The x-amz-sdk-checksum-algorithm {algorithm.upper()} does not match the checksum sent "
            f"({', '.join(a.upper() for a in sent)})."
        )


def requested_digests(values: Mapping[str, str]) -> tuple[bytes | None, dict[str, str]]:
    """The decoded Content-MD5 and the x-amz-checksum-* a write sends (lower-case names: request
    headers, or the fields of a browser form, which carry them the same way), each checked for form."""
    md5_header = values.get("content-md5")
    content_md5 = None
    if md5_header is not None:
        try:
            content_md5 = base64.b64decode(md5_header, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidDigest() from None
        if len(content_md5) != 16:
            raise InvalidDigest()
    sums: dict[str, str] = {}
    for alg in checksums.ALGORITHMS:
        value = values.get(f"x-amz-checksum-{alg}")
        if value is not None:
            checksums.check_encoded(alg, value)
            sums[alg] = value
    if len(sums) > 1:
        raise InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
    return content_md5, sums


def put_checks(ctx: RequestContext) -> PutChecks:
    """The integrity checks a body must pass, from the request headers."""
    content_md5, sums = requested_digests(ctx.headers)
    auth = _auth(ctx)
    chunked = auth.framing.aws_chunked
    sha = None if chunked else auth.payload_sha256  # a chunked body's chunks carry their own hashes
    algorithm = ctx.headers.get("x-amz-sdk-checksum-algorithm", "").lower()
    if algorithm:
        trailer = _trailer_algorithm(ctx) if chunked and auth.framing.trailer else None
        _check_sdk_algorithm(algorithm, [*sums, *([trailer] if trailer else [])])
    if chunked:
        if ctx.request.content_length is None and "transfer-encoding" not in ctx.headers:
            # sigv4-streaming.html: a stream's framed length comes in Content-Length (or it is sent
            # with Transfer-Encoding); neither is 411, as S3 answers (versity/versitygw#1043).
            raise MissingContentLength()
        length = decoded_content_length(ctx.headers)
    else:
        length = ctx.request.content_length
        if "transfer-encoding" in ctx.headers:
            # A body framed by HTTP chunks alone is not taken: S3 answers 501 NotImplemented naming
            # the header (its answer is quoted in JuliaWeb/HTTP.jl#98 and Automattic/knox#43);
            # aws-chunked bodies (above) carry their length in x-amz-decoded-content-length.
            raise NotImplementedError_(Header="Transfer-Encoding")
        if length is None:
            raise MissingContentLength()
    if length is not None and length > MAX_UPLOAD:
        # Refused on the declared size, before a body byte is read (AWS answers at once too).
        raise EntityTooLarge(ProposedSize=str(length), MaxSizeAllowed=str(MAX_UPLOAD))
    return PutChecks(content_md5=content_md5, sha256_hex=sha, expected_size=length, checksums=sums)


@contextlib.contextmanager
def _larger_reads(transport: object) -> Iterator[Callable[[int], None]]:
    """Read ``_STREAM_READ`` bytes at a time from ``transport`` meanwhile, when it is asyncio's
    selector transport (its per-read size is the ``max_size`` attribute); restored afterwards, so
    the small requests that follow on a keep-alive connection do not allocate 1 MiB per read.
    Yields ``resize(n)``, which sets the read size meanwhile (never below the transport's own)."""
    before = getattr(transport, "max_size", None)
    if not isinstance(before, int) or before >= _STREAM_READ:
        yield lambda size: None
        return

    def resize(size: int) -> None:
        setattr(transport, "max_size", max(size, before))  # noqa: B010 - an instance attribute over the class's

    resize(_STREAM_READ)
    try:
        yield resize
    finally:
        setattr(transport, "max_size", before)  # noqa: B010


def _crowded(ctx: RequestContext) -> bool:
    """Whether more bodies than ``_FEW_STREAMS`` are streaming now (see ``_CROWDED_READ``)."""
    return ctx.services.streaming > _FEW_STREAMS


async def _next_piece(stream: StreamReader) -> bytes:
    """The first piece buffered in ``stream`` as aiohttp received it (waiting for one if none is);
    b"" at the end of the body. ``readchunk`` hands out one buffered piece, never a join; the
    empty marks it returns at the ends of HTTP chunks (``Transfer-Encoding: chunked``) are skipped
    while more may come (an ``EmptyStreamReader``, a request without a body, returns that mark
    forever once its end was read)."""
    while True:
        data, end_of_http_chunk = await stream.readchunk()
        if data or not end_of_http_chunk or stream.at_eof():
            return data


class BodySource:
    """The payload of a request, decoded from aws-chunked framing when needed."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx
        self.trailer_algorithm: str | None = None
        self._taken = 0  # bytes of the wire body handed out so far (the rest of stream.total_bytes is buffered)
        self.decoder: AwsChunkedDecoder | None = None
        auth = _auth(ctx)
        framing = auth.framing
        if framing.aws_chunked:
            self.trailer_algorithm = _trailer_algorithm(ctx) if framing.trailer else None
            # A verified signed stream always has its streaming context (AuthResult's invariant);
            # an unverified one (--no-auth) is read as unsigned, whose chunk-header rule refuses
            # ";chunk-signature=" headers: signed chunks are never accepted unchecked.
            self.decoder = AwsChunkedDecoder(
                auth.streaming if framing.chunk_signatures else None,
                decoded_length=decoded_content_length(ctx.headers),
                trailer_expected=framing.trailer,
            )

    async def _chunk(self) -> bytes:
        """The next piece of the body as it came off the wire (b"" at its end), one socket read at
        a time: aiohttp's ``readany``/``read_nowait`` join every piece buffered meanwhile into a
        new bytes object, a copy of the body and an allocation as large as the backlog (measured:
        ~30 pieces joined into 21 MiB at once with 16 uploads streaming). What has arrived already
        is taken at once: only a read that must wait gets the idle timeout's timer."""
        stream = self.ctx.request.content
        if stream.total_bytes > self._taken or stream.is_eof():
            chunk = await _next_piece(stream)  # returns without waiting
        else:
            chunk = await self.ctx.services.receive(_next_piece(stream))
        self._taken += len(chunk)
        return chunk

    async def batches(self) -> AsyncIterator[list[bytes]]:
        """Payload in batches of about 1 MiB, each the list of pieces as they came off the wire
        (never joined: the sink hashes them one by one and writes them with one ``writev``);
        the last batch may be smaller; none for an empty body."""
        await self.ctx.continue_body()
        pending: list[bytes] = []
        size = 0
        with _larger_reads(self.ctx.request.transport) as resize:
            batch = 0
            while True:
                if not pending:  # a new batch: its size (and the reads') from how crowded it is now
                    batch = _CROWDED_READ if _crowded(self.ctx) else _BATCH
                    resize(min(batch, _STREAM_READ))
                chunk = await self._chunk()
                if not chunk:
                    break
                if self.decoder is not None:
                    for piece in self.decoder.feed(chunk):
                        pending.append(bytes(piece))
                        size += len(piece)
                else:
                    pending.append(chunk)
                    size += len(chunk)
                if size >= batch:
                    yield pending
                    pending, size = [], 0
        if pending:
            yield pending

    async def read_all(self) -> bytes:
        """The whole payload (for small bodies)."""
        await self.ctx.continue_body()
        pieces: list[bytes] = []
        while chunk := await self._chunk():
            if self.decoder is not None:
                pieces.extend(bytes(piece) for piece in self.decoder.feed(chunk))
            else:
                pieces.append(chunk)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def finish(self, checks: PutChecks) -> PutChecks:
        """End of body: verify the framing and fold a trailer checksum into the checks."""
        if self.decoder is None:
            return checks
        trailers = self.decoder.finish()
        if self.trailer_algorithm is None:
            return checks
        value = trailers.get(f"x-amz-checksum-{self.trailer_algorithm}")
        if value is None:
            raise InvalidRequest(f"x-amz-checksum-{self.trailer_algorithm} trailer is missing.")
        checksums.check_encoded(self.trailer_algorithm, value)
        return replace(checks, checksums={**checks.checksums, self.trailer_algorithm: value})

    def algorithms(self, checks: PutChecks) -> list[str]:
        algs = list(checks.checksums)
        if self.trailer_algorithm is not None and self.trailer_algorithm not in algs:
            algs.append(self.trailer_algorithm)
        return algs


async def store_body(
    ctx: RequestContext,
    bucket: str,
    key: str,
    meta: ObjectMeta,
    *,
    precondition: Precondition | None = None,
) -> ObjectInfo:
    """Stream the request body into ``bucket/key`` and publish it atomically; an object sent without
    a checksum gets the default one (``checksums.DEFAULT_ALGORITHM``), as in S3."""
    check_key(key)  # before the body is asked for (Expect: 100-continue), not after it was read
    checks = put_checks(ctx)
    source = BodySource(ctx)
    services = ctx.services
    store = ctx.store
    wire_length = ctx.request.content_length
    if wire_length is not None and wire_length <= services.config.small_body_limit:
        data = await source.read_all()
        checks = source.finish(checks)
        if checks.expected_size is not None and len(data) != checks.expected_size:
            raise IncompleteBody()
        algorithms = source.algorithms(checks) or [checksums.DEFAULT_ALGORITHM]
        return await services.run(
            lambda: store.put_bytes(bucket, key, data, meta, checks, precondition=precondition, algorithms=algorithms)
        )
    algorithms = source.algorithms(checks) or [checksums.DEFAULT_ALGORITHM]
    # Cancelled before the PendingPut is in hand, the pool aborts it; from here on stream_into
    # aborts it on any error, and a queued commit runs (and aborts on failure) whoever awaits it.
    pending: PendingPut = await services.run(
        lambda: store.begin_put(bucket, key, algorithms=algorithms), on_abandoned=PendingPut.abort
    )
    final = await stream_into(ctx, source, pending, checks)
    return await services.run(lambda: pending.commit(meta, final, precondition=precondition))


class Source(Protocol):
    """Where a streamed body comes from: a request's :class:`BodySource`, or a POST form's file part."""

    def batches(self) -> AsyncIterator[list[bytes]]: ...
    def finish(self, checks: PutChecks) -> PutChecks: ...


class Sink(Protocol):
    """Where a streamed body goes: a PUT's PendingPut or a multipart PendingPart."""

    def want_sha256(self) -> None: ...
    def write_many(self, chunks: Sequence[bytes]) -> None: ...
    def abort(self) -> None: ...


async def stream_into(ctx: RequestContext, source: Source, sink: Sink, checks: PutChecks) -> PutChecks:
    """Stream the body into ``sink`` (double-buffered on the I/O pool unless crowded, see
    ``_CROWDED_READ``); return the final checks
    (with a trailer checksum folded in). On any error, a cancellation included, the sink is
    aborted exactly once, after its last write has ended."""
    pool = ctx.services.executor
    # The write on the pool, awaited through a shield: a cancelled handler must not take a write
    # that is still running for a finished one (the abort would close the file under it).
    in_flight: asyncio.Future[None] | None = None
    ctx.services.streaming += 1
    try:
        if checks.sha256_hex is not None:
            sink.want_sha256()
        received = 0
        async for batch in source.batches():
            received += sum(map(len, batch))
            if checks.expected_size is not None and received > checks.expected_size:
                raise IncompleteBody("The request body is longer than its declared length.")
            if in_flight is not None:
                await asyncio.shield(in_flight)
            in_flight = pool.run(sink.write_many, batch)
            del batch  # not held here while the next one is read
            if _crowded(ctx):  # no read-ahead (see _CROWDED_READ)
                await asyncio.shield(in_flight)
        if in_flight is not None:
            await asyncio.shield(in_flight)
        return source.finish(checks)
    except BaseException as exc:
        # Queued once the last write ended, whatever happens to this task meanwhile (a second
        # cancellation only stops the waiting, not the abort). An abort that fails too is noted
        # on ``exc``, which is what propagates.
        abort = functools.partial(abort_after, exc, sink.abort)
        await (pool.run(abort) if in_flight is None else pool.run_after(in_flight, abort))
        raise
    finally:
        ctx.services.streaming -= 1
