"""Header text as S3 stores and returns it (RFC 2047 encoded-words in user metadata and content
headers): a well-formed encoded-word is decoded, one that is not is stored as sent."""

from __future__ import annotations

import pytest

from cargobay.s3.http.headertext import request_text, response_text


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("plain", "plain"),
        ("=?UTF-8?B?w6k=?=", "\u00e9"),
        ("=?UTF-8?B?w6k?=", "\u00e9"),  # padding left out: still the same octets
        ("=?utf-8?q?caf=C3=A9?=", "caf\u00e9"),
        ("=?ISO-8859-1?Q?caf=E9?=", "caf\u00e9"),
        ("a =?UTF-8?B?w6k=?= b", "a \u00e9 b"),
        ("=?UTF-8?B??=", ""),
    ],
    ids=["ascii", "b-word", "b-unpadded", "q-word", "latin-1", "embedded", "empty-word"],
)
def test_request_text_decodes_well_formed_encoded_words(sent: str, stored: str) -> None:
    assert request_text(sent) == stored


@pytest.mark.parametrize(
    "sent",
    [
        "=?UTF-8?B?@@@?=",  # no base64 character at all: Python's decoder gives b""
        "=?UTF-8?B?w6k-?=",  # the URL-safe alphabet's "-" (RFC 2047 section 6.3's own example)
        "=?UTF-8?B?w6 k=?=",
        "=?UTF-8?B?w6kxx?=",  # 5 characters: a non-integral number of octets
        "x =?UTF-8?B?!!!!?= y",
        "=?UTF-8?X?abc?=",  # no such encoding
        "=?no-such-charset?B?w6k=?=",
    ],
    ids=["not-base64", "url-safe-dash", "space", "non-integral", "embedded", "unknown-encoding", "unknown-charset"],
)
def test_request_text_keeps_an_incorrectly_formed_encoded_word_as_sent(sent: str) -> None:
    # RFC 2047 section 6.3: an encoded-word with characters not legal for its encoding, or encoding
    # a non-integral number of octets, "is incorrectly formed"; decoding it anyway (Python's base64
    # decoder skips what it cannot read) would store text the client never sent, or nothing.
    assert request_text(sent) == sent


def test_response_text_encodes_what_is_not_plain_ascii() -> None:
    assert response_text("plain") == "plain"
    assert response_text("\u00e9") == "=?UTF-8?B?w6k=?="
    assert response_text("a\nb") == "=?UTF-8?B?YQpi?="
