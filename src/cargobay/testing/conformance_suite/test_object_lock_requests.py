"""Object Lock, second pass: lock headers on GET by versionId, turning Object Lock on for an existing
versioned bucket, malformed retention and legal-hold documents, their digest, a delete marker or an
undecodable version id named by them, and DeleteObjects with the governance bypass.

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/): API_PutObjectRetention.html,
API_PutObjectLegalHold.html, API_PutObjectLockConfiguration.html, API_GetObject.html,
API_DeleteObjects.html, https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.conformance_suite._versions import purge_versions, soon

pytestmark = [
    pytest.mark.s3_requires("versioning", "object_lock"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"),
]

HOUR = 3600
_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _put_sub(raw: RawS3, bucket: str, key: str, sub: str, body: bytes, version: str | None = None) -> Any:
    params = [(sub, ""), *([("versionId", version)] if version else [])]
    return raw.request("PUT", key_path(bucket, key), params, headers={"content-md5": md5_b64(body)}, body=body)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_get_by_version_id_returns_that_versions_lock_headers(s3: Any, lock_bucket: str) -> None:
    """API_GetObject.html response headers x-amz-object-lock-mode, x-amz-object-lock-retain-until-date and
    x-amz-object-lock-legal-hold describe the version returned, not the latest one."""
    until = soon(HOUR)
    old = s3.put_object(
        Bucket=lock_bucket,
        Key="k",
        Body=b"old",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )["VersionId"]
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"new")
    got = s3.get_object(Bucket=lock_bucket, Key="k", VersionId=old)
    assert got["Body"].read() == b"old"
    assert got.get("ObjectLockMode") == "GOVERNANCE" and got.get("ObjectLockLegalHoldStatus") == "ON"
    assert abs((got["ObjectLockRetainUntilDate"] - until).total_seconds()) < 1
    latest = s3.get_object(Bucket=lock_bucket, Key="k")
    latest["Body"].read()
    assert header(latest, "x-amz-object-lock-mode") is None
    assert header(latest, "x-amz-object-lock-legal-hold") in (None, "OFF")
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=old, LegalHold={"Status": "OFF"})


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html")
def test_object_lock_can_be_enabled_on_an_existing_versioned_bucket(s3: Any, bucket: str) -> None:
    """object-lock-configure.html: "you can enable Object Lock for an existing bucket" once versioning is
    enabled (PutObjectLockConfiguration with ObjectLockEnabled); after that versions can be locked and
    versioning cannot be suspended (409 InvalidBucketState)."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    try:
        done = s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
        assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
        config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        assert config.get("ObjectLockEnabled") == "Enabled"
        version = s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
        assert s3.get_object_legal_hold(Bucket=bucket, Key="k", VersionId=version)["LegalHold"]["Status"] == "ON"
        assert error_of(
            lambda: s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        ) == (409, "InvalidBucketState")
    finally:
        purge_versions(s3, bucket, locked=True)


