"""CORS at its edges (a fourth pass): what a preflight OPTIONS matches and answers, the
Access-Control-* headers of actual requests, and what PutBucketCors/GetBucketCors/DeleteBucketCors
keep. ``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, Response, key_path, md5_b64

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_OPTIONS = _API + "RESTOPTIONSobject.html"

pytestmark = [pytest.mark.s3_requires("cors"), pytest.mark.aws_doc(_GUIDE + "cors.html")]


def _put_rules(s3: Any, bucket: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": list(rules)})


def _preflight(raw: RawS3, target: str, origin: str, method: str, headers: str | None = None) -> Response:
    sent = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        sent["access-control-request-headers"] = headers
    return raw.send(target, method="OPTIONS", headers=sent)


def _tokens(answer: Response, name: str) -> set[str]:
    return {v.strip().lower() for v in answer.headers.get(name, "").split(",") if v.strip()}


def _no_cors_headers(answer: Response) -> None:
    assert not [h for h in answer.headers if h.startswith("access-control-")], answer.headers


# -- preflight: which requests are preflights -------------------------------------------------------


@pytest.mark.aws_doc(_OPTIONS)
@pytest.mark.parametrize(
    ("target", "method"),
    [
        ("/{b}/k?uploads", "POST"),
        ("/{b}/k?partNumber=1&uploadId=x", "PUT"),
        ("/{b}/k?uploadId=x", "POST"),
        ("/{b}?delete", "POST"),
        ("/{b}/k?tagging", "PUT"),
        ("/{b}/k?versionId=x", "DELETE"),
    ],
    ids=["create-upload", "upload-part", "complete-upload", "delete-objects", "object-tagging", "version"],
)
def test_cors_preflight_carrying_the_actual_requests_parameters_is_answered(
    raw: RawS3, s3: Any, bucket: str, target: str, method: str
) -> None:
    """RESTOPTIONSobject.html, Request Parameters: a preflight "may contain any request parameters
    that are required by the actual request" - a browser sends it to the very URL of the actual
    request, so a multipart upload from a page preflights ``?uploads``, ``?partNumber&uploadId``
    and ``?uploadId``, a DeleteObjects ``?delete``. Each is a preflight like any other: 200 with the
    matching rule's headers, never the subresource's 405 or 501."""
    _put_rules(
        s3, bucket, {"AllowedOrigins": ["https://app.example"], "AllowedMethods": [method], "AllowedHeaders": ["*"]}
    )
    answer = _preflight(raw, target.format(b=bucket), "https://app.example", method, "content-type, x-amz-date")
    assert answer.status == 200, answer
    assert answer.headers.get("access-control-allow-origin") == "https://app.example", answer.headers
    assert method.lower() in _tokens(answer, "access-control-allow-methods"), answer.headers


@pytest.mark.aws_doc(_OPTIONS)
def test_cors_preflight_carrying_parameters_no_rule_allows_is_403(raw: RawS3, s3: Any, bucket: str) -> None:
    """The parameters do not change what is matched: a preflight of ``?uploads`` for a method no
    rule allows is the usual 403 AccessForbidden without Access-Control-* headers."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET"]})
    answer = _preflight(raw, f"/{bucket}/k?uploads", "https://app.example", "POST")
    assert (answer.status, answer.code) == (403, "AccessForbidden"), answer
    _no_cors_headers(answer)


