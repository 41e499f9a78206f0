"""Authentication, second pass: what an error answer names (the request time and the server's,
the hashes of a payload, the region expected, the access key), how loosely the ``Authorization``
header may be spelled, which date header dates a request, and the canonical forms of paths and
queries that need encoding.

``test_auth`` and ``test_auth_requests`` pin the codes and statuses; this module pins the elements
of those answers and the request shapes they left open. Codes, statuses and elements are the ones
ErrorResponses.html lists; the rules are those of sig-v4-header-based-auth.html and, for
Signature Version 2, RESTAuthentication.html. Where the pages are silent, the test names the AWS
answer it was taken from.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import xml.etree.ElementTree as ET
from email.utils import formatdate
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, Signed, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_HEADER_AUTH = _API + "sig-v4-header-based-auth.html"
_ERRORS = _API + "ErrorResponses.html"
_SIGV2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html"

pytestmark = [pytest.mark.s3_requires("auth"), pytest.mark.aws_doc(_HEADER_AUTH)]

_ISO_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _elements(answer: Any, *names: str) -> dict[str, str | None]:
    root = ET.fromstring(answer.body)
    return {name: root.findtext(name) for name in names}


# -- RequestTimeTooSkewed names both times --------------------------------------------------------
# ErrorResponses.html: RequestTimeTooSkewed (403). What the answer names is AWS's: the request time
# as the client sent it (the x-amz-date value, or the Date value), the server's time in ISO 8601,
# and the window, 900000 ms. Real answers: versity/versitygw#1514 and ex-aws/ex_aws#159
# (<RequestTime>20160524T120229Z</RequestTime><ServerTime>2016-05-24T12:18:12Z</ServerTime>), and,
# for a request dated by Date, <RequestTime>Mon, 11 Jan 2010 04:05:53 GMT</RequestTime>.


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.parametrize("minutes", [-20, 20], ids=["behind", "ahead"])
@pytest.mark.parametrize("header", ["x-amz-date", "date"])
def test_sigv4_rejects_skewed_request_naming_the_request_time_as_sent(
    raw: RawS3, bucket: str, minutes: int, header: str
) -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    signed = raw.sign_v4("GET", "/" + bucket, when=when, date_header=header == "date")
    answer = raw.send(signed)
    refused(answer, 403, "RequestTimeTooSkewed", accepted=f"request dated {minutes} minutes off accepted")
    got = _elements(answer, "RequestTime", "ServerTime", "MaxAllowedSkewMilliseconds")
    assert got["RequestTime"] == signed.headers[header], answer
    assert got["MaxAllowedSkewMilliseconds"] == "900000", answer
    server_time = got["ServerTime"] or ""
    assert _ISO_SECOND.fullmatch(server_time), answer
    parsed = dt.datetime.strptime(server_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs(parsed - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2), answer


# -- which header dates the request ---------------------------------------------------------------


def test_sigv4_x_amz_date_dates_a_request_that_also_carries_a_stale_date(raw: RawS3, bucket: str) -> None:
    """sig-v4-header-based-auth.html: the time stamp is ``x-amz-date`` or ``Date``; with both, the
    request is dated by ``x-amz-date`` (as RESTAuthentication.html says outright for Signature
    Version 2): a signed ``Date`` a year old does not make the request skewed."""
    stale = formatdate((dt.datetime.now(dt.UTC) - dt.timedelta(days=365)).timestamp(), usegmt=True)
    answer = raw.send(raw.sign_v4("GET", "/" + bucket, headers={"date": stale}))
    assert answer.status == 200, answer


def test_sigv4_rejects_stale_x_amz_date_even_with_a_current_date(raw: RawS3, bucket: str) -> None:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    fresh = formatdate(usegmt=True)
    answer = raw.send(raw.sign_v4("GET", "/" + bucket, headers={"date": fresh}, when=when))
    refused(answer, 403, "RequestTimeTooSkewed", accepted="stale x-amz-date accepted beside a current Date")


# -- what the other refusals name -----------------------------------------------------------------


@pytest.mark.aws_doc(_ERRORS)
def test_sigv4_rejects_region_of_another_endpoint_naming_the_expected_region(raw: RawS3, bucket: str) -> None:
    """ErrorResponses.html, AuthorizationHeaderMalformed (400); the answer names the region the
    endpoint expects in ``<Region>``, which SDKs read to retry in the right region."""
    region = raw.endpoint.region
    other = "eu-west-1" if region != "eu-west-1" else "us-west-2"
    answer = raw.request("GET", "/" + bucket, region=other)
    refused(answer, 400, "AuthorizationHeaderMalformed", accepted="credential scope of another region accepted")
    assert _elements(answer, "Region")["Region"] == region, answer


@pytest.mark.aws_doc(_ERRORS)
def test_sigv4_rejects_body_not_matching_its_hash_naming_both_hashes(raw: RawS3, s3: Any, bucket: str) -> None:
    """ErrorResponses.html, XAmzContentSHA256Mismatch (400): the answer names the hash the client
    sent (``ClientComputedContentSHA256``) and the hash of the bytes received
    (``S3ComputedContentSHA256``); nothing is stored."""
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=b"promised")
    signed.body = b"delivere"
    answer = raw.send(signed)
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="body not matching its hash accepted")
    assert _elements(answer, "ClientComputedContentSHA256", "S3ComputedContentSHA256") == {
        "ClientComputedContentSHA256": hashlib.sha256(b"promised").hexdigest(),
        "S3ComputedContentSHA256": hashlib.sha256(b"delivere").hexdigest(),
    }, answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


@pytest.mark.aws_doc(_ERRORS)
def test_sigv4_rejects_unknown_access_key_naming_it(raw: RawS3, bucket: str) -> None:
    """ErrorResponses.html, InvalidAccessKeyId (403), with the key in ``<AWSAccessKeyId>``; a known
    key with the wrong secret is SignatureDoesNotMatch instead (the key exists)."""
    answer = raw.request("GET", "/" + bucket, access_key="AKIANOTAREALKEY00000")
    refused(answer, 403, "InvalidAccessKeyId", accepted="unknown access key accepted")
    assert _elements(answer, "AWSAccessKeyId")["AWSAccessKeyId"] == "AKIANOTAREALKEY00000", answer
    wrong = raw.request("GET", "/" + bucket, secret="not-the-secret")
    refused(wrong, 403, "SignatureDoesNotMatch", accepted="wrong secret accepted")


# -- x-amz-content-sha256 covers every body, documents too ----------------------------------------
# sig-v4-header-based-auth.html: the signature covers the payload through x-amz-content-sha256, and
# ErrorResponses.html: XAmzContentSHA256Mismatch (400) when the body received does not hash to it.
# A configuration document or a DeleteObjects list is a payload like an object's bytes: one changed
# on the way (with a Content-MD5 recomputed to match, as Content-MD5 is not signed) changes nothing.


def _tampered(
    raw: RawS3, method: str, path: str, params: list[tuple[str, str]], signed_body: bytes, sent: bytes
) -> Any:
    signed = raw.sign_v4(method, path, params, body=signed_body)
    signed.body = sent
    signed.headers["content-md5"] = base64.b64encode(hashlib.md5(sent, usedforsecurity=False).digest()).decode()
    return raw.send(signed)


def _tag_set(key: str, value: str) -> bytes:
    return f"<Tagging><TagSet><Tag><Key>{key}</Key><Value>{value}</Value></Tag></TagSet></Tagging>".encode()


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.s3_requires("tagging")
def test_sigv4_rejects_object_tagging_document_not_matching_its_hash(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", Tagging="state=original")
    answer = _tampered(
        raw, "PUT", key_path(bucket, "o"), [("tagging", "")], _tag_set("state", "signed"), _tag_set("state", "forged")
    )
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="tagging document changed after signing accepted")
    assert s3.get_object_tagging(Bucket=bucket, Key="o")["TagSet"] == [{"Key": "state", "Value": "original"}]


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.s3_requires("delete_objects")
def test_sigv4_rejects_delete_objects_list_not_matching_its_hash(raw: RawS3, s3: Any, bucket: str) -> None:
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")

    def listing(key: str) -> bytes:
        return f"<Delete><Object><Key>{key}</Key></Object></Delete>".encode()

    answer = _tampered(raw, "POST", "/" + bucket, [("delete", "")], listing("a"), listing("b"))
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="DeleteObjects list changed after signing accepted")
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["a", "b"]


@pytest.mark.aws_doc(_ERRORS)
def test_sigv4_rejects_bucket_tagging_document_not_matching_its_hash(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = _tampered(
        raw, "PUT", "/" + bucket, [("tagging", "")], _tag_set("team", "signed"), _tag_set("team", "forged")
    )
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="bucket tagging document changed after signing accepted")
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == (404, "NoSuchTagSet")


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_sigv4_rejects_bodiless_request_whose_signed_hash_is_not_of_nothing(
    raw: RawS3, s3: Any, bucket: str, method: str
) -> None:
    """A request without a body has the empty payload, whose SHA-256 is e3b0c442...b855 (the value
    sig-v4-header-based-auth.html gives for GET): a hash of something else is 400
    XAmzContentSHA256Mismatch whatever the method, as for an empty PUT (ceph/ceph#55250 made RGW
    check it too), and the DELETE deletes nothing."""
    s3.put_object(Bucket=bucket, Key="o", Body=b"x")
    answer = raw.request(method, key_path(bucket, "o"), payload_hash=hashlib.sha256(b"not empty").hexdigest())
    if method == "HEAD":  # no body to name the code in
        assert answer.status == 400, answer
    else:
        refused(answer, 400, "XAmzContentSHA256Mismatch", accepted=f"{method} signed over another payload accepted")
    assert s3.get_object(Bucket=bucket, Key="o")["Body"].read() == b"x"


@pytest.mark.aws_doc(_API + "sigv4-streaming.html")
def test_sigv4_rejects_body_reframed_as_aws_chunked_under_a_signed_hash(raw: RawS3, s3: Any, bucket: str) -> None:
    """A body is aws-chunked framed when x-amz-content-sha256 says STREAMING-... (sigv4-streaming.html);
    a request signed over the hash of its payload is not a stream, whatever an unsigned
    ``Content-Encoding: aws-chunked`` added on the way says: a forged body framed as chunks does not
    hash to the signed value and is 400 XAmzContentSHA256Mismatch, the object unchanged."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=b"genuine")
    signed.headers["content-encoding"] = "aws-chunked"
    signed.body = b"6\r\nforged\r\n0\r\n\r\n"
    answer = raw.send(signed)
    refused(answer, 400, "XAmzContentSHA256Mismatch", accepted="forged aws-chunked body accepted under a signed hash")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


