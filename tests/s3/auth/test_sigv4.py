"""Example tests of SigV4 verification: AWS's published examples, and every rejection with its code."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from cargobay.s3.auth import AuthResult, RequestView, authenticate, canonical_query_string, parse_query
from cargobay.s3.errors import S3Error
from cargobay.s3.signing import derive_signing_key

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
T0 = datetime(2013, 5, 24, tzinfo=UTC)
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HOST = "examplebucket.s3.amazonaws.com"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"


def lookup(key: str) -> str | None:
    return SECRET if key == AK else None


def auth(req: RequestView, *, now: datetime = T0, region: str = "us-east-1", **kw: object) -> AuthResult:
    return authenticate(req, lookup_secret=lookup, region=region, now=now, **kw)  # type: ignore[arg-type]


def code_of(req: RequestView, **kw: object) -> tuple[str, int, S3Error]:
    with pytest.raises(S3Error) as info:
        auth(req, **kw)  # type: ignore[arg-type]
    return info.value.code, info.value.status, info.value


# --- AWS's worked examples ("Signature Calculations for the Authorization Header", "Query string
# authentication", "Signature Calculation: Transfer Payload in Multiple Chunks"): golden values.

GET_OBJECT_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
)


def get_object(**overrides: str) -> RequestView:
    headers = {
        "host": HOST,
        "range": "bytes=0-9",
        "x-amz-content-sha256": EMPTY,
        "x-amz-date": "20130524T000000Z",
        "authorization": GET_OBJECT_AUTH,
    }
    headers.update(overrides)
    return RequestView("GET", "/test.txt", "", headers, headers["host"])


PRESIGNED_QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)


def presigned(query: str = PRESIGNED_QUERY, headers: dict[str, str] | None = None) -> RequestView:
    return RequestView("GET", "/test.txt", query, {"host": HOST, **(headers or {})}, HOST)


def test_authenticate_aws_get_object_example_verifies() -> None:
    result = auth(get_object())
    assert result.access_key == AK
    assert result.method == "sigv4-header"
    assert result.payload_sha256 == EMPTY
    assert result.streaming is None


def test_authenticate_aws_presigned_example_verifies_until_expiry() -> None:
    assert auth(presigned(), now=T0 + timedelta(seconds=86400)).method == "sigv4-query"
    code, status, err = code_of(presigned(), now=T0 + timedelta(seconds=86401))
    assert (code, status, err.detail) == ("AccessDenied", 403, "Request has expired")
    assert err.extra["X-Amz-Expires"] == "86400"
    assert err.extra["Expires"] == "2013-05-25T00:00:00Z"


def test_authenticate_aws_chunked_put_example_gives_seed_signature() -> None:
    headers = {
        "host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "content-length": "66824",
        "authorization": "AWS4-HMAC-SHA256 "
        "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class,"
        f"Signature={SEED}",
    }
    result = auth(RequestView("PUT", "/examplebucket/chunkObject.txt", "", headers, headers["host"]))
    assert result.payload_sha256 is None
    assert result.aws_chunked and not result.trailer_expected
    assert result.streaming is not None
    assert result.streaming.seed_signature == SEED
    assert result.streaming.scope == "20130524/us-east-1/s3/aws4_request"
    assert result.streaming.signing_key == derive_signing_key(SECRET, "20130524", "us-east-1")


# --- rejections, with AWS's code and status


def test_authenticate_wrong_secret_is_signature_does_not_match_with_debug_fields() -> None:
    req = get_object()
    with pytest.raises(S3Error) as info:
        authenticate(req, lookup_secret=lambda k: "not-the-secret", region="us-east-1", now=T0)
    err = info.value
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert err.extra["AWSAccessKeyId"] == AK
    assert err.extra["SignatureProvided"] == GET_OBJECT_AUTH.rsplit("=", 1)[1]
    assert err.extra["CanonicalRequest"].startswith("GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n")
    assert err.extra["StringToSign"].startswith("AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/")


def test_authenticate_unknown_access_key_is_invalid_access_key_id() -> None:
    req = get_object(authorization=GET_OBJECT_AUTH.replace(AK, "AKIDUNKNOWN"))
    code, status, err = code_of(req)
    assert (code, status) == ("InvalidAccessKeyId", 403)
    assert err.extra["AWSAccessKeyId"] == "AKIDUNKNOWN"


def test_authenticate_wrong_region_header_names_expected_region() -> None:
    req = get_object(authorization=GET_OBJECT_AUTH.replace("us-east-1", "eu-west-1"))
    code, status, err = code_of(req)
    assert (code, status) == ("AuthorizationHeaderMalformed", 400)
    assert "the region 'eu-west-1' is wrong; expecting 'us-east-1'" in err.detail
    assert err.extra["Region"] == "us-east-1"


def test_authenticate_wrong_region_query_is_query_parameters_error() -> None:
    code, status, err = code_of(presigned(PRESIGNED_QUERY.replace("us-east-1", "eu-west-1")))
    assert (code, status) == ("AuthorizationQueryParametersError", 400)
    assert "the region 'eu-west-1' is wrong; expecting 'us-east-1'" in err.detail
    assert err.extra["Region"] == "us-east-1"


def test_authenticate_endpoint_region_is_enforced_both_ways() -> None:
    code, _, err = code_of(get_object(), region="eu-central-1")
    assert code == "AuthorizationHeaderMalformed"
    assert err.extra["Region"] == "eu-central-1"


@pytest.mark.parametrize(
    ("skew", "ok"),
    [
        (timedelta(minutes=15), True),
        (timedelta(minutes=-15), True),
        (timedelta(minutes=15, seconds=1), False),
        (timedelta(minutes=-16), False),
    ],
    ids=["plus15", "minus15", "plus15m1s", "minus16"],
)
def test_authenticate_header_clock_skew_limit(skew: timedelta, ok: bool) -> None:
    if ok:
        assert auth(get_object(), now=T0 + skew).access_key == AK
    else:
        code, status, err = code_of(get_object(), now=T0 + skew)
        assert (code, status) == ("RequestTimeTooSkewed", 403)
        assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"
        # As sent (the x-amz-date value), as AWS names it; the server's time in ISO 8601.
        assert err.extra["RequestTime"] == "20130524T000000Z"
        assert err.extra["ServerTime"] == (T0 + skew).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_authenticate_presigned_far_future_date_is_not_valid_yet() -> None:
    code, status, err = code_of(presigned(), now=T0 - timedelta(hours=1))
    assert (code, status, err.detail) == ("AccessDenied", 403, "Request is not valid yet")


def test_authenticate_presigned_does_not_check_skew_within_lifetime() -> None:
    assert auth(presigned(), now=T0 + timedelta(hours=23)).access_key == AK


def test_authenticate_no_credentials_is_access_denied_unless_anonymous_allowed() -> None:
    req = RequestView("GET", "/b/k", "", {"host": HOST, "x-amz-content-sha256": EMPTY}, HOST)
    assert code_of(req)[:2] == ("AccessDenied", 403)
    result = auth(req, allow_anonymous=True)
    assert (result.access_key, result.method, result.payload_sha256) == (None, "anonymous", EMPTY)


@pytest.mark.parametrize(
    ("expires", "expected"),
    [
        ("0", ("AccessDenied", 403, "Request has expired")),
        ("-1", ("AccessDenied", 403, "Request has expired")),
        ("604801", ("AccessDenied", 403, "X-Amz-Expires must be less than a week (in seconds) that is 604800")),
        ("soon", ("AuthorizationQueryParametersError", 400, "X-Amz-Expires should be a number")),
    ],
    ids=["zero", "negative", "over-a-week", "not-a-number"],
)
def test_authenticate_presigned_expires_out_of_range(expires: str, expected: tuple[str, int, str]) -> None:
    """Out of 1..604800 the URL grants nothing (403, issue 19); only a non-number is malformed (400)."""
    query = PRESIGNED_QUERY.replace("X-Amz-Expires=86400", f"X-Amz-Expires={expires}")
    code, status, err = code_of(presigned(query))
    assert (code, status, err.detail) == expected


def test_authenticate_presigned_expires_one_week_is_accepted_by_the_parser() -> None:
    # The boundary value passes the range check and fails only on the signature (it was signed for 86400).
    query = PRESIGNED_QUERY.replace("X-Amz-Expires=86400", "X-Amz-Expires=604800")
    assert code_of(presigned(query))[0] == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    "drop",
    [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ],
)
def test_authenticate_presigned_missing_parameter(drop: str) -> None:
    query = "&".join(p for p in PRESIGNED_QUERY.split("&") if not p.startswith(drop + "="))
    code, status, err = code_of(presigned(query))
    assert (code, status) == ("AuthorizationQueryParametersError", 400)
    assert "requires the X-Amz-Algorithm" in err.detail


@pytest.mark.parametrize(
    ("query_edit", "fragment"),
    [
        (("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"), "only supports"),
        (("X-Amz-Date=20130524T000000Z", "X-Amz-Date=2013-05-24"), "ISO8601 Long Format"),
        (("%2F20130524%2F", "%2F20130525%2F"), "Invalid credential date"),
        (("aws4_request", "aws4_reques"), 'incorrect terminal "aws4_reques"'),
        (("%2Fs3%2F", "%2Fec2%2F"), 'incorrect service "ec2"'),
        (("AKIAIOSFODNN7EXAMPLE%2F", ""), "Credential is mal-formed"),
        (("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=range"), "host header must be signed"),
    ],
    ids=["algorithm", "date-format", "credential-date", "terminal", "service", "credential-shape", "no-host"],
)
def test_authenticate_presigned_malformed(query_edit: tuple[str, str], fragment: str) -> None:
    code, status, err = code_of(presigned(PRESIGNED_QUERY.replace(*query_edit)))
    assert (code, status) == ("AuthorizationQueryParametersError", 400)
    assert fragment in err.detail


@pytest.mark.parametrize(
    ("authorization", "fragment"),
    [
        (GET_OBJECT_AUTH.replace(",Signature=", ",Sig="), "requires three components"),
        (GET_OBJECT_AUTH.replace("SignedHeaders=", "SignedHeaders"), "is malformed"),
        ("AWS4-HMAC-SHA256", "requires three components"),
        (GET_OBJECT_AUTH.replace("/20130524/", "/2013052/"), "Credential is mal-formed"),
        (GET_OBJECT_AUTH.replace("/20130524/", "/20130525/"), "Invalid credential date"),
        (GET_OBJECT_AUTH.replace("/s3/", "/ec2/"), 'incorrect service "ec2"'),
        (GET_OBJECT_AUTH.replace("aws4_request", "aws5_request"), 'incorrect terminal "aws5_request"'),
        (GET_OBJECT_AUTH.replace("SignedHeaders=host;", "SignedHeaders="), "host header must be signed"),
        (GET_OBJECT_AUTH.replace("host;range", "host;;range"), "SignedHeaders"),
    ],
    ids=[
        "no-signature",
        "component-without-equals",
        "bare-algorithm",
        "credential-shape",
        "credential-date",
        "service",
        "terminal",
        "host-unsigned",
        "empty-signed-header",
    ],
)
def test_authenticate_header_malformed(authorization: str, fragment: str) -> None:
    code, status, err = code_of(get_object(authorization=authorization))
    assert (code, status) == ("AuthorizationHeaderMalformed", 400)
    assert fragment in err.detail


def test_authenticate_unsupported_authorization_scheme_is_invalid_argument() -> None:
    code, status, err = code_of(get_object(authorization="Bearer abc"))
    assert (code, status, err.detail) == ("InvalidArgument", 400, "Unsupported Authorization Type")
    assert err.extra == {"ArgumentName": "Authorization", "ArgumentValue": "Bearer abc"}


def test_authenticate_header_and_query_auth_together_is_invalid_argument() -> None:
    req = get_object()
    both = RequestView(req.method, req.raw_path, PRESIGNED_QUERY, req.headers, req.host)
    code, status, err = code_of(both)
    assert (code, status) == ("InvalidArgument", 400)
    assert err.detail.startswith("Only one auth mechanism allowed")


def test_authenticate_header_without_date_is_access_denied() -> None:
    headers = dict(get_object().headers)
    del headers["x-amz-date"]
    code, status, err = code_of(RequestView("GET", "/test.txt", "", headers, HOST))
    assert (code, status) == ("AccessDenied", 403)
    assert err.detail == "AWS authentication requires a valid Date or x-amz-date header"
    assert code_of(get_object(**{"x-amz-date": "yesterday"}))[:2] == ("AccessDenied", 403)


def test_authenticate_header_requires_content_sha256() -> None:
    headers = dict(get_object().headers)
    del headers["x-amz-content-sha256"]
    code, status, err = code_of(RequestView("GET", "/test.txt", "", headers, HOST))
    assert (code, status) == ("InvalidRequest", 400)
    assert "x-amz-content-sha256" in err.detail


def test_authenticate_rejects_malformed_content_sha256() -> None:
    code, status, err = code_of(get_object(**{"x-amz-content-sha256": "abc"}))
    assert (code, status) == ("InvalidArgument", 400)
    assert err.extra["ArgumentName"] == "x-amz-content-sha256"


def test_authenticate_unsigned_amz_header_is_access_denied() -> None:
    code, status, err = code_of(get_object(**{"x-amz-meta-extra": "1"}))
    assert (code, status) == ("AccessDenied", 403)
    assert err.detail == "There were headers present in the request which were not signed"
    assert err.extra["HeadersNotSigned"] == "x-amz-meta-extra"


def test_authenticate_unsigned_non_amz_header_is_ignored() -> None:
    assert auth(get_object(**{"user-agent": "curl/8", "x-amzn-trace-id": "t"})).access_key == AK


def test_authenticate_changed_signed_header_is_rejected() -> None:
    assert code_of(get_object(range="bytes=0-10"))[0] == "SignatureDoesNotMatch"


def test_authenticate_signature_comparison_survives_non_ascii_input() -> None:
    bad = GET_OBJECT_AUTH.replace("Signature=f0e8", "Signature=\u00e9\u00e9")
    assert code_of(get_object(authorization=bad))[0] == "SignatureDoesNotMatch"


# --- our own signer for canonicalisation cases botocore cannot produce

SCOPE = "20130524/us-east-1/s3/aws4_request"


def sign_with(method: str, path: str, query: str, headers: dict[str, str], payload: str) -> str:
    """An Authorization header over an explicitly given canonical path and query."""
    signed = ";".join(sorted(headers))
    canonical_headers = "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    creq = f"{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{payload}"
    digest = hashlib.sha256(creq.encode()).hexdigest()
    sts = f"AWS4-HMAC-SHA256\n20130524T000000Z\n{SCOPE}\n{digest}"
    key = derive_signing_key(SECRET, "20130524", "us-east-1")
    sig = hmac.new(key, sts.encode(), "sha256").hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={AK}/{SCOPE}, SignedHeaders={signed}, Signature={sig}"


def sign_v4(method: str, raw_path: str, raw_query: str, canonical_path: str, canonical_query: str) -> RequestView:
    """Sign as a client with other encoding rules would: the canonical forms are given explicitly."""
    headers = {"host": HOST, "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z"}
    headers["authorization"] = sign_with(method, canonical_path, canonical_query, dict(headers), EMPTY)
    return RequestView(method, raw_path, raw_query, headers, HOST)


@pytest.mark.parametrize(
    ("raw", "signed"),
    [
        ("/b/it's(1)!*.txt", "/b/it%27s%281%29%21%2A.txt"),  # client sends sub-delims raw, signs encoded
        ("/b/%e2%82%ac", "/b/%E2%82%AC"),  # lowercase hex on the wire
        ("/b/a%7Eb", "/b/a~b"),  # needlessly encoded tilde
        ("/b/a%2Fb", "/b/a/b"),  # encoded slash: same key either way
    ],
    ids=["sub-delims", "lowercase-hex", "tilde", "slash"],
)
def test_authenticate_accepts_botocore_reencoding_of_raw_path(raw: str, signed: str) -> None:
    assert auth(sign_v4("GET", raw, "", signed, "")).access_key == AK


def test_authenticate_raw_path_is_not_normalised() -> None:
    # S3 keeps '.', '..' and '//' segments; a signature over the normalised path must fail.
    assert auth(sign_v4("GET", "/b/./a//../k", "", "/b/./a//../k", "")).access_key == AK
    assert code_of(sign_v4("GET", "/b/./a//../k", "", "/b/k", ""))[0] == "SignatureDoesNotMatch"


def test_authenticate_query_plus_means_space() -> None:
    # '+' in a raw query is form-encoding for a space: a signer that signed %20 verifies...
    assert auth(sign_v4("GET", "/b", "prefix=a+b", "/b", "prefix=a%20b")).access_key == AK
    # ...and one that meant a literal plus had to send %2B; the raw '+' is never read as '+'.
    assert code_of(sign_v4("GET", "/b", "prefix=a+b", "/b", "prefix=a%2Bb"))[0] == "SignatureDoesNotMatch"
    assert auth(sign_v4("GET", "/b", "prefix=a%2Bb", "/b", "prefix=a%2Bb")).access_key == AK
    assert parse_query("prefix=a+b&x=a%2Bb") == [("prefix", "a b"), ("x", "a+b")]


def test_canonical_query_sorts_encoded_names_then_values_and_gives_bare_names_empty_values() -> None:
    canonical = canonical_query_string
    assert canonical("b=2&a=2&a=1&uploads&c=%7e&d=x y") == "a=1&a=2&b=2&c=~&d=x%20y&uploads="
    assert canonical("X-Amz-Signature=s&a=1", exclude=frozenset({"X-Amz-Signature"})) == "a=1"


def test_parse_query_rejects_invalid_utf8_as_invalid_uri() -> None:
    with pytest.raises(S3Error) as info:
        parse_query("prefix=%ff")
    assert info.value.code == "InvalidURI"


def test_derive_signing_key_matches_aws_example_and_is_cached() -> None:
    # "Signature Calculations for the Authorization Header": signing key of the example.
    derive_signing_key.cache_clear()
    key = derive_signing_key(SECRET, "20130524", "us-east-1")
    assert key is derive_signing_key(SECRET, "20130524", "us-east-1")
    assert derive_signing_key.cache_info().hits == 1
    assert key != derive_signing_key(SECRET + "x", "20130524", "us-east-1")


def test_authenticate_date_header_instead_of_x_amz_date() -> None:
    # botocore signs with the Date header when one is present; the string to sign uses ISO basic form.
    headers = {"host": HOST, "x-amz-content-sha256": EMPTY, "date": "Fri, 24 May 2013 00:00:00 GMT"}
    headers["authorization"] = sign_with("GET", "/k", "", dict(headers), EMPTY)
    assert auth(RequestView("GET", "/k", "", headers, HOST)).access_key == AK


@pytest.mark.parametrize(
    ("value", "payload", "chunked", "trailer"),
    [
        ("UNSIGNED-PAYLOAD", None, False, False),
        ("STREAMING-UNSIGNED-PAYLOAD-TRAILER", None, True, True),
        ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", None, True, True),
        (EMPTY.upper(), EMPTY, False, False),
    ],
    ids=["unsigned", "unsigned-trailer", "signed-trailer", "uppercase-hex"],
)
def test_auth_result_payload_fields(value: str, payload: str | None, chunked: bool, trailer: bool) -> None:
    headers = {"host": HOST, "x-amz-content-sha256": value, "x-amz-date": "20130524T000000Z"}
    headers["authorization"] = sign_with("PUT", "/k", "", dict(headers), value)
    result = auth(RequestView("PUT", "/k", "", headers, HOST))
    assert result.payload_sha256 == payload
    assert result.content_sha256_header == value
    assert (result.aws_chunked, result.trailer_expected) == (chunked, trailer)
    assert (result.streaming is not None) == value.startswith("STREAMING-AWS4-HMAC")


@pytest.mark.parametrize("value", ["", " "], ids=["empty", "blank"])
def test_authenticate_empty_authorization_header_is_anonymous(value: str) -> None:
    # An Authorization header with no value is no scheme at all: anonymous, hence AccessDenied when
    # anonymous access is not allowed (real S3 answers 403 AccessDenied, storj/edge#142).
    code, status, _ = code_of(get_object(authorization=value))
    assert (code, status) == ("AccessDenied", 403)
