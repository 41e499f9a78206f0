"""Object tagging: PutObjectTagging / GetObjectTagging / DeleteObjectTagging, x-amz-tagging on
PutObject and the x-amz-tagging-count header."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("tagging"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html"),
]


def test_tagging_put_get_delete_round_trip(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b c", "Value": "d/e=f"}]
    assert (
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": tags})["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )
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
    assert data == body, (
        f"{operation} object tagging changed the object's bytes: expected {len(body)} bytes, "
        f"got {len(data)} ({data[:40]!r})"
    )
    assert got["ETag"] == etag, f"{operation} object tagging changed the ETag: {etag} -> {got['ETag']}"


def test_tagging_more_than_10_tags_is_400_invalid_tag(s3: Any, bucket: str) -> None:
    # tagging-managing.html / API_PutObjectTagging.html: "You can associate up to 10 tags with an
    # object"; a tag set breaking a tag rule is InvalidTag (ErrorResponses.html: InvalidTag, 400).
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    assert error_of(lambda: s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": tags})) == (
        400,
        "InvalidTag",
    )
    header_form = "&".join(f"k{i}=v" for i in range(11))
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="h", Body=b"x", Tagging=header_form)) == (
        400,
        "InvalidTag",
    )


def test_tagging_10_tags_is_the_limit(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="&".join(f"k{i}=v{i}" for i in range(10)))
    assert len(s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]) == 10


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("foo=bar&bar", [("bar", ""), ("foo", "bar")]),  # a key without "=" has an empty value
        ("a=", [("a", "")]),
        ("k%20ey=v%2Fal%3Due", [("k ey", "v/al=ue")]),
        ("a=1&", [("a", "1")]),
        ("n=" + "v" * 256, [("n", "v" * 256)]),
        ("k" * 128 + "=v", [("k" * 128, "v")]),
        ("%C3%A9t%C3%A9=%C3%A9", [("\u00e9t\u00e9", "\u00e9")]),
        ("a.b_c-d:e/f@g=%2B-=._:/@", [("a.b_c-d:e/f@g", "+-=._:/@")]),
    ],
    ids=["key-only", "empty-value", "encoded", "trailing-amp", "value-256", "key-128", "utf8", "punct"],
)
def test_tagging_header_forms_aws_accepts(s3: Any, bucket: str, sent: str, expected: list[tuple[str, str]]) -> None:
    # API_PutObject.html, x-amz-tagging: "The tag-set for the object. The tag-set must be encoded
    # as URL Query parameters. (For example, "Key1=Value1")"; tagging-managing.html: keys up to 128
    # and values up to 256 Unicode characters, letters, numbers, spaces and + - = . _ : / @.
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging=sent)
    got = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in got) == expected


@pytest.mark.parametrize(
    "sent",
    ["a=1&a=2", "aws:k=v", "k=" + "v" * 257, "k" * 129 + "=v"],
    ids=["duplicate", "aws-prefix", "value-257", "key-129"],
)
def test_tagging_header_forms_aws_refuses(s3: Any, bucket: str, sent: str) -> None:
    status, code = error_of(lambda: s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging=sent))
    assert status == 400 and code in ("InvalidTag", "InvalidArgument"), (status, code)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="t")) == (404, None)


def test_tagging_header_with_bytes_not_utf8_is_400_invalid_argument(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutObject.html, x-amz-tagging: the tag-set "must be encoded as URL Query parameters", of
    UTF-8 text; a value holding the raw byte 0xFC (Latin-1, not UTF-8, not URL-encoded) is refused
    as AWS refuses a malformed tagging header (400 InvalidArgument, naming x-amz-tagging), nothing stored."""
    not_utf8 = b"a=\xfc".decode("utf-8", "surrogateescape")
    answer = raw.request("PUT", key_path(bucket, "t"), headers={"x-amz-tagging": not_utf8}, body=b"x")
    refused(answer, 400, "InvalidArgument", accepted="tagging header that is not UTF-8 accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="t")) == (404, None)
