"""Object operations: PutObject, GetObject (ranges, response-* overrides), HeadObject,
DeleteObject, GetObjectAcl, user metadata and content headers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, same_bytes

pytestmark = [
    pytest.mark.s3_requires("objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"),
]

HELLO_ETAG = '"5d41402abc4b2a76b9719d911017c592"'  # MD5 of b"hello"
EMPTY_ETAG = '"d41d8cd98f00b204e9800998ecf8427e"'  # MD5 of b""


def test_put_object_then_get_returns_bytes_etag_length_last_modified(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello")
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert put["ETag"] == HELLO_ETAG
    got = s3.get_object(Bucket=bucket, Key="hello.txt")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == b"hello"
    assert got["ETag"] == HELLO_ETAG
    assert header(got, "content-length") == "5"
    modified = header(got, "last-modified")
    assert modified is not None and modified.endswith(" GMT")
    assert parsedate_to_datetime(modified).year >= 2024
    assert header(got, "accept-ranges") == "bytes"


def test_put_object_empty_body_has_md5_of_nothing(s3: Any, bucket: str) -> None:
    assert s3.put_object(Bucket=bucket, Key="empty", Body=b"")["ETag"] == EMPTY_ETAG
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert (got["Body"].read(), header(got, "content-length"), got["ETag"]) == (b"", "0", EMPTY_ETAG)


def test_put_object_without_content_type_defaults_to_binary_octet_stream(raw: Any, s3: Any, bucket: str) -> None:
    from cargobay.testing.conformance_suite._http import key_path

    answer = raw.request("PUT", key_path(bucket, "noext"), body=b"x")
    assert answer.status == 200, answer
    assert header(s3.head_object(Bucket=bucket, Key="noext"), "content-type") == "binary/octet-stream"


def test_put_object_overwrite_changes_etag_and_bytes(s3: Any, bucket: str) -> None:
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"hello")["ETag"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"hellp")["ETag"]
    assert first == HELLO_ETAG
    assert second == '"c983190483df167d2a3841463c2a9341"', "ETag did not change when the content changed"
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["ETag"], got["Body"].read()) == (second, b"hellp")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in listed] == [("k", second, 5)]


@pytest.mark.s3_requires("metadata")
def test_put_object_user_metadata_round_trips_lower_cased(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"Color": "blue", "x-y": "a b  c", "empty": ""})
    expected = {"color": "blue", "x-y": "a b  c", "empty": ""}
    for answer in (s3.head_object(Bucket=bucket, Key="m"), s3.get_object(Bucket=bucket, Key="m")):
        got = answer["Metadata"]
        if {k.lower(): v for k, v in got.items()} == expected and got != expected:
            raise AssertionError(f"user metadata names not lower-cased (UsingMetadata.html): got {got}")
        assert got == expected, f"user metadata dropped or changed: expected {expected}, got {got}"
        assert header(answer, "x-amz-meta-color") == "blue"


def test_put_object_content_headers_round_trip(s3: Any, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key="c",
        Body=b"x",
        ContentType="text/plain; charset=utf-8",
        ContentDisposition='attachment; filename="a b.txt"',
        ContentEncoding="gzip",
        ContentLanguage="de-DE",
        CacheControl="max-age=60",
        Expires="Wed, 21 Oct 2037 07:28:00 GMT",
    )
    head = s3.head_object(Bucket=bucket, Key="c")
    assert header(head, "content-type") == "text/plain; charset=utf-8"
    assert header(head, "content-disposition") == 'attachment; filename="a b.txt"'
    assert header(head, "content-encoding") == "gzip"
    assert header(head, "content-language") == "de-DE"
    assert header(head, "cache-control") == "max-age=60"
    assert header(head, "expires") == "Wed, 21 Oct 2037 07:28:00 GMT"


@pytest.mark.s3_requires("metadata")
def test_put_object_metadata_over_2kb_is_400_metadata_too_large(s3: Any, bucket: str) -> None:
    status, code = error_of(lambda: s3.put_object(Bucket=bucket, Key="big", Body=b"x", Metadata={"a": "v" * 2100}))
    assert (status, code) == (400, "MetadataTooLarge")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="big")) == (404, None)


def test_put_object_key_over_1024_bytes_is_400_key_too_long(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")) == (400, "KeyTooLongError")


FIVE_GIB = 5 * 1024**3


def _answer_without_body(raw: Any, signed: Any) -> Any:
    """The answer to a request whose declared body is never sent (10 s at most)."""
    try:
        return raw.send(signed, timeout=10)
    except TimeoutError:
        pytest.fail("no answer in 10 s: the endpoint waits for a body larger than it may accept")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_put_object_declared_over_5_gib_is_400_entity_too_large(raw: Any, s3: Any, bucket: str) -> None:
    """API_PutObject.html: "You can upload an object up to 5 GB in size" in one PUT; a larger
    proposed upload is EntityTooLarge (ErrorResponses.html: 400, "Your proposed upload exceeds the
    maximum allowed object size."). The Content-Length says so before any body byte: the answer
    comes without the body being sent (a server that waits for 5 GiB never answers here)."""
    from cargobay.testing.conformance_suite._http import UNSIGNED, key_path

    headers = {"content-length": str(FIVE_GIB + 1)}
    answer = _answer_without_body(
        raw, raw.sign_v4("PUT", key_path(bucket, "huge"), payload_hash=UNSIGNED, headers=headers)
    )
    assert (answer.status, answer.code) == (400, "EntityTooLarge"), answer
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="huge")) == (404, "NoSuchKey")


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html")
def test_upload_part_declared_over_5_gib_is_400_entity_too_large(raw: Any, s3: Any, bucket: str) -> None:
    """qfacts.html (multipart upload limits): a part is at most 5 GiB; a larger one is EntityTooLarge."""
    from cargobay.testing.conformance_suite._http import UNSIGNED, key_path

    upload = s3.create_multipart_upload(Bucket=bucket, Key="huge")["UploadId"]
    try:
        params = [("partNumber", "1"), ("uploadId", upload)]
        headers = {"content-length": str(FIVE_GIB + 1)}
        signed = raw.sign_v4("PUT", key_path(bucket, "huge"), params, payload_hash=UNSIGNED, headers=headers)
        answer = _answer_without_body(raw, signed)
        assert (answer.status, answer.code) == (400, "EntityTooLarge"), answer
        assert s3.list_parts(Bucket=bucket, Key="huge", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="huge", UploadId=upload)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_put_object_unknown_storage_class_is_400_invalid_storage_class(s3: Any, bucket: str) -> None:
    """API_PutObject.html lists the values of x-amz-storage-class; any other is InvalidStorageClass
    (ErrorResponses.html: 400, "The storage class you specified is not valid"), nothing stored."""
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="COLD")) == (
        400,
        "InvalidStorageClass",
    )
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == (404, "NoSuchKey")
    for known in ("STANDARD", "STANDARD_IA", "GLACIER_IR"):
        put = s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass=known)
        assert put["ResponseMetadata"]["HTTPStatusCode"] == 200, known


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_create_multipart_upload_unknown_storage_class_is_400_invalid_storage_class(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", StorageClass="COLD")) == (
        400,
        "InvalidStorageClass",
    )
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_object_website_redirect_location_is_kept_and_returned(s3: Any, bucket: str) -> None:
    """API_PutObject.html, x-amz-website-redirect-location: "Amazon S3 stores the value of this header
    in the object metadata"; HeadObject and GetObject return it (API_HeadObject.html). A value that
    is not a path or an http(s) URL (RESTObjectPOST.html: "The value must be prefixed by /, http://,
    or https://") is 400 InvalidRedirectLocation, nothing stored: the AWS answer is quoted in
    laurilehmijoki/s3_website#99 ("Status Code: 400; Error Code: InvalidRedirectLocation" for
    "about.html") and aws/aws-cli#1130."""
    s3.put_object(Bucket=bucket, Key="page", Body=b"x", WebsiteRedirectLocation="/other.html")
    assert s3.head_object(Bucket=bucket, Key="page").get("WebsiteRedirectLocation") == "/other.html"
    got = s3.get_object(Bucket=bucket, Key="page")
    assert (got.get("WebsiteRedirectLocation"), got["Body"].read()) == ("/other.html", b"x")
    s3.put_object(Bucket=bucket, Key="ext", Body=b"x", WebsiteRedirectLocation="https://example.com/a")
    assert s3.head_object(Bucket=bucket, Key="ext").get("WebsiteRedirectLocation") == "https://example.com/a"
    for bad in ("ftp://x", "about.html"):
        status, code = error_of(
            lambda: s3.put_object(Bucket=bucket, Key="bad", Body=b"x", WebsiteRedirectLocation=bad)  # noqa: B023
        )
        assert (status, code) == (400, "InvalidRedirectLocation"), bad
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="bad")) == (404, "NoSuchKey")


