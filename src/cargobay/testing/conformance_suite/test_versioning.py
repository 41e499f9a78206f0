"""Bucket versioning: Put/GetBucketVersioning, version ids on every write and read, delete markers,
permanent deletes and promotion, DeleteObjects with VersionId, suspended buckets and the ``null``
version, ListObjectVersions (order, prefix, delimiter, markers, paging, encoding-type).

Expected values are literals from the AWS S3 API reference and user guide; each test cites its
page. ``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3, md5_b64
from cargobay.testing.conformance_suite._multipart import upload_with_copied_part
from cargobay.testing.conformance_suite._versions import ids, list_all_versions, list_versions_page
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("versioning"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"),
]


def _put_versions(s3: Any, bucket: str, key: str, count: int) -> list[str]:
    """``count`` versions of ``key`` with bodies b"v0".. (oldest first); their version ids."""
    made = []
    for i in range(count):
        answer = s3.put_object(Bucket=bucket, Key=key, Body=f"v{i}".encode())
        made.append(answer.get("VersionId"))
    return made


def _body(s3: Any, bucket: str, key: str, **kwargs: Any) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()  # type: ignore[no-any-return]


# -- configuration ----------------------------------------------------------------------------------
# API_PutBucketVersioning.html / API_GetBucketVersioning.html: "If the versioning state has never been
# set on a bucket, it has no versioning state; a GetBucketVersioning request does not return a
# versioning state value." States: Enabled, Suspended.


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html")
def test_versioning_never_set_answers_empty_configuration(raw: RawS3, bucket: str) -> None:
    answer = raw.request("GET", "/" + bucket, [("versioning", "")])
    assert answer.status == 200, answer
    root = answer.xml()
    assert root.tag.rsplit("}", 1)[-1] == "VersioningConfiguration"
    assert [child.tag.rsplit("}", 1)[-1] for child in root] == [], f"never-versioned bucket has a state: {answer}"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html")
def test_versioning_enable_then_suspend_round_trip(s3: Any, bucket: str) -> None:
    done = s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Suspended"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"


def _versioning_body(inner: str) -> bytes:
    return f'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}'.encode()


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html")
@pytest.mark.parametrize(
    "body",
    [
        _versioning_body("<Status>Enabled</Status>"),  # not closed
        b"not xml at all",
        b"",
    ],
    ids=["unclosed", "not-xml", "empty"],
)
def test_versioning_malformed_document_is_400(raw: RawS3, bucket: str, body: bytes) -> None:
    """ErrorResponses.html: MalformedXML "The XML you provided was not well-formed or did not
    validate against our published schema"; an empty body is MissingRequestBodyError ("Request body
    is empty") or MalformedXML."""
    answer = raw.request("PUT", "/" + bucket, [("versioning", "")], headers={"content-md5": md5_b64(body)}, body=body)
    allowed = {(400, "MalformedXML")} | ({(400, "MissingRequestBodyError")} if not body else set())
    assert (answer.status, answer.code) in allowed, answer
    assert raw.request("GET", "/" + bucket, [("versioning", "")]).body.count(b"<Status>") == 0


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_VersioningConfiguration.html")
@pytest.mark.parametrize("status", ["Disabled", "enabled", "On"], ids=["disabled", "lower-case", "on"])
def test_versioning_unknown_status_is_400(raw: RawS3, s3: Any, bucket: str, status: str) -> None:
    """API_VersioningConfiguration.html: Status "Valid Values: Enabled | Suspended"; ErrorResponses.html
    lists both MalformedXML (schema) and IllegalVersioningConfigurationException ("the versioning
    configuration specified in the request is invalid")."""
    body = _versioning_body(f"<Status>{status}</Status></VersioningConfiguration>")
    answer = raw.request("PUT", "/" + bucket, [("versioning", "")], headers={"content-md5": md5_b64(body)}, body=body)
    assert (answer.status, answer.code) in {(400, "MalformedXML"), (400, "IllegalVersioningConfigurationException")}, (
        answer
    )
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