_FUTURE = "2099-01-01T00:00:00.000Z"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectLockRetention.html")
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<Retention",
        f"<Retention {_NS}><Mode>FOREVER</Mode><RetainUntilDate>{_FUTURE}</RetainUntilDate></Retention>".encode(),
        f"<Retention {_NS}><Mode>GOVERNANCE</Mode><RetainUntilDate>tomorrow</RetainUntilDate></Retention>".encode(),
        f"<Retention {_NS}><Mode>GOVERNANCE</Mode></Retention>".encode(),
        f"<Retention {_NS}><RetainUntilDate>{_FUTURE}</RetainUntilDate></Retention>".encode(),
        f"<LegalHold {_NS}><Status>ON</Status></LegalHold>".encode(),
    ],
    ids=["empty", "unclosed", "bad-mode", "bad-date", "no-date", "no-mode", "wrong-root"],
)
def test_put_object_retention_malformed_is_400_malformed_xml(
    raw: RawS3, s3: Any, lock_bucket: str, body: bytes
) -> None:
    """API_ObjectLockRetention.html: Mode "GOVERNANCE | COMPLIANCE", RetainUntilDate a timestamp; a
    document that is not one (or not XML) is 400 MalformedXML and the version keeps no retention."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    answer = _put_sub(raw, lock_bucket, "k", "retention", body, version)
    assert (answer.status, answer.code) in {(400, "MalformedXML"), (400, "InvalidArgument")}, answer
    assert s3.head_object(Bucket=lock_bucket, Key="k", VersionId=version).get("ObjectLockMode") is None


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectLockLegalHold.html")
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<LegalHold",
        f"<LegalHold {_NS}><Status>MAYBE</Status></LegalHold>".encode(),
        f"<LegalHold {_NS}><Status>on</Status></LegalHold>".encode(),
    ],
    ids=["empty", "unclosed", "bad-status", "lower-case"],
)
def test_put_object_legal_hold_malformed_is_400_malformed_xml(
    raw: RawS3, s3: Any, lock_bucket: str, body: bytes
) -> None:
    """API_ObjectLockLegalHold.html: Status "Valid Values: ON | OFF"; anything else is 400 MalformedXML."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    answer = _put_sub(raw, lock_bucket, "k", "legal-hold", body, version)
    refused(answer, 400, "MalformedXML", accepted="a malformed legal hold accepted")
    assert s3.head_object(Bucket=lock_bucket, Key="k", VersionId=version).get("ObjectLockLegalHoldStatus") in (
        None,
        "OFF",
    )


