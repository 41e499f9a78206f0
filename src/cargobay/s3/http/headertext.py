"""Header text outside US-ASCII, read and written the way S3 does (user metadata, stored content
headers, response-* overrides).

AWS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html): the bytes of a
request header are read as ISO-8859-1, encoded-words (RFC 2047) in them are decoded before storing,
and a value that is not all US-ASCII goes back out as one RFC 2047 encoded-word of its UTF-8 bytes
("mail-safe"). The documented example: the UTF-8 bytes of ``ÄMÄZÕÑ S3`` come back as
``=?UTF-8?B?w4PChE3Dg8KEWsODwpXDg8KRIFMz?=``. aiohttp hands us header values decoded as UTF-8 with
``surrogateescape``; re-encoding them that way gives back the exact bytes received.
"""

from __future__ import annotations

import base64
import contextlib
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Anything that starts like an encoded-word (RFC 2047 section 2), and what a "B" word may carry
# (section 4.1: the base64 alphabet; padding may be left out, as decoders accept).
_WORD_START = re.compile(r"=\?[^?]*\?[Bb]\?([^?]*)\?=")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _incorrectly_formed(value: str) -> bool:
    """Whether a "B" encoded-word in ``value`` is incorrectly formed (RFC 2047 section 6.3: a
    character not legal in its encoding, or a non-integral number of octets). Python's decoder skips
    such characters silently, so decoding would store text that was never sent."""
    for word in _WORD_START.finditer(value):
        payload = word.group(1)
        if _BASE64.fullmatch(payload) is None or len(payload.rstrip("=")) % 4 == 1:
            return True
    return False


def request_text(value: str) -> str:
    """A request header value as S3 stores it: its bytes read as ISO-8859-1, encoded-words decoded."""
    if not value.isascii():
        value = value.encode("utf-8", "surrogateescape").decode("latin-1")
    if "=?" in value and not _incorrectly_formed(value):
        # Not a well-formed encoded-word (or an unknown charset): stored as sent.
        with contextlib.suppress(HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
            value = str(make_header(decode_header(value)))
    return value


def legal_header_value(value: str) -> bool:
    """False when ``value`` holds a control character other than HTAB (RFC 9110 §5.5), which no
    header may carry: sent raw, it would end the header block (aiohttp drops the connection).
    ``isprintable`` answers the common case in C; only text it refuses needs the pattern."""
    return value.isprintable() or _CONTROL.search(value) is None


def legal_header_name(name: str) -> bool:
    """True when ``name`` is an HTTP token (RFC 9110 §5.1): a form field name may be any text, and
    one with a space or a colon would, as a header name, break or forge the header block."""
    return _TOKEN.fullmatch(name) is not None


def response_text(value: str) -> str:
    """A stored value as a response header: as is when US-ASCII without control characters, else
    one RFC 2047 "B" encoded-word of its UTF-8 bytes (the "mail-safe" form, which any text has)."""
    if value.isascii() and legal_header_value(value):
        return value
    return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii") + "?="
