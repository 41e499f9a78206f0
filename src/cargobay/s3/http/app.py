"""The server application: one aiohttp handler that parses, authenticates, routes and maps errors.

Order of work for every request (fixed here, once):

1. parse the raw request target (never aiohttp's normalised path) into bucket, key and query;
2. authenticate (SigV4/SigV2, header or presigned) before any body byte is read;
3. route by (method, scope, subresource) and run the handler;
4. map any S3Error to its XML response, and anything else to a logged InternalError
   (see errors.py); every response carries ``x-amz-request-id``;
5. note what the request was (user, operation, bucket/key) for the access log and metrics,
   written once the response is sent (observability.py), and for a bucket with server access
   logging on, begin its log record (log_records.py; any other bucket costs one dict lookup).
   Paths under ``/_cargobay/`` (health, metrics, and whatever another feature adds to
   ``observability.INTERNAL``) are answered before step 1's S3 parsing.

Why aiohttp: a mature asyncio HTTP/1.1 server with a C parser (llhttp), streaming request bodies
(``request.content``), ``loop.sendfile`` for zero-copy responses, ``Expect: 100-continue``
handling, and TLS through the standard ``ssl`` module, with no ASGI layer between the socket and
our handler (starlette/uvicorn cannot send a file descriptor zero-copy).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import logging
import socket
from collections.abc import AsyncIterator

from aiohttp import web

from cargobay.console.sessions import load_key
from cargobay.s3.auth import RequestView, authenticate
from cargobay.s3.errors import RequestHeaderSectionTooLarge, S3Error
from cargobay.s3.http import buckets, console, cors, log_records, observability, routing, sweeper
from cargobay.s3.http.access import authorize, authorize_write_extras, bucket_settings, hidden_if_unlistable
from cargobay.s3.http.common import verify_payload_hash
from cargobay.s3.http.context import (
    RequestContext,
    ServeConfig,
    Services,
    lower_headers,
    new_request_id,
    parse_path,
    parse_query,
    parse_vhost_path,
    split_target,
    vhost_bucket,
)
from cargobay.s3.http.errors import error_response, unexpected_response
from cargobay.s3.http.guarantees import SSE_S3, asks_anything_refusable, refuse_unkept_guarantees
from cargobay.s3.http.iopool import IOPool
from cargobay.s3.http.protocol import S3AppRunner
from cargobay.s3.http.sendfile import FileSliceResponse
from cargobay.s3.store import ObjectStore, StoreConfig

log = logging.getLogger("cargobay.s3.http")

SERVICES_KEY = web.AppKey("services", Services)


def _authenticate(ctx: RequestContext) -> None:
    config = ctx.services.config
    view = RequestView(
        method=ctx.method,
        raw_path=ctx.raw_path,
        raw_query=ctx.raw_query,
        headers=ctx.headers,
        host=ctx.headers.get("host", ""),
        vhost_bucket=ctx.bucket if ctx.vhost else None,
    )
    # Anonymous requests pass authentication; authorization then allows them only where a
    # public ACL or a bucket policy says so. Without authentication (--no-auth), and for
    # requests that prove themselves elsewhere, nothing is verified: the result then only
    # carries the payload hash and the body framing the headers announce.
    result = authenticate(
        view,
        lookup_secret=config.credentials.get,
        region=config.region,
        now=_dt.datetime.now(_dt.UTC),
        allow_anonymous=True,
        verify=config.auth and not _self_authenticating(ctx),
    )
    ctx.auth = result
    ctx.access_key = result.access_key
    if not ctx.request.body_exists:  # the payload of nothing, whatever the method: its hash is checked now
        verify_payload_hash(ctx, b"")


def _self_authenticating(ctx: RequestContext) -> bool:
    """CORS preflights carry no credentials; browser form POSTs sign their policy instead."""
    if ctx.method == "OPTIONS":
        return True
    return (
        ctx.method == "POST"
        and ctx.key is None
        and ctx.bucket is not None
        and not ctx.raw_query
        and ctx.headers.get("content-type", "").lower().startswith("multipart/form-data")
        and "authorization" not in ctx.headers
    )


async def _hold_continue(request: web.Request) -> None:
    """The route's Expect handler: answer nothing yet. ``100 Continue`` is sent by
    :meth:`RequestContext.continue_body` when the handler first reads the body, so a caller
    who may not write gets its 403 before sending the body (aiohttp's default sends 100 at once)."""
    expect = request.headers.get("Expect", "")
    if expect.lower() != "100-continue":
        # !a (ascii): the value may hold bytes that are not UTF-8 (surrogate escapes), which no body can carry.
        raise web.HTTPExpectationFailed(text=f"Unknown Expect: {expect!a}")


async def handle(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES_KEY]
    request_id = new_request_id()
    raw_path, raw_query = split_target(request.raw_path)
    head = request.method == "HEAD"
    ctx: RequestContext | None = None
    error_code: str | None = None
    try:
        headers = lower_headers(request)
        header_bytes = sum(map(len, headers)) + sum(map(len, headers.values())) + 4 * len(headers)
        if header_bytes > services.config.max_header_bytes:
            raise RequestHeaderSectionTooLarge(MaxSizeAllowed=str(services.config.max_header_bytes))
        hosted = vhost_bucket(headers.get("host", ""), services.config.domain)
        internal = observability.internal_handler(raw_path, hosted is not None)
        if internal is not None:  # /_cargobay/...: health, metrics (see observability.INTERNAL)
            return await observability.serve_internal(request, internal)
        bucket, key = parse_path(raw_path) if hosted is None else parse_vhost_path(raw_path, hosted)
        ctx = RequestContext(
            request=request,
            services=services,
            request_id=request_id,
            raw_path=raw_path,
            raw_query=raw_query,
            bucket=bucket,
            key=key,
            query=parse_query(raw_query),
            headers=headers,
            vhost=hosted is not None,
        )
        _authenticate(ctx)
        handler = routing.resolve(ctx)
        await authorize(ctx, routing.gate_action_of(ctx))
        extras = routing.write_extras(ctx)
        if extras:  # most requests set nothing beside their body: no second authorization
            await authorize_write_extras(ctx, extras)
        if asks_anything_refusable(headers):
            refuse_unkept_guarantees(
                headers,
                secure=request.secure,
                write=routing.writes_object_data(ctx),
                read=routing.reads_object_data(ctx),
                sse_s3=services.config.sse_s3,
            )
        response = await handler(ctx)
    except S3Error as exc:
        if ctx is not None:
            exc = await hidden_if_unlistable(ctx, exc)
            buckets.name_region_in_refusal(ctx, exc)
        error_code = exc.code
        response = error_response(exc, resource=raw_path, request_id=request_id, head=head, method=request.method)
    except (ConnectionError, asyncio.CancelledError):
        raise
    except Exception as exc:  # a bug: logged with its traceback, never sent
        services.internal_errors += 1
        error_code = "InternalError"
        response = unexpected_response(exc, resource=raw_path, request_id=request_id, head=head)
    _note(request, ctx, request_id, error_code)
    if ctx is not None and "origin" in ctx.headers:
        try:
            await cors.decorate(ctx, response)
        except Exception:  # never let a CORS lookup turn a good answer into an error
            log.exception("CORS lookup failed for request %s", request_id)
        except asyncio.CancelledError:
            if isinstance(response, FileSliceResponse):
                response.release()  # never sent: its descriptor is closed here, not by prepare
            raise
    if request.headers.get("Expect", "").lower() == "100-continue" and (
        response.status >= 400 or ctx is None or not ctx.continued
    ):
        response.force_close()  # the client may never send the body it was waiting to send
    if services.config.sse_s3 and ctx is not None and response.status < 300 and routing.reports_encryption(ctx):
        response.headers["x-amz-server-side-encryption"] = SSE_S3  # every object, as on AWS (guarantees.py)
    response.headers["x-amz-request-id"] = request_id
    response.headers["x-amz-id-2"] = request_id
    response.headers["Server"] = "cargobay"
    return response


def _note(request: web.Request, ctx: RequestContext | None, request_id: str, error_code: str | None) -> None:
    """What the access log, the metrics and a bucket's server access log say about this request
    (see observability and log_records; a bucket without logging costs one dict lookup)."""
    if ctx is None:
        observability.note(request, observability.RequestNote(request_id))
        return
    info: observability.RequestNote
    if ctx.bucket in ctx.services.server_logs.targets:
        sub = routing.subresource_of(ctx.query)
        info = observability.LoggedRequestNote(request_id, server_log=log_records.pending(ctx, error_code, sub))
    else:
        info = observability.RequestNote(request_id)
    action = routing.action_of(ctx) or "s3:*"
    info.operation = action.removeprefix("s3:") if action != "s3:*" else "unknown"
    info.bucket, info.key = ctx.bucket, ctx.key
    if ctx.access_key:
        info.user = ctx.services.config.user_of(ctx.access_key)
    observability.note(request, info)


def create_app(services: Services) -> web.Application:
    # aiohttp's own limits sit above ours, so an oversized header section gets the S3 error
    # (RequestHeaderSectionTooLarge, checked in handle) rather than a bare 400.
    app = web.Application(
        client_max_size=1 << 20, handler_args={"max_field_size": 65536, "max_line_size": 65536, "max_headers": 256}
    )
    app[SERVICES_KEY] = services
    app[observability.METRICS_KEY] = observability.Metrics()
    if services.config.console:  # /_cargobay/console/ (console.py); its cookie key is in .cargobay/
        app[console.CONSOLE_KEY] = console.Console(
            services, load_key(services.config.root), idle_timeout=services.config.console_idle_timeout
        )
    # [\s\S], not ".": aiohttp matches the decoded path, and a key may contain a newline.
    app.router.add_route("*", "/{tail:[\\s\\S]*}", handle, expect_handler=_hold_continue)
    return app


def open_services(config: ServeConfig) -> Services:
    store = ObjectStore(
        config.root,
        StoreConfig(
            durable=config.durable,
            min_part_size=config.min_part_size,
            upload_expiry=config.upload_expiry,
            follow_symlinks=config.follow_symlinks,
        ),
    )
    executor = IOPool(config.io_threads)
    return Services(config=config, store=store, executor=executor)


class RunningServer:
    """A started server: its port, and how to stop it."""

    def __init__(self, runner: web.AppRunner, services: Services, port: int) -> None:
        self.runner = runner
        self.services = services
        self.port = port
        self.sweeper = asyncio.ensure_future(sweeper.run_forever(services))  # lifecycle rules
        self.log_delivery = asyncio.ensure_future(services.server_logs.run_forever(services))

    @property
    def endpoint(self) -> str:
        config = self.services.config
        host = config.host
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if config.tls_cert else "http"
        return f"{scheme}://{shown}:{self.port}"

    async def stop(self) -> None:
        for task in (self.sweeper, self.log_delivery):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        server = self.runner.server
        transports = [h.transport for h in server.connections] if server is not None else []
        await self.runner.cleanup()
        # A TLS close waits for the peer's close_notify, which an idle keep-alive client never
        # sends: abort what is left so no connection outlives the server.
        for transport in transports:
            if transport is not None:
                transport.abort()
        # Every request is answered and recorded now: what is buffered is delivered before the store closes.
        self.services.server_logs.flush(self.services.store)
        self.services.executor.shutdown(wait=True)
        self.services.store.close()


async def start_server(config: ServeConfig, *, sock: socket.socket | None = None) -> RunningServer:
    """Start serving ``config.root``; port 0 picks a free port (see ``RunningServer.port``)."""
    services = open_services(config)
    # Server access logging configured before this start is in force from the first request.
    await services.run(services.server_logs.load, services.store, lambda b: bucket_settings(services, b).owner_id)
    app = create_app(services)
    # auto_decompress=False: Content-Encoding (gzip...) describes the stored object; the body
    # must be stored as sent, never inflated by the HTTP layer.
    # The access log (and the metrics) are written once each response is sent: observability.py.
    runner = S3AppRunner(  # its connections answer an unparsable request with S3 error XML
        app,
        access_log=observability.access_log,
        access_log_class=observability.AccessLogger,
        handle_signals=False,
        shutdown_timeout=5.0,
        auto_decompress=False,
    )
    await runner.setup()
    ssl_context = None
    if config.tls_cert and config.tls_key:
        from cargobay.s3.http.tls import server_context

        ssl_context = server_context(config.tls_cert, config.tls_key)
    site: web.BaseSite
    if sock is not None:
        site = web.SockSite(runner, sock, ssl_context=ssl_context)
    else:
        site = web.TCPSite(runner, config.host, config.port, reuse_address=True, ssl_context=ssl_context)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return RunningServer(runner, services, port)


@contextlib.asynccontextmanager
async def serving(config: ServeConfig) -> AsyncIterator[RunningServer]:
    server = await start_server(config)
    try:
        yield server
    finally:
        await server.stop()
