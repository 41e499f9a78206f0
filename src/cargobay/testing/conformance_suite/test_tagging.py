"""Object tagging: PutObjectTagging / GetObjectTagging / DeleteObjectTagging, x-amz-tagging on
PutObject and the x-amz-tagging-count header."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header

pytestmark = [pytest.mark.s3_requires("tagging"),
              pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html")]


def test_tagging_put_get_delete_round_trip(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b c", "Value": "d/e=f"}]
    assert s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": tags})[
        "ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in got) == [("a", "1"), ("b c", "d/e=f")]
    assert header(s3.head_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") == "2"
    assert s3.delete_object_tagging(Bucket=bucket, Key="t")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []


def test_tagging_header_on_put_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="k1=v1&k2=v%202")
    got = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in got) == [("k1", "v1"), ("k2", "v 2")]
    assert header(s3.get_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") == "2"


def test_tagging_missing_key_is_404_no_such_key(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_object_tagging(Bucket=bucket, Key="none")) == (404, "NoSuchKey")


def test_tagging_more_than_10_tags_is_400(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    status, code = error_of(lambda: s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": tags}))
    assert (status, code) == (400, "BadRequest")


def test_tagging_survives_copy_by_default(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1")
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    got = s3.get_object_tagging(Bucket=bucket, Key="dst")["TagSet"]
    assert [(t["Key"], t["Value"]) for t in got] == [("a", "1")]


@pytest.mark.parametrize("operation", ["put", "delete"])
def test_tagging_put_object_tagging_keeps_the_bytes(s3: Any, bucket: str, operation: str) -> None:
    """A sub-resource write changes the tag set only (API_PutObjectTagging.html,
    API_DeleteObjectTagging.html): the object's bytes and ETag stay what they were."""
    body = b"the object's own bytes"
    etag = s3.put_object(Bucket=bucket, Key="t", Body=body)["ETag"]
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    if operation == "delete":
        s3.delete_object_tagging(Bucket=bucket, Key="t")
    got = s3.get_object(Bucket=bucket, Key="t")
    data = got["Body"].read()
    assert data == body, (f"{operation} object tagging changed the object's bytes: expected {len(body)} bytes, "
                          f"got {len(data)} ({data[:40]!r})")
    assert got["ETag"] == etag, f"{operation} object tagging changed the ETag: {etag} -> {got['ETag']}"
