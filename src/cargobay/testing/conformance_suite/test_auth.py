"""Authentication: SigV4 header auth and every way it fails, presigned URLs, SigV2.

Each rejection is spelled with the status and code AWS documents
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("auth"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html"),
]


def test_sigv4_good_signature_is_accepted(raw: RawS3, bucket: str) -> None:
    put = raw.request("PUT", key_path(bucket, "k"), body=b"signed")
    assert put.status == 200, put
    got = raw.request("GET", key_path(bucket, "k"))
    assert (got.status, got.body) == (200, b"signed")


def test_sigv4_unsigned_payload_is_accepted(raw: RawS3, bucket: str) -> None:
    put = raw.request("PUT", key_path(bucket, "u"), body=b"unsigned", payload_hash="UNSIGNED-PAYLOAD")
    assert put.status == 200, put


def test_sigv4_rejects_wrong_secret(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.request("PUT", key_path(bucket, "k"), body=b"x", secret="wrong-secret")
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_sigv4_rejects_unknown_access_key(raw: RawS3, bucket: str) -> None:
    answer = raw.request("GET", "/" + bucket, access_key="AKIANOTAREALKEY00000")
    refused(answer, 403, "InvalidAccessKeyId", accepted="unknown access key accepted")


def test_sigv4_rejects_header_changed_after_signing(raw: RawS3, s3: Any, bucket: str) -> None:
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), headers={"x-amz-meta-a": "1"}, body=b"x")
    signed.headers["x-amz-meta-a"] = "2"
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")


def test_sigv4_rejects_header_bytes_not_utf8_with_an_error_document(raw: RawS3, s3: Any, bucket: str) -> None:
    """A header whose bytes are not UTF-8 (Latin-1 "\u00fc", the byte 0xFC) that was not what was
    signed: 403 SignatureDoesNotMatch as an error document a client can parse (ErrorResponses.html),
    never a 500, though the canonical request it echoes holds a byte that is not UTF-8."""
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), headers={"x-amz-meta-a": "u"}, body=b"x")
    signed.headers["x-amz-meta-a"] = "\u00fc"  # http.client sends it as the one byte 0xFC
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_sigv4_rejects_path_changed_after_signing(raw: RawS3, s3: Any, bucket: str) -> None:
    signed = raw.sign_v4("PUT", key_path(bucket, "a"), body=b"x")
    signed.target = key_path(bucket, "b")
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="b")) == (404, None)


def test_sigv4_rejects_body_not_matching_signed_hash(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=b"promised")
    signed.body = b"delivered"  # same length, different bytes
    answer = raw.send(signed)
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="body not matching the signed hash accepted")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


def test_sigv4_rejects_request_time_too_skewed(raw: RawS3, bucket: str) -> None:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    answer = raw.request("GET", "/" + bucket, when=when)
    refused(answer, 403, "RequestTimeTooSkewed", accepted="request signed 20 minutes ago accepted")


def test_sigv4_rejects_anonymous_request(raw: RawS3, bucket: str) -> None:
    answer = raw.send("/" + bucket, method="GET")
    refused(answer, 403, "AccessDenied", accepted="anonymous request accepted")


def test_sigv4_rejects_wrong_region_in_scope(raw: RawS3, s3_endpoint: Any, bucket: str) -> None:
    other = "eu-west-1" if s3_endpoint.endpoint.region != "eu-west-1" else "us-west-2"
    answer = raw.request("GET", "/" + bucket, region=other)
    refused(answer, 400, "AuthorizationHeaderMalformed", accepted="wrong region in the credential scope accepted")


def test_presigned_get_and_put_work(s3: Any, bucket: str, raw: RawS3) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"presigned")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=300)
    target = url.split(raw.netloc, 1)[1]
    got = raw.send(target, method="GET")
    assert (got.status, got.body) == (200, b"presigned")
    put_target = raw.presign_v4("PUT", key_path(bucket, "q"))
    put = raw.send(put_target, method="PUT", body=b"uploaded")
    assert put.status == 200, put
    assert s3.get_object(Bucket=bucket, Key="q")["Body"].read() == b"uploaded"


def test_presigned_rejects_expired_url(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target = raw.presign_v4(
        "GET", key_path(bucket, "p"), expires=60, when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    answer = raw.send(target, method="GET")
    refused(answer, 403, "AccessDenied", accepted="expired presigned URL accepted")


def test_presigned_rejects_tampered_key(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="other", Body=b"x")
    target = raw.presign_v4("GET", key_path(bucket, "p")).replace(f"/{bucket}/p?", f"/{bucket}/other?")
    answer = raw.send(target, method="GET")
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")


def test_presigned_rejects_wrong_secret(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    answer = raw.send(raw.presign_v4("GET", key_path(bucket, "p"), secret="nope"), method="GET")
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/Appendix-Sigv2.html")
def test_sigv2_header_auth_works(raw: RawS3, s3: Any, bucket: str) -> None:
    put = raw.send(raw.sign_v2("PUT", key_path(bucket, "v2"), headers={"content-type": "text/plain"}, body=b"two"))
    assert put.status == 200, put
    got = raw.send(raw.sign_v2("GET", key_path(bucket, "v2")))
    assert (got.status, got.body) == (200, b"two")


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/Appendix-Sigv2.html")
@pytest.mark.s3_requires("metadata")
def test_sigv2_boto3_client_round_trip(s3_endpoint: Any, bucket: str) -> None:
    client = s3_endpoint.client(signature_version="s3")
    client.put_object(Bucket=bucket, Key="b", Body=b"v2 body", Metadata={"m": "1"})
    got = client.get_object(Bucket=bucket, Key="b")
    assert (got["Body"].read(), got["Metadata"]) == (b"v2 body", {"m": "1"})
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "b"}, ExpiresIn=300)
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read() == b"v2 body"


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/Appendix-Sigv2.html")
def test_sigv2_rejects_wrong_secret(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = raw.send(raw.sign_v2("PUT", key_path(bucket, "v2"), body=b"x", secret="wrong"))
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="v2")) == (404, None)


def test_sigv4_rejects_payload_hash_mismatch_on_empty_body(raw: RawS3, bucket: str) -> None:
    """The signed x-amz-content-sha256 of an empty body is SHA-256 of nothing."""
    assert raw.request("GET", "/" + bucket).status == 200
    wrong = hashlib.sha256(b"not empty").hexdigest()
    answer = raw.request("PUT", key_path(bucket, "e"), body=b"", payload_hash=wrong)
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="payload hash not matching an empty body accepted")


# sigv4-query-string-auth.html: X-Amz-Expires is "the time period, in seconds, for which the
# generated presigned URL is valid ... The minimum value you can set is 1, and the maximum is
# 604800 (seven days)". A URL outside that window grants nothing: 403, like an expired one.
@pytest.mark.parametrize("expires", [0, -1, -3600], ids=["zero", "minus-one", "minus-hour"])
def test_presigned_rejects_expires_not_positive_with_403(raw: RawS3, s3: Any, bucket: str, expires: int) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    answer = raw.send(raw.presign_v4("GET", key_path(bucket, "p"), expires=expires), method="GET")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer


@pytest.mark.parametrize("expires", [604801, 10**9], ids=["week-plus-one", "huge"])
def test_presigned_rejects_expires_over_a_week_with_403(raw: RawS3, s3: Any, bucket: str, expires: int) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    answer = raw.send(raw.presign_v4("GET", key_path(bucket, "p"), expires=expires), method="GET")
    assert answer.status == 403, answer


def test_presigned_week_is_the_limit(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    answer = raw.send(raw.presign_v4("GET", key_path(bucket, "p"), expires=604800), method="GET")
    assert (answer.status, answer.body) == (200, b"x"), answer


def test_presigned_rejects_expired_put_with_403(raw: RawS3, s3: Any, bucket: str) -> None:
    target = raw.presign_v4(
        "PUT", key_path(bucket, "q"), expires=60, when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    answer = raw.send(target, method="PUT", body=b"too late")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="q")) == (404, None)


def test_presigned_rejects_expired_put_from_boto3_with_403(s3: Any, bucket: str, raw: RawS3) -> None:
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "q"}, ExpiresIn=1)
    import time

    time.sleep(2.1)
    answer = raw.send(url.split(raw.netloc, 1)[1], method="PUT", body=b"too late")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer


@pytest.mark.parametrize("expires", ["", "abc", "1.5"], ids=["empty", "word", "fraction"])
def test_presigned_rejects_expires_not_a_number_with_400(raw: RawS3, s3: Any, bucket: str, expires: str) -> None:
    # ErrorResponses.html: AuthorizationQueryParametersError (400), the query parameters of a
    # presigned URL are malformed.
    target = raw.presign_v4("GET", key_path(bucket, "p")).replace("X-Amz-Expires=300", f"X-Amz-Expires={expires}")
    answer = raw.send(target, method="GET")
    assert (answer.status, answer.code) == (400, "AuthorizationQueryParametersError"), answer


def _first_answer_to_expect_continue(raw: RawS3, signed: Any) -> bytes:
    """Send the request head with ``Expect: 100-continue`` and no body; the status line that comes
    back (within 5 s) before any body byte is sent."""
    import socket

    head = [f"{signed.method} {signed.target} HTTP/1.1"]
    head += [f"{name}: {value}" for name, value in signed.headers.items()]
    with socket.create_connection((raw.host, raw.port), timeout=5) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


def test_expect_continue_refused_before_the_body_when_not_allowed(raw: RawS3, bucket: str) -> None:
    # RESTRedirect.html / RFC 9110 section 10.1.1: with "Expect: 100-continue" S3 answers a request
    # it will refuse with the final status before the client sends its body: an anonymous PUT into
    # a private bucket gets 403 at once, never "100 Continue".
    body = b"x" * 1000
    anonymous = raw.sign_v4("PUT", key_path(bucket, "k"), body=body)
    for name in ("authorization", "x-amz-date", "x-amz-content-sha256"):
        del anonymous.headers[name]
    anonymous.headers.update({"expect": "100-continue", "content-length": str(len(body))})
    assert _first_answer_to_expect_continue(raw, anonymous).split(b" ")[1] == b"403"
    wrong = raw.sign_v4(
        "PUT",
        key_path(bucket, "k"),
        body=body,
        secret="wrong-secret",
        headers={"expect": "100-continue", "content-length": str(len(body))},
    )
    assert _first_answer_to_expect_continue(raw, wrong).split(b" ")[1] == b"403"


def test_expect_continue_allowed_gets_100(raw: RawS3, bucket: str) -> None:
    body = b"x" * 1000
    signed = raw.sign_v4(
        "PUT", key_path(bucket, "k"), body=body, headers={"expect": "100-continue", "content-length": str(len(body))}
    )
    assert _first_answer_to_expect_continue(raw, signed).split(b" ")[1] == b"100"


def test_expect_other_than_continue_never_500(raw: RawS3, bucket: str) -> None:
    """RFC 9110 section 10.1.1: a server MAY answer 417 to an expectation other than 100-continue, or
    ignore it; either way a 4xx or a success, never a 500, also for a value that is not UTF-8."""
    for value in ("bogus", b"\xfc".decode("utf-8", "surrogateescape")):
        answer = raw.request("PUT", key_path(bucket, "k"), headers={"expect": value}, body=b"x")
        assert answer.status in (200, 417), answer


def _replace_param(target: str, name: str, value: str | None) -> str:
    """The presigned target with query parameter ``name`` set to ``value`` (None: removed)."""
    path, _, query = target.partition("?")
    pairs = [p for p in query.split("&") if not p.startswith(name + "=")]
    if value is not None:
        pairs.append(f"{name}={value}")
    return path + "?" + "&".join(pairs)


# sigv4-query-string-auth.html lists every X-Amz-* parameter a presigned URL must carry and its
# form; ErrorResponses.html: a malformed one is AuthorizationQueryParametersError (400).
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Amz-Date", "20240101"),
        ("X-Amz-Date", "not-a-date"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
        ("X-Amz-Credential", "AKIDONLY"),
        ("X-Amz-Credential", None),
        ("X-Amz-SignedHeaders", None),
        ("X-Amz-Signature", None),
        ("X-Amz-Expires", None),
    ],
    ids=[
        "date-short",
        "date-word",
        "algorithm",
        "credential-short",
        "no-credential",
        "no-signed-headers",
        "no-signature",
        "no-expires",
    ],
)
def test_presigned_rejects_malformed_parameter_with_400(
    raw: RawS3, s3: Any, bucket: str, name: str, value: str | None
) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target = _replace_param(raw.presign_v4("GET", key_path(bucket, "p")), name, value)
    answer = raw.send(target, method="GET")
    assert (answer.status, answer.code) == (400, "AuthorizationQueryParametersError"), answer


def test_presigned_rejects_url_from_the_future_with_403(raw: RawS3, s3: Any, bucket: str) -> None:
    # A URL signed a day ahead is not valid yet: AccessDenied (403), like an expired one.
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target = raw.presign_v4("GET", key_path(bucket, "p"), when=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    answer = raw.send(target, method="GET")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
