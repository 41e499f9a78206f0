"""Hostile input: Hypothesis-generated raw HTTP requests against the real ``cargobay serve``.

Requests are written byte by byte on a raw socket to 127.0.0.1: any method, request targets in
every encoding (percent-encoded bytes, overlong UTF-8, double encoding, dot segments, backslashes,
NUL, absolute form, 8 KiB paths), malformed query strings, duplicate and oversized headers,
hostile XML (entity expansion, external entities, deep nesting, not XML at all), broken
aws-chunked framing, bodies shorter or longer than declared, and clients that send slowly. Some
are signed with botocore's SigV4 signer over the exact raw target so they reach the handlers;
the rest go unsigned (or signed and then tampered with).

Properties: never a 500 (a 500 is a bug in the server's error mapping), never a traceback on the
wire, the server process never exits, no file outside the data directory is created, changed or
removed, and afterwards the server still answers a normal request correctly.

A complete request that gets neither an answer nor a close within 2 s (1 s, then a half-close,
then 1 s) is counted and printed as "hung" but does not fail the test: aiohttp keeps some
half-closed connections with conflicting framing (duplicate Content-Length, broken chunked
bodies) open until its own timeouts; bounding that is the request-limits work, not this test.

Default run: 1,000 requests; ``HYPOTHESIS_PROFILE=long``: 12,000 (``CARGOBAY_HOSTILE_REQUESTS``
overrides).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import SubprocessServer

pytestmark = pytest.mark.reliability

BUCKET = "hostile"
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
REQUESTS = int(os.environ.get("CARGOBAY_HOSTILE_REQUESTS") or (12_000 if LONG else 1_000))

# -- the request model ------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRequest:
    method: str
    target: str  # the request target, byte for byte (latin-1 on the wire)
    headers: tuple[tuple[str, str], ...]
    body: bytes
    sign: bool
    declared_length: int | None  # Content-Length sent (None: none, or chunked framing in headers)
    tamper: bool = False  # change a header after signing
    slow: bool = False  # send in small pieces with pauses
    streaming_sha: str | None = None  # x-amz-content-sha256 to sign with (aws-chunked variants)
    extra_headers: tuple[tuple[str, str], ...] = field(default=())  # added after signing (duplicates...)
    complete: bool = True  # False: the framing promises more bytes than are sent


SEGMENTS = [
    "k",
    "a/b",
    "..",
    ".",
    "%2e%2e",
    "%2E%2E%2F",
    "..%2f..%2fsentinel.txt",
    "%c0%ae%c0%ae",
    "%252e%252e",
    "%00",
    "%ff%fe",
    "%e2%82%ac",
    "€",
    "\\..\\",
    "%5c",
    "a%2Fb",
    "",
    "%",
    "%zz",
    "%2",
    "~",
    "a b",
    "%20",
    ".cargobay",
    ".cargobay-tmp-x",
    "..%00",
    "%f0%9f%92%a9",
    "%ed%a0%80",
    "?",
    "#frag",
    ";param",
    "*",
    "CON",
    "x" * 300,
]
QUERY_PARTS = [
    "acl",
    "tagging",
    "uploads",
    "uploadId=0000000000000000000000000000000a",
    "uploadId=../../x",
    "partNumber=1",
    "partNumber=-1",
    "partNumber=99999999999999999999",
    "versionId=null",
    "versionId=%00",
    "delete",
    "list-type=2",
    "max-keys=-1",
    "max-keys=abc",
    "max-keys=99999999999999999999",
    "continuation-token=garbage",
    "continuation-token=%ff",
    "prefix=%",
    "prefix=a%2F",
    "delimiter=",
    "delimiter=%00",
    "encoding-type=url",
    "encoding-type=evil",
    "start-after=%ff%ff",
    "marker=..",
    "=",
    "&&",
    "a=%zz",
    "=b",
    "acl=&acl",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256",
    "X-Amz-Credential=%2F%2F%2F",
    "X-Amz-Expires=-5",
    "X-Amz-Signature=00",
    "X-Amz-Date=garbage",
    "response-content-type=%0d%0aX:%20y",
    "uploads&prefix=" + "p" * 2000,
    "cors",
    "policy",
    "versions",
    "location",
    "lifecycle",
    "website",
    "x-id=GetObject",
    "torrent",
    "select&select-type=2",
]
METHODS = [
    "GET",
    "PUT",
    "POST",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "PATCH",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "get",
    "G\x7fT",
    "X" * 40,
]

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]><Delete><Object><Key>&lol9;</Key></Object></Delete>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<Delete><Object><Key>&xxe;</Key></Object></Delete>"
)
XXE_PARAM = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd">%p;]>'
    b"<Tagging><TagSet/></Tagging>"
)
XML_BODIES = [
    LAUGHS,
    XXE,
    XXE_PARAM,
    b"<" * 5000,
    b"<a>" * 20000 + b"</a>" * 20000,
    b"<Delete>",
    b"\xff\xfe<\x00",
    b'<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    b"<CompleteMultipartUpload><Part><PartNumber>99999999999999999999999</PartNumber></Part></CompleteMultipartUpload>",
    b"<Tagging><TagSet>" + b"<Tag><Key>k</Key><Value>v</Value></Tag>" * 60 + b"</TagSet></Tagging>",
    b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1100 + b"</Delete>",
    b"<CORSConfiguration><CORSRule><AllowedMethod>EVIL</AllowedMethod></CORSRule></CORSConfiguration>",
    b"<?xml version='1.0' encoding='utf-32'?><a/>",
    b"",
    b"not xml at all",
    b"<Delete xmlns='http://s3.amazonaws.com/doc/2006-03-01/'><Object><Key>../../sentinel.txt</Key></Object></Delete>",
]
CHUNKED_BODIES = [
    b"5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\n\r\n",
    b"zz\r\nhello\r\n0\r\n\r\n",
    b"ffffffffffffffffff\r\nx\r\n",
    b"5\r\nhel",
    b"-1\r\n\r\n",
    b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
    b"5\r\nhello0\r\n\r\n",
    b"3;chunk-signature=" + b"a" * 5000 + b"\r\nabc\r\n0\r\n\r\n",
    b"\r\n\r\n\r\n",
]
HEADER_VALUES = [
    "",
    "0",
    "-1",
    "bytes=0-0",
    "bytes=5-1",
    "bytes=-",
    "bytes=0-99999999999999999999",
    "bytes=0-1,2-3",
    '"abc"',
    "*",
    "garbage\tvalue",
    "x" * 10000,
    "\u00e9",
    "/hostile/k",
    "/hostile/../../sentinel.txt",
    "hostile/k?versionId=%00",
    "%2e%2e/%2e%2e/etc/passwd",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "99999999999999999999",
    "AAAA",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
]
HEADER_NAMES = [
    "Range",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "Content-MD5",
    "x-amz-copy-source",
    "x-amz-copy-source-range",
    "x-amz-checksum-crc32",
    "x-amz-checksum-sha256",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-checksum-algorithm",
    "x-amz-meta-a",
    "x-amz-tagging",
    "x-amz-metadata-directive",
    "x-amz-decoded-content-length",
    "Content-Encoding",
    "Content-Type",
    "x-amz-trailer",
    "Expect",
    "Origin",
    "Access-Control-Request-Method",
    "x-amz-acl",
    "x-amz-storage-class",
    "x-amz-server-side-encryption",
    "Authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "Transfer-Encoding",
    "Host",
    "Content-Length",
    "x-amz-mp-parts-count",
]


@st.composite
def raw_requests(draw: st.DrawFn) -> RawRequest:
    method = draw(st.sampled_from(METHODS[:6]) | st.sampled_from(METHODS))
    segments = draw(
        st.lists(
            st.sampled_from(SEGMENTS)
            | st.text(max_size=8).map(lambda t: "".join(f"%{b:02X}" for b in t.encode("utf-8", "surrogatepass"))),
            max_size=5,
        )
    )
    bucket = draw(st.sampled_from([BUCKET, BUCKET, "", "..", "nosuchbucket", "A_B", "%2e%2e", ".cargobay", "x" * 70]))
    path = "/" + "/".join([bucket, *segments]) if segments or bucket else "/"
    path = draw(
        st.sampled_from(["{p}", "{p}", "{p}", "http://127.0.0.1{p}", "*", "{p}/", "//{p}", "{p}" + "a" * 8192])
    ).format(p=path)
    if draw(st.booleans()):
        path += "?" + "&".join(draw(st.lists(st.sampled_from(QUERY_PARTS), min_size=1, max_size=4)))
    headers: list[tuple[str, str]] = []
    for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=4)):
        headers.append((name, draw(st.sampled_from(HEADER_VALUES))))
    body_kind = draw(st.sampled_from(["none", "bytes", "xml", "chunked", "none", "bytes"]))
    body = b""
    streaming = None
    if body_kind == "bytes":
        body = (
            draw(st.binary(max_size=2048))
            if draw(st.booleans())
            else os.urandom(draw(st.sampled_from([0, 1, 65536, 300_000])))
        )
    elif body_kind == "xml":
        body = draw(st.sampled_from(XML_BODIES))
        if draw(st.booleans()):
            headers.append(("Content-MD5", _md5_b64(body)))
    elif body_kind == "chunked":
        body = draw(st.sampled_from(CHUNKED_BODIES))
        streaming = draw(
            st.sampled_from(
                [
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                    None,
                ]
            )
        )
        headers.append(("Content-Encoding", "aws-chunked"))
        headers.append(("x-amz-decoded-content-length", str(draw(st.sampled_from([0, 5, 3, 10**12])))))
        if draw(st.booleans()):
            headers.append(("x-amz-trailer", "x-amz-checksum-crc32"))
    framing = draw(st.sampled_from(["exact", "exact", "exact", "short", "long", "none", "chunked-te"]))
    declared: int | None = len(body)
    if framing == "short":
        declared = len(body) + draw(st.integers(1, 100_000))
    elif framing == "long":
        declared = max(0, len(body) - draw(st.integers(1, 10)))
    elif framing == "none":
        declared = None
    elif framing == "chunked-te":
        declared = None
        headers.append(("Transfer-Encoding", "chunked"))
        body = draw(st.sampled_from([b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n", b"5\r\nhel", body]))
    complete = framing != "short" and not (framing == "chunked-te" and not body.endswith(b"0\r\n\r\n"))
    extra = []
    if draw(st.integers(0, 9)) == 0:
        extra.append((draw(st.sampled_from(["Content-Length", "Host", "Authorization", "x-amz-date"])), "7"))
    if draw(st.integers(0, 19)) == 0:
        extra.extend((f"x-amz-meta-h{i}", "v" * 100) for i in range(200))
    if draw(st.integers(0, 19)) == 0:
        extra.append(("x-amz-meta-big", "b" * 20000))  # above the server's 16 KiB field limit
    return RawRequest(
        method=method,
        target=path,
        headers=tuple(headers),
        body=body,
        sign=draw(st.integers(0, 3)) > 0,
        declared_length=declared,
        tamper=draw(st.integers(0, 9)) == 0,
        slow=draw(st.integers(0, 49)) == 0,
        streaming_sha=streaming,
        extra_headers=tuple(extra),
        complete=complete,
    )


def _md5_b64(body: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.md5(body).digest()).decode()


# -- sending ----------------------------------------------------------------------------------


class _Signer(S3SigV4Auth):  # type: ignore[misc]  # botocore is untyped
    """botocore's SigV4 signer, with the payload hash chosen by the test (streaming variants)."""

    def __init__(self, credentials: Credentials, region: str, payload_hash: str | None) -> None:
        super().__init__(credentials, "s3", region)
        self._payload_hash = payload_hash

    def payload(self, request: Any) -> str:
        if self._payload_hash is not None:
            return self._payload_hash
        return str(super().payload(request))


