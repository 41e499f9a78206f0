"""Small helpers every handler family uses: owner identity, XML responses, header parsing."""

from __future__ import annotations

import hashlib

from aiohttp import web

from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.xml import element


def owner_id(access_key: str | None) -> str:
    """A stable canonical-user-like ID (64 hex digits) for an access key."""
    return hashlib.sha256((access_key or "anonymous").encode("utf-8")).hexdigest()


def owner_xml(ctx: RequestContext, tag: str = "Owner") -> str:
    name = ctx.access_key or "anonymous"
    return f"<{tag}>{element('ID', owner_id(ctx.access_key))}{element('DisplayName', name)}</{tag}>"


def xml_response(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=body, headers=headers, content_type="application/xml")


async def read_small_body(ctx: RequestContext, *, limit: int) -> bytes:
    """Read a bounded request body (XML documents); larger bodies are refused before reading."""
    from cargobay.s3.errors import MaxMessageLengthExceeded

    length = ctx.request.content_length
    if length is not None and length > limit:
        raise MaxMessageLengthExceeded()
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
    return b"".join(chunks)
