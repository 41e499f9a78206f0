"""check_part_number: a part number is an integer from 1 to 10,000 written in decimal digits; any other
text is 400 InvalidArgument naming partNumber (UploadPart, UploadPartCopy, GetObject ?partNumber=)."""

from __future__ import annotations

import pytest

from cargobay.s3.errors import InvalidArgument
from cargobay.s3.names import check_part_number


@pytest.mark.parametrize(("value", "number"), [("1", 1), ("0010", 10), ("10000", 10000), (7, 7)])
def test_decimal_part_numbers_in_range_are_taken(value: str | int, number: int) -> None:
    assert check_part_number(value) == number


@pytest.mark.parametrize(
    "value",
    ["", "0", "10001", "-1", "+1", " 1", "1 ", "1_0", "1.0", "0x1", "\u0661", "\u00b2", "1e3", 0, -1, 10001],
)
def test_anything_else_is_invalid_argument(value: str | int) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_part_number(value)
    assert caught.value.extra["ArgumentName"] == "partNumber"