class Target:
    """The served directory, its sandbox, the server process, and what was seen."""

    def __init__(self, sandbox: Path) -> None:
        self.sandbox = sandbox
        self.root = sandbox / "data"
        self.server = SubprocessServer(str(self.root))
        self.statuses: Counter[int | str] = Counter()
        self.failures: list[str] = []
        self.crashes = 0
        self.sent = 0
        self.wedged = False
        self.hung: list[str] = []  # neither answered nor closed 1 s after the client's half-close

    def start(self) -> None:
        self.server.start()

    def ensure_alive(self) -> None:
        assert self.server.process is not None
        if self.server.process.poll() is not None:
            self.crashes += 1
            self.server.stop()
            self.server.start()

    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def encode(self, req: RawRequest) -> bytes:
        headers = [("Host", self.host()), *req.headers]
        if req.declared_length is not None:
            headers.append(("Content-Length", str(req.declared_length)))
        if req.sign:
            url = f"http://{self.host()}{req.target}" if req.target.startswith("/") else f"http://{self.host()}/"
            aws = AWSRequest(method=req.method, url=url, data=req.body, headers=dict(headers))
            aws.url = url  # botocore would normalise the path: sign exactly what is sent
            try:
                _Signer(
                    Credentials(self.server.access_key, self.server.secret_key), "us-east-1", req.streaming_sha
                ).add_auth(aws)
                headers = list(aws.headers.items())
            except Exception:  # botocore cannot sign every hostile request: send it unsigned
                pass
        if req.tamper:
            headers = [(n, v + "x") if n.lower() == "x-amz-date" else (n, v) for n, v in headers]
        headers += list(req.extra_headers)
        head = f"{req.method} {req.target} HTTP/1.1\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
        head += "Connection: close\r\n\r\n"
        return head.encode("utf-8", "surrogateescape") + req.body

    def send(self, req: RawRequest) -> tuple[int | str, bytes]:
        """Send one request; (status or a description of how the connection ended, response bytes).

        The write side is closed only when the request is incomplete (aiohttp treats a
        half-close as the client going away and drops the request), or when the server has not
        answered a complete request within a few seconds; a server that then still neither
        answers nor closes is ``"hung"`` (reported, not failed: see the module docstring)."""
        data = self.encode(req)
        self.sent += 1
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as sock:
            shut = False
            try:
                if req.slow:
                    step = max(1, len(data) // 4)
                    for i in range(0, len(data), step):
                        sock.sendall(data[i : i + step])
                        time.sleep(0.02)
                else:
                    sock.sendall(data)
                if not req.complete:
                    with contextlib.suppress(OSError):  # already closed by the server: that is an answer
                        sock.shutdown(socket.SHUT_WR)
                    shut = True
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early and closed (oversized headers): read what it said
            chunks: list[bytes] = []
            # Loopback answers take milliseconds. An incomplete request may legitimately be
            # left waiting for its body: give it a moment after the half-close, then abandon it.
            # A complete one gets 1 s, then a half-close and 1 s more before it counts as hung.
            sock.settimeout(0.3 if shut else 1.0)
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                except TimeoutError:
                    if shut:
                        return ("abandoned" if not req.complete else "hung"), b"".join(chunks)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)
                    shut = True
                    sock.settimeout(1.0)
                    continue
                if not chunk:
                    break
                chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw:
            return "closed", raw
        try:
            return int(raw.split(b" ", 2)[1]), raw
        except (IndexError, ValueError):
            return "unparsable", raw