# -- version ids on writes and reads ----------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_in_enabled_bucket_gives_each_write_a_new_version_id(s3: Any, versioned_bucket: str) -> None:
    """_GUIDE Versioning-Workflows / AddingObjectstoVersioningEnabledBuckets.html: "Amazon S3 generates
    a unique version ID for each object added"; API_PutObject.html: x-amz-version-id response header."""
    made = _put_versions(s3, versioned_bucket, "k", 3)
    assert all(made) and "null" not in made and len(set(made)) == 3, made
    for i, version in enumerate(made):
        got = s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=version)
        assert got["Body"].read() == f"v{i}".encode()
        assert header(got, "x-amz-version-id") == version
        head = s3.head_object(Bucket=versioned_bucket, Key="k", VersionId=version)
        assert header(head, "x-amz-version-id") == version and head["ContentLength"] == 2
    latest = s3.get_object(Bucket=versioned_bucket, Key="k")
    assert latest["Body"].read() == b"v2" and header(latest, "x-amz-version-id") == made[-1]
    assert header(s3.head_object(Bucket=versioned_bucket, Key="k"), "x-amz-version-id") == made[-1]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_object_from_an_old_version(s3: Any, versioned_bucket: str) -> None:
    """API_CopyObject.html: versionId in x-amz-copy-source selects the source version; the response
    carries x-amz-copy-source-version-id and the new object's x-amz-version-id."""
    made = _put_versions(s3, versioned_bucket, "src", 2)
    copied = s3.copy_object(
        Bucket=versioned_bucket, Key="dst", CopySource={"Bucket": versioned_bucket, "Key": "src", "VersionId": made[0]}
    )
    assert header(copied, "x-amz-copy-source-version-id") == made[0]
    new_version = header(copied, "x-amz-version-id")
    assert new_version and new_version not in made and new_version != "null"
    assert _body(s3, versioned_bucket, "dst") == b"v0"
    assert _body(s3, versioned_bucket, "dst", VersionId=new_version) == b"v0"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html")
def test_upload_part_copy_from_an_old_version(s3: Any, versioned_bucket: str) -> None:
    """API_UploadPartCopy.html: x-amz-copy-source may carry ?versionId= ("to copy a specific version
    of an object, append ?versionId=<version-id>"); the response header x-amz-copy-source-version-id is
    "the version of the source object that was copied". The part holds that version's bytes."""
    made = _put_versions(s3, versioned_bucket, "src", 2)
    source = {"Bucket": versioned_bucket, "Key": "src", "VersionId": made[0]}
    upload, part = upload_with_copied_part(s3, versioned_bucket, "dst", source)
    try:
        assert header(part, "x-amz-copy-source-version-id") == made[0]
        s3.complete_multipart_upload(
            Bucket=versioned_bucket,
            Key="dst",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]},
        )
    except Exception:
        s3.abort_multipart_upload(Bucket=versioned_bucket, Key="dst", UploadId=upload)
        raise
    assert _body(s3, versioned_bucket, "dst") == b"v0", "UploadPartCopy copied the current version, not the one named"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_object_from_a_delete_marker(s3: Any, versioned_bucket: str) -> None:
    """API_CopyObject.html, x-amz-copy-source: "If the current version is a delete marker, Amazon S3
    behaves as if the object was deleted" (404 NoSuchKey); "If you specify versionId in the
    x-amz-copy-source and the versionId is a delete marker, Amazon S3 returns an HTTP 400 Bad Request
    error, because you are not allowed to specify a delete marker as a version" (no code named)."""
    s3.put_object(Bucket=versioned_bucket, Key="src", Body=b"x")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="src")["VersionId"]
    assert error_of(
        lambda: s3.copy_object(
            Bucket=versioned_bucket, Key="dst", CopySource={"Bucket": versioned_bucket, "Key": "src"}
        )
    ) == (404, "NoSuchKey")
    status, code = error_of(
        lambda: s3.copy_object(
            Bucket=versioned_bucket,
            Key="dst",
            CopySource={"Bucket": versioned_bucket, "Key": "src", "VersionId": marker},
        )
    )
    assert status == 400 and code, (status, code)
    assert error_of(lambda: s3.head_object(Bucket=versioned_bucket, Key="dst")) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
