"""Reading a local file once to get its MD5 and, when asked, its multipart ETags for given part sizes.

The multipart ETag rule itself (``md5(concat(part md5s))-N``) lives in
:func:`cargobay.s3.etag.multipart_etag`; this module only cuts the byte stream into parts. It does
not know about caches or fingerprints (:mod:`cargobay.sync.state` and :mod:`cargobay.sync.local`
decide when to call it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from cargobay.s3.etag import multipart_etag

_BUFFER = 1 << 20


class _PartHasher:
    """Feeds bytes to one MD5 per ``part_size`` bytes and keeps the part digests."""

    __slots__ = ("current", "digests", "filled", "part_size")

    def __init__(self, part_size: int) -> None:
        self.part_size = part_size
        self.current = hashlib.md5(usedforsecurity=False)
        self.filled = 0
        self.digests: list[str] = []

    def update(self, data: memoryview) -> None:
        while data:
            room = self.part_size - self.filled
            chunk = data[:room]
            self.current.update(chunk)
            self.filled += len(chunk)
            data = data[len(chunk) :]
            if self.filled == self.part_size:
                self.digests.append(self.current.hexdigest())
                self.current = hashlib.md5(usedforsecurity=False)
                self.filled = 0

    def etag(self) -> str:
        digests = list(self.digests)
        if self.filled or not digests:
            digests.append(self.current.hexdigest())
        return multipart_etag(digests)


def hash_fd(fd: int, *, part_sizes: Sequence[int] = ()) -> tuple[str, tuple[tuple[int, str], ...]]:
    """``(md5_hex, ((part_size, multipart_etag), ...))`` of everything readable from ``fd``."""
    md5 = hashlib.md5(usedforsecurity=False)
    parts = [_PartHasher(p) for p in sorted(set(part_sizes))]
    buf = bytearray(_BUFFER)
    view = memoryview(buf)
    while True:
        n = os.readv(fd, [buf])
        if n == 0:
            break
        chunk = view[:n]
        md5.update(chunk)
        for p in parts:
            p.update(chunk)
    return md5.hexdigest(), tuple((p.part_size, p.etag()) for p in parts)


def hash_path(path: str, *, part_sizes: Sequence[int] = ()) -> tuple[str, tuple[tuple[int, str], ...]]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return hash_fd(fd, part_sizes=part_sizes)
    finally:
        os.close(fd)
