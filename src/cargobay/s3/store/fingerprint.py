"""Stat fingerprints: how the store notices a file changed behind its back.

The fingerprint is (size, mtime_ns, ctime_ns, inode). ctime cannot be set by a user, so an edit
that keeps the size and restores the mtime still changes it; a replaced file changes the inode.
"""

from __future__ import annotations

import os
from typing import NamedTuple


class Fingerprint(NamedTuple):
    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int

    @classmethod
    def of(cls, st: os.stat_result) -> Fingerprint:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
