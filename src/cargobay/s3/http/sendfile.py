"""A response that sends a slice of an open file, zero-copy where the transport allows.

aiohttp's own FileResponse takes a path and does its own Range/conditional handling; we need the
S3 rules and, above all, the descriptor the store already opened (it pins the bytes the ETag
describes even if the key is overwritten meanwhile). ``loop.sendfile`` uses ``os.sendfile`` on
plain sockets; on TLS it raises NotImplementedError and we fall back to reading in chunks.
"""

from __future__ import annotations

import asyncio
import os

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from cargobay.s3.store import OpenObject

_CHUNK = 1 << 20


class FileSliceResponse(web.StreamResponse):
    def __init__(self, obj: OpenObject, offset: int, count: int, *, status: int, headers: dict[str, str]) -> None:
        super().__init__(status=status, headers=headers)
        self._obj = obj
        self._offset = offset
        self._count = count
        self.content_length = count

    def release(self) -> None:
        """Close the file without sending it (the response will never be prepared: its handler
        was cancelled after making it). :meth:`prepare` closes it otherwise, however it ends."""
        self._obj.close()

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        try:
            writer = await super().prepare(request)
            if request.method == "HEAD" or self._count == 0 or writer is None:
                return writer
            transport = request.transport
            loop = asyncio.get_running_loop()
            sent = False
            if transport is not None and transport.get_extra_info("sslcontext") is None:
                with os.fdopen(os.dup(self._obj.fd), "rb", buffering=0) as fobj:
                    try:
                        await writer.drain()
                        await loop.sendfile(transport, fobj, self._offset, self._count, fallback=False)
                        sent = True
                    except (NotImplementedError, RuntimeError, asyncio.SendfileNotAvailableError):
                        sent = False
            if not sent:
                await self._send_by_reading(writer)
            await super().write_eof()
            return writer
        finally:
            self._obj.close()

    async def _send_by_reading(self, writer: AbstractStreamWriter) -> None:
        loop = asyncio.get_running_loop()
        offset, remaining = self._offset, self._count
        while remaining > 0:
            size = min(_CHUNK, remaining)
            data = await loop.run_in_executor(None, os.pread, self._obj.fd, size, offset)
            if not data:
                raise OSError("file shrank while being sent")
            await writer.write(data)
            offset += len(data)
            remaining -= len(data)
