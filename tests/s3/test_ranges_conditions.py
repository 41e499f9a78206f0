"""Range parsing and conditional-header precedence, as tables (pure functions)."""

from __future__ import annotations

import pytest

from cargobay.s3.conditions import Outcome, evaluate, if_range_holds
from cargobay.s3.errors import InvalidRange
from cargobay.s3.ranges import parse_range

SIZE = 10


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-0", (0, 0)),
        ("bytes=0-9", (0, 9)),
        ("bytes=0-100", (0, 9)),
        ("bytes=9-", (9, 9)),
        ("bytes=-1", (9, 9)),
        ("bytes=-10", (0, 9)),
        ("bytes=-11", (0, 9)),
        ("Bytes=0-1", (0, 1)),  # RFC 9110 section 14.1: range unit names are case-insensitive
        ("BYTES=-2", (8, 9)),
        ("bytes=3-2", None),
        ("items=0-1", None),
        ("bytes=0-1,3-4", None),
        ("bytes=", None),
        ("garbage", None),
    ],
)
def test_parse_range_satisfiable_or_ignored(header: str | None, expected: tuple[int, int] | None) -> None:
    got = parse_range(header, SIZE)
    assert (None if got is None else (got.start, got.end)) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=-0", 10), ("bytes=0-", 0), ("bytes=-5", 0)]
)
def test_parse_range_unsatisfiable_is_416_with_content_range(header: str, size: int) -> None:
    with pytest.raises(InvalidRange) as info:
        parse_range(header, size)
    assert info.value.headers["Content-Range"] == f"bytes */{size}"


ETAG = '"abc"'
T = 1_700_000_000
BEFORE = "Tue, 14 Nov 2023 22:13:19 GMT"  # T - 1
AT = "Tue, 14 Nov 2023 22:13:20 GMT"  # T
AFTER = "Tue, 14 Nov 2023 22:13:21 GMT"  # T + 1


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({}, Outcome.PROCEED),
        ({"if-match": ETAG}, Outcome.PROCEED),
        ({"if-match": '"x"'}, Outcome.PRECONDITION_FAILED),
        ({"if-match": "*"}, Outcome.PROCEED),
        ({"if-match": ETAG, "if-unmodified-since": BEFORE}, Outcome.PROCEED),  # If-Match wins
        ({"if-unmodified-since": BEFORE}, Outcome.PRECONDITION_FAILED),
        ({"if-unmodified-since": AT}, Outcome.PROCEED),
        ({"if-none-match": ETAG}, Outcome.NOT_MODIFIED),
        ({"if-none-match": '"x"', "if-modified-since": AFTER}, Outcome.PROCEED),  # If-None-Match wins
        ({"if-modified-since": AT}, Outcome.NOT_MODIFIED),
        ({"if-modified-since": BEFORE}, Outcome.PROCEED),
        ({"if-modified-since": "not a date"}, Outcome.PROCEED),
        ({"if-match": '"x"', "if-none-match": ETAG}, Outcome.PRECONDITION_FAILED),  # 412 before 304
    ],
    ids=lambda v: str(v) if not isinstance(v, dict) else ",".join(sorted(v)) or "none",
)
def test_conditions_follow_aws_precedence(headers: dict[str, str], outcome: Outcome) -> None:
    assert evaluate(headers, etag="abc", last_modified=T).outcome is outcome


def test_conditional_write_if_none_match_star() -> None:
    assert (
        evaluate({"if-none-match": "*"}, etag="abc", last_modified=T, is_read=False).outcome
        is Outcome.PRECONDITION_FAILED
    )
    assert evaluate({"if-none-match": "*"}, etag=None, last_modified=None, is_read=False).outcome is Outcome.PROCEED


