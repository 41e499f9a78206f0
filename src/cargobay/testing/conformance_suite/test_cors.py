"""Bucket CORS: Put/Get/DeleteBucketCors and what browsers see (preflight OPTIONS, the
Access-Control-* headers on actual requests)."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, key_path

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