def test_sigv4_signed_payload_with_content_encoding_aws_chunked_is_stored_as_sent(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """A fully signed upload that says ``Content-Encoding: aws-chunked`` without being a stream is
    taken as it is, the aws-chunked coding dropped from what is stored (S3's answer as characterised
    in rustfs/rustfs#4962; API_PutObject.html: aws-chunked is the one coding S3 removes)."""
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"content-encoding": "aws-chunked"}, body=b"genuine")
    assert answer.status == 200, answer
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["Body"].read(), got.get("ContentEncoding")) == (b"genuine", None)


# -- how the Authorization header may be spelled --------------------------------------------------


def _respelled(raw: RawS3, bucket: str, edit: Any) -> Any:
    signed = raw.sign_v4("GET", "/" + bucket)
    algorithm, rest = signed.headers["authorization"].split(" ", 1)
    components = [c.strip() for c in rest.split(",")]
    signed.headers["authorization"] = edit(algorithm, components)
    return raw.send(signed)


def test_sigv4_authorization_with_extra_spaces_around_its_commas_is_accepted(raw: RawS3, bucket: str) -> None:
    """sig-v4-header-based-auth.html separates the algorithm from the components by a space and the
    components by commas; whitespace around the commas is no part of any value (SDKs differ:
    botocore writes ``, ``, the page's own example ``,``), so runs of spaces change nothing."""
    answer = _respelled(raw, bucket, lambda alg, c: f"{alg}   {c[0]} ,  {c[1]} ,{c[2]}")
    assert answer.status == 200, answer


