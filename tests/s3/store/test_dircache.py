"""DirectoryCache: the racy-mtime rule, stale entries dropped at once, a budget in bytes."""

from __future__ import annotations

import time

import pytest

from cargobay.s3.store.dircache import DirectoryCache
from cargobay.s3.store.sortednames import SortedNames

OLD = time.time_ns() - 10 * DirectoryCache.RACY_NS  # an mtime old enough to be trusted


def _names(n: int, stem: str = "k") -> list[str]:
    return sorted(f"{stem}{i:06d}" for i in range(n))


def test_an_entry_is_served_while_the_mtime_is_unchanged() -> None:
    cache = DirectoryCache()
    names = _names(100)
    cache.put("/d", OLD, False, names)
    assert cache.get("/d", OLD, False) is names
    assert cache.get("/d", OLD, True) is None  # following symlinks is another listing


def test_a_racily_fresh_directory_is_not_cached() -> None:
    cache = DirectoryCache()
    cache.put("/d", time.time_ns(), False, _names(100))
    assert cache.get("/d", time.time_ns(), False) is None
    assert cache.nbytes == 0


def test_small_directories_are_not_cached() -> None:
    cache = DirectoryCache()
    cache.put("/d", OLD, False, _names(DirectoryCache.MIN_ENTRIES - 1))
    assert cache.nbytes == 0


def test_a_stale_entry_is_dropped_when_found() -> None:
    """A changed directory is read again; the old names must not stay beside the new ones."""
    cache = DirectoryCache()
    cache.put("/d", OLD, False, SortedNames.from_sorted(_names(5000)))
    assert cache.nbytes > 0
    assert cache.get("/d", OLD + 1, False) is None
    assert cache.nbytes == 0
    assert cache.get("/d", OLD, False) is None  # gone, not merely skipped


def test_the_budget_is_in_bytes_and_the_newest_directory_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    big = SortedNames.from_sorted(_names(50_000))
    monkeypatch.setattr(DirectoryCache, "MAX_BYTES", big.nbytes // 2)
    cache = DirectoryCache()
    cache.put("/small", OLD, False, _names(100))
    cache.put("/big", OLD, False, big)  # over the budget alone: kept, the older entry goes
    assert cache.get("/big", OLD, False) is big
    assert cache.get("/small", OLD, False) is None
    assert cache.nbytes == big.nbytes
    small = _names(100, "s")
    cache.put("/small", OLD, False, small)  # now the big one is the least recently used
    assert cache.get("/small", OLD, False) is small
    assert cache.get("/big", OLD, False) is None


def test_compact_names_weigh_what_they_take() -> None:
    cache = DirectoryCache()
    names = _names(20_000)
    cache.put("/list", OLD, False, names)
    as_list = cache.nbytes
    cache.put("/compact", OLD, False, SortedNames.from_sorted(names))
    as_compact = cache.nbytes - as_list
    assert as_list > 4 * as_compact > 0