def test_put_object_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.put_object(Bucket=new_bucket_name("nb"), Key="k", Body=b"x")) == (404, "NoSuchBucket")


def test_get_object_missing_key_is_404_no_such_key(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="nope")) == (404, "NoSuchKey")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="nope")) == (404, None)


def test_get_object_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.get_object(Bucket=new_bucket_name("nb"), Key="k")) == (404, "NoSuchBucket")


def test_head_object_has_get_headers_and_no_body(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="h", Body=b"0123456789")
    head = s3.head_object(Bucket=bucket, Key="h")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert header(head, "content-length") == "10"
    assert head["ETag"] == '"781e5e245d69b566979b86e28d23f2c7"'


def test_delete_object_is_204_and_idempotent(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="d")) == (404, "NoSuchKey")
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_object_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.delete_object(Bucket=new_bucket_name("nb"), Key="k")) == (404, "NoSuchBucket")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html")
def test_put_object_acl_keeps_the_bytes(s3: Any, bucket: str) -> None:
    """PutObjectAcl changes the ACL sub-resource only: the bytes and ETag stay."""
    body = b"bytes under an acl"
    etag = s3.put_object(Bucket=bucket, Key="acl", Body=body)["ETag"]
    s3.put_object_acl(Bucket=bucket, Key="acl", ACL="private")
    got = s3.get_object(Bucket=bucket, Key="acl")
    data = got["Body"].read()
    assert data == body, f"PutObjectAcl changed the object's bytes: expected {len(body)} bytes, got {len(data)}"
    assert got["ETag"] == etag, f"PutObjectAcl changed the ETag: {etag} -> {got['ETag']}"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html")
