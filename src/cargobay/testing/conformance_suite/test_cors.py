"""Bucket CORS: Put/Get/DeleteBucketCors and what browsers see (preflight OPTIONS, the
Access-Control-* headers on actual requests)."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refuses_a_body_without_digest
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64

pytestmark = [
    pytest.mark.s3_requires("cors"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html"),
]

RULES = {
    "CORSRules": [
        {
            "AllowedOrigins": ["https://app.example"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600,
        }
    ]
}


def test_cors_missing_configuration_is_404(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")


def test_cors_put_get_delete_round_trip(s3: Any, bucket: str) -> None:
    assert s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)["ResponseMetadata"]["HTTPStatusCode"] == 200
    (rule,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert (rule["AllowedOrigins"], sorted(rule["AllowedMethods"]), rule["MaxAgeSeconds"]) == (
        ["https://app.example"],
        ["GET", "PUT"],
        600,
    )
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")


def test_cors_preflight_allowed_and_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    ok = raw.send(
        key_path(bucket, "k"),
        method="OPTIONS",
        headers={"origin": "https://app.example", "access-control-request-method": "PUT"},
    )
    assert ok.status == 200, ok
    assert ok.headers.get("access-control-allow-origin") == "https://app.example"
    assert "PUT" in ok.headers.get("access-control-allow-methods", "")
    refused = raw.send(
        key_path(bucket, "k"),
        method="OPTIONS",
        headers={"origin": "https://evil.example", "access-control-request-method": "PUT"},
    )
    assert refused.status == 403, refused


def test_cors_headers_on_actual_request(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    got = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert got.status == 200
    assert got.headers.get("access-control-allow-origin") == "https://app.example"
    assert "etag" in got.headers.get("access-control-expose-headers", "").lower()


def test_cors_preflight_without_origin_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    # RESTOPTIONSobject.html: Origin and Access-Control-Request-Method are required request
    # headers of a preflight; without them the request is malformed (400), not refused (403).
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    answer = raw.send(key_path(bucket, "k"), method="OPTIONS", headers={"access-control-request-method": "PUT"})
    assert answer.status == 400, answer


def test_cors_preflight_without_request_method_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    answer = raw.send(key_path(bucket, "k"), method="OPTIONS", headers={"origin": "https://app.example"})
    assert answer.status == 400, answer


def test_cors_actual_request_has_allow_methods(raw: RawS3, s3: Any, bucket: str) -> None:
    # cors.html ("How does Amazon S3 evaluate the CORS configuration"): a request whose Origin
    # matches a rule gets that rule's Access-Control-Allow-Origin, -Allow-Methods, -Expose-Headers
    # and -Max-Age, preflight or not.
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    got = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert got.status == 200
    methods = {m.strip() for m in got.headers.get("access-control-allow-methods", "").split(",")}
    assert methods == {"GET", "PUT"}, got.headers
    assert got.headers.get("access-control-max-age") == "600"


CORS_XML = (
    b"<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin>"
    b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html")
def test_cors_put_without_content_md5_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """The PUT of this configuration needs a digest of its body: without Content-MD5 (or an
    x-amz-checksum-* header) AWS answers 400 InvalidRequest "Missing required header for this
    request: Content-MD5"; a Content-MD5 that does not match is 400 BadDigest (see
    :func:`._expect.refuses_a_body_without_digest`); nothing is stored either way."""
    refuses_a_body_without_digest(raw, bucket, "cors", CORS_XML, "CORS configuration")
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")
    right = raw.request("PUT", "/" + bucket, [("cors", "")], headers={"content-md5": md5_b64(CORS_XML)}, body=CORS_XML)
    assert right.status == 200, right


@pytest.mark.parametrize("field", ["AllowedOrigins", "AllowedHeaders"])
def test_cors_rule_with_two_wildcards_is_400_invalid_request(s3: Any, bucket: str, field: str) -> None:
    """cors.html (CORS configuration elements): "Each AllowedOrigin string can contain at most one *
    wildcard character", and "Each AllowedHeader string in the rule can contain at most one *
    wildcard character"; more is 400 InvalidRequest, nothing stored."""
    rule = {"AllowedOrigins": ["https://*.example"], "AllowedMethods": ["GET"], field: ["x-*-*.example"]}
    assert error_of(lambda: s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})) == (
        400,
        "InvalidRequest",
    )
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")


