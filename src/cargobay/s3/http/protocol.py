"""The HTTP connection: a request aiohttp cannot parse, or whose client stops sending midway,
is answered as S3 answers any error.

aiohttp refuses a request whose head it cannot parse (a Content-Length that is not digits, a
negative or empty one, a broken request line or header) before any route runs, with a plain-text
400 that echoes the offending bytes and carries no request id. S3 answers every error with its
error document and the request-id headers (ErrorResponses.html), so the connection handler here
renders that 400 as ``BadRequest`` ("An error occurred when parsing the HTTP request."; the AWS
pages name no code for it), and closes the connection as RFC 9112 section 6.3 asks.

A client that half-closes the connection after fewer body bytes than its Content-Length gets
400 IncompleteBody (aiohttp would close the connection and answer nothing).

aiohttp has no public hook for either: :class:`S3AppRunner` (the runner ``app.py`` starts) makes a
:class:`S3Server` whose connections are :class:`S3RequestHandler`, aiohttp's handler with
``handle_error`` changed for those 400s and ``eof_received`` for the half-close. That reads three
private attributes of aiohttp 3.12-3.14 (``Server._loop``/``_kwargs``, ``RequestHandler._messages``);
where a later aiohttp lacks them the server still runs, with aiohttp's own answers to those cases. Errors raised by
the S3 handler itself never reach ``handle_error``: ``app.handle`` answers them.

Every request goes to the one catch-all route of ``app.py``, so the connection handler calls that
route's handler directly (:func:`direct_handler`) instead of through ``Application._handle``, whose
router resolution, match-info building and middleware check cost ~7% of a HEAD's server CPU for a
decision that never varies. The request still carries the route's (shared, frozen) match info, so
``request.app`` and response-prepare signals work as under aiohttp's own dispatch; an application
with more routes or with middlewares is dispatched by aiohttp as usual.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import aiohttp
from aiohttp import StreamReader, web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from cargobay.s3.errors import BadRequest
from cargobay.s3.http.context import new_request_id
from cargobay.s3.http.errors import error_response
from cargobay.s3.http.observability import METRICS_KEY, UNPARSED_METRICS_KEY

__all__ = ["S3AppRunner", "S3RequestHandler", "S3Server", "direct_handler"]

log = logging.getLogger("cargobay.s3.http")

_UNPARSABLE = "An error occurred when parsing the HTTP request."


class S3RequestHandler(RequestHandler):
    """aiohttp's connection handler, answering an unparsable request with an S3 error document and
    a request cut short by a half-close with IncompleteBody."""

    def __init__(self, manager: S3Server, **kwargs: object) -> None:
        super().__init__(manager, **kwargs)  # type: ignore[arg-type]
        self._s3_app = manager.s3_app
        self._s3_receiving: tuple[Mapping[str, str], StreamReader] | None = None

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status != 400 or request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        request_id = new_request_id()
        # Logged without the offending bytes' traceback: a client's bad request is not our bug.
        log.info("unparsable request from %s (request %s): %s", request.remote, request_id, message or exc)
        request[UNPARSED_METRICS_KEY] = self._s3_app[METRICS_KEY]
        response = error_response(BadRequest(_UNPARSABLE), resource="/", request_id=request_id)
        response.headers["x-amz-id-2"] = request_id
        response.headers["Server"] = "cargobay"
        response.force_close()
        return response

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio.Protocol allows True
        """The client closed its sending side (a half-close; it may still read, RFC 9112 section
        9.6). A request in progress is still answered, its body ending where the client stopped:
        one shorter than its Content-Length fails the length check, IncompleteBody
        (ErrorResponses.html), and nothing is stored. The connection closes after that answer.
        Idle, under TLS (asyncio cannot keep a TLS transport half-open) or with a chunked body
        (no declared length to fall short of), the connection closes at once, as aiohttp does."""
        transport = self.transport
        receiving = self._s3_receiving
        if transport is None or transport.get_extra_info("sslcontext") is not None or receiving is None:
            return None
        headers, payload = receiving
        if payload.is_eof() or "transfer-encoding" in headers:
            return None  # its body is complete (idle, or answered next), or has no length to check
        payload.feed_eof()
        self.close()  # no request can follow this one
        return True

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # The request whose body is arriving is the last one parsed: remember it, as aiohttp's own
        # queue (``_messages``) gives it up before its handler has started.
        messages = getattr(self, "_messages", None)  # private to aiohttp: absent, no half-close answer
        if messages:
            message, payload = messages[-1]
            headers = getattr(message, "headers", None)  # an unparsable message has none
            self._s3_receiving = None if headers is None else (headers, payload)


class S3Server(web.Server):
    """aiohttp's Server whose connections are :class:`S3RequestHandler`."""

    def __init__(self, *args: object, s3_app: web.Application, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.s3_app = s3_app

    def __call__(self) -> RequestHandler:
        return S3RequestHandler(self, loop=self._loop, **self._kwargs)


Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def direct_handler(app: web.Application) -> Handler | None:
    """The handler of ``app``'s one catch-all route, called without aiohttp's per-request routing
    (see the module docstring); None when ``app`` has other routes or middlewares, which need it."""
    routes = list(app.router.routes())
    if len(routes) != 1 or app.middlewares or not hasattr(web.Request, "_match_info"):
        return None
    route = routes[0]
    match_info = UrlMappingMatchInfo({}, route)  # the same for every request: built once, frozen
    match_info.add_app(app)
    match_info.freeze()
    handler, expect_handler = route.handler, match_info.expect_handler

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        request._match_info = match_info  # type: ignore[attr-defined]  # what Application._handle sets
        if request.headers.get("Expect"):  # as Application._handle: the route's Expect handler first
            early = await expect_handler(request)  # type: ignore[arg-type]
            await request.writer.drain()
            if early is not None:
                return early
        return await handler(request)  # type: ignore[arg-type]

    return handle


class S3AppRunner(web.AppRunner):
    """aiohttp's AppRunner serving through :class:`S3Server`."""

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()
        if not isinstance(getattr(plain, "_kwargs", None), dict) or not hasattr(plain, "_loop"):
            # An aiohttp whose Server keeps these elsewhere: serve with its own connection handler
            # (plain-text 400s, no IncompleteBody) rather than not at all; the tests of
            # test_requests.py then fail, which is how an upgrade that moved them is noticed.
            log.warning("aiohttp %s: unparsable requests get aiohttp's own 400", aiohttp.__version__)
            return plain
        return S3Server(
            direct_handler(self.app) or plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=asyncio.get_running_loop(),
            s3_app=self.app,
            **plain._kwargs,  # the runner's handler arguments (access log class, limits)
        )
