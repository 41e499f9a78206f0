"""PutObject, GetObject, HeadObject and DeleteObject, fourth pass: the request headers the earlier
passes left unpinned (the case of the range unit, x-amz-expected-bucket-owner on object operations,
the RFC 7232 order of conditions the AWS pages leave to the RFC, conditions on partNumber reads,
content codings a client asks for, conditional writes and deletes on a key that is only a prefix,
Content-MD5 and x-amz-storage-class values that are not what the header takes) and what HEAD says
of a large object.

Sources: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, API_GetObject.html,
API_HeadObject.html, API_DeleteObject.html, the user guide's bucket-owner-condition.html,
conditional-deletes.html and object-keys.html, and the RFCs those pages name: RFC 9110 for Range
("For more information about the HTTP Range header, see RFC 9110") and RFC 7232 for the
conditional headers.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused, same_bytes
from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

pytestmark = [pytest.mark.s3_requires("objects"), pytest.mark.aws_doc(_API + "API_GetObject.html")]

TEN = b"0123456789"
TEN_ETAG = '"781e5e245d69b566979b86e28d23f2c7"'  # MD5 of TEN
OTHER_ETAG = '"00000000000000000000000000000000"'
PAST = "Sat, 01 Jan 2000 00:00:00 GMT"


# -- Range: the unit is case-insensitive -------------------------------------------------------------
# API_GetObject.html, Range: "Downloads the specified byte range of an object. For more information
# about the HTTP Range header, see https://www.rfc-editor.org/rfc/rfc9110.html#name-range." RFC 9110
# section 14.1: "Range unit names are case-insensitive"; "Bytes=0-1" asks for the same two bytes as
# "bytes=0-1" (a server that ignores it sends the whole object instead).


@pytest.mark.parametrize(
    ("value", "body", "content_range"),
    [("Bytes=0-1", b"01", "bytes 0-1/10"), ("BYTES=-3", b"789", "bytes 7-9/10"), ("bYtEs=8-", b"89", "bytes 8-9/10")],
    ids=["capital", "upper-suffix", "mixed-open"],
)
def test_range_unit_is_case_insensitive(
    raw: RawS3, s3: Any, bucket: str, value: str, body: bytes, content_range: str
) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    for method in ("GET", "HEAD"):
        answer = raw.request(method, key_path(bucket, "r"), headers={"range": value})
        assert answer.status == 206, (method, answer)
        assert answer.headers.get("content-range") == content_range, (method, answer.headers)
        assert answer.headers.get("content-length") == str(len(body)), (method, answer.headers)
        if method == "GET":
            assert answer.body == body, answer


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
def test_range_unit_in_capitals_past_the_end_is_416(raw: RawS3, s3: Any, bucket: str) -> None:
    # The same range in another case is the same range: past the end it is unsatisfiable.
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    answer = raw.request("GET", key_path(bucket, "r"), headers={"range": "BYTES=10-"})
    assert (answer.status, answer.code) == (416, "InvalidRange"), answer


# -- x-amz-expected-bucket-owner on object operations ------------------------------------------------
# Each of the four pages lists x-amz-expected-bucket-owner: "The account ID of the expected bucket
# owner. If the account ID that you provide does not match the actual owner of the bucket, the request
# fails with the HTTP status code 403 Forbidden (access denied)." bucket-owner-condition.html: the
# check comes before the operation acts.


def _owner_ids(s3: Any) -> tuple[str, str]:
    """(the caller's canonical id, an id of nobody)."""
    me = str(s3.list_buckets()["Owner"]["ID"])
    return me, ("1" * 64 if me != "1" * 64 else "2" * 64)


@pytest.mark.aws_doc(_GUIDE + "bucket-owner-condition.html")
@pytest.mark.parametrize("method", ["PUT", "GET", "HEAD", "DELETE"])
def test_object_operation_with_another_expected_owner_is_403_and_changes_nothing(
    raw: RawS3, s3: Any, bucket: str, method: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    _me, other = _owner_ids(s3)
    body = b"replaced" if method == "PUT" else b""
    answer = raw.request(method, key_path(bucket, "k"), headers={"x-amz-expected-bucket-owner": other}, body=body)
    assert answer.status == 403, answer
    if method != "HEAD":  # API_HeadObject.html: a HEAD error has no body, so no code
        assert answer.code == "AccessDenied", answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == TEN


@pytest.mark.aws_doc(_GUIDE + "bucket-owner-condition.html")
def test_object_operations_with_the_right_expected_owner_proceed(s3: Any, bucket: str) -> None:
    me, _other = _owner_ids(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=TEN, ExpectedBucketOwner=me)
    assert s3.head_object(Bucket=bucket, Key="k", ExpectedBucketOwner=me)["ContentLength"] == 10
    assert s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=me)["Body"].read() == TEN
    s3.delete_object(Bucket=bucket, Key="k", ExpectedBucketOwner=me)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


# -- conditions in the order RFC 7232 gives them -----------------------------------------------------
# API_GetObject.html and API_HeadObject.html describe two pairs (If-Match with If-Unmodified-Since,
# If-None-Match with If-Modified-Since) and name RFC 7232 for the rest. Section 6: If-Match (step 1)
# or else If-Unmodified-Since (step 2), then If-None-Match (step 3) or else, for GET and HEAD,
# If-Modified-Since (step 4). A true If-Match leaves If-Modified-Since to be evaluated; a false
# If-Unmodified-Since answers 412 before a true If-None-Match is looked at.


def _recent() -> str:
    """A date after the object's Last-Modified (written moments ago) and not after now."""
    return format_datetime(datetime.now(UTC).replace(microsecond=0), usegmt=True)


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("conditions", "status"),
    [
        ({"if-match": TEN_ETAG, "if-modified-since": "RECENT"}, 304),
        ({"if-match": TEN_ETAG, "if-modified-since": PAST}, 200),
        ({"if-unmodified-since": PAST, "if-none-match": OTHER_ETAG}, 412),
        ({"if-unmodified-since": "RECENT", "if-none-match": TEN_ETAG}, 304),
        ({"if-match": "*", "if-none-match": "*"}, 304),
    ],
    ids=[
        "match-then-not-modified",
        "match-then-modified",
        "unmodified-false-before-none-match",
        "unmodified-true-then-none-match-false",
        "match-star-then-none-match-star",
    ],
)
def test_conditions_are_evaluated_in_rfc_7232_order(
    raw: RawS3, s3: Any, bucket: str, method: str, conditions: dict[str, str], status: int
) -> None:
    s3.put_object(Bucket=bucket, Key="c", Body=TEN)
    headers = {name: (_recent() if value == "RECENT" else value) for name, value in conditions.items()}
    answer = raw.request(method, key_path(bucket, "c"), headers=headers)
    assert answer.status == status, answer
    if status == 200 and method == "GET":
        assert answer.body == TEN
    if status == 304 or method == "HEAD":
        assert answer.body == b"", answer
    elif status == 412:
        assert answer.code == "PreconditionFailed", answer


