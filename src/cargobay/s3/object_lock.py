"""S3 Object Lock: the lock configuration, retention and legal hold of a version, and the decisions
they drive (pure: no store, no HTTP, no clock, no I/O).

What this module owns:

* the values — :class:`LockConfiguration` (with an optional :class:`DefaultRetention`),
  :class:`Retention` (mode + retain-until date) and :class:`LockState` (a version's retention and
  legal hold) — and their validation, raising the error AWS answers;
* the translation of request documents (``ObjectLockConfiguration``, ``Retention``,
  ``LegalHold``, already parsed by the HTTP layer with defusedxml into an ``ElementTree`` element)
  and of the ``x-amz-object-lock-*`` request headers into those values;
* the decisions, as :class:`Decision` values (``allowed`` + a human-readable ``reason``): may a
  version be permanently deleted (or overwritten in place), may its retention be replaced by
  another, and which retention a new version receives from the bucket default at time ``now``;
* the policy condition key a requested retention gives (s3:object-lock-remaining-retention-days).

The caller passes the time in (``now``, an aware UTC datetime from the server clock) so every
decision is a function of its arguments and can be property-tested. Rendering response XML stays
in ``s3/http``.

The rules (AWS S3 user guide, "How S3 Object Lock works",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-overview.html, and the API
reference of PutObjectRetention / PutObjectLegalHold / PutObjectLockConfiguration / DeleteObject):

* A retention is *active* while ``now < retain_until``; an expired retention protects nothing.
* A legal hold (``ON``) blocks permanent deletion regardless of retention and of the bypass header.
* An active COMPLIANCE retention blocks deletion for everyone; its mode cannot change and its date
  can only move later (never removed, never shortened), bypass or not.
* An active GOVERNANCE retention blocks deletion unless ``x-amz-bypass-governance-retention: true``
  is sent (by a caller holding s3:BypassGovernanceRetention). Extending it in the same mode needs
  nothing; shortening, removing it or changing its mode (also to COMPLIANCE, as observed on AWS:
  ceph/ceph#42505) needs the bypass.
* A new retention (header or PutObjectRetention) must end in the future; a default retention is a
  positive whole number of Days or of Years, never both.
* Deleting without a version id only adds a delete marker: that is never blocked by a lock, so it is
  not a decision of this module.

This module imports the error table only (``cargobay.s3.errors``); never ``s3.store``, ``s3.http``
or aiohttp (an import-linter contract checks it).
"""

from __future__ import annotations

import calendar
import enum
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cargobay.s3.errors import InvalidArgument, InvalidRequest, MalformedXML

# AWS documents no upper bound in the API reference, but answers 400 InvalidArgument beyond these
# (the console and CloudFormation state 36500 days / 100 years); a bound also keeps the date math
# inside datetime's range.
MAX_DAYS = 36500
MAX_YEARS = 100

HEADER_MODE = "x-amz-object-lock-mode"
HEADER_RETAIN_UNTIL = "x-amz-object-lock-retain-until-date"
HEADER_LEGAL_HOLD = "x-amz-object-lock-legal-hold"
HEADER_BYPASS = "x-amz-bypass-governance-retention"


class LockMode(enum.StrEnum):
    GOVERNANCE = "GOVERNANCE"
    COMPLIANCE = "COMPLIANCE"


@dataclass(frozen=True)
class DefaultRetention:
    """A bucket's default retention: a mode and exactly one of ``days`` / ``years`` (positive)."""

    mode: LockMode
    days: int | None = None
    years: int | None = None

    def __post_init__(self) -> None:
        if (self.days is None) == (self.years is None):
            raise MalformedXML()  # "you must select one. You cannot specify Days and Years at the same time."
        period = self.days if self.days is not None else self.years
        assert period is not None
        if period <= 0:
            raise InvalidArgument("Default retention period must be a positive integer value.")
        if (self.days or 0) > MAX_DAYS or (self.years or 0) > MAX_YEARS:
            raise InvalidArgument("Default retention period is too large.")

    def retain_until(self, now: datetime) -> datetime:
        """The retain-until date of a version written at ``now``: ``now`` plus the period.

        Years are calendar years (29 February plus one year is 28 February)."""
        _require_aware(now)
        if self.days is not None:
            return now + timedelta(days=self.days)
        assert self.years is not None
        year = now.year + self.years
        day = min(now.day, calendar.monthrange(year, now.month)[1])
        return now.replace(year=year, day=day)


@dataclass(frozen=True)
class LockConfiguration:
    """A bucket's Object Lock configuration: enabled (always, once set) and an optional default."""

    default: DefaultRetention | None = None


