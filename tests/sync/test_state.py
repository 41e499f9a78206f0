"""The hash cache: exact fingerprints only, the racy-timestamp rule, persistence, robustness."""

from __future__ import annotations

import os

from cargobay.sync.model import Fingerprint
from cargobay.sync.state import DB_NAME, CachedHash, StateCache, is_racy

S = 1_000_000_000
NOW = 1_700_000_000 * S


def test_is_racy_within_window_of_recording() -> None:
    window = 2 * S
    # changed half a second before it was recorded: a same-tick write could follow unseen
    assert is_racy(Fingerprint(1, NOW - 10 * S, NOW - S // 2, 1), NOW, window)
    # mtime set to (almost) the recording time
    assert is_racy(Fingerprint(1, NOW + S, NOW - 10 * S, 1), NOW, window)
    # last change well before the recording: trusted
    assert not is_racy(Fingerprint(1, NOW - 10 * S, NOW - 3 * S, 1), NOW, window)
    # far-future mtimes are not racy (ctime is what moves on a write)
    assert not is_racy(Fingerprint(1, NOW + 10**6 * S, NOW - 3 * S, 1), NOW, window)


def test_lookup_needs_the_exact_fingerprint(tmp_path: str) -> None:
    cache = StateCache(str(tmp_path), clock=lambda: NOW)
    root = cache.root("/data")
    fp = Fingerprint(10, NOW - 100 * S, NOW - 50 * S, 7)
    root.record("a/b", fp, NOW, CachedHash("0" * 32))
    assert root.lookup("a/b", fp) == CachedHash("0" * 32)
    for changed in (fp._replace(size=11), fp._replace(mtime_ns=fp.mtime_ns + 1),
                    fp._replace(ctime_ns=fp.ctime_ns + 1), fp._replace(inode=8)):
        assert root.lookup("a/b", changed) is None
    assert root.lookup("other", fp) is None


def test_racy_record_is_not_trusted_until_recorded_again(tmp_path: str) -> None:
    cache = StateCache(str(tmp_path))
    root = cache.root("/data")
    fp = Fingerprint(10, NOW - 100 * S, NOW - S // 10, 7)  # changed 0.1 s before the record
    root.record("f", fp, NOW, CachedHash("1" * 32))
    assert root.lookup("f", fp) is None
    root.record("f", fp, NOW + 3 * S, CachedHash("1" * 32))  # hashed again later: now it proves something
    assert root.lookup("f", fp) == CachedHash("1" * 32)


def test_records_persist_per_root_and_forget_and_prune_work(tmp_path: str) -> None:
    fp = Fingerprint(1, NOW - 100 * S, NOW - 100 * S, 1)
    with StateCache(str(tmp_path)) as cache:
        a = cache.root("/tree-a")
        a.record("keep", fp, NOW, CachedHash("2" * 32, ((8, "x-1"),)))
        a.record("gone", fp, NOW, CachedHash("3" * 32))
        a.record("n\udcffot-utf8", fp, NOW, CachedHash("4" * 32))
        a.flush()
        cache.root("/tree-b").record("keep", fp, NOW, CachedHash("5" * 32))
    with StateCache(str(tmp_path)) as cache:
        a = cache.root("/tree-a")
        assert a.lookup("keep", fp) == CachedHash("2" * 32, ((8, "x-1"),))
        assert a.lookup("n\udcffot-utf8", fp) == CachedHash("4" * 32)
        assert cache.root("/tree-b").lookup("keep", fp) is None  # never flushed
        a.prune(["keep", "n\udcffot-utf8"])
        a.forget("n\udcffot-utf8")
        a.flush()
    with StateCache(str(tmp_path)) as cache:
        a = cache.root("/tree-a")
        assert a.lookup("gone", fp) is None and a.lookup("n\udcffot-utf8", fp) is None
        assert a.lookup("keep", fp) is not None


def test_unreadable_database_is_an_empty_cache(tmp_path: str) -> None:
    with open(os.path.join(tmp_path, DB_NAME), "wb") as fh:
        fh.write(b"this is not a database" * 100)
    cache = StateCache(str(tmp_path))
    assert not cache.available
    root = cache.root("/x")
    fp = Fingerprint(1, 0, 0, 1)
    assert root.lookup("f", fp) is None
    root.record("f", fp, NOW, CachedHash("6" * 32))
    root.flush()  # an optimisation that cannot be stored is skipped, not an error
    assert StateCache(str(tmp_path)).root("/x").lookup("f", fp) is None
