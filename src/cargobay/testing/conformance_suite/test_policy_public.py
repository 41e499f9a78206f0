"""Public bucket policies: what GetBucketPolicyStatus counts as public, and how BlockPublicPolicy and
RestrictPublicBuckets treat such a policy.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html ("Amazon S3
considers a bucket policy public unless at least one of the following conditions is true: The policy
limits access to a set of CIDRs using aws:SourceIp ... The policy grants permissions ... to ... A fixed
AWS principal ... A fixed aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner,
aws:SourceAccount ... A fixed value of aws:userid outside the pattern AROLEID:*"),
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc(f"{_API}API_PublicAccessBlockConfiguration.html", f"{_API}API_GetBucketPolicyStatus.html"),
]
_KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_OFF = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _read(bucket: str, principal: Any = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        **extra,
    }


def _is_public(s3: Any, bucket: str, text: str) -> bool:
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    return bool(s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"])


def test_policy_status_counts_every_spelling_of_everyone_as_public(s3: Any, bucket: str) -> None:
    """ "Principal": "*", {"AWS": "*"} and {"AWS": [..., "*"]} all grant everyone: IsPublic is true
    for each; a policy whose only statement for everyone is a Deny grants nothing, and is not public."""
    fixed = "arn:aws:iam::111122223333:root"
    public = {
        "star": _doc(_read(bucket)),
        "AWS star": _doc(_read(bucket, {"AWS": "*"})),
        "AWS list with star": _doc(_read(bucket, {"AWS": [fixed, "*"]})),
        "one public statement of two": _doc(_read(bucket, {"AWS": fixed}), _read(bucket)),
    }
    for name, text in public.items():
        assert _is_public(s3, bucket, text) is True, name
    deny_only = _doc({**_read(bucket), "Effect": "Deny"}, _read(bucket, {"AWS": fixed}))
    assert _is_public(s3, bucket, deny_only) is False


def test_policy_status_fixed_condition_values_make_it_not_public(s3: Any, bucket: str) -> None:
    """A statement for everyone is not public when a condition pins it to a set of CIDRs
    (aws:SourceIp) or to fixed values of aws:SourceVpc, aws:SourceVpce, aws:SourceArn,
    aws:SourceAccount, aws:SourceOwner, aws:userid or s3:x-amz-server-side-encryption-aws-kms-key-id;
    the same keys with a wildcard (ArnEquals takes wildcards too) leave it public
    (the user guide's example: StringLike aws:SourceVpc "vpc-*" is public, StringEquals
    "vpc-91237329" is not)."""
    not_public = {
        "source ip": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}},
        "source vpc": {"StringEquals": {"aws:SourceVpc": "vpc-91237329"}},
        "source vpce": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        "source arn": {"ArnEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}},
        "source account": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        "source owner": {"StringEquals": {"aws:SourceOwner": "111122223333"}},
        "userid": {"StringEquals": {"aws:userid": "AIDAEXAMPLEUSERID1234"}},
        "kms key id": {"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": _KMS_KEY}},
    }
    for name, condition in not_public.items():
        assert _is_public(s3, bucket, _doc(_read(bucket, Condition=condition))) is False, name
    public = {
        "vpc wildcard": {"StringLike": {"aws:SourceVpc": "vpc-*"}},
        "unpinned key": {"StringEquals": {"s3:prefix": "home/"}},
        "role user ids": {"StringLike": {"aws:userid": "AROLEID:*"}},
        "kms key wildcard": {"StringLike": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:*"}},
        "source arn wildcard": {"ArnEquals": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*"}},
    }
    for name, condition in public.items():
        assert _is_public(s3, bucket, _doc(_read(bucket, Condition=condition))) is True, name


@pytest.mark.aws_doc(f"{_API}API_PublicAccessBlockConfiguration.html")
def test_block_public_policy_refuses_public_policies_only(s3: Any, bucket: str) -> None:
    """BlockPublicPolicy: "Amazon S3 ... reject[s] calls to PUT Bucket policy if the specified bucket
    policy allows public access" (403 AccessDenied): "*" and {"AWS": "*"} alike, and the policy in
    place stays; a policy that is not public (a fixed principal, a Deny for everyone, a statement
    for everyone pinned to CIDRs) is taken."""
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**_OFF, "BlockPublicPolicy": True})
    kept = _doc(_read(bucket, {"AWS": "arn:aws:iam::111122223333:root"}))
    s3.put_bucket_policy(Bucket=bucket, Policy=kept)
    for principal in ("*", {"AWS": "*"}):
        text = _doc(_read(bucket, principal))
        assert error_of(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=text)) == (403, "AccessDenied"), principal  # noqa: B023
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(kept)
    taken = [
        _doc({**_read(bucket), "Effect": "Deny"}),
        _doc(_read(bucket, Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})),
    ]
    for text in taken:
        s3.put_bucket_policy(Bucket=bucket, Policy=text)
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text)


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(f"{_API}API_PublicAccessBlockConfiguration.html")
def test_block_public_policy_leaves_an_existing_public_policy(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """ "Enabling this setting doesn't affect existing bucket policies": a public policy set before
    BlockPublicPolicy stays, still public, and still lets everyone read."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    text = _doc(_read(bucket))
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**_OFF, "BlockPublicPolicy": True})
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}
    assert s3_endpoint.anonymous_client().get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(f"{_API}API_PublicAccessBlockConfiguration.html")
