"""Property tests of :func:`cargobay.s3.auth.authenticate` against botocore's own signers.

For generated methods, keys (unicode, spaces, ``+``, ``~``, ``!``, ``%``...), query parameters,
headers and bodies, a request signed by botocore (SigV4 header and presigned, SigV2 header and
presigned) verifies, and a single changed byte anywhere the scheme signs is rejected:

* method, a signed header's value: always rejected;
* path, query: rejected whenever the change alters what the request means (its decoded form);
  a change that keeps the meaning (``%2f`` for ``%2F``) is accepted under SigV4, because the
  canonical form is computed from the decoded request;
* body: when the payload hash is signed, the verifier hands back ``payload_sha256`` and the
  changed body no longer has it (the HTTP layer turns that into ``XAmzContentSHA256Mismatch``).

SigV2 signs only sub-resources and ``x-amz-*`` parameters of the query, so only changes to those
are required to fail there (that is the scheme, not a gap in the verifier).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from types import SimpleNamespace
from unittest import mock
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import assume, event, given
from hypothesis import strategies as st

from cargobay.s3.auth import AuthResult, RequestView, authenticate, sigv2
from cargobay.s3.errors import S3Error

AK = "AKIDPROPERTY"
SECRET = "s3cr3t/with+chars"
REGION = "us-west-2"
KINDS = ("sigv4-header", "sigv4-query", "sigv2-header", "sigv2-query")

KEY_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
    list(" +~!%/*'()&=?#$@:;,[]^`{}|\\\"<>")
)
VALUE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from(
    list(" +~!%&=;/")
)
PARAM_NAMES = st.sampled_from(
    [
        "prefix",
        "delimiter",
        "uploadId",
        "partNumber",
        "versionId",
        "acl",
        "tagging",
        "list-type",
        "marker",
        "response-content-type",
        "weird name",
        "a+b",
        "\u00fc",
        "x~y",
    ]
)
HEADER_TEXT = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp", "Zs")) | st.just(" "),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@dataclass(frozen=True)
class Case:
    kind: str
    method: str
    key: str
    path_style: str  # "botocore": quote(safe='/~'); "lenient": sub-delims left raw
    params: tuple[tuple[str, str | None], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    host: str
    sign_payload: bool


@st.composite
def cases(draw: st.DrawFn, kind: str | None = None) -> Case:
    kind = kind or draw(st.sampled_from(KINDS))
    params = draw(st.lists(st.tuples(PARAM_NAMES, st.none() | st.text(VALUE_CHARS, max_size=12)), max_size=4))
    meta = draw(
        st.dictionaries(
            st.sampled_from(["x-amz-meta-a", "x-amz-meta-b-c", "x-amz-acl", "content-type"]),
            HEADER_TEXT,
            max_size=3,
        )
    )
    return Case(
        kind=kind,
        method=draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"])),
        key=draw(st.text(KEY_CHARS, min_size=1, max_size=24)),
        path_style=draw(st.sampled_from(["botocore", "lenient"])),
        params=tuple(params),
        headers=tuple(sorted(meta.items())),
        body=draw(st.binary(max_size=64)),
        host=draw(st.sampled_from(["localhost:9000", "127.0.0.1:35123", "s3.local"])),
        sign_payload=draw(st.booleans()),
    )


SIGNED_AT = datetime(2024, 2, 29, 23, 59, 30, tzinfo=UTC)


class _FixedHmacV1Auth(HmacV1Auth):  # type: ignore[misc]  # botocore is untyped
    def _get_date(self) -> str:
        return formatdate(SIGNED_AT.timestamp(), usegmt=True)


class _FixedHmacV1QueryAuth(HmacV1QueryAuth):  # type: ignore[misc]  # botocore is untyped
    def _get_date(self) -> str:
        return str(int(SIGNED_AT.timestamp()) + int(self._expires))


@dataclass(frozen=True)
class Signed:
    view: RequestView
    now: datetime
    body: bytes


def _encode_path(key: str, style: str) -> str:
    safe = "/~" if style == "botocore" else "/~!$'()*+,;=:@&"
    return "/bucket/" + quote(key, safe=safe)


def _encode_query(params: tuple[tuple[str, str | None], ...]) -> str:
    parts = []
    for name, value in params:
        n = quote(name, safe="-_.~")
        parts.append(n if value is None else f"{n}={quote(value, safe='-_.~')}")
    return "&".join(parts)


def sign(case: Case) -> Signed:
    """Sign ``case`` with botocore and return what a server would receive."""
    https = case.kind == "sigv4-header" and not case.sign_payload
    url = f"{'https' if https else 'http'}://{case.host}{_encode_path(case.key, case.path_style)}"
    if case.params:
        url += "?" + _encode_query(case.params)
    headers = dict(case.headers)
    # A presigned URL is made before any body exists (botocore would move a body into the query).
    body = b"" if case.kind.endswith("query") else case.body
    request = AWSRequest(method=case.method, url=url, headers=headers, data=body)
    creds = Credentials(AK, SECRET)
    # A fixed signing time keeps every generated example reproducible.
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT.replace(tzinfo=None)):
        if case.kind == "sigv4-header":
            if https:
                request.context["client_config"] = SimpleNamespace(s3={"payload_signing_enabled": False})
            S3SigV4Auth(creds, "s3", REGION).add_auth(request)
        elif case.kind == "sigv4-query":
            S3SigV4QueryAuth(creds, "s3", REGION, expires=600).add_auth(request)
        elif case.kind == "sigv2-header":
            _FixedHmacV1Auth(creds).add_auth(request)
        else:
            _FixedHmacV1QueryAuth(creds, expires=600).add_auth(request)
    sent = {k.lower(): v for k, v in request.headers.items()}
    if case.kind == "sigv2-query":
        # The presigned URL carries Expires and the x-amz-* values; a plain client sends neither as headers.
        sent = {k: v for k, v in sent.items() if k != "date" and not k.startswith("x-amz-")}
    split = urlsplit(request.url)
    sent["host"] = split.netloc
    view = RequestView(case.method, split.path, split.query, sent, split.netloc)
    return Signed(view, SIGNED_AT + timedelta(seconds=30), case.body)


def verify(signed: Signed, view: RequestView | None = None) -> AuthResult:
    return authenticate(view or signed.view, lookup_secret={AK: SECRET}.get, region=REGION, now=signed.now)


def _decoded_params(raw_query: str) -> list[tuple[bytes, bytes]]:
    out = []
    for piece in raw_query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            out.append((unquote_to_bytes(name.replace("+", " ")), unquote_to_bytes(value.replace("+", " "))))
    return sorted(out)


def _v2_signed_params(raw_query: str) -> list[tuple[bytes, bytes]]:
    signed_names = {n.encode() for n in sigv2.SUBRESOURCES | sigv2.OPTIONAL_SUBRESOURCES}
    signed_names |= {b"AWSAccessKeyId", b"Signature", b"Expires"}
    out = []
    for n, v in _decoded_params(raw_query):
        if n.lower().startswith(b"x-amz-"):
            out.append((n.lower(), v))  # stands for a header: the name is case-insensitive
        elif n in signed_names:
            out.append((n, v))
    return sorted(out)


def _signed_header_names(signed: Signed, kind: str) -> list[str]:
    headers = signed.view.headers
    if kind == "sigv4-header":
        auth = headers["authorization"]
        return auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    if kind == "sigv4-query":
        query = dict(p.split("=", 1) for p in signed.view.raw_query.split("&"))
        return query["X-Amz-SignedHeaders"].replace("%3B", ";").split(";")
    return [h for h in headers if h in ("content-md5", "content-type", "date") or h.startswith("x-amz-")]


def _with_char(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


@given(case=cases())
def test_botocore_signed_request_verifies(case: Case) -> None:
    signed = sign(case)
    result = verify(signed)
    assert result.access_key == AK
    assert result.method == case.kind
    if case.kind == "sigv4-header" and case.sign_payload:
        assert result.payload_sha256 == hashlib.sha256(case.body).hexdigest()
    elif case.kind == "sigv4-header":
        assert (result.payload_sha256, result.content_sha256_header) == (None, "UNSIGNED-PAYLOAD")
    else:
        assert result.payload_sha256 is None


@given(case=cases(), data=st.data())
def test_changed_method_is_rejected(case: Case, data: st.DataObject) -> None:
    signed = sign(case)
    i = data.draw(st.integers(0, len(case.method) - 1))
    c = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assume(case.method[i] != c)
    with pytest.raises(S3Error):
        verify(signed, replace(signed.view, method=_with_char(case.method, i, c)))


@given(case=cases(), data=st.data())
def test_changed_path_byte_is_rejected_unless_meaning_is_kept(case: Case, data: st.DataObject) -> None:
    signed = sign(case)
    path = signed.view.raw_path
    i = data.draw(st.integers(0, len(path) - 1))
    c = data.draw(st.sampled_from("aZ09-._~%/!+*'()fF"))
    assume(path[i] != c)
    mutated = _with_char(path, i, c)
    if unquote_to_bytes(mutated) != unquote_to_bytes(path):
        event("meaning changed")
        with pytest.raises(S3Error):
            verify(signed, replace(signed.view, raw_path=mutated))
    elif case.path_style == "botocore" and case.kind.startswith("sigv4"):
        assert verify(signed, replace(signed.view, raw_path=mutated)).access_key == AK


@given(case=cases(), data=st.data())
def test_changed_query_byte_is_rejected_when_it_changes_a_signed_parameter(case: Case, data: st.DataObject) -> None:
    signed = sign(case)
    query = signed.view.raw_query
    assume(query)
    i = data.draw(st.integers(0, len(query) - 1))
    c = data.draw(st.sampled_from("aZ09-._~%+&=fF "))
    assume(query[i] != c)
    mutated = _with_char(query, i, c)
    view = replace(signed.view, raw_query=mutated)
    meaning = _v2_signed_params if case.kind.startswith("sigv2") else _decoded_params
    if meaning(mutated) != meaning(query):
        event("meaning changed")
        with pytest.raises(S3Error):
            verify(signed, view)
    elif case.kind.startswith("sigv4"):
        assert verify(signed, view).access_key == AK


@given(case=cases(), data=st.data())
def test_changed_signed_header_byte_is_rejected(case: Case, data: st.DataObject) -> None:
    signed = sign(case)
    names = _signed_header_names(signed, case.kind)
    assume(names)  # a SigV2 presigned GET may sign no header at all
    name = data.draw(st.sampled_from(names))
    value = signed.view.host if name == "host" else signed.view.headers[name]
    i = data.draw(st.integers(0, len(value) - 1))
    c = data.draw(st.sampled_from("aZ09-._~%/!+*"))
    assume(value[i] != c)
    headers = dict(signed.view.headers)
    headers[name] = _with_char(value, i, c)
    view = replace(signed.view, headers=headers, host=headers["host"])
    with pytest.raises(S3Error):
        verify(signed, view)


@given(case=cases(kind="sigv4-header"), data=st.data())
def test_changed_body_byte_breaks_the_signed_payload_hash(case: Case, data: st.DataObject) -> None:
    assume(case.body and case.sign_payload)
    signed = sign(case)
    result = verify(signed)
    i = data.draw(st.integers(0, len(case.body) - 1))
    flip = data.draw(st.integers(1, 255))
    body = bytearray(case.body)
    body[i] ^= flip
    assert result.payload_sha256 == hashlib.sha256(case.body).hexdigest()
    assert hashlib.sha256(body).hexdigest() != result.payload_sha256


@given(case=cases(), data=st.data())
def test_wrong_secret_or_unknown_key_is_rejected(case: Case, data: st.DataObject) -> None:
    signed = sign(case)
    other = data.draw(st.text(min_size=1, max_size=10).filter(lambda s: s != SECRET))
    with pytest.raises(S3Error) as info:
        authenticate(signed.view, lookup_secret={AK: other}.get, region=REGION, now=signed.now)
    assert (info.value.code, info.value.status) == ("SignatureDoesNotMatch", 403)
    with pytest.raises(S3Error) as info:
        authenticate(signed.view, lookup_secret=lambda _access_key: None, region=REGION, now=signed.now)
    assert (info.value.code, info.value.status) == ("InvalidAccessKeyId", 403)
