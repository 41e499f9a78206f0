"""The server calls its one route's handler directly (protocol.direct_handler), and only when that
is the same decision aiohttp's router would make."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from cargobay.s3.http.app import create_app, open_services, start_server
from cargobay.s3.http.context import ServeConfig
from cargobay.s3.http.protocol import direct_handler


def _app(tmp_path: Path) -> web.Application:
    return create_app(open_services(ServeConfig(root=str(tmp_path), port=0, auth=False, durable=False)))


def _read(url: str) -> str:
    with urllib.request.urlopen(url) as answer:
        return str(answer.read().decode())


def test_the_served_app_is_dispatched_directly(tmp_path: Path) -> None:
    async def run() -> None:
        server = await start_server(ServeConfig(root=str(tmp_path), port=0, auth=False, durable=False))
        try:
            aiohttp_server = server.runner.server
            assert aiohttp_server is not None
            assert aiohttp_server.request_handler != server.runner.app._handle
            # and it answers, with the app reachable from the request (the metrics are recorded through it)
            url = f"http://127.0.0.1:{server.port}"
            listing = await asyncio.to_thread(_read, f"{url}/")
            assert "<ListAllMyBucketsResult" in listing
            for _ in range(50):  # the access log records a request just after its answer is sent
                if 'operation="ListAllMyBuckets"' in await asyncio.to_thread(_read, f"{url}/_cargobay/metrics"):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the listing was not recorded in the metrics")
        finally:
            await server.stop()

    asyncio.run(run())


def test_an_app_with_middlewares_or_more_routes_keeps_aiohttp_dispatch(tmp_path: Path) -> None:
    assert direct_handler(_app(tmp_path)) is not None

    async def other(request: web.Request) -> web.StreamResponse:
        return web.Response()

    with_route = _app(tmp_path)
    with_route.router.add_get("/other", other)
    assert direct_handler(with_route) is None

    @web.middleware
    async def passthrough(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        return await handler(request)

    with_middleware = create_app(open_services(ServeConfig(root=str(tmp_path), port=0, auth=False, durable=False)))
    with_middleware.middlewares.append(passthrough)
    assert direct_handler(with_middleware) is None