def test_get_object_acl_owner_has_full_control(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="acl", Body=b"x")
    acl = s3.get_object_acl(Bucket=bucket, Key="acl")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert error_of(lambda: s3.get_object_acl(Bucket=bucket, Key="missing")) == (404, "NoSuchKey")


# -- ranges ------------------------------------------------------------------------------------

TEN = b"0123456789"


@pytest.mark.parametrize(
    ("range_header", "body", "content_range"),
    [
        ("bytes=0-0", b"0", "bytes 0-0/10"),
        ("bytes=0-9", TEN, "bytes 0-9/10"),
        ("bytes=3-5", b"345", "bytes 3-5/10"),
        ("bytes=9-9", b"9", "bytes 9-9/10"),
        ("bytes=5-100", b"56789", "bytes 5-9/10"),
        ("bytes=9-", b"9", "bytes 9-9/10"),
        ("bytes=0-", TEN, "bytes 0-9/10"),
        ("bytes=-1", b"9", "bytes 9-9/10"),
        ("bytes=-10", TEN, "bytes 0-9/10"),
        ("bytes=-25", TEN, "bytes 0-9/10"),
    ],
    ids=[
        "first-byte",
        "whole",
        "middle",
        "last-byte",
        "end-past-size",
        "open-last",
        "open-first",
        "suffix-1",
        "suffix-all",
        "suffix-past-size",
    ],
)
def test_get_object_range_is_206_with_content_range(
    s3: Any, bucket: str, range_header: str, body: bytes, content_range: str
) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    got = s3.get_object(Bucket=bucket, Key="r", Range=range_header)
    status, data = got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read()
    if status == 200 and data == TEN and body != TEN:
        raise AssertionError(f"Range ignored: expected 206 and {len(body)} bytes, got 200 and the whole object")
    assert status == 206, f"expected 206 Partial Content, got {status}"
    same_bytes(data, body)
    assert header(got, "content-range") == content_range
    assert header(got, "content-length") == str(len(body))
    assert got["ETag"] == '"781e5e245d69b566979b86e28d23f2c7"'


