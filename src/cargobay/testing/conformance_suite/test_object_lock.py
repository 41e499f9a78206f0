"""S3 Object Lock: CreateBucket with Object Lock, Get/PutObjectLockConfiguration, object retention
and legal hold, the x-amz-object-lock-* headers on PutObject / CopyObject / CreateMultipartUpload,
default retention, and what a lock refuses (permanent deletes, shortening a COMPLIANCE retention),
also inside DeleteObjects.

Expected values are literals from the AWS S3 API reference and user guide, cited per test:
``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ (object-lock.html, object-lock-overview.html,
object-lock-managing.html).

Cleanup: GOVERNANCE retentions are removed with the bypass header; COMPLIANCE retentions in these
tests end :data:`~._versions.COMPLIANCE_S` seconds after they are set, and the ``lock_bucket``
fixture waits them out (bounded; a lock that never expires is reported as leaked).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3, md5_b64
from cargobay.testing.conformance_suite._versions import COMPLIANCE_S, soon
from cargobay.testing.normalize import status_and_code

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("versioning", "object_lock"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"),
]

HOUR = 3600


def _lock_body(inner: str) -> bytes:
    return (
        f'<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</ObjectLockConfiguration>'
    ).encode()


def _put_lock_config(raw: RawS3, bucket: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [("object-lock", "")], headers={"content-md5": md5_b64(body)}, body=body)


def _same_second(got: datetime | None, expected: datetime) -> bool:
    return got is not None and abs((got - expected).total_seconds()) < 1


def _lock_of(s3: Any, bucket: str, key: str, version: str | None) -> tuple[str | None, datetime | None, str | None]:
    """(mode, retain-until, legal hold) of a version as HeadObject reports them (API_HeadObject.html:
    x-amz-object-lock-mode, x-amz-object-lock-retain-until-date, x-amz-object-lock-legal-hold)."""
    head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
    return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate"), head.get("ObjectLockLegalHoldStatus")


# -- bucket configuration ---------------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html")
def test_create_bucket_with_object_lock_enables_versioning(s3: Any, lock_bucket: str) -> None:
    """API_CreateBucket.html x-amz-bucket-object-lock-enabled; object-lock.html: "When you create a bucket
    with Object Lock enabled, Amazon S3 automatically enables versioning for the bucket";
    API_GetObjectLockConfiguration.html: ObjectLockEnabled "Enabled", no Rule until one is put."""
    assert s3.get_bucket_versioning(Bucket=lock_bucket).get("Status") == "Enabled"
    config = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert config.get("ObjectLockEnabled") == "Enabled"
    assert "Rule" not in config


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html")
def test_get_object_lock_configuration_without_lock_is_404(s3: Any, bucket: str) -> None:
    """ErrorResponses.html: ObjectLockConfigurationNotFoundError (404) "Object Lock configuration does
    not exist for this bucket"."""
    assert error_of(lambda: s3.get_object_lock_configuration(Bucket=bucket)) == (
        404,
        "ObjectLockConfigurationNotFoundError",
    )


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLockConfiguration.html")
def test_put_object_lock_configuration_default_retention_round_trip(s3: Any, lock_bucket: str) -> None:
    """API_PutObjectLockConfiguration.html / API_DefaultRetention.html."""
    for rule in ({"Mode": "GOVERNANCE", "Days": 1}, {"Mode": "COMPLIANCE", "Years": 1}):
        done = s3.put_object_lock_configuration(
            Bucket=lock_bucket,
            ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": rule}},
        )
        assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
        config = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
        assert config == {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": rule}}
    s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert "Rule" not in s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]


_SCHEMA = {(400, "MalformedXML")}
_EITHER = {(400, "MalformedXML"), (400, "InvalidArgument")}  # AWS documents no code for these


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DefaultRetention.html")
@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>"
            "<Days>1</Days><Years>1</Years></DefaultRetention></Rule>",
            _SCHEMA,
        ),
        (
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>"
            "<Days>0</Days></DefaultRetention></Rule>",
            {(400, "InvalidArgument")},
        ),
        (
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>"
            "<Days>-1</Days></DefaultRetention></Rule>",
            {(400, "InvalidArgument")},
        ),
        (
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>FOREVER</Mode>"
            "<Days>1</Days></DefaultRetention></Rule>",
            _EITHER,
        ),
        (
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Days>1</Days></DefaultRetention></Rule>",
            _EITHER,
        ),
        (
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>"
            "</DefaultRetention></Rule>",
            _EITHER,
        ),
        ("<ObjectLockEnabled>Disabled</ObjectLockEnabled>", _EITHER),
        ("<ObjectLockEnabled>Enabled", _SCHEMA),
    ],
    ids=["days-and-years", "zero-days", "negative-days", "bad-mode", "no-mode", "no-period", "disabled", "unclosed"],
)
def test_put_object_lock_configuration_invalid_is_400(
    raw: RawS3, s3: Any, lock_bucket: str, inner: str, expected: set[tuple[int, str]]
) -> None:
    """API_DefaultRetention.html: "The DefaultRetention settings require both a mode and a period ... you
    must select one. You cannot specify Days and Years at the same time"; Mode "GOVERNANCE | COMPLIANCE";
    ObjectLockEnabled "Valid Values: Enabled". Schema violations are MalformedXML, a period that is not a
    positive integer is InvalidArgument ("Default retention period must be a positive integer value")."""
    answer = _put_lock_config(raw, lock_bucket, _lock_body(inner))
    assert (answer.status, answer.code) in expected, answer
    assert "Rule" not in s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html")
