"""Bucket policy conditions whose values a request carries outside its headers: the document of a
PutObjectTagging, PutObjectRetention or PutObjectLegalHold, and the fields of a browser form (POST
Object). The decision must see those values, or a Deny on them would be walked around.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._forms import form_post, signed_fields
from cargobay.testing.conformance_suite._policies import DENIED as _DENIED
from cargobay.testing.conformance_suite._policies import deny as _deny
from cargobay.testing.conformance_suite._policies import policy_in_place as _policy

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_KEYS_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
pytestmark = [pytest.mark.s3_requires("acl"), pytest.mark.aws_doc(_KEYS_DOC)]
_OFF = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc(_KEYS_DOC)
def test_request_tag_conditions_on_put_object_tagging(s3: Any, bucket: str) -> None:
    """s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys hold the tags a PutObjectTagging
    sends in its document, as they do those a PutObject sends in x-amz-tagging: a Deny of tagging
    with class=secret, or with any key ``owner``, refuses such a PutObjectTagging and lets
    another through; the tags refused are not set."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    def tagging(**tags: str) -> dict[str, Any]:
        return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}

    secret = _deny(bucket, "s3:PutObjectTagging", {"StringEquals": {"s3:RequestObjectTag/class": "secret"}})
    owner_key = _deny(bucket, "s3:PutObjectTagging", {"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": "owner"}})
    with _policy(s3, bucket, secret, owner_key):
        refused = error_of(
            lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagging(a="1", **{"class": "secret"}))
        )
        assert refused == _DENIED
        assert error_of(lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagging(owner="me"))) == _DENIED
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagging(**{"class": "public"}))
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "class", "Value": "public"}]


