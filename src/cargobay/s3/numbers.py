"""Decimal numbers a client writes (headers, query parameters, form policies), read without int()'s
limit.

CPython refuses to turn a string of more than 4,300 digits into an int (ValueError: its guard against
quadratic parsing), so a well-formed but very long number handed to int() became a 500. Every size,
offset, count or duration S3 takes fits in 19 digits; a longer number is read as :data:`BEYOND`, past
all of them, and the caller's own bound check refuses it as it refuses any number that is too large.
"""

from __future__ import annotations

#: What a number of more than 19 significant digits is read as: larger than any S3 size or count.
BEYOND = 1 << 64


def decimal(digits: str) -> int:
    """The value of ``digits`` (ASCII decimal digits, leading zeros allowed, checked by the caller),
    or :data:`BEYOND` when it has more than 19 significant digits."""
    significant = digits.lstrip("0")
    return BEYOND if len(significant) > 19 else int(significant or "0")
