"""Object Lock, fourth pass: the retention limits a bucket policy sets (s3:object-lock-remaining-retention-days),
removing a retention with an empty document, a legal hold on a COMPLIANCE-locked version, an expired
retention, malformed x-amz-object-lock-* header values, lock requests naming a key that does not exist,
and CreateBucket asking for no Object Lock.

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/): object-lock-managing.html ("Setting retention
limits", "Bypassing governance mode"), object-lock-overview.html, amazon-s3-policy-keys.html,
API_PutObject.html, API_PutObjectRetention.html, API_PutObjectLegalHold.html, API_CreateBucket.html.
"""

from __future__ import annotations

import base64
import time
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.conformance_suite._policies import DENIED, deny, policy_in_place
from cargobay.testing.conformance_suite._versions import COMPLIANCE_S, soon

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("versioning", "object_lock"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"),
]

_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_HOUR = 3600
_DAY = 86400
_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _lock_of(s3: Any, bucket: str, key: str, version: str) -> tuple[str | None, datetime | None, str | None]:
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=version)
    return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate"), head.get("ObjectLockLegalHoldStatus")


def _retention(mode: str, seconds: float) -> dict[str, Any]:
    return {"Mode": mode, "RetainUntilDate": soon(seconds)}


# -- retention limits in a bucket policy ----------------------------------------------------------------
# object-lock-managing.html, "Setting retention limits": "You can set minimum and maximum allowable retention
# periods for a bucket using a bucket policy ... using the s3:object-lock-remaining-retention-days condition
# key"; its example denies s3:PutObjectRetention under NumericGreaterThan 10. The values below lie days away
# from each bound, so how a part of a day is counted does not decide any of them.

