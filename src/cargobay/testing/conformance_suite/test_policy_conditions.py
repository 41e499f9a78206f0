"""Bucket policy evaluation: how Condition operators combine and treat absent keys, the Date, Numeric,
Null and set operators, NotAction / NotResource / NotPrincipal, explicit Deny, and policy variables.

Most tests deny the bucket owner under a condition: "An explicit deny in any of these policies
overrides the allow" (reference_policies_evaluation-logic.html) reaches the owner too, so the answer
(403 or success) shows whether the condition held, and no public policy is needed.

References: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
"""

from __future__ import annotations

from collections.abc import Callable
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
pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc(f"{_IAM}reference_policies_elements_condition_operators.html"),
]
_KEYS_DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
_LOOPBACK = {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}


def _put_with_tags(s3: Any, bucket: str, key: str, tagging: str | None) -> tuple[int, str | None]:
    """(200, None) when a PutObject with ``tagging`` (None: no tags) succeeds, else its error."""
    extra = {} if tagging is None else {"Tagging": tagging}
    try:
        return (s3.put_object(Bucket=bucket, Key=key, Body=b"x", **extra)["ResponseMetadata"]["HTTPStatusCode"], None)
    except ClientError as exc:
        return status_and_code(exc)


def _check_puts(s3: Any, bucket: str, cases: dict[str | None, bool]) -> None:
    """Each tagging of ``cases`` is refused (True: 403 AccessDenied) or written (False)."""
    for number, (tagging, refused) in enumerate(cases.items()):
        answer = _put_with_tags(s3, bucket, f"k{number}", tagging)
        assert answer == (_DENIED if refused else (200, None)), (tagging, answer)


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc(f"{_IAM}reference_policies_condition-logic-multiple-context-keys-or-values.html")
def test_condition_values_are_ored_keys_and_operators_anded(s3: Any, bucket: str) -> None:
    """Several values of one key: the condition holds if the request's value matches any; several
    keys under one operator, and several operators, must all hold. A Deny of s3:PutObject when tag
    ``a`` (s3:RequestObjectTag/a) is 1 or 2 AND tag ``b`` is ``x`` AND tag ``c`` is like ``y*``
    refuses exactly the writes that satisfy all three."""
    condition = {
        "StringEquals": {"s3:RequestObjectTag/a": ["1", "2"], "s3:RequestObjectTag/b": "x"},
        "StringLike": {"s3:RequestObjectTag/c": "y*"},
    }
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", condition)):
        _check_puts(
            s3,
            bucket,
            {
                "a=1&b=x&c=yes": True,
                "a=2&b=x&c=y": True,
                "a=3&b=x&c=yes": False,
                "a=1&b=z&c=yes": False,
                "a=1&b=x&c=no": False,
                "a=1&b=x": False,
                None: False,
            },
        )


@pytest.mark.s3_requires("tagging")
def test_string_like_wildcards(s3: Any, bucket: str) -> None:
    """StringLike: "*" matches any run of characters (none too) and "?" exactly one; everything else,
    case included, literally."""
    condition = {"StringLike": {"s3:RequestObjectTag/v": "v?-*"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", condition)):
        _check_puts(s3, bucket, {"v=v1-abc": True, "v=v1-": True, "v=v12-": False, "v=V1-a": False, "v=v-": False})


@pytest.mark.s3_requires("tagging")
def test_absent_key_fails_positive_operators_and_satisfies_negated_ones(s3: Any, bucket: str) -> None:
    """ "If the key that you specify in a policy condition is not present in the request context,
    the values do not match and the condition is false. If the policy condition requires that the
    key is not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the
    condition is true." And with ...IfExists, "If the policy key is not present in the request
    context, the condition returns true." So a Deny on StringNotEquals refuses a write without the
    tag, one on StringEquals does not, and one on StringEqualsIfExists does."""
    not_ok = {"StringNotEquals": {"s3:RequestObjectTag/class": "ok"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", not_ok)):
        _check_puts(s3, bucket, {None: True, "class=ok": False, "class=no": True})
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"StringEquals": {"s3:RequestObjectTag/class": "no"}})):
        _check_puts(s3, bucket, {None: False, "class=no": True, "class=ok": False})
    if_exists = {"StringEqualsIfExists": {"s3:RequestObjectTag/class": "no"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", if_exists)):
        _check_puts(s3, bucket, {None: True, "class=no": True, "class=ok": False})


@pytest.mark.s3_requires("tagging")
def test_null_condition_tests_whether_the_key_is_present(s3: Any, bucket: str) -> None:
    """Null: ``"true"`` holds when the key is absent, ``"false"`` when it is present. A Deny of
    writes whose ``owner`` tag is absent refuses the untagged write only."""
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"Null": {"s3:RequestObjectTag/owner": "true"}})):
        _check_puts(s3, bucket, {None: True, "owner=me": False, "other=1": True})
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"Null": {"s3:RequestObjectTag/owner": "false"}})):
        _check_puts(s3, bucket, {None: False, "owner=me": True})


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html")
def test_set_operators_on_request_object_tag_keys(s3: Any, bucket: str) -> None:
    """s3:RequestObjectTagKeys holds every tag key of the write. ForAnyValue holds when any of them
    matches (a Deny on the key ``secret`` refuses a write carrying it among others); ForAllValues
    when all do, and also "if there are no context keys in the request" (so a Deny of writes whose
    keys are all in {tmp, scratch} refuses an untagged write too)."""
    any_secret = {"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": ["secret"]}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", any_secret)):
        _check_puts(s3, bucket, {"a=1&secret=2": True, "a=1": False, None: False})
    all_scratch = {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["tmp", "scratch"]}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", all_scratch)):
        _check_puts(s3, bucket, {"tmp=1&scratch=2": True, "tmp=1&keep=2": False, None: True})


