"""CopyObject: COPY and REPLACE directives, copy to itself, missing sources, and the
x-amz-copy-source-if-* conditions with their precedence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("copy"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"),
]

ETAG = '"5d41402abc4b2a76b9719d911017c592"'  # MD5 of b"hello"
OTHER = '"00000000000000000000000000000000"'
PAST = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)


def _future() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)


@pytest.fixture
def src(s3: Any, bucket: str) -> tuple[str, str]:
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello", ContentType="text/plain", Metadata={"a": "1"})
    return bucket, "src"


@pytest.mark.s3_requires("metadata")
def test_copy_object_copies_bytes_etag_and_metadata(s3: Any, src: tuple[str, str]) -> None:
    bucket, key = src
    done = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": key})
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert done["CopyObjectResult"]["ETag"] == ETAG
    assert done["CopyObjectResult"]["LastModified"].year >= 2024
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert (got["Body"].read(), got["ETag"], got["Metadata"]) == (b"hello", ETAG, {"a": "1"})
    assert header(got, "content-type") == "text/plain"


@pytest.mark.s3_requires("metadata")
def test_copy_object_replace_takes_new_metadata(s3: Any, src: tuple[str, str]) -> None:
    bucket, key = src
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": key},
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="application/json",
    )
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"b": "2"}
    assert header(head, "content-type") == "application/json"
    assert s3.head_object(Bucket=bucket, Key=key)["Metadata"] == {"a": "1"}


def test_copy_object_to_itself_without_replace_is_400_invalid_request(s3: Any, src: tuple[str, str]) -> None:
    bucket, key = src
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key})) == (
        400,
        "InvalidRequest",
    )


@pytest.mark.s3_requires("metadata")
def test_copy_object_to_itself_with_replace_updates_metadata(s3: Any, src: tuple[str, str]) -> None:
    bucket, key = src
    s3.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        MetadataDirective="REPLACE",
        Metadata={"c": "3"},
    )
    got = s3.get_object(Bucket=bucket, Key=key)
    assert (got["Body"].read(), got["Metadata"]) == (b"hello", {"c": "3"})


@pytest.mark.s3_requires("metadata")
def test_copy_object_to_itself_with_a_storage_class_is_allowed(s3: Any, src: tuple[str, str]) -> None:
    """API_CopyObject.html: CopyObject with x-amz-storage-class is how an object's storage class is
    changed in place; the copy-to-itself refusal names "storage class" among the changes that make
    it legal, and AWS takes the header as such a change even when it names the current class
    (``aws s3 cp --storage-class STANDARD s3://b/k s3://b/k`` works). The metadata is kept (COPY)."""
    bucket, key = src
    done = s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key}, StorageClass="STANDARD")
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object(Bucket=bucket, Key=key)
    assert (got["Body"].read(), got["ETag"], got["Metadata"]) == (b"hello", ETAG, {"a": "1"})
    assert header(got, "content-type") == "text/plain"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_copy_object_unknown_storage_class_is_400_invalid_storage_class(s3: Any, src: tuple[str, str]) -> None:
    """ErrorResponses.html: InvalidStorageClass, 400, "The storage class you specified is not valid"."""
    bucket, key = src
    copy = {"Bucket": bucket, "Key": key}
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource=copy, StorageClass="COLD")) == (
        400,
        "InvalidStorageClass",
    )
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="dst")) == (404, "NoSuchKey")


@pytest.mark.s3_requires("objects")
def test_copy_object_website_redirect_location_is_not_copied(s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-website-redirect-location: "This value is unique to each object and
    is not copied when using the x-amz-metadata-directive header. Instead, you may opt to provide
    this header in combination with the x-amz-metadata-directive header." And a copy onto itself that
    sets it changes the object (the copy-to-itself refusal names "website redirect location")."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Metadata={"a": "1"}, WebsiteRedirectLocation="/old.html")
    s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": "src"})
    head = s3.head_object(Bucket=bucket, Key="plain")
    assert ("WebsiteRedirectLocation" not in head, head["Metadata"]) == (True, {"a": "1"})
    s3.copy_object(
        Bucket=bucket, Key="moved", CopySource={"Bucket": bucket, "Key": "src"}, WebsiteRedirectLocation="/new.html"
    )
    assert s3.head_object(Bucket=bucket, Key="moved").get("WebsiteRedirectLocation") == "/new.html"
    s3.copy_object(
        Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"}, WebsiteRedirectLocation="/self.html"
    )
    head = s3.head_object(Bucket=bucket, Key="src")
    assert (head.get("WebsiteRedirectLocation"), head["Metadata"]) == ("/self.html", {"a": "1"})


def test_copy_object_missing_source_key_is_404_no_such_key(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="d", CopySource={"Bucket": bucket, "Key": "no"})) == (
        404,
        "NoSuchKey",
    )


def test_copy_object_missing_source_bucket_is_404_no_such_bucket(s3: Any, bucket: str, new_bucket_name: Any) -> None:
    gone = new_bucket_name("gone")
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="d", CopySource={"Bucket": gone, "Key": "k"})) == (
        404,
        "NoSuchBucket",
    )


def test_copy_object_across_buckets_and_special_keys(s3: Any, src: tuple[str, str], new_bucket_name: Any) -> None:
    bucket, _ = src
    special = "dir/a b+c%2F\u00e9?x=1#y"
    s3.put_object(Bucket=bucket, Key=special, Body=b"special")
    other = new_bucket_name("dst")
    s3.create_bucket(Bucket=other)
    s3.copy_object(Bucket=other, Key=special, CopySource={"Bucket": bucket, "Key": special})
    assert s3.get_object(Bucket=other, Key=special)["Body"].read() == b"special"
    assert full_listing(s3, other).keys == (special,)


