"""Versioning, third pass: where versions meet the other operations. CopyObject and UploadPartCopy
of the current version, copies onto themselves, copies and completed uploads in suspended buckets,
the ``null`` version wherever it sits in a key's stack, deletes inside a stack (markers above and
below), conditional writes and reads against versions, DeleteObjects entries naming versions
(missing, undecodable, markers, ETag conditions), GetObjectAttributes and DeleteObjectTagging of one
version or of a delete marker, and ``versionId=null`` in a bucket that was never versioned. (The
``versionId`` parameter itself across operations: test_versioning_version_ids.py.)

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/): API_CopyObject.html, API_UploadPartCopy.html,
API_DeleteObjects.html, API_DeletedObject.html, API_GetObjectAttributes.html,
API_DeleteObjectTagging.html, AddingObjectstoVersionSuspendedBuckets.html,
DeletingObjectsfromVersioningSuspendedBuckets.html, DeleteMarker.html, versioning-workflows.html,
conditional-writes.html, conditional-deletes.html.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3
from cargobay.testing.conformance_suite._multipart import upload_with_copied_part
from cargobay.testing.conformance_suite._versions import list_versions_page, purge_versions

pytestmark = [
    pytest.mark.s3_requires("versioning"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"),
]


def _put(s3: Any, bucket: str, key: str, body: bytes) -> str:
    return str(s3.put_object(Bucket=bucket, Key=key, Body=body).get("VersionId"))


def _body(s3: Any, bucket: str, key: str, **kwargs: Any) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()  # type: ignore[no-any-return]


def _stack(raw: RawS3, bucket: str, key: str) -> list[tuple[str, str, bool]]:
    """(kind, version id, is latest) of every entry of ``key``, newest first, as listed."""
    return [(e.kind, e.version_id, e.is_latest) for e in list_versions_page(raw, bucket, prefix=key).entries]


def _failure(call: Any) -> dict[str, Any]:
    """The error response of a boto3 call that must fail (headers in ResponseMetadata)."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response  # type: ignore[no-any-return]


def _suspend(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})


def _copy_onto_itself_with_new_metadata(s3: Any, bucket: str, key: str) -> Any:
    """CopyObject of the current version onto its own key, metadata REPLACE'd by {"m": "new"}."""
    return s3.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        MetadataDirective="REPLACE",
        Metadata={"m": "new"},
    )


# -- copies of the current version ---------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_of_the_current_version_names_it_in_copy_source_version_id(s3: Any, versioned_bucket: str) -> None:
    """API_CopyObject.html: "By default, x-amz-copy-source header identifies the current version of an
    object to copy"; x-amz-copy-source-version-id is the "Version ID of the source object that was
    copied", so a copy without ?versionId= names the version that was current."""
    made = [_put(s3, versioned_bucket, "src", body) for body in (b"v0", b"v1")]
    copied = s3.copy_object(Bucket=versioned_bucket, Key="dst", CopySource={"Bucket": versioned_bucket, "Key": "src"})
    assert header(copied, "x-amz-copy-source-version-id") == made[1]
    assert _body(s3, versioned_bucket, "dst") == b"v1"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html")