def test_lock_documents_with_a_wrong_content_md5_are_400_bad_digest(raw: RawS3, s3: Any, lock_bucket: str) -> None:
    """API_PutObjectRetention.html, API_PutObjectLegalHold.html, API_PutObjectLockConfiguration.html
    Content-MD5: "The MD5 hash for the request body"; one that does not match is BadDigest and nothing
    changes."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    retention = f"<Retention {_NS}><Mode>GOVERNANCE</Mode><RetainUntilDate>{_date(soon(HOUR))}</RetainUntilDate>"
    path = key_path(lock_bucket, "k")
    refuses_a_wrong_digest(
        raw, path, [("retention", ""), ("versionId", version)], (retention + "</Retention>").encode(), "retention"
    )
    hold = f"<LegalHold {_NS}><Status>ON</Status></LegalHold>".encode()
    refuses_a_wrong_digest(raw, path, [("legal-hold", ""), ("versionId", version)], hold, "legal hold")
    config = (
        f"<ObjectLockConfiguration {_NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
        "<Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>"
    ).encode()
    refuses_a_wrong_digest(raw, "/" + lock_bucket, [("object-lock", "")], config, "Object Lock configuration")
    head = s3.head_object(Bucket=lock_bucket, Key="k", VersionId=version)
    assert head.get("ObjectLockMode") is None and head.get("ObjectLockLegalHoldStatus") in (None, "OFF")
    assert "Rule" not in s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html")
@pytest.mark.parametrize("operation", ["put-retention", "get-retention", "put-legal-hold", "get-legal-hold"])
def test_lock_settings_of_a_delete_marker_by_version_id_are_405(s3: Any, lock_bucket: str, operation: str) -> None:
    """DeleteMarker.html: a delete marker has no data; a request other than DELETE naming it by versionId
    is 405 MethodNotAllowed (as GET and HEAD are, API_GetObject.html)."""
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=lock_bucket, Key="k")["VersionId"]
    where = {"Bucket": lock_bucket, "Key": "k", "VersionId": marker}
    calls: dict[str, Callable[[], Any]] = {
        "put-retention": lambda: s3.put_object_retention(
            **where, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": soon(HOUR)}
        ),
        "get-retention": lambda: s3.get_object_retention(**where),
        "put-legal-hold": lambda: s3.put_object_legal_hold(**where, LegalHold={"Status": "ON"}),
        "get-legal-hold": lambda: s3.get_object_legal_hold(**where),
    }
    assert error_of(calls[operation]) == (405, "MethodNotAllowed")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_an_undecodable_version_id_gets_one_answer_from_every_lock_operation(s3: Any, lock_bucket: str) -> None:
    """ErrorResponses.html: a version id the server cannot decode is 400 InvalidArgument ("Invalid version
    id specified"), one that names no version 404 NoSuchVersion. Which one a given string gets depends on
    the server's id format, but it is a property of the id: GetObject, Get/PutObjectRetention and
    Get/PutObjectLegalHold answer the same for the same id."""
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    for version in ("not-a-version-id", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"):
        where = {"Bucket": lock_bucket, "Key": "k", "VersionId": version}
        answers = {
            "GetObject": error_of(lambda: s3.get_object(**where)),  # noqa: B023
            "GetObjectRetention": error_of(lambda: s3.get_object_retention(**where)),  # noqa: B023
            "PutObjectRetention": error_of(
                lambda: s3.put_object_retention(
                    **where,  # noqa: B023
                    Retention={"Mode": "GOVERNANCE", "RetainUntilDate": soon(HOUR)},
                )
            ),
            "GetObjectLegalHold": error_of(lambda: s3.get_object_legal_hold(**where)),  # noqa: B023
            "PutObjectLegalHold": error_of(
                lambda: s3.put_object_legal_hold(**where, LegalHold={"Status": "ON"})  # noqa: B023
            ),
        }
        assert answers["GetObject"] in {(400, "InvalidArgument"), (404, "NoSuchVersion")}, (version, answers)
        assert set(answers.values()) == {answers["GetObject"]}, (version, answers)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_with_bypass_removes_governance_locked_versions(s3: Any, lock_bucket: str) -> None:
    """API_DeleteObjects.html x-amz-bypass-governance-retention: "Specifies whether you want to delete this
    object even if it has a Governance-type Object Lock in place"; without it each locked version is an
    Error with Code AccessDenied, with it the versions are Deleted."""
    locked = [
        s3.put_object(
            Bucket=lock_bucket, Key=k, Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(HOUR)
        )["VersionId"]
        for k in ("a", "b")
    ]
    objects = {"Objects": [{"Key": k, "VersionId": v} for k, v in zip(("a", "b"), locked, strict=True)]}
    refused_all = s3.delete_objects(Bucket=lock_bucket, Delete=objects)
    assert {(e["Key"], e.get("VersionId"), e["Code"]) for e in refused_all.get("Errors", [])} == {
        ("a", locked[0], "AccessDenied"),
        ("b", locked[1], "AccessDenied"),
    }
    assert refused_all.get("Deleted", []) == []
    done = s3.delete_objects(Bucket=lock_bucket, Delete=objects, BypassGovernanceRetention=True)
    assert done.get("Errors", []) == []
    assert sorted((d["Key"], d.get("VersionId")) for d in done["Deleted"]) == [("a", locked[0]), ("b", locked[1])]
    for key, version in zip(("a", "b"), locked, strict=True):
        assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key=key, VersionId=version)) == (404, None)  # noqa: B023


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLegalHold.html")
def test_legal_hold_named_at_write_is_answered_and_a_copy_starts_without(s3: Any, lock_bucket: str) -> None:
    """A hold named by the write's own x-amz-object-lock-legal-hold (ON or OFF) is the version's
    configuration; a copy or a version written without the header has none (404), whatever the
    source had (API_CopyObject.html: the lock headers of the request, not of the source)."""
    s3.put_object(Bucket=lock_bucket, Key="off", Body=b"x", ObjectLockLegalHoldStatus="OFF", ContentMD5=md5_b64(b"x"))
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="off")["LegalHold"]["Status"] == "OFF"
    s3.put_object(Bucket=lock_bucket, Key="on", Body=b"x", ObjectLockLegalHoldStatus="ON", ContentMD5=md5_b64(b"x"))
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="on")["LegalHold"]["Status"] == "ON"
    s3.copy_object(Bucket=lock_bucket, Key="copy", CopySource={"Bucket": lock_bucket, "Key": "on"})
    assert error_of(lambda: s3.get_object_legal_hold(Bucket=lock_bucket, Key="copy")) == (
        404,
        "NoSuchObjectLockConfiguration",
    )
    version = s3.head_object(Bucket=lock_bucket, Key="on")["VersionId"]
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="on", VersionId=version, LegalHold={"Status": "OFF"})
