"""lifecycle.object_expiration: which rule expires an object, and when (the x-amz-expiration header).

The rule that applies is the one the sweeper applies (same filter, same date); of several, the
earliest expiry wins, since that is when the object goes."""

from __future__ import annotations

import datetime as dt

from cargobay.s3.lifecycle import DAY, Filter, Rule, object_expiration

WRITTEN = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC).timestamp()
MIDNIGHT_13TH = dt.datetime(2026, 3, 13, tzinfo=dt.UTC).timestamp()


def test_days_are_counted_from_the_write_and_rounded_up_to_midnight_utc() -> None:
    rules = [Rule("r", True, expiration_days=2)]
    assert object_expiration(rules, "k", 1, {}, WRITTEN) == (MIDNIGHT_13TH, "r")


def test_the_earliest_of_the_matching_rules_wins() -> None:
    rules = [Rule("late", True, expiration_days=30), Rule("soon", True, expiration_days=2)]
    assert object_expiration(rules, "k", 1, {}, WRITTEN) == (MIDNIGHT_13TH, "soon")


def test_a_rule_expires_only_what_its_filter_and_status_select() -> None:
    rules = [
        Rule("off", False, expiration_days=1),
        Rule("logs", True, Filter(prefix="logs/"), expiration_days=1),
        Rule("tagged", True, Filter(tags=(("t", "1"),)), expiration_days=1),
        Rule("big", True, Filter(size_greater_than=100), expiration_days=1),
        Rule("no-expiration", True, abort_days=1),
    ]
    assert object_expiration(rules, "k", 1, {}, WRITTEN) is None
    assert object_expiration(rules, "logs/k", 1, {}, WRITTEN) == (MIDNIGHT_13TH - DAY, "logs")
    assert object_expiration(rules, "k", 1, {"t": "1"}, WRITTEN) == (MIDNIGHT_13TH - DAY, "tagged")
    assert object_expiration(rules, "k", 101, {}, WRITTEN) == (MIDNIGHT_13TH - DAY, "big")


def test_a_date_rule_expires_at_its_date() -> None:
    rules = [Rule("d", True, expiration_date="2027-01-01T00:00:00Z")]
    when = dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp()
    assert object_expiration(rules, "k", 1, {}, WRITTEN) == (when, "d")
