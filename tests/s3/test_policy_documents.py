"""Unit tests of s3/policy.py and s3/policy_conditions.py beyond single conditions: policy
variables, dates, the Not* elements, stored policies read back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3 import policy
from cargobay.s3.errors import MalformedPolicy
from cargobay.s3.policy_conditions import expand, parse_date


def _doc(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    return json.dumps({"Version": version, "Statement": list(statements)})


def _read(**changes: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"}
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not None}


@pytest.mark.parametrize(
    ("text", "context", "pattern", "expected"),
    [
        ("home/${aws:username}/*", {"aws:username": ["bob"]}, False, "home/bob/*"),
        ("home/${aws:username}/*", {}, False, None),
        ("home/${aws:username, 'guest'}/*", {}, False, "home/guest/*"),
        ("${ AWS:UserName , 'it''s' }", {}, False, "it's"),
        ("a${*}b${?}c${$}", {}, False, "a*b?c$"),
        ("a${*}b${?}c${$}", {}, True, "a[*]b[?]c$"),
        ("u/${aws:username}", {"aws:username": ["x*y"]}, True, "u/x[*]y"),
        ("k/${aws:userid}", {"aws:userid": ["a", "b"]}, False, None),  # several values: no value
    ],
)
def test_expand(text: str, context: dict[str, list[str]], pattern: bool, expected: str | None) -> None:
    assert expand(text, context, pattern=pattern) == expected


@given(st.text(alphabet=st.characters(blacklist_characters="${}"), max_size=30))
def test_expand_leaves_text_without_variables(text: str) -> None:
    assert expand(text, {}, pattern=False) == text


def test_parse_date() -> None:
    assert parse_date("2000-01-01T00:00:00Z") == 946684800
    assert parse_date("2000-01-01T01:00:00+01:00") == 946684800
    assert parse_date("2000-01-01") == 946684800  # no offset: UTC
    assert parse_date("946684800") == 946684800
    assert parse_date("yesterday") is None


def test_not_elements_match_what_they_do_not_name() -> None:
    statements = policy.parse(
        _doc(
            _read(Effect="Deny", Principal=None, NotPrincipal={"AWS": "alice"}),
            _read(Effect="Deny", Action=None, NotAction="s3:GetObject"),
            _read(Effect="Deny", Resource=None, NotResource="arn:aws:s3:::bkt/pub/*", Action="s3:PutObject"),
        ),
        bucket="bkt",
    )
    not_principal, not_action, not_resource = statements
    key = "arn:aws:s3:::bkt/k"
    assert not_principal.matches(("bob",), "s3:GetObject", key, {})
    assert not_principal.matches((), "s3:GetObject", key, {})  # anonymous
    assert not not_principal.matches(("alice",), "s3:GetObject", key, {})
    assert not_action.matches(("bob",), "s3:PutObject", key, {})
    assert not not_action.matches(("bob",), "s3:GetObject", key, {})
    assert not_resource.matches(("bob",), "s3:PutObject", key, {})
    assert not not_resource.matches(("bob",), "s3:PutObject", "arn:aws:s3:::bkt/pub/a", {})


def test_service_principal_matches_no_caller() -> None:
    (statement,) = policy.parse(_doc(_read(Principal={"Service": "logging.s3.amazonaws.com"})), bucket="bkt")
    assert not statement.matches(("logging.s3.amazonaws.com",), "s3:GetObject", "arn:aws:s3:::bkt/k", {})
    assert not policy.is_public([statement])


def test_resource_variables_only_in_2012_10_17() -> None:
    resource = "arn:aws:s3:::bkt/home/${aws:username}/*"
    (current,) = policy.parse(_doc(_read(Resource=resource)), bucket="bkt")
    (old,) = policy.parse(_doc(_read(Resource=resource), version="2008-10-17"), bucket="bkt")
    context = {"aws:username": ["bob"]}
    assert current.matches(("bob",), "s3:GetObject", "arn:aws:s3:::bkt/home/bob/k", context)
    assert not current.matches(("bob",), "s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/k", context)
    assert old.matches(("bob",), "s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/k", context)


def test_resource_brackets_are_literal() -> None:
    (statement,) = policy.parse(_doc(_read(Resource="arn:aws:s3:::bkt/[ab]*")), bucket="bkt")
    assert statement.matches((), "s3:GetObject", "arn:aws:s3:::bkt/[ab]x", {})
    assert not statement.matches((), "s3:GetObject", "arn:aws:s3:::bkt/ax", {})


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"Version": "2012-10-17", "Statement": []}),
        _doc(_read(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})),
        _doc(_read(Condition={"StringEquals": {"s3:prefix": []}})),
        _doc(_read(Comment="kept by an older cargobay")),
        json.dumps({"Statement": [_read()], "Owner": "me"}),
    ],
)
def test_what_older_versions_stored_still_loads(text: str) -> None:
    """Refused when set now, but a bucket may hold it from before: read back, it loads as it did."""
    with pytest.raises(MalformedPolicy):
        policy.parse(text, bucket="bkt")
    policy.parse(text, bucket="bkt", stored=True)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_NAMES = st.sampled_from(
    ["Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid"]
)
_VALUES = st.one_of(
    _JSON,
    st.sampled_from(["Allow", "Deny", "*", "s3:GetObject", "arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt"]),
    st.dictionaries(
        st.sampled_from(["StringLike", "IpAddress", "DateLessThan", "NumericEquals", "ForAllValues:StringEquals"]),
        st.dictionaries(st.sampled_from(["s3:prefix", "aws:SourceIp", "aws:CurrentTime", "s3:max-keys"]), _JSON),
        max_size=2,
    ),
)
_STATEMENTS = st.dictionaries(_NAMES, _VALUES, max_size=8)


@given(st.one_of(_JSON, st.fixed_dictionaries({"Statement": st.one_of(_STATEMENTS, st.lists(_STATEMENTS))})))
def test_any_document_parses_or_is_malformed_policy(doc: Any) -> None:
    """Whatever JSON arrives, parsing gives statements or MalformedPolicy (a 400), never another
    exception (a 500); and what parses can be judged public and matched without one."""
    text = json.dumps(doc)
    for stored in (False, True):
        try:
            statements = policy.parse(text, bucket="bkt", stored=stored)
        except MalformedPolicy:
            continue
        policy.is_public(statements)
        context = {"s3:prefix": ["a"], "aws:sourceip": ["127.0.0.1"], "aws:currenttime": ["2026-12-07T00:00:00Z"]}
        for statement in statements:
            statement.matches(("alice",), "s3:GetObject", "arn:aws:s3:::bkt/k", context)
