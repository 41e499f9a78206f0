"""How a large body is read off the socket (s3/http/body.py): larger reads while it streams,
the transport's own read size back afterwards for the requests that follow on the connection."""

from __future__ import annotations

from cargobay.s3.http.body import _STREAM_READ, _larger_reads


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
