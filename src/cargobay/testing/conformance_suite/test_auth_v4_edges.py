"""Signature Version 4, fourth pass: repeated headers in the canonical request, what a presigned
URL's refusals name, host left out of a presigned URL's signed headers, and one way to
authenticate a request for Signature Version 2 as for 4; and the content encodings an aws-chunked
upload leaves on the stored object.

``test_auth``, ``test_auth_requests``, ``test_auth_header_edges`` and ``test_presigned`` hold the
earlier passes. References: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
import zlib
from typing import Any
from urllib.parse import quote

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused
from cargobay.testing.conformance_suite._http import (
    RawS3,
    Signed,
    canonical_query,
    canonical_uri,
    key_path,
    signing_key,
)

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_HEADER_AUTH = _API + "sig-v4-header-based-auth.html"
_QUERY_AUTH = _API + "sigv4-query-string-auth.html"
_STREAMING = _API + "sigv4-streaming.html"
_ERRORS = _API + "ErrorResponses.html"
_SIGV2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html"
_UNSIGNED = "UNSIGNED-PAYLOAD"

pytestmark = [pytest.mark.s3_requires("auth")]


def _send_with_repeated(raw: RawS3, signed: Signed, extra: list[tuple[str, str]]) -> tuple[int, bytes]:
    """Send ``signed`` plus the ``extra`` headers, a name possibly repeated (which a dict cannot hold)."""
    conn = raw._connection()
    try:
        conn.putrequest(signed.method, signed.target, skip_host=True, skip_accept_encoding=True)
        for name, value in [*signed.headers.items(), *extra]:
            conn.putheader(name, value)
        conn.putheader("content-length", str(len(signed.body)))
        conn.endheaders(signed.body or None)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# -- repeated headers --------------------------------------------------------------------------------


@pytest.mark.aws_doc(_HEADER_AUTH)
def test_sigv4_repeated_header_is_signed_as_its_values_joined_by_commas(raw: RawS3, s3: Any, bucket: str) -> None:
    """CanonicalHeaders: a header sent more than once is one canonical line, its values joined by
    commas in the order sent (the SigV4 canonical request, "Create a canonical request"): two
    x-amz-meta-reviewer headers "joe" and "jane" are signed as "x-amz-meta-reviewer:joe,jane"; a
    signature over "joe" alone does not match and stores nothing."""
    path = key_path(bucket, "k")
    repeated = [("x-amz-meta-reviewer", "joe"), ("x-amz-meta-reviewer", "jane")]
    good = raw.sign_v4("PUT", path, headers={"x-amz-meta-reviewer": "joe,jane"}, body=b"reviewed")
    del good.headers["x-amz-meta-reviewer"]
    status, body = _send_with_repeated(raw, good, repeated)
    assert status == 200, body
    bad = raw.sign_v4("PUT", key_path(bucket, "k2"), headers={"x-amz-meta-reviewer": "joe"}, body=b"reviewed")
    del bad.headers["x-amz-meta-reviewer"]
    status, body = _send_with_repeated(raw, bad, repeated)
    assert (status, b"<Code>SignatureDoesNotMatch</Code>" in body) == (403, True), body
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k2")) == (404, None)


# -- presigned URLs ----------------------------------------------------------------------------------


def _presigned(
    raw: RawS3, method: str, path: str, *, signed_headers: str = "host", region: str | None = None
) -> tuple[str, str]:
    """A presigned target signing ``signed_headers`` (host's value is the Host sent), and its
    canonical request as the client computed it."""
    now = dt.datetime.now(dt.UTC)
    amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    region = region or raw.endpoint.region
    scope = f"{date}/{region}/s3/aws4_request"
    query = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{raw.endpoint.access_key}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", "300"),
        ("X-Amz-SignedHeaders", signed_headers),
    ]
    headers = "".join(f"{name}:{raw.host_header if name == 'host' else ''}\n" for name in signed_headers.split(";"))
    canonical = "\n".join([method, canonical_uri(path), canonical_query(query), headers, signed_headers, _UNSIGNED])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(signing_key(raw.endpoint.secret_key, date, region), to_sign.encode(), hashlib.sha256)
    return path + "?" + canonical_query([*query, ("X-Amz-Signature", signature.hexdigest())]), canonical


@pytest.mark.aws_doc(_QUERY_AUTH)
def test_presigned_url_of_another_region_names_the_region_expected(raw: RawS3, s3: Any, bucket: str) -> None:
    """A presigned URL whose credential scope names another region is 400
    AuthorizationQueryParametersError whose <Region> names this endpoint's region, as the header
    form's AuthorizationHeaderMalformed does (ErrorResponses.html; S3's answer reads "Error parsing
    the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'us-west-2'" with
    <Region>us-west-2</Region>, aws/aws-sdk-js#2529)."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    region = raw.endpoint.region
    other = "eu-west-1" if region != "eu-west-1" else "us-west-2"
    target, _ = _presigned(raw, "GET", key_path(bucket, "p"), region=other)
    answer = raw.send(target)
    refused(answer, 400, "AuthorizationQueryParametersError", accepted="presigned URL of another region accepted")
    assert answer.xml().findtext("Region") == region, answer


@pytest.mark.aws_doc(_QUERY_AUTH)
def test_presigned_url_with_a_wrong_signature_names_its_canonical_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """A presigned URL's canonical request has the query without X-Amz-Signature, the signed headers
    and UNSIGNED-PAYLOAD as its last line (sigv4-query-string-auth.html); a URL whose signature does
    not match is 403 SignatureDoesNotMatch naming exactly that canonical request and the signature
    provided."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target, canonical = _presigned(raw, "GET", key_path(bucket, "p"))
    provided = "0" * 64
    signature = target.split("X-Amz-Signature=", 1)[1][:64]
    answer = raw.send(target.replace(signature, provided))
    refused(answer, 403, "SignatureDoesNotMatch", accepted="presigned URL with a wrong signature accepted")
    root = answer.xml()
    assert (root.findtext("CanonicalRequest"), root.findtext("SignatureProvided")) == (canonical, provided), answer


@pytest.mark.aws_doc(_QUERY_AUTH)
def test_presigned_url_that_does_not_sign_host_is_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    """X-Amz-SignedHeaders: "host is required" (sigv4-query-string-auth.html, as "The host header
    must be included as a signed header" for the header form): a URL signing x-amz-date-free
    headers without host is refused (AWS's code for it is not documented: 400 or 403), however
    right its signature is over what it names."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"secret")
    target, _ = _presigned(raw, "GET", key_path(bucket, "p"), signed_headers="x-amz-meta-none")
    answer = raw.send(target)
    assert answer.status in (400, 403) and answer.code is not None, answer


# -- one mechanism per request, Signature Version 2 too ---------------------------------------------


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_ERRORS)
def test_sigv2_presigned_url_with_an_authorization_header_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """One request, one way to authenticate: a SigV2 presigned URL (Signature in the query) that also
    carries an Authorization header is 400 InvalidArgument ("Only one auth mechanism allowed"), as a
    SigV4 presigned URL is, whichever of the two would verify."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    path = key_path(bucket, "p")
    expires = str(int(time.time()) + 300)
    digest = hmac.new(raw.endpoint.secret_key.encode(), f"GET\n\n\n{expires}\n{path}".encode(), hashlib.sha1).digest()
    target = (
        f"{path}?AWSAccessKeyId={quote(raw.endpoint.access_key, safe='')}&Expires={expires}"
        f"&Signature={quote(base64.b64encode(digest).decode(), safe='')}"
    )
    assert raw.send(target).status == 200
    signed = raw.sign_v4("GET", path)
    answer = raw.send(target, headers={k: v for k, v in signed.headers.items() if k != "host"})
    refused(answer, 400, "InvalidArgument", accepted="SigV2 presigned URL with an Authorization header accepted")


# -- what an aws-chunked upload leaves on the object -----------------------------------------------


@pytest.mark.aws_doc(_STREAMING)
@pytest.mark.parametrize(("sent", "stored"), [("aws-chunked", None), ("aws-chunked,gzip", "gzip")], ids=str)
def test_aws_chunked_upload_keeps_the_other_content_encodings(
    raw: RawS3, s3: Any, bucket: str, sent: str, stored: str | None
) -> None:
    """sigv4-streaming.html, Content-Encoding: "Amazon S3 supports multiple content encodings. For
    example: Content-Encoding : aws-chunked,gzip. That is, you can specify your custom
    content-encoding when using Signature Version 4 streaming API": aws-chunked is the framing of
    the upload, so the object keeps gzip and nothing of aws-chunked (none at all when that was
    the only one)."""
    data = b"z" * 9000
    signed = raw.signed_chunked(key_path(bucket, "k"), [data[:8192], data[8192:]], headers={"content-encoding": sent})
    answer = raw.send(signed)
    assert answer.status == 200, answer
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data
    assert header(got, "content-encoding") == stored, got["ResponseMetadata"]["HTTPHeaders"]


@pytest.mark.aws_doc(_STREAMING)
@pytest.mark.parametrize("mode", ["signed", "unsigned-trailer"])
def test_aws_chunked_upload_sent_with_http_chunked_framing_is_stored(
    raw: RawS3, s3: Any, bucket: str, mode: str
) -> None:
    """An aws-chunked body gives its length in Content-Length "or" is sent with Transfer-Encoding:
    chunked (sigv4-streaming.html; the AWS SDK for C++ sends its trailing-checksum uploads so, and
    "AWS S3 supports both", aws/aws-sdk-cpp#3411): with x-amz-decoded-content-length and no
    Content-Length the payload is stored, decoded from both framings, its trailer checksum kept."""
    data = b"q" * 9000
    path = key_path(bucket, "k")
    chunks = [data[:8192], data[8192:]]
    crc = ("x-amz-checksum-crc32", base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode())
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    if mode == "signed":  # signed without Content-Length, which this request does not send
        signed = raw.sign_v4("PUT", path, headers=headers, payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        previous, body = signed.signature, bytearray()
        for chunk in [*chunks, b""]:
            previous = raw.chunk_signature(signed, previous, chunk)
            body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n"
    else:
        headers["x-amz-trailer"] = crc[0]
        signed = raw.sign_v4("PUT", path, headers=headers, payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        body = bytearray(b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for chunk in chunks))
        body += f"0\r\n{crc[0]}:{crc[1]}\r\n\r\n".encode()
    signed.body = bytes(body)
    conn = raw._connection()
    try:
        conn.putrequest("PUT", signed.target, skip_host=True, skip_accept_encoding=True)
        for name, value in signed.headers.items():
            conn.putheader(name, value)
        conn.putheader("transfer-encoding", "chunked")
        conn.endheaders()
        for start in range(0, len(signed.body), 4096):
            piece = signed.body[start : start + 4096]
            conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        status, answer = response.status, response.read()
    finally:
        conn.close()
    assert status == 200, answer
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    if mode != "signed":
        assert got.get("ChecksumCRC32") == crc[1], got