@pytest.mark.aws_doc(_OPTIONS)
@pytest.mark.parametrize("path", ["/{b}", "/{b}/"], ids=["bucket", "bucket-slash"])
def test_cors_preflight_of_the_bucket_path_is_answered_by_the_bucket_rules(
    raw: RawS3, s3: Any, bucket: str, path: str
) -> None:
    """A browser POST upload or a listing preflights the bucket's own URL (no key): the bucket's
    CORS rules answer it as they answer an object path."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["POST", "GET"]})
    answer = _preflight(raw, path.format(b=bucket), "https://app.example", "POST")
    assert answer.status == 200, answer
    assert answer.headers.get("access-control-allow-origin") == "https://app.example"
    assert {"post", "get"} <= _tokens(answer, "access-control-allow-methods"), answer.headers


def test_cors_preflight_of_the_service_endpoint_is_403(raw: RawS3) -> None:
    """A preflight of the service endpoint (ListBuckets from a page) has no bucket whose rules could
    allow it: AWS answers 403 without Access-Control-Allow-Origin (the browser's record of
    ``OPTIONS https://s3.eu-west-2.amazonaws.com/ 403 (Forbidden)`` in aws/aws-sdk-js#1939), not
    405 and not 200."""
    answer = _preflight(raw, "/", "https://app.example", "GET")
    assert answer.status == 403, answer
    _no_cors_headers(answer)


# -- preflight: what matches ------------------------------------------------------------------------


@pytest.mark.aws_doc(_GUIDE + "cors-troubleshooting.html")
@pytest.mark.parametrize(
    "origin",
    ["https://www.example.com", "http://www.example.com:80", "http://www.example.com.evil", "http://example.com"],
    ids=["other-scheme", "explicit-port", "longer-host", "shorter-host"],
)
def test_cors_preflight_origin_must_match_scheme_host_and_port(raw: RawS3, s3: Any, bucket: str, origin: str) -> None:
    """cors-troubleshooting.html: "The scheme, the host, and the port values in the Origin request
    header must match the AllowedOrigin elements": with ``http://www.example.com`` allowed, neither
    ``https://www.example.com`` nor ``http://www.example.com:80`` matches (403); the exact origin does."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["http://www.example.com"], "AllowedMethods": ["GET"]})
    answer = _preflight(raw, key_path(bucket, "k"), origin, "GET")
    assert (answer.status, answer.code) == (403, "AccessForbidden"), answer
    _no_cors_headers(answer)
    exact = _preflight(raw, key_path(bucket, "k"), "http://www.example.com", "GET")
    assert exact.status == 200, exact


@pytest.mark.aws_doc(_API + "API_CORSRule.html")
def test_cors_preflight_requested_headers_match_case_insensitively_and_by_wildcard(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """API_CORSRule.html, AllowedHeader: "Headers that are specified in the
    Access-Control-Request-Headers header"; header names are case-insensitive (RFC 9110 section
    5.1) and an AllowedHeader may hold one ``*``. Every requested header must match one
    (cors.html): ``X-Amz-Meta-Colour`` matches ``x-amz-meta-*``, ``Content-Type`` matches
    ``content-type``; the 200 allows each requested header."""
    rule = {
        "AllowedOrigins": ["https://app.example"],
        "AllowedMethods": ["PUT"],
        "AllowedHeaders": ["x-amz-meta-*", "content-type"],
    }
    _put_rules(s3, bucket, rule)
    answer = _preflight(raw, key_path(bucket, "k"), "https://app.example", "PUT", "X-Amz-Meta-Colour,Content-Type")
    assert answer.status == 200, answer
    assert _tokens(answer, "access-control-allow-headers") == {"x-amz-meta-colour", "content-type"}, answer.headers
    one_more = _preflight(raw, key_path(bucket, "k"), "https://app.example", "PUT", "X-Amz-Meta-Colour, X-Amz-Date")
    assert (one_more.status, one_more.code) == (403, "AccessForbidden"), one_more


@pytest.mark.aws_doc(_GUIDE + "cors.html")
def test_cors_preflight_uses_the_first_rule_that_matches(raw: RawS3, s3: Any, bucket: str) -> None:
    """cors.html: S3 "uses the first CORSRule rule that matches": of two rules both matching, the
    first one's MaxAgeSeconds and ExposeHeaders are answered; a request only the second matches
    gets the second's."""
    first = {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 100, "ExposeHeaders": ["ETag"]}
    second = {
        "AllowedOrigins": ["*"],
        "AllowedMethods": ["GET", "PUT"],
        "MaxAgeSeconds": 200,
        "ExposeHeaders": ["x-amz-version-id"],
    }
    _put_rules(s3, bucket, first, second)
    got = _preflight(raw, key_path(bucket, "k"), "https://app.example", "GET")
    assert got.status == 200, got
    assert got.headers.get("access-control-max-age") == "100", got.headers
    assert _tokens(got, "access-control-expose-headers") == {"etag"}, got.headers
    put = _preflight(raw, key_path(bucket, "k"), "https://app.example", "PUT")
    assert put.status == 200, put
    assert put.headers.get("access-control-max-age") == "200", put.headers
    assert _tokens(put, "access-control-expose-headers") == {"x-amz-version-id"}, put.headers


# -- preflight: what a 200 says -------------------------------------------------------------------


@pytest.mark.aws_doc(_OPTIONS)
def test_cors_preflight_of_a_named_origin_answers_it_with_credentials_and_varies(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """RESTOPTIONSobject.html, Response Headers: Access-Control-Allow-Origin, -Allow-Methods,
    -Max-Age and -Expose-Headers from the rule. A rule naming origins (here by a pattern) answers
    the request's origin and allows credentials; the answer depends on Origin, so it says
    ``Vary: Origin`` (Fetch standard, "CORS protocol and HTTP caches")."""
    rule = {
        "AllowedOrigins": ["https://*.app.example"],
        "AllowedMethods": ["GET", "PUT"],
        "ExposeHeaders": ["ETag", "x-amz-request-id"],
        "MaxAgeSeconds": 3000,
    }
    _put_rules(s3, bucket, rule)
    answer = _preflight(raw, key_path(bucket, "k"), "https://eu.app.example", "PUT")
    assert answer.status == 200, answer
    assert answer.headers.get("access-control-allow-origin") == "https://eu.app.example"
    assert answer.headers.get("access-control-allow-credentials") == "true", answer.headers
    assert _tokens(answer, "access-control-allow-methods") == {"get", "put"}, answer.headers
    assert answer.headers.get("access-control-max-age") == "3000", answer.headers
    assert _tokens(answer, "access-control-expose-headers") == {"etag", "x-amz-request-id"}, answer.headers
    assert "origin" in _tokens(answer, "vary"), answer.headers
    assert answer.body == b""


@pytest.mark.aws_doc(_OPTIONS)
def test_cors_preflight_of_a_wildcard_origin_answers_star_without_credentials_or_max_age(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """A rule whose AllowedOrigin is ``*`` answers ``Access-Control-Allow-Origin: *``, which a
    browser never pairs with credentials (Fetch standard), so no Access-Control-Allow-Credentials;
    a rule without MaxAgeSeconds sends no Access-Control-Max-Age, and one without ExposeHeader no
    Access-Control-Expose-Headers."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]})
    answer = _preflight(raw, key_path(bucket, "k"), "https://any.example", "GET")
    assert answer.status == 200, answer
    assert answer.headers.get("access-control-allow-origin") == "*", answer.headers
    for absent in ("access-control-allow-credentials", "access-control-max-age", "access-control-expose-headers"):
        assert absent not in answer.headers, answer.headers


# -- actual requests ------------------------------------------------------------------------------


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_GUIDE + "cors-troubleshooting.html")
def test_cors_request_without_origin_gets_no_cors_headers(raw: RawS3, s3: Any, bucket: str) -> None:
    """cors-troubleshooting.html: "If the header is missing, Amazon S3 doesn't treat the request as
    a cross-origin request, and doesn't send CORS response headers in the response" - even from a
    bucket whose rule allows every origin."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD", "PUT"]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for method in ("GET", "HEAD"):
        answer = raw.request(method, key_path(bucket, "k"))
        assert answer.status == 200, answer
        _no_cors_headers(answer)


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_GUIDE + "cors-troubleshooting.html")
def test_cors_request_to_a_bucket_without_cors_is_served_without_cors_headers(raw: RawS3, s3: Any, bucket: str) -> None:
    """An actual (not preflight) request with an Origin to a bucket with no CORS configuration is
    served as any other - the browser, not S3, withholds the answer from the page - and carries no
    Access-Control-* headers."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    answer = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert (answer.status, answer.body) == (200, b"x"), answer
    _no_cors_headers(answer)


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_GUIDE + "cors.html")
def test_cors_head_request_matches_on_its_own_method(raw: RawS3, s3: Any, bucket: str) -> None:
    """cors.html: for an actual request "the request method" must be an AllowedMethod: a HEAD is
    matched as HEAD, so a rule allowing only GET gives it no Access-Control-* headers, and one
    allowing HEAD does."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET"]})
    head = raw.request("HEAD", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert head.status == 200, head
    _no_cors_headers(head)
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["HEAD"]})
    head = raw.request("HEAD", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert head.status == 200, head
    assert head.headers.get("access-control-allow-origin") == "https://app.example", head.headers


# -- the configuration --------------------------------------------------------------------------


def _put_cors_xml(raw: RawS3, bucket: str, body: bytes) -> Response:
    return raw.request("PUT", "/" + bucket, [("cors", "")], headers={"content-md5": md5_b64(body)}, body=body)


@pytest.mark.aws_doc(_API + "API_CORSRule.html")
@pytest.mark.parametrize(
    "body",
    [
        b"<CORSConfiguration/>",
        b"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
        b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
    ],
    ids=["no-rule", "no-allowed-origin", "no-allowed-method"],
)
def test_cors_configuration_missing_a_required_element_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, body: bytes
) -> None:
    """API_PutBucketCors.html: CORSRule "Required: Yes"; API_CORSRule.html: AllowedMethod and
    AllowedOrigin "Required: Yes". A document without one does not validate: 400 MalformedXML, and
    the bucket keeps the configuration it had."""
    _put_rules(s3, bucket, {"ID": "kept", "AllowedOrigins": ["https://kept.example"], "AllowedMethods": ["GET"]})
    answer = _put_cors_xml(raw, bucket, body)
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer
    assert [r.get("ID") for r in s3.get_bucket_cors(Bucket=bucket)["CORSRules"]] == ["kept"]


