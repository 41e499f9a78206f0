"""Bucket policy evaluation, a third pass: which statements a request meets by its resource (the
bucket or its objects, wildcards, case), by its principal (every spelling that names the caller), and
who may read the policy status.

As in test_policy_conditions, most tests deny the bucket owner: "An explicit deny in any of these
policies overrides the allow" (reference_policies_evaluation-logic.html), so the answer (403 or
success) shows whether the statement applied.

References: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._policies import DENIED as _DENIED
from cargobay.testing.conformance_suite._policies import deny as _deny
from cargobay.testing.conformance_suite._policies import policy_in_place as _policy
from cargobay.testing.normalize import status_and_code

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
pytestmark = [pytest.mark.s3_requires("acl"), pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_resource.html")]


def _reads(s3: Any, bucket: str, key: str) -> bool:
    """Whether the owner may read ``key`` (False: 403 AccessDenied)."""
    try:
        s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        assert status_and_code(exc) == _DENIED, key
        return False
    return True


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html")
def test_bucket_and_object_resources_reach_only_their_kind(s3: Any, bucket: str) -> None:
    """A bucket's ARN names the bucket, ``bucket/*`` its objects (s3-arn-format.html): a Deny of
    every action (s3:*) on the bucket ARN refuses listing the bucket and leaves reading its objects;
    on ``bucket/*`` it refuses the reads and leaves the listing; on ``bucket*`` (a wildcard that
    reaches past the "/") it refuses both."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with _policy(s3, bucket, _deny(bucket, "s3:*", resource="")):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket)) == _DENIED
        assert _reads(s3, bucket, "k")
    with _policy(s3, bucket, _deny(bucket, "s3:*", resource="/*")):
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
        assert not _reads(s3, bucket, "k")
    with _policy(s3, bucket, _deny(bucket, "s3:*", resource="*")):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket)) == _DENIED
        assert not _reads(s3, bucket, "k")


def test_resource_wildcards_and_case(s3: Any, bucket: str) -> None:
    """In a resource, "?" matches exactly one character and "*" any run, "/" included; the rest is
    compared with its case (reference_policies_elements_resource.html: ARNs are case sensitive). A
    Deny of reads of ``logs/day-?.txt`` and ``Secret/*`` refuses ``logs/day-1.txt`` and
    ``Secret/a/b``, and not ``logs/day-10.txt``, ``logs/day-.txt`` or ``secret/a``."""
    keys = ["logs/day-1.txt", "logs/day-10.txt", "logs/day-.txt", "Secret/a/b", "secret/a"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"v")
    statement = _deny(bucket, "s3:GetObject")
    statement["Resource"] = [f"arn:aws:s3:::{bucket}/logs/day-?.txt", f"arn:aws:s3:::{bucket}/Secret/*"]
    with _policy(s3, bucket, statement):
        readable = {key: _reads(s3, bucket, key) for key in keys}
    assert readable == {
        "logs/day-1.txt": False,
        "logs/day-10.txt": True,
        "logs/day-.txt": True,
        "Secret/a/b": False,
        "secret/a": True,
    }


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_principal.html")
def test_every_spelling_of_the_caller_meets_a_deny(s3: Any, bucket: str) -> None:
    """A Deny reaches the caller whether its Principal is "*", {"AWS": "*"}, {"AWS": ["*"]} or the
    caller's canonical user id; a Deny naming another canonical user does not."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    owner_id = s3.list_buckets()["Owner"]["ID"]
    other_id = "0" * 64 if owner_id != "0" * 64 else "1" * 64
    for principal in ("*", {"AWS": "*"}, {"AWS": ["*"]}, {"CanonicalUser": owner_id}):
        with _policy(s3, bucket, {**_deny(bucket, "s3:GetObject"), "Principal": principal}):
            assert not _reads(s3, bucket, "k"), principal
    with _policy(s3, bucket, {**_deny(bucket, "s3:GetObject"), "Principal": {"CanonicalUser": other_id}}):
        assert _reads(s3, bucket, "k")


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(f"{_API}API_GetBucketPolicyStatus.html")
def test_policy_status_of_another_account_needs_its_action(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_GetBucketPolicyStatus.html: "To use this operation, you must have the
    s3:GetBucketPolicyStatus permission." Another account is refused (403 AccessDenied) until the
    policy grants it that action; then it reads the status (the 405 of the policy operations
    themselves is not said of this one)."""
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    other = {
        "Effect": "Allow",
        "Principal": {"CanonicalUser": alt_id},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    with _policy(s3, bucket, other):
        assert error_of(lambda: alt.get_bucket_policy_status(Bucket=bucket)) == _DENIED
    status = {**other, "Action": "s3:GetBucketPolicyStatus", "Resource": f"arn:aws:s3:::{bucket}"}
    with _policy(s3, bucket, status):
        assert alt.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}
