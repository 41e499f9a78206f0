"""Example tests of SigV2 verification: the S3 REST authentication examples, and the rejections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cargobay.s3.auth import AuthResult, RequestView, authenticate
from cargobay.s3.errors import S3Error

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "johnsmith.s3.amazonaws.com"


def lookup(key: str) -> str | None:
    return SECRET if key == AK else None


def auth(req: RequestView, now: datetime) -> AuthResult:
    return authenticate(req, lookup_secret=lookup, region="us-east-1", now=now)


def rejection(req: RequestView, now: datetime) -> S3Error:
    with pytest.raises(S3Error) as info:
        auth(req, now)
    return info.value


def header_request(
    method: str, path: str, query: str, date: str, signature: str, **headers: str
) -> tuple[RequestView, datetime]:
    sent = {"host": HOST, "date": date, "authorization": f"AWS {AK}:{signature}"}
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    now = datetime.strptime(date, "%a, %d %b %Y %H:%M:%S %z")
    return RequestView(method, path, query, sent, HOST, vhost_bucket="johnsmith"), now


# The "Signing and authenticating REST requests" examples (virtual-hosted bucket johnsmith).
EXAMPLES = {
    "object-get": (
        "GET",
        "/photos/puppy.jpg",
        "",
        "Tue, 27 Mar 2007 19:36:42 +0000",
        "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
        {},
    ),
    "object-put": (
        "PUT",
        "/photos/puppy.jpg",
        "",
        "Tue, 27 Mar 2007 21:15:45 +0000",
        "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
        {"content_type": "image/jpeg", "content_length": "94328"},
    ),
    "list": (
        "GET",
        "/",
        "prefix=photos&max-keys=50&marker=puppy",
        "Tue, 27 Mar 2007 19:42:41 +0000",
        "htDYFYduRNen8P9ZfE/s9SuKy0U=",
        {"user_agent": "Mozilla/5.0"},
    ),
    "fetch-acl": ("GET", "/", "acl", "Tue, 27 Mar 2007 19:44:46 +0000", "c2WLPFtWHVgbEmeEG93a4cG37dM=", {}),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_sigv2_header_aws_examples_verify(name: str) -> None:
    method, path, query, date, sig, headers = EXAMPLES[name]
    req, now = header_request(method, path, query, date, sig, **headers)
    result = auth(req, now)
    assert (result.access_key, result.method, result.payload_sha256) == (AK, "sigv2-header", None)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_sigv2_header_aws_examples_reject_another_secret(name: str) -> None:
    method, path, query, date, sig, headers = EXAMPLES[name]
    req, now = header_request(method, path, query, date, sig, **headers)
    with pytest.raises(S3Error) as info:
        authenticate(req, lookup_secret=lambda k: "other", region="us-east-1", now=now)
    err = info.value
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert err.extra["SignatureProvided"] == sig
    assert err.extra["StringToSign"].startswith(f"{method}\n")
    assert err.extra["StringToSign"].endswith("/johnsmith" + path + (f"?{query}" if query == "acl" else ""))


def test_sigv2_query_aws_example_verifies_until_expiry() -> None:
    query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"
    req = RequestView("GET", "/photos/puppy.jpg", query, {"host": HOST}, HOST, vhost_bucket="johnsmith")
    expires = datetime.fromtimestamp(1175139620, tz=UTC)
    assert auth(req, expires).method == "sigv2-query"
    err = rejection(req, expires + timedelta(seconds=1))
    assert (err.code, err.status, err.detail) == ("AccessDenied", 403, "Request has expired")
    assert err.extra["Expires"] == "2007-03-29T03:40:20Z"


def test_sigv2_query_signature_with_raw_plus_is_accepted() -> None:
    # Some clients leave '+' of the base64 signature unencoded; it decodes as a space.
    query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM+WFzoENXmpNDUsSn8%3D"
    req = RequestView("GET", "/photos/puppy.jpg", query, {"host": HOST}, HOST, vhost_bucket="johnsmith")
    assert auth(req, datetime.fromtimestamp(1175139000, tz=UTC)).access_key == AK


@pytest.mark.parametrize(
    "query",
    [
        "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120",
        "Signature=abc&Expires=1",
        "Signature=abc&AWSAccessKeyId=A",
    ],
    ids=["no-signature", "no-key", "no-expires"],
)
def test_sigv2_query_missing_parameter_is_access_denied(query: str) -> None:
    err = rejection(RequestView("GET", "/k", query, {"host": HOST}, HOST), datetime(2006, 1, 1, tzinfo=UTC))
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert "requires the Signature, Expires and AWSAccessKeyId parameters" in err.detail


def test_sigv2_query_bad_expires_is_access_denied() -> None:
    query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=tomorrow&Signature=abc"
    err = rejection(RequestView("GET", "/k", query, {"host": HOST}, HOST), datetime(2006, 1, 1, tzinfo=UTC))
    assert (err.code, err.detail) == (
        "AccessDenied",
        "Invalid date (should be seconds since epoch): tomorrow",
    )


def test_sigv2_query_unknown_key_is_invalid_access_key_id() -> None:
    query = "AWSAccessKeyId=NOPE&Expires=1141889120&Signature=abc"
    err = rejection(RequestView("GET", "/k", query, {"host": HOST}, HOST), datetime(2006, 1, 1, tzinfo=UTC))
    assert (err.code, err.status, err.extra["AWSAccessKeyId"]) == ("InvalidAccessKeyId", 403, "NOPE")


def test_sigv2_header_skew_and_missing_date() -> None:
    method, path, query, date, sig, headers = EXAMPLES["object-get"]
    req, now = header_request(method, path, query, date, sig, **headers)
    err = rejection(req, now + timedelta(minutes=16))
    assert (err.code, err.status) == ("RequestTimeTooSkewed", 403)
    no_date = RequestView("GET", path, "", {k: v for k, v in req.headers.items() if k != "date"}, HOST)
    err = rejection(no_date, now)
    assert (err.code, err.detail) == (
        "AccessDenied",
        "AWS authentication requires a valid Date or x-amz-date header",
    )


@pytest.mark.parametrize("value", ["AWS AKIAIOSFODNN7EXAMPLE", "AWS :sig", "AWS AKIAIOSFODNN7EXAMPLE:"])
def test_sigv2_header_malformed_is_invalid_argument(value: str) -> None:
    req = RequestView(
        "GET",
        "/",
        "",
        {"host": HOST, "date": "Tue, 27 Mar 2007 19:36:42 +0000", "authorization": value},
        HOST,
    )
    err = rejection(req, datetime(2007, 3, 27, 19, 36, 42, tzinfo=UTC))
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.detail == "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"
    assert err.extra["ArgumentName"] == "Authorization"


def test_sigv2_header_unknown_key_is_invalid_access_key_id() -> None:
    method, path, query, date, sig, headers = EXAMPLES["object-get"]
    req, now = header_request(method, path, query, date, sig, **headers)
    headers_ = dict(req.headers, authorization=f"AWS SOMEONE:{sig}")
    err = rejection(RequestView(req.method, req.raw_path, "", headers_, HOST, vhost_bucket="johnsmith"), now)
    assert (err.code, err.status) == ("InvalidAccessKeyId", 403)


def test_sigv2_path_style_resource_is_the_path() -> None:
    # Path-style: the same request addressed as /johnsmith/photos/puppy.jpg on a plain host.
    method, _path, _query, date, sig, _headers = EXAMPLES["object-get"]
    headers = {"host": "s3.amazonaws.com", "date": date, "authorization": f"AWS {AK}:{sig}"}
    req = RequestView(method, "/johnsmith/photos/puppy.jpg", "", headers, "s3.amazonaws.com")
    assert auth(req, datetime(2007, 3, 27, 19, 36, 42, tzinfo=UTC)).access_key == AK


def test_sigv2_rejects_streaming_sha256_value() -> None:
    method, path, query, date, sig, headers = EXAMPLES["object-get"]
    req, now = header_request(
        method,
        path,
        query,
        date,
        sig,
        **headers,
        **{"x_amz_content_sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
    )
    # The x-amz-* header is part of the V2 string to sign, so the old signature fails first.
    assert rejection(req, now).code == "SignatureDoesNotMatch"


def test_sigv2_path_style_bucket_request_accepts_botocore_trailing_slash_resource() -> None:
    # botocore sends GET /johnsmith?... but signs the resource "/johnsmith/" (its auth_path).
    method, _path, query, date, sig, _headers = EXAMPLES["list"]
    sent = {"host": "s3.amazonaws.com", "date": date, "authorization": f"AWS {AK}:{sig}", "user-agent": "x"}
    req = RequestView(method, "/johnsmith", query, sent, "s3.amazonaws.com")
    assert auth(req, datetime(2007, 3, 27, 19, 42, 41, tzinfo=UTC)).access_key == AK