def test_condition_key_names_ignore_case_values_do_not(s3: Any, bucket: str) -> None:
    """ "Condition key names are not case-sensitive" (reference_policies_elements_condition.html);
    StringEquals compares values with their case, StringEqualsIgnoreCase without. A Deny of
    s3:ListBucket when ``S3:PREFIX`` equals ``secret/`` refuses that listing, not ``Secret/``; with
    StringEqualsIgnoreCase both are refused."""
    whole = ""
    with _policy(
        s3, bucket, _deny(bucket, "s3:ListBucket", {"StringEquals": {"S3:PREFIX": "secret/"}}, resource=whole)
    ):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="secret/")) == _DENIED
        assert s3.list_objects_v2(Bucket=bucket, Prefix="Secret/")["KeyCount"] == 0
    folded = {"StringEqualsIgnoreCase": {"s3:prefix": "secret/"}}
    with _policy(s3, bucket, _deny(bucket, "s3:ListBucket", folded, resource=whole)):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="Secret/")) == _DENIED
        assert s3.list_objects_v2(Bucket=bucket, Prefix="public/")["KeyCount"] == 0


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html")
def test_numeric_conditions_on_max_keys(s3: Any, bucket: str) -> None:
    """s3:max-keys is the listing's max-keys parameter, compared as a number. A Deny when it is
    greater than 100 refuses max-keys=101, not 100 or a listing without it (absent key: false); a
    Deny on NumericNotEquals 5 refuses 6 and, the key being absent, a listing without it."""
    whole = ""
    with _policy(
        s3, bucket, _deny(bucket, "s3:ListBucket", {"NumericGreaterThan": {"s3:max-keys": "100"}}, resource=whole)
    ):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, MaxKeys=101)) == _DENIED
        assert s3.list_objects_v2(Bucket=bucket, MaxKeys=100)["KeyCount"] == 0
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    with _policy(
        s3, bucket, _deny(bucket, "s3:ListBucket", {"NumericNotEquals": {"s3:max-keys": "5"}}, resource=whole)
    ):
        assert s3.list_objects_v2(Bucket=bucket, MaxKeys=5)["KeyCount"] == 0
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, MaxKeys=6)) == _DENIED
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket)) == _DENIED