@pytest.mark.parametrize(
    "range_header",
    ["bytes=10-", "bytes=10-20", "bytes=100-200"],
    ids=["start-at-size", "start-at-size-closed", "far-past-end"],
)
def test_get_object_unsatisfiable_range_is_416_invalid_range(s3: Any, bucket: str, range_header: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="r", Range=range_header)) == (416, "InvalidRange")


def test_get_object_range_on_empty_object_is_416_invalid_range(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="e", Body=b"")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="e", Range="bytes=0-")) == (416, "InvalidRange")


@pytest.mark.parametrize(
    "range_header",
    ["bytes=5-3", "bytes=abc", "chars=0-1", "bytes=0-1,3-4"],
    ids=["reversed", "garbage", "other-unit", "multiple-ranges"],
)
def test_get_object_invalid_or_multi_range_is_ignored_200_whole(s3: Any, bucket: str, range_header: str) -> None:
    """AWS ignores a syntactically invalid Range and does not support multiple ranges: whole object."""
    s3.put_object(Bucket=bucket, Key="r", Body=TEN)
    got = s3.get_object(Bucket=bucket, Key="r", Range=range_header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    same_bytes(got["Body"].read(), TEN)
    assert header(got, "content-range") is None


def test_get_object_range_large_object_edges(s3: Any, bucket: str) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    size = len(body)
    for start, end in [(0, 0), (size - 1, size - 1), (65535, 65536), (1, size - 2)]:
        got = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={start}-{end}")
        same_bytes(got["Body"].read(), body[start : end + 1], f"Range ignored or wrong for {start}-{end}:")
        assert header(got, "content-range") == f"bytes {start}-{end}/{size}"


def test_get_object_response_overrides_replace_headers(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(
        Bucket=bucket,
        Key="o",
        ResponseContentType="application/x-test",
        ResponseContentDisposition="attachment; filename=x.bin",
        ResponseCacheControl="no-cache",
        ResponseContentLanguage="fr",
        ResponseContentEncoding="identity",
        ResponseExpires="Thu, 01 Dec 1994 16:00:00 GMT",
    )
    assert header(got, "content-type") == "application/x-test"
    assert header(got, "content-disposition") == "attachment; filename=x.bin"
    assert header(got, "cache-control") == "no-cache"
    assert header(got, "content-language") == "fr"
    assert header(got, "content-encoding") == "identity"
    assert header(got, "expires") == "Thu, 01 Dec 1994 16:00:00 GMT"
    assert header(s3.head_object(Bucket=bucket, Key="o"), "content-type") == "text/plain"


def test_put_object_large_body_streams_intact(s3: Any, bucket: str) -> None:
    body = bytes(range(251)) * 20_000  # ~5 MB, not a multiple of any buffer size
    put = s3.put_object(Bucket=bucket, Key="large", Body=body)
    assert put["ETag"] == '"20fb35e1fe306074b2accf652b579c89"'
    got = s3.get_object(Bucket=bucket, Key="large")
    assert header(got, "content-length") == str(len(body))
    same_bytes(got["Body"].read(), body)


# -- header text: what AWS does with bytes outside US-ASCII ---------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html: "Values of such headers
# are character decoded as per RFC 2047 before storing and encoded as per RFC 2047 to make them
# mail-safe before returning", with the example PUT "x-amz-meta-nonascii: ÄMÄZÕÑ S3" (its UTF-8
# bytes, read by S3 as ISO-8859-1) -> HEAD "x-amz-meta-nonascii: =?UTF-8?B?w4PChE3Dg8KEWsODwpXDg8KRIFMz?=".
# Every response header that echoes user text follows the same rule (never raw UTF-8 bytes, which
# HTTP clients read as ISO-8859-1 and mangle).


@contextlib.contextmanager
def _sent_raw_headers(s3: Any, headers: dict[str, str]) -> Iterator[None]:
    """Make boto3 send these headers as given (its UTF-8 bytes) on PutObject inside the block; its
    Metadata parameter refuses non-ASCII values."""

    def hook(params: dict[str, Any], **_: Any) -> None:
        params["headers"].update(headers)

    s3.meta.events.register("before-call.s3.PutObject", hook)
    try:
        yield
    finally:
        s3.meta.events.unregister("before-call.s3.PutObject", hook)


def test_put_object_non_ascii_metadata_is_rfc2047_encoded_as_documented(s3: Any, bucket: str) -> None:
    with _sent_raw_headers(s3, {"x-amz-meta-nonascii": "\u00c4M\u00c4Z\u00d5\u00d1 S3"}):
        s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"ascii": "AMAZONS3"})
    expected = {"nonascii": "=?UTF-8?B?w4PChE3Dg8KEWsODwpXDg8KRIFMz?=", "ascii": "AMAZONS3"}
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == expected
    assert s3.get_object(Bucket=bucket, Key="m")["Metadata"] == expected


