"""Authentication, request by request: the request time and its window, the shape of the
``Authorization`` header and of the credential scope, ``x-amz-content-sha256``, unsigned
``x-amz-*`` headers, and what a ``SignatureDoesNotMatch`` answer tells the client.

``test_auth`` holds the basic rejections (wrong secret, unknown key, 20 minutes late); this
module walks each part of a SigV4 request for its edges. Codes and statuses are the ones
ErrorResponses.html lists; the rules are those of sig-v4-header-based-auth.html and
sigv4-query-string-auth.html.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_HEADER_AUTH = _API + "sig-v4-header-based-auth.html"
_QUERY_AUTH = _API + "sigv4-query-string-auth.html"
_ERRORS = _API + "ErrorResponses.html"

pytestmark = [pytest.mark.s3_requires("auth"), pytest.mark.aws_doc(_HEADER_AUTH)]


def _now_plus(minutes: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)


# -- the request time ---------------------------------------------------------------------------
# ErrorResponses.html, RequestTimeTooSkewed (403): "The difference between the request time and
# the server's time is too large." sig-v4-header-based-auth.html / RESTAuthentication.html: the
# request time must be within 15 minutes of the server's clock, either way.


def test_sigv4_rejects_request_time_too_skewed_ahead(raw: RawS3, bucket: str) -> None:
    answer = raw.request("GET", "/" + bucket, when=_now_plus(20))
    refused(answer, 403, "RequestTimeTooSkewed", accepted="request signed 20 minutes ahead accepted")


@pytest.mark.parametrize("minutes", [-14, 14], ids=["behind", "ahead"])
def test_sigv4_request_time_within_15_minutes_is_accepted(raw: RawS3, bucket: str, minutes: int) -> None:
    answer = raw.request("GET", "/" + bucket, when=_now_plus(minutes))
    assert answer.status == 200, answer


def test_sigv4_rejects_skewed_put_and_stores_nothing(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.request("PUT", key_path(bucket, "late"), body=b"x", when=_now_plus(-30))
    refused(answer, 403, "RequestTimeTooSkewed", accepted="request signed 30 minutes ago accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="late")) == (404, None)


@pytest.mark.parametrize("value", [None, "", "yesterday", "20240101"], ids=["absent", "empty", "word", "date-only"])
def test_sigv4_rejects_request_without_a_valid_date_with_403(raw: RawS3, bucket: str, value: str | None) -> None:
    """A header-signed request is dated by ``x-amz-date`` (ISO 8601 basic, ``YYYYMMDD'T'HHMMSS'Z'``) or
    ``Date``; without a valid one AWS answers 403 AccessDenied ("AWS authentication requires a valid
    Date or x-amz-date header"), before it looks at the signature."""
    signed = raw.sign_v4("GET", "/" + bucket)
    if value is None:
        del signed.headers["x-amz-date"]
    else:
        signed.headers["x-amz-date"] = value
    refused(raw.send(signed), 403, "AccessDenied", accepted="request without a valid date accepted")


def test_sigv4_date_header_dates_a_request_without_x_amz_date(raw: RawS3, s3: Any, bucket: str) -> None:
    """sig-v4-header-based-auth.html: the time stamp comes from ``x-amz-date`` or the standard
    ``Date`` header; a request signed with ``Date`` alone is accepted."""
    put = raw.send(raw.sign_v4("PUT", key_path(bucket, "dated"), body=b"by date", date_header=True))
    assert put.status == 200, put
    assert s3.get_object(Bucket=bucket, Key="dated")["Body"].read() == b"by date"


def test_sigv4_rejects_date_header_too_skewed(raw: RawS3, bucket: str) -> None:
    answer = raw.send(raw.sign_v4("GET", "/" + bucket, when=_now_plus(-20), date_header=True))
    refused(answer, 403, "RequestTimeTooSkewed", accepted="request dated 20 minutes ago by Date accepted")


# -- the Authorization header ---------------------------------------------------------------------
# ErrorResponses.html: AuthorizationHeaderMalformed (400), "The authorization header that you
# provided is not valid"; InvalidArgument (400) for a header S3 does not know how to read.


def _authorization(raw: RawS3, bucket: str, edit: Any) -> Any:
    signed = raw.sign_v4("GET", "/" + bucket)
    signed.headers["authorization"] = edit(signed.headers["authorization"])
    return raw.send(signed)


@pytest.mark.parametrize(
    "edit",
    [
        lambda a: a.split(", Signature=")[0],
        lambda a: a.replace("SignedHeaders=", "SignedHeaders"),
        lambda a: "AWS4-HMAC-SHA256",
        lambda a: a.replace("/s3/", "/ec2/"),
        lambda a: a.replace("/aws4_request", "/aws5_request"),
        lambda a: a.replace("SignedHeaders=host;", "SignedHeaders="),
    ],
    ids=["no-signature", "component-without-equals", "algorithm-only", "service", "terminal", "host-unsigned"],
)
def test_sigv4_rejects_malformed_authorization_with_400(raw: RawS3, bucket: str, edit: Any) -> None:
    """Each of Credential, SignedHeaders and Signature must be there, the scope must name the ``s3``
    service and end in ``aws4_request``, and ``host`` must be signed (sig-v4-header-based-auth.html)."""
    answer = _authorization(raw, bucket, edit)
    refused(answer, 400, "AuthorizationHeaderMalformed", accepted="malformed Authorization header accepted")


def test_sigv4_rejects_credential_date_not_the_request_date_with_400(raw: RawS3, bucket: str) -> None:
    """The date in the credential scope (YYYYMMDD) is the date of the request time
    (sig-v4-header-based-auth.html, the Credential component); another date is
    AuthorizationHeaderMalformed, whatever the signature."""
    signed = raw.sign_v4("GET", "/" + bucket)
    today = signed.amz_date[:8]
    other = (dt.datetime.strptime(today, "%Y%m%d") - dt.timedelta(days=1)).strftime("%Y%m%d")
    signed.headers["authorization"] = signed.headers["authorization"].replace(f"/{today}/", f"/{other}/")
    refused(raw.send(signed), 400, "AuthorizationHeaderMalformed", accepted="credential of another day accepted")


@pytest.mark.aws_doc(_ERRORS)
def test_sigv4_rejects_unknown_authorization_scheme_with_400_invalid_argument(raw: RawS3, bucket: str) -> None:
    answer = _authorization(raw, bucket, lambda a: "Bearer abc")
    refused(answer, 400, "InvalidArgument", accepted="Authorization: Bearer accepted")


# -- x-amz-content-sha256 and the headers that must be signed --------------------------------------


def test_sigv4_rejects_malformed_content_sha256_with_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """sig-v4-header-based-auth.html: ``x-amz-content-sha256`` is the hex SHA-256 of the payload or
    one of the documented literals (UNSIGNED-PAYLOAD, STREAMING-...); any other value is 400
    InvalidArgument, nothing stored."""
    for value in ("abc", "z" * 64, "unsigned-payload"):
        answer = raw.request("PUT", key_path(bucket, "k"), body=b"x", payload_hash=value)
        refused(answer, 400, "InvalidArgument", accepted=f"x-amz-content-sha256: {value} accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_sigv4_rejects_request_without_content_sha256_with_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """sig-v4-header-based-auth.html: header-signed S3 requests carry ``x-amz-content-sha256`` (the
    payload hash that the signature covers); without it AWS answers 400 InvalidRequest ("Missing
    required header for this request: x-amz-content-sha256"), nothing stored."""
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=b"x")
    del signed.headers["x-amz-content-sha256"]
    refused(raw.send(signed), 400, "InvalidRequest", accepted="request without x-amz-content-sha256 accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_sigv4_rejects_unsigned_amz_header_with_403(raw: RawS3, s3: Any, bucket: str) -> None:
    """sig-v4-header-based-auth.html, SignedHeaders: every ``x-amz-*`` header sent must be signed;
    one that is not is 403 AccessDenied ("There were headers present in the request which were not
    signed"): nothing a third party adds on the way, metadata included, is stored."""
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=b"x")
    signed.headers["x-amz-meta-added"] = "on the way"
    refused(raw.send(signed), 403, "AccessDenied", accepted="unsigned x-amz-meta-* header accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_sigv4_unsigned_standard_header_is_not_required_to_be_signed(raw: RawS3, bucket: str) -> None:
    """Only ``host`` and the ``x-amz-*`` headers must be signed: a ``User-Agent`` added after signing
    changes nothing (sig-v4-header-based-auth.html, SignedHeaders)."""
    signed = raw.sign_v4("GET", "/" + bucket)
    signed.headers["user-agent"] = "added-after-signing/1.0"
    answer = raw.send(signed)
    assert answer.status == 200, answer


# -- what SignatureDoesNotMatch tells the client -------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html")
def test_sigv4_rejects_wrong_secret_naming_what_the_server_signed(raw: RawS3, bucket: str) -> None:
    """A SignatureDoesNotMatch answer carries what the server computed, so a client can find its
    mistake: the access key, the signature provided, the string to sign and the canonical request.
    With only the secret wrong, the server's string to sign and canonical request are the client's."""
    signed = raw.sign_v4("GET", "/" + bucket, secret="not-the-secret")
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")
    root = ET.fromstring(answer.body)
    got = {name: root.findtext(name) for name in ("AWSAccessKeyId", "SignatureProvided", "StringToSign")}
    assert got == {
        "AWSAccessKeyId": raw.endpoint.access_key,
        "SignatureProvided": signed.signature,
        "StringToSign": signed.extra["string_to_sign"],
    }, answer
    assert root.findtext("CanonicalRequest") == signed.extra["canonical_request"], answer


# -- presigned URLs: the credential scope -------------------------------------------------------
# sigv4-query-string-auth.html: X-Amz-Credential is "<your-access-key-id>/<date>/<AWS Region>/
# <AWS-service>/aws4_request"; a malformed query is AuthorizationQueryParametersError (400).


def _presigned_scope_edit(raw: RawS3, s3: Any, bucket: str, old: str, new: str) -> Any:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target = raw.presign_v4("GET", key_path(bucket, "p"))
    assert old in target, (old, target)
    return raw.send(target.replace(old, new, 1), method="GET")


@pytest.mark.aws_doc(_QUERY_AUTH)
@pytest.mark.parametrize("part", ["region", "service", "terminal"])
def test_presigned_rejects_credential_scope_of_another_endpoint_with_400(
    raw: RawS3, s3: Any, bucket: str, part: str
) -> None:
    region = raw.endpoint.region
    other = "eu-west-1" if region != "eu-west-1" else "us-west-2"
    old, new = {
        "region": (f"%2F{region}%2F", f"%2F{other}%2F"),
        "service": ("%2Fs3%2F", "%2Fec2%2F"),
        "terminal": ("%2Faws4_request", "%2Faws5_request"),
    }[part]
    answer = _presigned_scope_edit(raw, s3, bucket, old, new)
    refused(answer, 400, "AuthorizationQueryParametersError", accepted=f"presigned URL with another {part} accepted")


@pytest.mark.aws_doc(_QUERY_AUTH)
def test_presigned_rejects_credential_date_not_x_amz_date_with_400(raw: RawS3, s3: Any, bucket: str) -> None:
    today = dt.datetime.now(dt.UTC)
    yesterday = (today - dt.timedelta(days=1)).strftime("%Y%m%d")
    answer = _presigned_scope_edit(raw, s3, bucket, f"%2F{today:%Y%m%d}%2F", f"%2F{yesterday}%2F")
    refused(answer, 400, "AuthorizationQueryParametersError", accepted="credential of another day accepted")


@pytest.mark.aws_doc(_ERRORS)
def test_presigned_rejects_unknown_access_key_with_403(raw: RawS3, s3: Any, bucket: str) -> None:
    """ErrorResponses.html, InvalidAccessKeyId (403): "The AWS access key ID that you provided does not
    exist in our records", for a presigned URL as for a signed header."""
    answer = _presigned_scope_edit(raw, s3, bucket, raw.endpoint.access_key + "%2F", "AKIANOTAREALKEY00000%2F")
    refused(answer, 403, "InvalidAccessKeyId", accepted="presigned URL of an unknown access key accepted")


@pytest.mark.aws_doc(_ERRORS)
def test_sigv4_rejects_header_and_query_auth_together_with_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """One request, one way to authenticate: an ``Authorization`` header on a presigned URL is
    400 InvalidArgument ("Only one auth mechanism allowed"), whichever of the two is valid."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target = raw.presign_v4("GET", key_path(bucket, "p"))
    signed = raw.sign_v4("GET", key_path(bucket, "p"))
    answer = raw.send(target, method="GET", headers={k: v for k, v in signed.headers.items() if k != "host"})
    refused(answer, 400, "InvalidArgument", accepted="Authorization header and presigned query accepted together")


def test_sigv4_authorization_components_separated_by_commas_alone_are_accepted(raw: RawS3, bucket: str) -> None:
    """sig-v4-header-based-auth.html: a space separates the algorithm from Credential, and "the
    subsequent components, Credential, SignedHeaders, and Signature are separated by a comma";
    the page's own example has no space after the commas. Both spellings are one header."""
    signed = raw.sign_v4("GET", "/" + bucket)
    signed.headers["authorization"] = signed.headers["authorization"].replace(", ", ",")
    answer = raw.send(signed)
    assert answer.status == 200, answer


def test_sigv4_rejects_streamed_body_not_matching_signed_hash(raw: RawS3, s3: Any, bucket: str) -> None:
    """A body large enough to be streamed to disk (3 MiB) whose bytes differ from the signed
    ``x-amz-content-sha256`` in its last byte: 400 XAmzContentSHA256Mismatch (ErrorResponses.html),
    and the object already there stays, however much of the body was written before the check."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    promised = b"p" * (3 << 20)
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=promised)
    signed.body = promised[:-1] + b"q"
    answer = raw.send(signed)
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="streamed body not matching the signed hash accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"