@pytest.mark.aws_doc(f"{_IAM}reference_policies_examples_aws-dates.html")
def test_date_conditions_on_the_current_time(s3: Any, bucket: str) -> None:
    """Date operators compare aws:CurrentTime (ISO 8601) and aws:EpochTime with dates given in ISO
    8601 or as epoch seconds. Denying reads after 2000-01-01 refuses them now; before 2000-01-01
    does not; aws:EpochTime compared as a number, and an epoch date value, behave alike."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    refusing: list[dict[str, Any]] = [
        {"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}},
        {"DateGreaterThan": {"aws:CurrentTime": "946684800"}},
        {"NumericGreaterThan": {"aws:EpochTime": 946684800}},
        {"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}},
    ]
    for condition in refusing:
        with _policy(s3, bucket, _deny(bucket, "s3:GetObject", condition)):
            assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED, condition
    passing: list[dict[str, Any]] = [
        {"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}},
        {"NumericLessThan": {"aws:EpochTime": 946684800}},
    ]
    for condition in passing:
        with _policy(s3, bucket, _deny(bucket, "s3:GetObject", condition)):
            assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v", condition


@pytest.mark.aws_doc(
    f"{_IAM}reference_policies_elements_notaction.html", f"{_IAM}reference_policies_elements_notresource.html"
)
def test_not_action_and_not_resource(s3: Any, bucket: str) -> None:
    """NotAction matches every action but those named: a Deny of everything on the objects but
    s3:GetObject lets the owner read and refuses its write. NotResource matches every resource but
    those named: a Deny of s3:PutObject outside ``uploads/*`` lets the owner write there only."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    not_get = {
        "Effect": "Deny",
        "Principal": "*",
        "NotAction": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    with _policy(s3, bucket, not_get):
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x")) == _DENIED
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1  # the bucket is not a resource named
    outside = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "NotResource": f"arn:aws:s3:::{bucket}/uploads/*",
    }
    with _policy(s3, bucket, outside):
        s3.put_object(Bucket=bucket, Key="uploads/a", Body=b"x")
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="elsewhere/a", Body=b"x")) == _DENIED


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(
    f"{_IAM}reference_policies_elements_notprincipal.html", f"{_IAM}reference_policies_evaluation-logic.html"
)
def test_explicit_deny_wins_and_not_principal_exempts(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """A policy allowing the second account every object read and denying it ``secret/*`` lets it
    read ``pub`` and refuses ``secret/k`` (explicit deny wins). "NotPrincipal ... with Deny denies
    access to all principals except the principal specified": denying reads to all but the bucket
    owner refuses the second account despite its Allow, and not the owner."""
    for key in ("pub", "secret/k"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"v")
    alt = s3_endpoint.alt_client()
    owner_id, alt_id = (str(c.list_buckets()["Owner"]["ID"]) for c in (s3, alt))
    allow = {
        "Effect": "Allow",
        "Principal": {"CanonicalUser": alt_id},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    deny_secret = {**allow, "Effect": "Deny", "Resource": f"arn:aws:s3:::{bucket}/secret/*"}
    with _policy(s3, bucket, allow, deny_secret):
        assert alt.get_object(Bucket=bucket, Key="pub")["Body"].read() == b"v"
        assert error_of(lambda: alt.get_object(Bucket=bucket, Key="secret/k")) == _DENIED
    all_but_owner = {
        "Effect": "Deny",
        "NotPrincipal": {"CanonicalUser": owner_id},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    with _policy(s3, bucket, allow, all_but_owner):
        assert error_of(lambda: alt.get_object(Bucket=bucket, Key="pub")) == _DENIED
        assert s3.get_object(Bucket=bucket, Key="pub")["Body"].read() == b"v"


@pytest.mark.aws_doc(f"{_IAM}reference_policies_variables.html")
def test_policy_variables_for_special_characters(s3: Any, bucket: str) -> None:
    """``${*}``, ``${?}`` and ``${$}`` stand for the characters themselves, not wildcards: a Deny
    of reads of ``star${*}``, ``mark${?}`` and ``cost${$}`` refuses the keys ``star*``, ``mark?`` and
    ``cost$`` and not ``starX``, ``markX`` or ``costX``."""
    keys = ["star*", "starX", "mark?", "markX", "cost$", "costX"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"v")
    statement = _deny(bucket, "s3:GetObject")
    statement["Resource"] = [f"arn:aws:s3:::{bucket}/{name}" for name in ("star${*}", "mark${?}", "cost${$}")]
    with _policy(s3, bucket, statement):
        for key in keys:
            if key.endswith("X"):
                assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"v", key
            else:
                assert error_of(lambda: s3.get_object(Bucket=bucket, Key=key)) == _DENIED, key  # noqa: B023


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(f"{_IAM}reference_policies_variables.html")
def test_policy_variable_of_an_absent_key(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """An anonymous request has no aws:username. In Version 2012-10-17 a resource
    ``home/${aws:username}/*`` then matches nothing (a variable without a value does not match,
    even the key spelled with the variable), and ``home/${aws:username, 'guest'}/*`` takes its
    default; in Version 2008-10-17 variables are not replaced ("policy variables ... only in
    2012-10-17"), so the resource is the literal text."""
    for key in ("home/${aws:username}/k", "home/guest/k", "home/other/k"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"v")
    anonymous = s3_endpoint.anonymous_client()

    def reads(resource: str, version: str = "2012-10-17") -> list[str]:
        allow = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/{resource}",
            "Condition": _LOOPBACK,
        }
        with _policy(s3, bucket, allow, version=version):
            found = []
            for key in ("home/${aws:username}/k", "home/guest/k", "home/other/k"):
                try:
                    anonymous.get_object(Bucket=bucket, Key=key)["Body"].read()
                    found.append(key)
                except ClientError as exc:
                    assert status_and_code(exc) == _DENIED, key
            return found

    assert reads("home/${aws:username}/*") == []
    assert reads("home/${aws:username, 'guest'}/*") == ["home/guest/k"]
    assert reads("home/${aws:username}/*", version="2008-10-17") == ["home/${aws:username}/k"]


# -- the S3 condition keys of particular requests (amazon-s3-policy-keys.html) ------------------


@pytest.mark.s3_requires("copy")
@pytest.mark.aws_doc(_KEYS_DOC)
def test_copy_source_and_metadata_directive_conditions(s3: Any, bucket: str) -> None:
    """A copy is s3:PutObject with s3:x-amz-copy-source (``bucket/key`` of the source) and
    s3:x-amz-metadata-directive: a Deny of copies from ``private/*`` refuses one and lets a copy
    from ``public/`` and a plain write through; a Deny of REPLACE refuses that copy, not COPY."""
    for key in ("private/k", "public/k"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"v")
    from_private = {"StringLike": {"s3:x-amz-copy-source": f"{bucket}/private/*"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", from_private)):
        refused = error_of(
            lambda: s3.copy_object(Bucket=bucket, Key="c1", CopySource={"Bucket": bucket, "Key": "private/k"})
        )
        assert refused == _DENIED
        s3.copy_object(Bucket=bucket, Key="c2", CopySource={"Bucket": bucket, "Key": "public/k"})
        s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    replace = {"StringEquals": {"s3:x-amz-metadata-directive": "REPLACE"}}
    source = {"Bucket": bucket, "Key": "public/k"}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", replace)):
        refused = error_of(
            lambda: s3.copy_object(Bucket=bucket, Key="c3", CopySource=source, MetadataDirective="REPLACE")
        )
        assert refused == _DENIED
        s3.copy_object(Bucket=bucket, Key="c4", CopySource=source, MetadataDirective="COPY")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["c2", "c4", "plain", "private/k", "public/k"]


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_KEYS_DOC)
def test_version_id_condition(s3: Any, versioned_bucket: str) -> None:
    """s3:VersionId is the version a request names: a Deny of s3:GetObjectVersion for every version
    but one refuses reading the other by its id and lets the named one be read."""
    bucket = versioned_bucket
    older = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    newer = s3.put_object(Bucket=bucket, Key="k", Body=b"new")["VersionId"]
    only_newer = {"StringNotEquals": {"s3:VersionId": newer}}
    with _policy(s3, bucket, _deny(bucket, "s3:GetObjectVersion", only_newer)):
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k", VersionId=older)) == _DENIED
        assert s3.get_object(Bucket=bucket, Key="k", VersionId=newer)["Body"].read() == b"new"


def test_delimiter_condition(s3: Any, bucket: str) -> None:
    """s3:delimiter is the listing's delimiter parameter: a Deny of listings whose delimiter is not
    "/" refuses a listing without one (absent: a negated operator holds) and lets "/" through."""
    whole = ""
    with _policy(
        s3, bucket, _deny(bucket, "s3:ListBucket", {"StringNotEquals": {"s3:delimiter": "/"}}, resource=whole)
    ):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket)) == _DENIED
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, Delimiter="-")) == _DENIED
        assert s3.list_objects_v2(Bucket=bucket, Delimiter="/")["KeyCount"] == 0


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(f"{_IAM}reference_policies_variables.html")
def test_policy_variable_in_a_condition_value(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """Policy variables work in string condition values too: letting everyone (from loopback) list
    with s3:prefix like ``${aws:username, 'guest'}/*`` lets an anonymous caller, who has no
    aws:username, list ``guest/`` and nothing else."""
    s3.put_object(Bucket=bucket, Key="guest/a", Body=b"x")
    allow = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {**_LOOPBACK, "StringLike": {"s3:prefix": "${aws:username, 'guest'}/*"}},
    }
    anonymous = s3_endpoint.anonymous_client()
    with _policy(s3, bucket, allow):
        assert anonymous.list_objects_v2(Bucket=bucket, Prefix="guest/")["KeyCount"] == 1
        assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket, Prefix="other/")) == _DENIED


@pytest.mark.s3_requires("multi_user", "versioning", "multipart")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html",
)
def test_each_listing_needs_its_own_action(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """ListObjects(V2) and HeadBucket need s3:ListBucket, ListObjectVersions s3:ListBucketVersions,
    ListMultipartUploads s3:ListBucketMultipartUploads: a policy granting the second account one
    of them lets it make only the listings that action names (403 AccessDenied for the others)."""
    alt = s3_endpoint.alt_client()
    alt_id = alt.list_buckets()["Owner"]["ID"]

    def grant(action: str) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Principal": {"CanonicalUser": alt_id},
            "Action": action,
            "Resource": f"arn:aws:s3:::{bucket}",
        }

    listings: dict[str, Callable[[], Any]] = {
        "s3:ListBucket": lambda: alt.list_objects_v2(Bucket=bucket),
        "s3:ListBucketVersions": lambda: alt.list_object_versions(Bucket=bucket),
        "s3:ListBucketMultipartUploads": lambda: alt.list_multipart_uploads(Bucket=bucket),
    }
    for granted in listings:
        with _policy(s3, bucket, grant(granted)):
            for action, listing in listings.items():
                if action == granted:
                    assert listing()["ResponseMetadata"]["HTTPStatusCode"] == 200, (granted, action)
                else:
                    assert error_of(listing) == _DENIED, (granted, action)
            if granted == "s3:ListBucket":
                assert alt.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
            else:  # HEAD: no body, so no code
                assert error_of(lambda: alt.head_bucket(Bucket=bucket))[0] == 403, granted


def test_not_ip_address_and_arn_operators(s3: Any, bucket: str) -> None:
    """NotIpAddress holds for a source outside every range named: a Deny of reads from outside
    loopback lets this (loopback) client read, one from outside 192.0.2.0/24 refuses it. The Arn
    operators on aws:SourceArn, which a request made by a user directly does not carry: ArnLike is
    then false (the Deny does not apply) and ArnNotLike true (it does)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    outside_loopback = {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", outside_loopback)):
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}})):
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED
    distribution = "arn:aws:cloudfront::111122223333:distribution/*"
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", {"ArnLike": {"aws:SourceArn": distribution}})):
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", {"ArnNotLike": {"aws:SourceArn": distribution}})):
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED


@pytest.mark.aws_doc(_KEYS_DOC)
def test_grant_header_conditions(s3: Any, new_bucket_name: Any) -> None:
    """s3:x-amz-grant-read (and the other s3:x-amz-grant-* keys) is the grant header a write sends:
    in a bucket with ACLs enabled, a Deny of writes that carry x-amz-grant-read (Null "false": the
    key is present) refuses such a write and lets a write without it, or with another grant,
    through."""
    name = new_bucket_name("grant-keys")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    owner_id = s3.list_buckets()["Owner"]["ID"]
    with _policy(s3, name, _deny(name, "s3:PutObject", {"Null": {"s3:x-amz-grant-read": "false"}})):
        refused = error_of(lambda: s3.put_object(Bucket=name, Key="r", Body=b"x", GrantRead=f'id="{owner_id}"'))
        assert refused == _DENIED
        s3.put_object(Bucket=name, Key="plain", Body=b"x")
        s3.put_object(Bucket=name, Key="acp", Body=b"x", GrantReadACP=f'id="{owner_id}"')
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]) == ["acp", "plain"]


@pytest.mark.s3_requires("tls")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html")
def test_secure_transport_is_true_over_https(tls_target: Any) -> None:
    """aws:SecureTransport is "true" for a request over TLS: the usual Deny of insecure requests
    (Bool aws:SecureTransport "false") lets an HTTPS read through, and a Deny on "true" refuses it."""
    client = tls_target.client()
    name = tls_target.new_bucket_name("tls-policy")
    client.create_bucket(Bucket=name)
    try:
        client.put_object(Bucket=name, Key="k", Body=b"v")
        with _policy(client, name, _deny(name, "s3:GetObject", {"Bool": {"aws:SecureTransport": "false"}})):
            assert client.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
        with _policy(client, name, _deny(name, "s3:GetObject", {"Bool": {"aws:SecureTransport": "true"}})):
            assert error_of(lambda: client.get_object(Bucket=name, Key="k")) == _DENIED
    finally:
        tls_target.empty_and_delete(name)