def test_upload_part_copy_of_the_current_version_names_it(s3: Any, versioned_bucket: str) -> None:
    """API_UploadPartCopy.html x-amz-copy-source-version-id: "The version of the source object that was
    copied, if you have enabled versioning on the source bucket"; without ?versionId= that is the
    current version."""
    made = [_put(s3, versioned_bucket, "src", body) for body in (b"v0", b"v1")]
    upload, part = upload_with_copied_part(s3, versioned_bucket, "dst", {"Bucket": versioned_bucket, "Key": "src"})
    try:
        assert header(part, "x-amz-copy-source-version-id") == made[1]
    finally:
        s3.abort_multipart_upload(Bucket=versioned_bucket, Key="dst", UploadId=upload)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_onto_itself_with_replace_adds_a_version_and_keeps_the_old_metadata(
    s3: Any, versioned_bucket: str
) -> None:
    """API_CopyObject.html: a copy onto the same key with x-amz-metadata-directive: REPLACE is how metadata
    is changed; in a versioning-enabled bucket the copy is a new version ("Amazon S3 generates a unique
    version ID for the object being copied"), so the version copied keeps its own bytes and metadata."""
    old = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"same", Metadata={"m": "old"})["VersionId"]
    copied = _copy_onto_itself_with_new_metadata(s3, versioned_bucket, "k")
    new = header(copied, "x-amz-version-id")
    assert new and new not in (old, "null")
    assert header(copied, "x-amz-copy-source-version-id") == old
    assert s3.head_object(Bucket=versioned_bucket, Key="k")["Metadata"] == {"m": "new"}
    kept = s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=old)
    assert (kept["Body"].read(), kept["Metadata"]) == (b"same", {"m": "old"})


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_suspended_copy_of_the_null_version_onto_itself(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """In a suspended bucket a copy of the null version onto its own key (REPLACE, API_CopyObject.html)
    writes the null version, which replaces the one it was copied from
    (AddingObjectstoVersionSuspendedBuckets.html): the bytes survive their own replacement, the metadata
    is the new one and there is still exactly one null version."""
    kept = _put(s3, versioned_bucket, "k", b"enabled")
    _suspend(s3, versioned_bucket)
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"null bytes", Metadata={"m": "old"})
    copied = _copy_onto_itself_with_new_metadata(s3, versioned_bucket, "k")
    assert header(copied, "x-amz-version-id") == "null"
    assert _stack(raw, versioned_bucket, "k") == [("Version", "null", True), ("Version", kept, False)]
    got = s3.get_object(Bucket=versioned_bucket, Key="k", VersionId="null")
    assert (got["Body"].read(), got["Metadata"]) == (b"null bytes", {"m": "new"})


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
def test_upload_started_while_enabled_and_completed_while_suspended_is_the_null_version(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """API_CompleteMultipartUpload.html: the object is created by the completion ("Completes a multipart
    upload by assembling previously uploaded parts"); the bucket's versioning state then decides its
    version (AddingObjectstoVersionSuspendedBuckets.html: objects added while suspended get the null
    version id), whatever the state when the upload began."""
    kept = _put(s3, versioned_bucket, "m", b"enabled")
    upload = s3.create_multipart_upload(Bucket=versioned_bucket, Key="m")["UploadId"]
    etag = s3.upload_part(Bucket=versioned_bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    _suspend(s3, versioned_bucket)
    done = s3.complete_multipart_upload(
        Bucket=versioned_bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert header(done, "x-amz-version-id") == "null"
    assert _stack(raw, versioned_bucket, "m") == [("Version", "null", True), ("Version", kept, False)]


# -- suspended buckets: every write replaces the null version --------------------------------------------


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_suspended_bucket_copy_replaces_the_null_version(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """AddingObjectstoVersionSuspendedBuckets.html: in a suspended bucket every object stored gets the
    version id null, and "If a null version is already in the bucket and you add another object with the
    same key, the added object overwrites the original null version": a CopyObject is such a write."""
    kept = _put(s3, versioned_bucket, "dst", b"enabled")
    _suspend(s3, versioned_bucket)
    for body in (b"first", b"second"):
        s3.put_object(Bucket=versioned_bucket, Key="src", Body=body)
        copied = s3.copy_object(
            Bucket=versioned_bucket, Key="dst", CopySource={"Bucket": versioned_bucket, "Key": "src"}
        )
        assert header(copied, "x-amz-version-id") == "null"
    assert _stack(raw, versioned_bucket, "dst") == [("Version", "null", True), ("Version", kept, False)]
    assert _body(s3, versioned_bucket, "dst", VersionId="null") == b"second"
    assert _body(s3, versioned_bucket, "dst", VersionId=kept) == b"enabled"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
def test_suspended_bucket_complete_multipart_upload_replaces_the_null_version(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """API_CompleteMultipartUpload.html x-amz-version-id "Version ID of the newly created object"; in a
    suspended bucket that is null and it overwrites the null version already there
    (AddingObjectstoVersionSuspendedBuckets.html), leaving the versions made while enabled."""
    kept = _put(s3, versioned_bucket, "m", b"enabled")
    _suspend(s3, versioned_bucket)
    s3.put_object(Bucket=versioned_bucket, Key="m", Body=b"null by put")
    upload = s3.create_multipart_upload(Bucket=versioned_bucket, Key="m")["UploadId"]
    etag = s3.upload_part(Bucket=versioned_bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"by upload")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=versioned_bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert header(done, "x-amz-version-id") == "null"
    assert _stack(raw, versioned_bucket, "m") == [("Version", "null", True), ("Version", kept, False)]
    assert _body(s3, versioned_bucket, "m", VersionId="null") == b"by upload"


@pytest.fixture
def null_below(s3: Any, bucket: str) -> Any:
    """A key ``k`` written before versioning (the null version), then one version while enabled, then
    the bucket suspended: (bucket, id of the enabled version). Every version is removed after."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    enabled = _put(s3, bucket, "k", b"enabled")
    _suspend(s3, bucket)
    yield bucket, enabled
    purge_versions(s3, bucket, locked=False)


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_suspended_put_replaces_a_null_version_below_newer_ones(raw: RawS3, s3: Any, null_below: Any) -> None:
    """AddingObjectstoVersionSuspendedBuckets.html: the added object "overwrites the original null
    version" — wherever it is: the null version written before versioning was enabled (versioning-
    workflows.html) is under the enabled one; the new null version is the latest and the old one is
    gone from the listing."""
    bucket, enabled = null_below
    s3.put_object(Bucket=bucket, Key="k", Body=b"suspended")
    assert _stack(raw, bucket, "k") == [("Version", "null", True), ("Version", enabled, False)]
    assert _body(s3, bucket, "k", VersionId="null") == b"suspended"
    assert _body(s3, bucket, "k") == b"suspended"


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectsfromVersioningSuspendedBuckets.html"
)
def test_suspended_delete_removes_a_null_version_below_and_adds_a_null_marker(
    raw: RawS3, s3: Any, null_below: Any
) -> None:
    """DeletingObjectsfromVersioningSuspendedBuckets.html: a simple DELETE "removes the null version
    (if there is one) and inserts a delete marker with a version ID of null"; a version with another
    id stays."""
    bucket, enabled = null_below
    gone = s3.delete_object(Bucket=bucket, Key="k")
    assert (header(gone, "x-amz-delete-marker"), header(gone, "x-amz-version-id")) == ("true", "null")
    assert _stack(raw, bucket, "k") == [("DeleteMarker", "null", True), ("Version", enabled, False)]
    assert _body(s3, bucket, "k", VersionId=enabled) == b"enabled"


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_suspended_put_over_a_null_delete_marker_replaces_it(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """A null delete marker is the key's null version (DeletingObjectsfromVersioningSuspendedBuckets.html:
    "a delete marker with a version ID of null"); the next PUT overwrites the null version, so the marker
    goes and the object is back."""
    kept = _put(s3, versioned_bucket, "k", b"enabled")
    _suspend(s3, versioned_bucket)
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"back")
    assert _stack(raw, versioned_bucket, "k") == [("Version", "null", True), ("Version", kept, False)]
    assert _body(s3, versioned_bucket, "k") == b"back"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_suspended_delete_of_the_null_version_by_id_promotes_the_next(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """DeletingObjectVersions.html: a DELETE naming a version id removes that version for good, in any
    versioning state; naming ``null`` removes the null version (API_DeleteObject.html: x-amz-version-id
    is the version deleted) and the version below becomes current."""
    kept = _put(s3, versioned_bucket, "k", b"enabled")
    _suspend(s3, versioned_bucket)
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"null")
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId="null")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(gone, "x-amz-version-id") == "null"
    assert header(gone, "x-amz-delete-marker") in (None, "false")
    assert _stack(raw, versioned_bucket, "k") == [("Version", kept, True)]
    got = s3.get_object(Bucket=versioned_bucket, Key="k")
    assert (got["Body"].read(), got.get("VersionId")) == (b"enabled", kept)


# -- deleting inside a key's stack -----------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_deleting_the_current_version_above_a_marker_leaves_the_marker_latest(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """DeletingObjectVersions.html: deleting a version by id removes it for good and the next newest entry
    becomes the latest; when that entry is a delete marker the key reads as deleted again (404 NoSuchKey,
    x-amz-delete-marker: true, API_GetObject.html) and the older version is untouched."""
    first = _put(s3, versioned_bucket, "k", b"first")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    second = _put(s3, versioned_bucket, "k", b"second")
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=second)
    assert _stack(raw, versioned_bucket, "k") == [("DeleteMarker", marker, True), ("Version", first, False)]
    gone = _failure(lambda: s3.get_object(Bucket=versioned_bucket, Key="k"))
    assert (gone["ResponseMetadata"]["HTTPStatusCode"], gone["Error"]["Code"]) == (404, "NoSuchKey")
    assert gone["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"
    assert _body(s3, versioned_bucket, "k", VersionId=first) == b"first"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManagingDelMarkers.html")
def test_removing_one_of_two_stacked_markers_keeps_the_key_deleted(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """DeleteMarker.html: a simple DELETE of a key whose current version is already a marker adds another
    marker; removing the newest one by id (ManagingDelMarkers.html) uncovers the older marker, so the key
    stays deleted until that one goes too, and then the version below is current again."""
    version = _put(s3, versioned_bucket, "k", b"x")
    older = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    newer = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    assert newer != older
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=newer)
    assert _stack(raw, versioned_bucket, "k") == [("DeleteMarker", older, True), ("Version", version, False)]
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k")) == (404, "NoSuchKey")
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=older)
    got = s3.get_object(Bucket=versioned_bucket, Key="k")
    assert (got["Body"].read(), got.get("VersionId")) == (b"x", version)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_deleting_a_noncurrent_marker_changes_nothing_current(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """A marker below the current version is an old entry like any other: deleting it by id removes it from
    the listing (x-amz-delete-marker: true, API_DeleteObject.html) and the current version stays."""
    old = _put(s3, versioned_bucket, "k", b"old")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    current = _put(s3, versioned_bucket, "k", b"current")
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=marker)
    assert header(gone, "x-amz-delete-marker") == "true"
    assert _stack(raw, versioned_bucket, "k") == [("Version", current, True), ("Version", old, False)]
    assert _body(s3, versioned_bucket, "k") == b"current"


# -- conditional requests and versions -------------------------------------------------------------------


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html")
def test_conditional_put_when_the_current_version_is_a_marker(s3: Any, versioned_bucket: str) -> None:
    """conditional-writes.html: If-None-Match: * uploads "only if the object key name doesn't already
    exist"; If-Match with an ETag, only if the object's ETag matches, and a key with no object is 404
    NoSuchKey. A key whose current version is a delete marker has no object (DeleteMarker.html: S3
    "behaves as if the object is deleted"), so the first succeeds and the second is 404."""
    etag = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"old")["ETag"]
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    assert error_of(lambda: s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x", IfMatch=etag)) == (
        404,
        "NoSuchKey",
    )
    done = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"new", IfNoneMatch="*")
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _body(s3, versioned_bucket, "k") == b"new"
    assert error_of(lambda: s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"y", IfNoneMatch="*")) == (
        412,
        "PreconditionFailed",
    )


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_read_conditions_apply_to_the_version_named(s3: Any, versioned_bucket: str) -> None:
    """API_GetObject.html If-Match / If-None-Match: "Return the object only if its entity tag (ETag) is the
    same as (different from) the one specified"; with versionId the object is that version, so its ETag
    decides, not the current one's."""
    old = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"old")
    new_etag = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"new")["ETag"]
    got = s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=old["VersionId"], IfMatch=old["ETag"])
    assert got["Body"].read() == b"old"
    assert error_of(
        lambda: s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=old["VersionId"], IfMatch=new_etag)
    ) == (412, "PreconditionFailed")
    source = {"Bucket": versioned_bucket, "Key": "k", "VersionId": old["VersionId"]}
    copied = s3.copy_object(Bucket=versioned_bucket, Key="c", CopySource=source, CopySourceIfMatch=old["ETag"])
    assert copied["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error_of(
        lambda: s3.copy_object(Bucket=versioned_bucket, Key="d", CopySource=source, CopySourceIfMatch=new_etag)
    ) == (412, "PreconditionFailed")


