"""The fault zoo: deliberately broken S3 endpoints, each with exactly one fault.

A :class:`FaultProxy` listens on 127.0.0.1 and a free port in front of a healthy endpoint (an
in-process cargobay server) and injects one :class:`Fault` from :data:`FAULTS`: it rewrites a
request (then re-signs it with the endpoint's credentials, so the server accepts what the fault
produced) or a response. With ``fault=None`` it is a transparent proxy: the control that shows a
failure comes from the fault, not from the proxy.

``tests/conformance/test_fault_zoo.py`` runs the relevant conformance family against each
faulty endpoint and asserts the suite fails with a message naming the fault. This module owns the
faults only; it never imports ``cargobay.s3`` (the faults are written against the wire).
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cargobay.testing.conformance_suite._http import RawS3, md5_b64
from cargobay.testing.servers import Endpoint

_DROP_ON_RESIGN = {
    "authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "host",
    "content-length",
    "connection",
    "expect",
    "transfer-encoding",
    "accept-encoding",
}
_HOP_BY_HOP = {"connection", "transfer-encoding", "keep-alive", "content-length"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # raw, as sent
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]  # lower-case names
    body: bytes
    payload_hash: str | None = None  # when re-signing: None = SHA-256 of the body


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Context:
    """What a fault may use: the upstream endpoint, a way to send signed requests, shared state."""

    endpoint: Endpoint
    state: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, request: Request) -> Response:
        return _forward(self.endpoint, _resign(self.endpoint, request))


RequestHook = Callable[[Context, Request], Request | None]  # a new Request means "modified: re-sign"
ResponseHook = Callable[[Context, Request, Response], Response]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    family: str  # the conformance module that must catch it
    message: str  # what the failing conformance test says
    select: str  # a pytest -k expression: the tests of the family that aim at this fault
    on_request: RequestHook | None = None
    on_response: ResponseHook | None = None


# -- re-signing and forwarding -----------------------------------------------------------------


def _split(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    path, _, query = target.partition("?")
    return path, tuple(parse_qsl(query, keep_blank_values=True))


def _resign(endpoint: Endpoint, request: Request) -> tuple[str, str, dict[str, str], bytes]:
    raw = RawS3(endpoint)
    params = [(k, v) for k, v in request.query if not k.lower().startswith("x-amz-")]
    headers = {k: v for k, v in request.headers.items() if k not in _DROP_ON_RESIGN}
    signed = raw.sign_v4(
        request.method, request.path, params, headers=headers, body=request.body, payload_hash=request.payload_hash
    )
    return signed.method, signed.target, signed.headers, request.body


def _forward(endpoint: Endpoint, prepared: tuple[str, str, dict[str, str], bytes], *, framed: bool = True) -> Response:
    """Send ``prepared`` to the server. ``framed`` False: the client sent neither Content-Length nor
    Transfer-Encoding (a framing test), so none is added to a request without a body either."""
    method, target, headers, body = prepared
    parts = urlsplit(endpoint.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        sent = {k: v for k, v in headers.items() if k not in ("content-length", "expect", "transfer-encoding")}
        sent.setdefault("host", parts.netloc)  # pass-through keeps the client's signed Host
        if body or (framed and method in ("PUT", "POST")):
            sent["content-length"] = str(len(body))
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders(body or None)
        answer = conn.getresponse()
        data = answer.read()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
    finally:
        conn.close()


# -- the faults ----------------------------------------------------------------------------------


def _drop_header(name: str, *, methods: tuple[str, ...] = ()) -> RequestHook:
    def hook(ctx: Context, request: Request) -> Request | None:
        if name not in request.headers or (methods and request.method not in methods):
            return None
        return replace(request, headers={k: v for k, v in request.headers.items() if k != name})

    return hook


def _drop_query(name: str) -> RequestHook:
    def hook(ctx: Context, request: Request) -> Request | None:
        if not any(k == name for k, _ in request.query):
            return None
        return replace(request, query=tuple((k, v) for k, v in request.query if k != name))

    return hook


def _truncate_listing(ctx: Context, request: Request, response: Response) -> Response:
    if request.method != "GET" or b"<ListBucketResult" not in response.body[:300]:
        return response
    body = response.body.replace(b"<IsTruncated>true</IsTruncated>", b"<IsTruncated>false</IsTruncated>")
    body = re.sub(rb"<NextContinuationToken>.*?</NextContinuationToken>|<NextMarker>.*?</NextMarker>", b"", body)
    return replace(response, body=body)


def _store_chunked_framing(ctx: Context, request: Request) -> Request | None:
    streaming = request.headers.get("x-amz-content-sha256", "").startswith("STREAMING-")
    if not streaming and "aws-chunked" not in request.headers.get("content-encoding", ""):
        return None
    dropped = {"content-encoding", "x-amz-decoded-content-length", "x-amz-trailer"}
    headers = {k: v for k, v in request.headers.items() if k not in dropped}
    return replace(request, headers=headers, payload_hash="UNSIGNED-PAYLOAD")


def _resign_everything(ctx: Context, request: Request) -> Request | None:
    return request


def _normalise_dot_segments(ctx: Context, request: Request) -> Request | None:
    segments = request.path.split("/")
    out: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    path = "/" + "/".join(out)
    return None if path == request.path else replace(request, path=path)


def _alias_percent_2f(ctx: Context, request: Request) -> Request | None:
    path = re.sub("%252[Ff]", "%2F", request.path)  # the key's literal %2F decoded twice: now a slash
    return None if path == request.path else replace(request, path=path)


def _drop_user_metadata(ctx: Context, request: Request, response: Response) -> Response:
    return replace(response, headers={k: v for k, v in response.headers.items() if not k.startswith("x-amz-meta-")})


def _freeze_etag(ctx: Context, request: Request, response: Response) -> Response:
    if request.method not in ("PUT", "GET", "HEAD") or "etag" not in response.headers or request.query != ():
        return response
    with ctx.lock:
        first = ctx.state.setdefault(request.path, response.headers["etag"])
    return replace(response, headers={**response.headers, "etag": first})


def _delete_on_failed_put(ctx: Context, request: Request, response: Response) -> Response:
    if (
        request.method == "PUT"
        and 400 <= response.status < 500
        and request.path.count("/") >= 2
        and "x-amz-copy-source" not in request.headers
    ):
        ctx.send(Request("DELETE", request.path, (), {}, b""))
    return response


def _accept_1001_deletes(ctx: Context, request: Request) -> Request | None:
    if request.method != "POST" or not any(k == "delete" for k, _ in request.query):
        return None
    objects = re.findall(rb"<Object>.*?</Object>", request.body, flags=re.S)
    if len(objects) <= 1000:
        return None
    body = re.sub(rb"(<Object>.*?</Object>)+", b"".join(objects[:1000]), request.body, count=1, flags=re.S)
    headers = {
        k: v
        for k, v in request.headers.items()
        if not k.startswith("x-amz-checksum-") and k != "x-amz-sdk-checksum-algorithm"
    }
    headers["content-md5"] = md5_b64(body)
    return replace(request, headers=headers, body=body)


# -- version faults (the versioning and object_lock families) -------------------------------------


def _query(request: Request, name: str) -> str | None:
    return next((v for k, v in request.query if k == name), None)


def _is_object(request: Request) -> bool:
    return request.path.strip("/").count("/") >= 1


def _bucket_of(request: Request) -> str:
    return request.path.strip("/").split("/", 1)[0]


def _remember_permanent_delete(ctx: Context, request: Request, response: Response) -> None:
    version = _query(request, "versionId")
    if request.method == "DELETE" and version and _is_object(request) and response.status == 204:
        with ctx.lock:
            deleted = ctx.state.setdefault("deleted", [])
            if (request.path, version) not in deleted:
                deleted.append((request.path, version))


def _list_deleted_versions(ctx: Context, request: Request, response: Response) -> Response:
    """Versions deleted by id keep appearing in ListObjectVersions (appended after the live entries)."""
    _remember_permanent_delete(ctx, request, response)
    if (
        request.method != "GET"
        or _is_object(request)
        or _query(request, "versions") is None
        or b"<ListVersionsResult" not in response.body[:300]
    ):
        return response
    bucket = _bucket_of(request)
    with ctx.lock:
        ghosts = [
            (path, version)
            for path, version in ctx.state.get("deleted", [])
            if path.strip("/").split("/", 1)[0] == bucket
        ]
    if not ghosts:
        return response
    from urllib.parse import unquote
    from xml.sax.saxutils import escape

    entries = b"".join(
        (
            f"<Version><Key>{escape(unquote(path.strip('/').split('/', 1)[1]))}</Key><VersionId>{escape(version)}"
            "</VersionId><IsLatest>false</IsLatest><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
            '<ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass>'
            "</Version>"
        ).encode()
        for path, version in ghosts
    )
    at = response.body.find(b"<CommonPrefixes>")
    at = at if at >= 0 else response.body.rfind(b"</ListVersionsResult>")
    return replace(response, body=response.body[:at] + entries + response.body[at:])


_VERSION_ID = re.compile(rb"<VersionId>(.*?)</VersionId>", re.S)


def _promote_oldest(ctx: Context, request: Request) -> Request | None:
    """After a key lost a version by id, a plain GET/HEAD of the key answers its OLDEST version."""
    if request.method not in ("GET", "HEAD") or not _is_object(request) or request.query:
        return None
    with ctx.lock:
        touched = any(path == request.path for path, _ in ctx.state.get("deleted", []))
    if not touched:
        return None
    from urllib.parse import unquote

    bucket, key = request.path.strip("/").split("/", 1)
    listing = ctx.send(Request("GET", "/" + bucket, (("prefix", unquote(key)), ("versions", "")), {}, b""))
    versions = [
        m
        for m in re.findall(rb"<Version>(.*?)</Version>", listing.body, flags=re.S)
        if f"<Key>{unquote(key)}</Key>".encode() in m
    ]
    if len(versions) < 2:
        return None
    oldest = _VERSION_ID.search(versions[-1])
    return None if oldest is None else replace(request, query=(("versionId", oldest.group(1).decode()),))


def _delete_track(ctx: Context, request: Request, response: Response) -> Response:
    _remember_permanent_delete(ctx, request, response)
    return response


def _compliance_delete_allowed(ctx: Context, request: Request, response: Response) -> Response:
    """A refused delete of a COMPLIANCE-locked version is answered 204, as if it had been removed."""
    version = _query(request, "versionId")
    if request.method != "DELETE" or not version or response.status != 403:
        return response
    head = ctx.send(Request("HEAD", request.path, (("versionId", version),), {}, b""))
    if head.headers.get("x-amz-object-lock-mode") != "COMPLIANCE":
        return response
    return Response(204, {"x-amz-version-id": version}, b"")


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in [
        Fault(
            "range-ignored",
            "the Range header is ignored",
            "test_objects",
            "Range ignored",
            select="range",
            on_request=_drop_header("range"),
        ),
        Fault(
            "listing-truncated",
            "listings stop at 1000 keys: IsTruncated false, no token",
            "test_listing",
            "listing truncated at 1000 keys",
            select="default_page or every_page_size",
            on_response=_truncate_listing,
        ),
        Fault(
            "start-after-ignored",
            "ListObjectsV2 start-after is ignored",
            "test_listing",
            "StartAfter ignored",
            select="start_after",
            on_request=_drop_query("start-after"),
        ),
        Fault(
            "chunked-framing-stored",
            "aws-chunked framing is stored as object content",
            "test_aws_chunked",
            "aws-chunked framing stored as content",
            select="aws_chunked",
            on_request=_store_chunked_framing,
        ),
        Fault(
            "content-md5-unchecked",
            "Content-MD5 is not verified",
            "test_checksums",
            "Content-MD5 not checked",
            select="content_md5",
            on_request=_drop_header("content-md5", methods=("PUT",)),
        ),
        Fault(
            "signature-unchecked",
            "any signature is accepted",
            "test_auth",
            "wrong signature accepted",
            select="sigv4 or presigned or sigv2",
            on_request=_resign_everything,
        ),
        Fault(
            "dotdot-escapes",
            "'..' in a key is resolved as a path, escaping the bucket",
            "test_keys",
            "escaped the bucket",
            select="dotdot",
            on_request=_normalise_dot_segments,
        ),
        Fault(
            "percent-2f-aliased",
            "the key a%2Fb is aliased to a/b",
            "test_keys",
            "a%2Fb aliased to a/b",
            select="percent",
            on_request=_alias_percent_2f,
        ),
        Fault(
            "metadata-dropped",
            "user metadata (x-amz-meta-*) is dropped",
            "test_objects",
            "user metadata dropped",
            select="metadata or head_object",
            on_response=_drop_user_metadata,
        ),
        Fault(
            "etag-frozen",
            "the ETag does not change when the content changes",
            "test_objects",
            "ETag did not change when the content changed",
            select="etag or overwrite",
            on_response=_freeze_etag,
        ),
        Fault(
            "failed-put-deletes",
            "a rejected PUT deletes the previous object",
            "test_checksums",
            "a failed PUT deleted or changed the old object",
            select="failed_put or keeps_old",
            on_response=_delete_on_failed_put,
        ),
        Fault(
            "delete-1001-accepted",
            "DeleteObjects with 1001 keys is accepted",
            "test_delete_objects",
            "DeleteObjects with 1001 keys accepted",
            select="1000 or 1001",
            on_request=_accept_1001_deletes,
        ),
        Fault(
            "deleted-version-listed",
            "a version deleted by id is still listed by ListObjectVersions",
            "test_versioning",
            "a deleted version is still listed",
            select="middle_version",
            on_response=_list_deleted_versions,
        ),
        Fault(
            "wrong-version-promoted",
            "deleting the latest version promotes the oldest, not the next newest",
            "test_versioning",
            "the wrong version was promoted",
            select="promotes",
            on_request=_promote_oldest,
            on_response=_delete_track,
        ),
        Fault(
            "compliance-delete-allowed",
            "a COMPLIANCE-locked version can be deleted",
            "test_object_lock",
            "a COMPLIANCE-locked version was deleted",
            select="compliance_locked",
            on_response=_compliance_delete_allowed,
        ),
    ]
}


# -- the proxy -----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests read pytest's output
        return

    def _proxy(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        path, query = _split(self.path)
        request = Request(self.command, path, query, {k.lower(): v for k, v in self.headers.items()}, body)
        ctx, fault = self.server.context, self.server.fault
        modified = fault.on_request(ctx, request) if fault and fault.on_request else None
        if modified is not None:
            response = _forward(ctx.endpoint, _resign(ctx.endpoint, modified))
        else:
            headers = {k: v for k, v in request.headers.items() if k != "content-length"}
            framed = "content-length" in request.headers or "transfer-encoding" in request.headers
            response = _forward(ctx.endpoint, (self.command, self.path, headers, body), framed=framed)
        if fault and fault.on_response:
            response = fault.on_response(ctx, modified or request, response)
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name not in _HOP_BY_HOP:
                self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("content-length", response.headers.get("content-length", "0"))
        else:
            self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_OPTIONS = _proxy


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: Context, fault: Fault | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.fault = fault


class FaultProxy:
    """``fault`` (a name from :data:`FAULTS`, or None for a transparent proxy) in front of ``upstream``."""

    def __init__(self, upstream: Endpoint, fault: str | None) -> None:
        self.fault = FAULTS[fault] if fault is not None else None
        self._server = _ProxyServer(Context(upstream), self.fault)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self.upstream = upstream

    @property
    def endpoint(self) -> Endpoint:
        port = self._server.server_address[1]
        return Endpoint(
            f"http://127.0.0.1:{port}", self.upstream.access_key, self.upstream.secret_key, self.upstream.region
        )

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=30)
