"""CopyObject and UploadPartCopy, second pass: how x-amz-copy-source is decoded (a raw ``+`` is a
space), a false x-amz-copy-source-if-modified-since, and what a copy carries over that the first
pass did not pin (Expires, a multipart source becoming one part).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from datetime import UTC
from email.utils import format_datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("copy"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"),
]

_PART_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html"
MIB5 = 5 * 1024 * 1024


def _md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


@pytest.fixture
def plus_and_space(s3: Any, bucket: str) -> str:
    """Two objects whose keys differ only in ``+`` against `` ``."""
    s3.put_object(Bucket=bucket, Key="a b", Body=b"the space one")
    s3.put_object(Bucket=bucket, Key="a+b", Body=b"the plus one")
    return bucket


@pytest.fixture
def upload(s3: Any, bucket: str) -> Iterator[str]:
    """An upload to ``dst``; aborted afterwards."""
    from botocore.exceptions import ClientError

    upload_id: str = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    yield upload_id
    with contextlib.suppress(ClientError):  # completed or aborted by the test: nothing to abort
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id)


# -- x-amz-copy-source decoding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "body"),
    [("a+b", b"the space one"), ("a%20b", b"the space one"), ("a%2Bb", b"the plus one")],
    ids=["raw-plus", "percent-20", "percent-2B"],
)
def test_copy_object_copy_source_plus_is_a_space(
    raw: RawS3, s3: Any, plus_and_space: str, value: str, body: bytes
) -> None:
    """x-amz-copy-source: "The value must be URL-encoded", and in that encoding a raw ``+`` stands for a
    space: S3 answers a copy source ``foo++bar.txt`` with NoSuchKey for the key ``foo++bar.txt`` and
    "expects it to be foo%2B%2Bbar.txt" (aws/aws-cli#614, aws/aws-sdk-php#236), which is why rclone's
    S3 backend escapes ``+`` as ``%2B`` in that header. So ``a+b`` names the key ``a b``, and only
    ``a%2Bb`` names ``a+b``: a copy must never take the other object's bytes."""
    bucket = plus_and_space
    answer = raw.request("PUT", key_path(bucket, "dst"), headers={"x-amz-copy-source": f"/{bucket}/{value}"})
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == body


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_PART_API)
@pytest.mark.parametrize(
    ("value", "body"), [("a+b", b"the space one"), ("a%2Bb", b"the plus one")], ids=["raw-plus", "percent-2B"]
)
def test_upload_part_copy_copy_source_plus_is_a_space(
    raw: RawS3, plus_and_space: str, upload: str, value: str, body: bytes
) -> None:
    """API_UploadPartCopy.html, x-amz-copy-source: "The value must be URL-encoded", read as CopyObject
    reads it (a raw ``+`` is a space, aws/aws-cli#614 met it on UploadPartCopy): the part is the bytes
    of the key the header names once decoded."""
    bucket = plus_and_space
    headers = {"x-amz-copy-source": f"/{bucket}/{value}"}
    answer = raw.request("PUT", key_path(bucket, "dst"), [("partNumber", "1"), ("uploadId", upload)], headers=headers)
    assert answer.status == 200, answer
    assert answer.xml().findtext("{*}ETag") == _md5_etag(body)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_PART_API)
