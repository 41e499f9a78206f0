"""Object tagging, third pass: the Tagging document's own rules (duplicate keys, the aws: prefix, an
empty TagSet, a document that is not one), versionId on each of the three operations with
x-amz-version-id in their answers, a version or key that does not exist, the edges of the
x-amz-tagging header not pinned by test_tagging.py, and x-amz-tagging-count told only to a reader
allowed to read the tags.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Tag.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-managing.html (tag restrictions),
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (InvalidTag, MalformedXML, NoSuchVersion).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("tagging"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html"),
]

_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _tagging_xml(pairs: list[tuple[str, str]]) -> bytes:
    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f"<Tagging {_NS}><TagSet>{tags}</TagSet></Tagging>".encode()


def _put_tagging(raw: RawS3, bucket: str, key: str, body: bytes, params: list[tuple[str, str]] | None = None) -> Any:
    query = [("tagging", ""), *(params or [])]
    return raw.request("PUT", key_path(bucket, key), query, headers={"content-md5": md5_b64(body)}, body=body)


def _tags(s3: Any, bucket: str, key: str, **kw: Any) -> list[tuple[str, str]]:
    return sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=bucket, Key=key, **kw)["TagSet"])


# -- the Tagging document ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "what"),
    [
        ([("a", "1"), ("a", "2")], "two tags with one key"),
        ([("a", "1"), ("a", "1")], "the same tag twice"),
        ([("aws:k", "v")], "a key with the aws: prefix"),
    ],
    ids=["duplicate-key", "duplicate-tag", "aws-prefix"],
)
def test_tagging_document_breaking_a_tag_rule_is_400_invalid_tag(
    raw: RawS3, s3: Any, bucket: str, pairs: list[tuple[str, str]], what: str
) -> None:
    """tagging-managing.html: "Tag keys ... must be unique" per object and "The aws: prefix is reserved
    for AWS use"; ErrorResponses.html InvalidTag (400) is the answer to a tag set breaking a tag rule
    (the message AWS gives duplicates: "Cannot provide multiple Tags with the same key"). The tags the
    object had stay."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="kept=yes")
    refused(_put_tagging(raw, bucket, "t", _tagging_xml(pairs)), 400, "InvalidTag", accepted=f"{what} accepted")
    assert _tags(s3, bucket, "t") == [("kept", "yes")]


def test_tagging_empty_tag_set_removes_every_tag(s3: Any, bucket: str) -> None:
    """API_PutObjectTagging.html: the request "replaces" the tag set; an empty TagSet is a tag set of no
    tags (API_Tagging.html: TagSet, an array of Tag), so the object has none and no x-amz-tagging-count."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=2")
    answer = s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": []})
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _tags(s3, bucket, "t") == []
    assert header(s3.head_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") is None


@pytest.mark.parametrize(
    "body",
    [
        b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet>",
        b"not xml at all",
        b"<Tagging xmlns='http://s3.amazonaws.com/doc/2006-03-01/'></Tagging>",
        b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
        b"<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>",
        b"<Other><TagSet/></Other>",
        b"<Tagging><TagSet><Tag><Key>a</Key><Key>b</Key><Value>1</Value></Tag></TagSet></Tagging>",
        b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value><Value>2</Value></Tag></TagSet></Tagging>",
    ],
    ids=[
        "unclosed",
        "not-xml",
        "no-tag-set",
        "tag-without-value",
        "tag-without-key",
        "wrong-root",
        "two-keys",
        "two-values",
    ],
)
def test_tagging_document_that_is_no_tagging_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, body: bytes
) -> None:
    """API_Tagging.html: a Tagging holds a TagSet (required); API_Tag.html: a Tag holds a Key and a Value,
    both required, one of each. ErrorResponses.html MalformedXML (400): "The XML you provided was not well-formed or
    did not validate against our published schema". The tags stay."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="kept=yes")
    refused(_put_tagging(raw, bucket, "t", body), 400, "MalformedXML", accepted=f"{body!r} accepted")
    assert _tags(s3, bucket, "t") == [("kept", "yes")]


@pytest.mark.parametrize("operation", ["put", "delete"])
def test_tagging_of_a_missing_key_is_404_no_such_key(s3: Any, bucket: str, operation: str) -> None:
    """ErrorResponses.html NoSuchKey (404): "The specified key does not exist"; nothing is created."""
    if operation == "put":
        call: Callable[[], Any] = lambda: s3.put_object_tagging(  # noqa: E731
            Bucket=bucket, Key="none", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]}
        )
    else:
        call = lambda: s3.delete_object_tagging(Bucket=bucket, Key="none")  # noqa: E731
    assert error_of(call) == (404, "NoSuchKey")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="none")) == (404, None)


