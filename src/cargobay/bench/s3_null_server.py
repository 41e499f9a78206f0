"""The trivial HTTP server that ``cargobay bench s3`` measures its own client against.

It owns answering every request as cheaply as possible, so that the rate the load generator
reaches against it is the client's ceiling: an asyncio protocol (no HTTP framework) reads a
request head, discards a ``Content-Length`` body, and answers ``200`` at once; a GET gets
``--get-size`` bytes of zeros (the same payload a small-object GET carries), any other method an
empty body. Keep-alive, pipelining-safe. Run it as ``python -m cargobay.bench.s3_null_server
--port P``; it prints ``ready`` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys


class _NullProtocol(asyncio.Protocol):
    def __init__(self, get_body: bytes) -> None:
        self._get_response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(get_body) + get_body
        self._empty = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        self._buffer = bytearray()
        self._skip = 0
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self._buffer
        buf += data
        transport = self._transport
        assert transport is not None
        while True:
            if self._skip:
                n = min(self._skip, len(buf))
                del buf[:n]
                self._skip -= n
                if self._skip:
                    return
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            del buf[: end + 4]
            length = 0
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else len(lower)])
            self._skip = length
            method = head[: head.find(b" ")]
            if method == b"GET":
                transport.write(self._get_response)
            else:
                transport.write(self._empty)


async def _serve(port: int, get_size: int) -> None:
    loop = asyncio.get_running_loop()
    body = bytes(get_size)
    server = await loop.create_server(lambda: _NullProtocol(body), "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--get-size", type=int, default=4096)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.get_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
