"""ETag rules, written once: MD5 ETags, multipart ETags, quoting, and "is this an MD5?".

AWS: a single-part object's ETag is the hex MD5 of its bytes; a multipart object's is
``md5(concat(binary part md5s))-N``. On the wire ETags are quoted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from cargobay.s3.numbers import decimal

_MD5_RE = re.compile(r"^[0-9a-f]{32}$")
# An unquoted ETag that is a plain MD5; ``MD5_HEX.fullmatch`` is the per-key check of a listing.
MD5_HEX = re.compile(r"[0-9a-f]{32}")


def quote(etag: str) -> str:
    """The wire form: ``"<etag>"``."""
    return etag if etag.startswith('"') else f'"{etag}"'


def unquote(etag: str) -> str:
    """Strip surrounding quotes and a weak-validator prefix (``W/``)."""
    etag = etag.strip()
    if etag.startswith("W/"):
        etag = etag[2:]
    if len(etag) >= 2 and etag[0] == etag[-1] == '"':
        etag = etag[1:-1]
    return etag


def is_md5_etag(etag: str) -> bool:
    """True when the (quoted or not) ETag is a plain MD5: 32 lowercase hex digits."""
    return bool(_MD5_RE.match(unquote(etag)))


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def multipart_count(etag: str | None) -> int | None:
    """``N`` of a multipart ETag ``<32 hex>-N``; None for anything else. ASCII digits
    only: '²' passes ``str.isdigit`` and fails ``int``, and an ETag may come from any server."""
    if not etag:
        return None
    head, sep, tail = etag.rpartition("-")
    if not sep or not (tail.isascii() and tail.isdigit()) or not is_md5_etag(head):
        return None
    n = decimal(tail)  # an ETag from any server: never int() on thousands of digits
    return n if n >= 1 else None


def multipart_etag(part_md5_hexes: Iterable[str]) -> str:
    """``md5(concat(binary md5 of each part))-N``, as AWS computes it."""
    digest = hashlib.md5(usedforsecurity=False)
    count = 0
    for part in part_md5_hexes:
        digest.update(bytes.fromhex(unquote(part)))
        count += 1
    return f"{digest.hexdigest()}-{count}"
