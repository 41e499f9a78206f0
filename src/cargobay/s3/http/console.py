"""The web console's HTTP side: static pages and small JSON endpoints under ``/_cargobay/console/``.

The console never decides who may do what. Signed in with an access key and its secret, the
browser asks :func:`_sign` to sign each S3 request it wants to make (method, path, query, the
``x-amz-*`` headers it sends) with that session user's secret, then sends it to the S3 API on
the same origin: every action meets the same authentication and :func:`access.authorize`
decision as any S3 client, so the console can do nothing the S3 API would refuse that user.

Endpoints (JSON in and out; every POST needs the session's ``X-CSRF-Token`` header, except
``login``, which needs none since it has no session yet, and a same-origin ``Origin`` when one
is sent):

* ``GET  api/session``  -> ``{user, csrf}`` or 401
* ``POST api/login``    ``{access_key, secret}`` -> ``{user, csrf}`` + the session cookie, or 401
* ``POST api/logout``
* ``POST api/sign``     ``{method, path, query: [[k, v]], headers: {x-amz-*: v}}`` -> ``{url, headers}``
* ``POST api/presign``  ``{path, expires}`` -> ``{url}`` (a presigned GET link, 1 s .. 7 days)
* ``GET  api/status``   version, data directory, disk free, object and byte counts, uptime,
  requests and errors since start (from the Prometheus collectors of observability.py)

Everything else under the prefix is a static file of ``cargobay/console/static`` (``index.html``
for the prefix itself). The session cookie is HttpOnly, SameSite=Strict, Secure under TLS, and
scoped to the console's path; sessions and the signing key are in :mod:`cargobay.console.sessions`.
"""

from __future__ import annotations

import datetime as _dt
import hmac
import importlib.resources
import time
from typing import Any

from aiohttp import web

import cargobay
from cargobay.console.sessions import Session, SessionStore
from cargobay.s3 import signing
from cargobay.s3.http import observability
from cargobay.s3.http.context import Services

__all__ = ["CONSOLE_KEY", "PATH", "Console", "handle"]

PATH = observability.PREFIX + "console/"
COOKIE = "cargobay_console"
MAX_PRESIGN = 7 * 86400  # AWS: a SigV4 presigned URL lives at most 7 days
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Console:
    """One server's console: its sessions, and the services it reports on."""

    def __init__(self, services: Services, key: bytes, *, idle_timeout: float) -> None:
        self.services = services
        self.sessions = SessionStore(key, idle_timeout=idle_timeout)
        self.started = time.monotonic()


CONSOLE_KEY = web.AppKey("cargobay_console", Console)


def _json(data: Any, status: int = 200) -> web.Response:
    response = web.json_response(data, status=status)
    response.headers.update(_SECURITY_HEADERS)
    return response


