"""Signature Version 2, fourth pass: the parts of the string to sign the earlier passes left open.

RESTAuthentication.html builds the string to sign from the method, Content-MD5, Content-Type, the
Date (or, for a presigned URL, Expires), the canonicalized x-amz-* headers and the canonicalized
resource. ``test_auth``, ``test_auth_header_edges`` and ``test_presigned`` pin the good signature,
the date rules, a sub-resource (?acl), the refusals of the query form and the error elements;
this module pins the rest: that Content-MD5 and Content-Type are signed, how repeated x-amz-*
headers are combined, the bucket of a virtual-hosted request in the resource, which query
parameters belong to the resource (sub-resources and response overrides, with their values as
they decode) and which do not, and a request with no time stamp at all.

Reference: https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, Signed, key_path, md5_b64

_SIGV2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html"

pytestmark = [pytest.mark.s3_requires("sigv2"), pytest.mark.aws_doc(_SIGV2)]


def _signature(raw: RawS3, to_sign: str) -> str:
    digest = hmac.new(raw.endpoint.secret_key.encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _signed(
    raw: RawS3,
    method: str,
    target: str,
    *,
    resource: str,
    headers: Mapping[str, str] | None = None,
    amz_lines: str = "",
    body: bytes = b"",
    host: str | None = None,
) -> Signed:
    """A request to ``target`` signed over ``resource`` (the CanonicalizedResource), the Date header
    and the given Content-MD5 / Content-Type; ``amz_lines`` is the CanonicalizedAmzHeaders text."""
    sent = {"host": host or raw.host_header, "date": formatdate(usegmt=True), **(headers or {})}
    to_sign = (
        f"{method}\n{sent.get('content-md5', '')}\n{sent.get('content-type', '')}\n{sent['date']}\n"
        f"{amz_lines}{resource}"
    )
    sent["authorization"] = f"AWS {raw.endpoint.access_key}:{_signature(raw, to_sign)}"
    return Signed(method, target, sent, body)


# -- Content-MD5 and Content-Type are signed -------------------------------------------------------


@pytest.mark.parametrize("changed", ["content-type", "content-md5"])
def test_sigv2_content_type_and_md5_are_signed(raw: RawS3, s3: Any, bucket: str, changed: str) -> None:
    """StringToSign = HTTP-Verb + "\\n" + Content-MD5 + "\\n" + Content-Type + "\\n" + Date ...: a PUT
    whose Content-Type and Content-MD5 were signed is stored with them; the same request with either
    header changed after signing is 403 SignatureDoesNotMatch and stores nothing."""
    path = key_path(bucket, "k")
    body = b"signed body"
    headers = {"content-type": "text/plain", "content-md5": md5_b64(body)}
    good = _signed(raw, "PUT", path, resource=path, headers=headers, body=body)
    answer = raw.send(good)
    assert answer.status == 200, answer
    assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == "text/plain"
    other = {"content-type": "text/html", "content-md5": md5_b64(b"other body")}[changed]
    bad = _signed(raw, "PUT", key_path(bucket, "k2"), resource=key_path(bucket, "k2"), headers=headers, body=body)
    bad.headers[changed] = other
    if changed == "content-md5":
        bad.body = b"other body"
    refused(raw.send(bad), 403, "SignatureDoesNotMatch", accepted=f"{changed} changed after signing accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k2")) == (404, None)


# -- CanonicalizedAmzHeaders -----------------------------------------------------------------------


def test_sigv2_repeated_amz_header_is_signed_as_one_comma_separated_line(raw: RawS3, s3: Any, bucket: str) -> None:
    """CanonicalizedAmzHeaders: "Combine header fields with the same name into one
    'header-name:comma-separated-value-list' pair ... without any spaces between values": two
    X-Amz-Meta-ReviewedBy headers are signed as "x-amz-meta-reviewedby:joe@example.com,jane@example.com"
    (the page's own example); signed as either value alone, the request is 403."""
    path = key_path(bucket, "k")
    repeated = "x-amz-meta-reviewedby:joe@example.com,jane@example.com\n"
    for lines, status in ((repeated, 200), ("x-amz-meta-reviewedby:joe@example.com\n", 403)):
        signed = _signed(raw, "PUT", path, resource=path, amz_lines=lines, body=b"reviewed")
        reviewers = [("X-Amz-Meta-ReviewedBy", "joe@example.com"), ("X-Amz-Meta-ReviewedBy", "jane@example.com")]
        answer = _send_with_repeated(raw, signed, [*signed.headers.items(), *reviewers])
        assert answer[0] == status, answer
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"]["reviewedby"].replace(" ", "") == (
        "joe@example.com,jane@example.com"
    )


