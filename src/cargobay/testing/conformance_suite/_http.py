"""Raw, hand-signed S3 requests: what boto3 will not send (bad signatures, literal paths,
aws-chunked bodies built by hand, SigV2).

The signers here are written from the AWS documentation, independently of ``cargobay.s3``
(a shared bug could not pass on both sides):
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html (SigV2).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import quote, unquote, urlsplit

from cargobay.testing.servers import Endpoint

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"


def uri_encode(text: str, *, slash: bool = False) -> str:
    """AWS UriEncode: everything but unreserved characters, ``/`` kept when ``slash``."""
    return quote(text, safe="-_.~" + ("/" if slash else ""))


def canonical_uri(path: str) -> str:
    """The CanonicalURI of a wire path: decoded once, then every byte but unreserved ones and ``/``
    percent-encoded (S3 encodes once: sig-v4-header-based-auth.html). ``/bad!char`` signs as
    ``/bad%21char``: a server verifying the signature computes exactly that."""
    return uri_encode(unquote(path), slash=True)


def key_path(bucket: str, key: str) -> str:
    return "/" + uri_encode(bucket) + "/" + uri_encode(key, slash=True)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def code(self) -> str | None:
        """The AWS error code from an error body (None for success or an empty body)."""
        if self.status < 300 or not self.body:
            return None
        try:
            root = ET.fromstring(self.body)
        except ET.ParseError:
            return None
        node = root.find("Code")
        return node.text if node is not None else None

    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)

    def __repr__(self) -> str:
        return f"Response({self.status}, code={self.code!r}, body={self.body[:300]!r})"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str) -> bytes:
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, "s3", "aws4_request"):
        key = _hmac(key, part)
    return key


def canonical_query(params: Sequence[tuple[str, str]]) -> str:
    return "&".join(sorted(f"{uri_encode(k)}={uri_encode(v)}" for k, v in params))


@dataclass
class Signed:
    """A request ready to send: method, raw target, headers, body; plus what chunk signing needs."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    signature: str = ""
    amz_date: str = ""
    scope: str = ""
    key: bytes = b""
    extra: dict[str, str] = field(default_factory=dict)


