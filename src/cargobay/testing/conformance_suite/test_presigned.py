"""Presigned URLs, second pass: what the expiry refusal says, headers a presigned URL signs, response
overrides, keys that need encoding, whose rights a URL carries, and the SigV2 query form's expiry
and errors.

``test_auth`` holds the first pass (a good URL, expired, tampered, X-Amz-Expires out of range or not
a number, malformed parameters, a URL from the future); ``test_auth_requests`` the credential scope
and an Authorization header beside query auth.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (response overrides),
https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html (SigV2, query
string request authentication), https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import (
    RawS3,
    Signed,
    canonical_query,
    canonical_uri,
    key_path,
    signing_key,
)

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_QUERY_AUTH = _API + "sigv4-query-string-auth.html"
_SIGV2 = _GUIDE + "RESTAuthentication.html"

pytestmark = [pytest.mark.s3_requires("auth"), pytest.mark.aws_doc(_QUERY_AUTH)]


def _target(raw: RawS3, url: str) -> str:
    """The path and query of a URL boto3 made for this endpoint."""
    return url.split(raw.netloc, 1)[1]


def _iso(text: str | None) -> dt.datetime:
    assert text is not None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


# -- the expiry refusal ------------------------------------------------------------------------------


def test_presigned_expired_answer_names_the_expiry_and_the_server_time(raw: RawS3, s3: Any, bucket: str) -> None:
    """An expired presigned URL is 403 AccessDenied "Request has expired", and the error document
    says why: the URL's X-Amz-Expires, the moment it expired (Expires) and the server's clock
    (ServerTime), as AWS's answer carries them."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    signed_at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(microsecond=0)
    answer = raw.send(raw.presign_v4("GET", key_path(bucket, "p"), expires=60, when=signed_at), method="GET")
    refused(answer, 403, "AccessDenied", accepted="expired presigned URL accepted")
    root = answer.xml()
    assert root.findtext("Message") == "Request has expired"
    assert root.findtext("X-Amz-Expires") == "60"
    assert _iso(root.findtext("Expires")) == signed_at + dt.timedelta(seconds=60)
    assert abs(_iso(root.findtext("ServerTime")) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)


def test_presigned_url_is_valid_until_its_last_seconds(raw: RawS3, s3: Any, bucket: str) -> None:
    """X-Amz-Expires: "the time period, in seconds, for which the generated presigned URL is valid",
    counted from X-Amz-Date: a week-long URL signed a week less a minute ago still works."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    signed_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=604800 - 60)
    answer = raw.send(raw.presign_v4("GET", key_path(bucket, "p"), expires=604800, when=signed_at), method="GET")
    assert (answer.status, answer.body) == (200, b"x"), answer


def test_presigned_rejects_url_without_x_amz_date_with_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """sigv4-query-string-auth.html lists X-Amz-Date among the required parameters; a URL without it
    is 400 AuthorizationQueryParametersError (ErrorResponses.html)."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    path, _, query = raw.presign_v4("GET", key_path(bucket, "p")).partition("?")
    target = path + "?" + "&".join(p for p in query.split("&") if not p.startswith("X-Amz-Date="))
    refused(raw.send(target, method="GET"), 400, "AuthorizationQueryParametersError", accepted="no X-Amz-Date accepted")


# X-Amz-Expires "is an integer" number of seconds (sigv4-query-string-auth.html): a value only a
# lenient parser reads as one (digit groups split by "_", a trailing space) is no number: 400
# AuthorizationQueryParametersError "X-Amz-Expires should be a number", as test_auth's empty, word
# and fraction cases. The URL is signed with that value, so only the
# parsing can refuse it.
@pytest.mark.parametrize(
    "expires",
    ["3_00", "300 "],
    ids=["underscore", "trailing-space"],
)
def test_presigned_rejects_expires_a_lenient_parser_reads_as_a_number_with_400(
    raw: RawS3, s3: Any, bucket: str, expires: str
) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    answer = raw.send(_presign_with_expires(raw, key_path(bucket, "p"), expires), method="GET")
    refused(answer, 400, "AuthorizationQueryParametersError", accepted=f"X-Amz-Expires={expires!r} accepted")