# -- partNumber reads are conditional reads too -------------------------------------------------------
# API_GetObject.html, partNumber: "Effectively performs a 'ranged' GET request for the part
# specified"; the conditional headers apply to it as to any read (a ranged read too: RFC 7233 section
# 3.1), and so do the response-* overrides ("Overriding response header values through the request").


@pytest.mark.s3_requires("conditional")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("conditions", "status"),
    [({"if-none-match": TEN_ETAG}, 304), ({"if-match": OTHER_ETAG}, 412), ({"if-unmodified-since": PAST}, 412)],
    ids=["none-match", "match-other", "unmodified-since"],
)
def test_part_number_read_is_conditional(
    raw: RawS3, s3: Any, bucket: str, method: str, conditions: dict[str, str], status: int
) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=TEN)
    answer = raw.request(method, key_path(bucket, "p"), [("partNumber", "1")], headers=conditions)
    assert answer.status == status, answer
    answer = raw.request(method, key_path(bucket, "p"), [("partNumber", "1")], headers={"if-match": TEN_ETAG})
    assert answer.status in (200, 206) and answer.headers.get("content-length") == "10", answer


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [([("partNumber", "1")], {}, 206), ([], {"range": "bytes=2-4"}, 206)],
    ids=["part-number", "range"],
)
def test_response_overrides_apply_to_a_partial_answer(
    raw: RawS3, s3: Any, bucket: str, params: list[tuple[str, str]], headers: dict[str, str], status: int
) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=TEN, ContentType="text/plain")
    overrides = [("response-content-type", "application/x-part"), ("response-cache-control", "no-store")]
    answer = raw.request("GET", key_path(bucket, "o"), params + overrides, headers=headers)
    # A single-part object's part 1 is the whole object: 206 or 200 (test_object_reads pins which).
    assert answer.status in (status, 200), answer
    assert answer.headers.get("content-type") == "application/x-part", answer.headers
    assert answer.headers.get("cache-control") == "no-store", answer.headers


