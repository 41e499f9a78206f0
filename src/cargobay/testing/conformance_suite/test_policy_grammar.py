"""PutBucketPolicy, a third pass: names the grammar allows but S3 does not know (an action that does
not exist), principals the Principal element cannot name (a wildcard inside an ARN), and the forms of
them that are taken.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.normalize import status_and_code

_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"),
]


def _statement(bucket: str, **changes: Any) -> dict[str, Any]:
    """A valid statement (account 111122223333 may read the bucket's objects), with ``changes``
    applied; a value None removes the element."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not None}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _put(s3: Any, bucket: str, text: str) -> tuple[int, str | None]:
    """(status, None) when the policy is taken, else (status, code) of the refusal."""
    try:
        return (s3.put_bucket_policy(Bucket=bucket, Policy=text)["ResponseMetadata"]["HTTPStatusCode"], None)
    except ClientError as exc:
        return status_and_code(exc)


def _check(s3: Any, bucket: str, refused: dict[str, str], taken: dict[str, str]) -> None:
    """Every document of ``refused`` is 400 MalformedPolicy and leaves no policy; every one of ``taken``
    is stored (204, or 200 as some peers answer) and returned."""
    for name, text in refused.items():
        assert _put(s3, bucket, text) == (400, "MalformedPolicy"), name
    assert error_of(lambda: s3.get_bucket_policy(Bucket=bucket)) == (404, "NoSuchBucketPolicy")
    for name, text in taken.items():
        assert _put(s3, bucket, text)[0] in (200, 204), name
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text), name


@pytest.mark.aws_doc(
    f"{_IAM}reference_policies_elements_action.html",
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html",
)
def test_action_s3_does_not_have_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """The actions of a bucket policy are those S3 defines (list_amazons3.html, "Actions defined by
    Amazon S3"); one it does not define is "Policy has invalid action": a misspelled name, the prefix
    alone, a name with a space. Names it defines are taken in any case, among them the rarer ones
    (s3:GetObjectAttributes, s3:BypassGovernanceRetention, s3:PutBucketOwnershipControls,
    s3:ObjectOwnerOverrideToBucketOwner, s3:GetBucketPolicyStatus), and so are wildcards."""
    objects, whole = f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}"
    refused = {
        "misspelled": _doc(_statement(bucket, Action="s3:GetObjects")),
        "one bad of two": _doc(_statement(bucket, Action=["s3:GetObject", "s3:ReadObject"])),
        "prefix alone": _doc(_statement(bucket, Action="s3:")),
        "space": _doc(_statement(bucket, Action="s3:Get Object")),
        "in a NotAction": _doc(_statement(bucket, Effect="Deny", Action=None, NotAction="s3:DeleteEverything")),
    }
    rare = _statement(
        bucket,
        Action=[
            "s3:GetObjectAttributes",
            "s3:BypassGovernanceRetention",
            "s3:ObjectOwnerOverrideToBucketOwner",
            "s3:PutBucketOwnershipControls",
            "s3:GetBucketPolicyStatus",
            "s3:listbucketmultipartuploads",
        ],
        Resource=[whole, objects],
    )
    taken = {
        "rare names": _doc(rare),
        "wildcards": _doc(_statement(bucket, Action=["s3:Get*Tagging", "s3:*", "s3:List?ucket"])),
    }
    _check(s3, bucket, refused, taken)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_principal.html")
def test_principal_with_a_wildcard_inside_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """reference_policies_elements_principal.html: "You cannot use a wildcard to match part of a
    principal name or ARN", so an account, user or role ARN with "*" or "?" in it is "Invalid principal
    in policy"; "*" alone, as the whole principal or as the AWS value, stands for everyone and is taken."""
    refused = {
        "any account": _doc(_statement(bucket, Principal={"AWS": "arn:aws:iam::*:root"})),
        "any user": _doc(_statement(bucket, Principal={"AWS": "arn:aws:iam::111122223333:user/*"})),
        "part of a role": _doc(_statement(bucket, Principal={"AWS": ["arn:aws:iam::111122223333:role/app-?"]})),
        "among others": _doc(
            _statement(bucket, Principal={"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::1111*:root"]})
        ),
    }
    loopback = {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}
    taken = {
        "star": _doc(_statement(bucket, Principal="*", Condition=loopback)),
        "AWS star": _doc(_statement(bucket, Principal={"AWS": "*"}, Condition=loopback)),
        "account": _doc(_statement(bucket, Principal={"AWS": "111122223333"})),
    }
    _check(s3, bucket, refused, taken)


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
    f"{_IAM}reference_iam-quotas.html",
)
def test_policy_size_limit_does_not_count_white_space(s3: Any, bucket: str) -> None:
    """bucket-policies.html: "Bucket policies are limited to 20 KB in size"; as for IAM policies
    (reference_iam-quotas.html: white space is not counted "when calculating the size of a policy
    against these quotas"), the indentation of a document does not count: a policy of about 15 KB
    without white space, sent indented to over 30 KB, is taken and returned; the same statements
    grown to about 24 KB without white space are refused (400)."""

    def statements(count: int) -> list[dict[str, Any]]:
        return [
            _statement(bucket, Sid=f"S{i}", Resource=f"arn:aws:s3:::{bucket}/prefix-number-{i:05d}/*")
            for i in range(count)
        ]

    small = {"Version": "2012-10-17", "Statement": statements(85)}
    indented = json.dumps(small, indent=8)
    compact = json.dumps(small, separators=(",", ":"))
    assert len(compact) < 17_000 and len(indented) > 30_000, (len(compact), len(indented))
    assert _put(s3, bucket, indented)[0] in (200, 204)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == small
    large = json.dumps({"Version": "2012-10-17", "Statement": statements(130)}, separators=(",", ":"))
    assert 22_000 < len(large) < 26_000, len(large)
    assert _put(s3, bucket, large)[0] == 400
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == small


def test_policy_nested_too_deep_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """A document nested thousands of levels deep (a Statement, or an Action, of arrays in arrays)
    is no policy: 400 MalformedPolicy, never a 500, and nothing stored."""
    deep = "[" * 4000 + "]" * 4000
    refused = {
        "statement": '{"Version":"2012-10-17","Statement":' + deep + "}",
        "action": _doc(_statement(bucket)).replace('"s3:GetObject"', deep, 1),
    }
    _check(s3, bucket, refused, {})


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_notprincipal.html")
def test_not_principal_with_allow_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """reference_policies_elements_notprincipal.html: "NotPrincipal must be used with
    "Effect":"Deny". Using it with "Effect":"Allow" is not supported." Such a statement (which would
    grant everyone but the one named, anonymous callers too) is refused; with Deny it is taken."""
    everyone_but = {"Principal": None, "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}
    refused = {"allow": _doc(_statement(bucket, **everyone_but))}
    taken = {"deny": _doc(_statement(bucket, Effect="Deny", **everyone_but))}
    _check(s3, bucket, refused, taken)