_AT_MOST_10_DAYS = {"NumericGreaterThan": {"s3:object-lock-remaining-retention-days": "10"}}
_AT_LEAST_2_DAYS = {"NumericLessThan": {"s3:object-lock-remaining-retention-days": "2"}}


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_GUIDE + "object-lock-managing.html", _GUIDE + "amazon-s3-policy-keys.html")
def test_remaining_retention_days_bound_put_object_retention(s3: Any, lock_bucket: str) -> None:
    """The guide's own policy (Deny s3:PutObjectRetention when s3:object-lock-remaining-retention-days is
    NumericGreaterThan 10) is accepted, and then a retention 20 days away is 403 AccessDenied and not set,
    while one 5 days away is set; with a minimum of 2 days, a retention an hour away is refused too."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    with policy_in_place(s3, lock_bucket, deny(lock_bucket, "s3:PutObjectRetention", _AT_MOST_10_DAYS)):
        too_long = _retention("GOVERNANCE", 20 * _DAY)
        assert (
            error_of(
                lambda: s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=version, Retention=too_long)
            )
            == DENIED
        )
        assert _lock_of(s3, lock_bucket, "k", version)[0] is None, "a refused retention was set"
        within = _retention("GOVERNANCE", 5 * _DAY)
        s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=version, Retention=within)
        assert _lock_of(s3, lock_bucket, "k", version)[0] == "GOVERNANCE"
    other = s3.put_object(Bucket=lock_bucket, Key="o", Body=b"x")["VersionId"]
    with policy_in_place(s3, lock_bucket, deny(lock_bucket, "s3:PutObjectRetention", _AT_LEAST_2_DAYS)):
        short = _retention("GOVERNANCE", _HOUR)
        assert (
            error_of(lambda: s3.put_object_retention(Bucket=lock_bucket, Key="o", VersionId=other, Retention=short))
            == DENIED
        )
        s3.put_object_retention(
            Bucket=lock_bucket, Key="o", VersionId=other, Retention=_retention("GOVERNANCE", 5 * _DAY)
        )
    assert _lock_of(s3, lock_bucket, "o", other)[0] == "GOVERNANCE"


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_GUIDE + "object-lock-managing.html", _GUIDE + "amazon-s3-policy-keys.html")
def test_remaining_retention_days_bound_the_lock_headers_of_put_object(s3: Any, lock_bucket: str) -> None:
    """s3:object-lock-remaining-retention-days is the retention a PutObject asks for in
    x-amz-object-lock-retain-until-date (amazon-s3-policy-keys.html lists it among PutObject's keys): a
    Deny of s3:PutObject above 10 days refuses a write locked for 20 days (nothing written) and lets one
    locked for 5 days through. A write naming no retention has no value for the key, so NumericGreaterThan
    does not hold and the write is allowed."""
    with policy_in_place(s3, lock_bucket, deny(lock_bucket, "s3:PutObject", _AT_MOST_10_DAYS)):
        assert (
            error_of(
                lambda: s3.put_object(
                    Bucket=lock_bucket,
                    Key="long",
                    Body=b"x",
                    ObjectLockMode="GOVERNANCE",
                    ObjectLockRetainUntilDate=soon(20 * _DAY),
                )
            )
            == DENIED
        )
        assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="long")) == (404, None)
        within = s3.put_object(
            Bucket=lock_bucket,
            Key="short",
            Body=b"x",
            ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=soon(_DAY),
        )
        assert _lock_of(s3, lock_bucket, "short", within["VersionId"])[0] == "GOVERNANCE"
        plain = s3.put_object(Bucket=lock_bucket, Key="plain", Body=b"x")
        assert plain["ResponseMetadata"]["HTTPStatusCode"] == 200


# -- the permissions a write's lock headers need -------------------------------------------------------------


def _default_governance_day(s3: Any, bucket: str) -> None:
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    s3.put_object_lock_configuration(
        Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule}
    )


def _locked_write(s3: Any, bucket: str, operation: str, lock: dict[str, Any]) -> Callable[[], Any]:
    """A PutObject, CopyObject or CreateMultipartUpload of key ``dst`` asking for ``lock``."""
    calls: dict[str, Callable[[], Any]] = {
        "put": lambda: s3.put_object(Bucket=bucket, Key="dst", Body=b"x", **lock),
        "copy": lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, **lock),
        "create-multipart": lambda: s3.create_multipart_upload(Bucket=bucket, Key="dst", **lock),
    }
    return calls[operation]


def _nothing_written(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="dst")) == (404, None)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.s3_requires("acl", "multipart")
@pytest.mark.aws_doc(_GUIDE + "object-lock-overview.html")
@pytest.mark.parametrize("operation", ["put", "copy", "create-multipart"])
def test_a_write_asking_for_a_retention_needs_s3_put_object_retention(
    s3: Any, lock_bucket: str, operation: str
) -> None:
    """object-lock-overview.html (Default retention settings), Tip: "If you want to enforce the bucket
    default retention mode and period for all new object versions placed in a bucket, set the bucket
    defaults and deny users permission to configure object retention settings. Amazon S3 then applies
    the default retention mode and period to new object versions placed in the bucket, and rejects any
    request to put an object that includes a retention mode and setting." So under a Deny of
    s3:PutObjectRetention a write with x-amz-object-lock-mode / -retain-until-date is 403 AccessDenied
    and writes nothing, and a write without them is stored with the default retention."""
    s3.put_object(Bucket=lock_bucket, Key="src", Body=b"x")
    _default_governance_day(s3, lock_bucket)
    lock = {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": soon(2 * _DAY)}
    with policy_in_place(s3, lock_bucket, deny(lock_bucket, "s3:PutObjectRetention")):
        assert error_of(_locked_write(s3, lock_bucket, operation, lock)) == DENIED
        _nothing_written(s3, lock_bucket)
        version = s3.put_object(Bucket=lock_bucket, Key="plain", Body=b"x")["VersionId"]
        mode, until, _ = _lock_of(s3, lock_bucket, "plain", version)
    assert mode == "GOVERNANCE" and until is not None, "the default retention was not applied"


@pytest.mark.s3_requires("acl", "multipart")
@pytest.mark.aws_doc(_GUIDE + "object-lock-overview.html")
@pytest.mark.parametrize("operation", ["put", "copy", "create-multipart"])
def test_a_write_placing_a_legal_hold_needs_s3_put_object_legal_hold(s3: Any, lock_bucket: str, operation: str) -> None:
    """object-lock-overview.html (Legal holds): "Legal holds can be freely placed and removed by any user
    who has the s3:PutObjectLegalHold permission" — also by a write's x-amz-object-lock-legal-hold, as a
    retention asked for in a write needs s3:PutObjectRetention. Under a Deny of s3:PutObjectLegalHold, a
    write placing a hold is 403 AccessDenied and writes nothing; a write without one is stored."""
    s3.put_object(Bucket=lock_bucket, Key="src", Body=b"x")
    with policy_in_place(s3, lock_bucket, deny(lock_bucket, "s3:PutObjectLegalHold")):
        assert error_of(_locked_write(s3, lock_bucket, operation, {"ObjectLockLegalHoldStatus": "ON"})) == DENIED
        _nothing_written(s3, lock_bucket)
        done = s3.put_object(Bucket=lock_bucket, Key="plain", Body=b"x")
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200


# -- removing a retention ------------------------------------------------------------------------------------


def _empty_retention(raw: RawS3, bucket: str, key: str, version: str, *, bypass: bool) -> Any:
    body = f"<Retention {_NS}/>".encode()
    headers = {"content-md5": md5_b64(body)}
    if bypass:
        headers["x-amz-bypass-governance-retention"] = "true"
    return raw.request(
        "PUT", key_path(bucket, key), [("retention", ""), ("versionId", version)], headers=headers, body=body
    )


@pytest.mark.aws_doc(_GUIDE + "object-lock-managing.html")
def test_an_empty_retention_removes_a_governance_retention_only_with_bypass(
    raw: RawS3, s3: Any, lock_bucket: str
) -> None:
    """object-lock-managing.html (Bypassing governance mode): with s3:BypassGovernanceRetention and
    x-amz-bypass-governance-retention: true one may remove "the Object Lock by placing a new lock with empty
    parameters". Without the header it is 403 AccessDenied and the retention stays; with it the version has
    no retention any more (GetObjectRetention 404 NoSuchObjectLockConfiguration, no lock headers) and can be
    deleted without bypass."""
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(_HOUR)
    )["VersionId"]
    refused(
        _empty_retention(raw, lock_bucket, "k", version, bypass=False),
        403,
        "AccessDenied",
        accepted="a GOVERNANCE retention removed without the bypass",
    )
    assert _lock_of(s3, lock_bucket, "k", version)[0] == "GOVERNANCE"
    removed = _empty_retention(raw, lock_bucket, "k", version, bypass=True)
    assert removed.status == 200, removed
    assert error_of(lambda: s3.get_object_retention(Bucket=lock_bucket, Key="k", VersionId=version)) == (
        404,
        "NoSuchObjectLockConfiguration",
    )
    assert _lock_of(s3, lock_bucket, "k", version)[:2] == (None, None)
    done = s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=version)
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.aws_doc(_GUIDE + "object-lock-overview.html")
def test_an_empty_retention_cannot_remove_a_compliance_retention(raw: RawS3, s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Compliance mode): "its retention mode can't be changed, and its retention
    period can't be shortened"; removing it is both, so it is 403 AccessDenied with or without the bypass."""
    until = soon(COMPLIANCE_S)
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    for bypass in (False, True):
        refused(
            _empty_retention(raw, lock_bucket, "k", version, bypass=bypass),
            403,
            "AccessDenied",
            accepted=f"a COMPLIANCE retention removed (bypass={bypass})",
        )
    assert _lock_of(s3, lock_bucket, "k", version)[0] == "COMPLIANCE"


@pytest.mark.s3_requires("acl", "multi_user", "delete_objects")
@pytest.mark.aws_doc(_GUIDE + "object-lock-managing.html", _API + "API_DeleteObjects.html")
def test_the_bypass_header_without_the_permission_changes_nothing(
    s3_endpoint: S3Target, s3: Any, lock_bucket: str
) -> None:
    """object-lock-managing.html (Bypassing governance mode): removing a GOVERNANCE retention ("placing a
    new lock with empty parameters") or deleting the version needs s3:BypassGovernanceRetention *and* the
    header. A second account a bucket policy lets delete versions and set retention, but not bypass, sends
    the header: the empty PutObjectRetention is 403 AccessDenied, and DeleteObjects reports the locked version as
    an AccessDenied <Error> while deleting the unlocked one (API_DeleteObjects.html). Granted
    s3:BypassGovernanceRetention, the same DeleteObjects deletes it."""
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    locked = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon(_HOUR)
    )["VersionId"]
    free = s3.put_object(Bucket=lock_bucket, Key="free", Body=b"y")["VersionId"]

    def grant(*actions: str) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Principal": {"CanonicalUser": alt_id},
            "Action": list(actions),
            "Resource": f"arn:aws:s3:::{lock_bucket}/*",
        }

    objects = {"Objects": [{"Key": "k", "VersionId": locked}, {"Key": "free", "VersionId": free}]}
    with policy_in_place(s3, lock_bucket, grant("s3:DeleteObjectVersion", "s3:PutObjectRetention")):
        # an empty Retention removes it (object-lock-managing.html); a server that wrongly allows
        # this leaves nothing locked behind, as a wrongly allowed change to COMPLIANCE would
        assert (
            error_of(
                lambda: alt.put_object_retention(
                    Bucket=lock_bucket, Key="k", VersionId=locked, Retention={}, BypassGovernanceRetention=True
                )
            )
            == DENIED
        )
        done = alt.delete_objects(Bucket=lock_bucket, Delete=objects, BypassGovernanceRetention=True)
        assert [(e["Key"], e.get("VersionId"), e["Code"]) for e in done.get("Errors", [])] == [
            ("k", locked, "AccessDenied")
        ]
        assert [(d["Key"], d.get("VersionId")) for d in done.get("Deleted", [])] == [("free", free)]
    assert _lock_of(s3, lock_bucket, "k", locked)[0] == "GOVERNANCE"
    with policy_in_place(
        s3, lock_bucket, grant("s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention")
    ):
        done = alt.delete_objects(
            Bucket=lock_bucket, Delete={"Objects": [{"Key": "k", "VersionId": locked}]}, BypassGovernanceRetention=True
        )
        assert done.get("Errors", []) == [] and [d.get("VersionId") for d in done["Deleted"]] == [locked]


