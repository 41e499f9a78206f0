"""Bucket lifecycle rules (pure): their model, validation, and when a rule's action is due.

A configuration is a list of :class:`Rule`; it is kept as JSON (:func:`to_json`/:func:`from_json`)
in the bucket's ``config`` and carried out by the sweeper (s3/http/lifecycle.py).

What is carried out: ``Expiration`` by ``Days`` or ``Date`` (current objects are deleted; in a
versioned bucket that adds a delete marker), ``ExpiredObjectDeleteMarker`` (a marker with no
version under it is removed), ``NoncurrentVersionExpiration`` (``NoncurrentDays`` after a version
was replaced, keeping the ``NewerNoncurrentVersions`` newest) and
``AbortIncompleteMultipartUpload`` (``DaysAfterInitiation``), with ``Filter`` by prefix, tags and
object size (noncurrent versions: prefix and size). ``Transition`` is refused
(NotImplemented): this server has one storage class, and accepting it would promise a move that
never happens.

Timing (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html):
an object expires at the first midnight UTC at least ``Days`` days after it was written; a
``Date`` rule applies from that (midnight UTC) date on.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cargobay.s3.errors import InvalidArgument, InvalidRequest, MalformedXML

MAX_RULES = 1000
MAX_NEWER_NONCURRENT = 100
DAY = 86400


@dataclass(frozen=True)
class Filter:
    prefix: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    size_greater_than: int | None = None
    size_less_than: int | None = None
    form: str = "filter"  # how it was given: "filter" | "and" | "prefix" (rule-level, legacy) | "none"

    def matches(self, key: str, size: int, tags: Mapping[str, str]) -> bool:
        if not key.startswith(self.prefix):
            return False
        if any(tags.get(k) != v for k, v in self.tags):
            return False
        if self.size_greater_than is not None and not size > self.size_greater_than:
            return False
        return self.size_less_than is None or size < self.size_less_than


@dataclass(frozen=True)
class Rule:
    id: str
    enabled: bool
    filter: Filter = Filter()
    expiration_days: int | None = None
    expiration_date: str | None = None  # ISO 8601, midnight UTC
    expired_object_delete_marker: bool | None = None
    noncurrent_days: int | None = None
    newer_noncurrent_versions: int | None = None
    abort_days: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _positive(value: int | None, message: str) -> None:
    if value is not None and value <= 0:
        raise InvalidArgument(message)


# The XML timestamp form of ISO 8601 (date, optional time and zone). datetime.fromisoformat alone
# also takes the compact, week and ordinal forms ("20300101", "2030-W01-2"), which are no timestamp.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII)


def parse_date(text: str) -> _dt.datetime:
    """An Expiration Date: ISO 8601, at midnight UTC (InvalidArgument otherwise)."""
    try:
        if not _TIMESTAMP.fullmatch(text):
            raise ValueError(text)
        when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(
            "Invalid date format: expected ISO 8601", ArgumentName="Date", ArgumentValue=text
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    try:
        when = when.astimezone(_dt.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC: not a midnight there either
        raise InvalidArgument("'Date' must be at midnight GMT", ArgumentName="Date", ArgumentValue=text) from None
    if (when.hour, when.minute, when.second, when.microsecond) != (0, 0, 0, 0):
        raise InvalidArgument("'Date' must be at midnight GMT", ArgumentName="Date", ArgumentValue=text)
    return when


def validate(rules: Sequence[Rule]) -> None:
    if not rules:
        raise MalformedXML()
    if len(rules) > MAX_RULES:
        raise MalformedXML("The number of lifecycle rules must not exceed 1000")
    seen: set[str] = set()
    for rule in rules:
        if len(rule.id) > 255:
            raise InvalidArgument(
                "ID length should not exceed allowed limit of 255", ArgumentName="ID", ArgumentValue=rule.id
            )
        if rule.id in seen:
            raise InvalidArgument(
                "Rule ID must be unique. Found same ID for more than one rule", ArgumentName="ID", ArgumentValue=rule.id
            )
        seen.add(rule.id)
        given = [
            v for v in (rule.expiration_days, rule.expiration_date, rule.expired_object_delete_marker) if v is not None
        ]
        if len(given) > 1:
            raise MalformedXML()
        _positive(rule.expiration_days, "'Days' for Expiration action must be a positive integer")
        _positive(
            rule.noncurrent_days, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"
        )
        _positive(
            rule.abort_days,
            "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
        )
        newer = rule.newer_noncurrent_versions
        if newer is not None and not 0 <= newer <= MAX_NEWER_NONCURRENT:
            # API_NoncurrentVersionExpiration.html: "You can specify up to 100 noncurrent versions to retain".
            raise InvalidArgument(
                f"'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be an integer from 0 "
                f"to {MAX_NEWER_NONCURRENT}",
                ArgumentName="NewerNoncurrentVersions",
                ArgumentValue=str(newer),
            )
        if rule.expiration_date is not None:
            parse_date(rule.expiration_date)
        if not given and rule.noncurrent_days is None and rule.abort_days is None:
            raise InvalidRequest("At least one action needs to be specified in a rule")
        if rule.abort_days is not None and rule.filter.tags:
            raise InvalidRequest("Tag-based filter cannot be used with AbortIncompleteMultipartUpload action")
        if rule.expired_object_delete_marker and rule.filter.tags:
            raise InvalidRequest("ExpiredObjectDeleteMarker cannot be specified with tags")
        f = rule.filter
        if f.size_greater_than is not None and f.size_less_than is not None and f.size_greater_than >= f.size_less_than:
            raise InvalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan")


def _next_midnight(seconds: float) -> float:
    day_start = (int(seconds) // DAY) * DAY
    return float(day_start if day_start == seconds else day_start + DAY)


def object_expires_at(rule: Rule, last_modified: float) -> float | None:
    """When (epoch seconds) ``rule`` expires an object written at ``last_modified``; None: never."""
    if not rule.enabled:
        return None
    if rule.expiration_days is not None:
        return _next_midnight(last_modified + rule.expiration_days * DAY)
    if rule.expiration_date is not None:
        return parse_date(rule.expiration_date).timestamp()
    return None


def object_expiration(
    rules: Sequence[Rule], key: str, size: int, tags: Mapping[str, str], last_modified: float
) -> tuple[float, str] | None:
    """(when, rule id) of the earliest enabled rule that expires the current object ``key`` written
    at ``last_modified`` (x-amz-expiration); None: no rule expires it. Overlapping rules: the
    earliest expiration wins (lifecycle-conflicts.html)."""
    due = [
        (when, rule.id)
        for rule in rules
        if (when := object_expires_at(rule, last_modified)) is not None and rule.filter.matches(key, size, tags)
    ]
    return min(due) if due else None


def noncurrent_expires_at(rule: Rule, noncurrent_since: float) -> float | None:
    """When a version that stopped being current at ``noncurrent_since`` expires; None: never."""
    if not rule.enabled or rule.noncurrent_days is None:
        return None
    return _next_midnight(noncurrent_since + rule.noncurrent_days * DAY)


def upload_aborts_at(rule: Rule, initiated: float) -> float | None:
    if not rule.enabled or rule.abort_days is None:
        return None
    return _next_midnight(initiated + rule.abort_days * DAY)


def upload_abort(rules: Sequence[Rule], key: str, initiated: float) -> tuple[float, str] | None:
    """(when, rule id) of the earliest enabled rule that aborts an upload of ``key`` initiated at
    ``initiated`` (x-amz-abort-date / x-amz-abort-rule-id); None: no rule aborts it. Such a rule
    filters by prefix only (a tag filter is refused with it, and an upload has no size yet)."""
    due = [
        (when, rule.id)
        for rule in rules
        if key.startswith(rule.filter.prefix) and (when := upload_aborts_at(rule, initiated)) is not None
    ]
    return min(due) if due else None


def to_json(rules: Sequence[Rule]) -> list[dict[str, Any]]:
    return [asdict(rule) for rule in rules]


def from_json(raw: Any) -> list[Rule]:
    if not isinstance(raw, list):
        return []
    rules = []
    for item in raw:
        fields = dict(item)
        f = dict(fields.pop("filter", {}))
        f["tags"] = tuple(tuple(pair) for pair in f.get("tags", ()))
        rules.append(Rule(filter=Filter(**f), **fields))
    return rules