@pytest.mark.parametrize("missing", ["key", "bucket"])
def test_upload_part_copy_range_of_a_missing_source_is_404(
    s3: Any, bucket: str, upload: str, new_bucket_name: Any, missing: str
) -> None:
    """A well-formed x-amz-copy-source-range on a source that does not exist: the source is what is
    missing (404 NoSuchKey, or NoSuchBucket), not a range the source cannot satisfy (400
    InvalidArgument "Range specified is not valid for source object of size"); no part is stored."""
    source = {"Bucket": bucket, "Key": "none"} if missing == "key" else {"Bucket": new_bucket_name("gone"), "Key": "k"}
    assert error_of(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource=source, CopySourceRange="bytes=0-9"
        )
    ) == (404, "NoSuchKey" if missing == "key" else "NoSuchBucket")
    assert s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload).get("Parts", []) == []


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyPartResult.html")
def test_upload_part_copy_result_names_the_parts_etag_and_last_modified(s3: Any, bucket: str, upload: str) -> None:
    """API_CopyPartResult.html: ETag ("Entity tag of the object") and LastModified ("Date and time at
    which the object was uploaded"): the part's, as ListParts then lists it (to the second)."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    source = {"Bucket": bucket, "Key": "src"}
    result = s3.upload_part_copy(
        Bucket=bucket, Key="dst", UploadId=upload, PartNumber=3, CopySource=source, CopySourceRange="bytes=2-5"
    )["CopyPartResult"]
    listed = s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(3, _md5_etag(b"2345"), 4)]
    assert result["ETag"] == _md5_etag(b"2345")
    assert result["LastModified"].replace(microsecond=0) == listed[0]["LastModified"].replace(microsecond=0)


# -- x-amz-copy-source-if-modified-since that does not hold ----------------------------------------


def _last_modified_date(s3: Any, bucket: str, key: str) -> str:
    """The source's own Last-Modified as an HTTP date: not after the server's clock, so never ignored."""
    return format_datetime(s3.head_object(Bucket=bucket, Key=key)["LastModified"].astimezone(UTC), usegmt=True)


def test_copy_object_source_not_modified_since_is_412(s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-copy-source-if-modified-since: "Copies the object if it has been
    modified since the specified time"; the source's own Last-Modified is not after itself, so the
    condition does not hold: 412 PreconditionFailed (a copy has no 304) and nothing is written."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    since = _last_modified_date(s3, bucket, "src")
    source = {"Bucket": bucket, "Key": "src"}
    assert error_of(
        lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, CopySourceIfModifiedSince=since)
    ) == (412, "PreconditionFailed")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="dst")) == (404, None)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_PART_API)
def test_upload_part_copy_source_not_modified_since_is_412(s3: Any, bucket: str, upload: str) -> None:
    """API_UploadPartCopy.html, x-amz-copy-source-if-modified-since: as for CopyObject, a source not
    modified after the date is 412 PreconditionFailed; no part is stored."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    since = _last_modified_date(s3, bucket, "src")
    source = {"Bucket": bucket, "Key": "src"}
    assert error_of(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, CopySource=source, CopySourceIfModifiedSince=since
        )
    ) == (412, "PreconditionFailed")
    assert s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload).get("Parts", []) == []


NOT_HTTP_DATES = ["2000-01-01T00:00:00Z", "2000-01-01", "not a date"]


@pytest.mark.parametrize("value", NOT_HTTP_DATES, ids=["iso-8601", "date-only", "garbage"])
@pytest.mark.parametrize("name", ["x-amz-copy-source-if-unmodified-since", "x-amz-copy-source-if-modified-since"])
def test_copy_object_source_date_that_is_no_http_date_is_ignored(
    raw: RawS3, s3: Any, bucket: str, name: str, value: str
) -> None:
    """The date conditions take an HTTP date; one in another form is ignored, as RFC 9110 has a
    recipient do with an invalid date: the copy happens (S3 copied under an unmodified-since of
    the year 2015 sent as ISO 8601, minio/minio-java#546; "ignored by the server (Both Minio and AWS
    S3)", minio/minio-js#620) -- never a 500, never a 412 decided on a misread date."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    answer = raw.request("PUT", key_path(bucket, "dst"), headers={"x-amz-copy-source": f"/{bucket}/src", name: value})
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"hello"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_PART_API)
@pytest.mark.parametrize("value", NOT_HTTP_DATES, ids=["iso-8601", "date-only", "garbage"])
def test_upload_part_copy_source_date_that_is_no_http_date_is_ignored(
    raw: RawS3, s3: Any, bucket: str, upload: str, value: str
) -> None:
    """UploadPartCopy likewise: "AWS ignores invalid date strings in the copy-source-parameters
    (copySourceIfModifiedSince, and copySourceIfUnmodifiedSince) of the upload-part-copy cmd"
    (observed against S3, apache/ozone#2509); the part is copied."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello")
    headers = {"x-amz-copy-source": f"/{bucket}/src", "x-amz-copy-source-if-unmodified-since": value}
    answer = raw.request("PUT", key_path(bucket, "dst"), [("partNumber", "1"), ("uploadId", upload)], headers=headers)
    assert answer.status == 200, answer
    assert answer.xml().findtext("{*}ETag") == _md5_etag(b"hello")


# -- what a copy carries over ----------------------------------------------------------------------

EXPIRES = "Wed, 21 Oct 2037 07:28:00 GMT"


@pytest.mark.s3_requires("metadata")
def test_copy_object_expires_follows_the_metadata_directive(s3: Any, bucket: str) -> None:
    """Expires is object metadata (a system-defined header, UsingMetadata.html): under COPY (the
    default) the copy keeps the source's and the request's own is not used; under REPLACE the copy
    has the request's, or none."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Expires=EXPIRES)
    source = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="kept", CopySource=source, Expires="Thu, 01 Jan 2037 00:00:00 GMT")
    s3.copy_object(Bucket=bucket, Key="dropped", CopySource=source, MetadataDirective="REPLACE")
    s3.copy_object(
        Bucket=bucket,
        Key="replaced",
        CopySource=source,
        MetadataDirective="REPLACE",
        Expires="Thu, 01 Jan 2037 00:00:00 GMT",
    )
    assert [header(s3.head_object(Bucket=bucket, Key=k), "expires") for k in ("kept", "dropped", "replaced")] == [
        EXPIRES,
        None,
        "Thu, 01 Jan 2037 00:00:00 GMT",
    ]


@pytest.mark.s3_requires("multipart")
def test_copy_object_of_a_multipart_object_is_one_part(s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-copy-source: "If the source object is an object that was uploaded by
    using a multipart upload, the object copy will be a single part object after the source object
    is copied": its ETag is the MD5 of its bytes (no ``-N``), the one HEAD gives, and the result's
    LastModified is the copy's own (HEAD's, to the second)."""
    first, last = b"a" * MIB5, b"tail"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [
        {
            "PartNumber": n,
            "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=n, Body=body)["ETag"],
        }
        for n, body in ((1, first), (2, last))
    ]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})
    assert done["ETag"].endswith('-2"')
    result = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "mp"})["CopyObjectResult"]
    head = s3.head_object(Bucket=bucket, Key="copy")
    assert (result["ETag"], head["ETag"], head["ContentLength"]) == (
        _md5_etag(first + last),
        _md5_etag(first + last),
        len(first) + len(last),
    )
    assert result["LastModified"].replace(microsecond=0) == head["LastModified"]