def test_put_object_lock_configuration_on_unversioned_bucket_is_409_invalid_bucket_state(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """object-lock-configure.html: "you must first enable versioning on the bucket and then enable Object
    Lock"; ErrorResponses.html InvalidBucketState (409) "The request is not valid with the current state
    of the bucket". AWS's answer recorded in https://github.com/storj/edge/issues/509 (2024-10):
    "HTTP 409: InvalidBucketState"."""
    answer = _put_lock_config(raw, bucket, _lock_body("<ObjectLockEnabled>Enabled</ObjectLockEnabled>"))
    assert (answer.status, answer.code) == (409, "InvalidBucketState"), answer
    assert error_of(lambda: s3.get_object_lock_configuration(Bucket=bucket)) == (
        404,
        "ObjectLockConfigurationNotFoundError",
    )


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html")
def test_suspending_versioning_of_a_lock_bucket_is_409_invalid_bucket_state(s3: Any, lock_bucket: str) -> None:
    """object-lock-configure.html: "After you enable Object Lock on a bucket, you can't disable Object Lock
    or suspend versioning for that bucket"; AWS answers 409 InvalidBucketState "An Object Lock
    configuration is present on this bucket, so the versioning state cannot be changed" (recorded in
    https://github.com/aws-controllers-k8s/community/issues/1872, 2023-08)."""
    assert error_of(
        lambda: s3.put_bucket_versioning(Bucket=lock_bucket, VersioningConfiguration={"Status": "Suspended"})
    ) == (409, "InvalidBucketState")
    assert s3.get_bucket_versioning(Bucket=lock_bucket).get("Status") == "Enabled"


# -- retention and legal hold on a version ------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html")
def test_object_retention_put_and_get(s3: Any, lock_bucket: str) -> None:
    """API_PutObjectRetention.html / API_GetObjectRetention.html; HeadObject returns
    x-amz-object-lock-mode and x-amz-object-lock-retain-until-date (API_HeadObject.html)."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    until = soon(HOUR)
    done = s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=version, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until}
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object_retention(Bucket=lock_bucket, Key="k", VersionId=version)["Retention"]
    assert got["Mode"] == "GOVERNANCE" and _same_second(got["RetainUntilDate"], until)
    head = s3.head_object(Bucket=lock_bucket, Key="k", VersionId=version)
    assert head.get("ObjectLockMode") == "GOVERNANCE" and _same_second(head["ObjectLockRetainUntilDate"], until)
    assert s3.get_object(Bucket=lock_bucket, Key="k")["Body"].read() == b"x", "retention changed the bytes"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectRetention.html")
def test_object_retention_without_one_is_404_no_such_object_lock_configuration(s3: Any, lock_bucket: str) -> None:
    """ErrorResponses.html: NoSuchObjectLockConfiguration (404) "The specified object does not have an
    ObjectLock configuration"."""
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    assert error_of(lambda: s3.get_object_retention(Bucket=lock_bucket, Key="k")) == (
        404,
        "NoSuchObjectLockConfiguration",
    )


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html")
def test_object_retention_on_a_bucket_without_lock_is_400_invalid_request(s3: Any, versioned_bucket: str) -> None:
    """AWS: 400 InvalidRequest "Bucket is missing Object Lock Configuration" for retention, legal hold
    and lock headers on a bucket without Object Lock (object-lock-managing.html)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": soon(HOUR)}
    assert error_of(lambda: s3.put_object_retention(Bucket=versioned_bucket, Key="k", Retention=retention)) == (
        400,
        "InvalidRequest",
    )
    assert error_of(lambda: s3.put_object_legal_hold(Bucket=versioned_bucket, Key="k", LegalHold={"Status": "ON"})) == (
        400,
        "InvalidRequest",
    )
    assert error_of(
        lambda: s3.put_object(
            Bucket=versioned_bucket,
            Key="l",
            Body=b"x",
            ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=soon(HOUR),
        )
    ) == (400, "InvalidRequest")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectRetention.html")
def test_get_object_retention_on_a_bucket_without_lock_is_400_invalid_request(s3: Any, versioned_bucket: str) -> None:
    """Same rule for reading: 400 InvalidRequest "Bucket is missing Object Lock Configuration"."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    assert error_of(lambda: s3.get_object_retention(Bucket=versioned_bucket, Key="k")) == (400, "InvalidRequest")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html")
