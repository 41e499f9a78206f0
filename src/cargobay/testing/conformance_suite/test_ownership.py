"""Object Ownership (Put/Get/DeleteBucketOwnershipControls) and what BucketOwnerEnforced does to ACLs.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketOwnershipControls.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (OwnershipControlsNotFoundError,
AccessControlListNotSupported).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html"),
]


def _rules(setting: str) -> dict[str, Any]:
    return {"Rules": [{"ObjectOwnership": setting}]}


@pytest.mark.parametrize("setting", ["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"])
def test_ownership_controls_round_trip(s3: Any, bucket: str, setting: str) -> None:
    assert (
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=_rules(setting))["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 200
    )
    got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert got == _rules(setting)
    assert s3.delete_bucket_ownership_controls(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_bucket_ownership_controls(Bucket=bucket)) == (404, "OwnershipControlsNotFoundError")


def test_ownership_controls_unknown_value_is_400_malformed_xml(s3: Any, bucket: str) -> None:
    status, code = error_of(lambda: s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=_rules("Nobody")))
    assert (status, code) == (400, "MalformedXML")


def test_create_bucket_object_ownership_header(s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("own")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    assert s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"] == _rules("BucketOwnerPreferred")


def test_bucket_owner_enforced_refuses_acls(s3: Any, bucket: str) -> None:
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=_rules("BucketOwnerEnforced"))
    not_supported = (400, "AccessControlListNotSupported")
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")) == not_supported
    assert error_of(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read")) == not_supported
    # about-object-ownership.html: bucket-owner-full-control (and private) are still accepted.
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")) == not_supported
    # Reading an ACL still works: it shows the bucket owner's FULL_CONTROL.
    grants = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]


def _ownership_or_none(s3: Any, bucket: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return str(s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"])
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "OwnershipControlsNotFoundError"
        return None


@pytest.mark.s3_requires("bucket_tagging", "lifecycle")
def test_recreated_bucket_starts_without_the_old_settings(s3: Any, new_bucket_name: Any) -> None:
    """DeleteBucket removes the bucket with its subresources (API_DeleteBucket.html): a bucket
    created again under the same name has none of the old ACL, ownership, block, tags or rules.
    (A new AWS bucket has BucketOwnerEnforced and every public access block on by default,
    about-object-ownership.html; servers without those defaults have none: both are "not the old".)"""
    name = new_bucket_name("again")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [{"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}]
        },
    )
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    assert [g["Permission"] for g in s3.get_bucket_acl(Bucket=name)["Grants"]] == ["FULL_CONTROL"]
    assert _ownership_or_none(s3, name) in (None, "BucketOwnerEnforced")
    from botocore.exceptions import ClientError

    try:
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert block == {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration"
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=name)) == (404, "NoSuchTagSet")
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name)) == (404, "NoSuchLifecycleConfiguration")


def test_bucket_owner_enforced_with_a_public_bucket_acl_is_400(s3: Any, new_bucket_name: Any) -> None:
    # object-ownership-error-responses.html: InvalidBucketAclWithObjectOwnership, for CreateBucket
    # and for PutBucketOwnershipControls on a bucket whose ACL grants others.
    name = new_bucket_name("enf")
    invalid = (400, "InvalidBucketAclWithObjectOwnership")
    assert (
        error_of(lambda: s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced", ACL="public-read"))
        == invalid
    )
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=name)
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    assert error_of(
        lambda: s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=_rules("BucketOwnerEnforced"))
    ) == (400, "InvalidBucketAclWithObjectOwnership")
    s3.put_bucket_acl(Bucket=name, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=_rules("BucketOwnerEnforced"))


@pytest.mark.s3_requires("multi_user")
def test_bucket_owner_preferred_takes_objects_written_with_full_control(
    s3_endpoint: Any, s3: Any, new_bucket_name: Any
) -> None:
    """about-object-ownership.html: with BucketOwnerPreferred the bucket owner owns new objects
    written with the bucket-owner-full-control canned ACL; other objects stay the writer's."""
    name = new_bucket_name("pref")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    s3.delete_public_access_block(Bucket=name)
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    alt = s3_endpoint.alt_client()
    alt.put_object(Bucket=name, Key="given", Body=b"x", ACL="bucket-owner-full-control")
    alt.put_object(Bucket=name, Key="kept", Body=b"x")
    owner_id = s3.list_buckets()["Owner"]["ID"]
    alt_id = alt.list_buckets()["Owner"]["ID"]
    owners = {o["Key"]: o["Owner"]["ID"] for o in s3.list_objects_v2(Bucket=name, FetchOwner=True)["Contents"]}
    assert owners == {"given": owner_id, "kept": alt_id}


