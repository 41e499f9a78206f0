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
from email.errors import HeaderParseError
from email.header import decode_header, make_header


def request_text(value: str) -> str:
    """A request header value as S3 stores it: its bytes read as ISO-8859-1, encoded-words decoded."""
    if not value.isascii():
        value = value.encode("utf-8", "surrogateescape").decode("latin-1")
    if "=?" in value:
        # Not a well-formed encoded-word (or an unknown charset): stored as sent.
        with contextlib.suppress(HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
            value = str(make_header(decode_header(value)))
    return value


def response_text(value: str) -> str:
    """A stored value as a response header: as is when US-ASCII, else
    one RFC 2047 "B" encoded-word of its UTF-8 bytes."""
    if value.isascii():
        return value
    return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii") + "?="