@pytest.mark.parametrize(
    "edit",
    [
        lambda alg, c: f"{alg} {c[0]}, {c[1]}, {c[2]}, {c[2]}",
        lambda alg, c: f"{alg} {c[0]}, {c[0]}, {c[1]}, {c[2]}",
        lambda alg, c: f"{alg} {c[0]}, {c[2]}",
    ],
    ids=["signature-twice", "credential-twice", "no-signed-headers"],
)
def test_sigv4_rejects_authorization_with_a_component_twice_or_missing_with_400(
    raw: RawS3, bucket: str, edit: Any
) -> None:
    answer = _respelled(raw, bucket, edit)
    refused(answer, 400, "AuthorizationHeaderMalformed", accepted="Authorization with a component twice accepted")


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.parametrize("value", ["aws4-hmac-sha256", "AWS4-HMAC-SHA1", "Basic dXNlcjpwYXNz"])
def test_sigv4_rejects_authorization_of_an_unknown_scheme_with_400_invalid_argument(
    raw: RawS3, bucket: str, value: str
) -> None:
    """The scheme is matched exactly (``AWS4-HMAC-SHA256`` or SigV2's ``AWS``); any other is 400
    InvalidArgument ("Unsupported Authorization Type"), naming the header."""
    answer = _respelled(raw, bucket, lambda alg, c: f"{value} {', '.join(c)}")
    refused(answer, 400, "InvalidArgument", accepted=f"Authorization scheme {value!r} accepted")
    assert _elements(answer, "ArgumentName")["ArgumentName"] == "Authorization", answer