# -- content codings: the bytes as stored --------------------------------------------------------------
# API_PutObject.html, Content-Encoding: "Specifies what content encodings have been applied to the
# object and thus what decoding mechanisms must be applied to obtain the media-type referenced by the
# Content-Type header field." S3 sends the stored bytes with the stored Content-Encoding; it does not
# compress an answer because the client's Accept-Encoding allows it (the ETag and Content-Length
# describe the stored bytes, and a client checking them against a re-coded body would fail).


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_accept_encoding_never_recodes_the_object(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    text = b"compressible " * 400
    packed = gzip.compress(TEN)
    s3.put_object(Bucket=bucket, Key="plain.txt", Body=text, ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="packed", Body=packed, ContentEncoding="gzip", ContentType="text/plain")
    wants = {"accept-encoding": "gzip, deflate, br"}
    plain = raw.request(method, key_path(bucket, "plain.txt"), headers=wants)
    assert plain.status == 200 and "content-encoding" not in plain.headers, plain.headers
    assert plain.headers.get("content-length") == str(len(text)), plain.headers
    stored = raw.request(method, key_path(bucket, "packed"), headers={"accept-encoding": "identity"})
    assert stored.status == 200 and stored.headers.get("content-encoding") == "gzip", stored.headers
    assert stored.headers.get("content-length") == str(len(packed)), stored.headers
    if method == "GET":
        same_bytes(plain.body, text)
        same_bytes(stored.body, packed)


# -- a large object's HEAD -------------------------------------------------------------------------------
# API_HeadObject.html: "The response is identical to the GET response except that there is no
# response body"; Range: "If the Range is satisfiable, only the ContentLength is affected".


def test_head_of_a_large_object_gives_its_length_without_a_body(raw: RawS3, s3: Any, bucket: str) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB: past any size a server reads whole
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    answer = raw.request("HEAD", key_path(bucket, "big"))
    assert (answer.status, answer.body, answer.headers.get("content-length")) == (200, b"", str(len(body))), answer
    ranged = raw.request("HEAD", key_path(bucket, "big"), headers={"range": "bytes=1000-"})
    assert (ranged.status, ranged.body) == (206, b""), ranged
    assert ranged.headers.get("content-length") == str(len(body) - 1000), ranged.headers
    assert ranged.headers.get("content-range") == f"bytes 1000-{len(body) - 1}/{len(body)}", ranged.headers


# -- conditional writes and deletes on a key that is only a prefix ---------------------------------------
# object-keys.html: the key space is flat; with only x/y written, x and x/ name no object. So
# If-None-Match: * on x finds nothing and the write proceeds (API_PutObject.html: "Uploads the object
# only if the object key name does not already exist"), If-Match on x finds no object (404 NoSuchKey,
# conditional-writes.html), and a conditional delete of x removes nothing under it.


@pytest.mark.s3_requires("conditional", "listing")
@pytest.mark.aws_doc(_GUIDE + "conditional-writes.html")
@pytest.mark.parametrize("key", ["x", "x/"], ids=["no-slash", "slash"])
def test_conditional_write_on_a_key_that_is_only_a_prefix(raw: RawS3, s3: Any, bucket: str, key: str) -> None:
    s3.put_object(Bucket=bucket, Key="x/y", Body=b"child")
    answer = raw.request("PUT", key_path(bucket, key), headers={"if-match": TEN_ETAG}, body=b"new")
    assert (answer.status, answer.code) == (404, "NoSuchKey"), answer
    answer = raw.request("PUT", key_path(bucket, key), headers={"if-none-match": "*"}, body=b"new")
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"new"
    answer = raw.request("PUT", key_path(bucket, key), headers={"if-none-match": "*"}, body=b"again")
    assert (answer.status, answer.code) == (412, "PreconditionFailed"), answer
    assert s3.get_object(Bucket=bucket, Key="x/y")["Body"].read() == b"child"
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == sorted([key, "x/y"])


@pytest.mark.s3_requires("conditional", "listing")
@pytest.mark.aws_doc(_GUIDE + "conditional-deletes.html")
@pytest.mark.parametrize("key", ["x", "x/"], ids=["no-slash", "slash"])
@pytest.mark.parametrize("value", ["*", TEN_ETAG], ids=["star", "etag"])
def test_conditional_delete_of_a_key_that_is_only_a_prefix_removes_nothing(
    raw: RawS3, s3: Any, bucket: str, key: str, value: str
) -> None:
    # conditional-deletes.html: If-Match with "*" checks that the object exists, with an ETag that it
    # is unchanged. With no object at x the condition cannot hold; whether S3 then answers 404
    # NoSuchKey or the plain 204 of a delete that found nothing, the pages do not say: either is taken
    # here, and what was under the prefix is still there.
    s3.put_object(Bucket=bucket, Key="x/y", Body=b"child")
    answer = raw.request("DELETE", key_path(bucket, key), headers={"if-match": value})
    assert (answer.status, answer.code) in ((404, "NoSuchKey"), (204, None)), answer
    assert s3.get_object(Bucket=bucket, Key="x/y")["Body"].read() == b"child"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["x/y"]


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_GUIDE + "conditional-deletes.html")
def test_delete_object_if_match_star_deletes_an_existing_object(raw: RawS3, s3: Any, bucket: str) -> None:
    # conditional-deletes.html: "use the HTTP If-Match header with the precondition value * to check
    # if object exists" before deleting it; it does, so it is deleted.
    s3.put_object(Bucket=bucket, Key="d", Body=TEN)
    answer = raw.request("DELETE", key_path(bucket, "d"), headers={"if-match": "*"})
    assert (answer.status, answer.body) == (204, b""), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="d")) == (404, None)


