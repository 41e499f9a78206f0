"""How a large body is read off the socket (s3/http/body.py): larger reads while it streams,
the transport's own read size back afterwards for the requests that follow on the connection;
the pieces aiohttp buffered handed out one by one (never joined); and no read-ahead while many
bodies stream at once (memory stays about one batch per body)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Sequence
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiohttp import StreamReader
from aiohttp.streams import EmptyStreamReader

from cargobay.s3.http.body import _FEW_STREAMS, _STREAM_READ, BodySource, _larger_reads, stream_into
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.iopool import IOPool
from cargobay.s3.store import PutChecks


class _Transport:
    max_size = 256 * 1024  # asyncio's selector transport: a class attribute


def test_reads_are_larger_while_streaming_and_restored_after() -> None:
    transport = _Transport()
    with _larger_reads(transport):
        assert transport.max_size == _STREAM_READ
    assert transport.max_size == 256 * 1024


def test_restored_when_the_body_fails() -> None:
    transport = _Transport()
    try:
        with _larger_reads(transport):
            raise ValueError("client went away")
    except ValueError:
        pass
    assert transport.max_size == 256 * 1024


def test_other_transports_are_left_alone() -> None:
    class Bigger:
        max_size = 4 * _STREAM_READ

    class Opaque:
        pass

    bigger, opaque = Bigger(), Opaque()
    with _larger_reads(bigger), _larger_reads(opaque), _larger_reads(None):
        assert bigger.max_size == 4 * _STREAM_READ
        assert not hasattr(opaque, "max_size")


def test_resize_sets_the_read_size_meanwhile_never_below_the_transports_own() -> None:
    transport = _Transport()
    with _larger_reads(transport) as resize:
        resize(512 * 1024)
        assert transport.max_size == 512 * 1024
        resize(64 * 1024)
        assert transport.max_size == 256 * 1024
    assert transport.max_size == 256 * 1024


# -- pieces off the wire, one at a time ---------------------------------------------------------


class _Protocol:
    """What aiohttp's StreamReader calls on its protocol for flow control."""

    connected = True

    def __init__(self) -> None:
        self.paused = False

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self, resume_parser: bool = True) -> None:
        self.paused = False


def _stream(loop: asyncio.AbstractEventLoop) -> StreamReader:
    return StreamReader(cast(Any, _Protocol()), 2**16, loop=loop)


def _body_source(stream: StreamReader) -> BodySource:
    """A BodySource over ``stream`` for an unframed body (what authentication decides is skipped)."""
    source = BodySource.__new__(BodySource)
    services = SimpleNamespace(receive=lambda read: read)
    source.ctx = cast(Any, SimpleNamespace(request=SimpleNamespace(content=stream), services=services))
    source.trailer_algorithm = None
    source.decoder = None
    source._taken = 0
    return source


def test_pieces_buffered_meanwhile_are_handed_out_one_by_one_never_joined() -> None:
    # aiohttp's readany/read_nowait join every buffered piece into a new bytes object: a copy of
    # the body, and with 16 uploads streaming, ~30 pieces joined into 21 MiB at once.
    async def main() -> None:
        stream = _stream(asyncio.get_running_loop())
        pieces = [os.urandom(1000) for _ in range(3)]
        for piece in pieces:
            stream.feed_data(piece)
        source = _body_source(stream)
        for piece in pieces:
            assert await source._chunk() is piece
        late = os.urandom(10)
        asyncio.get_running_loop().call_later(0.01, stream.feed_data, late)
        assert await source._chunk() is late  # waited for
        stream.feed_eof()
        assert await source._chunk() == b""

    asyncio.run(main())


def test_http_chunk_ends_are_not_taken_for_the_end_of_the_body() -> None:
    # Transfer-Encoding: chunked: readchunk reports the end of each HTTP chunk with an empty piece.
    async def main() -> None:
        stream = _stream(asyncio.get_running_loop())
        stream.begin_http_chunk_receiving()
        for piece in (b"hello ", b"world"):
            stream.feed_data(piece)
            stream.end_http_chunk_receiving()
        stream.feed_eof()
        source = _body_source(stream)
        got = []
        while chunk := await source._chunk():
            got.append(chunk)
        assert b"".join(got) == b"hello world"

    asyncio.run(main())


def test_a_request_without_a_body_ends_at_once_however_often_it_is_read() -> None:
    # aiohttp gives such a request an EmptyStreamReader, whose readchunk answers (b"", True) once
    # its end was read: that is not an HTTP chunk's end to read past (it was a busy loop).
    class Counted(EmptyStreamReader):
        calls = 0

        async def readchunk(self) -> tuple[bytes, bool]:
            self.calls += 1
            assert self.calls < 100, "read past the end of the body again and again"
            return await super().readchunk()

    async def main() -> None:
        source = _body_source(cast(StreamReader, Counted()))
        for _ in range(3):
            assert await source._chunk() == b""

    asyncio.run(main())


# -- crowded: no read-ahead ---------------------------------------------------------------------


class _Source:
    """Batches of one piece; records, at each request for the next batch, the writes done by then."""

    def __init__(self, sink: _Sink, batches: int, *, fail_at: int | None = None) -> None:
        self.sink = sink
        self.count = batches
        self.fail_at = fail_at
        self.writes_seen: list[int] = []

    async def batches(self) -> AsyncIterator[list[bytes]]:
        for i in range(self.count):
            self.writes_seen.append(self.sink.writes)
            if i == self.fail_at:
                raise ConnectionResetError("client went away")
            yield [b"x" * 10]

    def finish(self, checks: PutChecks) -> PutChecks:
        return checks


class _Sink:
    def __init__(self) -> None:
        self.writes = 0
        self.aborted = 0

    def want_sha256(self) -> None:
        pass

    def write_many(self, chunks: Sequence[bytes]) -> None:
        time.sleep(0.02)  # a write slower than reading the next batch
        self.writes += 1

    def abort(self) -> None:
        self.aborted += 1


def _context(pool: IOPool, streaming: int) -> RequestContext:
    return cast(RequestContext, SimpleNamespace(services=SimpleNamespace(executor=pool, streaming=streaming)))


@pytest.mark.parametrize(
    ("others", "read_ahead"),
    [(0, True), (_FEW_STREAMS - 1, True), (_FEW_STREAMS, False), (15, False)],
    ids=["alone", "few", "crowded", "sixteen"],
)
def test_a_body_reads_ahead_only_while_few_stream(others: int, read_ahead: bool) -> None:
    pool = IOPool(2)
    sink = _Sink()
    source = _Source(sink, 4)
    ctx = _context(pool, others)
    try:
        asyncio.run(stream_into(ctx, source, sink, PutChecks()))
    finally:
        pool.shutdown()
    assert sink.writes == 4
    if read_ahead:  # the next batch is read while the previous one is written
        assert source.writes_seen == [0, 0, 1, 2]
    else:  # each batch written before the next one is read
        assert source.writes_seen == [0, 1, 2, 3]
    assert ctx.services.streaming == others


def test_a_failed_body_is_counted_out_and_aborted_after_its_last_write() -> None:
    pool = IOPool(2)
    sink = _Sink()
    source = _Source(sink, 4, fail_at=2)
    ctx = _context(pool, 0)
    try:
        with pytest.raises(ConnectionResetError):
            asyncio.run(stream_into(ctx, source, sink, PutChecks()))
    finally:
        pool.shutdown()
    assert (sink.writes, sink.aborted) == (2, 1)
    assert ctx.services.streaming == 0