# -- copy onto itself ----------------------------------------------------------------------------


@pytest.mark.s3_requires("metadata")
def test_copy_object_to_itself_naming_sse_s3_is_honoured_or_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    """A copy onto itself is refused only "without changing the object's metadata, storage class,
    website redirect location or encryption attributes" (400 InvalidRequest); naming the encryption is
    such a change (how AWS re-encrypts an object in place), so an endpoint that keeps SSE-S3 copies
    (200, the bytes and metadata kept, AES256 reported) and one that does not refuses the encryption
    itself, never with the copy-to-itself error. The object is intact either way."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"kept", Metadata={"a": "1"})
    headers = {"x-amz-copy-source": f"/{bucket}/k", "x-amz-server-side-encryption": "AES256"}
    answer = raw.request("PUT", key_path(bucket, "k"), headers=headers)
    if answer.status == 200:
        assert answer.headers.get("x-amz-server-side-encryption") == "AES256", answer.headers
    else:
        assert answer.status in (400, 403, 501) and answer.code != "InvalidRequest", answer
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["Body"].read(), got["Metadata"]) == (b"kept", {"a": "1"})


# -- x-amz-expiration ------------------------------------------------------------------------------


@pytest.mark.s3_requires("lifecycle")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html"
)
def test_copy_object_names_the_lifecycle_rule_that_expires_the_copy(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-expiration: "If the object expiration is configured, the response
    includes this header", with "the expiry-date and rule-id key-value pairs" (API_PutObject.html;
    ``expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"``). The date is the
    copy's creation time plus the rule's days, rounded up to the next midnight UTC (lifecycle
    considerations page). A copy no rule expires gets no such header."""
    import datetime as dt

    rule = {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 3}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    answer = raw.request("PUT", key_path(bucket, "logs/copy"), headers={"x-amz-copy-source": f"/{bucket}/src"})
    assert answer.status == 200, answer
    created = s3.head_object(Bucket=bucket, Key="logs/copy")["LastModified"].astimezone(UTC)
    midnight = (created + dt.timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    expiry = midnight + dt.timedelta(days=1)
    expected = f'expiry-date="{format_datetime(expiry, usegmt=True)}", rule-id="expire-logs"'
    assert answer.headers.get("x-amz-expiration") == expected, answer.headers
    other = raw.request("PUT", key_path(bucket, "kept/copy"), headers={"x-amz-copy-source": f"/{bucket}/src"})
    assert (other.status, other.headers.get("x-amz-expiration")) == (200, None), other
