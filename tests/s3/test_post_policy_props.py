"""Property tests of the POST policy document reader (cargobay.s3.post_policy): whatever a form's
policy holds, the answer is a Policy or an S3 error (InvalidPolicyDocument, AccessDenied), never
another exception, which the server would turn into a 500."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3 import post_policy
from cargobay.s3.errors import AccessDenied, InvalidPolicyDocument

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_OPS = st.sampled_from(["eq", "starts-with", "content-length-range", "EQ", "in", ""])
_CONDITION = st.one_of(
    _JSON,
    st.dictionaries(st.sampled_from(["key", "bucket", "acl", "$key"]), _JSON, max_size=2),
    st.lists(st.one_of(_OPS, st.sampled_from(["$key", "key", "$"]), _JSON), max_size=4),
)


def _encoded(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


@given(document=st.one_of(_JSON, st.fixed_dictionaries({"expiration": _JSON, "conditions": st.lists(_CONDITION)})))
def test_any_document_is_a_policy_or_invalid_policy_document(document: Any) -> None:
    with contextlib.suppress(InvalidPolicyDocument):
        post_policy.parse_policy(_encoded(document))


@given(
    conditions=st.lists(_CONDITION, max_size=6),
    fields=st.dictionaries(
        st.sampled_from(["key", "acl", "x-amz-meta-a", "x-ignore-b", "policy"]), st.text(max_size=6)
    ),
)
def test_any_readable_policy_checks_any_fields_with_an_s3_error_at_most(
    conditions: list[Any], fields: dict[str, str]
) -> None:
    document = {"expiration": "2099-01-01T00:00:00.000Z", "conditions": conditions}
    try:
        policy = post_policy.parse_policy(_encoded(document))
    except InvalidPolicyDocument:
        return
    with contextlib.suppress(AccessDenied):
        post_policy.check_fields(policy, fields, bucket="b", now=dt.datetime.now(dt.UTC))


@given(value=st.text(max_size=20), filename=st.none() | st.text(max_size=20))
def test_filename_is_expanded_to_its_last_path_segment(value: str, filename: str | None) -> None:
    expanded = post_policy.expand_filename({"key": value}, filename)["key"]
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    assert expanded == value.replace("${filename}", name)