@pytest.mark.parametrize("expires", ["-" + "9" * 40, "9" * 40], ids=["hugely-negative", "hugely-positive"])
def test_presigned_rejects_expires_far_out_of_range_with_403(raw: RawS3, s3: Any, bucket: str, expires: str) -> None:
    """An X-Amz-Expires far outside 1..604800 (40 digits either way; no date lies that far off) is
    refused like any value out of range, 403 AccessDenied (test_auth's zero, minus-one and
    week-plus-one cases), never a 500."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    answer = raw.send(_presign_with_expires(raw, key_path(bucket, "p"), expires), method="GET")
    refused(answer, 403, "AccessDenied", accepted=f"X-Amz-Expires={expires} accepted")


def _presign_with_expires(raw: RawS3, path: str, expires: str, *, amz_date: str | None = None) -> str:
    """A presigned GET target (only host signed) whose X-Amz-Expires is ``expires`` and X-Amz-Date
    ``amz_date`` (default now) as given, the credential scope dated by the latter's first 8 characters."""
    amz_date = amz_date or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    scope = f"{date}/{raw.endpoint.region}/s3/aws4_request"
    query = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{raw.endpoint.access_key}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", expires),
        ("X-Amz-SignedHeaders", "host"),
    ]
    canonical = "\n".join(
        ["GET", canonical_uri(path), canonical_query(query), f"host:{raw.host_header}\n", "host", "UNSIGNED-PAYLOAD"]
    )
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(
        signing_key(raw.endpoint.secret_key, date, raw.endpoint.region), to_sign.encode(), hashlib.sha256
    )
    return path + "?" + canonical_query([*query, ("X-Amz-Signature", signature.hexdigest())])


def test_presigned_rejects_x_amz_date_in_other_digits_with_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """X-Amz-Date must be ISO 8601 "yyyyMMdd'T'HHmmss'Z'" (sigv4-query-string-auth.html): the
    current time written in Arabic-Indic digits, though signed consistently, is not that format:
    400 AuthorizationQueryParametersError."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    other = now.translate(str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"))
    answer = raw.send(_presign_with_expires(raw, key_path(bucket, "p"), "300", amz_date=other), method="GET")
    refused(answer, 400, "AuthorizationQueryParametersError", accepted="X-Amz-Date in Arabic-Indic digits accepted")


# -- what a presigned URL signs ------------------------------------------------------------------------


def test_presigned_url_used_with_another_method_is_403_signature_does_not_match(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """The HTTP method is part of the canonical request: a GET URL sent as PUT does not match, and
    writes nothing."""
    target = raw.presign_v4("GET", key_path(bucket, "p"))
    answer = raw.send(target, method="PUT", body=b"sneaked in")
    refused(answer, 403, "SignatureDoesNotMatch", accepted="GET URL used for PUT")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="p")) == (404, None)


def test_presigned_url_with_a_parameter_added_after_signing_is_403(raw: RawS3, s3: Any, bucket: str) -> None:
    """Every query parameter but X-Amz-Signature is in the canonical query string: one added to a
    URL after it was signed (a response override here) makes it SignatureDoesNotMatch."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    target = raw.presign_v4("GET", key_path(bucket, "p")) + "&response-content-type=text%2Fhtml"
    refused(raw.send(target, method="GET"), 403, "SignatureDoesNotMatch", accepted="parameter added after signing")


@pytest.mark.s3_requires("metadata")
@pytest.mark.parametrize("sent", ["as-signed", "other-value", "left-out"])
def test_presigned_put_must_send_the_headers_it_signed(raw: RawS3, s3: Any, bucket: str, sent: str) -> None:
    """X-Amz-SignedHeaders names the headers the signature covers (Content-Type and x-amz-meta-*
    when a PUT URL is made with them): the request must send each with the signed value, else it is
    403 SignatureDoesNotMatch and nothing is stored (using-presigned-url.html)."""
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "q", "ContentType": "text/csv", "Metadata": {"colour": "blue"}},
        ExpiresIn=300,
    )
    assert "content-type" in url and "x-amz-meta-colour" in url
    headers = {
        "as-signed": {"content-type": "text/csv", "x-amz-meta-colour": "blue"},
        "other-value": {"content-type": "text/csv", "x-amz-meta-colour": "red"},
        "left-out": {"x-amz-meta-colour": "blue"},
    }[sent]
    answer = raw.send(_target(raw, url), method="PUT", headers=headers, body=b"a,b")
    if sent == "as-signed":
        assert answer.status == 200, answer
        got = s3.get_object(Bucket=bucket, Key="q")
        assert (got["ContentType"], got["Metadata"], got["Body"].read()) == ("text/csv", {"colour": "blue"}, b"a,b")
        return
    refused(answer, 403, "SignatureDoesNotMatch", accepted=f"presigned PUT with signed headers {sent}")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="q")) == (404, None)


