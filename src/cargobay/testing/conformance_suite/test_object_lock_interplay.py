"""Object Lock, third pass: where a lock meets the other operations. The bucket's default retention
on copies, completed uploads and writes that ask only for a legal hold; lock headers on a bucket
without Object Lock; the digest a write with lock parameters must carry; new versions over a
locked one; DeleteObjects that add or remove delete markers above locked versions; extending a
GOVERNANCE retention; Object Lock on a suspended bucket.

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/): object-lock-overview.html, object-lock.html,
object-lock-managing.html, object-lock-configure.html, API_PutObject.html, API_CopyObject.html,
API_CreateMultipartUpload.html, API_DeleteObjects.html, API_PutObjectLockConfiguration.html.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.conformance_suite._versions import COMPLIANCE_S, purge_versions, soon

pytestmark = [
    pytest.mark.s3_requires("versioning", "object_lock"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"),
]

HOUR = 3600
_DAY = timedelta(days=1)
_SKEW = timedelta(minutes=1)  # the server's clock decides a default retention's start


def _same_second(got: datetime | None, expected: datetime) -> bool:
    return got is not None and abs((got - expected).total_seconds()) < 1


def _lock_of(s3: Any, bucket: str, key: str, version: str | None) -> tuple[str | None, datetime | None, str | None]:
    """(mode, retain-until, legal hold) of a version as HeadObject reports them (API_HeadObject.html)."""
    head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
    return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate"), head.get("ObjectLockLegalHoldStatus")


def _default_governance_day(s3: Any, bucket: str) -> None:
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )


# -- the bucket's default retention on every way a version is written ------------------------------------
# object-lock-overview.html (Bucket configuration): "the bucket default settings ... apply to new objects
# that are placed in the bucket" unless the request sets "an explicit retention mode and period".


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_default_retention_applies_to_copies(s3: Any, lock_bucket: str) -> None:
    """A CopyObject writes a new version: without lock headers it gets the default retention, counted from
    the write; with x-amz-object-lock-mode / -retain-until-date (API_CopyObject.html) those win."""
    _default_governance_day(s3, lock_bucket)
    s3.put_object(Bucket=lock_bucket, Key="src", Body=b"x")
    before = datetime.now(UTC)
    copied = s3.copy_object(Bucket=lock_bucket, Key="dst", CopySource={"Bucket": lock_bucket, "Key": "src"})
    after = datetime.now(UTC)
    mode, until, _ = _lock_of(s3, lock_bucket, "dst", header(copied, "x-amz-version-id"))
    assert mode == "GOVERNANCE" and until is not None, "a copy did not get the bucket's default retention"
    assert before + _DAY - _SKEW <= until <= after + _DAY + _SKEW
    explicit = soon(HOUR)
    other = s3.copy_object(
        Bucket=lock_bucket,
        Key="own",
        CopySource={"Bucket": lock_bucket, "Key": "src"},
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=explicit,
    )
    assert _same_second(_lock_of(s3, lock_bucket, "own", header(other, "x-amz-version-id"))[1], explicit)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_default_retention_applies_to_completed_multipart_uploads(s3: Any, lock_bucket: str) -> None:
    """An object assembled by CompleteMultipartUpload is a new version placed in the bucket: it gets the
    default retention (an upload created with its own lock headers keeps those, API_CreateMultipartUpload.html)."""
    _default_governance_day(s3, lock_bucket)
    before = datetime.now(UTC)
    upload = s3.create_multipart_upload(Bucket=lock_bucket, Key="m")["UploadId"]
    etag = s3.upload_part(Bucket=lock_bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"x")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=lock_bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    after = datetime.now(UTC)
    mode, until, _ = _lock_of(s3, lock_bucket, "m", done.get("VersionId"))
    assert mode == "GOVERNANCE" and until is not None, "a completed upload did not get the default retention"
    assert before + _DAY - _SKEW <= until <= after + _DAY + _SKEW


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_default_retention_applies_beside_a_requested_legal_hold(s3: Any, lock_bucket: str) -> None:
    """object-lock.html: "An object version can have a retention period, a legal hold, or both"; a PUT that
    asks only for a legal hold sets no retention of its own, so the default retention applies too."""
    _default_governance_day(s3, lock_bucket)
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    mode, until, hold = _lock_of(s3, lock_bucket, "k", version)
    assert (mode, hold) == ("GOVERNANCE", "ON") and until is not None


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_a_default_retention_applies_only_to_versions_written_after_it(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Bucket configuration): the default settings apply to new object versions
    placed in the bucket; a version written before the rule keeps no retention, and one written under a
    rule keeps that rule's retention when the rule later changes."""
    before = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"before")["VersionId"]
    _default_governance_day(s3, lock_bucket)
    under = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"under")["VersionId"]
    first_until = _lock_of(s3, lock_bucket, "k", under)[1]
    s3.put_object_lock_configuration(
        Bucket=lock_bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2}},
        },
    )
    assert _lock_of(s3, lock_bucket, "k", before)[:2] == (None, None)
    mode, until, _ = _lock_of(s3, lock_bucket, "k", under)
    assert mode == "GOVERNANCE" and until is not None and until == first_until