# -- a legal hold and an expired retention ----------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_PutObjectLegalHold.html", _GUIDE + "object-lock-overview.html")
def test_a_legal_hold_is_placed_and_removed_on_a_compliance_locked_version(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Legal holds): "Legal holds are independent from retention periods" and
    "Placing a legal hold on an object version doesn't affect the retention mode or retention period"; a
    COMPLIANCE retention does not stop a hold being placed or removed (no bypass involved), and the
    retention stays as it was."""
    until = soon(COMPLIANCE_S)
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    for status in ("ON", "OFF"):
        done = s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version, LegalHold={"Status": status})
        assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
        got = s3.get_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version)["LegalHold"]["Status"]
        assert got == status
    mode, got_until, _ = _lock_of(s3, lock_bucket, "k", version)
    assert mode == "COMPLIANCE" and got_until is not None and abs((got_until - until).total_seconds()) < 1


@pytest.mark.aws_doc(_GUIDE + "object-lock-overview.html")
def test_an_expired_compliance_retention_can_be_replaced_without_bypass(s3: Any, lock_bucket: str) -> None:
    """object-lock-overview.html (Retention periods): a retention protects the version only until its
    retain-until date; once that has passed, the version is not locked, so a new retention in another
    mode (GOVERNANCE here) is set without x-amz-bypass-governance-retention."""
    version = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=soon(2)
    )["VersionId"]
    time.sleep(3.5)
    later = soon(_HOUR)
    done = s3.put_object_retention(
        Bucket=lock_bucket, Key="k", VersionId=version, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later}
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    mode, got, _ = _lock_of(s3, lock_bucket, "k", version)
    assert mode == "GOVERNANCE" and got is not None and abs((got - later).total_seconds()) < 1


@pytest.mark.aws_doc(_API + "API_HeadObject.html")
def test_head_object_tells_a_legal_hold_turned_off(s3: Any, lock_bucket: str) -> None:
    """API_HeadObject.html x-amz-object-lock-legal-hold: "Specifies whether a legal hold is in effect for
    this object ... This header is not returned if the specified version of this object has never had a
    legal hold applied." A version that never had one gets no header; one whose hold was placed and then
    removed answers OFF (ObjectLockLegalHoldStatus), as does one written with the header OFF."""
    never = s3.put_object(Bucket=lock_bucket, Key="never", Body=b"x")["VersionId"]
    assert _lock_of(s3, lock_bucket, "never", never)[2] is None
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    assert _lock_of(s3, lock_bucket, "k", version)[2] == "ON"
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=version, LegalHold={"Status": "OFF"})
    assert _lock_of(s3, lock_bucket, "k", version)[2] == "OFF"
    off = s3.put_object(
        Bucket=lock_bucket, Key="off", Body=b"x", ObjectLockLegalHoldStatus="OFF", ContentMD5=md5_b64(b"x")
    )["VersionId"]
    assert _lock_of(s3, lock_bucket, "off", off)[2] == "OFF"


# -- header values and names that do not exist ---------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_PutObject.html")
@pytest.mark.parametrize(
    "lock",
    [
        {"x-amz-object-lock-mode": "governance", "x-amz-object-lock-retain-until-date": "2099-01-01T00:00:00Z"},
        {"x-amz-object-lock-mode": "FOREVER", "x-amz-object-lock-retain-until-date": "2099-01-01T00:00:00Z"},
        {"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "tomorrow"},
        {"x-amz-object-lock-legal-hold": "on"},
        {"x-amz-object-lock-legal-hold": "YES"},
    ],
    ids=["lower-case-mode", "unknown-mode", "bad-date", "lower-case-hold", "unknown-hold"],
)
def test_put_object_with_a_malformed_lock_header_is_400_invalid_argument(
    raw: RawS3, s3: Any, lock_bucket: str, lock: dict[str, str]
) -> None:
    """API_PutObject.html: x-amz-object-lock-mode "Valid Values: GOVERNANCE | COMPLIANCE",
    x-amz-object-lock-legal-hold "Valid Values: ON | OFF", x-amz-object-lock-retain-until-date a timestamp.
    Any other value is 400 InvalidArgument (AWS: "Unknown wormMode directive.", "Legal Hold must be either
    of 'ON' or 'OFF'") and nothing is written."""
    body = b"x"
    answer = raw.request("PUT", key_path(lock_bucket, "k"), headers={**lock, "content-md5": md5_b64(body)}, body=body)
    refused(answer, 400, "InvalidArgument", accepted="a malformed lock header accepted")
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k")) == (404, None)


def _crc32(data: bytes) -> str:
    """The x-amz-checksum-crc32 value of ``data``: base64 of its big-endian CRC32."""
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _lock_document(sub: str) -> bytes:
    if sub == "object-lock":
        rule = "<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>"
        return (
            f"<ObjectLockConfiguration {_NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled>{rule}"
            "</ObjectLockConfiguration>"
        ).encode()
    if sub == "legal-hold":
        return f"<LegalHold {_NS}><Status>ON</Status></LegalHold>".encode()
    until = soon(_HOUR).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return f"<Retention {_NS}><Mode>GOVERNANCE</Mode><RetainUntilDate>{until}</RetainUntilDate></Retention>".encode()


@pytest.mark.aws_doc(_API + "API_PutObjectRetention.html", _GUIDE + "checking-object-integrity.html")
@pytest.mark.parametrize("sub", ["retention", "legal-hold", "object-lock"])
def test_lock_documents_with_a_wrong_checksum_are_400_bad_digest(
    raw: RawS3, s3: Any, lock_bucket: str, sub: str
) -> None:
    """PutObjectRetention, PutObjectLegalHold and PutObjectLockConfiguration take x-amz-checksum-* (with
    x-amz-sdk-checksum-algorithm) in place of Content-MD5 — what current SDKs send. The checksum is of
    the body, as for an object (checking-object-integrity.html): one that does not match is 400 BadDigest
    and nothing changes; the right one alone is enough."""
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    path, params = (
        ("/" + lock_bucket, [(sub, "")])
        if sub == "object-lock"
        else (
            key_path(lock_bucket, "k"),
            [(sub, ""), ("versionId", version)],
        )
    )
    body = _lock_document(sub)
    wrong = {"x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": _crc32(body + b" ")}
    refused(
        raw.request("PUT", path, params, headers=wrong, body=body),
        400,
        "BadDigest",
        accepted=f"a {sub} document with a wrong checksum accepted",
    )
    mode, _, hold = _lock_of(s3, lock_bucket, "k", version)
    assert (mode, hold) == (None, None), "a refused document changed the version's lock"
    assert "Rule" not in s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    right = {"x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": _crc32(body)}
    answer = raw.request("PUT", path, params, headers=right, body=body)
    assert answer.status == 200, answer


# Dates whose UTC moment is outside years 1-9999, where many date libraries stop: the last second of
# 9999 west of UTC is in year 10000 (a far future AWS may take), the first of year 1 east of UTC is
# before year 1 (in the past, so refused whatever else). Either way, bad input is never a 500.
_AFTER_9999 = "9999-12-31T23:59:59-14:00"
_BEFORE_0001 = "0001-01-01T00:00:00+14:00"
_OUTSIDE = [
    (
        _AFTER_9999,
        {(200, None), (400, "InvalidArgument")},
        {(200, None), (400, "InvalidArgument"), (400, "MalformedXML")},
    ),
    (_BEFORE_0001, {(400, "InvalidArgument")}, {(400, "InvalidArgument"), (400, "MalformedXML")}),
]


def _locked_put_headers(until: str) -> dict[str, str]:
    return {
        "x-amz-object-lock-mode": "GOVERNANCE",
        "x-amz-object-lock-retain-until-date": until,
        "content-md5": md5_b64(b"x"),
    }


@pytest.mark.aws_doc(_API + "API_PutObject.html", _API + "ErrorResponses.html")
@pytest.mark.parametrize(("until", "by_header", "by_document"), _OUTSIDE, ids=["after-9999", "before-0001"])
def test_a_retain_until_date_outside_the_calendar_is_never_a_500(
    raw: RawS3, s3: Any, lock_bucket: str, until: str, by_header: set[Any], by_document: set[Any]
) -> None:
    """x-amz-object-lock-retain-until-date and RetainUntilDate are timestamps (API_PutObject.html,
    API_ObjectLockRetention.html). One whose UTC moment lies outside years 1-9999 is either taken as the
    date it names or refused as bad input (400 InvalidArgument, as any date that does not parse or lies in
    the past; MalformedXML for the document), never a 500; what is refused writes and sets nothing."""
    answer = raw.request("PUT", key_path(lock_bucket, "k"), headers=_locked_put_headers(until), body=b"x")
    assert (answer.status, answer.code) in by_header, answer
    if answer.status != 200:
        assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k")) == (404, None)
    version = s3.put_object(Bucket=lock_bucket, Key="v", Body=b"x")["VersionId"]
    document = (
        f"<Retention {_NS}><Mode>GOVERNANCE</Mode><RetainUntilDate>{until}</RetainUntilDate></Retention>"
    ).encode()
    answer = raw.request(
        "PUT",
        key_path(lock_bucket, "v"),
        [("retention", ""), ("versionId", version)],
        headers={"content-md5": md5_b64(document)},
        body=document,
    )
    assert (answer.status, answer.code) in by_document, answer
    if answer.status != 200:
        assert _lock_of(s3, lock_bucket, "v", version)[0] is None


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_GUIDE + "object-lock-managing.html")
@pytest.mark.parametrize("until", [_AFTER_9999, _BEFORE_0001], ids=["after-9999", "before-0001"])
def test_a_retain_until_date_outside_the_calendar_under_a_retention_limit_is_refused(
    raw: RawS3, s3: Any, lock_bucket: str, until: str
) -> None:
    """The same write under a bucket policy denying s3:object-lock-remaining-retention-days above 10 (a key
    computed from the date): year 10000 is far more than 10 days away (403 AccessDenied) unless the date is
    refused as such (400 InvalidArgument); year 0 is in the past (400). Never a 500; nothing written."""
    with policy_in_place(s3, lock_bucket, deny(lock_bucket, "s3:PutObject", _AT_MOST_10_DAYS)):
        answer = raw.request("PUT", key_path(lock_bucket, "k"), headers=_locked_put_headers(until), body=b"x")
    allowed = {(400, "InvalidArgument")} | ({DENIED} if until == _AFTER_9999 else set())
    assert (answer.status, answer.code) in allowed, answer
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="k")) == (404, None)


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize("operation", ["put-retention", "get-retention", "put-legal-hold", "get-legal-hold"])
def test_lock_settings_of_a_key_that_does_not_exist_are_404_no_such_key(
    s3: Any, lock_bucket: str, operation: str
) -> None:
    """ErrorResponses.html: NoSuchKey (404) "The specified key does not exist" — the retention and legal
    hold of a key never written, as for GetObject."""
    where = {"Bucket": lock_bucket, "Key": "missing"}
    calls: dict[str, Callable[[], Any]] = {
        "put-retention": lambda: s3.put_object_retention(**where, Retention=_retention("GOVERNANCE", _HOUR)),
        "get-retention": lambda: s3.get_object_retention(**where),
        "put-legal-hold": lambda: s3.put_object_legal_hold(**where, LegalHold={"Status": "ON"}),
        "get-legal-hold": lambda: s3.get_object_legal_hold(**where),
    }
    assert error_of(calls[operation]) == (404, "NoSuchKey")
    assert error_of(lambda: s3.head_object(Bucket=lock_bucket, Key="missing")) == (404, None)


