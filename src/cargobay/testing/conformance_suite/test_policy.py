"""Bucket policies: prefix-pattern resources and conditions (aws:SourceIp, aws:SecureTransport,
s3:prefix, s3:ExistingObjectTag), evaluated for anonymous callers.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [pytest.mark.s3_requires("acl", "multi_user"),
              pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html")]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_policy_prefix_resource_with_source_ip_condition(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b", Body=b"b")
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/public*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}},
    }))
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="public/a")["Body"].read() == b"a"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="private/b")) == (403, "AccessDenied")


def test_policy_source_ip_condition_that_does_not_match_denies(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }))
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="public/a")) == (403, "AccessDenied")


def test_policy_s3_prefix_condition_on_list_bucket(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="home/a", Body=b"a")
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {"StringLike": {"s3:prefix": ["home/*"]}},
    }))
    anonymous = s3_endpoint.anonymous_client()
    assert [o["Key"] for o in anonymous.list_objects_v2(Bucket=bucket, Prefix="home/")["Contents"]] == ["home/a"]
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket, Prefix="other/")) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket)) == (403, "AccessDenied")


def test_policy_existing_object_tag_condition(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"a", Tagging="share=yes")
    s3.put_object(Bucket=bucket, Key="b", Body=b"b", Tagging="share=no")
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/share": "yes"}},
    }))
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="a")["Body"].read() == b"a"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="b")) == (403, "AccessDenied")


def test_policy_deny_insecure_transport(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    # example-bucket-policies.html: deny when aws:SecureTransport is false. The owner is denied too.
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }))
    if s3_endpoint.endpoint.url.startswith("https"):
        assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"a"
    else:
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="a")) == (403, "AccessDenied")


def test_policy_unknown_condition_operator_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    text = _policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {"NoSuchOperator": {"aws:SourceIp": "10.0.0.0/8"}}})
    assert error_of(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=text)) == (400, "MalformedPolicy")


def test_policy_request_object_tag_condition_on_put(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    # amazon-s3-policy-keys.html: s3:RequestObjectTag/<key> is the tag sent with the PUT (x-amz-tagging).
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"s3:RequestObjectTag/upload": "ok"}},
    }))
    anonymous = s3_endpoint.anonymous_client()
    anonymous.put_object(Bucket=bucket, Key="tagged", Body=b"t", Tagging="upload=ok")
    assert error_of(lambda: anonymous.put_object(Bucket=bucket, Key="untagged", Body=b"u")) == (403, "AccessDenied")
    assert s3.get_object(Bucket=bucket, Key="tagged")["Body"].read() == b"t"


def test_policy_deny_by_canned_acl_header_applies_to_the_owner(s3: Any, bucket: str) -> None:
    # An explicit Deny wins over everything, the bucket owner included (reference_policies_evaluation-logic.html).
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringLike": {"s3:x-amz-acl": "public*"}},
    }))
    s3.put_object(Bucket=bucket, Key="private", Body=b"p", ACL="private")
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="public", Body=b"p", ACL="public-read")) == (
        403, "AccessDenied")
