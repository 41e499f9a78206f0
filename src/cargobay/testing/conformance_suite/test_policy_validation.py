"""PutBucketPolicy: which documents are refused (400 MalformedPolicy) and which are taken, and the
policy operations' own answers (GetBucketPolicy, DeleteBucketPolicy, who may call them).

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html and the element
pages (reference_policies_elements_*.html).
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"),
]

_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"


def _statement(bucket: str, **changes: Any) -> dict[str, Any]:
    """A valid statement (the bucket owner's own account may read the bucket's objects), with
    ``changes`` applied; a value None removes the element."""
    statement: dict[str, Any] = {
        "Sid": "Read",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not None}


def _doc(*statements: dict[str, Any], **top: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements), **top})


def _refused(s3: Any, bucket: str, text: str) -> tuple[int, str | None]:
    return error_of(functools.partial(s3.put_bucket_policy, Bucket=bucket, Policy=text))


def _assert_all_refused(s3: Any, bucket: str, cases: dict[str, str]) -> None:
    """Every document of ``cases`` is 400 MalformedPolicy and none is stored."""
    for name, text in cases.items():
        assert _refused(s3, bucket, text) == (400, "MalformedPolicy"), name
    assert error_of(lambda: s3.get_bucket_policy(Bucket=bucket)) == (404, "NoSuchBucketPolicy")


def test_policy_that_is_not_a_json_object_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """MalformedPolicy is the answer to a policy that is not valid JSON (ErrorResponses.html:
    "Policies must be valid JSON and the first byte must be '{'"): text, a truncated document,
    a JSON array or string."""
    whole = _doc(_statement(bucket))
    cases = {"text": "not a policy", "truncated": whole[:-2], "array": f"[{whole}]", "string": json.dumps(whole)}
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_grammar.html")
def test_policy_without_statements_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """The grammar: a policy is ``{ <version_block>?, <id_block>?, <statement_block> }`` and the
    statement block ``"Statement" : [ <statement>, <statement>, ... ]``: a document without
    Statement, or with an empty list, or a statement that is not an object, is refused."""
    cases = {
        "missing": json.dumps({"Version": "2012-10-17"}),
        "empty list": json.dumps({"Version": "2012-10-17", "Statement": []}),
        "not an object": json.dumps({"Version": "2012-10-17", "Statement": ["Allow"]}),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_effect.html")
def test_policy_effect_other_than_allow_or_deny_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """reference_policies_elements_effect.html: "Valid values for Effect are Allow and Deny. The
    Effect value is case sensitive." A missing, lower-case or other Effect is refused."""
    cases = {
        "missing": _doc(_statement(bucket, Effect=None)),
        "lower case": _doc(_statement(bucket, Effect="allow")),
        "other": _doc(_statement(bucket, Effect="Permit")),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_action.html")
def test_policy_action_errors_are_400_malformed_policy(s3: Any, bucket: str) -> None:
    """A statement names its actions in Action or NotAction, exactly one of them (the grammar's
    ``<action_block> = ("Action" | "NotAction")``); each is ``s3:<name>`` in a bucket policy
    ("Policy has invalid action" otherwise): an action without its service prefix or of another
    service, no action element, or both elements, are refused."""
    cases = {
        "no prefix": _doc(_statement(bucket, Action="GetObject")),
        "another service": _doc(_statement(bucket, Action="sqs:SendMessage")),
        "missing": _doc(_statement(bucket, Action=None)),
        "both": _doc(_statement(bucket, NotAction="s3:PutObject")),
        "empty list": _doc(_statement(bucket, Action=[])),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_resource.html")
def test_policy_resource_errors_are_400_malformed_policy(s3: Any, bucket: str) -> None:
    """A bucket policy's resources are this bucket and its objects: one in another bucket or of
    another service is "Policy has invalid resource"; no resource element, or both Resource and
    NotResource (``<resource_block> = ("Resource" | "NotResource")``), are refused too."""
    cases = {
        "another bucket": _doc(_statement(bucket, Resource=f"arn:aws:s3:::{bucket}-other/*")),
        "one of two in another bucket": _doc(
            _statement(bucket, Resource=[f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}x/*"])
        ),
        "another service": _doc(_statement(bucket, Resource="arn:aws:sqs:us-east-1:111122223333:queue")),
        "missing": _doc(_statement(bucket, Resource=None)),
        "both": _doc(_statement(bucket, NotResource=f"arn:aws:s3:::{bucket}/private/*")),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_principal.html")
def test_policy_principal_errors_are_400_malformed_policy(s3: Any, bucket: str) -> None:
    """ "You must use the Principal element in resource-based policies" (a bucket policy is one);
    its keys are the principal types (AWS, CanonicalUser, Service, Federated): a statement without
    Principal or NotPrincipal, with both, or naming an unknown principal type, is refused."""
    cases = {
        "missing": _doc(_statement(bucket, Principal=None)),
        "unknown type": _doc(_statement(bucket, Principal={"Somebody": "x"})),
        "both": _doc(_statement(bucket, Effect="Deny", NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"})),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_condition_operators.html")
def test_policy_condition_errors_are_400_malformed_policy(s3: Any, bucket: str) -> None:
    """A condition block maps operators to ``{key: value or [values]}``: a block that is not an
    object, a value that is an object, or an IpAddress value that is no address or CIDR range is
    refused (as is an unknown operator: test_policy_unknown_condition_operator_is_400_malformed_policy)."""
    cases = {
        "not an object": _doc(_statement(bucket, Condition=["aws:SecureTransport"])),
        "value is an object": _doc(_statement(bucket, Condition={"StringEquals": {"s3:prefix": {"a": "b"}}})),
        "operator block not an object": _doc(_statement(bucket, Condition={"StringEquals": "s3:prefix"})),
        "not an address": _doc(_statement(bucket, Condition={"IpAddress": {"aws:SourceIp": "not-an-address"}})),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc(f"{_IAM}reference_policies_grammar.html")
def test_policy_elements_outside_the_grammar_are_400_malformed_policy(s3: Any, bucket: str) -> None:
    """The grammar names every element a policy (Version, Id, Statement) and a statement (Sid,
    Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource, Condition) may have, and
    the Sid and Id are strings: an element it does not know (a misspelled Condition would otherwise
    widen an Allow) or a Sid that is not a string is refused."""
    cases = {
        "misspelled condition": _doc(_statement(bucket, Condtion={"Bool": {"aws:SecureTransport": "true"}})),
        "unknown statement element": _doc(_statement(bucket, Comment="read access")),
        "unknown policy element": _doc(_statement(bucket), Owner="me"),
        "number as Sid": _doc(_statement(bucket, Sid=1)),
        "object as Id": _doc(_statement(bucket), Id={"name": "x"}),
    }
    _assert_all_refused(s3, bucket, cases)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html")
def test_policy_over_20_kb_is_refused_and_sets_nothing(s3: Any, bucket: str) -> None:
    """bucket-policies.html: "Bucket policies are limited to 20 KB in size." A policy of about 24 KB
    (statements, not padding) is refused with a 400 and the bucket keeps the policy it had; one
    of about 15 KB is taken. (The AWS pages name no error code for it; the status is checked.)"""

    def sized(count: int) -> str:
        statements = [
            _statement(bucket, Sid=f"S{i}", Resource=f"arn:aws:s3:::{bucket}/prefix-number-{i:05d}/*")
            for i in range(count)
        ]
        return _doc(*statements)

    small, large = sized(85), sized(130)
    assert 14_000 < len(small) < 17_000 and 22_000 < len(large) < 26_000, (len(small), len(large))
    s3.put_bucket_policy(Bucket=bucket, Policy=small)
    assert _refused(s3, bucket, large)[0] == 400
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(small)


def test_refused_policy_leaves_the_previous_one_in_place(s3: Any, bucket: str) -> None:
    """A PutBucketPolicy that is refused changes nothing: the policy set before is still returned."""
    first = _doc(_statement(bucket))
    s3.put_bucket_policy(Bucket=bucket, Policy=first)
    assert _refused(s3, bucket, _doc(_statement(bucket, Effect="Maybe"))) == (400, "MalformedPolicy")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(first)


def _valid_documents(bucket: str, owner_id: str) -> dict[str, str]:
    """Documents the IAM grammar allows, each showing one element or form."""
    objects = f"arn:aws:s3:::{bucket}/*"
    return {
        "single statement object": json.dumps({"Version": "2012-10-17", "Statement": _statement(bucket)}),
        "Id element": _doc(_statement(bucket), Id="policy-id-1"),
        "no Sid": _doc(_statement(bucket, Sid=None)),
        "lists everywhere": _doc(
            _statement(
                bucket,
                Principal={"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
                Action=["s3:GetObject", "s3:GetObjectVersion"],
                Resource=[objects, f"arn:aws:s3:::{bucket}/other/*"],
            )
        ),
        "canonical user": _doc(_statement(bucket, Principal={"CanonicalUser": owner_id})),
        "service principal": _doc(_statement(bucket, Principal={"Service": "logging.s3.amazonaws.com"})),
        "action case": _doc(_statement(bucket, Action="S3:getobject")),
        "action wildcards": _doc(_statement(bucket, Action=["s3:Get*", "s3:*Object?ersion"])),
        "NotAction": _doc(_statement(bucket, Action=None, Effect="Deny", NotAction="s3:GetObject")),
        "NotResource": _doc(
            _statement(bucket, Effect="Deny", Resource=None, NotResource=f"arn:aws:s3:::{bucket}/public/*")
        ),
        "NotPrincipal with Deny": _doc(
            _statement(bucket, Effect="Deny", Principal=None, NotPrincipal={"CanonicalUser": owner_id})
        ),
        "date condition": _doc(
            _statement(bucket, Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})
        ),
        "epoch condition": _doc(_statement(bucket, Condition={"NumericGreaterThan": {"aws:EpochTime": 1577836800}})),
        "condition key case": _doc(_statement(bucket, Condition={"Bool": {"AWS:SecureTransport": True}})),
        "tag keys set operator": _doc(
            _statement(
                bucket,
                Action="s3:PutObject",
                Condition={"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["team", "project"]}},
            )
        ),
        "policy variable": _doc(_statement(bucket, Resource=f"arn:aws:s3:::{bucket}/home/${{aws:username}}/*")),
    }


@pytest.mark.aws_doc(f"{_IAM}reference_policies_grammar.html")
def test_policy_elements_of_the_grammar_are_taken(s3: Any, bucket: str) -> None:
    """Every form the IAM policy grammar allows is taken (204) and returned: a single statement
    object instead of a list, Id, Sid absent, lists of principals, actions and resources, a
    CanonicalUser or Service principal, action names in any case and with wildcards
    (reference_policies_elements_action.html: "Action ... values are case-insensitive"), NotAction,
    NotResource, NotPrincipal with Deny, the Date operators on aws:CurrentTime, aws:EpochTime,
    condition key names in any case ("Condition key names are not case-sensitive"), ForAllValues on
    s3:RequestObjectTagKeys (amazon-s3-policy-keys.html) and a policy variable in a resource."""
    owner_id = s3.list_buckets()["Owner"]["ID"]
    for name, text in _valid_documents(bucket, owner_id).items():
        answer = s3.put_bucket_policy(Bucket=bucket, Policy=text)
        assert answer["ResponseMetadata"]["HTTPStatusCode"] in (200, 204), name
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text), name


# -- the policy operations ----------------------------------------------------------------------


def test_put_bucket_policy_with_confirm_remove_self_bucket_access(s3: Any, bucket: str) -> None:
    """PutBucketPolicy takes the x-amz-confirm-remove-self-bucket-access header ("Set this
    parameter to true to confirm that you want to remove your permissions to change this bucket
    policy in the future"): with it the policy is set as without it."""
    text = _doc(_statement(bucket))
    answer = s3.put_bucket_policy(Bucket=bucket, Policy=text, ConfirmRemoveSelfBucketAccess=True)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html")
def test_get_bucket_policy_returns_the_document_that_was_put(s3: Any, bucket: str) -> None:
    """GetBucketPolicy answers 200 with the policy as a JSON document: the one PutBucketPolicy
    stored (compared as JSON: the pages do not promise the same bytes, whitespace or key order)."""
    text = json.dumps(
        {"Version": "2012-10-17", "Id": "kept", "Statement": [_statement(bucket), _statement(bucket, Sid="Second")]},
        indent=2,
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    answer = s3.get_bucket_policy(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert json.loads(answer["Policy"]) == json.loads(text)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html")
def test_delete_bucket_policy_is_204_with_or_without_a_policy(s3: Any, bucket: str) -> None:
    """DeleteBucketPolicy answers 204 No Content; a bucket without a policy answers the same
    (nothing to remove is no error), and afterwards GetBucketPolicy is 404 NoSuchBucketPolicy."""
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.put_bucket_policy(Bucket=bucket, Policy=_doc(_statement(bucket)))
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_bucket_policy(Bucket=bucket)) == (404, "NoSuchBucketPolicy")
    assert error_of(lambda: s3.get_bucket_policy_status(Bucket=bucket)) == (404, "NoSuchBucketPolicy")


def test_policy_operations_on_a_missing_bucket_are_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    """Every policy operation on a bucket that does not exist is 404 NoSuchBucket."""
    name = new_bucket_name("no-such")
    text = _doc(_statement(name))
    calls = {
        "put": functools.partial(s3.put_bucket_policy, Bucket=name, Policy=text),
        "get": functools.partial(s3.get_bucket_policy, Bucket=name),
        "delete": functools.partial(s3.delete_bucket_policy, Bucket=name),
        "status": functools.partial(s3.get_bucket_policy_status, Bucket=name),
    }
    for what, call in calls.items():
        assert error_of(call) == (404, "NoSuchBucket"), what


@pytest.mark.s3_requires("multi_user")
def test_bucket_owner_manages_the_policy_even_when_it_denies_that(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_PutBucketPolicy.html, API_GetBucketPolicy.html, API_DeleteBucketPolicy.html: "To ensure
    that bucket owners don't inadvertently lock themselves out of their own buckets, the root
    principal in a bucket owner's AWS account can perform the GetBucketPolicy, PutBucketPolicy, and
    DeleteBucketPolicy API actions, even if their bucket policy explicitly denies the root
    principal's access." A policy denying everyone those three actions (and s3:GetObject) still
    lets the owner read it, replace it and delete it, while it refuses the owner's GetObject.
    (The suite's main credentials are the bucket owner's account itself, as cargobay's users are.)"""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    deny = {
        "Sid": "NoOne",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        "Resource": f"arn:aws:s3:::{bucket}",
    }
    deny_read = {
        "Sid": "NoRead",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    text = _doc(deny, deny_read)
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    try:
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text)
        s3.put_bucket_policy(Bucket=bucket, Policy=_doc(deny))
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(_doc(deny))
    finally:
        assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


@pytest.mark.s3_requires("multi_user")
def test_policy_operations_by_another_account_are_403_or_405(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_PutBucketPolicy.html (and Get/DeleteBucketPolicy): "If you don't have PutBucketPolicy
    permissions, Amazon S3 returns a 403 Access Denied error. If you have the correct permissions,
    but you're not using an identity that belongs to the bucket owner's account, Amazon S3 returns a
    405 Method Not Allowed error." The second account is refused 403 AccessDenied while no
    statement grants it the three actions, and 405 MethodNotAllowed once one does; the policy is
    unchanged either way."""
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]
    grant = {
        "Sid": "Manage",
        "Effect": "Allow",
        "Principal": {"CanonicalUser": alt_id},
        "Action": ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        "Resource": f"arn:aws:s3:::{bucket}",
    }
    without, granted = _doc(_statement(bucket)), _doc(grant)
    for text, expected in ((without, (403, "AccessDenied")), (granted, (405, "MethodNotAllowed"))):
        s3.put_bucket_policy(Bucket=bucket, Policy=text)
        calls = {
            "get": functools.partial(alt.get_bucket_policy, Bucket=bucket),
            "put": functools.partial(alt.put_bucket_policy, Bucket=bucket, Policy=without),
            "delete": functools.partial(alt.delete_bucket_policy, Bucket=bucket),
        }
        for what, call in calls.items():
            assert error_of(call) == expected, what
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text)