@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_with_object_lock_false_has_neither_lock_nor_versioning(
    s3: Any, new_bucket_name: Callable[[str], str]
) -> None:
    """API_CreateBucket.html x-amz-bucket-object-lock-enabled: "Specifies whether you want S3 Object Lock to
    be enabled for the new bucket" — false asks for none: GetObjectLockConfiguration is 404
    ObjectLockConfigurationNotFoundError and versioning is not switched on (object-lock.html: only a bucket
    created with Object Lock gets versioning with it)."""
    name = new_bucket_name("nolock")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=False)
    assert error_of(lambda: s3.get_object_lock_configuration(Bucket=name)) == (
        404,
        "ObjectLockConfigurationNotFoundError",
    )
    assert s3.get_bucket_versioning(Bucket=name).get("Status") is None


@pytest.mark.aws_doc(_GUIDE + "object-lock-configure.html")
def test_enabling_versioning_again_on_a_lock_bucket_is_200(s3: Any, lock_bucket: str) -> None:
    """object-lock-configure.html: with Object Lock a bucket's versioning cannot be suspended; setting it
    Enabled again changes nothing and is allowed (API_PutBucketVersioning.html: 200), as a tool
    re-applying a bucket's whole configuration does; the bucket keeps Object Lock."""
    done = s3.put_bucket_versioning(Bucket=lock_bucket, VersioningConfiguration={"Status": "Enabled"})
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_versioning(Bucket=lock_bucket).get("Status") == "Enabled"
    config = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert config.get("ObjectLockEnabled") == "Enabled"
