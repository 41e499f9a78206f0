"""Versioning, third pass: the ``versionId`` query parameter across every object operation that takes
one — an empty value, and a value that is no version id at all (a server answers each the same way
whichever operation carries it, and changes nothing); ``null`` where a key has no null version;
version-id markers that name the null version; the 405 of a delete marker named by id; and the
permission a DeleteObjects entry naming a version needs.

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/): ErrorResponses.html
(InvalidArgument, NoSuchVersion), API_GetObject.html, API_HeadObject.html, API_DeleteObject.html,
API_GetObjectTagging.html, API_PutObjectTagging.html, API_DeleteObjectTagging.html,
API_GetObjectAcl.html, API_PutObjectAcl.html, API_GetObjectAttributes.html, API_CopyObject.html,
API_UploadPartCopy.html, API_ListObjectVersions.html, API_DeleteObjects.html.
"""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.conformance_suite._versions import ids, list_all_versions, list_versions_page, purge_versions

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("versioning"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"),
]

_TAGGING = (
    b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>'
    b"</TagSet></Tagging>"
)


def _requests(bucket: str) -> dict[str, tuple[str, list[tuple[str, str]], dict[str, str], bytes]]:
    """Each operation that takes ?versionId on key ``k``: (method, extra params, headers, body)."""
    return {
        "GetObject": ("GET", [], {}, b""),
        "HeadObject": ("HEAD", [], {}, b""),
        "GetObjectTagging": ("GET", [("tagging", "")], {}, b""),
        "PutObjectTagging": ("PUT", [("tagging", "")], {"content-md5": md5_b64(_TAGGING)}, _TAGGING),
        "DeleteObjectTagging": ("DELETE", [("tagging", "")], {}, b""),
        "GetObjectAcl": ("GET", [("acl", "")], {}, b""),
        "PutObjectAcl": ("PUT", [("acl", "")], {"x-amz-acl": "public-read"}, b""),
        "GetObjectAttributes": ("GET", [("attributes", "")], {"x-amz-object-attributes": "ETag"}, b""),
    }


def _unchanged(s3: Any, bucket: str, version: str) -> None:
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["Body"].read(), got.get("VersionId")) == (b"x", version)
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    grants = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    assert all(g["Grantee"].get("URI", "").rsplit("/", 1)[-1] != "AllUsers" for g in grants), grants


@pytest.mark.parametrize(
    "operation",
    [
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "GetObjectTagging",
        "PutObjectTagging",
        "DeleteObjectTagging",
        "GetObjectAcl",
        "PutObjectAcl",
        "GetObjectAttributes",
    ],
)
def test_an_empty_version_id_is_400_invalid_argument(
    raw: RawS3, s3: Any, versioned_bucket: str, operation: str
) -> None:
    """AWS answers ``?versionId=`` with no value with 400 InvalidArgument "Version id cannot be the empty
    string" on every object operation that takes the parameter (recorded in
    https://github.com/noobaa/noobaa-core/pull/7970 and https://github.com/versity/versitygw/pull/2381);
    the request is not taken as one without a version (a DELETE adds no marker, a PUT changes nothing)."""
    version = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")["VersionId"]
    requests = {**_requests(versioned_bucket), "DeleteObject": ("DELETE", [], {}, b"")}
    method, params, headers, body = requests[operation]
    answer = raw.request(
        method, key_path(versioned_bucket, "k"), [*params, ("versionId", "")], headers=headers, body=body
    )
    assert answer.status == 400, answer
    if method != "HEAD":
        assert answer.code == "InvalidArgument", answer
    _unchanged(s3, versioned_bucket, version)