@pytest.mark.s3_requires("multipart")
def test_complete_multipart_upload_returns_version_id(s3: Any, versioned_bucket: str) -> None:
    """API_CompleteMultipartUpload.html: x-amz-version-id "Version ID of the newly created object"."""
    first = s3.put_object(Bucket=versioned_bucket, Key="m", Body=b"old")["VersionId"]
    upload = s3.create_multipart_upload(Bucket=versioned_bucket, Key="m")["UploadId"]
    part = s3.upload_part(Bucket=versioned_bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"new")
    done = s3.complete_multipart_upload(
        Bucket=versioned_bucket,
        Key="m",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    version = header(done, "x-amz-version-id")
    assert version and version not in (first, "null")
    assert _body(s3, versioned_bucket, "m") == b"new"
    assert _body(s3, versioned_bucket, "m", VersionId=first) == b"old"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html")
def test_object_tagging_by_version_id(s3: Any, versioned_bucket: str) -> None:
    """API_PutObjectTagging.html / API_GetObjectTagging.html: versionId selects the version whose tag
    set is written/read; the response carries x-amz-version-id."""
    made = _put_versions(s3, versioned_bucket, "t", 2)
    put = s3.put_object_tagging(
        Bucket=versioned_bucket, Key="t", VersionId=made[0], Tagging={"TagSet": [{"Key": "old", "Value": "yes"}]}
    )
    assert header(put, "x-amz-version-id") == made[0]
    got = s3.get_object_tagging(Bucket=versioned_bucket, Key="t", VersionId=made[0])
    assert got["TagSet"] == [{"Key": "old", "Value": "yes"}] and got.get("VersionId") == made[0]
    latest = s3.get_object_tagging(Bucket=versioned_bucket, Key="t")
    assert latest["TagSet"] == [] and latest.get("VersionId") == made[1]
    assert _body(s3, versioned_bucket, "t", VersionId=made[0]) == b"v0", "tagging changed the version's bytes"


# -- delete markers ------------------------------------------------------------------------------------
# _GUIDE DeleteMarker.html, API_DeleteObject.html, API_GetObject.html, API_HeadObject.html.


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html")
def test_delete_without_version_id_adds_a_delete_marker(s3: Any, versioned_bucket: str) -> None:
    """API_DeleteObject.html: in a versioning-enabled bucket a simple DELETE inserts a delete marker;
    x-amz-delete-marker: true and x-amz-version-id (the marker's) in the response. Nothing is lost."""
    made = _put_versions(s3, versioned_bucket, "k", 2)
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(gone, "x-amz-delete-marker") == "true"
    marker = header(gone, "x-amz-version-id")
    assert marker and marker not in made
    assert full_listing(s3, versioned_bucket).keys == ()
    for i, version in enumerate(made):
        assert _body(s3, versioned_bucket, "k", VersionId=version) == f"v{i}".encode()


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_get_of_key_whose_latest_is_a_delete_marker_is_404_with_marker_header(s3: Any, versioned_bucket: str) -> None:
    """API_GetObject.html: "If the current version of the object is a delete marker, Amazon S3 behaves
    as if the object was deleted and includes x-amz-delete-marker: true in the response" (404 NoSuchKey,
    _GUIDE DeleteMarker.html)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=versioned_bucket, Key="k")
    response = caught.value.response
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]) == (404, "NoSuchKey")
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("x-amz-delete-marker") == "true", f"no x-amz-delete-marker: {headers}"
    assert headers.get("x-amz-version-id") in (None, marker)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html")
def test_head_of_key_whose_latest_is_a_delete_marker_is_404_with_marker_header(s3: Any, versioned_bucket: str) -> None:
    """API_HeadObject.html: same rule as GetObject (404, x-amz-delete-marker: true)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=versioned_bucket, Key="k")
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
@pytest.mark.parametrize("method", ["get", "head"])
def test_get_or_head_of_a_delete_marker_by_version_id_is_405(s3: Any, versioned_bucket: str, method: str) -> None:
    """API_GetObject.html / API_HeadObject.html: "If the specified version in the request is a delete
    marker, the response returns a 405 Method Not Allowed error and the Last-Modified: timestamp
    response header" (and x-amz-delete-marker: true)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    from botocore.exceptions import ClientError

    call = s3.get_object if method == "get" else s3.head_object
    with pytest.raises(ClientError) as caught:
        call(Bucket=versioned_bucket, Key="k", VersionId=marker)
    response = caught.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    code = response.get("Error", {}).get("Code")
    assert status == 405 and code in ("MethodNotAllowed", "405"), (status, code)
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("x-amz-delete-marker") == "true"
    assert headers.get("last-modified"), f"no Last-Modified on the 405: {headers}"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManagingDelMarkers.html")
def test_delete_of_the_delete_marker_restores_the_object(s3: Any, versioned_bucket: str) -> None:
    """_GUIDE ManagingDelMarkers.html: deleting the delete marker by version id makes the previous
    version current again; API_DeleteObject.html: x-amz-delete-marker: true when the deleted version
    was a marker, x-amz-version-id the version deleted."""
    made = _put_versions(s3, versioned_bucket, "k", 2)
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    undone = s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=marker)
    assert undone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(undone, "x-amz-delete-marker") == "true"
    assert header(undone, "x-amz-version-id") == marker
    restored = s3.get_object(Bucket=versioned_bucket, Key="k")
    assert restored["Body"].read() == b"v1" and header(restored, "x-amz-version-id") == made[1]


# -- permanent deletes --------------------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_delete_of_the_latest_version_promotes_the_next_newest(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """_GUIDE DeletingObjectVersions.html: "To permanently delete versioned objects, you must use
    DELETE Object versionId"; the next newest version becomes current. API_DeleteObject.html:
    x-amz-version-id is the deleted version; no delete marker header (or false)."""
    made = _put_versions(s3, versioned_bucket, "k", 3)
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=made[2])
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(gone, "x-amz-version-id") == made[2]
    assert header(gone, "x-amz-delete-marker") in (None, "false")
    now = s3.get_object(Bucket=versioned_bucket, Key="k")
    assert now["Body"].read() == b"v1", "the wrong version was promoted"
    assert header(now, "x-amz-version-id") == made[1]
    assert [(e.version_id, e.is_latest) for e in list_versions_page(raw, versioned_bucket).entries] == [
        (made[1], True),
        (made[0], False),
    ]
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=made[2])) == (
        404,
        "NoSuchVersion",
    )


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_delete_of_a_middle_version_leaves_the_latest(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    made = _put_versions(s3, versioned_bucket, "k", 3)
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=made[1])
    assert _body(s3, versioned_bucket, "k") == b"v2"
    assert [(e.version_id, e.is_latest) for e in list_versions_page(raw, versioned_bucket).entries] == [
        (made[2], True),
        (made[0], False),
    ], "a deleted version is still listed"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_delete_of_every_version_removes_the_key(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    made = _put_versions(s3, versioned_bucket, "k", 2)
    for version in made:
        s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=version)
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k")) == (404, "NoSuchKey")
    assert list_versions_page(raw, versioned_bucket).entries == ()


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_get_of_a_deleted_version_id_is_404_no_such_version(s3: Any, versioned_bucket: str) -> None:
    """ErrorResponses.html: NoSuchVersion (404) "Indicates that the version ID specified in the
    request does not match an existing version"."""
    made = _put_versions(s3, versioned_bucket, "k", 2)
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=made[0])
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=made[0])) == (
        404,
        "NoSuchVersion",
    )
    assert error_of(lambda: s3.head_object(Bucket=versioned_bucket, Key="k", VersionId=made[0])) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
