"""PutObject, GetObject, HeadObject and DeleteObject, second deeper pass: the edges of their headers
that the first pass left open (conditional writes with a value AWS does not take, weak entity-tags,
the InvalidRange error document, header text AWS keeps as given, HEAD error answers, DeleteObject's
answer, user metadata sizes and repeated headers, keys that are only a prefix).

Sources: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, API_GetObject.html,
API_HeadObject.html, API_DeleteObject.html, ErrorResponses.html, the user guide's UsingMetadata.html
and object-keys.html, and RFC 7232, which the conditional headers of every one of these pages name
("For more information about conditional requests, see RFC 7232").
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

pytestmark = [pytest.mark.s3_requires("objects"), pytest.mark.aws_doc(_API + "API_PutObject.html")]

TEN = b"0123456789"
TEN_ETAG = '"781e5e245d69b566979b86e28d23f2c7"'  # MD5 of TEN
OTHER_ETAG = '"00000000000000000000000000000000"'


# -- conditional writes: If-None-Match takes only "*" ------------------------------------------------
# API_PutObject.html, If-None-Match: "Uploads the object only if the object key name does not already
# exist in the bucket specified. [...] Expects the '*' (asterisk) character." AWS answers any other
# value 501 NotImplemented ("A header you provided implies functionality that is not implemented",
# ErrorResponses.html), whether or not the value names the current ETag: aws/aws-sdk-ruby#3144,
# "Using if_none_match: etag returns Aws::S3::Errors::NotImplemented" against S3 itself. Taking it
# as an entity-tag list instead would overwrite an object the client meant to keep whenever the
# tags differ.


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize("value", [TEN_ETAG, OTHER_ETAG, f"{OTHER_ETAG}, {TEN_ETAG}"], ids=["same", "other", "list"])
def test_put_object_if_none_match_other_than_star_is_501_not_implemented(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"if-none-match": value}, body=b"replaced")
    assert (answer.status, answer.code) == (501, "NotImplemented"), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == TEN
    answer = raw.request("PUT", key_path(bucket, "new"), headers={"if-none-match": value}, body=b"created")
    assert (answer.status, answer.code) == (501, "NotImplemented"), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="new")) == (404, None)


@pytest.mark.s3_requires("conditional", "copy")
@pytest.mark.aws_doc(_API + "API_CopyObject.html")
def test_copy_object_if_none_match_other_than_star_is_501_not_implemented(s3: Any, bucket: str) -> None:
    # API_CopyObject.html, If-None-Match: "Copies the object only if the object key name at the
    # destination does not already exist [...] Expects the '*' (asterisk) character."
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    s3.put_object(Bucket=bucket, Key="dst", Body=TEN)
    source = {"Bucket": bucket, "Key": "src"}
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, IfNoneMatch=OTHER_ETAG)) == (
        501,
        "NotImplemented",
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == TEN


@pytest.mark.s3_requires("conditional", "multipart")
@pytest.mark.aws_doc(_API + "API_CompleteMultipartUpload.html")
def test_complete_multipart_upload_if_none_match_other_than_star_is_501_not_implemented(s3: Any, bucket: str) -> None:
    # API_CompleteMultipartUpload.html, If-None-Match: "Expects the '*' (asterisk) character." The
    # upload stays in progress, so it can be completed with a condition AWS takes.
    s3.put_object(Bucket=bucket, Key="mp", Body=TEN)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts, IfNoneMatch=OTHER_ETAG
        )
    ) == (501, "NotImplemented")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == TEN
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts)
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"part"


# -- weak entity-tags ------------------------------------------------------------------------------
# RFC 7232 section 3.1: "An origin server MUST use the strong comparison function when comparing
# entity-tags for If-Match", and section 2.3.2: two entity-tags are strongly equal only if "both are
# not weak". A weak tag in If-Match therefore never matches: 412. Section 3.2: "A recipient MUST use
# the weak comparison function when comparing entity-tags for If-None-Match", under which W/"x"
# matches "x": 304 for a read.


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_match_with_a_weak_etag_never_matches(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request(method, key_path(bucket, "k"), headers={"if-match": f"W/{TEN_ETAG}"})
    assert answer.status == 412, answer
    answer = raw.request(method, key_path(bucket, "k"), headers={"if-match": f"W/{OTHER_ETAG}, {TEN_ETAG}"})
    assert answer.status == 200, answer


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_with_a_weak_etag_matches(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request(method, key_path(bucket, "k"), headers={"if-none-match": f"W/{TEN_ETAG}"})
    assert (answer.status, answer.body) == (304, b""), answer


@pytest.mark.s3_requires("conditional")
def test_put_object_if_match_with_a_weak_etag_is_412(raw: RawS3, s3: Any, bucket: str) -> None:
    # API_PutObject.html, If-Match: "Uploads the object only if the ETag (entity tag) value provided
    # during the WRITE operation matches the ETag of the object in S3" (RFC 7232: strongly).
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"if-match": f"W/{TEN_ETAG}"}, body=b"replaced")
    assert (answer.status, answer.code) == (412, "PreconditionFailed"), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == TEN


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_unmodified_since_that_fails_is_checked_before_if_none_match(
    raw: RawS3, s3: Any, bucket: str, method: str
) -> None:
    # RFC 7232 section 6: without If-Match, If-Unmodified-Since is evaluated (step 2) before
    # If-None-Match (step 3); when it fails the answer is 412, whatever If-None-Match would say.
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    headers = {"if-unmodified-since": "Sat, 01 Jan 2000 00:00:00 GMT", "if-none-match": TEN_ETAG}
    answer = raw.request(method, key_path(bucket, "k"), headers=headers)
    assert answer.status == 412, answer


# -- ranges ----------------------------------------------------------------------------------------

BIG = "9" * 25  # past any 64-bit integer
HUGE = "9" * 5000  # more digits than Python turns into an int by default (4,300): must not cost a 500


@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize(
    ("value", "status", "body"),
    [
        ("bytes=-", 200, TEN),
        (f"bytes=0-{BIG}", 206, TEN),
        (f"bytes=4-{BIG}", 206, b"456789"),
        (f"bytes=0-{HUGE}", 206, TEN),
        (f"bytes=-{HUGE}", 206, TEN),
        (f"bytes={'0' * 5000}5-", 206, b"56789"),
        ("bytes=\udcef\udcbc\udc93-", 200, TEN),  # the UTF-8 bytes of a fullwidth 3: not a DIGIT
    ],
    ids=[
        "no-positions",
        "huge-last",
        "huge-last-from-4",
        "5000-digit-last",
        "5000-digit-suffix",
        "5000-zeros-first",
        "fullwidth-digit",
    ],
)
def test_get_object_range_edges(raw: RawS3, s3: Any, bucket: str, value: str, status: int, body: bytes) -> None:
    # API_GetObject.html, Range: "Downloads the specified byte range of an object" (RFC 9110 section
    # 14.1.2): "bytes=-" names no range (ignored: the whole object), nor does a position that is not
    # ASCII digits (RFC 5234 DIGIT); a position past the end, however many digits it has, stands for
    # the end.
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "r"), headers={"range": value})
    assert (answer.status, answer.body) == (status, body), answer
    if status == 206:
        assert answer.headers.get("content-range") == f"bytes {10 - len(body)}-9/10"


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize(
    "value",
    ["bytes=20-30", "bytes=10-", f"bytes={BIG}-", f"bytes={HUGE}-"],
    ids=["closed", "open", "huge", "5000-digits"],
)
def test_get_object_unsatisfiable_range_error_names_the_range_and_the_object_size(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    # ErrorResponses.html: InvalidRange, 416, "The requested range cannot be satisfied." AWS's error
    # document carries the range asked for and the size of the object (RangeRequested,
    # ActualObjectSize), which SDKs read to ask again without a range: the AWS answer is quoted in
    # versity/versitygw#2069 and minio/minio#19668 ("AWS S3 returns the actual object size as part
    # of the XML response for the InvalidRange error").
    import xml.etree.ElementTree as ET

    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "r"), headers={"range": value})
    assert (answer.status, answer.code) == (416, "InvalidRange"), answer
    fields = {child.tag: child.text for child in ET.fromstring(answer.body)}
    assert (fields.get("RangeRequested"), fields.get("ActualObjectSize")) == (value, "10"), fields


# -- header text kept as given ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["not a date", "2030-01-01T00:00:00Z", "0"], ids=["words", "iso-8601", "zero"])
def test_put_object_expires_that_is_not_an_http_date_is_kept_as_given(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    # API_PutObject.html, Expires: "The date and time at which the object is no longer cacheable."
    # S3 does not refuse a value that is not an HTTP-date: it stores it and sends it back as given,
    # which is why the SDKs keep the raw text beside the parsed date (smithy-lang/smithy#2094, the S3
    # protocol test "GetObjectInvalidExpires": clients must not fail on it; aws/aws-sdk-ruby#1216:
    # "If Amazon S3 responds with `Expires: abc`", resp.expires_string is "abc"). RFC 9111 section
    # 5.3 tells caches to read such a value as a time in the past.
    answer = raw.request("PUT", key_path(bucket, "e"), headers={"expires": value}, body=b"x")
    assert answer.status == 200, answer
    for method in ("HEAD", "GET"):
        answer = raw.request(method, key_path(bucket, "e"))
        assert (answer.status, answer.headers.get("expires")) == (200, value), answer


# -- HEAD errors: the status alone -----------------------------------------------------------------
# API_HeadObject.html: "The response is identical to the GET response except that there is no
# response body. Because of this, if the HEAD request generates an error, it returns a generic code,
# such as 400 Bad Request, 403 Forbidden, 404 Not Found, 405 Method Not Allowed, 412 Precondition
# Failed, or 304 Not Modified. It's not possible to retrieve the exact exception of these error codes."

_HEAD_ERRORS: dict[str, tuple[dict[str, Any], int]] = {
    "precondition": ({"headers": {"if-match": OTHER_ETAG}}, 412),
    "range": ({"headers": {"range": "bytes=10-"}}, 416),
    "signature": ({"secret": "not-the-secret"}, 403),
    "part-number": ({"params": [("partNumber", "0")]}, 400),
    "missing-key": ({"key": "none"}, 404),
    "missing-bucket": ({"bucket": "-none"}, 404),
}


@pytest.mark.aws_doc(_API + "API_HeadObject.html")
@pytest.mark.parametrize("case", list(_HEAD_ERRORS))
def test_head_object_error_is_its_status_without_a_body(raw: RawS3, s3: Any, bucket: str, case: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    options, status = _HEAD_ERRORS[case]
    path = key_path(bucket + options.get("bucket", ""), options.get("key", "k"))
    sign = {name: value for name, value in options.items() if name in ("headers", "secret")}
    answer = raw.request("HEAD", path, options.get("params", ()), **sign)
    assert (answer.status, answer.body) == (status, b""), answer
    assert answer.headers.get("x-amz-request-id"), answer.headers


# -- DeleteObject's answer -------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_DeleteObject.html")
@pytest.mark.parametrize("key", ["k", "never-written"], ids=["existing", "missing"])
def test_delete_object_in_an_unversioned_bucket_is_204_without_marker_or_version(
    raw: RawS3, s3: Any, bucket: str, key: str
) -> None:
    # API_DeleteObject.html: x-amz-delete-marker and x-amz-version-id speak of versions and delete
    # markers, which a bucket that never had versioning does not make; the page's example answer to
    # a simple delete is "HTTP/1.1 204 NoContent" with the request-id headers and no body. A key that
    # was never written gets the same answer ("If there isn't a null version, Amazon S3 does not
    # remove any objects but will still respond that the command was successful").
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request("DELETE", key_path(bucket, key))
    assert (answer.status, answer.body) == (204, b""), answer
    assert "x-amz-delete-marker" not in answer.headers and "x-amz-version-id" not in answer.headers, answer.headers
    assert answer.headers.get("x-amz-request-id"), answer.headers
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key)) == (404, None)


# -- user metadata ---------------------------------------------------------------------------------


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc(_GUIDE + "UsingMetadata.html")
def test_user_metadata_names_count_toward_the_2kb(s3: Any, bucket: str) -> None:
    # UsingMetadata.html: the 2 KB of user-defined metadata are "the sum of the number of bytes in the
    # UTF-8 encoding of each key and value": a 2,000-byte name leaves 48 bytes for its value.
    name = "n" * 2000
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={name: "v" * 48})
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == {name: "v" * 48}
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="n", Body=b"x", Metadata={name: "v" * 49})) == (
        400,
        "MetadataTooLarge",
    )
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="n")) == (404, None)


def _put_with_repeated_header(raw: RawS3, bucket: str, key: str, lines: list[tuple[str, str]]) -> int:
    """PUT ``key`` sending each (name, value) of ``lines`` as a header line of its own; all of them
    one header by name. Signed as sig-v4-header-based-auth.html says for a repeated header: its
    values joined by commas, in order, under the lower-cased name. The status of the answer."""
    import http.client

    if raw.scheme != "http":
        pytest.skip("capability: the repeated-header helper speaks plain HTTP")
    name = lines[0][0].lower()
    signed = raw.sign_v4("PUT", key_path(bucket, key), headers={name: ",".join(v for _, v in lines)}, body=b"x")
    conn = http.client.HTTPConnection(raw.host, raw.port, timeout=30)
    try:
        conn.putrequest("PUT", signed.target, skip_host=True, skip_accept_encoding=True)
        for header_name, value in signed.headers.items():
            if header_name != name:
                conn.putheader(header_name, value)
        for header_name, value in lines:
            conn.putheader(header_name, value)
        conn.putheader("content-length", "1")
        conn.endheaders(b"x")
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc(_GUIDE + "UsingMetadata.html")
def test_repeated_metadata_header_keeps_every_value_in_order(raw: RawS3, s3: Any, bucket: str) -> None:
    # A header sent twice is one header whose value is the list of both (RFC 9110 section 5.3: "by
    # appending each subsequent field line value to the combined field line value in order, separated
    # by a comma"); header names are case-insensitive, so x-amz-meta-a and X-Amz-Meta-A are the same
    # field, stored under its lower-case name (UsingMetadata.html: "Amazon S3 stores user-defined
    # metadata keys in lowercase"). Neither value is lost.
    status = _put_with_repeated_header(raw, bucket, "m", [("x-amz-meta-a", "first"), ("X-Amz-Meta-A", "second")])
    assert status == 200
    metadata = s3.head_object(Bucket=bucket, Key="m")["Metadata"]
    assert list(metadata) == ["a"], metadata
    assert [value.strip() for value in metadata["a"].split(",")] == ["first", "second"], metadata


# -- keys ------------------------------------------------------------------------------------------


@pytest.mark.s3_requires("listing")
@pytest.mark.aws_doc(_GUIDE + "object-keys.html")
@pytest.mark.parametrize("key", ["x", "x/"], ids=["no-slash", "slash"])
def test_key_that_is_only_a_prefix_of_others_is_no_object(raw: RawS3, s3: Any, bucket: str, key: str) -> None:
    # object-keys.html: "The Amazon S3 data model is a flat structure [...] There is no hierarchy of
    # subbuckets or subfolders." With only x/y written, x and x/ name no object: GET 404 NoSuchKey,
    # HEAD 404, DELETE 204 that removes nothing (a store that keeps x/y as a file in a directory x
    # must not read, or remove, the directory).
    s3.put_object(Bucket=bucket, Key="x/y", Body=b"child")
    answer = raw.request("GET", key_path(bucket, key))
    assert (answer.status, answer.code) == (404, "NoSuchKey"), answer
    assert raw.request("HEAD", key_path(bucket, key)).status == 404
    assert raw.request("DELETE", key_path(bucket, key)).status == 204
    assert s3.get_object(Bucket=bucket, Key="x/y")["Body"].read() == b"child"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["x/y"]


# -- the size of the request headers ---------------------------------------------------------------


@pytest.mark.aws_doc(_GUIDE + "UsingMetadata.html")
def test_put_object_header_section_over_8kb_is_400_request_header_section_too_large(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    # UsingMetadata.html: "The PUT request header is limited to 8 KB in size." ErrorResponses.html,
    # RequestHeaderSectionTooLarge (400): "The request header and query parameters used to make the
    # request exceed the maximum allowed size." Each header is short enough on its own (no user
    # metadata at all), the section is not; nothing is stored. Well under the limit, the same
    # headers are kept.
    big = {name: "v" * 3000 for name in ("cache-control", "content-disposition", "content-language")}
    answer = raw.request("PUT", key_path(bucket, "k"), headers=big, body=b"x")
    assert (answer.status, answer.code) == (400, "RequestHeaderSectionTooLarge"), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)
    small = {name: "v" * 1500 for name in big}
    assert raw.request("PUT", key_path(bucket, "k"), headers=small, body=b"x").status == 200
    assert header(s3.head_object(Bucket=bucket, Key="k"), "cache-control") == "v" * 1500


# -- response-* overrides: on success only ---------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize(
    ("key", "headers", "status", "code"),
    [("none", {}, 404, "NoSuchKey"), ("k", {"if-match": OTHER_ETAG}, 412, "PreconditionFailed")],
    ids=["no-such-key", "precondition-failed"],
)
def test_response_overrides_leave_an_error_answer_alone(
    raw: RawS3, s3: Any, bucket: str, key: str, headers: dict[str, str], status: int, code: str
) -> None:
    # API_GetObject.html, "Overriding response header values through the request": "These response
    # header values are sent only on a successful request". An error answer stays the XML error
    # document of ErrorResponses.html ("Content-Type: application/xml").
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    params = [("response-content-type", "text/plain"), ("response-cache-control", "max-age=99")]
    answer = raw.request("GET", key_path(bucket, key), params, headers=headers)
    assert (answer.status, answer.code) == (status, code), answer
    assert answer.headers.get("content-type", "").split(";")[0] == "application/xml", answer.headers
    assert answer.headers.get("cache-control") != "max-age=99", answer.headers


# -- conditional writes refused before the body ----------------------------------------------------


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_API + "RESTObjectPUT.html")
@pytest.mark.parametrize(
    ("key", "headers", "status"),
    [
        ("k", {"if-none-match": "*"}, b"412"),
        ("k", {"if-match": OTHER_ETAG}, b"412"),
        ("none", {"if-match": TEN_ETAG}, b"404"),
        ("k", {"if-none-match": TEN_ETAG}, b"501"),
    ],
    ids=["exists", "etag-differs", "no-object", "not-a-star"],
)
def test_put_object_failing_condition_answers_before_100_continue(
    raw: RawS3, s3: Any, bucket: str, key: str, headers: dict[str, str], status: bytes
) -> None:
    # RESTObjectPUT.html, Expect: "If the message is rejected based on the headers, the body of the
    # message is not sent." A failing If-Match / If-None-Match is decided on the headers and the
    # object as it is: the final status comes instead of "100 Continue".
    from cargobay.testing.conformance_suite._http import UNSIGNED
    from cargobay.testing.conformance_suite.test_auth import _first_answer_to_expect_continue

    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    sent = {"expect": "100-continue", "content-length": "1000", **headers}
    signed = raw.sign_v4("PUT", key_path(bucket, key), body=b"y" * 1000, headers=sent, payload_hash=UNSIGNED)
    first = _first_answer_to_expect_continue(raw, signed)
    assert first.split(b" ")[1:2] == [status], first
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == TEN
