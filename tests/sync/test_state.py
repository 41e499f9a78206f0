"""The hash cache: exact fingerprints only, the racy-timestamp rule, persistence, robustness."""

from __future__ import annotations

import marshal
import os
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargobay._types import Fingerprint
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
    for changed in (
        fp._replace(size=11),
        fp._replace(mtime_ns=fp.mtime_ns + 1),
        fp._replace(ctime_ns=fp.ctime_ns + 1),
        fp._replace(ino=8),
    ):
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


def _v1_database(path: str, rows: list[tuple[bytes, bytes, int, int, int, int, int, str, str | None]]) -> None:
    """A state database as cargobay wrote it before snapshots (schema version 1)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "CREATE TABLE files (root BLOB NOT NULL, path BLOB NOT NULL, size INTEGER NOT NULL,"
        " mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,"
        " recorded_ns INTEGER NOT NULL, md5 TEXT NOT NULL, multipart TEXT,"
        " PRIMARY KEY (root, path)) WITHOUT ROWID"
    )
    conn.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_version_1_records_survive_the_upgrade(tmp_path: str) -> None:
    fp = Fingerprint(5, NOW - 100 * S, NOW - 100 * S, 9)
    racy = Fingerprint(5, NOW - 100 * S, NOW - S // 10, 10)
    rows = [
        (os.path.realpath("/data").encode(), b"a", *fp, NOW, "7" * 32, "8:x-1;16:y-2"),
        (os.path.realpath("/data").encode(), b"n\xffot-utf8", *fp, NOW, "8" * 32, None),
        (os.path.realpath("/data").encode(), b"racy", *racy, NOW, "9" * 32, None),
        (os.path.realpath("/other").encode(), b"a", *fp, NOW, "a" * 32, None),
    ]
    _v1_database(os.path.join(tmp_path, DB_NAME), rows)
    with StateCache(str(tmp_path)) as cache:
        data = cache.root("/data")
        assert data.lookup("a", fp) == CachedHash("7" * 32, ((8, "x-1"), (16, "y-2")))
        assert data.lookup("n\udcffot-utf8", fp) == CachedHash("8" * 32)
        assert data.lookup("racy", racy) is None  # still racy: the rule is applied to upgraded records too
        assert data.lookup("a", fp._replace(ino=10)) is None
        assert cache.root("/other").lookup("a", fp) == CachedHash("a" * 32)
    with StateCache(str(tmp_path)) as cache:  # the upgrade happened once, and stuck
        assert cache.root("/data").lookup("a", fp) == CachedHash("7" * 32, ((8, "x-1"), (16, "y-2")))


def test_two_writers_of_one_root_merge_their_records(tmp_path: str) -> None:
    fp = Fingerprint(1, NOW - 100 * S, NOW - 100 * S, 1)
    first, second = StateCache(str(tmp_path)), StateCache(str(tmp_path))
    a, b = first.root("/t"), second.root("/t")
    a.record("old", fp, NOW, CachedHash("0" * 32))
    a.flush()
    assert b.lookup("old", fp) is not None  # b has read the blob a wrote
    # both now change the tree's records, each from its own (soon stale) view
    a.record("from-a", fp, NOW, CachedHash("1" * 32))
    b.record("from-b", fp, NOW, CachedHash("2" * 32))
    b.forget("old")
    a.flush()
    b.flush()
    a.record("from-a-again", fp, NOW, CachedHash("3" * 32))
    a.flush()  # a's view is stale now (b wrote after it): merged into the stored blob, not over it
    first.close()
    second.close()
    with StateCache(str(tmp_path)) as cache:
        t = cache.root("/t")
        found = {p: t.lookup(p, fp) for p in ("old", "from-a", "from-b", "from-a-again")}
    assert found == {
        "old": None,
        "from-a": CachedHash("1" * 32),
        "from-b": CachedHash("2" * 32),
        "from-a-again": CachedHash("3" * 32),
    }


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x00garbage",
        marshal.dumps((2, {})),
        marshal.dumps([1, {}]),
        marshal.dumps((1, {"a": (1, 2)})),
        marshal.dumps((1, {b"a": (1, 2, 3, 4, 5, "6", None)})),
        marshal.dumps({"a": 1}),
    ],
)
def test_a_blob_of_another_shape_is_an_empty_cache(tmp_path: str, blob: bytes) -> None:
    fp = Fingerprint(1, NOW - 100 * S, NOW - 100 * S, 1)
    with StateCache(str(tmp_path)) as cache:
        root = cache.root("/t")
        root.record("a", fp, NOW, CachedHash("0" * 32))
        root.flush()
    conn = sqlite3.connect(os.path.join(tmp_path, DB_NAME), isolation_level=None)
    conn.execute("UPDATE snapshots SET data = ?", (blob,))
    conn.close()
    with StateCache(str(tmp_path)) as cache:
        root = cache.root("/t")
        assert root.lookup("a", fp) is None
        root.record("b", fp, NOW, CachedHash("1" * 32))  # and it is usable again after a flush
        root.flush()
    with StateCache(str(tmp_path)) as cache:
        assert cache.root("/t").lookup("b", fp) == CachedHash("1" * 32)


@settings(max_examples=80, deadline=None)
@given(
    recorded=st.sampled_from([-10 * S, -4 * S, -S, 0, S // 2, 3 * S]),
    mtime=st.sampled_from([-6 * S, -S, 0, S, 6 * S]),
    ctime=st.sampled_from([-6 * S, -3 * S, -S, 0]),
    change=st.sampled_from(["none", "size", "mtime", "ctime", "inode"]),
    multipart=st.sampled_from([(), ((8 << 20, "a" * 32 + "-2"),)]),
    pending=st.booleans(),
)
def test_lookup_function_answers_as_lookup_raw(
    tmp_path_factory: pytest.TempPathFactory,
    recorded: int,
    mtime: int,
    ctime: int,
    change: str,
    multipart: tuple[tuple[int, str], ...],
    pending: bool,
) -> None:
    """The listing's bound lookup is the same rule as lookup_raw: exact fingerprint, records
    racy by ctime or by mtime refused, records pending in this process consulted."""
    fp = Fingerprint(10, NOW + mtime, NOW + ctime, 7)
    asked = (
        fp
        if change == "none"
        else fp._replace(
            **{
                "size": {"size": 11},
                "mtime": {"mtime_ns": fp.mtime_ns + 1},
                "ctime": {"ctime_ns": fp.ctime_ns + 1},
                "inode": {"ino": 8},
            }[change]
        )
    )
    with StateCache(str(tmp_path_factory.mktemp("state"))) as cache:
        first = cache.root("/data")
        first.record("f", fp, NOW + recorded, CachedHash("6" * 32, multipart))
        first.flush()
        root = cache.root("/data")
        if pending:
            root.record("g", fp, NOW + recorded, CachedHash("7" * 32))
        lookup = root.lookup_function()
        answers = [(lookup(path, asked), root.lookup_raw(path, asked)) for path in ("f", "g", "missing")]
        assert all(mine == theirs for mine, theirs in answers)
        # the record is visible at all (else this would compare None with None only)
        assert (root.lookup_raw("f", fp) is not None) == (not is_racy(fp, NOW + recorded, 2 * S))


def _generation(tmp_path: str) -> int:
    with sqlite3.connect(os.path.join(str(tmp_path), DB_NAME)) as conn:
        return int(conn.execute("SELECT generation FROM snapshots").fetchone()[0])


def test_recording_what_is_stored_writes_nothing_but_a_racy_record_is_renewed(tmp_path: str) -> None:
    trusted = Fingerprint(10, NOW - 100 * S, NOW - 50 * S, 7)
    racy = Fingerprint(10, NOW - 100 * S, NOW - S // 10, 8)  # changed 0.1 s before its first record
    with StateCache(str(tmp_path)) as cache:
        root = cache.root("/data")
        root.record("same", trusted, NOW, CachedHash("1" * 32))
        root.record("racy", racy, NOW, CachedHash("2" * 32))
        root.flush()
    first = _generation(tmp_path)
    with StateCache(str(tmp_path)) as cache:  # a --checksum re-sync hashes "same" again: nothing new
        root = cache.root("/data")
        root.record("same", trusted, NOW + 10 * S, CachedHash("1" * 32))
        root.flush()
    assert _generation(tmp_path) == first
    with StateCache(str(tmp_path)) as cache:  # hashed again later, the racy record now proves something
        root = cache.root("/data")
        assert root.lookup("racy", racy) is None
        root.record("racy", racy, NOW + 3 * S, CachedHash("2" * 32))
        root.flush()
    assert _generation(tmp_path) == first + 1
    with StateCache(str(tmp_path)) as cache:
        root = cache.root("/data")
        assert root.lookup("racy", racy) == CachedHash("2" * 32)
        assert root.lookup("same", trusted) == CachedHash("1" * 32)