# -- Content-MD5 and x-amz-storage-class values the headers do not take -----------------------------------


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize(
    "value",
    [hashlib.md5(b"hello").hexdigest(), "", base64.b64encode(hashlib.sha1(b"hello").digest()).decode()],
    ids=["hex-digest", "empty", "sha1-length"],
)
def test_put_object_content_md5_that_is_not_a_base64_md5_is_400_invalid_digest(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    # API_PutObject.html, Content-MD5: "The base64-encoded 128-bit MD5 digest of the message (without
    # the headers) according to RFC 1864." The hex form of the right digest (a common client mistake),
    # an empty value and a 160-bit digest are no such thing: InvalidDigest ("The Content-MD5 or checksum
    # value that you specified is not valid", ErrorResponses.html), nothing stored.
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"content-md5": value}, body=b"hello")
    refused(answer, 400, "InvalidDigest", accepted=f"Content-MD5 {value!r} accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize("value", ["", "standard", "Standard_IA"], ids=["empty", "lower-case", "mixed-case"])
def test_put_object_storage_class_not_spelled_as_listed_is_400_invalid_storage_class(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    # API_PutObject.html, x-amz-storage-class: "Valid Values: STANDARD | REDUCED_REDUNDANCY | ..."; an
    # empty value or another spelling is none of them.
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"x-amz-storage-class": value}, body=b"x")
    refused(answer, 400, "InvalidStorageClass", accepted=f"x-amz-storage-class {value!r} accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


# -- x-amz-server-side-encryption: a value that names no method --------------------------------------
# API_PutObject.html, x-amz-server-side-encryption: "Valid Values: AES256 | aws:kms | aws:kms:dsse".
# A value outside the list is a bad argument, whatever the server supports: AWS answers 400
# InvalidArgument "The encryption method specified is not supported" (quoted from S3 in
# bloomreach/s4cmd#63, logstash-plugins/logstash-output-s3#118 for "true", thoughtbot/paperclip#2243
# for "aes256"), never a 501 that would tell the client the method exists but is not implemented.


def _sse_request(raw: RawS3, bucket: str, operation: str, value: str) -> Any:
    sse = {"x-amz-server-side-encryption": value}
    if operation == "put":
        return raw.request("PUT", key_path(bucket, "e"), headers=sse, body=b"x")
    if operation == "copy":
        headers = {**sse, "x-amz-copy-source": f"/{bucket}/src"}
        return raw.request("PUT", key_path(bucket, "e"), headers=headers)
    return raw.request("POST", key_path(bucket, "e"), [("uploads", "")], headers=sse)


@pytest.mark.aws_doc(_API + "API_PutObject.html")
@pytest.mark.parametrize("operation", ["put", "copy", "create-multipart"])
@pytest.mark.parametrize("value", ["AES512", "aes256", "true"], ids=["aes512", "lower-case", "true"])
def test_encryption_method_outside_the_valid_values_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, operation: str, value: str
) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=TEN)
    answer = _sse_request(raw, bucket, operation, value)
    refused(answer, 400, "InvalidArgument", accepted=f"x-amz-server-side-encryption {value!r} accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="e")) == (404, None)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# -- partNumber past the object's parts ---------------------------------------------------------------
# API_GetObject.html, partNumber: "Effectively performs a 'ranged' GET request for the part specified";
# a single-part object has one part. A part the object does not have is refused, with nothing of the
# object sent. The pages name no code for it: S3 is reported answering 400 InvalidPart (apache/ozone
# pull 10670) and 416 InvalidPartNumber, "The requested partnumber is not satisfiable" (the code
# MinIO and SeaweedFS copy); either reading is taken.


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("number", ["2", "10000"])
def test_part_number_past_the_objects_parts_is_refused(
    raw: RawS3, s3: Any, bucket: str, method: str, number: str
) -> None:
    s3.put_object(Bucket=bucket, Key="one", Body=TEN)
    answer = raw.request(method, key_path(bucket, "one"), [("partNumber", number)])
    assert answer.status in (400, 416), answer
    if method == "GET":
        assert (answer.status, answer.code) in ((400, "InvalidPart"), (416, "InvalidPartNumber")), answer
    else:
        assert answer.body == b"", answer


# -- x-amz-website-redirect-location: 2 KB at most --------------------------------------------------------
# RESTObjectPOST.html, x-amz-website-redirect-location: "The length of the value is limited to 2 KB";
# API_PutObject.html stores the header's value in the object's metadata. A longer value is refused
# (the pages name no code), nothing stored; 2 KB exactly is kept.


@pytest.mark.aws_doc(_API + "RESTObjectPOST.html")
def test_website_redirect_location_over_2kb_is_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    kept = "/" + "a" * 2047
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"x-amz-website-redirect-location": kept}, body=b"x")
    assert answer.status == 200, answer
    assert s3.head_object(Bucket=bucket, Key="k")["WebsiteRedirectLocation"] == kept
    longer = kept + "a"
    answer = raw.request("PUT", key_path(bucket, "n"), headers={"x-amz-website-redirect-location": longer}, body=b"x")
    assert answer.status == 400 and answer.code is not None, answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="n")) == (404, None)


