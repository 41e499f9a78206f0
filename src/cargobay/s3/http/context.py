"""What a handler gets: the parsed request (bucket, key, query, headers) and the server's services.

Path-style addressing: ``/<bucket>/<key>``. The key is the raw path after the bucket, percent-
decoded exactly once (``a%252Fb`` is the key ``a%2Fb``; ``a%2Fb`` is ``a/b``, as in AWS) and never
normalised: ``..`` and empty segments are part of the key.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from cargobay.s3.access import Principal
from cargobay.s3.auth import AuthResult
from cargobay.s3.errors import InvalidURI, RequestTimeout
from cargobay.s3.http.iopool import IOPool
from cargobay.s3.http.log_delivery import ServerLogs
from cargobay.s3.identity import Directory, Identity, directory_of
from cargobay.s3.store import ObjectStore

T = TypeVar("T")


@dataclass(frozen=True)
class ServeConfig:
    """Everything the server needs, built by the CLI or a test and passed down."""

    root: str
    host: str = "127.0.0.1"
    port: int = 9000
    region: str = "us-east-1"
    credentials: dict[str, str] = field(default_factory=dict)  # access key -> secret key
    users: dict[str, str] = field(default_factory=dict)  # access key -> user name (default: the key)
    default_owner: str | None = None  # owner of buckets that were directories before the server ran
    auth: bool = True
    durable: bool = True
    sse_s3: bool = False  # the disk is the encryption at rest: SSE-S3 accepted and reported (guarantees.py)
    follow_symlinks: bool = False  # serve files that symlinks in the tree point to (reads only)
    small_body_limit: int = 1 << 20  # bodies up to this size are read in one go
    tls_cert: str | None = None  # PEM paths; both set = serve HTTPS
    tls_key: str | None = None
    domain: str | None = None  # virtual-hosted-style: <bucket>.<domain>
    io_threads: int = 16
    idle_timeout: float = 20.0  # a request body that sends nothing this long gets RequestTimeout (AWS: ~20 s)
    max_header_bytes: int = 8192  # AWS limits the request header section to 8 KB
    min_part_size: int = 5 << 20  # multipart: EntityTooSmall for a smaller part that is not the last
    upload_expiry: float = 7 * 86400.0  # seconds after which an unfinished multipart upload is removed
    # user name -> display name, email and canonical id given in the users file (the rest generated)
    profiles: dict[str, Identity] = field(default_factory=dict)
    lifecycle_interval: float = 3600.0  # seconds between lifecycle sweeps (0: never sweep)
    log_delivery_interval: float = 60.0  # seconds between server access log deliveries (0: at shutdown, or 4 MiB)
    console: bool = False  # the web console at /_cargobay/console/ (the CLI turns it on on loopback)
    console_idle_timeout: float = 1800.0  # seconds without a console call after which its session ends

    def user_of(self, access_key: str) -> str:
        return self.users.get(access_key, access_key)

    @cached_property
    def directory(self) -> Directory:
        """Every known user's identity (see s3/identity.py)."""
        names = [self.user_of(key) for key in self.credentials]
        if self.default_owner is not None:
            names.append(self.default_owner)
        if not self.auth:  # everyone's identity: known, not generated (hashed) again per request
            names.append(self._unauthenticated_user)
        return directory_of(names + list(self.profiles), self.profiles)

    def identity(self, user: str | None) -> Identity:
        """The identity of a user name; with authentication off, everyone is the default owner."""
        if user is None and not self.auth:
            user = self._unauthenticated_user
        return self.directory.by_name(user)

    @property
    def _unauthenticated_user(self) -> str:
        return self.default_owner or "cargobay"


@dataclass
class Services:
    """Long-lived objects shared by every request."""

    config: ServeConfig
    store: ObjectStore
    executor: IOPool
    internal_errors: int = 0  # responses that were 500: each one is a bug (tests assert zero)
    cache: dict[str, Any] = field(default_factory=dict)  # per-bucket settings read from the store
    clock: Callable[[], float] = time.time  # what "now" is to the lifecycle sweeper (tests inject one)
    streaming: int = 0  # request bodies streaming now (body.stream_into); only the event loop changes it
    # access key (None: anonymous) -> the caller as access decisions see it (access.principal_of)
    principals: dict[str | None, Principal] = field(default_factory=dict)
    # server access logging: the configurations in force and the records not yet delivered
    server_logs: ServerLogs = field(init=False)

    def __post_init__(self) -> None:
        self.server_logs = ServerLogs(self.config.region, self.config.log_delivery_interval)

    async def receive(self, read: Awaitable[bytes]) -> bytes:
        """Await a read of the request body, or answer RequestTimeout if the client goes quiet."""
        try:
            return await asyncio.wait_for(read, self.config.idle_timeout)
        except TimeoutError:
            raise RequestTimeout() from None

    async def run(self, fn: Callable[..., T], *args: Any, on_abandoned: Callable[[T], object] | None = None) -> T:
        """Run blocking store work on the I/O thread pool (one hop there and back: iopool.py).

        ``on_abandoned``: for a call whose result owns resources (an open descriptor, a temp
        file...), what gives them back if this task is cancelled before it has the result in
        hand; the pool then calls it on a worker instead of dropping the result."""
        if on_abandoned is None:
            return await self.executor.run(fn, *args)
        return await self.executor.owned(fn, *args, on_abandoned=on_abandoned)