def test_object_retention_in_the_past_is_400_invalid_argument(s3: Any, lock_bucket: str) -> None:
    """AWS: 400 InvalidArgument "The retain until date must be in the future!" (object-lock-overview.html:
    a retention period protects an object version until its retain-until date)."""
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    past = datetime.now(UTC) - timedelta(days=1)
    assert error_of(
        lambda: s3.put_object_retention(
            Bucket=lock_bucket, Key="k", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": past}
        )
    ) == (400, "InvalidArgument")
    assert error_of(
        lambda: s3.put_object(
            Bucket=lock_bucket, Key="p", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=past
        )
    ) == (400, "InvalidArgument")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLegalHold.html")
def test_legal_hold_put_and_get(s3: Any, lock_bucket: str) -> None:
    """API_PutObjectLegalHold.html / API_GetObjectLegalHold.html; HeadObject returns
    x-amz-object-lock-legal-hold. A version that never had a hold has no legal-hold configuration:
    AWS answers 404 NoSuchObjectLockConfiguration, as for a version without retention (observed on
    AWS in versity/versitygw#883: "the correct error when object lock is enabled but the object
    doesn't have a lock config"); once a hold was set, ON or OFF, its status is answered."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    assert error_of(lambda: s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")) == (
        404,
        "NoSuchObjectLockConfiguration",
    )
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version, LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version)["LegalHold"]["Status"] == "ON"
    assert s3.head_object(Bucket=lock_bucket, Key="k").get("ObjectLockLegalHoldStatus") == "ON"
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version)["LegalHold"]["Status"] == "OFF"


# -- lock headers on writes -------------------------------------------------------------------------
# API_PutObject.html / API_CopyObject.html / API_CreateMultipartUpload.html: x-amz-object-lock-mode,
# x-amz-object-lock-retain-until-date, x-amz-object-lock-legal-hold.


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_object_with_lock_headers(s3: Any, lock_bucket: str) -> None:
    until = soon(HOUR)
    version = s3.put_object(
        Bucket=lock_bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )["VersionId"]
    head = s3.head_object(Bucket=lock_bucket, Key="k", VersionId=version)
    assert header(head, "x-amz-object-lock-mode") == "GOVERNANCE"
    assert header(head, "x-amz-object-lock-legal-hold") == "ON"
    assert _same_second(head.get("ObjectLockRetainUntilDate"), until)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_put_object_lock_mode_without_date_is_400_invalid_argument(s3: Any, lock_bucket: str) -> None:
    """AWS: 400 InvalidArgument "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both
    be supplied" (API_PutObject.html: the two headers go together)."""
    assert error_of(lambda: s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE")) == (
        400,
        "InvalidArgument",
    )
    assert error_of(
        lambda: s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockRetainUntilDate=soon(HOUR))
    ) == (400, "InvalidArgument")
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k")) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_object_with_lock_headers(s3: Any, lock_bucket: str) -> None:
    s3.put_object(Bucket=lock_bucket, Key="src", Body=b"x")
    until = soon(HOUR)
    copied = s3.copy_object(
        Bucket=lock_bucket,
        Key="dst",
        CopySource={"Bucket": lock_bucket, "Key": "src"},
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
    )
    mode, got, _ = _lock_of(s3, lock_bucket, "dst", header(copied, "x-amz-version-id"))
    assert mode == "GOVERNANCE" and _same_second(got, until)
    assert _lock_of(s3, lock_bucket, "src", None)[:2] == (None, None), "the copy locked its source"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
