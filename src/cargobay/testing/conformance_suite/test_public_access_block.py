"""Block Public Access (Put/Get/DeletePublicAccessBlock), its four switches, and GetBucketPolicyStatus.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
(NoSuchPublicAccessBlockConfiguration; a blocked request fails with 403 AccessDenied).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    ),
]

_ALL_OFF = {
    "BlockPublicAcls": False,
    "IgnorePublicAcls": False,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}


def _block(**switches: bool) -> dict[str, bool]:
    return {**_ALL_OFF, **switches}


def _public_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
            ],
        }
    )


def test_public_access_block_round_trip(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_public_access_block(Bucket=bucket)) == (404, "NoSuchPublicAccessBlockConfiguration")
    config = _block(BlockPublicAcls=True, RestrictPublicBuckets=True)
    assert (
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 200
    )
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == config
    assert s3.delete_public_access_block(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_public_access_block(Bucket=bucket)) == (404, "NoSuchPublicAccessBlockConfiguration")


def test_block_public_acls_refuses_public_acls(s3: Any, bucket: str) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_block(BlockPublicAcls=True))
    denied = (403, "AccessDenied")
    assert error_of(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read")) == denied
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")) == denied
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="private")
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read-write")) == denied


@pytest.mark.s3_requires("multi_user")
def test_ignore_public_acls_makes_public_objects_private(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_block(IgnorePublicAcls=True))
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")


def test_block_public_policy_refuses_public_policy(s3: Any, bucket: str) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_block(BlockPublicPolicy=True))
    assert error_of(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_public_policy(bucket))) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user")
def test_restrict_public_buckets_ignores_public_policy(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_policy(bucket))
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_block(RestrictPublicBuckets=True))
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")


def test_bucket_policy_status(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_policy_status(Bucket=bucket)) == (404, "NoSuchBucketPolicy")
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_policy(bucket))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}
