"""check_part_number: a part number is an integer from 1 to 10,000 written in decimal digits; any other
text is 400 InvalidArgument naming partNumber (UploadPart, UploadPartCopy, GetObject ?partNumber=)."""

from __future__ import annotations

import pytest

from cargobay.s3.errors import InvalidArgument
from cargobay.s3.names import check_part_number
from cargobay.s3.numbers import BEYOND


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


@pytest.mark.parametrize("digits", ["1" * 5000, "-" + "9" * 5000, "0" * 4999 + "3"])
def test_a_part_number_of_thousands_of_digits_in_complete_is_read_without_a_500(digits: str) -> None:
    """A PartNumber past int()'s 4,300-digit guard in a CompleteMultipartUpload body: read as numbers.py
    reads any long number (then refused as out of range by the upload), never a ValueError (a 500)."""
    from cargobay.s3.http.multipart import parse_complete_body

    body = f'<CompleteMultipartUpload><Part><PartNumber>{digits}</PartNumber><ETag>"e"</ETag></Part>'.encode()
    parts = parse_complete_body(body + b"</CompleteMultipartUpload>", None)
    assert parts[0].part_number == (3 if digits.endswith("3") else (-BEYOND if digits.startswith("-") else BEYOND))
