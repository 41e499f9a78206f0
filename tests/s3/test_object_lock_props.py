"""Properties of the Object Lock decisions (cargobay.s3.object_lock), plus the document and header
parsing they rely on.

The properties are the guarantees a locked bucket promises: a COMPLIANCE retention can never be
shortened, removed or re-moded while active; GOVERNANCE gives way only to the bypass; a legal hold
blocks deletion whatever the retention; nothing protects after the retain-until date; a default
retention always lands strictly after the write time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import example, given
from hypothesis import strategies as st

from cargobay.s3 import object_lock as ol
from cargobay.s3.errors import InvalidArgument, InvalidRequest, MalformedXML

NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
modes = st.sampled_from(list(ol.LockMode))
offsets = st.timedeltas(min_value=timedelta(days=-4000), max_value=timedelta(days=4000))


@st.composite
def retentions(draw: st.DrawFn, now: datetime) -> ol.Retention:
    return ol.Retention(draw(modes), now + draw(offsets))


@st.composite
def scenario(
    draw: st.DrawFn, current_mode: ol.LockMode | None = None, *, active: bool | None = None
) -> tuple[datetime, ol.Retention | None, ol.Retention | None]:
    """(now, current retention, proposed retention); ``current_mode``/``active`` pin the current one."""
    now = draw(moments)
    current: ol.Retention | None
    if current_mode is None and active is None:
        current = draw(st.none() | retentions(now))
    else:
        mode = current_mode or draw(modes)
        ahead = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=4000)))
        current = ol.Retention(mode, now + ahead if active else now - ahead + timedelta(microseconds=1))
    new = draw(
        st.one_of(
            st.none(),
            retentions(now),
            # near the current date: the boundary of "shortened"
            st.builds(
                lambda m, d: ol.Retention(m, (current.retain_until if current else now) + d),
                modes,
                st.timedeltas(min_value=timedelta(seconds=-2), max_value=timedelta(seconds=2)),
            ),
        )
    )
    return now, current, new


@given(scenario(ol.LockMode.COMPLIANCE, active=True), st.booleans())
def test_compliance_retention_never_shortened_removed_or_remoded_while_active(
    case: tuple[datetime, ol.Retention | None, ol.Retention | None], bypass: bool
) -> None:
    now, current, new = case
    assert current is not None and current.active(now)
    decision = ol.may_change_retention(current, new, now=now, bypass_governance=bypass)
    weakens = new is None or new.mode is not ol.LockMode.COMPLIANCE or new.retain_until < current.retain_until
    assert decision.allowed is not weakens, decision.reason


@given(scenario(ol.LockMode.GOVERNANCE, active=True), st.booleans())
def test_governance_retention_weakened_only_with_bypass(
    case: tuple[datetime, ol.Retention | None, ol.Retention | None], bypass: bool
) -> None:
    now, current, new = case
    assert current is not None and current.active(now)
    decision = ol.may_change_retention(current, new, now=now, bypass_governance=bypass)
    extends = new is not None and new.mode is ol.LockMode.GOVERNANCE and new.retain_until >= current.retain_until
    assert decision.allowed is (extends or bypass), decision.reason


@given(scenario(active=False) | scenario().filter(lambda c: c[1] is None), st.booleans())
def test_expired_or_absent_retention_allows_any_change(
    case: tuple[datetime, ol.Retention | None, ol.Retention | None], bypass: bool
) -> None:
    now, current, new = case
    assert current is None or not current.active(now)
    assert ol.may_change_retention(current, new, now=now, bypass_governance=bypass).allowed


@given(moments, st.none() | offsets, modes, st.booleans())
def test_legal_hold_blocks_delete_regardless_of_retention(
    now: datetime, offset: timedelta | None, mode: ol.LockMode, bypass: bool
) -> None:
    retention = None if offset is None else ol.Retention(mode, now + offset)
    decision = ol.may_delete_version(ol.LockState(retention, legal_hold=True), now=now, bypass_governance=bypass)
    assert not decision.allowed and "legal hold" in decision.reason


@given(moments, offsets, modes, st.booleans())
def test_delete_decision_follows_mode_and_bypass(
    now: datetime, offset: timedelta, mode: ol.LockMode, bypass: bool
) -> None:
    retention = ol.Retention(mode, now + offset)
    allowed = ol.may_delete_version(ol.LockState(retention), now=now, bypass_governance=bypass).allowed
    if not retention.active(now):
        assert allowed
    elif mode is ol.LockMode.COMPLIANCE:
        assert not allowed
    else:
        assert allowed is bypass


@given(moments, st.booleans())
def test_unprotected_version_may_always_be_deleted(now: datetime, bypass: bool) -> None:
    assert ol.may_delete_version(ol.LockState(), now=now, bypass_governance=bypass).allowed


@given(moments, modes, st.integers(1, ol.MAX_DAYS))
def test_default_retention_in_days_lands_exactly_after_the_write(now: datetime, mode: ol.LockMode, days: int) -> None:
    config = ol.LockConfiguration(ol.DefaultRetention(mode, days=days))
    got = ol.default_retention_for(config, now)
    assert got == ol.Retention(mode, now + timedelta(days=days))
    assert got.active(now)


@given(moments, modes, st.integers(1, ol.MAX_YEARS))
def test_default_retention_in_years_is_calendar_years(now: datetime, mode: ol.LockMode, years: int) -> None:
    got = ol.default_retention_for(ol.LockConfiguration(ol.DefaultRetention(mode, years=years)), now)
    assert got is not None and got.mode is mode and got.active(now)
    until = got.retain_until
    assert until.year == now.year + years and until.month == now.month and until.time() == now.time()
    assert until.day == now.day or (now.month, now.day, until.day) == (2, 29, 28)


@given(moments)
def test_no_default_retention_gives_none(now: datetime) -> None:
    assert ol.default_retention_for(None, now) is None
    assert ol.default_retention_for(ol.LockConfiguration(), now) is None


@pytest.mark.parametrize(
    ("days", "years", "error"),
    [
        (None, None, MalformedXML),
        (1, 1, MalformedXML),
        (0, None, InvalidArgument),
        (-1, None, InvalidArgument),
        (None, 0, InvalidArgument),
        (ol.MAX_DAYS + 1, None, InvalidArgument),
        (None, ol.MAX_YEARS + 1, InvalidArgument),
    ],
    ids=["no-period", "days-and-years", "zero-days", "negative-days", "zero-years", "too-many-days", "too-many-years"],
)
def test_default_retention_invalid_periods(days: int | None, years: int | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        ol.DefaultRetention(ol.LockMode.GOVERNANCE, days=days, years=years)


# -- documents ------------------------------------------------------------------------------------


def _doc(text: str) -> ET.Element:
    return fromstring(text.encode())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            f"<ObjectLockConfiguration{NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>",
            ol.LockConfiguration(),
        ),
        (
            f"<ObjectLockConfiguration{NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
            "<Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
            ol.LockConfiguration(ol.DefaultRetention(ol.LockMode.GOVERNANCE, days=3)),
        ),
        (
            "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
            "<Mode>COMPLIANCE</Mode><Years>2</Years></DefaultRetention></Rule></ObjectLockConfiguration>",
            ol.LockConfiguration(ol.DefaultRetention(ol.LockMode.COMPLIANCE, years=2)),
        ),
    ],
    ids=["enabled-only", "governance-days", "compliance-years-no-namespace"],
)
def test_parse_lock_configuration(body: str, expected: ol.LockConfiguration) -> None:
    assert ol.parse_lock_configuration(_doc(body)) == expected


@pytest.mark.parametrize(
    ("rule", "enabled", "error"),
    [
        ("", "Disabled", MalformedXML),
        ("", None, MalformedXML),
        ("<Rule></Rule>", "Enabled", MalformedXML),
        ("<Rule><DefaultRetention><Days>1</Days></DefaultRetention></Rule>", "Enabled", MalformedXML),
        (
            "<Rule><DefaultRetention><Mode>LOCKED</Mode><Days>1</Days></DefaultRetention></Rule>",
            "Enabled",
            MalformedXML,
        ),
        ("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode></DefaultRetention></Rule>", "Enabled", MalformedXML),
        (
            "<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule>",
            "Enabled",
            MalformedXML,
        ),
        (
            "<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>x</Days></DefaultRetention></Rule>",
            "Enabled",
            MalformedXML,
        ),
        (
            "<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days></DefaultRetention></Rule>",
            "Enabled",
            InvalidArgument,
        ),
        (
            "<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>-5</Days></DefaultRetention></Rule>",
            "Enabled",
            InvalidArgument,
        ),
    ],
    ids=[
        "disabled",
        "no-enabled",
        "empty-rule",
        "no-mode",
        "bad-mode",
        "no-period",
        "days-and-years",
        "not-a-number",
        "zero",
        "negative",
    ],
)
def test_parse_lock_configuration_rejects(rule: str, enabled: str | None, error: type[Exception]) -> None:
    flag = "" if enabled is None else f"<ObjectLockEnabled>{enabled}</ObjectLockEnabled>"
    with pytest.raises(error):
        ol.parse_lock_configuration(_doc(f"<ObjectLockConfiguration>{flag}{rule}</ObjectLockConfiguration>"))


def test_parse_retention_and_removal() -> None:
    got = ol.parse_retention(
        _doc(
            f"<Retention{NS}><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.123Z</RetainUntilDate></Retention>"
        )
    )
    assert got == ol.Retention(ol.LockMode.COMPLIANCE, datetime(2030, 1, 2, 3, 4, 5, 123000, tzinfo=UTC))
    assert ol.parse_retention(_doc("<Retention/>")) is None
    for bad in (
        "<Retention><Mode>GOVERNANCE</Mode></Retention>",
        "<Retention><Mode>NONE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>",
        "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>soon</RetainUntilDate></Retention>",
        "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T00:00:00</RetainUntilDate></Retention>",
        "<NotRetention/>",
    ):
        with pytest.raises(MalformedXML):
            ol.parse_retention(_doc(bad))


def test_parse_legal_hold() -> None:
    assert ol.parse_legal_hold(_doc(f"<LegalHold{NS}><Status>ON</Status></LegalHold>")) is True
    assert ol.parse_legal_hold(_doc("<LegalHold><Status>OFF</Status></LegalHold>")) is False
    for bad in ("<LegalHold><Status>on</Status></LegalHold>", "<LegalHold/>", "<Hold><Status>ON</Status></Hold>"):
        with pytest.raises(MalformedXML):
            ol.parse_legal_hold(_doc(bad))


# -- headers --------------------------------------------------------------------------------------

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_lock_headers_round_trip() -> None:
    retention, hold = ol.lock_from_headers(
        {ol.HEADER_MODE: "GOVERNANCE", ol.HEADER_RETAIN_UNTIL: "2026-12-07T00:00:00Z", ol.HEADER_LEGAL_HOLD: "ON"},
        now=NOW,
    )
    assert retention == ol.Retention(ol.LockMode.GOVERNANCE, datetime(2026, 12, 7, tzinfo=UTC))
    assert hold is True
    assert ol.lock_from_headers({}, now=NOW) == (None, None)
    assert ol.lock_from_headers({ol.HEADER_LEGAL_HOLD: "OFF"}, now=NOW) == (None, False)


@pytest.mark.parametrize(
    "headers",
    [
        {ol.HEADER_MODE: "GOVERNANCE"},
        {ol.HEADER_RETAIN_UNTIL: "2027-01-01T00:00:00Z"},
        {ol.HEADER_MODE: "FOREVER", ol.HEADER_RETAIN_UNTIL: "2027-01-01T00:00:00Z"},
        {ol.HEADER_MODE: "COMPLIANCE", ol.HEADER_RETAIN_UNTIL: "2020-01-01T00:00:00Z"},
        {ol.HEADER_MODE: "COMPLIANCE", ol.HEADER_RETAIN_UNTIL: "tomorrow"},
        {ol.HEADER_LEGAL_HOLD: "yes"},
    ],
    ids=["mode-only", "date-only", "bad-mode", "past-date", "bad-date", "bad-hold"],
)
def test_lock_headers_rejected_with_invalid_argument(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument):
        ol.lock_from_headers(headers, now=NOW)


@given(moments)
def test_format_date_parses_back_to_the_millisecond(moment: datetime) -> None:
    text = ol.format_date(moment)
    assert text.endswith("Z") and len(text) == 24
    assert ol.parse_date(text) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_bypass_and_enabled_helpers() -> None:
    assert ol.bypass_requested({ol.HEADER_BYPASS: "True"})
    assert not ol.bypass_requested({ol.HEADER_BYPASS: "false"}) and not ol.bypass_requested({})
    ol.require_lock_enabled(True)
    with pytest.raises(InvalidRequest):
        ol.require_lock_enabled(False)


def test_naive_dates_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        ol.Retention(ol.LockMode.GOVERNANCE, datetime(2030, 1, 1))


@given(moments, offsets)
def test_remaining_days_counts_a_part_of_a_day_as_a_day(now: datetime, offset: timedelta) -> None:
    """s3:object-lock-remaining-retention-days: the whole days that cover the time left, never
    negative; so a retention up to N days away has at most N, and anything past N days has more."""
    days = ol.remaining_days(now + offset, now=now)
    if offset <= timedelta(0):
        assert days == 0
    else:
        assert timedelta(days=days - 1) < offset <= timedelta(days=days)


def test_remaining_days_value_from_text_and_dates() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    key = ol.REMAINING_DAYS_KEY
    assert ol.remaining_days_value("2030-01-11T00:00:00Z", now=now.timestamp()) == {key: ("10",)}
    assert ol.remaining_days_value("2030-01-11T00:00:01.000Z", now=now.timestamp()) == {key: ("11",)}
    assert ol.remaining_days_value(now + timedelta(hours=1), now=now.timestamp()) == {key: ("1",)}
    assert ol.remaining_days_value("2029-12-01T00:00:00Z", now=now.timestamp()) == {key: ("0",)}
    assert ol.remaining_days_value("tomorrow", now=now.timestamp()) == {}
    assert ol.remaining_days_value(None, now=now.timestamp()) == {}


_iso_like = st.builds(
    lambda d, h, off: f"{d.isoformat()}T{h:02d}:00:00{off}",
    st.one_of(st.dates(), st.sampled_from([date(1, 1, 1), date(9999, 12, 31)])),
    st.integers(0, 23),
    st.sampled_from(["Z", "+14:00", "-14:00", "+00:00", "-00:30", ""]),
)


@given(st.one_of(st.text(max_size=40), _iso_like))
@example("9999-12-31T23:59:59-14:00")
@example("0001-01-01T00:00:00+14:00")
def test_parse_date_answers_a_date_or_invalid_argument(text: str) -> None:
    """Any header text is a UTC datetime or InvalidArgument (a 400), never another exception (a 500):
    also a moment outside years 1-9999 once moved to UTC (9999-12-31T23:00:00-14:00)."""
    try:
        moment = ol.parse_date(text)
    except InvalidArgument:
        return
    assert moment.utcoffset() == timedelta(0)
