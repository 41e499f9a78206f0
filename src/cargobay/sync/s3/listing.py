"""Listing an S3 prefix without botocore: signed ``ListObjectsV2`` GETs over one keep-alive connection.

This module owns the request, transport and parsing of a bucket listing for the sync. It exists
for speed, and only for the listing: a no-change re-sync of 10,000 files is ten listing pages and
nothing else, and botocore costs more than those pages - about 0.15 s to import and build a
client, and about 0.2 ms per key in its response parser. Here a page is signed with
:mod:`cargobay.s3.signing`, sent on a persistent :mod:`http.client` connection, and parsed
with ElementTree (expat, on the bytes; a real XML parser, no regex). Everything else the sync
does with S3 (HEAD, PUT, multipart, GET, DELETE) goes through botocore, created on first use.

Decisions:

* Keys are asked for URL-encoded (``encoding-type=url``), so a key with characters XML 1.0
  cannot carry still arrives intact; a server that ignores the parameter is read as plain.
* A page is requested with ``start-after`` and ``continuation-token`` exactly as a paginator
  does: the next page resumes from the server's token, never from a guess.
* Transient failures (connection reset or refused, a timeout, HTTP 500/503) are retried with
  a fresh connection and exponential backoff; what remains is :class:`ListingFailed` with
  ``first_page`` telling the caller whether nothing was listed yet (it may then try botocore,
  which handles region redirects and proxies) or half a listing exists (which must fail).
* The credentials are asked for per page (``credentials()``), so refreshable credentials
  handed over from botocore stay valid through a long listing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple, cast
from urllib.parse import unquote_plus, urlsplit

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from cargobay.s3.signing import Credentials

# ElementTree (with pyexpat) and the signing code are imported where they are first used: a
# process that only hands an early listing to a forked child (the command line) never needs them.

__all__ = ["ListingClient", "ListingFailed", "PageResult", "parse_list_page"]

PAGE_SIZE = 1000
_RETRY_STATUS = frozenset({500, 502, 503, 504})


class HTTPProtocolError(ConnectionError):
    """The server's answer was not well-formed HTTP (or was cut short): retried like a reset."""


class _Connection:
    """One keep-alive :mod:`http.client` connection (plain or TLS) whose protocol errors are
    raised as :class:`HTTPProtocolError` (a :class:`ConnectionError`), so every transport failure
    is one kind of retryable error. The body is read at once, so errors surface in
    :meth:`getresponse`."""

    def __init__(self, host: str, port: int | None, *, tls: bool, timeout: float, ca_bundle: str | None) -> None:
        import http.client

        self._http = http.client
        self._conn: http.client.HTTPConnection
        if tls:
            import ssl

            context = ssl.create_default_context(cafile=ca_bundle)
            self._conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        else:
            self._conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method: str, url: str, headers: dict[str, str]) -> None:
        try:
            self._conn.request(method, url, headers=headers)
        except self._http.HTTPException as exc:
            raise HTTPProtocolError(f"{type(exc).__name__}: {exc}") from exc

    def request_body(self, method: str, url: str, headers: dict[str, str], body: bytes) -> None:
        try:
            self._conn.request(method, url, body=body, headers=headers)
        except self._http.HTTPException as exc:
            raise HTTPProtocolError(f"{type(exc).__name__}: {exc}") from exc

    def getresponse(self) -> tuple[int, bytes]:
        return self.getresponse_with_header("")[::2]

    def getresponse_with_header(self, name: str) -> tuple[int, str, bytes]:
        """(status, the value of header ``name`` or "", body)."""
        try:
            response = self._conn.getresponse()
            value = response.getheader(name, "") if name else ""
            return response.status, value, response.read()
        except self._http.HTTPException as exc:
            raise HTTPProtocolError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()


