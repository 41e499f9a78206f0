"""Object tagging, second pass: the characters a tag may hold (XML body, x-amz-tagging on PutObject,
CopyObject and CreateMultipartUpload), the body digest of PutObjectTagging, x-amz-tagging-count,
and tagging a version or a delete marker by versionId.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-managing.html (tag restrictions),
https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_S3Tag.html (the S3 tag pattern).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64

pytestmark = [
    pytest.mark.s3_requires("tagging"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-managing.html"),
]

# API_control_S3Tag.html: Key and Value "Pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$" (letters, spaces,
# numbers and _ . : / = + - @); tagging-managing.html names the same set for object tags. AWS refuses a
# tag outside it with 400 InvalidTag "The TagKey you have provided is invalid" / "The TagValue you have
# provided is invalid" (the answer users meet for a comma, e.g. gardenlinux/gardenlinux#3720, 2025-10).
OUTSIDE = [",", "*", "#", "(", "!", "?", "&", "<", "\t", "%", '"', ";"]
OUTSIDE_IDS = ["comma", "star", "hash", "paren", "bang", "question", "amp", "lt", "tab", "percent", "quote", "semi"]


def _tagging_xml(pairs: list[tuple[str, str]]) -> bytes:
    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>{tags}</TagSet></Tagging>'.encode()


def _put_tagging(raw: RawS3, bucket: str, key: str, body: bytes, params: list[tuple[str, str]] | None = None) -> Any:
    query = [("tagging", ""), *(params or [])]
    return raw.request("PUT", key_path(bucket, key), query, headers={"content-md5": md5_b64(body)}, body=body)


@pytest.mark.parametrize("where", ["key", "value"])
@pytest.mark.parametrize("char", OUTSIDE, ids=OUTSIDE_IDS)
def test_tagging_character_outside_the_tag_pattern_is_400_invalid_tag(
    raw: RawS3, s3: Any, bucket: str, char: str, where: str
) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="kept=yes")
    pair = (f"a{char}b", "v") if where == "key" else ("k", f"a{char}b")
    answer = _put_tagging(raw, bucket, "t", _tagging_xml([pair]))
    refused(answer, 400, "InvalidTag", accepted=f"a tag {where} holding {char!r} accepted")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "kept", "Value": "yes"}]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
@pytest.mark.parametrize("char", OUTSIDE, ids=OUTSIDE_IDS)
def test_tagging_header_character_outside_the_tag_pattern_is_400(raw: RawS3, s3: Any, bucket: str, char: str) -> None:
    """API_PutObject.html x-amz-tagging: the same tag set, URL-encoded; a key or value outside the pattern
    is refused (InvalidTag, or InvalidArgument naming x-amz-tagging) and no object is written."""
    for sent in (f"a{quote(char, safe='')}b=v", f"k=a{quote(char, safe='')}b"):
        answer = raw.request("PUT", key_path(bucket, "h"), headers={"x-amz-tagging": sent}, body=b"x")
        assert (answer.status, answer.code) in {(400, "InvalidTag"), (400, "InvalidArgument")}, (sent, answer)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="h")) == (404, None)


@pytest.mark.parametrize("operation", ["copy", "multipart"])
def test_tagging_header_on_copy_and_multipart_follows_the_tag_rules(s3: Any, bucket: str, operation: str) -> None:
    """API_CopyObject.html (x-amz-tagging with x-amz-tagging-directive: REPLACE) and
    API_CreateMultipartUpload.html take the same tag set as PutObject, under the same rules."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    for bad in ("a,b=v", "&".join(f"k{i}=v" for i in range(11)), "aws:k=v"):
        if operation == "copy":
            status, code = error_of(
                lambda: s3.copy_object(
                    Bucket=bucket,
                    Key="dst",
                    CopySource={"Bucket": bucket, "Key": "src"},
                    TaggingDirective="REPLACE",
                    Tagging=bad,  # noqa: B023
                )
            )
        else:
            status, code = error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="dst", Tagging=bad))  # noqa: B023
        assert status == 400 and code in ("InvalidTag", "InvalidArgument"), (bad, status, code)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="dst")) == (404, None)