# -- lock parameters where they cannot apply, and without a digest -------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html")
@pytest.mark.parametrize("operation", ["put", "put-legal-hold", "copy", "create-multipart"])
def test_lock_headers_on_a_bucket_without_object_lock_are_400_invalid_request(
    s3: Any, bucket: str, operation: str
) -> None:
    """object-lock-overview.html: Object Lock settings apply only in a bucket that has Object Lock
    enabled; AWS answers lock headers anywhere else with 400 InvalidRequest "Bucket is missing Object
    Lock Configuration" — on PutObject, CopyObject and CreateMultipartUpload alike (their
    x-amz-object-lock-* headers: API_PutObject.html, API_CopyObject.html, API_CreateMultipartUpload.html).
    Nothing is written."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    lock = {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": soon(HOUR)}
    calls: dict[str, Callable[[], Any]] = {
        "put": lambda: s3.put_object(Bucket=bucket, Key="dst", Body=b"x", **lock),
        "put-legal-hold": lambda: s3.put_object(Bucket=bucket, Key="dst", Body=b"x", ObjectLockLegalHoldStatus="ON"),
        "copy": lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, **lock),
        "create-multipart": lambda: s3.create_multipart_upload(Bucket=bucket, Key="dst", **lock),
    }
    assert error_of(calls[operation]) == (400, "InvalidRequest")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="dst")) == (404, None)
    if operation == "create-multipart":
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


_DIGEST_NEEDED = {(400, "InvalidRequest")}


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_with_lock_headers_needs_content_md5_or_a_checksum(raw: RawS3, s3: Any, lock_bucket: str) -> None:
    """API_PutObject.html: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any
    request to upload an object with a retention period configured using Amazon S3 Object Lock"; AWS
    answers 400 InvalidRequest "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object
    requests with Object Lock parameters". The request below carries neither (and an unsigned payload):
    nothing is written. With Content-MD5 the same PUT succeeds."""
    path = key_path(lock_bucket, "k")
    lock = {
        "x-amz-object-lock-mode": "GOVERNANCE",
        "x-amz-object-lock-retain-until-date": soon(HOUR).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    body = b"locked bytes"
    bare = raw.request("PUT", path, headers=lock, body=body, payload_hash="UNSIGNED-PAYLOAD")
    refused(bare, 400, "InvalidRequest", accepted="a PUT with lock headers and no digest accepted")
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k")) == (404, None)
    digested = raw.request(
        "PUT", path, headers={**lock, "content-md5": md5_b64(body)}, body=body, payload_hash="UNSIGNED-PAYLOAD"
    )
    assert digested.status == 200, digested
    assert s3.head_object(Bucket=lock_bucket, Key="k").get("ObjectLockMode") == "GOVERNANCE"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_into_a_bucket_with_default_retention_needs_content_md5_or_a_checksum(
    raw: RawS3, s3: Any, lock_bucket: str
) -> None:
    """The same rule holds when the retention comes from the bucket's default (the PUT is an upload "with
    a retention period configured using Amazon S3 Object Lock"); AWS refuses it with the same 400
    InvalidRequest (https://github.com/aws/aws-sdk-php/issues/1694: "S3 PutObject is missing a Content-MD5
    header when writing to a bucket with a default object lock configuration", and
    https://github.com/kopia/kopia/issues/711). A checksum header is enough."""
    _default_governance_day(s3, lock_bucket)
    path = key_path(lock_bucket, "k")
    bare = raw.request("PUT", path, body=b"x", payload_hash="UNSIGNED-PAYLOAD")
    refused(bare, 400, "InvalidRequest", accepted="a PUT under a default retention without a digest accepted")
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k")) == (404, None)
    crc32_of_x = "jNwWgw=="  # base64 of the big-endian CRC32 of b"x" (0x8cdc1683)
    summed = raw.request(
        "PUT", path, headers={"x-amz-checksum-crc32": crc32_of_x}, body=b"x", payload_hash="UNSIGNED-PAYLOAD"
    )
    assert summed.status == 200, summed


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html")
def test_upload_part_of_an_upload_with_lock_headers_needs_content_md5_or_a_checksum(
    raw: RawS3, s3: Any, lock_bucket: str
) -> None:
    """API_UploadPart.html Content-MD5: "This parameter is required if object lock parameters are
    specified" (here: on the CreateMultipartUpload, which is created without a checksum algorithm). A
    part with neither Content-MD5 nor an x-amz-checksum-* header (and an unsigned payload) is refused
    as the PutObject is (400 InvalidRequest) and not stored; with Content-MD5 it is stored."""
    path = key_path(lock_bucket, "m")
    created = raw.request(
        "POST",
        path,
        [("uploads", "")],
        headers={
            "x-amz-object-lock-mode": "GOVERNANCE",
            "x-amz-object-lock-retain-until-date": soon(HOUR).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    assert created.status == 200, created
    upload = next(node.text or "" for node in created.xml() if node.tag.rsplit("}", 1)[-1] == "UploadId")
    try:
        where = [("partNumber", "1"), ("uploadId", upload)]
        bare = raw.request("PUT", path, where, body=b"part", payload_hash="UNSIGNED-PAYLOAD")
        refused(bare, 400, "InvalidRequest", accepted="a part of a locked upload without a digest accepted")
        assert s3.list_parts(Bucket=lock_bucket, Key="m", UploadId=upload).get("Parts", []) == []
        digested = raw.request(
            "PUT", path, where, headers={"content-md5": md5_b64(b"part")}, body=b"part", payload_hash="UNSIGNED-PAYLOAD"
        )
        assert digested.status == 200, digested
    finally:
        s3.abort_multipart_upload(Bucket=lock_bucket, Key="m", UploadId=upload)


# -- versions over and markers above locked versions ------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_a_put_over_a_locked_version_adds_a_version(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html: "Object Lock works only in buckets that have S3 Versioning enabled ...
    when you lock an object version, Amazon S3 stores the lock information in the metadata for that
    object version"; a lock protects that version, not the key: a PUT to the key adds a new version and
    the locked one stays, with its retention."""
    until = soon(COMPLIANCE_S)
    locked = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"locked", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    newer = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"newer")
    assert newer["ResponseMetadata"]["HTTPStatusCode"] == 200 and newer.get("VersionId") not in (None, locked)
    assert s3.get_object(Bucket=lock_bucket, Key="k")["Body"].read() == b"newer"
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=locked)["Body"].read() == b"locked"
    mode, got, _ = _lock_of(s3, lock_bucket, "k", locked)
    assert mode == "COMPLIANCE" and _same_second(got, until)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_without_version_ids_adds_markers_above_locked_versions(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html: a lock "doesn't prevent a delete marker from being placed"
    (object-lock.html: deleting without a version id only adds a marker). DeleteObjects reports each
    key as Deleted with DeleteMarker true and DeleteMarkerVersionId (API_DeletedObject.html); the
    locked versions stay."""
    locked = {
        key: s3.put_object(
            Bucket=lock_bucket, Key=key, Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(HOUR)
        )["VersionId"]
        for key in ("a", "b")
    }
    done = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert done.get("Errors", []) == []
    assert sorted((d["Key"], d.get("DeleteMarker"), bool(d.get("DeleteMarkerVersionId"))) for d in done["Deleted"]) == [
        ("a", True, True),
        ("b", True, True),
    ]
    for key, version in locked.items():
        assert s3.get_object(Bucket=lock_bucket, Key=key, VersionId=version)["Body"].read() == b"x"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManagingDelMarkers.html")
def test_delete_objects_removes_a_marker_above_a_locked_version(s3: Any, lock_bucket: str) -> None:
    """A delete marker has no data and no lock (DeleteMarker.html), so removing it by version id needs no
    bypass even when the version below is locked; the entry reports DeleteMarker true and
    DeleteMarkerVersionId = VersionId = the marker (API_DeletedObject.html), and the locked version is
    current again (ManagingDelMarkers.html)."""
    locked = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(HOUR)
    )["VersionId"]
    marker = s3.delete_object(Bucket=lock_bucket, Key="k")["VersionId"]
    done = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": [{"Key": "k", "VersionId": marker}]})
    assert done.get("Errors", []) == []
    (entry,) = done["Deleted"]
    assert (entry.get("VersionId"), entry.get("DeleteMarker"), entry.get("DeleteMarkerVersionId")) == (
        marker,
        True,
        marker,
    )
    got = s3.get_object(Bucket=lock_bucket, Key="k")
    assert (got["Body"].read(), got.get("VersionId")) == (b"x", locked)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_delete_objects_removes_a_version_whose_compliance_retention_has_passed(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Retention periods): a retention period protects a version "until the
    retain until date has passed"; after it the version is unprotected, so DeleteObjects naming it
    deletes it, without the bypass, even in COMPLIANCE mode."""
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=soon(2)
    )["VersionId"]
    refused_now = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": [{"Key": "k", "VersionId": version}]})
    assert [e["Code"] for e in refused_now.get("Errors", [])] == ["AccessDenied"]
    time.sleep(3.5)
    done = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": [{"Key": "k", "VersionId": version}]})
    assert done.get("Errors", []) == []
    assert [(d["Key"], d.get("VersionId")) for d in done["Deleted"]] == [("k", version)]
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k", VersionId=version)) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html")
def test_retention_and_legal_hold_of_a_noncurrent_version(s3: Any, lock_bucket: str) -> None:
    """API_PutObjectRetention.html / API_PutObjectLegalHold.html versionId: "The version ID of the object
    that you want to apply this Object Lock retention (legal hold) to" — any version, also one a newer
    version or a delete marker covers; the current version is untouched, and the noncurrent one is then
    protected (a delete by id is 403 AccessDenied)."""
    old = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"old")["VersionId"]
    current = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"current")["VersionId"]
    until = soon(HOUR)
    s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=old, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until}
    )
    s3.delete_object(Bucket=lock_bucket, Key="k")  # a marker on top: the old version is two below it
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=old, LegalHold={"Status": "ON"})
    mode, got, hold = _lock_of(s3, lock_bucket, "k", old)
    assert (mode, hold) == ("GOVERNANCE", "ON") and _same_second(got, until)
    now_mode, now_until, now_hold = _lock_of(s3, lock_bucket, "k", current)
    assert (now_mode, now_until) == (None, None) and now_hold in (None, "OFF"), "the current version was locked"
    assert error_of(lambda: s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=old)) == (403, "AccessDenied")
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=old)["Body"].read() == b"old"


# -- retention changes and the bucket's state ------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_governance_retention_extended_without_bypass(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Retention periods): "You can extend a retention period after you've
    applied a retention setting to an object version ... Any user with permissions to place an object
    retention period can extend a retention period for an object version" — in governance mode too, no
    x-amz-bypass-governance-retention needed (only shortening or removing one needs it)."""
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(HOUR)
    )["VersionId"]
    later = soon(2 * HOUR)
    done = s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=version, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later}
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    mode, got, _ = _lock_of(s3, lock_bucket, "k", version)
    assert mode == "GOVERNANCE" and _same_second(got, later)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_governance_mode_changed_to_compliance_only_with_bypass(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Governance mode): "users can't overwrite or delete an object version or
    alter its lock settings unless they have special permissions"; a change of mode is such an
    alteration, so GOVERNANCE -> COMPLIANCE without x-amz-bypass-governance-retention is 403 AccessDenied
    and leaves the retention as it was, and with it the version is in COMPLIANCE mode (AWS's answer
    recorded in https://github.com/ceph/ceph/pull/42505)."""
    until = soon(COMPLIANCE_S)
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    stricter = {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    assert error_of(
        lambda: s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=version, Retention=stricter)
    ) == (403, "AccessDenied")
    assert _lock_of(s3, lock_bucket, "k", version)[0] == "GOVERNANCE"
    s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=version, Retention=stricter, BypassGovernanceRetention=True
    )
    mode, got, _ = _lock_of(s3, lock_bucket, "k", version)
    assert mode == "COMPLIANCE" and _same_second(got, until)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html")
def test_object_lock_on_a_suspended_bucket_is_409_invalid_bucket_state(raw: RawS3, s3: Any, bucket: str) -> None:
    """object-lock-configure.html: to enable Object Lock on an existing bucket "you must first enable
    versioning"; a suspended bucket does not have it enabled, so PutObjectLockConfiguration is 409
    InvalidBucketState (as for a bucket never versioned, ErrorResponses.html "The request is not valid
    with the current state of the bucket") and the bucket stays without Object Lock."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    try:
        body = (
            b'<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"
        )
        answer = raw.request(
            "PUT", "/" + bucket, [("object-lock", "")], headers={"content-md5": md5_b64(body)}, body=body
        )
        assert (answer.status, answer.code) == (409, "InvalidBucketState"), answer
        assert error_of(lambda: s3.get_object_lock_configuration(Bucket=bucket)) == (
            404,
            "ObjectLockConfigurationNotFoundError",
        )
        assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Suspended"
    finally:
        purge_versions(s3, bucket, locked=False)