def _send_with_repeated(raw: RawS3, signed: Signed, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
    """Send ``signed`` with ``headers`` as given (a name may repeat, which a dict cannot hold)."""
    conn = raw._connection()
    try:
        conn.putrequest(signed.method, signed.target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("content-length", str(len(signed.body)))
        conn.endheaders(signed.body or None)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# -- CanonicalizedResource -------------------------------------------------------------------------


@pytest.mark.s3_requires("virtual_host")
def test_sigv2_virtual_hosted_request_signs_the_bucket_in_its_resource(
    raw: RawS3, s3: Any, bucket: str, s3_vhost_domain: str
) -> None:
    """CanonicalizedResource: "If the request specifies a bucket using the HTTP Host header (virtual
    hosted-style), append the bucket name preceded by a '/' (e.g., '/bucketname')": GET /k on
    bucket.domain is signed as "/bucket/k"; signed as the path alone ("/k") it is 403."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"hosted")
    host = f"{bucket}.{s3_vhost_domain}:{raw.port}"
    answer = raw.send(_signed(raw, "GET", "/k", resource=f"/{bucket}/k", host=host))
    assert (answer.status, answer.body) == (200, b"hosted"), answer
    bare = raw.send(_signed(raw, "GET", "/k", resource="/k", host=host))
    refused(bare, 403, "SignatureDoesNotMatch", accepted="virtual-hosted request signed without its bucket")


def test_sigv2_query_parameters_that_are_not_sub_resources_are_not_signed(raw: RawS3, s3: Any, bucket: str) -> None:
    """Only the listed sub-resources (and response overrides) join the CanonicalizedResource: a
    listing's prefix and max-keys are not part of it, so GET /bucket?prefix=a&max-keys=1 is signed
    as "/bucket/"; a signature that put them in the resource does not match."""
    s3.put_object(Bucket=bucket, Key="a1", Body=b"x")
    s3.put_object(Bucket=bucket, Key="a2", Body=b"x")
    target = f"/{bucket}?prefix=a&max-keys=1"
    answer = raw.send(_signed(raw, "GET", target, resource=f"/{bucket}/"))
    assert answer.status == 200 and b"<Key>a1</Key>" in answer.body and b"<Key>a2</Key>" not in answer.body, answer
    wrong = raw.send(_signed(raw, "GET", target, resource=f"/{bucket}/?max-keys=1&prefix=a"))
    refused(wrong, 403, "SignatureDoesNotMatch", accepted="listing parameters signed as sub-resources")


def test_sigv2_version_id_sub_resource_is_signed_with_its_value(raw: RawS3, s3: Any, bucket: str) -> None:
    """versionId is one of the sub-resources "that must be included when constructing the
    CanonicalizedResource", with its value: GET ?versionId=<id> is signed as "/bucket/k?versionId=<id>";
    a signature over the bare key does not authorize it."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"second")
    path = key_path(bucket, "k")
    target = f"{path}?versionId={quote(first, safe='')}"
    answer = raw.send(_signed(raw, "GET", target, resource=f"{path}?versionId={first}"))
    assert (answer.status, answer.body) == (200, b"first"), answer
    bare = raw.send(_signed(raw, "GET", target, resource=path))
    refused(bare, 403, "SignatureDoesNotMatch", accepted="versionId left out of the signed resource")


def test_sigv2_presigned_response_override_is_signed_decoded(raw: RawS3, s3: Any, bucket: str) -> None:
    """ "If the request specifies query string parameters overriding the response header values (see
    Get Object), append the query string parameters and their values. When signing, you do not
    encode these values; however, when making the request, you must encode these parameter values":
    a presigned GET with response-content-type=text/plain (sent as text%2Fplain) is signed over
    "/bucket/k?response-content-type=text/plain" and answers that Content-Type."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"override", ContentType="application/octet-stream")
    path = key_path(bucket, "k")
    expires = str(int(time.time()) + 300)
    signature = _signature(raw, f"GET\n\n\n{expires}\n{path}?response-content-type=text/plain")
    target = (
        f"{path}?response-content-type=text%2Fplain&AWSAccessKeyId={quote(raw.endpoint.access_key, safe='')}"
        f"&Expires={expires}&Signature={quote(signature, safe='')}"
    )
    answer = raw.send(target)
    assert (answer.status, answer.body) == (200, b"override"), answer
    assert answer.headers["content-type"] == "text/plain", answer.headers
    unsigned = _signature(raw, f"GET\n\n\n{expires}\n{path}")
    tampered = target.replace(quote(signature, safe=""), quote(unsigned, safe=""))
    refused(raw.send(tampered), 403, "SignatureDoesNotMatch", accepted="response override left out of the signature")


# -- the time stamp --------------------------------------------------------------------------------


def test_sigv2_request_without_a_time_stamp_is_403_access_denied(raw: RawS3, s3: Any, bucket: str) -> None:
    """Time stamp requirement: "A valid time stamp (using either the HTTP Date header or an x-amz-date
    alternative) is mandatory for authenticated requests": a request signed over an empty Date line
    that sends neither header is 403 AccessDenied, and a PUT stores nothing."""
    path = key_path(bucket, "k")
    signed = _signed(raw, "PUT", path, resource=path, body=b"undated")
    del signed.headers["date"]
    undated = f"PUT\n\n\n\n{path}"
    signed.headers["authorization"] = f"AWS {raw.endpoint.access_key}:{_signature(raw, undated)}"
    refused(raw.send(signed), 403, "AccessDenied", accepted="SigV2 request without Date or x-amz-date accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)
