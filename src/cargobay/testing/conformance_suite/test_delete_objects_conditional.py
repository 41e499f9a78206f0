"""DeleteObjects with conditions: the ``ETag`` of each ObjectIdentifier is a per-object If-Match.

AWS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html): "For
conditionally deleting multiple objects using the DeleteObjects operation, you must provide the ETag
value in the ETag element of the object in the XML request body ... If the precondition succeeds,
that object's response is captured in the <Deleted> element ... If the precondition fails, the
response for that object is captured in the <Error> element." ``*`` asks that the object exists,
and a conditional delete of a missing key fails as DeleteObject's does (404 NoSuchKey).
``LastModifiedTime`` and ``Size`` are conditions of directory buckets only
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectIdentifier.html): a server that does not
evaluate them must refuse them rather than delete unconditionally.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("delete_objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html"),
]


def _outcome(answer: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    deleted = sorted(d["Key"] for d in answer.get("Deleted", []))
    errors = {e["Key"]: e["Code"] for e in answer.get("Errors", [])}
    return deleted, errors


def test_delete_objects_deletes_only_the_keys_whose_etag_matches(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="same", Body=b"one")["ETag"]
    s3.put_object(Bucket=bucket, Key="changed", Body=b"two")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"three")
    answer = s3.delete_objects(
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": "same", "ETag": etag},
                {"Key": "changed", "ETag": '"00000000000000000000000000000000"'},
                {"Key": "plain"},
            ]
        },
    )
    assert _outcome(answer) == (["plain", "same"], {"changed": "PreconditionFailed"})
    assert full_listing(s3, bucket).keys == ("changed",)


def test_delete_objects_etag_star_deletes_an_existing_key_and_fails_a_missing_one(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="here", Body=b"x")
    answer = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "here", "ETag": "*"}, {"Key": "absent", "ETag": "*"}]}
    )
    assert _outcome(answer) == (["here"], {"absent": "NoSuchKey"})
    assert full_listing(s3, bucket).keys == ()


def test_delete_objects_quiet_still_reports_a_failed_condition(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    answer = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "k", "ETag": '"ffffffffffffffffffffffffffffffff"'}], "Quiet": True}
    )
    assert _outcome(answer) == ([], {"k": "PreconditionFailed"})
    assert full_listing(s3, bucket).keys == ("k",)


@pytest.mark.s3_requires("versioning")
def test_delete_objects_condition_in_a_versioned_bucket_guards_the_marker(s3: Any, versioned_bucket: str) -> None:
    etag = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"one")["ETag"]
    failed = s3.delete_objects(
        Bucket=versioned_bucket, Delete={"Objects": [{"Key": "k", "ETag": '"ffffffffffffffffffffffffffffffff"'}]}
    )
    assert _outcome(failed) == ([], {"k": "PreconditionFailed"})
    assert s3.get_object(Bucket=versioned_bucket, Key="k")["Body"].read() == b"one"
    done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": [{"Key": "k", "ETag": etag}]})
    assert _outcome(done) == (["k"], {})
    assert done["Deleted"][0].get("DeleteMarker") is True
    assert error_of(lambda: s3.head_object(Bucket=versioned_bucket, Key="k"))[0] == 404


@pytest.mark.parametrize(
    "condition",
    [{"Size": 1}, {"LastModifiedTime": datetime(2020, 1, 1, tzinfo=UTC)}],
    ids=["size", "last-modified-time"],
)
def test_delete_objects_directory_bucket_conditions_are_never_ignored(
    s3: Any, bucket: str, condition: dict[str, Any]
) -> None:
    """On a bucket that does not evaluate them, the request is refused and nothing is deleted."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    status, _code = error_of(lambda: s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k", **condition}]}))
    assert 400 <= status < 600
    assert full_listing(s3, bucket).keys == ("k",)