@dataclass(frozen=True)
class Retention:
    """A version's retention: mode and retain-until date (aware, UTC)."""

    mode: LockMode
    retain_until: datetime

    def __post_init__(self) -> None:
        _require_aware(self.retain_until)

    def active(self, now: datetime) -> bool:
        return now < self.retain_until


@dataclass(frozen=True)
class LockState:
    """What protects one version: its retention (or None) and its legal hold."""

    retention: Retention | None = None
    legal_hold: bool = False


@dataclass(frozen=True)
class Decision:
    """The answer of a decision function: allowed or not, and why (for the error message/log)."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


# -- decisions -----------------------------------------------------------------------------------


def may_delete_version(state: LockState, *, now: datetime, bypass_governance: bool) -> Decision:
    """May this version be permanently removed (DELETE with versionId, DeleteObjects with VersionId,
    or replaced in place as the ``null`` version of a suspended bucket)?"""
    if state.legal_hold:
        return Decision(False, "the version is under a legal hold")
    retention = state.retention
    if retention is None or not retention.active(now):
        return Decision(True, "no active retention and no legal hold")
    if retention.mode is LockMode.COMPLIANCE:
        return Decision(False, f"COMPLIANCE retention until {format_date(retention.retain_until)}")
    if bypass_governance:
        return Decision(True, "GOVERNANCE retention bypassed")
    return Decision(False, f"GOVERNANCE retention until {format_date(retention.retain_until)} (no bypass)")


def may_change_retention(
    current: Retention | None, new: Retention | None, *, now: datetime, bypass_governance: bool
) -> Decision:
    """May a version's retention ``current`` be replaced by ``new`` (None = removed)?

    The validity of ``new`` itself (a future date) is :func:`validate_new_retention`'s job; this
    decides only whether the existing protection allows the change."""
    if current is None or not current.active(now):
        return Decision(True, "no active retention")
    if new is not None and new.mode is current.mode and new.retain_until >= current.retain_until:
        return Decision(True, "retention kept or extended in the same mode")
    if current.mode is LockMode.COMPLIANCE:
        return Decision(False, "an active COMPLIANCE retention can only be extended")
    if bypass_governance:
        return Decision(True, "GOVERNANCE retention changed with bypass")
    return Decision(False, "shortening, removing or changing the mode of a GOVERNANCE retention needs the bypass")


def default_retention_for(config: LockConfiguration | None, now: datetime) -> Retention | None:
    """The retention a new version written at ``now`` receives when its request names none."""
    if config is None or config.default is None:
        return None
    return Retention(config.default.mode, config.default.retain_until(now))


def validate_new_retention(retention: Retention, *, now: datetime) -> None:
    """A retention being set (PutObjectRetention, lock headers) must end in the future."""
    if not retention.active(now):
        raise InvalidArgument("The retain until date must be in the future!")


# -- documents and headers -----------------------------------------------------------------------


def parse_lock_configuration(root: ET.Element) -> LockConfiguration:
    """``<ObjectLockConfiguration>`` (PutObjectLockConfiguration) -> :class:`LockConfiguration`.

    ``ObjectLockEnabled`` must be ``Enabled``; a ``Rule`` must hold a ``DefaultRetention`` with a
    mode and one period. Anything else is MalformedXML, a non-positive period InvalidArgument."""
    if _local(root.tag) != "ObjectLockConfiguration":
        raise MalformedXML()
    if _text(root, "ObjectLockEnabled") != "Enabled":
        raise MalformedXML()
    rule = _child(root, "Rule")
    if rule is None:
        return LockConfiguration()
    default = _child(rule, "DefaultRetention")
    if default is None:
        raise MalformedXML()
    mode = _mode(_text(default, "Mode"))
    days, years = _text(default, "Days"), _text(default, "Years")
    return LockConfiguration(DefaultRetention(mode, _integer(days), _integer(years)))


def parse_retention(root: ET.Element) -> Retention | None:
    """``<Retention>`` (PutObjectRetention) -> :class:`Retention`; an empty document (no mode and
    no date) removes the retention and gives None. Mode and date must come together."""
    if _local(root.tag) != "Retention":
        raise MalformedXML()
    mode, until = _text(root, "Mode"), _text(root, "RetainUntilDate")
    if mode is None and until is None:
        return None
    if mode is None or until is None:
        raise MalformedXML()
    return Retention(_mode(mode), _date(until, malformed=MalformedXML))


def parse_legal_hold(root: ET.Element) -> bool:
    """``<LegalHold><Status>ON|OFF</Status></LegalHold>`` -> True for ON."""
    if _local(root.tag) != "LegalHold":
        raise MalformedXML()
    status = _text(root, "Status")
    if status not in ("ON", "OFF"):
        raise MalformedXML()
    return status == "ON"


def lock_from_headers(headers: dict[str, str], *, now: datetime) -> tuple[Retention | None, bool | None]:
    """The ``x-amz-object-lock-*`` headers of PutObject / CopyObject / CreateMultipartUpload
    (names lower-case) -> (retention or None, legal hold or None when the header is absent).

    Mode and retain-until date must come together (AWS: 400 InvalidArgument); the mode must be
    GOVERNANCE or COMPLIANCE and the date in the future (400 InvalidArgument)."""
    mode, until = headers.get(HEADER_MODE), headers.get(HEADER_RETAIN_UNTIL)
    retention: Retention | None = None
    if (mode is None) != (until is None):
        raise InvalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
    if mode is not None and until is not None:
        if mode not in LockMode.__members__:
            raise InvalidArgument("Unknown wormMode directive.", ArgumentName=HEADER_MODE, ArgumentValue=mode)
        retention = Retention(LockMode(mode), _date(until, malformed=InvalidArgument))
        validate_new_retention(retention, now=now)
    hold = headers.get(HEADER_LEGAL_HOLD)
    legal_hold: bool | None = None
    if hold is not None:
        if hold not in ("ON", "OFF"):
            raise InvalidArgument(
                "Legal Hold must be either of 'ON' or 'OFF'", ArgumentName=HEADER_LEGAL_HOLD, ArgumentValue=hold
            )
        legal_hold = hold == "ON"
    return retention, legal_hold


REMAINING_DAYS_KEY = "s3:object-lock-remaining-retention-days"


def remaining_days(retain_until: datetime, *, now: datetime) -> int:
    """The policy key s3:object-lock-remaining-retention-days of a retention a request asks for: the
    days from ``now`` to ``retain_until``, a part of a day counted as a day (0 for a date past), so
    a bucket policy's maximum of N days refuses N days and a minute (object-lock-managing.html,
    "Setting retention limits"; AWS does not say how it counts a part of a day)."""
    _require_aware(retain_until)
    _require_aware(now)
    return max(0, math.ceil((retain_until - now).total_seconds() / 86400))


def remaining_days_value(retain_until: str | datetime | None, *, now: float) -> dict[str, tuple[str, ...]]:
    """{REMAINING_DAYS_KEY: (days,)} for a retention asked for until ``retain_until`` (a header or
    form field's text, or a parsed date) at epoch time ``now``; empty when there is no date or none
    that parses (the request itself is refused for that)."""
    if retain_until is None:
        return {}
    if isinstance(retain_until, str):
        try:
            retain_until = parse_date(retain_until)
        except InvalidArgument:
            return {}
    days = remaining_days(retain_until, now=datetime.fromtimestamp(now, UTC))
    return {REMAINING_DAYS_KEY: (str(days),)}


def bypass_requested(headers: dict[str, str]) -> bool:
    """``x-amz-bypass-governance-retention: true`` (case-insensitive value; names lower-case)."""
    return headers.get(HEADER_BYPASS, "").strip().lower() == "true"


def require_lock_enabled(enabled: bool) -> None:
    """Retention, legal hold and lock headers need a bucket with Object Lock (AWS: 400
    InvalidRequest "Bucket is missing Object Lock Configuration")."""
    if not enabled:
        raise InvalidRequest("Bucket is missing Object Lock Configuration")


def format_date(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as AWS renders RetainUntilDate: 2030-01-02T03:04:05.000Z."""
    _require_aware(moment)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_date(text: str) -> datetime:
    """An ISO 8601 timestamp with a zone (``Z`` or an offset) -> aware UTC datetime; InvalidArgument
    otherwise (a date without a zone is ambiguous and refused)."""
    return _date(text, malformed=InvalidArgument)


# -- helpers -------------------------------------------------------------------------------------


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("object-lock dates must be timezone-aware")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: ET.Element, name: str) -> ET.Element | None:
    found = [child for child in node if _local(child.tag) == name]
    if len(found) > 1:
        raise MalformedXML()
    return found[0] if found else None


def _text(node: ET.Element, name: str) -> str | None:
    child = _child(node, name)
    return None if child is None else (child.text or "").strip()


def _mode(text: str | None) -> LockMode:
    if text is None or text not in LockMode.__members__:
        raise MalformedXML()
    return LockMode(text)


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in ("-", "+") else stripped
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise MalformedXML()
    return int(stripped)


def _date(text: str, *, malformed: type[MalformedXML] | type[InvalidArgument]) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise malformed() from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise malformed()
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is in year 10000 in UTC: no such datetime
        raise malformed() from None
