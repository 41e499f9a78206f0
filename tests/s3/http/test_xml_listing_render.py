"""Listing rendering helpers of :mod:`cargobay.s3.http.xml`: the fast paths equal the slow ones."""

from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape as sax_escape

from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.http.xml import encode_key, encode_keys, escape, escape_all, iso8601

# Keys from the characters that matter: URL-safe ones, the ones quote() rewrites, XML specials,
# control characters, non-ASCII (2-, 3- and 4-byte UTF-8).
_KEY_CHARS = st.sampled_from([*"aZ09_.~/-%+ &<>\"'=?#:\t\n\r\x01\x1f", "é", "€", "\U0001f600"])
keys = st.lists(_KEY_CHARS, max_size=12).map("".join) | st.text(max_size=20)


@given(keys)
def test_url_encoded_key_equals_quote(key: str) -> None:
    assert encode_key(key, True) == quote(key, safe="/~")


@given(keys)
def test_plain_key_is_xml_escaped_and_control_characters_are_references(key: str) -> None:
    out = encode_key(key, False)
    assert out == escape(key)
    expected = sax_escape(key, {'"': "&quot;", "'": "&apos;"})
    for code in range(0x20):
        if chr(code) not in "\t\n":
            expected = expected.replace(chr(code), f"&#{code};")
    assert out == expected


@given(st.integers(min_value=0, max_value=253402300799_999_999_999))
def test_iso8601_is_utc_with_milliseconds(ns: int) -> None:
    from datetime import UTC, datetime

    seconds, rest = divmod(ns, 1_000_000_000)
    expected = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest // 1_000_000:03d}Z"
    assert iso8601(ns) == expected


# Pages where most keys are plain and a few are not: the page-level check must fall back for
# the whole page when any one key needs work, and leave a clean page as it is.
_PLAIN = st.lists(st.sampled_from([*"aZ09_.~/-"]), max_size=8).map("".join)
pages = st.lists(_PLAIN | keys, max_size=12)


@given(pages, st.booleans())
def test_page_of_keys_encodes_as_each_key_alone(texts: list[str], url: bool) -> None:
    assert encode_keys(texts, url) == [encode_key(t, url) for t in texts]


@given(pages)
def test_page_of_etags_escapes_as_each_alone(texts: list[str]) -> None:
    assert escape_all(texts) == [escape(t) for t in texts]