@pytest.mark.s3_requires("object_lock")
@pytest.mark.aws_doc(_KEYS_DOC, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html")
def test_object_lock_mode_and_legal_hold_conditions(s3: Any, lock_bucket: str) -> None:
    """s3:object-lock-mode and s3:object-lock-legal-hold are the lock a request asks for, in a
    write's headers or in the PutObjectRetention / PutObjectLegalHold document. A Deny of COMPLIANCE
    refuses such a write and such a retention, and lets GOVERNANCE through; a Deny of every mode
    but GOVERNANCE (StringNotEquals) lets a GOVERNANCE retention through; a Deny of the legal hold
    ON refuses it in a write and in PutObjectLegalHold, and lets OFF through."""
    bucket = lock_bucket
    until = "2099-01-01T00:00:00Z"
    # COMPLIANCE only for seconds: should a Deny fail to refuse it, the lock still expires for the cleanup.
    soon = datetime.now(UTC) + timedelta(seconds=10)
    compliance = {"Mode": "COMPLIANCE", "RetainUntilDate": soon}
    governance = {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    s3.put_object(Bucket=bucket, Key="r", Body=b"x")
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"StringEquals": {"s3:object-lock-mode": "COMPLIANCE"}})):
        refused = error_of(
            lambda: s3.put_object(
                Bucket=bucket, Key="c", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=soon
            )
        )
        assert refused == _DENIED
        s3.put_object(Bucket=bucket, Key="g", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
    only_compliance = _deny(bucket, "s3:PutObjectRetention", {"StringEquals": {"s3:object-lock-mode": "COMPLIANCE"}})
    with _policy(s3, bucket, only_compliance):
        assert error_of(lambda: s3.put_object_retention(Bucket=bucket, Key="r", Retention=compliance)) == _DENIED
        s3.put_object_retention(Bucket=bucket, Key="r", Retention=governance)
    all_but_governance = {"StringNotEquals": {"s3:object-lock-mode": "GOVERNANCE"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObjectRetention", all_but_governance)):
        s3.put_object_retention(Bucket=bucket, Key="r", Retention=governance)
    assert s3.get_object_retention(Bucket=bucket, Key="r")["Retention"]["Mode"] == "GOVERNANCE"
    hold_on = {"StringEquals": {"s3:object-lock-legal-hold": "ON"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", hold_on), _deny(bucket, "s3:PutObjectLegalHold", hold_on)):
        refused = error_of(lambda: s3.put_object(Bucket=bucket, Key="h", Body=b"x", ObjectLockLegalHoldStatus="ON"))
        assert refused == _DENIED
        s3.put_object(Bucket=bucket, Key="p", Body=b"x")
        assert error_of(lambda: s3.put_object_legal_hold(Bucket=bucket, Key="p", LegalHold={"Status": "ON"})) == _DENIED
        s3.put_object_legal_hold(Bucket=bucket, Key="p", LegalHold={"Status": "OFF"})
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["g", "p", "r"]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html")
def test_form_fields_are_condition_values(s3_endpoint: S3Target, s3: Any, new_bucket_name: Any) -> None:
    """A browser form (POST Object) sends as fields what a PutObject sends as headers: its ``acl``
    is s3:x-amz-acl and its ``tagging`` gives s3:RequestObjectTag/<key>. A Deny of s3:PutObject with
    the public-read ACL, or with the tag class=secret, refuses such a signed form (403
    AccessDenied, nothing written) and takes one without them (204)."""
    if s3_endpoint.endpoint.url.startswith("https"):
        pytest.skip("capability: this form helper speaks plain HTTP")
    name = new_bucket_name("form-cond")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_OFF)
    secret = "<Tagging><TagSet><Tag><Key>class</Key><Value>secret</Value></Tag></TagSet></Tagging>"
    public_acl = _deny(name, "s3:PutObject", {"StringEquals": {"s3:x-amz-acl": "public-read"}})
    secret_tag = _deny(name, "s3:PutObject", {"StringEquals": {"s3:RequestObjectTag/class": "secret"}})
    url = s3_endpoint.endpoint.url
    with _policy(s3, name, public_acl, secret_tag):
        for key, extra in (("acl", {"acl": "public-read"}), ("tagged", {"tagging": secret})):
            fields = signed_fields(s3, name, key, extra, [{k: v} for k, v in extra.items()])
            status, body = form_post(url, name, fields, b"posted")
            assert status == 403 and b"<Code>AccessDenied</Code>" in body, (key, status, body[:200])
        status, _ = form_post(url, name, signed_fields(s3, name, "plain", {}, []), b"posted")
        assert status == 204
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]] == ["plain"]


@pytest.mark.s3_requires("versioning", "delete_objects")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_version_id_condition_in_delete_objects(s3: Any, versioned_bucket: str) -> None:
    """DeleteObjects names each version in its document; each is decided as a DeleteObject of that
    version, s3:VersionId included: a Deny of s3:DeleteObjectVersion for one version id refuses that
    entry (an <Error> AccessDenied) and deletes the other."""
    bucket = versioned_bucket
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    gone = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    with _policy(s3, bucket, _deny(bucket, "s3:DeleteObjectVersion", {"StringEquals": {"s3:VersionId": kept}})):
        answer = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": kept}, {"Key": "k", "VersionId": gone}]}
        )
    assert [(d["Key"], d["VersionId"]) for d in answer.get("Deleted", [])] == [("k", gone)]
    assert [(e["Key"], e["VersionId"], e["Code"]) for e in answer.get("Errors", [])] == [("k", kept, "AccessDenied")]
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [kept]


@pytest.mark.s3_requires("versioning", "copy")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_version_id_condition_on_a_copy_source(s3: Any, versioned_bucket: str) -> None:
    """A copy of a named source version reads it with s3:GetObjectVersion (API_CopyObject.html), and
    the version named in x-amz-copy-source is that read's s3:VersionId: a Deny of reading one
    version refuses copying it and lets the other be copied."""
    bucket = versioned_bucket
    older = s3.put_object(Bucket=bucket, Key="src", Body=b"old")["VersionId"]
    newer = s3.put_object(Bucket=bucket, Key="src", Body=b"new")["VersionId"]
    with _policy(s3, bucket, _deny(bucket, "s3:GetObjectVersion", {"StringEquals": {"s3:VersionId": older}})):
        source = {"Bucket": bucket, "Key": "src", "VersionId": older}
        assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="c1", CopySource=source)) == _DENIED
        s3.copy_object(Bucket=bucket, Key="c2", CopySource={"Bucket": bucket, "Key": "src", "VersionId": newer})
    assert s3.get_object(Bucket=bucket, Key="c2")["Body"].read() == b"new"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="c1"))[0] == 404
