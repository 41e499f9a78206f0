"""Continuation tokens (ListObjectsV2, ListBuckets): they resume after the item they were issued for,
in the listing they were issued for, and nothing else is taken for one."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.errors import InvalidArgument
from cargobay.s3.http.buckets import decode_token, encode_token


@given(st.text(st.characters(codec="utf-8"), min_size=1))  # keys are UTF-8: no surrogates
def test_a_token_resumes_after_its_item(item: str) -> None:
    assert decode_token(encode_token(item, "bkt"), "bkt") == item


def test_a_token_of_another_bucket_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        decode_token(encode_token("k", "one"), "two")


@pytest.mark.parametrize(
    "token",
    ["", "a", "YQ==", "YQ", "YQ.", ".", "!!!", base64.urlsafe_b64encode(b"\xff").decode()],
)
def test_what_was_not_issued_is_refused(token: str) -> None:
    with pytest.raises(InvalidArgument):
        decode_token(token, "bkt")


def test_a_changed_item_is_refused() -> None:
    _, _, seal = encode_token("a", "bkt").partition(".")
    other = base64.urlsafe_b64encode(b"b").decode().rstrip("=")
    with pytest.raises(InvalidArgument):
        decode_token(f"{other}.{seal}", "bkt")