class ListingFailed(Exception):
    """A page could not be had. ``status``/``code``: the server's answer, when there was one."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class PageResult(NamedTuple):
    """One parsed page: ``(key, size, etag, last_modified)`` rows in listing order."""

    rows: list[tuple[str, int, str, str]]
    truncated: bool
    next_token: str | None


def parse_list_page(body: bytes) -> PageResult:
    """Parse a ``ListBucketResult`` (v2) body; raises :class:`ET.ParseError` on malformed XML.

    The namespace is taken from the root element, so a server that answers without the S3
    namespace is read too. Keys are URL-decoded when the body says ``EncodingType=url``.
    """
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    tag = root.tag
    ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
    t_contents, t_key, t_size = ns + "Contents", ns + "Key", ns + "Size"
    t_etag, t_mod = ns + "ETag", ns + "LastModified"
    raw: list[tuple[str, str, str, str]] = []
    append = raw.append
    truncated = False
    url_encoded = False
    token: str | None = None
    for child in root:
        ctag = child.tag
        if ctag == t_contents:
            key = size = etag = mod = ""
            for field in child:
                ftag = field.tag
                if ftag == t_key:
                    key = field.text or ""
                elif ftag == t_size:
                    size = field.text or ""
                elif ftag == t_etag:
                    etag = field.text or ""
                elif ftag == t_mod:
                    mod = field.text or ""
            append((key, size, etag, mod))
        elif ctag == ns + "IsTruncated":
            truncated = (child.text or "").strip().lower() == "true"
        elif ctag == ns + "NextContinuationToken":
            token = child.text
        elif ctag == ns + "EncodingType":
            url_encoded = (child.text or "") == "url"
    # unquote_plus() changes only keys with "%" or "+": one scan of all the keys tells whether
    # any of them needs it (usually none does).
    if url_encoded and any(c in "".join([r[0] for r in raw]) for c in "%+"):
        rows = [(unquote_plus(k), int(s or 0), e, m) for k, s, e, m in raw]
    else:
        rows = [(k, int(s or 0), e, m) for k, s, e, m in raw]
    return PageResult(rows, truncated, token)


_PEEK_LIMIT = 16 * 1024


def peek_continuation(body: bytes) -> tuple[bool, str | None] | None:
    """``(truncated, next_token)`` read from the head of a ``ListBucketResult`` without parsing
    its rows, or ``None`` when the head does not say (the token comes after the first row, or
    the body is not what it should be: the full parse decides then).

    A real XML parser (:class:`xml.etree.ElementTree.XMLPullParser`) on the first bytes only:
    servers put ``IsTruncated`` and ``NextContinuationToken`` before ``Contents``, so the next
    request can go out before the thousand rows of this page are parsed.
    """
    import xml.etree.ElementTree as ET

    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    depth = 0
    truncated: bool | None = None
    token: str | None = None
    done = False
    try:
        for start in range(0, min(len(body), _PEEK_LIMIT), 2048):
            parser.feed(body[start : start + 2048])
            for item in parser.read_events():
                event, elem = cast("tuple[str, ET.Element]", item)
                name = elem.tag.rpartition("}")[2]
                if event == "start":
                    depth += 1
                    done = depth == 2 and name in ("Contents", "CommonPrefixes")  # the rows begin
                else:
                    depth -= 1
                    if depth == 1 and name == "IsTruncated":
                        truncated = (elem.text or "").strip().lower() == "true"
                    elif depth == 1 and name == "NextContinuationToken":
                        token = elem.text
                    done = depth == 0 or bool(truncated and token)
                if done:
                    break
            if done:
                break
    except ET.ParseError:
        return None
    if truncated is None or (truncated and not token):
        return None
    return truncated, token if truncated else None


def _parsed(body: bytes) -> PageResult:
    import xml.etree.ElementTree as ET

    try:
        return parse_list_page(body)
    except ET.ParseError as exc:
        raise ListingFailed(f"malformed listing response ({exc})") from None


def _error_code(body: bytes) -> str:
    import xml.etree.ElementTree as ET

    try:
        return ET.fromstring(body).findtext("Code") or ""
    except ET.ParseError:
        return ""


class ListingClient:
    """Signed ``ListObjectsV2`` pages from one endpoint, over one keep-alive connection.

    ``endpoint_url``: ``http(s)://host[:port]`` (``None``: AWS in ``region``).
    ``addressing_style``: ``"path"`` (``/bucket``) or ``"virtual"`` (``bucket.host``); ``None``
    picks path for a custom endpoint and virtual for AWS when the bucket name allows it.
    ``ca_bundle``: the certificates https is verified against (default: the system's).
    Not thread-safe: one listing at a time per instance.
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None,
        credentials: Callable[[], Credentials],
        region: str,
        addressing_style: str | None = None,
        timeout: float = 60.0,
        attempts: int = 4,
        backoff_s: float = 0.2,
        ca_bundle: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        url = endpoint_url or (
            "https://s3.amazonaws.com" if region == "us-east-1" else f"https://s3.{region}.amazonaws.com"
        )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.base_path = parts.path.rstrip("/")
        self.credentials = credentials
        self.region = region
        self.addressing_style = addressing_style or ("path" if endpoint_url else "auto")
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.clock = clock
        self.ca_bundle = ca_bundle
        self._conn: _Connection | None = None
        self._conn_host = ""
        self._send_error = ""

    def _target(self, bucket: str) -> tuple[str, str, str]:
        """(host to connect to, Host header without a default port, path prefix) for ``bucket``."""
        virtual = self.addressing_style == "virtual" or (
            self.addressing_style == "auto" and "." not in bucket and bucket == bucket.lower()
        )
        default_port = 443 if self.scheme == "https" else 80
        port = "" if self.port in (None, default_port) else f":{self.port}"
        connect = f"{bucket}.{self.host}" if virtual else self.host
        shown = f"[{connect}]" if ":" in connect else connect
        path = self.base_path + "/" if virtual else f"{self.base_path}/{bucket}"
        return connect, shown + port, path

    def _connection(self, connect_host: str) -> _Connection:
        if self._conn is not None and self._conn_host == connect_host:
            return self._conn
        self.close()
        conn = _Connection(
            connect_host, self.port, tls=self.scheme == "https", timeout=self.timeout, ca_bundle=self.ca_bundle
        )
        self._conn, self._conn_host = conn, connect_host
        return conn

    @staticmethod
    def _params(prefix: str, token: str | None, start_after: str, max_keys: int) -> list[tuple[str, str]]:
        params = [("list-type", "2"), ("prefix", prefix), ("max-keys", str(max_keys)), ("encoding-type", "url")]
        if token:
            params.append(("continuation-token", token))
        if start_after:
            params.append(("start-after", start_after))
        return params

    def get_page(
        self, bucket: str, prefix: str, *, token: str | None = None, start_after: str = "", max_keys: int = PAGE_SIZE
    ) -> PageResult:
        """One page of ``bucket`` under ``prefix``; raises :class:`ListingFailed`."""
        return _parsed(self._get(bucket, self._params(prefix, token, start_after, max_keys)))

    def _send(self, bucket: str, params: list[tuple[str, str]]) -> _Connection | None:
        """Sign and send one GET; the connection to read the answer from, or ``None`` (and a
        closed connection) if it could not be sent."""
        from cargobay.s3.signing import sign

        connect_host, host_header, path = self._target(bucket)
        signed = sign(
            "GET", host_header, path, params, credentials=self.credentials(), region=self.region, now=self.clock()
        )
        conn = self._connection(connect_host)
        try:
            conn.request("GET", f"{signed.path}?{signed.query}", headers={"Host": host_header, **signed.headers})
        except OSError as exc:  # HTTPProtocolError and ssl.SSLError included
            self.close()
            self._send_error = f"{type(exc).__name__}: {exc}"
            return None
        return conn

    def send_with_body(
        self, method: str, bucket: str, key: str, headers: dict[str, str], body: bytes, payload_sha256: str
    ) -> tuple[int, str, bytes]:
        """One signed request with a body on this client's connection, no retry (for uploads, see
        :mod:`cargobay.sync.s3.put`): (status, ETag header, answer body). Raises ``OSError`` for
        transport failures."""
        from cargobay.s3.signing import sign

        connect_host, host_header, path = self._target(bucket)
        signed = sign(
            method,
            host_header,
            f"{path.rstrip('/')}/{key}",
            (),
            credentials=self.credentials(),
            region=self.region,
            now=self.clock(),
            headers=headers,
            payload_sha256=payload_sha256,
        )
        conn = self._connection(connect_host)
        # signed.headers holds every header given (lower-cased, as signed) and the signature.
        conn.request_body(method, signed.path, {"Host": host_header, **signed.headers}, body)
        return conn.getresponse_with_header("ETag")

    def _receive(self, conn: _Connection) -> tuple[int, bytes]:
        """The answer to the request just sent on ``conn``; raises what the transport raises."""
        return conn.getresponse()

    def _get(self, bucket: str, params: list[tuple[str, str]], *, sent: _Connection | None = None) -> bytes:
        """The body of a 200 answer, with retries; ``sent``: the first attempt was already sent
        (on that connection) by :meth:`pages`, ahead of time."""
        last = "no attempt"
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff_s * (2 ** (attempt - 1)))
            conn = sent if attempt == 0 and sent is not None else self._send(bucket, params)
            try:
                if conn is None:
                    raise OSError(f"the request could not be sent ({self._send_error})")
                status, body = self._receive(conn)
            except OSError as exc:  # HTTPProtocolError included
                self.close()
                last = f"{type(exc).__name__}: {exc}"
                continue
            if status == 200:
                return body
            code = _error_code(body)
            if status in _RETRY_STATUS:
                self.close()
                last = f"HTTP {status} {code}".strip()
                continue
            raise ListingFailed(f"HTTP {status} {code}".strip(), status=status, code=code)
        raise ListingFailed(last)

    def pages(self, bucket: str, prefix: str, *, max_keys: int = PAGE_SIZE) -> Iterator[PageResult]:
        """Every page under ``prefix``, following continuation tokens.

        The request for the next page is sent as soon as this page's continuation token is read
        (:func:`peek_continuation`, from the head of the body; else after the full parse), before
        the rows are parsed and handed to the caller: the server prepares the next page while this
        client works through this one (one request in flight at a time, on the one connection; no
        page is asked for twice).
        """
        params = self._params(prefix, None, "", max_keys)
        sent: _Connection | None = None
        while True:
            body = self._get(bucket, params, sent=sent)
            sent = None
            early = peek_continuation(body)
            if early is not None and early[0] and early[1]:  # before parsing the rows
                params = self._params(prefix, early[1], "", max_keys)
                sent = self._send(bucket, params)
            page = _parsed(body)
            if early is not None and early[0] and early[1] and (page.truncated, page.next_token) != early:
                raise ListingFailed("the listing page contradicts itself")  # pragma: no cover - same bytes
            if page.truncated and sent is None:
                if not page.next_token:
                    raise ListingFailed("truncated page without a continuation token")
                params = self._params(prefix, page.next_token, "", max_keys)
                sent = self._send(bucket, params)
            yield page
            if not page.truncated:
                return

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