def test_put_object_rfc2047_metadata_is_decoded_then_encoded_again(s3: Any, bucket: str) -> None:
    # "Hello World\u00e9" as an encoded-word goes in and comes back the same; a Q-encoded
    # ISO-8859-1 word is decoded ("caf\u00e9") and returned in the one form S3 writes.
    s3.put_object(
        Bucket=bucket,
        Key="m",
        Body=b"x",
        Metadata={"meta1": "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=", "q": "=?ISO-8859-1?Q?caf=E9?="},
    )
    assert s3.get_object(Bucket=bucket, Key="m")["Metadata"] == {
        "meta1": "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=",
        "q": "=?UTF-8?B?Y2Fmw6k=?=",
    }


def test_put_object_non_ascii_metadata_counts_utf8_bytes_toward_2kb(s3: Any, bucket: str) -> None:
    # UsingMetadata.html: the 2 KB limit is "the sum of the number of bytes in the UTF-8 encoding
    # of each key and value". 1,100 two-byte characters are 2,200 bytes.
    with _sent_raw_headers(s3, {"x-amz-meta-v": "\u00e9" * 1100}):
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="m", Body=b"x")) == (400, "MetadataTooLarge")


def test_put_object_non_ascii_content_disposition_is_rfc2047_encoded(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="d", Body=b"x", ContentDisposition='attachment; filename="r\u00e9sum\u00e9.txt"')
    got = s3.get_object(Bucket=bucket, Key="d")
    assert got["ContentDisposition"] == "=?UTF-8?B?YXR0YWNobWVudDsgZmlsZW5hbWU9InLDg8Kpc3Vtw4PCqS50eHQi?="


def test_get_object_non_ascii_response_override_is_rfc2047_encoded(s3: Any, bucket: str) -> None:
    # A response-* override arrives URL-encoded UTF-8 in the query: the text is exact, so the
    # encoded-word is that of 'attachment; filename="\u00e9.bin"'.
    s3.put_object(Bucket=bucket, Key="o", Body=b"x")
    got = s3.get_object(Bucket=bucket, Key="o", ResponseContentDisposition='attachment; filename="\u00e9.bin"')
    assert got["ContentDisposition"] == "=?UTF-8?B?YXR0YWNobWVudDsgZmlsZW5hbWU9IsOpLmJpbiI=?="


def test_put_object_content_encoding_keeps_its_spacing(raw: Any, s3: Any, bucket: str) -> None:
    # API_PutObject.html: Content-Encoding is stored and returned as given (aws-chunked, the
    # transfer framing, is the only coding S3 removes).
    from cargobay.testing.conformance_suite._http import key_path

    answer = raw.request("PUT", key_path(bucket, "e"), headers={"content-encoding": "deflate, gzip"}, body=b"x")
    assert answer.status == 200, answer
    assert header(s3.head_object(Bucket=bucket, Key="e"), "content-encoding") == "deflate, gzip"


def test_put_object_content_encoding_aws_chunked_only_part_removed(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="e", Body=b"x", ContentEncoding="deflate, gzip")
    assert s3.head_object(Bucket=bucket, Key="e")["ContentEncoding"] == "deflate, gzip"


