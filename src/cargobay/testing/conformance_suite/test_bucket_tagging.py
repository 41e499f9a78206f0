"""Bucket tagging: Put/Get/DeleteBucketTagging.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html (NoSuchTagSet when none),
https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html (at most 50 tags, keys
up to 128 and values up to 256 characters; InvalidTag otherwise).
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refuses_a_body_without_digest
from cargobay.testing.conformance_suite._http import RawS3, md5_b64

pytestmark = [
    pytest.mark.s3_requires("bucket_tagging"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html"),
]


def test_bucket_tagging_round_trip(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == (404, "NoSuchTagSet")
    tags = [{"Key": "project", "Value": "cargo"}, {"Key": "cost center", "Value": "a/b=c"}]
    assert s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})["ResponseMetadata"]["HTTPStatusCode"] in (
        200,
        204,
    )
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in got) == [("cost center", "a/b=c"), ("project", "cargo")]
    assert s3.delete_bucket_tagging(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == (404, "NoSuchTagSet")


def test_bucket_tagging_replaces_the_whole_set(s3: Any, bucket: str) -> None:
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "b", "Value": "2"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "b", "Value": "2"}]


def test_bucket_tagging_51_tags_is_400_invalid_tag(s3: Any, bucket: str) -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})) == (400, "InvalidTag")


def test_bucket_tagging_duplicate_key_is_400_invalid_tag(s3: Any, bucket: str) -> None:
    tags = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    assert error_of(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})) == (400, "InvalidTag")


def test_bucket_tagging_missing_bucket_is_404(s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("none")
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=name)) == (404, "NoSuchBucket")


TAGGING_XML = b"<Tagging><TagSet><Tag><Key>project</Key><Value>cargo</Value></Tag></TagSet></Tagging>"


def test_bucket_tagging_put_without_content_md5_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """The PUT of this configuration needs a digest of its body: without Content-MD5 (or an
    x-amz-checksum-* header) AWS answers 400 InvalidRequest "Missing required header for this
    request: Content-MD5"; a Content-MD5 that does not match is 400 BadDigest (see
    :func:`._expect.refuses_a_body_without_digest`); nothing is stored either way."""
    refuses_a_body_without_digest(raw, bucket, "tagging", TAGGING_XML, "bucket tagging")
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == (404, "NoSuchTagSet")
    right = raw.request(
        "PUT", "/" + bucket, [("tagging", "")], headers={"content-md5": md5_b64(TAGGING_XML)}, body=TAGGING_XML
    )
    assert right.status in (200, 204), right


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_S3Tag.html")
@pytest.mark.parametrize(
    "pair",
    [("a,b", "v"), ("k", "a*b"), ("a#b", "v"), ("k", "a(b)"), ("k", "a\tb")],
    ids=["comma-key", "star-value", "hash-key", "paren-value", "tab-value"],
)
def test_bucket_tagging_character_outside_the_tag_pattern_is_400_invalid_tag(
    raw: RawS3, s3: Any, bucket: str, pair: tuple[str, str]
) -> None:
    """API_control_S3Tag.html: Key and Value "Pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"; AWS answers
    a bucket tag outside it with 400 InvalidTag "The TagValue you have provided is invalid" (met by
    users for parentheses: alphagov/govuk-infrastructure#1175, 2024-03). The old tag set stays."""
    from xml.sax.saxutils import escape

    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "kept", "Value": "yes"}]})
    key, value = (escape(part) for part in pair)
    body = f"<Tagging><TagSet><Tag><Key>{key}</Key><Value>{value}</Value></Tag></TagSet></Tagging>".encode()
    answer = raw.request("PUT", "/" + bucket, [("tagging", "")], headers={"content-md5": md5_b64(body)}, body=body)
    assert (answer.status, answer.code) == (400, "InvalidTag"), answer
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "kept", "Value": "yes"}]


def _tagging_xml(*pairs: tuple[str, str]) -> bytes:
    from xml.sax.saxutils import escape

    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f"<Tagging><TagSet>{tags}</TagSet></Tagging>".encode()


def _put_tagging(raw: RawS3, bucket: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [("tagging", "")], headers={"content-md5": md5_b64(body)}, body=body)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html")
@pytest.mark.parametrize(
    "pair",
    [("aws:createdBy", "me"), ("AWS:team", "x"), ("k" * 129, "v"), ("k", "v" * 257), ("", "v")],
    ids=["aws-prefix", "aws-prefix-upper-case", "key-129", "value-257", "empty-key"],
)
def test_bucket_tagging_outside_the_limits_is_400_invalid_tag(
    raw: RawS3, s3: Any, bucket: str, pair: tuple[str, str]
) -> None:
    """CostAllocTagging.html (user-defined tags): a key is 1 to 128 Unicode characters and a value up
    to 256; "aws:" is the prefix of AWS-generated tags, which a user cannot add (AWS answers "System
    tags cannot be added/updated by requester"), in "any upper or lowercase combination" (the AWS
    tag restrictions, e.g. https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html).
    Outside these: 400 InvalidTag, the old set stays."""
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "kept", "Value": "yes"}]})
    answer = _put_tagging(raw, bucket, _tagging_xml(pair))
    assert (answer.status, answer.code) == (400, "InvalidTag"), answer
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "kept", "Value": "yes"}]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html")
def test_bucket_tagging_at_the_limits_is_kept(raw: RawS3, s3: Any, bucket: str) -> None:
    """The largest tag set the limits allow, kept whole: 50 tags, a 128-character key (counted in
    characters, not bytes: é is two bytes), a 256-character value, an empty value."""
    pairs = [("é" * 128, "v" * 256), ("empty", "")] + [(f"k{i}", "v") for i in range(48)]
    answer = _put_tagging(raw, bucket, _tagging_xml(*pairs))
    assert answer.status in (200, 204), answer
    got = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert got == dict(pairs)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_Tag.html")
@pytest.mark.parametrize(
    "tag",
    ["<Key>a</Key><Key>b</Key><Value>v</Value>", "<Key>a</Key><Value>v</Value><Value>w</Value>"],
    ids=["two-keys", "two-values"],
)
def test_bucket_tagging_tag_with_two_keys_or_values_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, tag: str
) -> None:
    """API_Tag.html: a Tag has one Key and one Value (both required); a document with two of either
    does not validate against the schema (400 MalformedXML), and the old set stays. Taking the
    first one silently would store a tag the client did not mean."""
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "kept", "Value": "yes"}]})
    answer = _put_tagging(raw, bucket, f"<Tagging><TagSet><Tag>{tag}</Tag></TagSet></Tagging>".encode())
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "kept", "Value": "yes"}]
