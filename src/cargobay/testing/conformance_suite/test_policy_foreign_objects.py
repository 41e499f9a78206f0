"""Bucket policies and objects another account owns: a bucket owner's policy grants nothing on them.

bucket-policies.html: "The permissions attached to the bucket apply to all of the objects in the
bucket that are owned by the bucket owner. These permissions don't apply to objects that are owned
by other AWS accounts." With ACLs enabled (ObjectWriter) an object the second account wrote is its
own; each test lets everyone (from loopback) do an operation by policy and checks that it reaches
the bucket owner's object and not the other account's (reads, tagging, delete, attributes,
retention and legal hold, copy, a version). Kept apart from test_policy.py for length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._policies import policy_document

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl", "multi_user"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html"),
]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html")
def test_policy_grants_nothing_on_an_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """bucket-policies.html: "The permissions attached to the bucket apply to all of the objects in
    the bucket that are owned by the bucket owner. These permissions don't apply to objects that are
    owned by other AWS accounts." With ACLs enabled (ObjectWriter) an object the second account
    wrote is its own: a policy letting everyone read the bucket's objects does not reach it (403
    AccessDenied), while it reaches the bucket owner's object."""
    name = new_bucket_name("policy-foreign")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    alt = _holding_a_foreign_object(s3_endpoint, s3, name)
    _allow_everyone_from_loopback(s3, name, ["s3:GetObject"])
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=name, Key="mine")["Body"].read() == b"m"
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="theirs")) == (403, "AccessDenied")
    assert alt.get_object(Bucket=name, Key="theirs")["Body"].read() == b"t"  # its owner still reads it


# An object another account owns, and what a bucket-owner policy cannot grant on it. The pages:
# bucket-policies.html ("These permissions don't apply to objects that are owned by other AWS
# accounts"), access-control-overview.html (a bucket policy's "object permissions apply only to the
# objects that the bucket owner creates"), about-object-ownership.html ("Objects owned by other
# accounts use ACLs for permissions, so you can't use policies to grant permissions to these
# objects") and access-control-auth-workflow-object-operation.html (the object context: "The
# requester must have permissions from the object owner"; the bucket owner's policy only denies).
_FOREIGN_DOCS = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html",
)


def _holding_a_foreign_object(s3_endpoint: S3Target, s3: Any, name: str) -> Any:
    """Turn bucket ``name`` to ACLs enabled (ObjectWriter) holding ``mine`` (the bucket owner's) and
    ``theirs`` (written, private, by the second user, who then owns it); the second user's client."""
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    alt = s3_endpoint.alt_client()
    me, other = (str(c.list_buckets()["Owner"]["ID"]) for c in (s3, alt))
    s3.put_bucket_acl(Bucket=name, GrantFullControl=f'id="{me}"', GrantWrite=f'id="{other}"')
    s3.put_object(Bucket=name, Key="mine", Body=b"m")
    alt.put_object(Bucket=name, Key="theirs", Body=b"t", ACL="private")
    return alt


def _allow_everyone_from_loopback(s3: Any, name: str, actions: list[str]) -> None:
    """A bucket policy letting any caller from loopback do ``actions`` on every object (the
    condition keeps it from being public)."""
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": actions,
        "Resource": f"arn:aws:s3:::{name}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}},
    }
    s3.put_bucket_policy(Bucket=name, Policy=policy_document(statement))


_TAGS = {"TagSet": [{"Key": "k", "Value": "v"}]}