def test_an_undecodable_version_id_gets_one_answer_from_every_operation(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """ErrorResponses.html: an id the server cannot decode is 400 InvalidArgument ("Invalid version id
    specified"), one that names no version 404 NoSuchVersion; which one a string gets depends on the
    server's id format, but it is a property of the id, so every read and sub-resource operation answers
    the same (AWS answers InvalidArgument on each: https://github.com/versity/versitygw/pull/1638), and so
    does a copy naming it as its source (API_CopyObject.html, API_UploadPartCopy.html). DeleteObject
    differs only where the id could be one: deleting a version that does not exist succeeds (204,
    API_DeleteObject.html). Nothing changes."""
    version = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")["VersionId"]
    bogus = "not-a-version-id"
    path = key_path(versioned_bucket, "k")
    answers: dict[str, tuple[int, str | None]] = {}
    for name, (method, params, headers, body) in _requests(versioned_bucket).items():
        got = raw.request(method, path, [*params, ("versionId", bogus)], headers=headers, body=body)
        answers[name] = (got.status, got.code)
    source = {"x-amz-copy-source": f"/{versioned_bucket}/k?versionId={bogus}"}
    copied = raw.request("PUT", key_path(versioned_bucket, "dst"), headers=source)
    answers["CopyObject"] = (copied.status, copied.code)
    upload = s3.create_multipart_upload(Bucket=versioned_bucket, Key="dst")["UploadId"]
    try:
        part = raw.request(
            "PUT", key_path(versioned_bucket, "dst"), [("partNumber", "1"), ("uploadId", upload)], headers=source
        )
        answers["UploadPartCopy"] = (part.status, part.code)
    finally:
        s3.abort_multipart_upload(Bucket=versioned_bucket, Key="dst", UploadId=upload)
    expected = answers["GetObject"]
    assert expected in {(400, "InvalidArgument"), (404, "NoSuchVersion")}, answers
    assert answers.pop("HeadObject")[0] == expected[0], answers
    assert set(answers.values()) == {expected}, answers
    deleted = raw.request("DELETE", path, [("versionId", bogus)])
    assert (deleted.status, deleted.code) == ((400, "InvalidArgument") if expected[0] == 400 else (204, None)), deleted
    _unchanged(s3, versioned_bucket, version)
    assert s3.list_object_versions(Bucket=versioned_bucket, Prefix="dst").get("Versions", []) == []


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_list_versions_pages_through_a_null_version_in_any_position(
    raw: RawS3, s3: Any, bucket: str, page_size: int
) -> None:
    """API_ListObjectVersions.html version-id-marker / NextVersionIdMarker: a page that ends on the null
    version names ``null`` as the marker, and the next page resumes after it, wherever the null version
    sits in its key's stack (versioning-workflows.html: written before versioning, it is the oldest; a
    suspended write makes it the newest). Paged listings equal the one-page listing."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"before")  # a: null below two enabled versions
    s3.put_object(Bucket=bucket, Key="b", Body=b"before")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    try:
        for key in ("a", "a", "b", "c"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"enabled")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        s3.put_object(Bucket=bucket, Key="c", Body=b"suspended")  # c: null above an enabled version
        full = list_versions_page(raw, bucket).entries
        assert [(e.key, e.version_id == "null") for e in full] == [
            ("a", False),
            ("a", False),
            ("a", True),
            ("b", False),
            ("b", True),
            ("c", True),
            ("c", False),
        ]
        paged, _, _ = list_all_versions(raw, bucket, page_size=page_size)
        assert ids(paged) == ids(full), f"paging by {page_size} through null versions differs"
    finally:
        purge_versions(s3, bucket, locked=False)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_null_version_id_where_there_is_no_null_version(s3: Any, versioned_bucket: str) -> None:
    """A key written only while versioning was enabled has no null version: GET and HEAD ?versionId=null
    are 404 (NoSuchVersion, ErrorResponses.html: "does not match an existing version"); DELETE
    ?versionId=null removes nothing and succeeds (API_DeleteObject.html), the current version stays."""
    version = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")["VersionId"]
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k", VersionId="null")) == (
        404,
        "NoSuchVersion",
    )
    assert error_of(lambda: s3.head_object(Bucket=versioned_bucket, Key="k", VersionId="null")) == (404, None)
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId="null")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    _unchanged(s3, versioned_bucket, version)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
def test_the_405_of_a_delete_marker_carries_the_markers_own_last_modified(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """API_HeadObject.html / API_GetObject.html: a delete marker named by versionId answers 405 "and the
    Last-Modified: timestamp response header" — the marker's time (https://aws.amazon.com/about-aws/
    whats-new/2023/09/amazon-s3-last-modified-time-delete-markers-s3-head-get-apis: "the Last-Modified
    time of delete markers"), the one ListObjectVersions gives it, not the time of the version below."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    time.sleep(1.1)  # the marker is a later second than the version
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    listed = s3.list_object_versions(Bucket=versioned_bucket, Prefix="k")["DeleteMarkers"]
    (entry,) = [m for m in listed if m["VersionId"] == marker]
    for method in ("GET", "HEAD"):
        answer = raw.request(method, key_path(versioned_bucket, "k"), [("versionId", marker)])
        assert answer.status == 405, answer
        stamp = answer.headers.get("last-modified")
        assert stamp, f"{method}: no Last-Modified on the 405"
        assert abs((parsedate_to_datetime(stamp) - entry["LastModified"]).total_seconds()) < 1, (stamp, entry)


@pytest.mark.s3_requires("acl", "multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_entries_naming_versions_need_delete_object_version(
    s3_endpoint: S3Target, s3: Any, versioned_bucket: str
) -> None:
    """API_DeleteObject.html: removing a specific version needs s3:DeleteObjectVersion, a delete marker only
    s3:DeleteObject; API_DeleteObjects.html decides that per key: a caller allowed only s3:DeleteObject gets
    an AccessDenied Error for the entry naming a version (which stays) and a delete marker for the other."""
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    version = s3.put_object(Bucket=versioned_bucket, Key="named", Body=b"x")["VersionId"]
    s3.put_object(Bucket=versioned_bucket, Key="plain", Body=b"y")
    statement = {
        "Effect": "Allow",
        "Principal": {"CanonicalUser": alt_id},
        "Action": ["s3:DeleteObject"],
        "Resource": f"arn:aws:s3:::{versioned_bucket}/*",
    }
    s3.put_bucket_policy(
        Bucket=versioned_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    try:
        done = alt.delete_objects(
            Bucket=versioned_bucket,
            Delete={"Objects": [{"Key": "named", "VersionId": version}, {"Key": "plain"}]},
        )
    finally:
        s3.delete_bucket_policy(Bucket=versioned_bucket)
    assert [(e["Key"], e.get("VersionId"), e["Code"]) for e in done.get("Errors", [])] == [
        ("named", version, "AccessDenied")
    ]
    assert [(d["Key"], d.get("DeleteMarker")) for d in done.get("Deleted", [])] == [("plain", True)]
    assert s3.get_object(Bucket=versioned_bucket, Key="named", VersionId=version)["Body"].read() == b"x"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_null_version_id_naming_a_null_delete_marker_is_405(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """In a suspended bucket a simple DELETE leaves a null delete marker
    (DeletingObjectsfromVersioningSuspendedBuckets.html); ``versionId=null`` then names that marker, and a
    marker named by versionId answers GET and HEAD with 405 and x-amz-delete-marker: true
    (API_GetObject.html, API_HeadObject.html); DELETE ?versionId=null removes it and the version below
    is current again."""
    kept = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")["VersionId"]
    s3.put_bucket_versioning(Bucket=versioned_bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    for method in ("GET", "HEAD"):
        answer = raw.request(method, key_path(versioned_bucket, "k"), [("versionId", "null")])
        assert answer.status == 405 and answer.headers.get("x-amz-delete-marker") == "true", (method, answer)
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId="null")
    assert gone["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"
    _unchanged(s3, versioned_bucket, kept)
