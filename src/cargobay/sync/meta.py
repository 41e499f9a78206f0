"""The object metadata cargobay writes on upload, in rclone's format, so the two tools agree.

* ``X-Amz-Meta-Mtime`` (boto3 key ``mtime``): the file's modification time as seconds since the
  epoch with up to nine fractional digits, trailing zeros and a bare point dropped -
  ``1600000000.123456789``, ``1600000000.5``, ``1600000000`` - which is what rclone writes and
  reads (checked against rclone in ``tests/sync/test_rclone_interop.py``).
* ``X-Amz-Meta-Md5chksum`` (boto3 key ``md5chksum``): the base64 of the binary MD5 of the
  content, rclone's ``metaMD5Hash``. It keeps multipart objects (whose ETag is not an MD5)
  comparable by content.

Pure functions; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re

MTIME_KEY = "mtime"
MD5_KEY = "md5chksum"

_MTIME_RE = re.compile(r"^(-?)(\d+)(?:\.(\d{1,9})\d*)?$", re.ASCII)


def format_mtime(mtime_ns: int) -> str:
    """rclone's float-string form of a nanosecond timestamp."""
    sign = "-" if mtime_ns < 0 else ""
    seconds, nanos = divmod(abs(mtime_ns), 1_000_000_000)
    if nanos == 0:
        return f"{sign}{seconds}"
    return f"{sign}{seconds}.{nanos:09d}".rstrip("0")


def parse_mtime(text: str | None) -> int | None:
    """Nanoseconds from rclone's form; ``None`` for a missing or malformed value (never a guess)."""
    if not text:
        return None
    m = _MTIME_RE.match(text.strip())
    if m is None:
        return None
    sign, seconds, frac = m.groups()
    ns = int(seconds) * 1_000_000_000 + int((frac or "").ljust(9, "0") or 0)
    return -ns if sign else ns


def md5_to_meta(md5_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii")


def md5_from_meta(value: str | None) -> str | None:
    """Hex MD5 from an ``md5chksum`` value; ``None`` unless it decodes to exactly 16 bytes."""
    if not value:
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 16 else None


def upload_metadata(*, mtime_ns: int, md5_hex: str | None) -> dict[str, str]:
    """The user metadata cargobay attaches to every object it uploads."""
    meta = {MTIME_KEY: format_mtime(mtime_ns)}
    if md5_hex is not None:
        meta[MD5_KEY] = md5_to_meta(md5_hex)
    return meta
