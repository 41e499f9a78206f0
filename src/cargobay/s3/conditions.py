"""Conditional request headers → proceed, 304 or 412, with AWS precedence (pure).

AWS rules (GetObject / HeadObject documentation):
- If-Match is evaluated first; when it is present and true, If-Unmodified-Since is ignored.
- If-None-Match is evaluated next; when it is present and false (no match), If-Modified-Since is
  ignored. A matching If-None-Match gives 304 for GET/HEAD and 412 for writes.
- Dates are compared at one-second resolution (HTTP dates have no fractions); an unparsable date
  is ignored, as RFC 9110 requires, and so is a date later than the server's clock (RFC 9110
  §13.1.3: such a date is invalid; AWS answers as if the header were absent, which the conformance
  suite's ``recorded/conditional-future-date.md`` records).
"""

from __future__ import annotations

import datetime
import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from cargobay.s3.etag import unquote


class Outcome(enum.Enum):
    PROCEED = "proceed"
    NOT_MODIFIED = "not-modified"
    PRECONDITION_FAILED = "precondition-failed"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str
    condition: str | None = None  # the header that decided, for the error body


def _http_date_seconds(value: str) -> int:
    """Epoch seconds of an HTTP-date in any of its three forms (RFC 9110 §5.6.7), all of them UTC:
    the asctime form names no zone, and must not be read in the server's local one."""
    parsed = parsedate_to_datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return int(parsed.timestamp())


def _parse_http_date(value: str, now: int) -> int | None:
    """Epoch seconds of an HTTP date; None (ignore the header) when unparsable or in the future."""
    try:
        when = _http_date_seconds(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return None if when > now else when


def _etag_matches(header: str, etag: str | None, *, strong: bool) -> bool:
    """Whether an If-Match (``strong``) or If-None-Match list names the object's ETag.

    RFC 7232 §3.1: If-Match compares strongly, so a weak tag (``W/"..."``) never matches; §3.2:
    If-None-Match compares weakly, so ``W/"x"`` matches ``"x"``. S3's ETags are all strong."""
    if etag is None:
        return False
    wanted = unquote(etag)
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if strong and candidate.startswith("W/"):
            continue
        if unquote(candidate) == wanted:
            return True
    return False


def evaluate(
    headers: Mapping[str, str],
    *,
    etag: str | None,
    last_modified: int | None,
    is_read: bool = True,
    prefix: str = "if-",
    now: int | None = None,
) -> Decision:
    """Decide a request's conditional headers against the current object.

    ``headers`` has lower-cased names; ``prefix`` is ``"x-amz-copy-source-if-"`` for CopyObject's
    source conditions. ``etag``/``last_modified`` (epoch seconds) are None when there is no object.
    ``now`` (epoch seconds) is the server's clock, read here when not given: dates after it are ignored.
    """
    clock = int(time.time()) if now is None else now
    if_match = headers.get(f"{prefix}match")
    if_none_match = headers.get(f"{prefix}none-match")
    if_unmodified = headers.get(f"{prefix}unmodified-since")
    if_modified = headers.get(f"{prefix}modified-since")

    if if_match is not None:
        if not _etag_matches(if_match, etag, strong=True):
            return Decision(Outcome.PRECONDITION_FAILED, "If-Match did not match the ETag", "If-Match")
    elif if_unmodified is not None and last_modified is not None:
        when = _parse_http_date(if_unmodified, clock)
        if when is not None and last_modified > when:
            return Decision(
                Outcome.PRECONDITION_FAILED,
                "object modified after If-Unmodified-Since",
                "If-Unmodified-Since",
            )

    if if_none_match is not None:
        if _etag_matches(if_none_match, etag, strong=False):
            outcome = Outcome.NOT_MODIFIED if is_read else Outcome.PRECONDITION_FAILED
            return Decision(outcome, "If-None-Match matched the ETag", "If-None-Match")
    elif if_modified is not None and last_modified is not None and is_read:
        when = _parse_http_date(if_modified, clock)
        if when is not None and last_modified <= when:
            return Decision(Outcome.NOT_MODIFIED, "not modified since If-Modified-Since", "If-Modified-Since")
    return Decision(Outcome.PROCEED, "all conditions hold")


def if_range_holds(header: str | None, *, etag: str, last_modified: int) -> bool:
    """Whether a Range may be served under ``If-Range`` (RFC 9110 §13.1.5); True without the header.

    An entity-tag holds only by strong comparison (a weak ``W/`` tag never does); a date only when
    it is exactly the object's Last-Modified. When it does not hold, the Range is ignored and the
    whole object is sent, so a resumed download never splices two versions of an object."""
    if header is None:
        return True
    value = header.strip()
    if value.startswith('"'):
        return value == '"' + unquote(etag) + '"'
    if value.startswith("W/"):
        return False
    try:
        return _http_date_seconds(value) == last_modified
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
