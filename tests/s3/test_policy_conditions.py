"""Bucket policy conditions (s3/policy.py), evaluated without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3 import acl as acls
from cargobay.s3 import policy
from cargobay.s3.errors import InvalidArgument, MalformedPolicy


def _one(condition: dict[str, Any], resource: str = "arn:aws:s3:::bkt/*") -> policy.Statement:
    doc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": resource,
                "Condition": condition,
            }
        ]
    }
    return policy.parse(json.dumps(doc), bucket="bkt")[0]


def _holds(condition: dict[str, Any], context: dict[str, list[str]]) -> bool:
    return _one(condition).matches(("alice",), "s3:GetObject", "arn:aws:s3:::bkt/k", context)


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ["10.1.2.3"]}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ["11.1.2.3"]}, False),
        ({"IpAddress": {"aws:SourceIp": "::1/128"}}, {"aws:sourceip": ["::1"]}, True),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ["11.1.2.3"]}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, False),  # a missing key never matches a positive test
        ({"StringNotEquals": {"s3:prefix": "a"}}, {}, True),  # ...and always matches a negated one
        ({"StringEqualsIfExists": {"s3:prefix": "a"}}, {}, True),
        ({"StringLike": {"s3:prefix": ["home/*", "pub/*"]}}, {"s3:prefix": ["pub/x"]}, True),
        ({"StringLike": {"s3:prefix": "home/?"}}, {"s3:prefix": ["home/xy"]}, False),
        ({"Bool": {"aws:SecureTransport": False}}, {"aws:securetransport": ["false"]}, True),
        ({"Null": {"s3:prefix": "true"}}, {}, True),
        ({"Null": {"s3:prefix": "false"}}, {}, False),
        ({"StringEquals": {"s3:ExistingObjectTag/Team": "blue"}}, {"s3:existingobjecttag/team": ["blue"]}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["5"]}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["50"]}, False),
        ({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": ["alice"]}, True),
    ],
)
def test_condition(condition: dict[str, Any], context: dict[str, list[str]], expected: bool) -> None:
    assert _holds(condition, context) is expected


@pytest.mark.parametrize(
    "condition",
    [
        {"NoSuchOperator": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringEquals": {"aws:PrincipalTag/team": "a"}},  # a key cargobay cannot evaluate: refused, named
        {"IpAddress": {"aws:SourceIp": "not-an-ip"}},
        ["not", "an", "object"],
    ],
)
def test_unsupported_conditions_are_refused_clearly(condition: Any) -> None:
    with pytest.raises(MalformedPolicy) as caught:
        _one(condition)
    assert caught.value.detail != MalformedPolicy.message


def test_prefix_pattern_resource() -> None:
    statement = _one({"Bool": {"aws:SecureTransport": "true"}}, resource="arn:aws:s3:::bkt/public*")
    context = {"aws:securetransport": ["true"]}
    assert statement.matches(("x",), "s3:GetObject", "arn:aws:s3:::bkt/public/a", context)
    assert not statement.matches(("x",), "s3:GetObject", "arn:aws:s3:::bkt/private/a", context)


def test_public_policy() -> None:
    assert policy.is_public([_one({"StringEquals": {"s3:prefix": "a"}})])
    assert not policy.is_public([_one({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})])
    assert policy.is_public([_one({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})])


_IDS = st.text("0123456789abcdef", min_size=64, max_size=64)
_GRANTS = st.lists(
    st.one_of(
        st.builds(acls.Grant, st.just("user"), _IDS, st.sampled_from(acls.PERMISSIONS)),
        st.builds(acls.Grant, st.just("group"), st.sampled_from(acls.KNOWN_GROUPS), st.sampled_from(acls.PERMISSIONS)),
    )
)


@given(_GRANTS)
def test_acl_encoding_round_trips(grants: list[acls.Grant]) -> None:
    assert acls.decode(json.loads(json.dumps(acls.encode(grants)))) == tuple(grants)


@given(_GRANTS, _IDS, st.sampled_from(acls.PERMISSIONS), st.booleans())
def test_ignore_public_never_widens(grants: list[acls.Grant], who: str, permission: str, authenticated: bool) -> None:
    """IgnorePublicAcls only takes away: a caller allowed with it was allowed without it."""
    if acls.permits(grants, permission, canonical_id=who, authenticated=authenticated, ignore_public=True):
        assert acls.permits(grants, permission, canonical_id=who, authenticated=authenticated)


def test_grant_headers() -> None:
    me = "a" * 64
    headers = {"x-amz-grant-read": f'id="{me}", uri="{acls.ALL_USERS}"', "x-amz-grant-write-acp": "emailAddress=x@y"}
    got = acls.from_headers(headers, known_id=lambda cid: cid == me, id_of_email=lambda e: me if e == "x@y" else None)
    assert got == (
        acls.Grant("user", me, "READ"),
        acls.Grant("group", acls.ALL_USERS, "READ"),
        acls.Grant("user", me, "WRITE_ACP"),
    )
    with pytest.raises(InvalidArgument):
        acls.from_headers(
            {"x-amz-grant-read": 'id="' + "b" * 64 + '"'}, known_id=lambda cid: False, id_of_email=lambda e: None
        )
    with pytest.raises(InvalidArgument):
        acls.from_headers(
            {"x-amz-grant-read": 'uri="http://example.com/g"'}, known_id=lambda cid: True, id_of_email=lambda e: None
        )
    assert acls.from_headers({}, known_id=lambda cid: True, id_of_email=lambda e: None) is None


_KMS = "s3:x-amz-server-side-encryption-aws-kms-key-id"


@pytest.mark.parametrize(
    ("operator", "pattern", "value", "expected"),
    [
        # reference_policies_elements_condition_operators.html, ARN operators: "Each of the six
        # colon-delimited components of the ARN is checked separately and each can include
        # multi-character match wildcards (*) or single-character match wildcards (?)": in ArnEquals
        # as in ArnLike, and a "*" never reaches across a colon into the next component.
        ("ArnLike", "arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k1", True),
        ("ArnEquals", "arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k1", True),
        ("ArnLike", "arn:aws:kms:*:key/*", "arn:aws:kms:us-east-1:111122223333:key/k1", False),
        ("ArnLike", "arn:aws:kms:us-east-?:*:key/k1", "arn:aws:kms:us-east-1:111122223333:key/k1", True),
        ("ArnLike", "arn:aws:kms:*:*:key/*", "not-an-arn", False),
        ("ArnNotLike", "arn:aws:kms:*:key/*", "arn:aws:kms:us-east-1:111122223333:key/k1", True),
        ("ArnEquals", "arn:aws:kms:us-east-1:111122223333:key/K1", "arn:aws:kms:us-east-1:111122223333:key/k1", False),
        # the last component keeps its colons
        ("ArnLike", "arn:aws:logs:*:*:log-group:app:*", "arn:aws:logs:eu-west-1:1:log-group:app:stream", True),
    ],
)
def test_arn_operators_compare_component_by_component(operator: str, pattern: str, value: str, expected: bool) -> None:
    assert _holds({operator: {_KMS: pattern}}, {_KMS.lower(): [value]}) is expected