@pytest.mark.s3_requires("multipart")
def test_multipart_upload_with_lock_headers(s3: Any, lock_bucket: str) -> None:
    until = soon(HOUR)
    upload = s3.create_multipart_upload(
        Bucket=lock_bucket,
        Key="m",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )["UploadId"]
    part = s3.upload_part(Bucket=lock_bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"x")
    done = s3.complete_multipart_upload(
        Bucket=lock_bucket,
        Key="m",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    mode, got, hold = _lock_of(s3, lock_bucket, "m", done.get("VersionId"))
    assert mode == "GOVERNANCE" and _same_second(got, until) and hold == "ON"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_default_retention_applies_to_new_versions(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html "Bucket configuration": a default retention applies to every new
    object version placed without explicit lock settings: retain-until = write time + the period."""
    s3.put_object_lock_configuration(
        Bucket=lock_bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    before = datetime.now(UTC)
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    after = datetime.now(UTC)
    mode, until, _ = _lock_of(s3, lock_bucket, "k", version)
    assert mode == "GOVERNANCE" and until is not None, "no default retention on a new version"
    # the server's clock decides; allow a minute of skew either way
    assert before + timedelta(days=1, minutes=-1) <= until <= after + timedelta(days=1, minutes=1)
    explicit = soon(HOUR)
    other = s3.put_object(
        Bucket=lock_bucket, Key="e", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=explicit
    )["VersionId"]
    assert _same_second(_lock_of(s3, lock_bucket, "e", other)[1], explicit), (
        "the default overrode the request's own retention"
    )


# -- what a lock refuses ------------------------------------------------------------------------------
# object-lock-overview.html: governance mode "users can't overwrite or delete an object version or
# alter its lock settings unless they have special permissions" (s3:BypassGovernanceRetention plus
# x-amz-bypass-governance-retention: true); compliance mode "a protected object version can't be
# overwritten or deleted by any user"; "its retention mode can't be changed, and its retention period
# can't be shortened"; a legal hold "prevents an object version from being overwritten or deleted".
# AWS refuses with 403 AccessDenied.


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_governance_locked_version_delete_is_403_without_bypass(s3: Any, lock_bucket: str) -> None:
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(HOUR)
    )["VersionId"]
    assert error_of(lambda: s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=version)) == (403, "AccessDenied")
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=version)["Body"].read() == b"x"
    done = s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=version, BypassGovernanceRetention=True)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_object(Bucket=lock_bucket, Key="k", VersionId=version)) == (404, "NoSuchVersion")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_delete_without_version_id_of_a_locked_object_adds_a_marker(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html: "Object Lock ... protects object versions"; a simple DELETE only places
    a delete marker, which is allowed, and the locked version stays."""
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(HOUR)
    )["VersionId"]
    gone = s3.delete_object(Bucket=lock_bucket, Key="k")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204 and header(gone, "x-amz-delete-marker") == "true"
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=version)["Body"].read() == b"x"


def _outcome(call: Any) -> tuple[int, str | None]:
    """(status, code) of a boto3 call, successful or not."""
    from botocore.exceptions import ClientError

    try:
        result = call()
    except ClientError as exc:
        return status_and_code(exc)
    return int(result["ResponseMetadata"]["HTTPStatusCode"]), None


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_compliance_locked_version_cannot_be_deleted_even_with_bypass(s3: Any, lock_bucket: str) -> None:
    version = s3.put_object(
        Bucket=lock_bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=soon(COMPLIANCE_S),
    )["VersionId"]
    for extra in ({}, {"BypassGovernanceRetention": True}):
        got = _outcome(lambda: s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=version, **extra))  # noqa: B023
        assert got == (403, "AccessDenied"), f"a COMPLIANCE-locked version was deleted ({extra}): answered {got}"
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=version)["Body"].read() == b"x"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_compliance_retention_can_be_extended_but_not_shortened_or_changed(s3: Any, lock_bucket: str) -> None:
    until = soon(COMPLIANCE_S)
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    for bypass in (False, True):
        extra = {"BypassGovernanceRetention": True} if bypass else {}
        assert error_of(
            lambda: s3.put_object_retention(
                Bucket=lock_bucket,
                Key="k",
                VersionId=version,
                **extra,  # noqa: B023
                Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until - timedelta(seconds=1)},
            )
        ) == (403, "AccessDenied"), f"a COMPLIANCE retention was shortened (bypass={bypass})"
        assert error_of(
            lambda: s3.put_object_retention(
                Bucket=lock_bucket,
                Key="k",
                VersionId=version,
                **extra,  # noqa: B023
                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until},
            )
        ) == (403, "AccessDenied"), f"a COMPLIANCE retention became GOVERNANCE (bypass={bypass})"
    later = until + timedelta(seconds=1)
    s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=version, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later}
    )
    mode, got, _ = _lock_of(s3, lock_bucket, "k", version)
    assert mode == "COMPLIANCE" and _same_second(got, later)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_governance_retention_shortened_only_with_bypass(s3: Any, lock_bucket: str) -> None:
    until = soon(2 * HOUR)
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": soon(HOUR)}
    assert error_of(
        lambda: s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=version, Retention=shorter)
    ) == (403, "AccessDenied")
    assert _same_second(_lock_of(s3, lock_bucket, "k", version)[1], until), "a refused change altered the retention"
    s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=version, Retention=shorter, BypassGovernanceRetention=True
    )
    assert _same_second(_lock_of(s3, lock_bucket, "k", version)[1], shorter["RetainUntilDate"])  # type: ignore[arg-type]


