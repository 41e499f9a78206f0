"""Additional checksums (x-amz-checksum-*): names, incremental hashers, wire encoding (pure).

S3 sends and returns each checksum as base64 of the big-endian digest. CRC32 comes from zlib,
CRC32C and CRC64NVME from awscrt (AWS's common runtime, also what botocore[crt] uses), SHA-1 and
SHA-256 from hashlib.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable
from typing import Protocol

from awscrt import checksums as _crt

from cargobay.s3.errors import BadDigest, InvalidRequest

ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")
# The checksum S3 adds to an object written without one (API_PutObject.html, x-amz-checksum-crc64nvme:
# "uploaded without a checksum (and Amazon S3 added the default checksum, CRC64NVME ...)"). Computing
# it costs ~0.05 ms/MiB (awscrt, measured here), against ~1.3 for the MD5 every write pays anyway.
DEFAULT_ALGORITHM = "crc64nvme"


class Hasher(Protocol):
    def update(self, data: bytes | bytearray | memoryview) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    def __init__(self, fn: Callable[[bytes | bytearray | memoryview, int], int], width: int) -> None:
        self._fn = fn
        self._width = width
        self._value = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._width, "big")


def _crc32(data: bytes | bytearray | memoryview, value: int) -> int:
    return zlib.crc32(data, value)


def _takes_views() -> bool:
    """Whether awscrt's CRCs read a memoryview in place (recent releases take any buffer); if not,
    a view is copied to bytes first. Probed once: every streamed body of an object written without
    a checksum gets the default CRC64NVME over 64 KiB views of its pieces (see store/pending.py)."""
    try:
        _crt.crc64nvme(memoryview(b"x"), 0)
    except TypeError:
        return False
    return True


_TAKES_VIEWS = _takes_views()


def _crc32c(data: bytes | bytearray | memoryview, value: int) -> int:
    return int(_crt.crc32c(data if _TAKES_VIEWS or not isinstance(data, memoryview) else bytes(data), value))


def _crc64nvme(data: bytes | bytearray | memoryview, value: int) -> int:
    return int(_crt.crc64nvme(data if _TAKES_VIEWS or not isinstance(data, memoryview) else bytes(data), value))


def new_hasher(algorithm: str) -> Hasher:
    """An incremental hasher for one of :data:`ALGORITHMS` (lower-case)."""
    if algorithm == "crc32":
        return _Crc(_crc32, 4)
    if algorithm == "crc32c":
        return _Crc(_crc32c, 4)
    if algorithm == "crc64nvme":
        return _Crc(_crc64nvme, 8)
    if algorithm == "sha1":
        return hashlib.sha1(usedforsecurity=False)
    if algorithm == "sha256":
        return hashlib.sha256()
    raise InvalidRequest(f"Checksum algorithm {algorithm!r} is not supported.")


def encode(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


_DIGEST_SIZES = {"crc32": 4, "crc32c": 4, "crc64nvme": 8, "sha1": 20, "sha256": 32}


def check_encoded(algorithm: str, value: str) -> None:
    """Reject a checksum header that is not base64 (InvalidRequest); base64 of a digest of the
    wrong length cannot match the body, so it is BadDigest before any byte is read, as AWS answers."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"Value for x-amz-checksum-{algorithm} header is invalid.") from None
    if len(raw) != _DIGEST_SIZES[algorithm]:
        raise BadDigest(f"The {algorithm.upper()} you specified did not match the calculated checksum.")