def _refused_tagging(client: Any, bucket: str, key: str) -> None:
    denied = (403, "AccessDenied")
    assert error_of(lambda: client.put_object_tagging(Bucket=bucket, Key=key, Tagging=_TAGS)) == denied
    assert error_of(lambda: client.get_object_tagging(Bucket=bucket, Key=key)) == denied
    assert error_of(lambda: client.delete_object_tagging(Bucket=bucket, Key=key)) == denied


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc(*_FOREIGN_DOCS)
def test_policy_grants_no_tagging_on_an_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """A policy letting everyone Put/Get/DeleteObjectTagging reaches the bucket owner's object
    (200, 200 with the tags, 204) but not the one the second account owns: all three are 403
    AccessDenied for a third caller, and its tags stay as they were. The object's owner still tags
    it (its own object), and the bucket owner, who has no permission on it beyond denying, deleting
    and archiving (access-control-overview.html, bucket and object ownership), is refused too."""
    name = new_bucket_name("foreign-tags")
    s3.create_bucket(Bucket=name)
    alt = _holding_a_foreign_object(s3_endpoint, s3, name)
    alt.put_object_tagging(Bucket=name, Key="theirs", Tagging={"TagSet": [{"Key": "owner", "Value": "alt"}]})
    _allow_everyone_from_loopback(s3, name, ["s3:PutObjectTagging", "s3:GetObjectTagging", "s3:DeleteObjectTagging"])
    anonymous = s3_endpoint.anonymous_client()
    assert (
        anonymous.put_object_tagging(Bucket=name, Key="mine", Tagging=_TAGS)["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )
    assert anonymous.get_object_tagging(Bucket=name, Key="mine")["TagSet"] == _TAGS["TagSet"]
    assert anonymous.delete_object_tagging(Bucket=name, Key="mine")["ResponseMetadata"]["HTTPStatusCode"] == 204
    for client in (anonymous, s3):
        _refused_tagging(client, name, "theirs")
    assert alt.get_object_tagging(Bucket=name, Key="theirs")["TagSet"] == [{"Key": "owner", "Value": "alt"}]


@pytest.mark.s3_requires("delete_objects")
@pytest.mark.aws_doc(*_FOREIGN_DOCS)
def test_policy_grants_no_delete_on_an_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """A policy letting everyone s3:DeleteObject reaches the bucket owner's objects but not the one
    the second account owns: a third caller's DeleteObject of it is 403 AccessDenied, and in its
    DeleteObjects it is an <Error> AccessDenied beside a deleted key of the bucket owner's; the
    object stays. The right to delete any object "regardless of who owns them" is the bucket
    owner's own (access-control-overview.html), not a policy grant on the object: the bucket owner
    then deletes it (204)."""
    name = new_bucket_name("foreign-del")
    s3.create_bucket(Bucket=name)
    alt = _holding_a_foreign_object(s3_endpoint, s3, name)
    s3.put_object(Bucket=name, Key="mine-too", Body=b"m")
    _allow_everyone_from_loopback(s3, name, ["s3:DeleteObject"])
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.delete_object(Bucket=name, Key="theirs")) == (403, "AccessDenied")
    assert anonymous.delete_object(Bucket=name, Key="mine")["ResponseMetadata"]["HTTPStatusCode"] == 204
    answer = anonymous.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "theirs"}, {"Key": "mine-too"}]})
    assert [d["Key"] for d in answer.get("Deleted", [])] == ["mine-too"]
    assert [(e["Key"], e["Code"]) for e in answer.get("Errors", [])] == [("theirs", "AccessDenied")]
    assert alt.get_object(Bucket=name, Key="theirs")["Body"].read() == b"t"
    assert s3.delete_object(Bucket=name, Key="theirs")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0


@pytest.mark.s3_requires("attributes")
@pytest.mark.aws_doc(*_FOREIGN_DOCS)
def test_policy_grants_no_attributes_on_an_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """A policy letting everyone s3:GetObjectAttributes reaches the bucket owner's object (200 with
    its size) but not the second account's (403 AccessDenied), which its owner still reads."""
    name = new_bucket_name("foreign-attrs")
    s3.create_bucket(Bucket=name)
    alt = _holding_a_foreign_object(s3_endpoint, s3, name)
    _allow_everyone_from_loopback(s3, name, ["s3:GetObjectAttributes"])
    anonymous = s3_endpoint.anonymous_client()
    attributes = ["ObjectSize"]
    assert anonymous.get_object_attributes(Bucket=name, Key="mine", ObjectAttributes=attributes)["ObjectSize"] == 1
    refused = error_of(lambda: anonymous.get_object_attributes(Bucket=name, Key="theirs", ObjectAttributes=attributes))
    assert refused == (403, "AccessDenied")
    assert alt.get_object_attributes(Bucket=name, Key="theirs", ObjectAttributes=attributes)["ObjectSize"] == 1