# -- canonical URIs and queries -------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["a b", "a+b", "tilde~key", "caf\u00e9/\u65e5\u672c", "a//b", "/leading", "percent%2Fkept", "sub!*'()$&=;:,@x"],
    ids=["space", "plus", "tilde", "unicode", "double-slash", "leading-slash", "percent-2f", "sub-delims"],
)
def test_sigv4_key_needing_encoding_is_signed_over_its_encoded_path(raw: RawS3, s3: Any, bucket: str, key: str) -> None:
    """sig-v4-header-based-auth.html, CanonicalURI: S3 encodes each path byte but the unreserved
    ones once, keeps ``/``, and does not normalise the path (``//`` and a leading ``/`` in a key are
    part of it). A request signed that way is accepted and names exactly that key."""
    answer = raw.request("PUT", key_path(bucket, key), body=key.encode())
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    got = raw.request("GET", key_path(bucket, key))
    assert (got.status, got.body) == (200, key.encode()), got


def test_sigv4_query_with_empty_values_and_bare_names_is_canonicalised_with_equals(raw: RawS3, bucket: str) -> None:
    """sig-v4-header-based-auth.html, CanonicalQueryString: a parameter without a value is
    ``name=`` and the pairs are sorted by name; a request sent as ``?versioning`` (no ``=``) and
    one with ``prefix=&list-type=2`` both verify."""
    bare = raw.sign_v4("GET", "/" + bucket, [("versioning", "")])
    bare.target = f"/{bucket}?versioning"
    answer = raw.send(bare)
    assert answer.status == 200 and b"VersioningConfiguration" in answer.body, answer
    listed = raw.request("GET", "/" + bucket, [("prefix", ""), ("list-type", "2"), ("max-keys", "5")])
    assert listed.status == 200 and b"<MaxKeys>5</MaxKeys>" in listed.body, listed


# -- Signature Version 2 ---------------------------------------------------------------------------


