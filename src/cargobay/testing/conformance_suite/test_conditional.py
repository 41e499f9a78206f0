"""Conditional requests: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since on GET
and HEAD, their precedence, and conditional writes (PutObject If-None-Match: * and If-Match).

Sources: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html and API_HeadObject.html
(the four headers and their precedence), https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html
and API_PutObject.html (conditional writes), RFC 9110 §13.1 for what the AWS pages leave to HTTP.

A date in the future: AWS ignores If-Modified-Since / If-Unmodified-Since whose date is later than
its clock and answers as if the header were absent (RFC 9110 §13.1.3: such a date is invalid). The
AWS pages are silent; the exchange is recorded in ``recorded/conditional-future-date.md``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.normalize import status_and_code

pytestmark = [
    pytest.mark.s3_requires("conditional"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"),
]

ETAG = '"781e5e245d69b566979b86e28d23f2c7"'  # MD5 of b"0123456789"
OTHER = '"00000000000000000000000000000000"'
PAST = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)


def _future() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)


@pytest.fixture
def obj(s3: Any, bucket: str) -> tuple[str, str]:
    s3.put_object(Bucket=bucket, Key="c", Body=b"0123456789")
    return bucket, "c"


# (headers, expected status): boto3 parameter names; FUTURE is replaced at run time.
CASES = [
    ({"IfMatch": ETAG}, 200),
    ({"IfMatch": OTHER}, 412),
    ({"IfMatch": "*"}, 200),
    ({"IfMatch": f"{OTHER}, {ETAG}"}, 200),
    ({"IfNoneMatch": ETAG}, 304),
    ({"IfNoneMatch": OTHER}, 200),
    ({"IfNoneMatch": "*"}, 304),
    ({"IfModifiedSince": PAST}, 200),
    # A future date is invalid and ignored (recorded/conditional-future-date.md): as if absent.
    ({"IfModifiedSince": "FUTURE"}, 200),
    ({"IfUnmodifiedSince": PAST}, 412),
    ({"IfUnmodifiedSince": "FUTURE"}, 200),
    # Not modified since a date between Last-Modified and now: 304 (RFC 9110 §13.1.3).
    ({"IfModifiedSince": "RECENT"}, 304),
    # Precedence (AWS docs, "Conditional requests"): If-Match true wins over If-Unmodified-Since false;
    ({"IfMatch": ETAG, "IfUnmodifiedSince": PAST}, 200),
    # If-None-Match false (the ETag matches) gives 304 whatever If-Modified-Since says;
    ({"IfNoneMatch": ETAG, "IfModifiedSince": PAST}, 304),
    # If-None-Match true (no match) makes If-Modified-Since irrelevant (RFC 7232 §3.3).
    ({"IfNoneMatch": OTHER, "IfModifiedSince": "FUTURE"}, 200),
    # If-Match false is checked before If-None-Match.
    ({"IfMatch": OTHER, "IfNoneMatch": ETAG}, 412),
    ({"IfMatch": ETAG, "IfNoneMatch": ETAG}, 304),
]
IDS = [
    "match",
    "match-other",
    "match-star",
    "match-list",
    "none-match",
    "none-match-other",
    "none-match-star",
    "modified-since-past",
    "modified-since-future-is-ignored",
    "unmodified-since-past",
    "unmodified-since-future",
    "modified-since-recent",
    "match-beats-unmodified-since",
    "none-match-beats-modified-since",
    "none-match-true-ignores-modified-since",
    "match-false-before-none-match",
    "match-true-then-none-match-false",
]


def _recent() -> str:
    # After the object's Last-Modified (written moments ago), before now: a valid date it is not modified since.
    return format_datetime(datetime.now(UTC).replace(microsecond=0), usegmt=True)


def _resolve(conditions: dict[str, str]) -> dict[str, str]:
    dates = {"FUTURE": _future, "RECENT": _recent}
    return {k: (dates[v]() if v in dates else v) for k, v in conditions.items()}


@pytest.mark.parametrize(("conditions", "status"), CASES, ids=IDS)
def test_get_object_conditions(s3: Any, obj: tuple[str, str], conditions: dict[str, str], status: int) -> None:
    bucket, key = obj
    kwargs = _resolve(conditions)
    if status == 200:
        got = s3.get_object(Bucket=bucket, Key=key, **kwargs)
        assert (got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read()) == (200, b"0123456789")
    else:
        expected_code = {304: None, 412: "PreconditionFailed"}[status]
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key=key, **kwargs)) == (status, expected_code)


@pytest.mark.parametrize(("conditions", "status"), CASES, ids=IDS)
def test_head_object_conditions(s3: Any, obj: tuple[str, str], conditions: dict[str, str], status: int) -> None:
    bucket, key = obj
    kwargs = _resolve(conditions)
    if status == 200:
        assert s3.head_object(Bucket=bucket, Key=key, **kwargs)["ResponseMetadata"]["HTTPStatusCode"] == 200
    else:
        assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key, **kwargs)) == (status, None)


def test_get_object_304_carries_etag(raw: Any, obj: tuple[str, str]) -> None:
    from cargobay.testing.conformance_suite._http import key_path

    bucket, key = obj
    answer = raw.request("GET", key_path(bucket, key), headers={"if-none-match": ETAG})
    assert answer.status == 304 and answer.body == b""
    assert answer.headers.get("etag") == ETAG


def test_get_object_precondition_checked_before_range(s3: Any, obj: tuple[str, str]) -> None:
    bucket, key = obj
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key=key, IfMatch=OTHER, Range="bytes=100-")) == (
        412,
        "PreconditionFailed",
    )
    got = s3.get_object(Bucket=bucket, Key=key, IfMatch=ETAG, Range="bytes=2-3")
    assert (got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read()) == (206, b"23")


def test_get_object_missing_key_with_condition_is_404(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="none", IfMatch=ETAG)) == (404, "NoSuchKey")


def test_put_object_if_none_match_star_refuses_overwrite(s3: Any, bucket: str) -> None:
    first = s3.put_object(Bucket=bucket, Key="w", Body=b"first", IfNoneMatch="*")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="w", Body=b"second", IfNoneMatch="*")) == (
        412,
        "PreconditionFailed",
    )
    assert s3.get_object(Bucket=bucket, Key="w")["Body"].read() == b"first"


def test_put_object_if_match_replaces_only_the_expected_version(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="w", Body=b"first")["ETag"]
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="w", Body=b"x", IfMatch=OTHER)) == (
        412,
        "PreconditionFailed",
    )
    done = s3.put_object(Bucket=bucket, Key="w", Body=b"second", IfMatch=etag)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="w")["Body"].read() == b"second"


def test_put_object_if_match_on_missing_key_is_404_no_such_key(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="none", Body=b"x", IfMatch=ETAG)) == (404, "NoSuchKey")


def test_last_modified_round_trips_through_if_modified_since(s3: Any, obj: tuple[str, str]) -> None:
    bucket, key = obj
    modified = header(s3.head_object(Bucket=bucket, Key=key), "last-modified")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key=key, IfModifiedSince=modified)) == (304, None)
    got = s3.get_object(Bucket=bucket, Key=key, IfUnmodifiedSince=modified)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200


# -- conditional writes: CompleteMultipartUpload, CopyObject's destination, concurrency -----------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html: If-None-Match: *
# writes only if no object exists at the key, If-Match only if the current ETag matches;
# otherwise 412 PreconditionFailed. A conditional write racing another write to the same key may
# get 409 ConditionalRequestConflict ("retry the request"); exactly one creator wins.

MIB5 = 5 * 1024 * 1024


def _multipart(s3: Any, bucket: str, key: str, body: bytes) -> tuple[str, list[dict[str, Any]]]:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=body)["ETag"]
    return upload, [{"PartNumber": 1, "ETag": etag}]


@pytest.mark.s3_requires("multipart")
def test_complete_multipart_if_none_match_star(s3: Any, bucket: str) -> None:
    upload, parts = _multipart(s3, bucket, "mp", b"first")
    s3.put_object(Bucket=bucket, Key="mp", Body=b"meanwhile")
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}, IfNoneMatch="*"
        )
    ) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"meanwhile"
    s3.delete_object(Bucket=bucket, Key="mp")
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}, IfNoneMatch="*"
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"first"


@pytest.mark.s3_requires("multipart")
def test_complete_multipart_if_match(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="mp", Body=b"old")["ETag"]
    upload, parts = _multipart(s3, bucket, "mp", b"new")
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}, IfMatch=OTHER
        )
    ) == (412, "PreconditionFailed")
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}, IfMatch=etag
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"new"


@pytest.mark.s3_requires("copy")
def test_copy_object_destination_if_none_match_star(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    s3.put_object(Bucket=bucket, Key="dst", Body=b"taken")
    assert error_of(
        lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, IfNoneMatch="*")
    ) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"taken"
    done = s3.copy_object(Bucket=bucket, Key="new", CopySource={"Bucket": bucket, "Key": "src"}, IfNoneMatch="*")
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"source"


@pytest.mark.s3_requires("copy")
def test_copy_object_destination_if_match(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    etag = s3.put_object(Bucket=bucket, Key="dst", Body=b"taken")["ETag"]
    assert error_of(
        lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, IfMatch=OTHER)
    ) == (412, "PreconditionFailed")
    assert error_of(
        lambda: s3.copy_object(Bucket=bucket, Key="none", CopySource={"Bucket": bucket, "Key": "src"}, IfMatch=etag)
    ) == (404, "NoSuchKey")
    done = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, IfMatch=etag)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"source"


def test_put_object_if_none_match_star_large_body_refused_before_it_is_stored(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="w", Body=b"first")
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="w", Body=b"z" * (3 << 20), IfNoneMatch="*")) == (
        412,
        "PreconditionFailed",
    )
    assert s3.get_object(Bucket=bucket, Key="w")["Body"].read() == b"first"


@given(writers=st.integers(min_value=2, max_value=8), size=st.sampled_from([1, 64 * 1024, 2 << 20]))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_concurrent_create_if_absent_has_exactly_one_winner(s3_endpoint: Any, writers: int, size: int) -> None:
    client = s3_endpoint.client()
    bucket = s3_endpoint.new_bucket_name("race")
    client.create_bucket(Bucket=bucket)
    try:
        barrier = threading.Barrier(writers)

        def create(n: int) -> tuple[int, str | None]:
            body = bytes([n]) * size
            barrier.wait()
            try:
                done = client.put_object(Bucket=bucket, Key="once", Body=body, IfNoneMatch="*")
            except ClientError as exc:
                return status_and_code(exc)
            return done["ResponseMetadata"]["HTTPStatusCode"], None

        with ThreadPoolExecutor(writers) as pool:
            outcomes = list(pool.map(create, range(writers)))
        winners = [n for n, (status, _) in enumerate(outcomes) if status == 200]
        assert len(winners) == 1, outcomes
        losers = {outcome for outcome in outcomes if outcome[0] != 200}
        assert losers <= {(412, "PreconditionFailed"), (409, "ConditionalRequestConflict")}, outcomes
        assert client.get_object(Bucket=bucket, Key="once")["Body"].read() == bytes([winners[0]]) * size
    finally:
        s3_endpoint.empty_and_delete(bucket)


def test_delete_object_if_match(s3: Any, bucket: str) -> None:
    # API_DeleteObject.html, If-Match: "Deletes the object if the ETag (entity tag) value provided
    # during the delete operation matches the ETag of the object in S3. If the ETag values do not
    # match, the operation returns a 412 Precondition Failed error."
    etag = s3.put_object(Bucket=bucket, Key="d", Body=b"keep me")["ETag"]
    assert error_of(lambda: s3.delete_object(Bucket=bucket, Key="d", IfMatch=OTHER)) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == b"keep me"
    assert s3.delete_object(Bucket=bucket, Key="d", IfMatch=etag)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="d")) == (404, None)