@pytest.mark.s3_requires("object_lock")
@pytest.mark.aws_doc(*_FOREIGN_DOCS)
def test_policy_grants_no_retention_or_legal_hold_on_an_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, lock_bucket: str
) -> None:
    """In an Object Lock bucket with ACLs enabled, a policy letting everyone read and set retention
    and legal holds reaches the bucket owner's object but not the second account's: Get/Put of its
    legal hold and retention are 403 AccessDenied for a third caller, and nothing is set on it."""
    name = lock_bucket
    alt = _holding_a_foreign_object(s3_endpoint, s3, name)
    actions = ["s3:GetObjectLegalHold", "s3:PutObjectLegalHold", "s3:GetObjectRetention", "s3:PutObjectRetention"]
    _allow_everyone_from_loopback(s3, name, actions)
    anonymous = s3_endpoint.anonymous_client()
    hold = {"Status": "ON"}
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": "2099-01-01T00:00:00Z"}
    anonymous.put_object_legal_hold(Bucket=name, Key="mine", LegalHold=hold)
    assert anonymous.get_object_legal_hold(Bucket=name, Key="mine")["LegalHold"] == hold
    denied = (403, "AccessDenied")
    assert error_of(lambda: anonymous.put_object_legal_hold(Bucket=name, Key="theirs", LegalHold=hold)) == denied
    assert error_of(lambda: anonymous.get_object_legal_hold(Bucket=name, Key="theirs")) == denied
    assert error_of(lambda: anonymous.put_object_retention(Bucket=name, Key="theirs", Retention=retention)) == denied
    assert error_of(lambda: anonymous.get_object_retention(Bucket=name, Key="theirs")) == denied
    # None was set: its owner reads no hold (AWS: 404 NoSuchObjectLockConfiguration, as
    # test_legal_hold_put_and_get pins).
    assert error_of(lambda: alt.get_object_legal_hold(Bucket=name, Key="theirs")) == (
        404,
        "NoSuchObjectLockConfiguration",
    )


@pytest.mark.s3_requires("copy")
@pytest.mark.aws_doc(*_FOREIGN_DOCS)
def test_policy_grants_no_copy_from_an_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """A policy letting everyone read and write the bucket's objects lets a third caller copy the
    bucket owner's object but not the second account's: CopyObject with it as the source needs
    s3:GetObject on it (API_CopyObject.html), which the policy cannot grant there (403
    AccessDenied, nothing written)."""
    name = new_bucket_name("foreign-copy")
    s3.create_bucket(Bucket=name)
    _holding_a_foreign_object(s3_endpoint, s3, name)
    _allow_everyone_from_loopback(s3, name, ["s3:GetObject", "s3:PutObject"])
    anonymous = s3_endpoint.anonymous_client()
    anonymous.copy_object(Bucket=name, Key="copy-of-mine", CopySource={"Bucket": name, "Key": "mine"})
    refused = error_of(
        lambda: anonymous.copy_object(Bucket=name, Key="copy-of-theirs", CopySource={"Bucket": name, "Key": "theirs"})
    )
    assert refused == (403, "AccessDenied")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == ["copy-of-mine", "mine", "theirs"]


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(*_FOREIGN_DOCS)
def test_policy_grants_nothing_on_a_version_another_account_owns(
    s3_endpoint: S3Target, s3: Any, versioned_bucket: str
) -> None:
    """Each version has its own owner: when the second account wrote a key's older version and the
    bucket owner its current one, a policy letting everyone s3:GetObjectVersion reaches the
    current version (200) but not the older one (403 AccessDenied), which its owner still reads."""
    name = versioned_bucket
    alt = _holding_a_foreign_object(s3_endpoint, s3, name)
    older = alt.put_object(Bucket=name, Key="k", Body=b"by alt")["VersionId"]
    newer = s3.put_object(Bucket=name, Key="k", Body=b"by owner")["VersionId"]
    _allow_everyone_from_loopback(s3, name, ["s3:GetObjectVersion"])
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=name, Key="k", VersionId=newer)["Body"].read() == b"by owner"
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="k", VersionId=older)) == (403, "AccessDenied")
    assert alt.get_object(Bucket=name, Key="k", VersionId=older)["Body"].read() == b"by alt"