@pytest.mark.s3_requires("multi_user")
def test_bucket_owner_enforced_owns_what_another_account_writes(
    s3_endpoint: Any, s3: Any, new_bucket_name: Any
) -> None:
    """about-object-ownership.html: with BucketOwnerEnforced "the bucket owner automatically owns and
    has full control over every object in the bucket", whoever wrote it (no ACL sent)."""
    name = new_bucket_name("enf")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced")
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    s3.put_bucket_policy(Bucket=name, Policy=_policy_for_writer_and_tag_readers(name, alt_id))
    alt.put_object(Bucket=name, Key="theirs", Body=b"x")
    owner_id = s3.list_buckets()["Owner"]["ID"]
    listed = s3.list_objects_v2(Bucket=name, FetchOwner=True)["Contents"]
    assert [(o["Key"], o["Owner"]["ID"]) for o in listed] == [("theirs", owner_id)]
    acl = s3.get_object_acl(Bucket=name, Key="theirs")
    assert acl["Owner"]["ID"] == owner_id
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]] == [(owner_id, "FULL_CONTROL")]


def _policy_for_writer_and_tag_readers(bucket: str, writer_id: str) -> str:
    """The second user may write (with tags) into ``bucket``; anyone from loopback may read an
    object's tags (the condition keeps the policy from being public)."""
    resource = f"arn:aws:s3:::{bucket}/*"
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"CanonicalUser": writer_id},
            "Action": ["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl"],
            "Resource": resource,
        },
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObjectTagging",
            "Resource": resource,
            "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.mark.s3_requires("multi_user", "tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html")
def test_the_policy_reaches_another_accounts_object_only_while_acls_are_disabled(
    s3_endpoint: Any, s3: Any, new_bucket_name: Any
) -> None:
    """about-object-ownership.html: with ObjectWriter the second account owns what it writes, and
    "Objects owned by other accounts use ACLs for permissions, so you can't use policies to grant
    permissions to these objects": a policy letting everyone read tags gets a third caller 403
    AccessDenied on it. BucketOwnerEnforced makes the bucket owner own every object, so the same
    policy reaches it (200 with its tags); back to ObjectWriter, "the uploading accounts again own
    these objects" and the policy reaches it no more (403)."""
    name = new_bucket_name("own-reach")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    alt = s3_endpoint.alt_client()
    s3.put_bucket_policy(
        Bucket=name, Policy=_policy_for_writer_and_tag_readers(name, alt.list_buckets()["Owner"]["ID"])
    )
    alt.put_object(Bucket=name, Key="theirs", Body=b"t", Tagging="k=v")
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.get_object_tagging(Bucket=name, Key="theirs")) == (403, "AccessDenied")
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=_rules("BucketOwnerEnforced"))
    assert anonymous.get_object_tagging(Bucket=name, Key="theirs")["TagSet"] == [{"Key": "k", "Value": "v"}]
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=_rules("ObjectWriter"))
    assert error_of(lambda: anonymous.get_object_tagging(Bucket=name, Key="theirs")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user", "tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html")
def test_bucket_owner_preferred_policy_reaches_only_the_objects_it_took(
    s3_endpoint: Any, s3: Any, new_bucket_name: Any
) -> None:
    """about-object-ownership.html: with BucketOwnerPreferred an object written with the
    bucket-owner-full-control canned ACL is the bucket owner's, so its policy reaches it (200); one
    written without stays the writer's, and the policy grants nothing on it (403 AccessDenied)."""
    name = new_bucket_name("pref-reach")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    alt = s3_endpoint.alt_client()
    s3.put_bucket_policy(
        Bucket=name, Policy=_policy_for_writer_and_tag_readers(name, alt.list_buckets()["Owner"]["ID"])
    )
    alt.put_object(Bucket=name, Key="given", Body=b"x", Tagging="k=v", ACL="bucket-owner-full-control")
    alt.put_object(Bucket=name, Key="kept", Body=b"x", Tagging="k=v")
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object_tagging(Bucket=name, Key="given")["TagSet"] == [{"Key": "k", "Value": "v"}]
    assert error_of(lambda: anonymous.get_object_tagging(Bucket=name, Key="kept")) == (403, "AccessDenied")