# -- an ETag sent without its quotes ------------------------------------------------------------------
# conditional-deletes.html shows `aws s3api delete-object ... --if-match "6805f2cfc46c0f04559748bb039d69al"`:
# the shell takes the quotes, so the header carries the bare hex digits, and S3 compares them with the
# object's ETag all the same. Reads and writes take the bare form as they take the quoted one.

BARE = TEN_ETAG.strip('"')


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc(_GUIDE + "conditional-deletes.html")
@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("GET", {"if-match": BARE}, 200),
        ("HEAD", {"if-match": BARE}, 200),
        ("GET", {"if-none-match": BARE}, 304),
        ("HEAD", {"if-none-match": BARE}, 304),
        ("PUT", {"if-match": BARE}, 200),
        ("DELETE", {"if-match": BARE}, 204),
    ],
    ids=["get-match", "head-match", "get-none-match", "head-none-match", "put-match", "delete-match"],
)
def test_unquoted_etag_in_a_condition_is_the_same_etag(
    raw: RawS3, s3: Any, bucket: str, method: str, headers: dict[str, str], status: int
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request(method, key_path(bucket, "k"), headers=headers, body=TEN if method == "PUT" else b"")
    assert answer.status == status, answer
    if method == "DELETE":
        assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)
    answer = raw.request("GET", key_path(bucket, "k"), headers={"if-match": BARE.replace("7", "8")})
    assert answer.status in (404, 412), answer


# -- x-amz-server-side-encryption on a read ----------------------------------------------------------
# API_GetObject.html: "Encryption request headers, like x-amz-server-side-encryption, should not be sent
# for the GetObject requests, if your object uses server-side encryption with [...] Amazon S3 managed
# encryption keys (SSE-S3) [...] If you include the header in your GetObject requests for the object that
# uses these types of keys, you'll get an HTTP 400 Bad Request error"; API_HeadObject.html says the same
# of HEAD. Every object S3 stores is encrypted so (default-bucket-encryption.html), and the error is
# InvalidArgument "x-amz-server-side-encryption header is not supported for this operation" (quoted
# from S3 in s3tools/s3cmd#276). The object is not read.


@pytest.mark.aws_doc(_API + "API_HeadObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("value", ["AES256", "aws:kms"])
def test_encryption_header_on_a_read_is_400(raw: RawS3, s3: Any, bucket: str, method: str, value: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=TEN)
    answer = raw.request(method, key_path(bucket, "k"), headers={"x-amz-server-side-encryption": value})
    assert answer.status == 400, answer
    if method == "GET":
        assert (answer.code, answer.body.count(TEN)) == ("InvalidArgument", 0), answer