@dataclass
class RequestContext:
    request: web.Request
    services: Services
    request_id: str
    raw_path: str
    raw_query: str
    bucket: str | None
    key: str | None
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ","
    access_key: str | None = None
    auth: AuthResult | None = None  # set by the app before routing: payload hash, body framing
    vhost: bool = False  # the bucket came from the Host header (virtual-hosted style)
    continued: bool = False  # the body was asked for: 100 Continue sent if expected (continue_body)

    async def continue_body(self) -> None:
        """Called before the first read of the body: sends ``100 Continue`` to a client that
        waits for it (``Expect: 100-continue``). Sent this late, a request refused on its line and
        headers (authentication, access, a malformed or too-large header value, metadata, a
        declared size over the limit) is answered before its body is sent, as S3 does
        (RESTObjectPUT.html, Expect: "If the message is rejected based on the headers, the body of
        the message is not sent"; RFC 9110 section 10.1.1)."""
        if self.continued:
            return
        self.continued = True
        request = self.request
        if request.version == (1, 1) and self.headers.get("expect", "").lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the final response is measured from here

    @property
    def resource(self) -> str:
        return self.raw_path

    @property
    def store(self) -> ObjectStore:
        return self.services.store

    @property
    def method(self) -> str:
        return self.request.method


_REQUEST_PREFIX = secrets.token_hex(4).upper()
_request_counter = itertools.count(1)


def new_request_id() -> str:
    """Unique per process run: a random prefix and a counter (no entropy read per request)."""
    return f"{_REQUEST_PREFIX}{next(_request_counter):08X}"


def split_target(raw_target: str) -> tuple[str, str]:
    path, _, query = raw_target.partition("?")
    return path, query


def parse_path(raw_path: str) -> tuple[str | None, str | None]:
    """(bucket, key) from a path-style request path; key None for bucket-level requests."""
    if not raw_path.startswith("/"):
        raise InvalidURI()
    rest = raw_path[1:]
    if not rest:
        return None, None
    bucket_raw, slash, key_raw = rest.partition("/")
    try:
        bucket = unquote(bucket_raw, errors="strict")
        key = unquote(key_raw, errors="strict") if key_raw else None
    except UnicodeDecodeError:
        raise InvalidURI() from None
    if not slash or key is None:
        return bucket, None
    return bucket, key


def vhost_bucket(host: str, domain: str | None) -> str | None:
    """The bucket named by a virtual-hosted-style Host (``bucket.<domain>[:port]``), else None."""
    if not domain or not host:
        return None
    name = host.lower()
    if name.startswith("["):
        return None  # an IPv6 literal is never a bucket host
    name = name.rsplit(":", 1)[0] if ":" in name else name
    suffix = "." + domain.lower().rstrip(".")
    if name.endswith(suffix) and len(name) > len(suffix):
        return name[: -len(suffix)]
    return None


def parse_vhost_path(raw_path: str, bucket: str) -> tuple[str, str | None]:
    """(bucket, key) for a virtual-hosted request: the whole path is the key."""
    if not raw_path.startswith("/"):
        raise InvalidURI()
    key_raw = raw_path[1:]
    if not key_raw:
        return bucket, None
    try:
        return bucket, unquote(key_raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidURI() from None


def parse_query(raw_query: str) -> dict[str, str]:
    if not raw_query:
        return {}  # most object requests: no query to parse
    try:
        return dict(parse_qsl(raw_query, keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidURI() from None


def lower_headers(request: web.Request) -> dict[str, str]:
    items = request.headers.items()
    headers = {name.lower(): value for name, value in items}
    if len(headers) == len(items):
        return headers  # no repeated header (the usual case): one pass
    headers = {}
    for name, value in items:
        lname = name.lower()
        headers[lname] = f"{headers[lname]},{value}" if lname in headers else value
    return headers
