"""Versioning, second pass: the x-amz-version-id and x-amz-delete-marker response headers of every
write and delete in unversioned, enabled and suspended buckets, the elements of each Version and
DeleteMarker in ListObjectVersions, and the digest of PutBucketVersioning.

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/): API_PutObject.html,
API_CopyObject.html, API_CompleteMultipartUpload.html, API_DeleteObject.html,
API_ListObjectVersions.html, API_ObjectVersion.html, API_DeleteMarkerEntry.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import header, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3

pytestmark = [
    pytest.mark.s3_requires("versioning"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"),
]


def _three_writes(s3: Any, bucket: str) -> dict[str, Any]:
    """A PutObject, a CopyObject and (with multipart) a CompleteMultipartUpload answer, by name."""
    answers = {"put": s3.put_object(Bucket=bucket, Key="p", Body=b"x")}
    answers["copy"] = s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "p"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"x")["ETag"]
    answers["complete"] = s3.complete_multipart_upload(
        Bucket=bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    return answers


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_writes_to_an_unversioned_bucket_carry_no_version_id(s3: Any, bucket: str) -> None:
    """API_PutObject.html x-amz-version-id: "Version ID of the object. If you enable versioning for a
    bucket, Amazon S3 automatically generates a unique version ID"; a bucket that never had versioning
    has none to give (nor does a DELETE there add a marker: no x-amz-delete-marker)."""
    for name, answer in _three_writes(s3, bucket).items():
        assert header(answer, "x-amz-version-id") is None, f"{name} in an unversioned bucket named a version"
    gone = s3.delete_object(Bucket=bucket, Key="p")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(gone, "x-amz-delete-marker") is None and header(gone, "x-amz-version-id") is None


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_writes_to_a_suspended_bucket_name_the_null_version(s3: Any, versioned_bucket: str) -> None:
    """AddingObjectstoVersionSuspendedBuckets.html: "Amazon S3 automatically adds a version ID of null to
    every subsequent object stored"; the writes answer x-amz-version-id: null, and so does a DELETE,
    which adds a null delete marker (x-amz-delete-marker: true; DeletingObjectsfromVersioningSuspendedBuckets.html)."""
    s3.put_bucket_versioning(Bucket=versioned_bucket, VersioningConfiguration={"Status": "Suspended"})
    for name, answer in _three_writes(s3, versioned_bucket).items():
        assert header(answer, "x-amz-version-id") == "null", (
            f"{name} in a suspended bucket: {header(answer, 'x-amz-version-id')}"
        )
    gone = s3.delete_object(Bucket=versioned_bucket, Key="p")
    assert (header(gone, "x-amz-delete-marker"), header(gone, "x-amz-version-id")) == ("true", "null")


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
def test_writes_to_an_enabled_bucket_each_name_a_new_version(s3: Any, versioned_bucket: str) -> None:
    """API_PutObject.html, API_CopyObject.html, API_CompleteMultipartUpload.html: x-amz-version-id, the
    version just written: distinct, never null, and the one GET then serves."""
    answers = _three_writes(s3, versioned_bucket)
    made = {name: header(answer, "x-amz-version-id") for name, answer in answers.items()}
    assert all(v and v != "null" for v in made.values()) and len(set(made.values())) == 3, made
    for name, key in (("put", "p"), ("copy", "c"), ("complete", "m")):
        assert header(s3.head_object(Bucket=versioned_bucket, Key=key), "x-amz-version-id") == made[name]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html")
def test_delete_of_a_key_that_never_existed_adds_a_marker_in_an_enabled_bucket(s3: Any, versioned_bucket: str) -> None:
    """API_DeleteObject.html: in a versioning-enabled bucket a DELETE without versionId "inserts a delete
    marker, which becomes the current version" whether or not the key had versions: 204 with
    x-amz-delete-marker: true and the new marker's x-amz-version-id."""
    gone = s3.delete_object(Bucket=versioned_bucket, Key="never")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    marker = header(gone, "x-amz-version-id")
    assert header(gone, "x-amz-delete-marker") == "true" and marker and marker != "null"
    listed = s3.list_object_versions(Bucket=versioned_bucket, Prefix="never")
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in listed.get("DeleteMarkers", [])] == [
        ("never", marker, True)
    ]


def _children(node: ET.Element) -> dict[str, ET.Element]:
    return {child.tag.rsplit("}", 1)[-1]: child for child in node}


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_entries_carry_every_element(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """API_ObjectVersion.html: a Version has Key, VersionId, IsLatest, LastModified, ETag, Size,
    StorageClass and Owner (ID); API_DeleteMarkerEntry.html: a DeleteMarker has Key, VersionId, IsLatest,
    LastModified and Owner, and no ETag, Size or StorageClass (it has no data)."""
    me = s3.list_buckets()["Owner"]["ID"]
    version = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"abc")["VersionId"]
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    answer = raw.request("GET", "/" + versioned_bucket, [("versions", "")])
    assert answer.status == 200, answer
    entries = [(node.tag.rsplit("}", 1)[-1], _children(node)) for node in answer.xml()]
    entries = [(kind, fields) for kind, fields in entries if kind in ("Version", "DeleteMarker")]
    assert [kind for kind, _ in entries] == ["DeleteMarker", "Version"]
    (_, dm), (_, v) = entries
    assert {"Key", "VersionId", "IsLatest", "LastModified", "Owner"} <= set(dm), sorted(dm)
    assert not {"ETag", "Size", "StorageClass"} & set(dm), f"a delete marker with data fields: {sorted(dm)}"
    assert (dm["VersionId"].text, dm["IsLatest"].text) == (marker, "true")
    assert {"Key", "VersionId", "IsLatest", "LastModified", "ETag", "Size", "StorageClass", "Owner"} <= set(v), sorted(
        v
    )
    assert (v["VersionId"].text, v["IsLatest"].text, v["Size"].text) == (version, "false", "3")
    assert v["ETag"].text == '"900150983cd24fb0d6963f7d28e17f72"'
    assert v["StorageClass"].text == "STANDARD"
    for fields in (dm, v):
        assert _TIMESTAMP.fullmatch(fields["LastModified"].text or ""), fields["LastModified"].text
        assert _children(fields["Owner"])["ID"].text == me


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html")
def test_put_bucket_versioning_with_a_wrong_content_md5_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutBucketVersioning.html Content-MD5: "used as a message integrity check to verify that the
    request body was not corrupted in transit"; one that does not match is BadDigest and the state stays."""
    body = (
        b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status>'
        b"</VersioningConfiguration>"
    )
    refuses_a_wrong_digest(raw, "/" + bucket, [("versioning", "")], body, "PutBucketVersioning")
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