@pytest.mark.aws_doc(_API + "API_GetBucketCors.html")
def test_cors_configuration_reads_back_every_rule_in_order(s3: Any, bucket: str) -> None:
    """GetBucketCors returns the rules as put: each one's ID, origins, methods, allowed and exposed
    headers and MaxAgeSeconds, in their order; a rule without MaxAgeSeconds or ID has none."""
    first = {
        "ID": "uploads",
        "AllowedOrigins": ["https://a.example", "https://*.b.example"],
        "AllowedMethods": ["PUT", "POST"],
        "AllowedHeaders": ["content-type", "x-amz-*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 0,
    }
    second = {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}
    _put_rules(s3, bucket, first, second)
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert got == [first, second], got


@pytest.mark.aws_doc(_API + "API_PutBucketCors.html")
def test_cors_put_replaces_the_whole_configuration(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutBucketCors.html: "Sets the cors configuration for your bucket. If the configuration
    exists, Amazon S3 replaces it": the old rules stop answering preflights."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://old.example"], "AllowedMethods": ["GET"]})
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://new.example"], "AllowedMethods": ["GET"]})
    assert [r["AllowedOrigins"] for r in s3.get_bucket_cors(Bucket=bucket)["CORSRules"]] == [["https://new.example"]]
    old = _preflight(raw, key_path(bucket, "k"), "https://old.example", "GET")
    assert (old.status, old.code) == (403, "AccessForbidden"), old
    assert _preflight(raw, key_path(bucket, "k"), "https://new.example", "GET").status == 200


@pytest.mark.aws_doc(_API + "API_DeleteBucketCors.html")
def test_cors_delete_without_a_configuration_is_204_and_preflights_stop(raw: RawS3, s3: Any, bucket: str) -> None:
    """DeleteBucketCors answers 204 No Content (API_DeleteBucketCors.html, example), with or without
    a configuration to delete; afterwards a preflight is "CORS is not enabled for this bucket"
    (cors-troubleshooting.html)."""
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    _put_rules(s3, bucket, {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]})
    assert _preflight(raw, key_path(bucket, "k"), "https://app.example", "GET").status == 200
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    answer = _preflight(raw, key_path(bucket, "k"), "https://app.example", "GET")
    assert (answer.status, answer.code) == (403, "AccessForbidden"), answer
    assert b"CORS is not enabled for this bucket" in answer.body, answer.body
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_API + "RESTCommonResponseHeaders.html")
def test_cors_origin_matched_by_a_star_among_named_origins_is_answered_star(raw: RawS3, s3: Any, bucket: str) -> None:
    """RESTCommonResponseHeaders.html, Access-Control-Allow-Origin: "If the request origin matches
    '*' in the CORS configuration's allowed origins then the '*' is returned in this response header
    instead of the original origin", and Access-Control-Allow-Credentials is omitted then. A rule
    naming an origin beside ``*`` answers any other origin - matched by the ``*`` alone - with
    ``*`` and no credentials, on a preflight and on the actual request."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://app.example", "*"], "AllowedMethods": ["GET"]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    preflight = _preflight(raw, key_path(bucket, "k"), "https://other.example", "GET")
    actual = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://other.example"})
    for answer in (preflight, actual):
        assert answer.status == 200, answer
        assert answer.headers.get("access-control-allow-origin") == "*", answer.headers
        assert "access-control-allow-credentials" not in answer.headers, answer.headers


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_API + "RESTCommonResponseHeaders.html")
def test_cors_vary_is_answered_only_when_the_evaluation_succeeds(raw: RawS3, s3: Any, bucket: str) -> None:
    """RESTCommonResponseHeaders.html, Vary: "A list that indicates which request headers the CORS
    evaluation result varies on. The Vary response header is only returned when CORS evaluation
    succeeds": a refused preflight and an actual request from an origin no rule names carry no
    Vary naming Origin; an allowed one does."""
    _put_rules(s3, bucket, {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET"]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    refused = _preflight(raw, key_path(bucket, "k"), "https://other.example", "GET")
    assert refused.status == 403, refused
    unmatched = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://other.example"})
    assert unmatched.status == 200, unmatched
    for answer in (refused, unmatched):
        assert "origin" not in _tokens(answer, "vary"), answer.headers
    allowed = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert "origin" in _tokens(allowed, "vary"), allowed.headers