@pytest.mark.parametrize("version", ["not-a-version-id", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"], ids=["word", "aws-like"])
def test_get_of_an_unknown_version_id_is_400_invalid_argument_or_404_no_such_version(
    s3: Any, versioned_bucket: str, version: str
) -> None:
    """AWS answers 400 InvalidArgument ("Invalid version id specified") for an id it cannot decode and
    404 NoSuchVersion for one that names no version (ErrorResponses.html); which one depends on the
    server's id format, so both are accepted. Never 200, never 500."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k", VersionId=version)) in {
        (400, "InvalidArgument"),
        (404, "NoSuchVersion"),
    }


# -- DeleteObjects with VersionId ------------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_with_version_ids(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """API_DeleteObjects.html / API_DeletedObject.html: a VersionId deletes that version for good
    (Deleted: Key, VersionId); no VersionId adds a delete marker (DeleteMarker true,
    DeleteMarkerVersionId the new marker); deleting a marker by id reports DeleteMarker true and
    DeleteMarkerVersionId = VersionId = the marker."""
    a = _put_versions(s3, versioned_bucket, "a", 2)
    s3.put_object(Bucket=versioned_bucket, Key="b", Body=b"b")
    s3.put_object(Bucket=versioned_bucket, Key="c", Body=b"c")
    c_marker = s3.delete_object(Bucket=versioned_bucket, Key="c")["VersionId"]
    done = s3.delete_objects(
        Bucket=versioned_bucket,
        Delete={"Objects": [{"Key": "a", "VersionId": a[1]}, {"Key": "b"}, {"Key": "c", "VersionId": c_marker}]},
    )
    assert "Errors" not in done, done.get("Errors")
    by_key = {d["Key"]: d for d in done["Deleted"]}
    assert by_key["a"].get("VersionId") == a[1] and not by_key["a"].get("DeleteMarker")
    assert by_key["b"].get("DeleteMarker") is True and by_key["b"].get("DeleteMarkerVersionId")
    assert by_key["c"].get("DeleteMarker") is True and by_key["c"].get("VersionId") == c_marker
    assert by_key["c"].get("DeleteMarkerVersionId") == c_marker
    assert _body(s3, versioned_bucket, "a") == b"v0", "DeleteObjects with VersionId promoted the wrong version"
    assert _body(s3, versioned_bucket, "c") == b"c", "removing the marker did not restore the object"
    b_marker = by_key["b"]["DeleteMarkerVersionId"]
    entries = ids(list_versions_page(raw, versioned_bucket).entries)
    assert ("DeleteMarker", "b", b_marker, True) in entries
    assert all(e[2] != a[1] for e in entries), "a version deleted by DeleteObjects is still listed"


# -- suspended buckets and the null version -------------------------------------------------------------
# _GUIDE AddingObjectstoVersionSuspendedBuckets.html, DeletingObjectsfromVersioningSuspendedBuckets.html,
# VersioningWorkflows.html ("objects that existed before versioning was enabled have version ID null").


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html")
def test_objects_written_before_versioning_have_the_null_version(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    try:
        after = s3.put_object(Bucket=bucket, Key="k", Body=b"after")["VersionId"]
        entries = list_versions_page(raw, bucket).entries
        assert [(e.version_id, e.is_latest) for e in entries] == [(after, True), ("null", False)]
        assert _body(s3, bucket, "k", VersionId="null") == b"before"
    finally:
        from cargobay.testing.conformance_suite._versions import purge_versions

        purge_versions(s3, bucket, locked=False)


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_suspended_bucket_writes_and_replaces_the_null_version(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """AddingObjectstoVersionSuspendedBuckets.html: "If a null version is already in the bucket and you
    add another object with the same key, the added object overwrites the original null version";
    versions made while enabled are kept."""
    kept = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"enabled")["VersionId"]
    s3.put_bucket_versioning(Bucket=versioned_bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"null-1")
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"null-2")
    entries = list_versions_page(raw, versioned_bucket).entries
    assert [(e.kind, e.version_id, e.is_latest) for e in entries] == [
        ("Version", "null", True),
        ("Version", kept, False),
    ], "the null version was not replaced"
    assert _body(s3, versioned_bucket, "k") == b"null-2"
    assert _body(s3, versioned_bucket, "k", VersionId="null") == b"null-2"
    assert _body(s3, versioned_bucket, "k", VersionId=kept) == b"enabled"


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectsfromVersioningSuspendedBuckets.html"
)
def test_suspended_bucket_delete_adds_a_null_delete_marker(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """DeletingObjectsfromVersioningSuspendedBuckets.html: a simple DELETE removes the null version (if
    any) and inserts a delete marker whose version id is null; other versions stay."""
    kept = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"enabled")["VersionId"]
    s3.put_bucket_versioning(Bucket=versioned_bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"null")
    gone = s3.delete_object(Bucket=versioned_bucket, Key="k")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert header(gone, "x-amz-delete-marker") == "true"
    entries = list_versions_page(raw, versioned_bucket).entries
    assert [(e.kind, e.version_id, e.is_latest) for e in entries] == [
        ("DeleteMarker", "null", True),
        ("Version", kept, False),
    ]
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="k")) == (404, "NoSuchKey")


# -- ListObjectVersions -------------------------------------------------------------------------------
# API_ListObjectVersions.html: versions and delete markers in one sequence, by key (UTF-8 binary order)
# then newest first; IsLatest; max-keys counts versions, markers and common prefixes; key-marker and
# version-id-marker resume; NextKeyMarker / NextVersionIdMarker when truncated; encoding-type=url.


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_orders_keys_then_newest_first_with_markers(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    b = _put_versions(s3, versioned_bucket, "b", 2)
    a = _put_versions(s3, versioned_bucket, "a", 1)
    marker = s3.delete_object(Bucket=versioned_bucket, Key="b")["VersionId"]
    b.append(s3.put_object(Bucket=versioned_bucket, Key="b", Body=b"again")["VersionId"])
    page = list_versions_page(raw, versioned_bucket)
    assert ids(page.entries) == [
        ("Version", "a", a[0], True),
        ("Version", "b", b[2], True),
        ("DeleteMarker", "b", marker, False),
        ("Version", "b", b[1], False),
        ("Version", "b", b[0], False),
    ]
    assert not page.is_truncated


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_prefix_and_delimiter(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    for key in ["dir/a", "dir/a", "dir/sub/b", "dir/sub/c", "other"]:
        s3.put_object(Bucket=versioned_bucket, Key=key, Body=b"x")
    page = list_versions_page(raw, versioned_bucket, prefix="dir/", delimiter="/")
    assert [(e.key, e.is_latest) for e in page.entries] == [("dir/a", True), ("dir/a", False)]
    assert page.prefixes == ("dir/sub/",)
    listed = s3.list_object_versions(Bucket=versioned_bucket, Prefix="dir/", Delimiter="/")
    assert [p["Prefix"] for p in listed.get("CommonPrefixes", [])] == ["dir/sub/"]
    assert listed.get("Prefix") == "dir/" and listed.get("Delimiter") == "/"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_paging_with_small_max_keys_matches_the_full_listing(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    for key, count in [("a", 3), ("b", 1), ("c", 4)]:
        _put_versions(s3, versioned_bucket, key, count)
    s3.delete_object(Bucket=versioned_bucket, Key="b")
    full = list_versions_page(raw, versioned_bucket).entries
    assert len(full) == 9
    for size in (1, 2, 3, 4):  # a page may hold fewer than max-keys ("might contain fewer"), never more
        paged, _, pages = list_all_versions(raw, versioned_bucket, page_size=size)
        assert ids(paged) == ids(full), f"paging by {size} differs from the one-page listing"
        assert pages >= -(-9 // size)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_truncated_page_names_the_next_markers(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    made = _put_versions(s3, versioned_bucket, "k", 3)
    page = list_versions_page(raw, versioned_bucket, **{"max-keys": "2"})
    assert page.is_truncated and len(page.entries) == 2
    assert page.next_key_marker == "k" and page.next_version_id_marker == made[1]
    rest = list_versions_page(raw, versioned_bucket, **{"key-marker": "k", "version-id-marker": made[1]})
    assert [e.version_id for e in rest.entries] == [made[0]] and not rest.is_truncated


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_key_marker_alone_skips_every_version_of_that_key(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """API_ListObjectVersions.html key-marker: "Specifies the key to start with when listing objects"
    — the listing begins after that key (all of its versions are skipped)."""
    _put_versions(s3, versioned_bucket, "a", 2)
    b = _put_versions(s3, versioned_bucket, "b", 2)
    page = list_versions_page(raw, versioned_bucket, **{"key-marker": "a"})
    assert [(e.key, e.version_id) for e in page.entries] == [("b", b[1]), ("b", b[0])]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_version_id_marker_without_key_marker_is_400(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """AWS: 400 InvalidArgument "A version-id marker cannot be specified without a key marker"."""
    made = _put_versions(s3, versioned_bucket, "k", 1)
    answer = raw.request("GET", "/" + versioned_bucket, [("versions", ""), ("version-id-marker", made[0])])
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_encoding_type_url(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    key = "a b/\u00e9+&"
    s3.put_object(Bucket=versioned_bucket, Key=key, Body=b"x")
    page = list_versions_page(raw, versioned_bucket, **{"encoding-type": "url"})
    assert page.encoding_type == "url"
    assert [e.key for e in page.entries] in ([quote(key, safe="/")], [quote(key, safe="/").replace("%20", "+")])
    # botocore asks for encoding-type=url itself when the caller does not, and decodes the answer
    listed = s3.list_object_versions(Bucket=versioned_bucket)
    assert [v["Key"] for v in listed["Versions"]] == [key]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_more_than_1000_entries_pages_in_aws_order(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """990 single-version keys and 15 versions of a last key: the default page (at most 1000) ends in the
    middle of that key's versions; NextKeyMarker/NextVersionIdMarker name the last entry returned and the
    next page resumes with the next older version."""
    keys = [f"k{i:04d}" for i in range(990)]
    with ThreadPoolExecutor(8) as pool:
        singles = dict(
            zip(
                keys,
                pool.map(lambda k: s3.put_object(Bucket=versioned_bucket, Key=k, Body=b"")["VersionId"], keys),
                strict=True,
            )
        )
    last = _put_versions(s3, versioned_bucket, "zz", 15)
    expected = [("Version", k, singles[k], True) for k in keys]
    expected += [("Version", "zz", v, i == 0) for i, v in enumerate(reversed(last))]
    first = list_versions_page(raw, versioned_bucket)
    assert first.is_truncated and 0 < len(first.entries) <= 1000, "1005 entries in one page, or none"
    end = first.entries[-1]
    assert (first.next_key_marker, first.next_version_id_marker) == (end.key, end.version_id)
    paged, _, pages = list_all_versions(raw, versioned_bucket)
    assert pages >= 2 and ids(paged) == expected