def _sign_v2(raw: RawS3, method: str, resource: str, headers: dict[str, str], *, date_line: str) -> Signed:
    """A SigV2 header-signed request: ``date_line`` is the Date line of the string to sign."""
    amz = "".join(f"{name}:{headers[name]}\n" for name in sorted(headers) if name.startswith("x-amz-"))
    to_sign = (
        f"{method}\n{headers.get('content-md5', '')}\n{headers.get('content-type', '')}\n{date_line}\n{amz}{resource}"
    )
    digest = hmac.new(raw.endpoint.secret_key.encode(), to_sign.encode(), hashlib.sha1).digest()
    auth = f"AWS {raw.endpoint.access_key}:{base64.b64encode(digest).decode()}"
    return Signed(method, resource, {"host": raw.host_header, **headers, "authorization": auth})


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_x_amz_date_replaces_date_with_an_empty_date_line(raw: RawS3, s3: Any, bucket: str) -> None:
    """RESTAuthentication.html, Time stamp requirement: a client that cannot set ``Date`` sends
    ``x-amz-date``; the Date line of the string to sign is then empty and x-amz-date is signed as
    an amz header."""
    path = key_path(bucket, "v2")
    signed = _sign_v2(raw, "PUT", path, {"x-amz-date": formatdate(usegmt=True)}, date_line="")
    signed.body = b"dated by x-amz-date"
    answer = raw.send(signed)
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="v2")["Body"].read() == b"dated by x-amz-date"


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_rejects_stale_x_amz_date_beside_a_current_date(raw: RawS3, bucket: str) -> None:
    """RESTAuthentication.html: "When an x-amz-date header is present in a request, the system will
    ignore any Date header"; a 20-minute-old x-amz-date is RequestTimeTooSkewed (403), naming it."""
    stale = formatdate((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).timestamp(), usegmt=True)
    signed = _sign_v2(raw, "GET", "/" + bucket, {"x-amz-date": stale}, date_line="")
    signed.headers["date"] = formatdate(usegmt=True)
    answer = raw.send(signed)
    refused(answer, 403, "RequestTimeTooSkewed", accepted="SigV2 request with a stale x-amz-date accepted")
    assert _elements(answer, "RequestTime")["RequestTime"] == stale, answer


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_subresource_is_part_of_the_signed_resource(raw: RawS3, bucket: str) -> None:
    """RESTAuthentication.html, CanonicalizedResource: a sub-resource such as ``?acl`` is appended
    to the resource that is signed; a signature over the bare path does not authorize ``?acl``."""
    path = "/" + bucket
    date = formatdate(usegmt=True)
    signed = _sign_v2(raw, "GET", path + "?acl", {"date": date}, date_line=date)
    answer = raw.send(signed)
    assert answer.status == 200 and b"AccessControlPolicy" in answer.body, answer
    bare = _sign_v2(raw, "GET", path, {"date": date}, date_line=date)
    bare.target = path + "?acl"
    refused(raw.send(bare), 403, "SignatureDoesNotMatch", accepted="SigV2 signature without its sub-resource accepted")


# -- what SignatureDoesNotMatch spells out -----------------------------------------------------------
# AWS's SignatureDoesNotMatch answers carry the texts it signed and, for a client to compare byte by
# byte, the same texts as space-separated hex bytes (StringToSignBytes, CanonicalRequestBytes:
# "41 57 53 34 2d ..."), as the answers quoted in reference_sigv-troubleshooting.html show.


def _hex_bytes(text: str) -> str:
    return " ".join(f"{b:02x}" for b in text.encode())