def test_restrict_public_buckets_blocks_cross_account_grants_of_a_public_policy(
    s3_endpoint: S3Target, s3: Any, bucket: str
) -> None:
    """RestrictPublicBuckets: "Enabling this setting doesn't affect previously stored bucket
    policies, except that public and cross-account access within any public bucket policy,
    including non-public delegation to specific accounts, is blocked." With a policy granting the
    second account (by id) and everyone, both are refused (403) while the owner reads; once the
    public statement is gone the policy is not public and the second account reads again."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    to_alt = _read(bucket, {"CanonicalUser": alt_id})
    s3.put_bucket_policy(Bucket=bucket, Policy=_doc(to_alt, _read(bucket)))
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**_OFF, "RestrictPublicBuckets": True})
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
    assert error_of(lambda: alt.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    s3.put_bucket_policy(Bucket=bucket, Policy=_doc(to_alt))
    assert alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html")
def test_aws_star_principal_includes_anonymous_callers(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """ "Principal": {"AWS": "*"} is "everyone", anonymous callers included, as "Principal": "*" is
    (reference_policies_elements_principal.html, anonymous principals): with either (pinned to
    loopback addresses, so not public) an unsigned GET reads the object."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    anonymous = s3_endpoint.anonymous_client()
    loopback = {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}
    for principal in ({"AWS": "*"}, "*"):
        s3.put_bucket_policy(Bucket=bucket, Policy=_doc(_read(bucket, principal, Condition=loopback)))
        assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v", principal
    s3.delete_bucket_policy(Bucket=bucket)
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html",
)
def test_policy_deny_overrides_an_acl_grant(s3_endpoint: S3Target, s3: Any, new_bucket_name: Any) -> None:
    """An explicit Deny overrides any allow, an ACL grant's too: an object whose ACL is public-read
    (ACLs enabled) is refused to anonymous callers while the bucket policy denies everyone
    s3:GetObject on it, and readable again once the policy is gone."""
    name = new_bucket_name("deny-acl")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_OFF)
    s3.put_object(Bucket=name, Key="k", Body=b"v", ACL="public-read")
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
    s3.put_bucket_policy(Bucket=name, Policy=_doc({**_read(name), "Effect": "Deny"}))
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="k")) == (403, "AccessDenied")
    s3.delete_bucket_policy(Bucket=name)
    assert anonymous.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
