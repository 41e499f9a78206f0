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