@pytest.mark.parametrize("operation", ["put", "get", "delete"])
def test_tagging_in_a_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any, operation: str) -> None:
    name = new_bucket_name()
    calls: dict[str, Callable[[], Any]] = {
        "put": lambda: s3.put_object_tagging(Bucket=name, Key="k", Tagging={"TagSet": []}),
        "get": lambda: s3.get_object_tagging(Bucket=name, Key="k"),
        "delete": lambda: s3.delete_object_tagging(Bucket=name, Key="k"),
    }
    assert error_of(calls[operation]) == (404, "NoSuchBucket")


# -- versions --------------------------------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
def test_tagging_by_version_id_is_that_versions_own(s3: Any, versioned_bucket: str) -> None:
    """API_PutObjectTagging.html / API_GetObjectTagging.html / API_DeleteObjectTagging.html versionId: "The
    versionId of the object that the tag-set will be added to / retrieved from / removed from", and each
    answers x-amz-version-id, "The versionId of the object the tag-set was added to / for which you got the
    tagging information / the tag-set was removed from". Another version's tags are not touched."""
    b = versioned_bucket
    old = s3.put_object(Bucket=b, Key="t", Body=b"1", Tagging="v=old")["VersionId"]
    new = s3.put_object(Bucket=b, Key="t", Body=b"2", Tagging="v=new")["VersionId"]

    put = s3.put_object_tagging(Bucket=b, Key="t", VersionId=old, Tagging={"TagSet": [{"Key": "v", "Value": "old2"}]})
    assert put.get("VersionId") == old and header(put, "x-amz-version-id") == old
    got = s3.get_object_tagging(Bucket=b, Key="t", VersionId=old)
    assert got.get("VersionId") == old and got["TagSet"] == [{"Key": "v", "Value": "old2"}]
    assert _tags(s3, b, "t") == [("v", "new")]

    current = s3.get_object_tagging(Bucket=b, Key="t")
    assert current.get("VersionId") == new, "GetObjectTagging of the current version names it"

    deleted = s3.delete_object_tagging(Bucket=b, Key="t", VersionId=old)
    assert deleted.get("VersionId") == old and header(deleted, "x-amz-version-id") == old
    assert _tags(s3, b, "t", VersionId=old) == []
    assert _tags(s3, b, "t", VersionId=new) == [("v", "new")]


@pytest.mark.s3_requires("versioning")
def test_tagging_without_version_id_answers_the_current_versions_id(s3: Any, versioned_bucket: str) -> None:
    """Without versionId the operations act on the current version and name it in x-amz-version-id."""
    b = versioned_bucket
    s3.put_object(Bucket=b, Key="t", Body=b"1")
    new = s3.put_object(Bucket=b, Key="t", Body=b"2")["VersionId"]
    put = s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    assert header(put, "x-amz-version-id") == new
    assert header(s3.delete_object_tagging(Bucket=b, Key="t"), "x-amz-version-id") == new


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
@pytest.mark.parametrize("operation", ["put", "get", "delete"])
def test_tagging_of_a_version_that_does_not_exist_is_404_no_such_version(
    s3: Any, versioned_bucket: str, operation: str
) -> None:
    """ErrorResponses.html NoSuchVersion (404): "Indicates that the version ID specified in the request does
    not match an existing version". The id is one the bucket gave and then deleted (a well-formed id), so
    the answer is NoSuchVersion, not InvalidArgument. The other versions' tags stay."""
    b = versioned_bucket
    s3.put_object(Bucket=b, Key="t", Body=b"1", Tagging="kept=yes")
    gone = s3.put_object(Bucket=b, Key="t", Body=b"2")["VersionId"]
    s3.delete_object(Bucket=b, Key="t", VersionId=gone)
    calls: dict[str, Callable[[], Any]] = {
        "put": lambda: s3.put_object_tagging(
            Bucket=b, Key="t", VersionId=gone, Tagging={"TagSet": [{"Key": "a", "Value": "1"}]}
        ),
        "get": lambda: s3.get_object_tagging(Bucket=b, Key="t", VersionId=gone),
        "delete": lambda: s3.delete_object_tagging(Bucket=b, Key="t", VersionId=gone),
    }
    assert error_of(calls[operation]) == (404, "NoSuchVersion")
    assert _tags(s3, b, "t") == [("kept", "yes")]


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html")
@pytest.mark.parametrize("operation", ["put", "get", "delete"])
def test_tagging_of_a_key_whose_current_version_is_a_delete_marker_is_refused(
    s3: Any, versioned_bucket: str, operation: str
) -> None:
    """DeleteMarker.html: with a delete marker current, a request on the key without a versionId finds no
    object (404 NoSuchKey, GetObject's answer), and a delete marker "does not have data or an ACL" (nor
    tags). The pages do not say whether a tagging request naming no version answers 404 NoSuchKey or, as a
    request naming the marker by versionId does, 405 MethodNotAllowed (moto answers PutObjectTagging so);
    either is a refusal, and the older version keeps its tags."""
    b = versioned_bucket
    old = s3.put_object(Bucket=b, Key="t", Body=b"1", Tagging="kept=yes")["VersionId"]
    s3.delete_object(Bucket=b, Key="t")
    calls: dict[str, Callable[[], Any]] = {
        "put": lambda: s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]}),
        "get": lambda: s3.get_object_tagging(Bucket=b, Key="t"),
        "delete": lambda: s3.delete_object_tagging(Bucket=b, Key="t"),
    }
    assert error_of(calls[operation]) in {(404, "NoSuchKey"), (405, "MethodNotAllowed")}
    assert _tags(s3, b, "t", VersionId=old) == [("kept", "yes")]


