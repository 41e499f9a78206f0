"""The Range header → a byte interval, or InvalidRange (pure).

AWS serves one range per GET. A header it cannot parse, or with several ranges, is ignored and the
whole object is sent (RFC 9110 lets a server ignore Range); a syntactically valid range that starts
at or past the end of the object is 416 InvalidRange. The unit is matched without regard to case
(RFC 9110 section 14.1: "Range unit names are case-insensitive"), so ``Bytes=0-1`` is a range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cargobay.s3.errors import InvalidRange
from cargobay.s3.numbers import decimal

_RANGE_RE = re.compile(r"^\s*(?i:bytes)\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.ASCII)  # DIGIT is ASCII (RFC 5234)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The satisfiable range asked for, None to send everything, InvalidRange if unsatisfiable."""
    if header is None:
        return None
    match = _RANGE_RE.match(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:
        suffix = decimal(last)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(header, size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = decimal(first)
    end = decimal(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise _unsatisfiable(header, size)
    return ByteRange(start, min(end, size - 1))


def _unsatisfiable(header: str, size: int) -> InvalidRange:
    return InvalidRange(
        RangeRequested=header.strip(),
        ActualObjectSize=str(size),
        headers={"Content-Range": f"bytes */{size}"},
    )