@pytest.mark.s3_requires("acl", "multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html")
def test_governance_bypass_needs_the_bypass_permission(s3_endpoint: S3Target, s3: Any, lock_bucket: str) -> None:
    """object-lock-managing.html (Bypassing governance mode): "You must have the
    s3:BypassGovernanceRetention permission" and send x-amz-bypass-governance-retention: true, both;
    the header alone, from a caller a bucket policy lets delete versions, is refused with 403
    AccessDenied. The grantee is named by canonical id (bucket-policies.html), so the policy is not
    public and a public access block does not stand in the way."""
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    locked = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(2 * HOUR)
    )["VersionId"]
    free = s3.put_object(Bucket=lock_bucket, Key="free", Body=b"y")["VersionId"]

    def grant(*actions: str) -> None:
        s3.put_bucket_policy(
            Bucket=lock_bucket,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"CanonicalUser": alt_id},
                            "Action": list(actions),
                            "Resource": f"arn:aws:s3:::{lock_bucket}/*",
                        }
                    ],
                }
            ),
        )

    grant("s3:DeleteObjectVersion", "s3:PutObjectRetention")
    done = alt.delete_object(Bucket=lock_bucket, Key="free", VersionId=free)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 204, "the policy did not let the second user delete"
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": soon(HOUR)}
    assert error_of(
        lambda: alt.put_object_retention(
            Bucket=lock_bucket, Key="k", VersionId=locked, Retention=shorter, BypassGovernanceRetention=True
        )
    ) == (403, "AccessDenied")
    assert error_of(
        lambda: alt.delete_object(Bucket=lock_bucket, Key="k", VersionId=locked, BypassGovernanceRetention=True)
    ) == (403, "AccessDenied")
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=locked)["Body"].read() == b"x"

    grant("s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention")
    alt.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=locked, Retention=shorter, BypassGovernanceRetention=True
    )
    assert _same_second(_lock_of(s3, lock_bucket, "k", locked)[1], shorter["RetainUntilDate"])  # type: ignore[arg-type]
    done = alt.delete_object(Bucket=lock_bucket, Key="k", VersionId=locked, BypassGovernanceRetention=True)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_object(Bucket=lock_bucket, Key="k", VersionId=locked)) == (404, "NoSuchVersion")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html")
def test_legal_hold_blocks_delete_even_with_bypass(s3: Any, lock_bucket: str) -> None:
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    for bypass in (False, True):
        extra = {"BypassGovernanceRetention": True} if bypass else {}
        assert error_of(lambda: s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=version, **extra)) == (  # noqa: B023
            403,
            "AccessDenied",
        )
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version, LegalHold={"Status": "OFF"})
    assert s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=version)["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_reports_locked_versions_per_key(s3: Any, lock_bucket: str) -> None:
    """API_DeleteObjects.html: each key that cannot be deleted is an <Error> with Key, VersionId and Code
    (AccessDenied for a locked version); the others are deleted."""
    locked = s3.put_object(
        Bucket=lock_bucket,
        Key="locked",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=soon(COMPLIANCE_S),
    )["VersionId"]
    held = s3.put_object(Bucket=lock_bucket, Key="held", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    free = s3.put_object(Bucket=lock_bucket, Key="free", Body=b"x")["VersionId"]
    done = s3.delete_objects(
        Bucket=lock_bucket,
        BypassGovernanceRetention=True,
        Delete={
            "Objects": [
                {"Key": "locked", "VersionId": locked},
                {"Key": "held", "VersionId": held},
                {"Key": "free", "VersionId": free},
            ]
        },
    )
    errors = {(e["Key"], e.get("VersionId"), e["Code"]) for e in done.get("Errors", [])}
    assert errors == {("locked", locked, "AccessDenied"), ("held", held, "AccessDenied")}, done.get("Errors")
    assert [(d["Key"], d.get("VersionId")) for d in done.get("Deleted", [])] == [("free", free)]
    assert s3.get_object(Bucket=lock_bucket, Key="locked", VersionId=locked)["Body"].read() == b"x"
    assert s3.get_object(Bucket=lock_bucket, Key="held", VersionId=held)["Body"].read() == b"x"