def test_presigned_put_with_an_unsigned_amz_header_is_403_access_denied(raw: RawS3, s3: Any, bucket: str) -> None:
    """An x-amz-* header the URL did not sign (here x-amz-acl on a URL that signed only host) is
    refused, as for header auth: 403 AccessDenied "There were headers present in the request which
    were not signed" naming it in HeadersNotSigned; nothing is stored."""
    target = raw.presign_v4("PUT", key_path(bucket, "q"))
    answer = raw.send(target, method="PUT", headers={"x-amz-acl": "public-read"}, body=b"x")
    refused(answer, 403, "AccessDenied", accepted="unsigned x-amz-acl on a presigned PUT accepted")
    assert answer.xml().findtext("HeadersNotSigned") == "x-amz-acl"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="q")) == (404, None)


@pytest.mark.aws_doc(_API + "API_GetObject.html")
def test_presigned_get_applies_response_overrides(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_GetObject.html: the response-* parameters set the response's headers "through the
    request", for a signed request, a presigned URL included (they are signed in its query)."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"a,b", ContentType="application/octet-stream")
    overrides = {
        "ResponseContentType": "text/csv",
        "ResponseContentDisposition": 'attachment; filename="report 1.csv"',
        "ResponseCacheControl": "no-cache",
        "ResponseContentLanguage": "fr",
        "ResponseContentEncoding": "identity",
        "ResponseExpires": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    }
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p", **overrides}, ExpiresIn=300)
    answer = raw.send(_target(raw, url), method="GET")
    assert (answer.status, answer.body) == (200, b"a,b"), answer
    assert answer.headers["content-type"] == "text/csv"
    assert answer.headers["content-disposition"] == 'attachment; filename="report 1.csv"'
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["content-language"] == "fr"
    assert answer.headers["content-encoding"] == "identity"
    assert answer.headers["expires"] == "Tue, 01 Jan 2030 00:00:00 GMT"


KEYS = ["with space", "plus+sign", "per%cent", "unicodé/✓ ü", "tilde~and=equals&amp", "a/b//c"]


@pytest.mark.parametrize("key", KEYS, ids=["space", "plus", "percent", "unicode", "reserved", "slashes"])
def test_presigned_url_of_a_key_that_needs_encoding(raw: RawS3, s3: Any, bucket: str, key: str) -> None:
    """sigv4-query-string-auth.html: the canonical URI is the URI-encoded path (each byte outside
    the unreserved set as %XY, "/" kept). A PUT and a GET URL of a key holding a space, "+", "%",
    UTF-8 or reserved characters write and read that exact key ("+" is a plus, not a space)."""
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    put = raw.send(_target(raw, put_url), method="PUT", body=key.encode())
    assert put.status == 200, put
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    got = raw.send(_target(raw, get_url), method="GET")
    assert (got.status, got.body) == (200, key.encode()), got
    hand = raw.send(raw.presign_v4("GET", key_path(bucket, key)), method="GET")
    assert (hand.status, hand.body) == (200, key.encode()), hand