class RawS3:
    """Send requests with exactly the path, query, headers and body given."""

    def __init__(self, endpoint: Endpoint, *, tls_verify: bool | str = True, host_header: str | None = None) -> None:
        self.endpoint = endpoint
        parts = urlsplit(endpoint.url)
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls_verify = tls_verify
        self.host_header = host_header or parts.netloc

    # -- signing --------------------------------------------------------------------------
    def sign_v4(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        payload_hash: str | None = None,
        secret: str | None = None,
        access_key: str | None = None,
        region: str | None = None,
        when: dt.datetime | None = None,
        host: str | None = None,
        date_header: bool = False,
    ) -> Signed:
        """SigV4 header auth; ``payload_hash`` defaults to the SHA-256 of ``body``. A header value
        may hold bytes that are not UTF-8 as surrogate escapes (``raw.decode("utf-8",
        "surrogateescape")``): they are signed, and sent, as those bytes. ``date_header``: the
        request time goes in an RFC 1123 ``Date`` header instead of ``x-amz-date`` (both are
        allowed, sig-v4-header-based-auth.html). ``extra`` of the result holds the
        ``canonical_request`` and ``string_to_sign``."""
        now = when or dt.datetime.now(dt.UTC)
        amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        region = region or self.endpoint.region
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        sent["host"] = host or self.host_header
        if date_header:
            sent["date"] = formatdate(now.timestamp(), usegmt=True)
        else:
            sent["x-amz-date"] = amz_date
        sent["x-amz-content-sha256"] = payload_hash or hashlib.sha256(body).hexdigest()
        names = sorted(sent)
        canonical = "\n".join(
            [
                method,
                canonical_uri(path),
                canonical_query(params),
                "".join(f"{n}:{' '.join(str(sent[n]).strip().split())}\n" for n in names),
                ";".join(names),
                sent["x-amz-content-sha256"],
            ]
        )
        scope = f"{date}/{region}/s3/aws4_request"
        digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, digest])
        key = signing_key(secret or self.endpoint.secret_key, date, region)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        sent["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={access_key or self.endpoint.access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        target = path + ("?" + canonical_query(params) if params else "")
        texts = {"canonical_request": canonical, "string_to_sign": to_sign}
        return Signed(method, target, sent, body, signature, amz_date, scope, key, texts)

    def presign_v4(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        expires: int = 300,
        when: dt.datetime | None = None,
        secret: str | None = None,
    ) -> str:
        """A presigned target (path + query), UNSIGNED-PAYLOAD, only ``host`` signed."""
        now = when or dt.datetime.now(dt.UTC)
        amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        scope = f"{date}/{self.endpoint.region}/s3/aws4_request"
        query = [
            *params,
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", f"{self.endpoint.access_key}/{scope}"),
            ("X-Amz-Date", amz_date),
            ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        canonical = "\n".join(
            [method, canonical_uri(path), canonical_query(query), f"host:{self.host_header}\n", "host", UNSIGNED]
        )
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = signing_key(secret or self.endpoint.secret_key, date, self.endpoint.region)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return path + "?" + canonical_query([*query, ("X-Amz-Signature", signature)])

    def sign_v2(
        self,
        method: str,
        path: str,
        *,
        subresource: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        secret: str | None = None,
    ) -> Signed:
        """SigV2 header auth: HMAC-SHA1 over method, Content-MD5, Content-Type, Date, amz headers, resource."""
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        sent["host"] = self.host_header
        sent["date"] = formatdate(usegmt=True)
        amz = "".join(f"{n}:{sent[n].strip()}\n" for n in sorted(sent) if n.startswith("x-amz-"))
        resource = path + (f"?{subresource}" if subresource else "")
        to_sign = "\n".join(
            [method, sent.get("content-md5", ""), sent.get("content-type", ""), sent["date"], amz + resource]
        )
        digest = hmac.new((secret or self.endpoint.secret_key).encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
        sent["authorization"] = f"AWS {self.endpoint.access_key}:{base64.b64encode(digest).decode()}"
        return Signed(method, resource, sent, body)

    # -- aws-chunked bodies ----------------------------------------------------------------
    @staticmethod
    def chunk_signature(signed: Signed, previous: str, data: bytes) -> str:
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                signed.amz_date,
                signed.scope,
                previous,
                EMPTY_SHA256,
                hashlib.sha256(data).hexdigest(),
            ]
        )
        return hmac.new(signed.key, to_sign.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def trailer_signature(signed: Signed, previous: str, trailer: bytes) -> str:
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256-TRAILER", signed.amz_date, signed.scope, previous, hashlib.sha256(trailer).hexdigest()]
        )
        return hmac.new(signed.key, to_sign.encode(), hashlib.sha256).hexdigest()

    def signed_chunked(
        self,
        path: str,
        chunks: Sequence[bytes],
        *,
        headers: Mapping[str, str] | None = None,
        trailer: tuple[str, str] | None = None,
        corrupt_chunk: int | None = None,
    ) -> Signed:
        """An aws-chunked PUT with per-chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER])."""
        total = sum(len(c) for c in chunks)
        hdrs = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(total), **(headers or {})}
        mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        if trailer is not None:
            mode += "-TRAILER"
            hdrs["x-amz-trailer"] = trailer[0]
        # Content-Length is signed too in AWS's examples; compute the framing first with fake sigs.
        frames = self._signed_frames(chunks, "0" * 64, None, trailer, corrupt_chunk)
        hdrs["content-length"] = str(len(frames))
        signed = self.sign_v4("PUT", path, headers=hdrs, payload_hash=mode)
        signed.body = self._signed_frames(chunks, signed.signature, signed, trailer, corrupt_chunk)
        return signed

    def _signed_frames(
        self,
        chunks: Sequence[bytes],
        seed: str,
        signed: Signed | None,
        trailer: tuple[str, str] | None,
        corrupt_chunk: int | None,
    ) -> bytes:
        out = bytearray()
        previous = seed
        for index, data in enumerate([*chunks, b""]):
            sig = self.chunk_signature(signed, previous, data) if signed else "0" * 64
            if index == corrupt_chunk:
                sig = ("1" if sig[0] != "1" else "2") + sig[1:]
            previous = sig
            out += f"{len(data):x};chunk-signature={sig}\r\n".encode() + data
            if data or trailer is None:
                out += b"\r\n"
        if trailer is not None:
            line = f"{trailer[0]}:{trailer[1]}".encode()
            tsig = self.trailer_signature(signed, previous, line + b"\n") if signed else "0" * 64
            out += line + b"\r\n" + f"x-amz-trailer-signature:{tsig}\r\n\r\n".encode()
        return bytes(out)

    def unsigned_trailer(
        self, path: str, chunks: Sequence[bytes], trailer: tuple[str, str], *, headers: Mapping[str, str] | None = None
    ) -> Signed:
        """An aws-chunked PUT without chunk signatures and a checksum trailer
        (STREAMING-UNSIGNED-PAYLOAD-TRAILER, what SDKs send over HTTPS)."""
        out = bytearray()
        for data in chunks:
            out += f"{len(data):x}\r\n".encode() + data + b"\r\n"
        out += f"0\r\n{trailer[0]}:{trailer[1]}\r\n\r\n".encode()
        total = sum(len(c) for c in chunks)
        hdrs = {
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(total),
            "x-amz-trailer": trailer[0],
            "content-length": str(len(out)),
            **(headers or {}),
        }
        signed = self.sign_v4("PUT", path, headers=hdrs, payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        signed.body = bytes(out)
        return signed

    # -- sending ----------------------------------------------------------------------------
    def _connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        if self.scheme == "https":
            context = ssl.create_default_context()
            if self.tls_verify is False:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif isinstance(self.tls_verify, str):
                context.load_verify_locations(self.tls_verify)
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def send(
        self,
        request: Signed | str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        timeout: float = 60,
        add_length: bool = True,
    ) -> Response:
        """Send a :class:`Signed` request, or an unsigned ``method target``; TimeoutError when no
        answer comes within ``timeout`` seconds. A PUT or POST without a ``content-length`` header
        gets one, unless ``add_length`` is false (a request that sends none)."""
        if isinstance(request, str):
            request = Signed(
                method, request, {"host": self.host_header, **{k.lower(): v for k, v in (headers or {}).items()}}, body
            )
        conn = self._connection(timeout)
        try:
            conn.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
            hdrs = dict(request.headers)
            if add_length and "content-length" not in hdrs and (request.body or request.method in ("PUT", "POST")):
                hdrs["content-length"] = str(len(request.body))
            for name, value in hdrs.items():
                conn.putheader(name, _wire(value))
            conn.endheaders(request.body or None)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def request(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        **sign: object,
    ) -> Response:
        """Sign with SigV4 (header) and send."""
        return self.send(self.sign_v4(method, path, params, headers=headers, body=body, **sign))  # type: ignore[arg-type]


def _wire(value: str) -> str | bytes:
    """A header value as sent: its bytes when it carries surrogate escapes (see ``sign_v4``),
    else the text, which http.client sends as Latin-1."""
    if any("\udc80" <= c <= "\udcff" for c in value):
        return value.encode("utf-8", "surrogateescape")
    return value


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