@pytest.mark.aws_doc("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html")
def test_sigv4_rejects_wrong_secret_spelling_the_signed_texts_as_bytes(raw: RawS3, bucket: str) -> None:
    signed = raw.sign_v4("GET", "/" + bucket, secret="not-the-secret")
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="wrong signature accepted")
    got = _elements(answer, "StringToSignBytes", "CanonicalRequestBytes")
    assert got == {
        "StringToSignBytes": _hex_bytes(signed.extra["string_to_sign"]),
        "CanonicalRequestBytes": _hex_bytes(signed.extra["canonical_request"]),
    }, answer


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_rejects_wrong_secret_naming_the_string_to_sign(raw: RawS3, bucket: str) -> None:
    """RESTAuthentication.html: the string to sign is the verb, Content-MD5, Content-Type, Date,
    the amz headers and the resource, one per line; a SignatureDoesNotMatch answer names the
    access key, the signature provided and that string, as text and as bytes."""
    date = formatdate(usegmt=True)
    signed = _sign_v2(raw, "GET", "/" + bucket, {"date": date}, date_line=date)
    provided = base64.b64encode(b"\x00" * 20).decode()
    signed.headers["authorization"] = f"AWS {raw.endpoint.access_key}:{provided}"
    answer = raw.send(signed)
    refused(answer, 403, "SignatureDoesNotMatch", accepted="SigV2 signature of zeros accepted")
    string_to_sign = f"GET\n\n\n{date}\n/{bucket}"
    got = _elements(answer, "AWSAccessKeyId", "SignatureProvided", "StringToSign", "StringToSignBytes")
    assert got == {
        "AWSAccessKeyId": raw.endpoint.access_key,
        "SignatureProvided": provided,
        "StringToSign": string_to_sign,
        "StringToSignBytes": _hex_bytes(string_to_sign),
    }, answer


# -- canonical header values ------------------------------------------------------------------------


@pytest.mark.s3_requires("metadata")
def test_sigv4_header_value_is_signed_with_its_spaces_trimmed_and_collapsed(raw: RawS3, s3: Any, bucket: str) -> None:
    """sig-v4-header-based-auth.html, CanonicalHeaders: each value is trimmed and its inner runs of
    spaces become one (Trimall) for signing; a value with runs of spaces verifies."""
    answer = raw.request("PUT", key_path(bucket, "t"), headers={"x-amz-meta-a": "  one   two  "}, body=b"x")
    assert answer.status == 200, answer
    assert s3.head_object(Bucket=bucket, Key="t")["Metadata"]["a"].strip() == "one   two"


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_sigv2_amz_header_is_signed_lower_cased_and_trimmed(raw: RawS3, bucket: str) -> None:
    """RESTAuthentication.html, CanonicalizedAmzHeaders: each x-amz- header name is lower-cased
    and the whitespace around the colon is trimmed; ``X-Amz-Meta-Name:  spaced`` signs as
    ``x-amz-meta-name:spaced``, and a signature over the untrimmed value does not verify."""
    path, date = key_path(bucket, "v2"), formatdate(usegmt=True)
    for signed_line, status in (("x-amz-meta-name:spaced value", 200), ("x-amz-meta-name:  spaced value", 403)):
        to_sign = f"PUT\n\n\n{date}\n{signed_line}\n{path}"
        digest = hmac.new(raw.endpoint.secret_key.encode(), to_sign.encode(), hashlib.sha1).digest()
        headers = {
            "host": raw.host_header,
            "date": date,
            "X-Amz-Meta-Name": "  spaced value",
            "authorization": f"AWS {raw.endpoint.access_key}:{base64.b64encode(digest).decode()}",
        }
        answer = raw.send(Signed("PUT", path, headers, b"x"))
        assert answer.status == status, (signed_line, answer)


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_ERRORS)
def test_sigv2_rejects_unknown_access_key_naming_it(raw: RawS3, bucket: str) -> None:
    signed = raw.sign_v2("GET", "/" + bucket)
    signed.headers["authorization"] = "AWS AKIANOTAREALKEY00000:" + signed.headers["authorization"].split(":", 1)[1]
    answer = raw.send(signed)
    refused(answer, 403, "InvalidAccessKeyId", accepted="SigV2 header of an unknown access key accepted")
    assert _elements(answer, "AWSAccessKeyId")["AWSAccessKeyId"] == "AKIANOTAREALKEY00000", answer
