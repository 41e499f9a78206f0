"""Sorted names of directories, reused across the pages of a listing and across listings
(see :class:`DirectoryCache`)."""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from cargobay.s3.store.sortednames import SortedNames


class DirectoryCache:
    """Sorted names of directories, reused across the pages of a listing and across listings.

    A page that resumes after key ``k`` would otherwise read and sort the whole directory again;
    with the names sorted once, it bisects to ``k``. A client that lists the same prefix again (a
    sync, every run) gets its directories from here too: for 10,000 keys in 100 directories,
    a full listing took 45.0 ms of store time with only directories of 256+ names cached, and
    38.7 ms with every directory of 16+ names cached (smaller ones cost less to read than to keep).
    It is bounded by directories and by the bytes the names take (least recently used first out;
    a large directory's names come as :class:`SortedNames`, a fifth of the bytes of a ``list``).
    An entry found stale (its directory's mtime moved) is dropped at once, before the directory is
    read again: a listing of a large directory that changed since it was cached would otherwise
    hold the old names and the new ones together (at 1,000,000 names, 70 MiB of RSS).

    An entry is trusted only while the directory's mtime is unchanged AND that mtime is more than
    :data:`RACY_NS` old: a directory changed within the filesystem's timestamp granularity of
    being read could change again without its mtime moving (git's "racily clean" rule), so such
    a directory is always re-read.
    Only names are kept (a directory's with its trailing ``/``); every file is stat'ed afresh by the listing.
    """

    RACY_NS = 2_000_000_000
    MIN_ENTRIES = 16
    MAX_DIRS = 1024
    MAX_BYTES = 32 << 20  # the most recent directory is kept whatever its size

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, bool], tuple[int, Sequence[str], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, directory: str, mtime_ns: int, follow: bool) -> Sequence[str] | None:
        with self._lock:
            found = self._entries.get((directory, follow))
            if found is None:
                return None
            if found[0] != mtime_ns:
                del self._entries[(directory, follow)]
                self._bytes -= found[2]
                return None
            self._entries.move_to_end((directory, follow))
            return found[1]

    def put(self, directory: str, mtime_ns: int, follow: bool, suffixes: Sequence[str]) -> None:
        if len(suffixes) < self.MIN_ENTRIES or time.time_ns() - mtime_ns <= self.RACY_NS:
            return
        size = _nbytes(suffixes)
        with self._lock:
            old = self._entries.pop((directory, follow), None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[(directory, follow)] = (mtime_ns, suffixes, size)
            self._bytes += size
            while len(self._entries) > 1 and (len(self._entries) > self.MAX_DIRS or self._bytes > self.MAX_BYTES):
                self._bytes -= self._entries.popitem(last=False)[1][2]

    @property
    def nbytes(self) -> int:
        """What the cached names take, in bytes."""
        return self._bytes


def _nbytes(names: Sequence[str]) -> int:
    if isinstance(names, SortedNames):
        return names.nbytes
    return sys.getsizeof(names) + sum(map(sys.getsizeof, names))
