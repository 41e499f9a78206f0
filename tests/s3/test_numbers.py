"""numbers.decimal: client-written decimal numbers of any length, never int() past its limit."""

from __future__ import annotations

import pytest

from cargobay.s3 import etag
from cargobay.s3.auth.shared import parse_integer
from cargobay.s3.numbers import BEYOND, decimal


@pytest.mark.parametrize(
    ("digits", "value"),
    [
        ("0", 0),
        ("000", 0),
        ("5368709120", 5 * 1024**3),
        ("9" * 19, 10**19 - 1),
        ("1" + "0" * 19, BEYOND),
        ("9" * 5000, BEYOND),
        ("0" * 5000 + "42", 42),
    ],
    ids=["zero", "zeros", "5-gib", "19-digits", "20-digits", "5000-digits", "zero-padded"],
)
def test_decimal_reads_any_length_and_caps_past_every_size(digits: str, value: int) -> None:
    assert decimal(digits) == value


def test_callers_take_5000_digits_without_value_error() -> None:
    assert parse_integer("9" * 5000) == BEYOND
    assert parse_integer("-" + "9" * 5000) == -BEYOND
    assert parse_integer("604800") == 604800
    assert etag.multipart_count("0" * 32 + "-" + "9" * 5000) == BEYOND
    assert etag.multipart_count("0" * 32 + "-3") == 3