def _refuse(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


async def handle(request: web.Request, metrics: observability.Metrics) -> web.StreamResponse:
    console = request.app.get(CONSOLE_KEY)
    raw = request.raw_path.split("?", 1)[0]
    if console is None:
        return web.Response(status=404, text="the console is off (serve --console turns it on)\n")
    if raw in (PATH.rstrip("/"),):
        raise web.HTTPFound(PATH)
    rest = raw[len(PATH) :] if raw.startswith(PATH) else None
    if rest is None:
        return web.Response(status=404, text="not found\n")
    if rest.startswith("api/"):
        return await _api(request, console, metrics, rest[4:])
    if request.method not in ("GET", "HEAD"):
        return web.Response(status=405, text="GET or HEAD only\n")
    return _static(rest or "index.html")


def _static(name: str) -> web.StreamResponse:
    if "/" in name or name.startswith(".") or not any(name.endswith(ext) for ext in _TYPES):
        return web.Response(status=404, text="not found\n")
    resource = importlib.resources.files("cargobay.console").joinpath("static", name)
    if not resource.is_file():
        return web.Response(status=404, text="not found\n")
    body = resource.read_bytes()
    response = web.Response(body=body, content_type=_TYPES[name[name.rindex(".") :]], charset="utf-8")
    response.headers.update(_SECURITY_HEADERS)
    return response


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin == f"{request.scheme}://{request.host}"


async def _api(request: web.Request, console: Console, metrics: observability.Metrics, name: str) -> web.StreamResponse:
    session = console.sessions.lookup(request.cookies.get(COOKIE))
    if request.method == "GET":
        if session is None:
            return _refuse(401, "not signed in, or the session expired")
        if name == "session":
            return _json({"user": session.user, "csrf": session.csrf})
        if name == "status":
            return _json(await _status(console, metrics))
        return _refuse(404, "no such console call")
    if request.method != "POST":
        return _refuse(405, "GET or POST only")
    if not _same_origin(request):
        return _refuse(403, "cross-origin console call refused")
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _refuse(400, "the body must be a JSON object")
    if not isinstance(body, dict):
        return _refuse(400, "the body must be a JSON object")
    if name == "login":
        return _login(request, console, body)
    if session is None:
        return _refuse(401, "not signed in, or the session expired")
    token = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(token.encode(), session.csrf.encode()):
        return _refuse(403, "missing or wrong CSRF token")
    if name == "logout":
        console.sessions.drop(session)
        response = _json({"ok": True})
        response.del_cookie(COOKIE, path=PATH)
        return response
    if name == "sign":
        return _sign(request, console, session, body)
    if name == "presign":
        return _presign(request, console, session, body)
    return _refuse(404, "no such console call")


def _login(request: web.Request, console: Console, body: dict[str, Any]) -> web.Response:
    config = console.services.config
    access_key, secret = body.get("access_key"), body.get("secret")
    if not isinstance(access_key, str) or not isinstance(secret, str):
        return _refuse(400, "give access_key and secret")
    if config.auth:
        known = config.credentials.get(access_key)
        if known is None or not hmac.compare_digest(known.encode(), secret.encode()):
            return _refuse(401, "wrong access key or secret")
        session, cookie = console.sessions.create(access_key, config.user_of(access_key))
    else:
        session, cookie = console.sessions.create(None, config.identity(None).name)
    response = _json({"user": session.user, "csrf": session.csrf})
    response.set_cookie(COOKIE, cookie, path=PATH, httponly=True, samesite="Strict", secure=request.secure)
    return response


def _credentials(console: Console, session: Session) -> signing.Credentials | None:
    if session.access_key is None:
        return None
    secret = console.services.config.credentials.get(session.access_key)
    return signing.Credentials(session.access_key, secret) if secret is not None else None


def _path_and_query(body: dict[str, Any]) -> tuple[str, list[tuple[str, str]]] | None:
    path, query = body.get("path"), body.get("query", [])
    if not isinstance(path, str) or not path.startswith("/") or path.startswith(observability.PREFIX):
        return None
    if not isinstance(query, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in query
    ):
        return None
    return path, [(k, v) for k, v in query]


def _sign(request: web.Request, console: Console, session: Session, body: dict[str, Any]) -> web.Response:
    found = _path_and_query(body)
    method, headers = body.get("method"), body.get("headers", {})
    if (
        found is None
        or method not in ("GET", "HEAD", "PUT", "POST", "DELETE")
        or not isinstance(headers, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        return _refuse(400, "give method, path (/bucket/key), query [[name, value]] and headers {name: value}")
    path, query = found
    credentials = _credentials(console, session)
    if credentials is None:  # authentication off (or the key was removed): send it unsigned
        url = signing.encode_path(path) + ("?" + signing.canonical_query(query) if query else "")
        return _json({"url": url, "headers": headers})
    # x-amz-* headers must be signed; others (Content-Type...) are left unsigned, as the browser
    # may rewrite them (a charset added) and they grant nothing.
    amz = {k: v for k, v in headers.items() if k.lower().startswith("x-amz-")}
    signed = signing.sign(
        method,
        request.host,
        path,
        query,
        credentials=credentials,
        region=console.services.config.region,
        now=_dt.datetime.now(_dt.UTC),
        headers=amz,
        payload_sha256="UNSIGNED-PAYLOAD",
    )
    out = {k: v for k, v in headers.items()}
    out.update(signed.headers)
    return _json({"url": signed.path + ("?" + signed.query if signed.query else ""), "headers": out})


def _presign(request: web.Request, console: Console, session: Session, body: dict[str, Any]) -> web.Response:
    found = _path_and_query(body)
    expires = body.get("expires")
    if found is None or not isinstance(expires, int) or isinstance(expires, bool) or not 1 <= expires <= MAX_PRESIGN:
        return _refuse(400, f"give path and expires (1 to {MAX_PRESIGN} seconds)")
    path, query = found
    credentials = _credentials(console, session)
    base = f"{request.scheme}://{request.host}"
    if credentials is None:
        return _json({"url": base + signing.encode_path(path)})
    url = signing.presign(
        "GET",
        request.host,
        path,
        query,
        credentials=credentials,
        region=console.services.config.region,
        now=_dt.datetime.now(_dt.UTC),
        expires=expires,
    )
    return _json({"url": base + url, "expires": expires})


async def _status(console: Console, metrics: observability.Metrics) -> dict[str, Any]:
    services = console.services
    usage = await services.run(services.store.usage)
    return {
        "version": cargobay.__version__,
        "data_dir": services.config.root,
        "disk_free": usage["disk_free"],
        "disk_total": usage["disk_total"],
        "buckets": usage["buckets"],
        "objects": usage["objects"],
        "bytes": usage["bytes"],
        "uptime_seconds": round(time.monotonic() - console.started, 1),
        "requests": metrics.requests_total(),
        "errors": metrics.requests_total(errors=True),
        "internal_errors": metrics.internal_errors,
    }


def register() -> None:
    """Serve the console at ``/_cargobay/console/`` (observability's table of reserved paths)."""
    if "console" not in observability.INTERNAL:
        observability.add_internal("console", handle, methods=("GET", "HEAD", "POST"))


register()