@pytest.mark.parametrize("method", ["HEAD", "DELETE"])
def test_presigned_head_and_delete(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"four")
    answer = raw.send(raw.presign_v4(method, key_path(bucket, "p")), method=method)
    if method == "HEAD":
        assert (answer.status, answer.headers.get("content-length")) == (200, "4"), answer
    else:
        assert answer.status == 204, answer
        assert error_of(lambda: s3.head_object(Bucket=bucket, Key="p")) == (404, None)


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(_GUIDE + "using-presigned-url.html")
def test_presigned_url_carries_only_its_signers_rights(s3_endpoint: S3Target, raw: RawS3, s3: Any, bucket: str) -> None:
    """using-presigned-url.html: "A presigned URL ... is limited by the permissions of the user who
    creates it": a URL the second account signs for the owner's private object is 403 AccessDenied,
    the owner's own URL for it works for anyone holding it."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"private")
    alt_url = s3_endpoint.alt_client().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=300
    )
    refused(raw.send(_target(raw, alt_url), method="GET"), 403, "AccessDenied", accepted="another account's URL")
    owner_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=300)
    answer = raw.send(_target(raw, owner_url), method="GET")
    assert (answer.status, answer.body) == (200, b"private"), answer


# -- SigV2 query-string authentication -------------------------------------------------------------------


def _presign_v2(raw: RawS3, method: str, path: str, *, expires: str, secret: str | None = None) -> str:
    """A SigV2 presigned target: HMAC-SHA1 of "method \\n \\n \\n Expires \\n resource"
    (RESTAuthentication.html, "Query string request authentication alternative")."""
    to_sign = f"{method}\n\n\n{expires}\n{path}"
    key = (secret or raw.endpoint.secret_key).encode()
    signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha1).digest()).decode()
    query = f"AWSAccessKeyId={quote(raw.endpoint.access_key, safe='')}&Expires={quote(expires, safe='')}"
    return f"{path}?{query}&Signature={quote(signature, safe='')}"


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_presigned_url_works_until_it_expires(raw: RawS3, s3: Any, bucket: str) -> None:
    """RESTAuthentication.html: Expires is "the time when you want the signature to expire,
    specified as the number of seconds since the epoch"; before it the URL reads the object."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"v2")
    answer = raw.send(_presign_v2(raw, "GET", key_path(bucket, "p"), expires=str(int(time.time()) + 300)))
    assert (answer.status, answer.body) == (200, b"v2"), answer


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_presigned_url_past_its_expires_is_403_access_denied(raw: RawS3, s3: Any, bucket: str) -> None:
    """A SigV2 URL whose Expires has passed is 403 AccessDenied "Request has expired", naming the
    Expires moment and the ServerTime."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"v2")
    expired = int(time.time()) - 60
    answer = raw.send(_presign_v2(raw, "GET", key_path(bucket, "p"), expires=str(expired)))
    refused(answer, 403, "AccessDenied", accepted="expired SigV2 URL accepted")
    root = answer.xml()
    assert root.findtext("Message") == "Request has expired"
    assert _iso(root.findtext("Expires")) == dt.datetime.fromtimestamp(expired, dt.UTC)
    assert abs(_iso(root.findtext("ServerTime")) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
@pytest.mark.parametrize(
    "case", ["expires-not-a-number", "expires-with-underscores", "no-signature", "wrong-secret", "unknown-key"]
)
def test_sigv2_presigned_rejects(raw: RawS3, s3: Any, bucket: str, case: str) -> None:
    """The SigV2 query form's refusals: an Expires that is not seconds since the epoch, or a URL
    without Signature, is 403 AccessDenied; a wrong signature 403 SignatureDoesNotMatch; an unknown
    AWSAccessKeyId 403 InvalidAccessKeyId (ErrorResponses.html)."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"v2")
    path = key_path(bucket, "p")
    later = str(int(time.time()) + 300)
    target, code = {
        "expires-not-a-number": (_presign_v2(raw, "GET", path, expires="tomorrow"), "AccessDenied"),
        "expires-with-underscores": (_presign_v2(raw, "GET", path, expires=f"{later[:4]}_{later[4:]}"), "AccessDenied"),
        "no-signature": (_presign_v2(raw, "GET", path, expires=later).rsplit("&Signature=", 1)[0], "AccessDenied"),
        "wrong-secret": (_presign_v2(raw, "GET", path, expires=later, secret="wrong"), "SignatureDoesNotMatch"),
        "unknown-key": (
            _presign_v2(raw, "GET", path, expires=later).replace(
                f"AWSAccessKeyId={quote(raw.endpoint.access_key, safe='')}", "AWSAccessKeyId=AKIANOTAREALKEY00000"
            ),
            "InvalidAccessKeyId",
        ),
    }[case]
    refused(raw.send(target), 403, code, accepted=f"SigV2 URL ({case}) accepted")


def _sign_v2_dated(raw: RawS3, method: str, path: str, when: dt.datetime) -> Signed:
    """A SigV2 header-signed request (empty body) whose Date is ``when``."""
    date = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    to_sign = f"{method}\n\n\n{date}\n{path}"
    digest = hmac.new(raw.endpoint.secret_key.encode(), to_sign.encode(), hashlib.sha1).digest()
    authorization = f"AWS {raw.endpoint.access_key}:{base64.b64encode(digest).decode()}"
    return Signed(method, path, {"host": raw.host_header, "date": date, "authorization": authorization})


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_header_auth_rejects(raw: RawS3, s3: Any, bucket: str) -> None:
    """RESTAuthentication.html: the Authorization header is "AWS AWSAccessKeyId:Signature" (one
    without the colon is 400 InvalidArgument), and a request whose Date is more than 15 minutes
    from the server's clock is 403 RequestTimeTooSkewed ("Time stamp requirement")."""
    malformed = raw.sign_v2("GET", "/" + bucket)
    malformed.headers["authorization"] = "AWS " + raw.endpoint.access_key
    refused(raw.send(malformed), 400, "InvalidArgument", accepted="SigV2 header without a signature accepted")
    stale = _sign_v2_dated(raw, "PUT", key_path(bucket, "late"), dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20))
    refused(raw.send(stale), 403, "RequestTimeTooSkewed", accepted="SigV2 request 20 minutes old accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="late")) == (404, None)