# -- copies between buckets in different versioning states ------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_from_a_versioned_bucket_into_an_unversioned_one(
    s3: Any, versioned_bucket: str, new_bucket_name: Any
) -> None:
    """API_CopyObject.html: x-amz-copy-source-version-id names the source version copied (the source
    bucket is versioned); x-amz-version-id is the new object's version, and a destination bucket that was
    never versioned has none to give (API_PutObject.html). The copy holds the version named."""
    made = [_put(s3, versioned_bucket, "src", body) for body in (b"v0", b"v1")]
    plain: str = new_bucket_name("plain")
    s3.create_bucket(Bucket=plain)
    copied = s3.copy_object(
        Bucket=plain, Key="dst", CopySource={"Bucket": versioned_bucket, "Key": "src", "VersionId": made[0]}
    )
    assert header(copied, "x-amz-copy-source-version-id") == made[0]
    assert header(copied, "x-amz-version-id") is None
    assert _body(s3, plain, "dst") == b"v0"
    s3.delete_object(Bucket=plain, Key="dst")


# -- DeleteObjects entries that name versions ------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_naming_a_version_that_is_gone_reports_it_deleted(s3: Any, versioned_bucket: str) -> None:
    """Deleting a version that does not exist succeeds, as DeleteObject does (API_DeleteObject.html: "If
    there isn't a null version, Amazon S3 does not remove any objects but will still respond that the
    command was successful"); AWS answers the entry as Deleted with its Key and VersionId (recorded in
    https://github.com/minio/minio/pull/11086, 2020-12). The key's other versions are untouched."""
    made = [_put(s3, versioned_bucket, "k", body) for body in (b"v0", b"v1")]
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=made[0])
    done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": [{"Key": "k", "VersionId": made[0]}]})
    assert done.get("Errors", []) == []
    assert [(d["Key"], d.get("VersionId"), d.get("DeleteMarker")) for d in done["Deleted"]] == [("k", made[0], None)]
    assert _body(s3, versioned_bucket, "k") == b"v1"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_undecodable_version_id_is_a_no_such_version_entry(s3: Any, versioned_bucket: str) -> None:
    """API_DeleteObjects.html: a key that cannot be deleted is an <Error> with Key, VersionId, Code and
    Message, and the other keys are still deleted. A version id that is no id at all is such a key:
    AWS answers Code NoSuchVersion ("The specified version does not exist.", recorded in
    https://github.com/versity/versitygw/issues/2119, 2026-05), not a request-wide 400."""
    version = _put(s3, versioned_bucket, "free", b"x")
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"kept")
    done = s3.delete_objects(
        Bucket=versioned_bucket,
        Delete={"Objects": [{"Key": "k", "VersionId": "abc"}, {"Key": "free", "VersionId": version}]},
    )
    assert [(e["Key"], e.get("VersionId"), e["Code"]) for e in done.get("Errors", [])] == [
        ("k", "abc", "NoSuchVersion")
    ]
    assert [(d["Key"], d.get("VersionId")) for d in done.get("Deleted", [])] == [("free", version)]
    assert _body(s3, versioned_bucket, "k") == b"kept"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletedObject.html")