def test_tagging_the_allowed_characters_round_trip(raw: RawS3, s3: Any, bucket: str) -> None:
    """Letters (any script), numbers, spaces and _ . : / = + - @ are inside the pattern."""
    pairs = [("Key_1.a:b/c=d+e-f@g", "Value 2_.:/=+-@"), ("\u00e9t\u00e9", "\u65e5\u672c 3")]
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    answer = _put_tagging(raw, bucket, "t", _tagging_xml(pairs))
    assert answer.status == 200, answer
    got = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in got) == sorted(pairs)


@pytest.mark.parametrize(
    ("pairs", "what"),
    [([("", "v")], "empty key"), ([("k" * 129, "v")], "key of 129"), ([("k", "v" * 257)], "value of 257")],
    ids=["empty-key", "key-129", "value-257"],
)
def test_tagging_document_length_limits_are_400_invalid_tag(
    raw: RawS3, s3: Any, bucket: str, pairs: list[tuple[str, str]], what: str
) -> None:
    """API_Tag.html: Key "Length Constraints: Minimum length of 1. Maximum length of 128", Value "Maximum
    length of 256"; a document breaking them is 400 InvalidTag."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    refused(_put_tagging(raw, bucket, "t", _tagging_xml(pairs)), 400, "InvalidTag", accepted=f"{what} accepted")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []


def test_put_object_tagging_with_a_wrong_content_md5_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutObjectTagging.html Content-MD5: "The MD5 hash for the request body"; a digest of other bytes
    is BadDigest, one that is not an MD5 InvalidDigest, and the tag set stays as it was."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="kept=yes")
    body = _tagging_xml([("new", "tag")])
    refuses_a_wrong_digest(raw, key_path(bucket, "t"), [("tagging", "")], body, "PutObjectTagging")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "kept", "Value": "yes"}]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_tagging_count_header_only_when_the_object_has_tags(s3: Any, bucket: str) -> None:
    """API_GetObject.html / API_HeadObject.html x-amz-tagging-count: "The number of tags, if any, on the
    object"; an object without tags has no such header."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    assert header(s3.get_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") is None
    assert header(s3.head_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") is None
    s3.put_object_tagging(
        Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(3)]}
    )
    assert header(s3.get_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") == "3"
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert header(s3.get_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") is None


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_tagging_count_of_a_version_read_by_version_id(s3: Any, versioned_bucket: str) -> None:
    old = s3.put_object(Bucket=versioned_bucket, Key="t", Body=b"x", Tagging="a=1&b=2")["VersionId"]
    s3.put_object(Bucket=versioned_bucket, Key="t", Body=b"y")
    got = s3.get_object(Bucket=versioned_bucket, Key="t", VersionId=old)
    assert header(got, "x-amz-tagging-count") == "2"
    assert header(s3.get_object(Bucket=versioned_bucket, Key="t"), "x-amz-tagging-count") is None


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html")
@pytest.mark.parametrize("operation", ["put", "get", "delete"])
def test_tagging_of_a_delete_marker_by_version_id_is_405(s3: Any, versioned_bucket: str, operation: str) -> None:
    """DeleteMarker.html: "A delete marker ... does not have data or an ACL associated with it"; an
    operation naming a delete marker by versionId other than DELETE is 405 MethodNotAllowed, with
    x-amz-delete-marker: true (the answer AWS gives GET/HEAD, API_GetObject.html)."""
    from botocore.exceptions import ClientError

    s3.put_object(Bucket=versioned_bucket, Key="t", Body=b"x", Tagging="a=1")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="t")["VersionId"]
    calls = {
        "put": lambda: s3.put_object_tagging(
            Bucket=versioned_bucket, Key="t", VersionId=marker, Tagging={"TagSet": [{"Key": "b", "Value": "2"}]}
        ),
        "get": lambda: s3.get_object_tagging(Bucket=versioned_bucket, Key="t", VersionId=marker),
        "delete": lambda: s3.delete_object_tagging(Bucket=versioned_bucket, Key="t", VersionId=marker),
    }
    with pytest.raises(ClientError) as caught:
        calls[operation]()
    response = caught.value.response
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]) == (405, "MethodNotAllowed")
    assert response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"
