"""Vocabulary shared across the package: path and S3 name aliases, and the stat fingerprint.

Imports nothing from cargobay, so every layer (copy, sync, s3/store) may use it.
"""

from __future__ import annotations

import os
from typing import NamedTuple, NewType, TypeAlias

StrPath: TypeAlias = "str | os.PathLike[str]"
BucketName = NewType("BucketName", str)
ObjectKey = NewType("ObjectKey", str)
ETag = NewType("ETag", str)


class Fingerprint(NamedTuple):
    """What ``stat`` says about a file; if any field changed, the file may have changed.

    The S3 store compares it with the sidecar row to notice an out-of-band edit (and refresh the
    ETag); sync compares it with its state cache to know a cached hash is stale. ``ctime_ns`` is
    the field that makes it honest: a process can put back a file's size and mtime after
    rewriting it, but it cannot set ctime, which every write and every ``utime`` moves to "now";
    a replaced file changes ``ino``.
    """

    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int

    @classmethod
    def of(cls, st: os.stat_result) -> Fingerprint:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