def test_delete_objects_in_a_suspended_bucket_adds_null_markers(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """DeletingObjectsfromVersioningSuspendedBuckets.html: each key deleted without a version id loses its
    null version and gets a null delete marker; API_DeletedObject.html: the entry says DeleteMarker true
    and DeleteMarkerVersionId, "the version ID of the delete marker created" (null)."""
    kept = _put(s3, versioned_bucket, "a", b"enabled")
    _suspend(s3, versioned_bucket)
    s3.put_object(Bucket=versioned_bucket, Key="a", Body=b"null")
    done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "never"}]})
    assert done.get("Errors", []) == []
    entries = {d["Key"]: (d.get("DeleteMarker"), d.get("DeleteMarkerVersionId")) for d in done["Deleted"]}
    assert entries == {"a": (True, "null"), "never": (True, "null")}
    assert _stack(raw, versioned_bucket, "a") == [("DeleteMarker", "null", True), ("Version", kept, False)]
    assert _stack(raw, versioned_bucket, "never") == [("DeleteMarker", "null", True)]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletedObject.html")
def test_delete_objects_of_a_key_that_never_existed_adds_a_marker(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """API_DeleteObject.html: in a versioning-enabled bucket a delete without a version id inserts a
    delete marker whether or not the key had versions; DeleteObjects reports it (DeleteMarker true,
    DeleteMarkerVersionId the new marker), which is then the key's only entry."""
    done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": [{"Key": "never"}]})
    (entry,) = done["Deleted"]
    marker = entry.get("DeleteMarkerVersionId")
    assert entry.get("DeleteMarker") is True and marker and marker != "null", entry
    assert _stack(raw, versioned_bucket, "never") == [("DeleteMarker", marker, True)]


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html")
def test_delete_objects_etag_condition_decides_on_the_current_version(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """conditional-deletes.html: "For conditionally deleting multiple objects using the DeleteObjects
    operation, you must provide the ETag value in the ETag element of the object" (API_ObjectIdentifier.html
    ETag: "makes the request method conditional on ETags"); "Conditional delete evaluations only apply to
    the current version of the object", and an entry whose precondition fails is an Error with Code
    PreconditionFailed while the others proceed. In a versioned bucket the entry that holds adds a
    delete marker."""
    kept = s3.put_object(Bucket=versioned_bucket, Key="kept", Body=b"kept")
    gone = s3.put_object(Bucket=versioned_bucket, Key="gone", Body=b"gone")
    other_etag = s3.put_object(Bucket=versioned_bucket, Key="other", Body=b"other")["ETag"]
    done = s3.delete_objects(
        Bucket=versioned_bucket,
        Delete={"Objects": [{"Key": "kept", "ETag": other_etag}, {"Key": "gone", "ETag": gone["ETag"]}]},
    )
    assert [(e["Key"], e["Code"]) for e in done.get("Errors", [])] == [("kept", "PreconditionFailed")]
    ((entry),) = done["Deleted"]
    assert (entry["Key"], entry.get("DeleteMarker")) == ("gone", True)
    assert _stack(raw, versioned_bucket, "gone") == [
        ("DeleteMarker", entry["DeleteMarkerVersionId"], True),
        ("Version", gone["VersionId"], False),
    ]
    assert _stack(raw, versioned_bucket, "kept") == [("Version", kept["VersionId"], True)]


# -- one version's attributes and tags; delete markers -------------------------------------------------


@pytest.mark.s3_requires("attributes")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html")
def test_object_attributes_of_a_version_by_id(s3: Any, versioned_bucket: str) -> None:
    """API_GetObjectAttributes.html versionId: "The version ID used to reference a specific version of
    the object"; the answer describes that version (ETag, ObjectSize) and names it in x-amz-version-id."""
    old = _put(s3, versioned_bucket, "k", b"old bytes")
    new = _put(s3, versioned_bucket, "k", b"new")
    got = s3.get_object_attributes(
        Bucket=versioned_bucket, Key="k", VersionId=old, ObjectAttributes=["ETag", "ObjectSize"]
    )
    assert (got.get("ObjectSize"), got.get("VersionId")) == (9, old)
    assert got.get("ETag") == "125270c450105b4a49e9421ef42e0b53"  # MD5 of b"old bytes", unquoted
    latest = s3.get_object_attributes(Bucket=versioned_bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert (latest.get("ObjectSize"), latest.get("VersionId")) == (3, new)


@pytest.mark.s3_requires("attributes")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html")
def test_object_attributes_of_a_delete_marker(s3: Any, versioned_bucket: str) -> None:
    """API_GetObjectAttributes.html x-amz-delete-marker: "Specifies whether the object retrieved was
    (true) or was not (false) a delete marker". A key whose current version is a marker is 404 NoSuchKey
    with x-amz-delete-marker: true (as GetObject, API_GetObject.html); a marker named by versionId is
    405 MethodNotAllowed with x-amz-delete-marker: true (DeleteMarker.html: a marker has no data)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    current = _failure(lambda: s3.get_object_attributes(Bucket=versioned_bucket, Key="k", ObjectAttributes=["ETag"]))
    assert (current["ResponseMetadata"]["HTTPStatusCode"], current["Error"]["Code"]) == (404, "NoSuchKey")
    assert current["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"
    named = _failure(
        lambda: s3.get_object_attributes(Bucket=versioned_bucket, Key="k", VersionId=marker, ObjectAttributes=["ETag"])
    )
    assert (named["ResponseMetadata"]["HTTPStatusCode"], named["Error"]["Code"]) == (405, "MethodNotAllowed")
    assert named["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html")
def test_delete_object_tagging_by_version_id_touches_only_that_version(s3: Any, versioned_bucket: str) -> None:
    """API_DeleteObjectTagging.html versionId: "The versionId of the object that the tag-set will be
    removed from"; x-amz-version-id in the response: "The versionId of the object the tag-set was
    removed from". The other version keeps its tags."""
    old = s3.put_object(Bucket=versioned_bucket, Key="t", Body=b"1", Tagging="a=1")["VersionId"]
    new = s3.put_object(Bucket=versioned_bucket, Key="t", Body=b"2", Tagging="b=2")["VersionId"]
    done = s3.delete_object_tagging(Bucket=versioned_bucket, Key="t", VersionId=old)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(done, "x-amz-version-id") == old
    assert s3.get_object_tagging(Bucket=versioned_bucket, Key="t", VersionId=old)["TagSet"] == []
    assert s3.get_object_tagging(Bucket=versioned_bucket, Key="t", VersionId=new)["TagSet"] == [
        {"Key": "b", "Value": "2"}
    ]


# -- versionId=null in a bucket that was never versioned -------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html")
def test_null_version_id_names_the_object_of_a_never_versioned_bucket(s3: Any, bucket: str) -> None:
    """versioning-workflows.html: "objects that are stored in your bucket before you set the versioning
    state have a version ID of null"; an unversioned bucket's objects are that null version, so GET,
    HEAD and DELETE with versionId=null address the object."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"plain")
    assert _body(s3, bucket, "k", VersionId="null") == b"plain"
    assert s3.head_object(Bucket=bucket, Key="k", VersionId="null")["ContentLength"] == 5
    gone = s3.delete_object(Bucket=bucket, Key="k", VersionId="null")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)