# -- the x-amz-tagging header ------------------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
@pytest.mark.parametrize("sent", ["=v", "=", "a=1&=2"], ids=["empty-key", "empty-pair", "second-empty-key"])
def test_tagging_header_with_an_empty_key_is_400(s3: Any, bucket: str, sent: str) -> None:
    """API_Tag.html Key: "Length Constraints: Minimum length of 1"; a header piece with nothing before its
    "=" names a tag with an empty key and is refused (InvalidTag, or InvalidArgument naming x-amz-tagging);
    no object is written."""
    status, code = error_of(lambda: s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging=sent))
    assert status == 400 and code in ("InvalidTag", "InvalidArgument"), (sent, status, code)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="t")) == (404, None)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
def test_tagging_header_on_create_multipart_upload_tags_the_completed_object(s3: Any, bucket: str) -> None:
    """API_CreateMultipartUpload.html x-amz-tagging: "The tag-set for the object"; the object the upload
    completes into carries it, and GetObject answers its count."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="a=1&b%20c=d%2Fe")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"x")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert _tags(s3, bucket, "mp") == [("a", "1"), ("b c", "d/e")]
    assert header(s3.get_object(Bucket=bucket, Key="mp"), "x-amz-tagging-count") == "2"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_tagging_header_replaces_the_tags_of_the_object_it_overwrites(s3: Any, bucket: str) -> None:
    """A PutObject writes a new object: its tags are the ones it names (none without x-amz-tagging), not the
    overwritten object's."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"1", Tagging="old=1&older=2")
    s3.put_object(Bucket=bucket, Key="t", Body=b"2", Tagging="new=1")
    assert _tags(s3, bucket, "t") == [("new", "1")]
    s3.put_object(Bucket=bucket, Key="t", Body=b"3")
    assert _tags(s3, bucket, "t") == []
    assert header(s3.head_object(Bucket=bucket, Key="t"), "x-amz-tagging-count") is None


# -- x-amz-tagging-count and the right to read tags -----------------------------------------------------------


@pytest.mark.s3_requires("acl", "multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
@pytest.mark.parametrize("method", ["get", "head"])
def test_tagging_count_only_for_a_reader_who_may_read_the_tags(
    s3_endpoint: S3Target, s3: Any, bucket: str, method: str
) -> None:
    """API_GetObject.html / API_HeadObject.html x-amz-tagging-count: "The number of tags, if any, on the
    object, when you have the relevant permission to read object tags". A public-read object is readable
    by anyone, but its ACL grants no s3:GetObjectTagging (acl-overview.html: an object's READ is
    GetObject/GetObjectVersion/HeadObject): an anonymous reader and a second account get the object
    without the count; the owner gets it; a bucket policy allowing everyone s3:GetObjectTagging gives it."""
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", ACL="public-read", Tagging="a=1&b=2")
    readers = {"anonymous": s3_endpoint.anonymous_client(), "second account": s3_endpoint.alt_client()}

    def count(client: Any) -> str | None:
        if method == "head":
            return header(client.head_object(Bucket=bucket, Key="t"), "x-amz-tagging-count")
        got = client.get_object(Bucket=bucket, Key="t")
        assert got["Body"].read() == b"x"
        return header(got, "x-amz-tagging-count")

    assert count(s3) == "2"
    for who, client in readers.items():
        assert count(client) is None, f"the {who} reader, who may not read the tags, was told their count"
    tag_readers = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObjectTagging",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [tag_readers]}))
    for who, client in readers.items():
        assert count(client) == "2", f"the {who} reader, allowed s3:GetObjectTagging, was not told the count"
