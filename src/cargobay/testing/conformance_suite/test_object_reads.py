"""GetObject and HeadObject, second pass: partNumber reads, HEAD with Range and response-*
overrides, the headers a 304 carries, conditional dates a server must ignore, and the headers of
every read.

Sources: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html and API_HeadObject.html
(PartNumber, x-amz-mp-parts-count, Range, the response-* parameters), and RFC 7232, which both
pages name for conditional requests ("For more information about conditional requests, see RFC 7232").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, same_bytes
from cargobay.testing.conformance_suite._http import key_path

pytestmark = [
    pytest.mark.s3_requires("objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"),
]

TEN = b"0123456789"
TEN_ETAG = '"781e5e245d69b566979b86e28d23f2c7"'
MIB5 = 5 * 1024 * 1024
PART1 = b"a" * MIB5
PART2 = b"bcd"

_DAY = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
IMF_FIXDATE = _DAY + r", \d{2} " + _MONTH + r" \d{4} \d{2}:\d{2}:\d{2} GMT"
OVERRIDES = [
    ("ResponseContentType", "response-content-type", "content-type", "application/x-test"),
    ("ResponseContentDisposition", "response-content-disposition", "content-disposition", "attachment; filename=y"),
    ("ResponseCacheControl", "response-cache-control", "cache-control", "no-store"),
    ("ResponseContentLanguage", "response-content-language", "content-language", "fr-CA"),
    ("ResponseContentEncoding", "response-content-encoding", "content-encoding", "identity"),
    ("ResponseExpires", "response-expires", "expires", "Thu, 01 Dec 1994 16:00:00 GMT"),
]
OVERRIDE_IDS = [param for _, param, _, _ in OVERRIDES]


def _two_part_object(s3: Any, bucket: str, key: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = [
        {
            "PartNumber": n,
            "ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=body)["ETag"],
        }
        for n, body in ((1, PART1), (2, PART2))
    ]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})


# -- partNumber ------------------------------------------------------------------------------------
# API_GetObject.html, partNumber: "Part number of the object being read. This is a positive integer
# between 1 and 10,000. Effectively performs a 'ranged' GET request for the part specified."
# x-amz-mp-parts-count: "The count of parts this object has. This value is only returned if you
# specify partNumber in your request and the object was uploaded as a multipart upload."


@pytest.mark.s3_requires("multipart")
def test_get_object_part_number_reads_that_part_with_parts_count(s3: Any, bucket: str) -> None:
    _two_part_object(s3, bucket, "mp")
    size = MIB5 + len(PART2)
    got = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    same_bytes(got["Body"].read(), PART2)
    assert header(got, "content-range") == f"bytes {MIB5}-{size - 1}/{size}"
    assert header(got, "content-length") == str(len(PART2))
    assert header(got, "x-amz-mp-parts-count") == "2"
    first = s3.get_object(Bucket=bucket, Key="mp", PartNumber=1)
    same_bytes(first["Body"].read(), PART1)
    assert header(first, "content-range") == f"bytes 0-{MIB5 - 1}/{size}"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
def test_head_object_part_number_gives_part_size_and_parts_count(s3: Any, bucket: str) -> None:
    _two_part_object(s3, bucket, "mp")
    size = MIB5 + len(PART2)
    head = s3.head_object(Bucket=bucket, Key="mp", PartNumber=1)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert header(head, "content-length") == str(MIB5)
    assert header(head, "content-range") == f"bytes 0-{MIB5 - 1}/{size}"
    assert head["PartsCount"] == 2


@pytest.mark.s3_requires("multipart")
def test_parts_count_only_with_part_number(s3: Any, bucket: str) -> None:
    _two_part_object(s3, bucket, "mp")
    got = s3.get_object(Bucket=bucket, Key="mp")
    got["Body"].close()
    assert header(got, "x-amz-mp-parts-count") is None
    assert header(s3.head_object(Bucket=bucket, Key="mp"), "x-amz-mp-parts-count") is None


def test_part_number_1_of_a_single_part_object_is_the_whole_object_without_parts_count(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="one", Body=TEN)
    got = s3.get_object(Bucket=bucket, Key="one", PartNumber=1)
    same_bytes(got["Body"].read(), TEN)
    assert header(got, "x-amz-mp-parts-count") is None
    assert header(got, "content-length") == "10"
    assert header(s3.head_object(Bucket=bucket, Key="one", PartNumber=1), "x-amz-mp-parts-count") is None


@pytest.mark.parametrize("number", ["0", "10001", "-1", "one"], ids=["zero", "10001", "negative", "not-a-number"])
def test_get_object_part_number_outside_1_to_10000_is_400_invalid_argument(
    raw: Any, s3: Any, bucket: str, number: str
) -> None:
    s3.put_object(Bucket=bucket, Key="one", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "one"), [("partNumber", number)])
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer


def test_get_object_part_number_with_range_is_400_invalid_request(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="one", Body=TEN)
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="one", PartNumber=1, Range="bytes=0-1")) == (
        400,
        "InvalidRequest",
    )


# -- HEAD with Range and response-* overrides -------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
def test_head_object_range_is_206_with_the_range_length(s3: Any, bucket: str) -> None:
    # API_HeadObject.html, Range: "HeadObject returns only the metadata for an object. If the Range
    # is satisfiable, only the ContentLength is affected in the response."
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    head = s3.head_object(Bucket=bucket, Key="r", Range="bytes=2-5")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert header(head, "content-length") == "4"
    assert header(head, "content-range") == "bytes 2-5/10"
    assert head["ETag"] == TEN_ETAG


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
def test_head_object_unsatisfiable_range_is_416(s3: Any, bucket: str) -> None:
    # API_HeadObject.html, Range: "If the Range is not satisfiable, S3 returns a 416 - Requested
    # Range Not Satisfiable error." A HEAD answer has no body, so no code.
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="r", Range="bytes=10-")) == (416, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
@pytest.mark.parametrize(("param", "query", "name", "value"), OVERRIDES, ids=OVERRIDE_IDS)
def test_head_object_response_override_replaces_the_header(
    s3: Any, bucket: str, param: str, query: str, name: str, value: str
) -> None:
    # API_HeadObject.html lists the same response-* parameters as GetObject.
    s3.put_object(
        Bucket=bucket,
        Key="o",
        Body=b"x",
        ContentType="text/plain",
        CacheControl="max-age=1",
        ContentLanguage="de",
        ContentDisposition="inline",
        ContentEncoding="gzip",
        Expires=datetime(2037, 1, 1, tzinfo=UTC),
    )
    head = s3.head_object(Bucket=bucket, Key="o", **{param: value})
    assert header(head, name) == value
    got = s3.get_object(Bucket=bucket, Key="o", **{param: value})
    got["Body"].close()
    assert header(got, name) == value


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
def test_anonymous_head_with_response_override_is_400(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    anonymous = s3_endpoint.anonymous_client()
    s3.put_object(Bucket=bucket, Key="public", Body=b"open", ACL="public-read")
    assert error_of(lambda: anonymous.head_object(Bucket=bucket, Key="public", ResponseCacheControl="x")) == (400, None)
    assert anonymous.head_object(Bucket=bucket, Key="public")["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize(("param", "query", "name", "value"), OVERRIDES, ids=OVERRIDE_IDS)
def test_presigned_get_with_response_override_replaces_the_header(
    s3_endpoint: Any, s3: Any, bucket: str, param: str, query: str, name: str, value: str
) -> None:
    # API_GetObject.html: the response-* parameters need "a valid request signed with the Authorization
    # header or a presigned URL"; a presigned URL signs them as query parameters.
    import urllib.request

    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain", CacheControl="max-age=1")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "o", param: value}, ExpiresIn=300)
    assert f"{query}=" in url
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert (answer.status, answer.read()) == (200, b"x")
        assert answer.headers.get(name) == value


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
def test_multipart_object_without_content_type_is_binary_octet_stream(raw: Any, s3: Any, bucket: str) -> None:
    # As for PutObject (test_objects): no Content-Type at creation stores binary/octet-stream.
    from xml.etree import ElementTree as ET

    answer = raw.request("POST", key_path(bucket, "m"), [("uploads", "")])
    assert answer.status == 200, answer
    upload = next(el.text for el in ET.fromstring(answer.body).iter() if el.tag.endswith("UploadId"))
    etag = s3.upload_part(Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=upload, MultipartUpload=parts)
    assert header(s3.head_object(Bucket=bucket, Key="m"), "content-type") == "binary/octet-stream"


# -- 304 Not Modified ----------------------------------------------------------------------------
# RFC 7232 §4.1: "The server generating a 304 response MUST generate any of the following header
# fields that would have been sent in a 200 (OK) response to the same request: Cache-Control,
# Content-Location, Date, ETag, Expires, and Vary." A 304 has no body.


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_not_modified_carries_etag_cache_control_and_expires(raw: Any, s3: Any, bucket: str, method: str) -> None:
    expires = "Wed, 21 Oct 2037 07:28:00 GMT"
    s3.put_object(
        Bucket=bucket, Key="c", Body=TEN, CacheControl="max-age=60", Expires=datetime(2037, 10, 21, 7, 28, tzinfo=UTC)
    )
    answer = raw.request(method, key_path(bucket, "c"), headers={"if-none-match": TEN_ETAG})
    assert (answer.status, answer.body) == (304, b""), answer
    assert answer.headers.get("etag") == TEN_ETAG
    assert answer.headers.get("cache-control") == "max-age=60"
    assert answer.headers.get("expires") == expires
    assert answer.headers.get("date") is not None
    assert answer.headers.get("last-modified") is not None


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize(
    "name", ["if-modified-since", "if-unmodified-since"], ids=["modified-since", "unmodified-since"]
)
@pytest.mark.parametrize("value", ["yesterday", "2000-01-01T00:00:00Z", ""], ids=["word", "iso-8601", "empty"])
def test_conditional_date_that_is_not_an_http_date_is_ignored(
    raw: Any, s3: Any, bucket: str, name: str, value: str
) -> None:
    # RFC 7232 §3.3 and §3.4: a recipient MUST ignore If-Modified-Since / If-Unmodified-Since
    # whose value is not a valid HTTP-date.
    s3.put_object(Bucket=bucket, Key="c", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "c"), headers={name: value})
    assert (answer.status, answer.body) == (200, TEN), answer


@pytest.mark.s3_requires("conditional")
def test_if_none_match_is_checked_before_an_unsatisfiable_range(raw: Any, s3: Any, bucket: str) -> None:
    # RFC 7233 §3.1: a server MUST ignore Range when the conditional request would fail without it.
    s3.put_object(Bucket=bucket, Key="c", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "c"), headers={"if-none-match": TEN_ETAG, "range": "bytes=50-"})
    assert answer.status == 304, answer
    modified = format_datetime(datetime.now(UTC), usegmt=True)
    answer = raw.request("GET", key_path(bucket, "c"), headers={"if-modified-since": modified, "range": "bytes=50-"})
    assert answer.status == 304, answer


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize(
    ("validator", "partial"),
    [
        (TEN_ETAG, True),
        ('"00000000000000000000000000000000"', False),
        (f"W/{TEN_ETAG}", False),
        ("LAST-MODIFIED", True),
        ("Sat, 01 Jan 2000 00:00:00 GMT", False),
    ],
    ids=["etag-same", "etag-other", "weak-etag", "date-same", "date-other"],
)
def test_if_range_that_does_not_hold_gives_the_whole_object(
    raw: Any, s3: Any, bucket: str, validator: str, partial: bool
) -> None:
    # API_GetObject.html, Range, names RFC 9110 for ranges; §13.1.5 If-Range: when the validator
    # does not match (strong comparison for an entity-tag, an exact date for a date), "the server
    # MUST ignore the Range header field" and send the whole object: a client resuming a download of
    # an object that has changed gets the new object, not a splice of old and new bytes.
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    if validator == "LAST-MODIFIED":
        validator = str(header(s3.head_object(Bucket=bucket, Key="r"), "last-modified"))
    answer = raw.request("GET", key_path(bucket, "r"), headers={"range": "bytes=2-4", "if-range": validator})
    if partial:
        assert (answer.status, answer.body, answer.headers.get("content-range")) == (206, b"234", "bytes 2-4/10")
    else:
        assert (answer.status, answer.body, answer.headers.get("content-range")) == (200, TEN, None), answer


# -- the headers of every read ------------------------------------------------------------------


def test_get_and_head_answer_the_same_object_headers(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="h", Body=TEN, Metadata={"a": "1"}, ContentLanguage="en")
    got = s3.get_object(Bucket=bucket, Key="h")
    got["Body"].close()
    head = s3.head_object(Bucket=bucket, Key="h")
    names = ("etag", "last-modified", "content-length", "content-type", "accept-ranges", "content-language")
    assert [header(got, n) for n in names] == [header(head, n) for n in names]
    assert header(got, "x-amz-meta-a") == header(head, "x-amz-meta-a") == "1"
    # Unversioned bucket: no version id on the answers (API_GetObject.html, x-amz-version-id).
    assert [header(answer, "x-amz-version-id") for answer in (put, got, head)] == [None, None, None]
    # Last-Modified is an IMF-fixdate (RFC 9110 §5.6.7), the only form a sender may generate.
    assert re.fullmatch(IMF_FIXDATE, str(header(got, "last-modified"))), header(got, "last-modified")


def test_range_get_keeps_the_object_headers(s3: Any, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket, Key="h", Body=TEN, Metadata={"a": "1"}, ContentType="text/plain", CacheControl="no-cache"
    )
    got = s3.get_object(Bucket=bucket, Key="h", Range="bytes=1-2")
    got["Body"].close()
    assert (header(got, "content-type"), header(got, "cache-control"), header(got, "x-amz-meta-a")) == (
        "text/plain",
        "no-cache",
        "1",
    )
    assert header(got, "accept-ranges") == "bytes"
    assert header(got, "last-modified") is not None


def test_get_object_suffix_range_of_zero_bytes_is_416(raw: Any, s3: Any, bucket: str) -> None:
    # RFC 7233 §2.1: a byte-range-set is satisfiable only with a first-byte-pos below the length or
    # a suffix-byte-range-spec "with a non-zero suffix-length"; bytes=-0 has neither.
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "r"), headers={"range": "bytes=-0"})
    assert (answer.status, answer.code) == (416, "InvalidRange"), answer


# -- stored text a header cannot carry ------------------------------------------------------------
# A value with a control character (CR, LF, NUL...) is not a legal HTTP header value (RFC 9110
# §5.5). It can still be stored: a browser form (POST Object) field carries any text, and an RFC 2047
# encoded-word in a request header is decoded before storing (UsingMetadata.html). API_GetObject.html,
# x-amz-missing-meta: "This is set to the number of metadata entries not returned in the headers
# that are prefixed with x-amz-meta-. This can happen if you create metadata using an API like SOAP
# that supports more flexible metadata than the REST API. For example, using SOAP, you can create
# metadata whose values are not legal HTTP headers." Whatever is stored, the object stays readable.


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html")
@pytest.mark.parametrize("value", ["line\nbreak", "carriage\rreturn", "bell\x07"], ids=["lf", "cr", "ctl"])
def test_posted_metadata_that_is_not_a_legal_header_is_counted_in_missing_meta(
    s3_endpoint: Any, s3: Any, bucket: str, value: str
) -> None:
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    fields = {"x-amz-meta-odd": value, "x-amz-meta-ok": "fine"}
    conditions = [["starts-with", "$x-amz-meta-odd", ""], {"x-amz-meta-ok": "fine"}]
    assert form_post(url, bucket, signed_fields(s3, bucket, "m", fields, conditions), b"posted")[0] == 204
    for answer in (s3.head_object(Bucket=bucket, Key="m"), s3.get_object(Bucket=bucket, Key="m")):
        assert answer["Metadata"] == {"ok": "fine"}
        assert header(answer, "x-amz-missing-meta") == "1"
        if "Body" in answer:
            assert answer["Body"].read() == b"posted"


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html")
@pytest.mark.parametrize("name", ["a b", "a:b", "caf\u00e9"], ids=["space", "colon", "non-ascii"])
def test_posted_metadata_name_that_is_not_a_header_name_is_counted_in_missing_meta(
    s3_endpoint: Any, s3: Any, bucket: str, name: str
) -> None:
    # A header name is a token (RFC 9110 §5.1): a form field "x-amz-meta-a:b" must not come back as
    # the header "x-amz-meta-a" with the value "b: ...".
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    fields = {f"x-amz-meta-{name}": "v", "x-amz-meta-ok": "fine"}
    conditions = [["starts-with", f"$x-amz-meta-{name}", ""], {"x-amz-meta-ok": "fine"}]
    assert form_post(url, bucket, signed_fields(s3, bucket, "m", fields, conditions), b"posted")[0] == 204
    head = s3.head_object(Bucket=bucket, Key="m")
    assert head["Metadata"] == {"ok": "fine"}
    assert header(head, "x-amz-missing-meta") == "1"


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html")
def test_encoded_word_that_decodes_to_a_line_break_keeps_the_object_readable(s3: Any, bucket: str) -> None:
    # "=?UTF-8?B?YQpi?=" is the encoded-word of "a\nb": decoded before storing, it cannot go back
    # out as is. The answer stays a 200 with the bytes, and nothing raw reaches the wire.
    word = "=?UTF-8?B?YQpi?="
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"v": word, "ok": "fine"}, ContentDisposition=word)
    got = s3.get_object(Bucket=bucket, Key="m")
    assert (got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read()) == (200, b"x")
    assert got["Metadata"].get("ok") == "fine"
    assert "\n" not in (got["ContentDisposition"] or "") and "\n" not in got["Metadata"].get("v", "")
    head = s3.head_object(Bucket=bucket, Key="m")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "a\x7fb"], ids=["lf", "cr", "nul", "del"])
def test_response_override_holding_a_ctl_never_breaks_the_answer(raw: Any, s3: Any, bucket: str, value: str) -> None:
    # A response-* parameter is text from the query string; a control character in it must not
    # reach the header block raw (header injection), nor cost the answer: a 200 with the object
    # whose header carries no raw control character, or a 400 refusing the parameter.
    s3.put_object(Bucket=bucket, Key="o", Body=b"x")
    answer = raw.request("GET", key_path(bucket, "o"), [("response-content-disposition", value)])
    assert answer.status in (200, 400), answer
    if answer.status == 200:
        assert answer.body == b"x"
        sent = answer.headers.get("content-disposition", "")
        assert not any(ord(c) < 32 or ord(c) == 127 for c in sent), sent
    else:
        assert answer.code == "InvalidArgument", answer


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html")
def test_post_object_redirect_that_cannot_be_a_location_is_ignored(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    # RESTObjectPOST.html, success_action_redirect: "If Amazon S3 cannot interpret the URL, it acts
    # as if the field is not present." A URL with a line break cannot be a Location header.
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    target = "http://example.com/done\r\nSet-Cookie: a=b"
    fields = signed_fields(s3, bucket, "r", {"success_action_redirect": target}, [{"success_action_redirect": target}])
    status, _body = form_post(url, bucket, fields, b"posted")
    assert status == 204
    assert s3.get_object(Bucket=bucket, Key="r")["Body"].read() == b"posted"


# -- conditional writes racing each other ---------------------------------------------------------


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html")
@pytest.mark.parametrize(
    ("writers", "size"), [(2, 1024), (6, 1024), (4, 2 << 20)], ids=["2-small", "6-small", "4-2mib"]
)
def test_concurrent_if_match_writes_have_exactly_one_winner(
    s3_endpoint: Any, bucket: str, writers: int, size: int
) -> None:
    # conditional-writes.html, If-Match: the write happens only if the ETag still matches; a write
    # that loses to a concurrent one gets 412 PreconditionFailed or 409 ConditionalRequestConflict.
    # A compare-and-swap from one ETag therefore has exactly one winner, whose bytes are stored.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    from cargobay.testing.normalize import status_and_code

    client = s3_endpoint.client()
    start = client.put_object(Bucket=bucket, Key="cas", Body=b"start")["ETag"]
    barrier = threading.Barrier(writers)

    def swap(n: int) -> tuple[int, str | None]:
        body = bytes([65 + n]) * size
        barrier.wait()
        try:
            done = client.put_object(Bucket=bucket, Key="cas", Body=body, IfMatch=start)
        except ClientError as exc:
            return status_and_code(exc)
        return done["ResponseMetadata"]["HTTPStatusCode"], None

    with ThreadPoolExecutor(writers) as pool:
        outcomes = list(pool.map(swap, range(writers)))
    winners = [n for n, (status, _) in enumerate(outcomes) if status == 200]
    assert len(winners) == 1, outcomes
    assert {o for o in outcomes if o[0] != 200} <= {(412, "PreconditionFailed"), (409, "ConditionalRequestConflict")}
    same_bytes(client.get_object(Bucket=bucket, Key="cas")["Body"].read(), bytes([65 + winners[0]]) * size)