@pytest.mark.s3_requires("metadata")
def test_copy_object_overwrites_destination(s3: Any, src: tuple[str, str]) -> None:
    bucket, key = src
    s3.put_object(Bucket=bucket, Key="dst", Body=b"older and longer", Metadata={"old": "x"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": key})
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert (got["Body"].read(), got["ETag"], got["Metadata"]) == (b"hello", ETAG, {"a": "1"})


COPY_CASES = [
    ({"CopySourceIfMatch": ETAG}, 200),
    ({"CopySourceIfMatch": OTHER}, 412),
    ({"CopySourceIfNoneMatch": OTHER}, 200),
    ({"CopySourceIfNoneMatch": ETAG}, 412),
    ({"CopySourceIfModifiedSince": PAST}, 200),
    # A future date is ignored as if absent (recorded/conditional-future-date.md): the copy happens.
    ({"CopySourceIfModifiedSince": "FUTURE"}, 200),
    ({"CopySourceIfUnmodifiedSince": "FUTURE"}, 200),
    ({"CopySourceIfUnmodifiedSince": PAST}, 412),
    # AWS CopyObject docs: if-match true + if-unmodified-since false -> 200 OK and the copy happens;
    ({"CopySourceIfMatch": ETAG, "CopySourceIfUnmodifiedSince": PAST}, 200),
    # if-none-match false + if-modified-since true -> 412 Precondition Failed.
    ({"CopySourceIfNoneMatch": ETAG, "CopySourceIfModifiedSince": PAST}, 412),
]
COPY_IDS = [
    "if-match",
    "if-match-other",
    "if-none-match-other",
    "if-none-match",
    "modified-since-past",
    "modified-since-future-is-ignored",
    "unmodified-since-future",
    "unmodified-since-past",
    "match-beats-unmodified-since",
    "none-match-false-beats-modified-since",
]


@pytest.mark.parametrize(("conditions", "status"), COPY_CASES, ids=COPY_IDS)
def test_copy_object_source_conditions(s3: Any, src: tuple[str, str], conditions: dict[str, str], status: int) -> None:
    bucket, key = src
    kwargs = {k: (_future() if v == "FUTURE" else v) for k, v in conditions.items()}

    def call() -> Any:
        return s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": key}, **kwargs)

    if status == 200:
        assert call()["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"hello"
    else:
        assert error_of(call) == (412, "PreconditionFailed")
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="dst")) == (404, "NoSuchKey")


def test_copy_object_to_itself_in_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    gone = new_bucket_name("gone")
    assert error_of(lambda: s3.copy_object(Bucket=gone, Key="k", CopySource={"Bucket": gone, "Key": "k"})) == (
        404,
        "NoSuchBucket",
    )


def test_copy_object_missing_destination_bucket_is_404_no_such_bucket(
    s3: Any, src: tuple[str, str], new_bucket_name: Any
) -> None:
    bucket, key = src
    assert error_of(
        lambda: s3.copy_object(Bucket=new_bucket_name("nodst"), Key="k", CopySource={"Bucket": bucket, "Key": key})
    ) == (404, "NoSuchBucket")


@pytest.mark.s3_requires("checksums")
def test_copy_object_checksum_algorithm_is_computed_over_the_copy(s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-checksum-algorithm: "Indicates the algorithm that you want Amazon
    S3 to use to create the checksum for the object": the copy gets that checksum, computed over its
    bytes (not the source's SHA-256), in CopyObjectResult and on later GET/HEAD with checksum mode."""
    import base64
    import hashlib
    import zlib

    body = b"checksummed copy"
    crc32 = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    sha1 = base64.b64encode(hashlib.sha1(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="src", Body=body, ChecksumAlgorithm="SHA256")
    source = {"Bucket": bucket, "Key": "src"}
    done = s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, ChecksumAlgorithm="CRC32")
    result = done["CopyObjectResult"]
    assert (result.get("ChecksumCRC32"), "ChecksumSHA256" in result) == (crc32, False)
    head = s3.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert (head.get("ChecksumCRC32"), "ChecksumSHA256" in head) == (crc32, False)
    got = s3.get_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert (got["Body"].read(), got.get("ChecksumCRC32")) == (body, crc32)
    # A source without any checksum; REPLACE keeps the algorithm asked for too.
    s3.put_object(Bucket=bucket, Key="bare", Body=body)
    done = s3.copy_object(
        Bucket=bucket,
        Key="sha1",
        CopySource={"Bucket": bucket, "Key": "bare"},
        ChecksumAlgorithm="SHA1",
        MetadataDirective="REPLACE",
    )
    assert done["CopyObjectResult"].get("ChecksumSHA1") == sha1
    assert s3.head_object(Bucket=bucket, Key="sha1", ChecksumMode="ENABLED").get("ChecksumSHA1") == sha1


@pytest.mark.s3_requires("checksums")
def test_copy_object_unknown_checksum_algorithm_is_400(raw: Any, s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-checksum-algorithm: "Unrecognized or unsupported values will respond
    with the HTTP status code 400 Bad Request"; nothing is copied."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    headers = {"x-amz-copy-source": f"/{bucket}/src", "x-amz-checksum-algorithm": "MD4"}
    assert raw.request("PUT", f"/{bucket}/dst", [], headers=headers).status == 400
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="dst")) == (404, "NoSuchKey")
