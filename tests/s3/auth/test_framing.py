"""The body-framing decision made once by authentication (:mod:`cargobay.s3.auth.payload`), the
unverified result a server without authentication acts on, and the invariant the HTTP layer relies
on: a verified request never gets signed chunk framing without the context that checks the chunks.

The framing rule is the S3 "SigV4 streaming" one
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html): ``x-amz-content-sha256``
``STREAMING-...`` or ``Content-Encoding: aws-chunked`` announce aws-chunked framing (but a hex
payload hash always means a plain body); the signed
variants carry chunk signatures; the ``-TRAILER`` variants end with trailing headers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cargobay.s3.auth import AuthResult, BodyFraming, RequestView, authenticate
from cargobay.s3.auth.payload import PLAIN, framing_of
from cargobay.s3.errors import S3Error

HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
NOW = datetime(2024, 5, 1, tzinfo=UTC)

FRAMINGS = [
    pytest.param({}, PLAIN, id="none"),
    pytest.param({"x-amz-content-sha256": HEX}, PLAIN, id="hex"),
    pytest.param({"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, PLAIN, id="unsigned"),
    pytest.param({"content-encoding": "gzip"}, PLAIN, id="gzip"),
    pytest.param(
        {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}, BodyFraming(True, True, False), id="signed"
    ),
    pytest.param(
        {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"},
        BodyFraming(True, True, True),
        id="signed-trailer",
    ),
    pytest.param(
        {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
        BodyFraming(True, False, True),
        id="unsigned-trailer",
    ),
    pytest.param(
        {"x-amz-content-sha256": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"},
        BodyFraming(True, False, False),
        id="ecdsa",
    ),
    # Signed over its payload's hash: plain, whatever Content-Encoding says (an unsigned header
    # could otherwise turn a body into chunks whose hash nobody checks).
    pytest.param({"content-encoding": "aws-chunked", "x-amz-content-sha256": HEX}, PLAIN, id="encoding-with-hex"),
    pytest.param({"content-encoding": "gzip, AWS-Chunked"}, BodyFraming(True, False, False), id="encoding-listed"),
]


@pytest.mark.parametrize(("headers", "framing"), FRAMINGS)
def test_framing_of_headers(headers: dict[str, str], framing: BodyFraming) -> None:
    assert framing_of(headers) == framing


def _view(headers: dict[str, str]) -> RequestView:
    return RequestView("PUT", "/b/k", "", {"host": "h", **headers}, "h")


@pytest.mark.parametrize(("headers", "framing"), FRAMINGS)
def test_unverified_result_carries_framing_and_hex_payload(headers: dict[str, str], framing: BodyFraming) -> None:
    result = authenticate(_view(headers), lookup_secret=lambda _: None, region="us-east-1", now=NOW, verify=False)
    sha = headers.get("x-amz-content-sha256")
    assert result == AuthResult(None, "unverified", HEX if sha == HEX else None, sha, None, framing)


def test_unverified_result_never_refuses_a_header() -> None:
    # With authentication off nothing is verified, so nothing about the signature is refused either
    # (the old server skipped authentication entirely; the payload hash, if hex, is still checked later).
    view = _view({"x-amz-content-sha256": "not-a-hash", "authorization": "garbage"})
    result = authenticate(view, lookup_secret=lambda _: None, region="us-east-1", now=NOW, verify=False)
    assert (result.method, result.payload_sha256, result.framing) == ("unverified", None, PLAIN)


@pytest.mark.parametrize("value", ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"])
def test_anonymous_request_cannot_announce_signed_chunks(value: str) -> None:
    # The invariant body.py relies on: a verified result with signed chunk framing has its streaming
    # context (only a SigV4 header signature gives one); anonymous, SigV2 and presigned requests are refused.
    with pytest.raises(S3Error) as info:
        authenticate(
            _view({"x-amz-content-sha256": value}),
            lookup_secret=lambda _: None,
            region="us-east-1",
            now=NOW,
            allow_anonymous=True,
        )
    assert (info.value.code, info.value.status) == ("InvalidRequest", 400)


def test_anonymous_unsigned_trailer_framing() -> None:
    result = authenticate(
        _view({"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}),
        lookup_secret=lambda _: None,
        region="us-east-1",
        now=NOW,
        allow_anonymous=True,
    )
    assert (result.method, result.streaming, result.framing) == ("anonymous", None, BodyFraming(True, False, True))
    assert (result.aws_chunked, result.trailer_expected) == (True, True)