@pytest.mark.parametrize("prefix", ["if-", "x-amz-copy-source-if-"])
def test_conditions_ignore_a_date_later_than_the_clock(prefix: str) -> None:
    """A future If-(Un)Modified-Since is invalid (RFC 9110 §13.1.3) and AWS answers as if it were absent:
    modified-since a future date is not 304/412, and the same date is honoured once the clock passes it."""
    future = AFTER  # T + 1, with the clock at T
    assert (
        evaluate({f"{prefix}modified-since": future}, etag="abc", last_modified=T - 5, prefix=prefix, now=T).outcome
        is Outcome.PROCEED
    )
    assert (
        evaluate({f"{prefix}unmodified-since": future}, etag="abc", last_modified=T + 1, prefix=prefix, now=T).outcome
        is Outcome.PROCEED
    )
    # The clock has passed it: the same header decides again.
    assert (
        evaluate({f"{prefix}modified-since": future}, etag="abc", last_modified=T - 5, prefix=prefix, now=T + 1).outcome
        is Outcome.NOT_MODIFIED
    )


@pytest.mark.parametrize(
    ("header", "holds"),
    [
        (None, True),
        ('"abc"', True),
        ('"abd"', False),
        ('W/"abc"', False),
        ("Sat, 01 Jan 2000 00:00:00 GMT", True),
        ("Sat, 01 Jan 2000 00:00:01 GMT", False),
        ("not a date", False),
        ("", False),
    ],
)
def test_if_range_holds_by_strong_etag_or_exact_date(header: str | None, holds: bool) -> None:
    """RFC 9110 §13.1.5: strong comparison for an entity-tag; a date must equal Last-Modified."""
    assert if_range_holds(header, etag="abc", last_modified=946684800) is holds


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({"if-match": 'W/"abc"'}, Outcome.PRECONDITION_FAILED),
        ({"if-match": 'W/"abd", "abc"'}, Outcome.PROCEED),
        ({"if-none-match": 'W/"abc"'}, Outcome.NOT_MODIFIED),
        ({"if-none-match": 'W/"abd"'}, Outcome.PROCEED),
    ],
)
def test_if_match_compares_strongly_and_if_none_match_weakly(headers: dict[str, str], outcome: Outcome) -> None:
    """RFC 7232 §3.1 and §3.2: a weak entity-tag never satisfies If-Match; it does If-None-Match."""
    assert evaluate(headers, etag="abc", last_modified=T).outcome is outcome


@pytest.mark.parametrize(
    "date",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
    ids=["imf-fixdate", "rfc850", "asctime"],
)
def test_http_dates_in_all_three_forms_are_utc_whatever_the_server_zone(
    date: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 9110 §5.6.7: a recipient MUST accept all three HTTP-date forms, and every one is UTC (the
    asctime form names no zone). A server whose local zone is not UTC must not shift it."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        written = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT
        assert evaluate({"if-modified-since": date}, etag="abc", last_modified=written).outcome is Outcome.NOT_MODIFIED
        assert evaluate({"if-unmodified-since": date}, etag="abc", last_modified=written + 1).outcome is (
            Outcome.PRECONDITION_FAILED
        )
        assert if_range_holds(date, etag="abc", last_modified=written) is True
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-" + "9" * 5000, (0, 9)),
        ("bytes=-" + "9" * 5000, (0, 9)),
        ("bytes=" + "0" * 5000 + "7-", (7, 9)),
        ("bytes=" + "0" * 30 + "2-" + "0" * 30 + "3", (2, 3)),
        ("bytes=\uff13-", None),  # a fullwidth digit is no DIGIT: the header is ignored
        ("bytes=\u0663-\u0665", None),
    ],
    ids=["5000-digit-last", "5000-digit-suffix", "zero-padded-first", "zero-padded-both", "fullwidth", "arabic-indic"],
)
def test_range_positions_of_any_length_never_reach_int_limits(header: str, expected: tuple[int, int] | None) -> None:
    """CPython's int() refuses strings over 4,300 digits; a Range header may hold more (a 500 before)."""
    got = parse_range(header, 10)
    assert (None if got is None else (got.start, got.end)) == expected


def test_range_start_of_5000_digits_is_unsatisfiable() -> None:
    with pytest.raises(InvalidRange):
        parse_range("bytes=" + "9" * 5000 + "-", 10)
