"""rclone's metadata formats: mtime as a decimal string, md5chksum as base64."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.sync import meta


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (1_600_000_000_123_456_789, "1600000000.123456789"),
        (1_600_000_000_000_000_000, "1600000000"),
        (1_600_000_000_500_000_000, "1600000000.5"),
        (0, "0"),
        (1, "0.000000001"),
    ],
    ids=["nanoseconds", "whole-second", "half-second", "epoch", "one-ns"],
)
def test_format_mtime_matches_rclone_strings(ns: int, text: str) -> None:
    # The strings are what rclone 1.75 wrote for these mtimes (see test_rclone_interop.py).
    assert meta.format_mtime(ns) == text
    assert meta.parse_mtime(text) == ns


@given(st.integers(min_value=-(10**19), max_value=10**19))
def test_mtime_round_trips(ns: int) -> None:
    assert meta.parse_mtime(meta.format_mtime(ns)) == ns


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "1e9", " ", "--1"], ids=repr)
def test_parse_mtime_rejects_malformed(bad: str) -> None:
    assert meta.parse_mtime(bad) is None


def test_parse_mtime_truncates_beyond_nanoseconds() -> None:
    assert meta.parse_mtime("1.1234567899") == 1_123_456_789


@given(st.binary(max_size=100))
def test_md5_meta_round_trips(data: bytes) -> None:
    md5 = hashlib.md5(data).hexdigest()
    assert meta.md5_from_meta(meta.md5_to_meta(md5)) == md5


@pytest.mark.parametrize("bad", [None, "", "not base64!", "AAAA"], ids=repr)
def test_md5_from_meta_rejects_non_md5(bad: str | None) -> None:
    assert meta.md5_from_meta(bad) is None