def test_get_object_torrent_of_missing_data_is_404(raw: Any, s3: Any, bucket: str) -> None:
    # API_GetObjectTorrent.html: torrent files exist only for objects under 5 GB in buckets that
    # had them; there is no torrent data here, so the answer is 404, never 501.
    from cargobay.testing.conformance_suite._http import key_path

    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    answer = raw.request("GET", key_path(bucket, "t"), [("torrent", "")])
    assert answer.status == 404, answer
    missing = raw.request("GET", key_path(bucket, "none"), [("torrent", "")])
    assert (missing.status, missing.code) == (404, "NoSuchKey"), missing


# -- browser form uploads (POST Object) -----------------------------------------------------------
# RESTObjectPOST.html and sigv4-HTTPPOSTConstructPolicy.html: "Each form field that you specify in
# a form (except x-amz-signature, file, policy, and field names that have an x-ignore- prefix) must
# appear in the list of conditions", and every condition must hold.


def _plain_http(s3_endpoint: Any) -> str:
    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    return url


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html")
def test_post_object_every_condition_on_a_field_must_hold(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """Two conditions on one field are two conditions: a policy whose conditions say the bucket is
    both this one and another (boto3 adds the right one itself) allows no upload (403 AccessDenied,
    "Invalid according to Policy"); likewise two starts-with on $key of which one fails."""
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = _plain_http(s3_endpoint)
    fields = signed_fields(s3, bucket, "k", {}, [{"bucket": "some-other-bucket"}])
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body[:300])
    conditions = [["starts-with", "$key", "up/"], ["starts-with", "$key", "down/"]]
    fields = signed_fields(s3, bucket, "up/k", {}, conditions)
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body[:300])
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    fields = signed_fields(s3, bucket, "up/k", {}, [["starts-with", "$key", "up/"]])
    assert form_post(url, bucket, fields, b"posted")[0] == 204


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html")
def test_post_object_tagging_field_tags_the_object(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """RESTObjectPOST.html, "tagging": "Specifies a set of tags to add to the object", as the XML
    of PutObjectTagging."""
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = _plain_http(s3_endpoint)
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>"
    fields = signed_fields(s3, bucket, "tagged", {"tagging": tagging}, [{"tagging": tagging}])
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 204, (status, body[:300])
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == [{"Key": "team", "Value": "blue"}]
    assert header(s3.head_object(Bucket=bucket, Key="tagged"), "x-amz-tagging-count") == "1"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_post_object_unknown_storage_class_is_400_invalid_storage_class(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """The x-amz-storage-class field of a form is the header of PutObject: one AWS does not know is
    InvalidStorageClass (400), nothing stored."""
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = _plain_http(s3_endpoint)
    fields = signed_fields(s3, bucket, "k", {"x-amz-storage-class": "COLD"}, [{"x-amz-storage-class": "COLD"}])
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 400 and b"<Code>InvalidStorageClass</Code>" in body, (status, body[:300])
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == (404, "NoSuchKey")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html")
def test_post_object_policy_without_a_bucket_condition_is_403(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """sigv4-HTTPPOSTConstructPolicy.html: the conditions say which bucket the form may write to,
    and the bucket counts as an input every condition list must cover: a policy without one is
    refused ("Invalid according to Policy: Extra input fields: bucket", 403 AccessDenied). The same
    policy with the bucket condition is taken."""
    from cargobay.testing.conformance_suite._forms import form_post, own_policy_fields

    url = _plain_http(s3_endpoint)
    fields = own_policy_fields(s3_endpoint.endpoint, [{"key": "k"}], {"key": "k"})
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body[:300])
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == (404, "NoSuchKey")
    fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 204, (status, body[:300])


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html")
def test_post_object_metadata_over_2kb_is_400_metadata_too_large(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """The 2 KB limit on user metadata (UsingMetadata.html) holds for the x-amz-meta-* fields of a
    browser form as for the headers of a PUT: 400 MetadataTooLarge, nothing stored."""
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = _plain_http(s3_endpoint)
    big = {"x-amz-meta-big": "v" * 2100}
    fields = signed_fields(s3, bucket, "k", big, [big])
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 400 and b"<Code>MetadataTooLarge</Code>" in body, (status, body[:300])
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == (404, "NoSuchKey")