# -- validation and answers at the edges (bucket-level hunt) ------------------------------------

_CORS_RULE = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html"
_TROUBLE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors-troubleshooting.html"


def _put_cors_xml(raw: RawS3, bucket: str, *rules: bytes) -> Any:
    body = (
        b"<CORSConfiguration>" + b"".join(b"<CORSRule>" + r + b"</CORSRule>" for r in rules) + b"</CORSConfiguration>"
    )
    return raw.request("PUT", "/" + bucket, [("cors", "")], headers={"content-md5": md5_b64(body)}, body=body)


def _no_cors(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")


_ORIGIN = b"<AllowedOrigin>https://app.example</AllowedOrigin>"


@pytest.mark.aws_doc(_CORS_RULE)
@pytest.mark.parametrize("method", ["get", "PATCH", "OPTIONS", "*"])
def test_cors_unsupported_allowed_method_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    """API_CORSRule.html, AllowedMethod: "Valid values are GET, PUT, HEAD, POST, and DELETE"
    (case matters: a method is a token). Another is 400 InvalidRequest ("Found unsupported HTTP
    method in CORS config"), nothing stored."""
    answer = _put_cors_xml(raw, bucket, _ORIGIN + b"<AllowedMethod>" + method.encode() + b"</AllowedMethod>")
    assert (answer.status, answer.code) == (400, "InvalidRequest"), answer
    _no_cors(s3, bucket)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html")
def test_cors_over_100_rules_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """ManageCorsUsing.html: "You can add up to 100 rules to the configuration"; 101 are refused
    (400; the page names no code) and nothing is stored; 100 are accepted."""
    rule = _ORIGIN + b"<AllowedMethod>GET</AllowedMethod>"
    answer = _put_cors_xml(raw, bucket, *[rule] * 101)
    assert (answer.status, answer.code in ("InvalidRequest", "MalformedXML", "InvalidArgument")) == (400, True), answer
    _no_cors(s3, bucket)
    assert _put_cors_xml(raw, bucket, *[rule] * 100).status == 200


@pytest.mark.aws_doc(_CORS_RULE)
def test_cors_rule_id_over_255_characters_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_CORSRule.html, ID: "Unique identifier for the rule. The value cannot be longer than 255
    characters". 256 are refused (400; the page names no code), nothing stored; 255 are accepted."""
    rule = _ORIGIN + b"<AllowedMethod>GET</AllowedMethod>"
    answer = _put_cors_xml(raw, bucket, b"<ID>" + b"i" * 256 + b"</ID>" + rule)
    assert (answer.status, answer.code in ("InvalidArgument", "InvalidRequest", "MalformedXML")) == (400, True), answer
    _no_cors(s3, bucket)
    assert _put_cors_xml(raw, bucket, b"<ID>" + b"i" * 255 + b"</ID>" + rule).status == 200
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["ID"] == "i" * 255


@pytest.mark.aws_doc(_TROUBLE)
def test_cors_preflight_to_a_bucket_without_cors_is_403_not_enabled(raw: RawS3, bucket: str) -> None:
    """cors-troubleshooting.html: a cross-origin request to a bucket with no CORS configuration is
    "403 Forbidden CORS Response: CORS is not enabled for this bucket" (code AccessForbidden)."""
    answer = raw.send(
        key_path(bucket, "k"),
        method="OPTIONS",
        headers={"origin": "https://app.example", "access-control-request-method": "GET"},
    )
    assert (answer.status, answer.code) == (403, "AccessForbidden"), answer
    assert b"CORS is not enabled for this bucket" in answer.body, answer.body
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.aws_doc(_TROUBLE)
@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://other.example", "access-control-request-method": "PUT"},
        {"origin": "https://app.example", "access-control-request-method": "DELETE"},
        {
            "origin": "https://app.example",
            "access-control-request-method": "PUT",
            "access-control-request-headers": "x",
        },
    ],
    ids=["origin", "method", "header"],
)
def test_cors_preflight_no_rule_allows_is_403_access_forbidden(
    raw: RawS3, s3: Any, bucket: str, headers: dict[str, str]
) -> None:
    """cors-troubleshooting.html: when no rule matches the origin, the method or a requested header,
    "403 Forbidden CORS Response: This CORS request is not allowed" (code AccessForbidden), with no
    Access-Control-* headers."""
    rule = {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["x-amz-*"]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    answer = raw.send(key_path(bucket, "k"), method="OPTIONS", headers=headers)
    assert (answer.status, answer.code) == (403, "AccessForbidden"), answer
    assert b"This CORS request is not allowed" in answer.body, answer.body
    assert "access-control-allow-origin" not in answer.headers


def test_cors_actual_response_varies_on_origin_and_allows_credentials(raw: RawS3, s3: Any, bucket: str) -> None:
    """cors.html: a request whose Origin a rule names gets Access-Control-Allow-Origin with that
    origin; the answer depends on Origin, so it says ``Vary: Origin`` (Fetch standard, "CORS protocol
    and HTTP caches"), and a named origin (not ``*``) may send credentials
    (Access-Control-Allow-Credentials: true). An origin no rule names gets none of them."""
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    got = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert got.status == 200
    assert got.headers.get("access-control-allow-origin") == "https://app.example"
    assert "origin" in [v.strip().lower() for v in got.headers.get("vary", "").split(",")], got.headers
    assert got.headers.get("access-control-allow-credentials") == "true", got.headers
    other = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://other.example"})
    assert other.status == 200
    assert not [h for h in other.headers if h.lower().startswith("access-control-")], other.headers


def test_cors_wildcard_origin_answers_star_without_credentials(raw: RawS3, s3: Any, bucket: str) -> None:
    """cors.html: an AllowedOrigin of ``*`` allows every origin; the answer is
    Access-Control-Allow-Origin ``*``, which a browser never combines with credentials, so no
    Access-Control-Allow-Credentials. The PUT's own response carries it too."""
    rule = {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT"], "ExposeHeaders": ["ETag", "x-amz-request-id"]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    put = raw.request("PUT", key_path(bucket, "k"), headers={"origin": "https://any.example"}, body=b"x")
    assert put.status == 200
    assert put.headers.get("access-control-allow-origin") == "*", put.headers
    assert "access-control-allow-credentials" not in put.headers
    exposed = {h.strip().lower() for h in put.headers.get("access-control-expose-headers", "").split(",")}
    assert exposed == {"etag", "x-amz-request-id"}, put.headers


@pytest.mark.aws_doc(_CORS_RULE)
@pytest.mark.parametrize("value", ["2147483648", "ten", "1.5"])
def test_cors_max_age_seconds_not_an_integer_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str, value: str) -> None:
    """API_CORSRule.html, MaxAgeSeconds: "Type: Integer"; a value that is no 32-bit integer does
    not validate against the schema: 400 MalformedXML, nothing stored."""
    rule = _ORIGIN + b"<AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>" + value.encode() + b"</MaxAgeSeconds>"
    answer = _put_cors_xml(raw, bucket, rule)
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer
    _no_cors(s3, bucket)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html")
def test_cors_expose_header_no_header_can_carry_is_refused_and_reads_go_on(raw: RawS3, s3: Any, bucket: str) -> None:
    """An ExposeHeader is sent back as an Access-Control-Expose-Headers value, so one holding a line
    break (RFC 9110 section 5.5: no control characters in a field value) can never be answered: the
    configuration is refused with a 400, and cross-origin reads of the bucket keep working."""
    from botocore.exceptions import ClientError

    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    broken = {"CORSRules": [{**RULES["CORSRules"][0], "ExposeHeaders": ["ETag\r\nX-Forged: 1"]}]}
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=broken)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["ExposeHeaders"] == ["ETag"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    got = raw.request("GET", key_path(bucket, "k"), headers={"origin": "https://app.example"})
    assert got.status == 200
    assert "x-forged" not in got.headers