def _short(req: RawRequest) -> str:
    """A request's repr with long values elided (failure messages stay readable)."""
    return re.sub(r"([^'\\]{40})[^'\\]{40,}", r"\1...", repr(req))


def _snapshot(sandbox: Path, root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file in the sandbox outside the data directory: size, mtime, content hash."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(sandbox):
        if Path(dirpath) == root.parent:
            dirnames[:] = [d for d in dirnames if Path(dirpath, d) != root]
        for name in filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            result[str(path)] = (st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return result


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    sandbox = tmp_path / "sandbox"
    (sandbox / "data").mkdir(parents=True)
    for name in ("sentinel.txt", "etc/passwd", "hostile/k", "hostile/sentinel.txt"):
        (sandbox / name).parent.mkdir(parents=True, exist_ok=True)
        (sandbox / name).write_bytes(b"must not change: " + name.encode())
    t = Target(sandbox)
    t.start()
    try:
        yield t
    finally:
        t.server.stop()


def _hammer(target: Target, requests: int) -> dict[str, tuple[int, int, str]]:
    """Send ``requests`` generated requests; assert no 500, no traceback, no exit. Stops sending
    once 5 requests in a row hung (the server is wedged; more would only cost time)."""
    client = boto3_client(target.server.endpoint)
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="k", Body=b"known")
    before = _snapshot(target.sandbox, target.root)
    streak = [0]

    @settings(
        max_examples=requests,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )
    @given(req=raw_requests())
    def one(req: RawRequest) -> None:
        if streak[0] >= 5:
            target.wedged = True
            return
        target.ensure_alive()
        status, raw = target.send(req)
        target.statuses[status] += 1
        streak[0] = streak[0] + 1 if status == "hung" else 0
        assert target.server.process is not None
        alive = target.server.process.poll() is None
        if status == "hung":
            target.hung.append(_short(req)[:300])
        if status == 500 or b"Traceback" in raw or not alive or status == "unparsable":
            target.failures.append(f"{status} alive={alive} {req!r}")
        shown = _short(req)
        assert alive, f"the server exited on {shown}"
        assert status != 500, f"500 on {shown}: {raw[:600]!r}"
        assert b"Traceback" not in raw, f"traceback on the wire for {shown}"
        assert status != "unparsable", f"{status} for {shown}: {raw[:300]!r}"

    try:
        one()
    finally:
        print(
            f"hostile input: {target.sent} requests, statuses {dict(target.statuses)}, "
            f"crashes {target.crashes}, failures {len(target.failures)}, hung {len(target.hung)}, "
            f"wedged {target.wedged}"
        )
        for line in target.hung[:3]:
            print(f"  hung: {line}")
    assert target.crashes == 0
    return before


def test_hostile_raw_requests_never_500_never_crash_never_escape(target: Target) -> None:
    before = _hammer(target, REQUESTS)
    assert _snapshot(target.sandbox, target.root) == before, "a file outside the data directory changed"
    answered = [s for s in target.statuses if isinstance(s, int)]
    assert 403 in answered and any(s < 300 or s in (400, 404) for s in answered), dict(target.statuses)


def test_hostile_server_still_answers_normal_requests_afterwards(target: Target) -> None:
    _hammer(target, min(REQUESTS, 300))
    assert not target.wedged, "the server stopped answering during the run"
    client = boto3_client(target.server.endpoint, read_timeout=10, connect_timeout=5)
    assert client.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"known"
    client.put_object(Bucket=BUCKET, Key="after", Body=b"after")
    assert client.get_object(Bucket=BUCKET, Key="after")["Body"].read() == b"after"
