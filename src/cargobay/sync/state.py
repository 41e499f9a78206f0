"""The local hash cache: a file's MD5 (and multipart ETags) remembered under its stat fingerprint.

A no-change re-sync must not read every file again. This module remembers, per local tree
root and relative path, the :class:`~cargobay.sync.model.Fingerprint` ``(size, mtime_ns,
ctime_ns, inode)`` a file had when it was hashed, the wall-clock time the fingerprint was taken
(``recorded_ns``), and the digests. :meth:`RootState.lookup` returns the digests only when

1. the fingerprint is *exactly* the one recorded (any change - size, mtime, ctime, inode - means
   the file may have changed; a changed fingerprint is never trusted), and
2. the record is not **racy**: the file's ctime is older than ``recorded_ns - window`` and its
   mtime is not within ``window`` of ``recorded_ns``.

Why rule 2 (git's "racy git" problem): file timestamps have a granularity - one tick of the
kernel's coarse clock on ext4, 1 s on ext3 and HFS+, 2 s on FAT, whatever the server's clock
says on NFS. If a file was hashed in the same tick as its last write, a second write in that
tick, of the same size, leaves size, mtime *and* ctime unchanged: the fingerprint matches but
the content does not. Such a fingerprint proves nothing, so it is not trusted and the file is
hashed again (cheap: it only happens to files changed within ``window`` of the last sync).
Once a fingerprint was recorded more than one tick after the file's last change, any later
write moves ctime to a newer value, so an unchanged fingerprint really means an unchanged
file. Edits made between two syncs within the same second are therefore never missed. The
default window is 2 s, the coarsest common granularity (FAT), which also absorbs a little
clock skew between this host and a network filesystem's server.

Storage: one SQLite database (``sync-state.sqlite3``, WAL mode) in the state directory
(``~/.cache/cargobay`` by default; the CLI resolves it, this module is given a path). Schema
(``PRAGMA user_version = 1``)::

    files(root BLOB, path BLOB, size, mtime_ns, ctime_ns, inode, recorded_ns, md5 TEXT,
          multipart TEXT  -- "part_size:etag;..."),  PRIMARY KEY (root, path)

``root`` and ``path`` are stored as bytes (``surrogateescape``) so names that are not UTF-8
round-trip. A root's rows are loaded into memory once per sync (one query, on first lookup, so
it overlaps the remote listing; rows stay SQLite's tuples until looked up), looked up from
any thread, and written back in one transaction by :meth:`RootState.flush`. A cache that
cannot be opened or read is an empty cache (everything is hashed), never an error: it is only
an optimisation. This module owns every SQL string of the sync state.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from cargobay.sync.model import Fingerprint

DB_NAME = "sync-state.sqlite3"
DEFAULT_WINDOW_NS = 2_000_000_000
_SCHEMA_VERSION = 1


class CachedHash(NamedTuple):
    md5: str
    multipart: tuple[tuple[int, str], ...] = ()


class _Row(NamedTuple):
    fingerprint: Fingerprint
    recorded_ns: int
    digests: CachedHash


# A row as read: (size, mtime_ns, ctime_ns, inode, recorded_ns, md5, multipart text). Ten
# thousand rows are read per sync and most are looked up once, so they stay tuples until then.
_Raw = tuple[int, int, int, int, int, str, "str | None"]


def _row(raw: _Raw) -> _Row:
    return _Row(Fingerprint(raw[0], raw[1], raw[2], raw[3]), raw[4], CachedHash(raw[5], _decode_multipart(raw[6])))


def _raw(row: _Row) -> _Raw:
    fp = row.fingerprint
    mp = _encode_multipart(row.digests.multipart) or None
    return (fp.size, fp.mtime_ns, fp.ctime_ns, fp.inode, row.recorded_ns, row.digests.md5, mp)


def is_racy(fingerprint: Fingerprint, recorded_ns: int, window_ns: int) -> bool:
    """True when the record may predate a same-tick write (rule 2 of the module docstring)."""
    if fingerprint.ctime_ns >= recorded_ns - window_ns:
        return True
    return abs(recorded_ns - fingerprint.mtime_ns) < window_ns


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _s(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _encode_multipart(pairs: Iterable[tuple[int, str]]) -> str:
    return ";".join(f"{size}:{etag}" for size, etag in pairs)


def _decode_multipart(text: str | None) -> tuple[tuple[int, str], ...]:
    if not text:
        return ()
    out = []
    for item in text.split(";"):
        size, _, etag = item.partition(":")
        if size.isdigit() and etag:
            out.append((int(size), etag))
    return tuple(out)


class StateCache:
    """The database file; hands out one :class:`RootState` per local tree root."""

    def __init__(
        self,
        state_dir: str,
        *,
        window_ns: int = DEFAULT_WINDOW_NS,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.state_dir = state_dir
        self.path = os.path.join(state_dir, DB_NAME)
        self.window_ns = window_ns
        self.clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            os.makedirs(state_dir, mode=0o700, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != _SCHEMA_VERSION:
                conn.execute("DROP TABLE IF EXISTS files")
                conn.execute(
                    "CREATE TABLE files (root BLOB NOT NULL, path BLOB NOT NULL, size INTEGER NOT NULL,"
                    " mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,"
                    " recorded_ns INTEGER NOT NULL, md5 TEXT NOT NULL, multipart TEXT,"
                    " PRIMARY KEY (root, path)) WITHOUT ROWID"
                )
                conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            self._conn = conn
        except (sqlite3.Error, OSError):
            self._conn = None

    @property
    def available(self) -> bool:
        return self._conn is not None

    def root(self, root: str) -> RootState:
        """The cache of the tree at ``root`` (made absolute and resolved); its rows are read on
        first use, so opening a sync does not wait for them."""
        key = os.path.realpath(root)
        return RootState(self, key, functools.partial(self._load, key))

    def _load(self, key: str) -> dict[str, _Raw]:
        """All rows of one root, as SQLite returns them (one query; decoded only when looked up)."""
        conn = self._conn
        if conn is None:
            return {}
        try:
            with self._lock:
                cursor = conn.execute(
                    "SELECT path, size, mtime_ns, ctime_ns, inode, recorded_ns, md5, multipart"
                    " FROM files WHERE root = ?",
                    (_b(key),),
                )
                return {r[0].decode("utf-8", "surrogateescape"): r[1:] for r in cursor}  # _s(), inlined
        except sqlite3.Error:
            return {}

    def _write(self, root: str, upserts: list[tuple[str, _Row]], deletes: list[str]) -> None:
        conn = self._conn
        if conn is None or not (upserts or deletes):
            return
        rkey = _b(root)
        with self._lock, contextlib.suppress(sqlite3.Error):
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "DELETE FROM files WHERE root = ? AND path = ?", [(rkey, _b(p)) for p in deletes]
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            rkey,
                            _b(path),
                            row.fingerprint.size,
                            row.fingerprint.mtime_ns,
                            row.fingerprint.ctime_ns,
                            row.fingerprint.inode,
                            row.recorded_ns,
                            row.digests.md5,
                            _encode_multipart(row.digests.multipart) or None,
                        )
                        for path, row in upserts
                    ],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        if self._conn is not None:
            with self._lock:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> StateCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RootState:
    """The cache of one tree: thread-safe lookups and records, written back by :meth:`flush`."""

    def __init__(self, cache: StateCache, root: str, load: Callable[[], dict[str, _Raw]]) -> None:
        self._cache = cache
        self.root = root
        self._load: Callable[[], dict[str, _Raw]] | None = load
        self._loaded: dict[str, _Raw] = {}
        self._pending: dict[str, _Row] = {}
        self._forgotten: set[str] = set()
        self._lock = threading.Lock()

    @property
    def _rows(self) -> dict[str, _Raw]:
        if self._load is not None:
            with self._lock:
                if self._load is not None:
                    self._loaded = self._load()
                    self._load = None
        return self._loaded

    @property
    def clock(self) -> Callable[[], int]:
        return self._cache.clock

    def lookup(self, path: str, fingerprint: Fingerprint) -> CachedHash | None:
        """The digests recorded for exactly this fingerprint, unless the record is racy."""
        row = self._pending.get(path)
        if row is not None:
            if row.fingerprint != fingerprint or is_racy(fingerprint, row.recorded_ns, self._cache.window_ns):
                return None
            return row.digests
        raw = self._rows.get(path)
        if raw is None or raw[:4] != fingerprint or is_racy(fingerprint, raw[4], self._cache.window_ns):
            return None
        return CachedHash(raw[5], _decode_multipart(raw[6]))

    def lookup_raw(self, path: str, fingerprint: Fingerprint) -> tuple[str, tuple[tuple[int, str], ...]] | None:
        """:meth:`lookup` as ``(md5, multipart)``, without building a :class:`CachedHash` (the
        listing calls this once per local file)."""
        if self._pending:
            found = self.lookup(path, fingerprint)
            return None if found is None else (found.md5, found.multipart)
        raw = (self._loaded if self._load is None else self._rows).get(path)
        if raw is None or raw[:4] != fingerprint:
            return None
        window = self._cache.window_ns
        recorded = raw[4]
        if fingerprint[2] >= recorded - window or abs(recorded - fingerprint[1]) < window:  # is_racy()
            return None
        return raw[5], (_decode_multipart(raw[6]) if raw[6] else ())

    def record(self, path: str, fingerprint: Fingerprint, recorded_ns: int, digests: CachedHash) -> None:
        """Remember ``digests`` for ``fingerprint``, taken at wall-clock time ``recorded_ns``.

        Multipart ETags already known for the same fingerprint are kept.
        """
        rows = self._rows  # loaded before taking the lock (loading takes it)
        with self._lock:
            old = self._pending.get(path)
            if old is None and path in rows:
                old = _row(rows[path])
            if old is not None and old.fingerprint == fingerprint and old.digests.md5 == digests.md5:
                merged = dict(old.digests.multipart)
                merged.update(digests.multipart)
                digests = CachedHash(digests.md5, tuple(sorted(merged.items())))
                recorded_ns = max(recorded_ns, old.recorded_ns)
            self._pending[path] = _Row(fingerprint, recorded_ns, digests)
            self._forgotten.discard(path)

    def forget(self, path: str) -> None:
        rows = self._rows
        with self._lock:
            self._pending.pop(path, None)
            if path in rows:
                self._forgotten.add(path)

    def prune(self, keep: Iterable[str]) -> None:
        """Forget every row whose path is not in ``keep`` (files gone since they were hashed)."""
        kept = set(keep)
        rows = self._rows
        with self._lock:
            for path in rows:
                if path not in kept and path not in self._pending:
                    self._forgotten.add(path)

    def flush(self) -> None:
        """Write pending records and forgets in one transaction."""
        rows = self._rows
        with self._lock:
            upserts = list(self._pending.items())
            deletes = list(self._forgotten)
            rows.update((path, _raw(row)) for path, row in upserts)
            for path in deletes:
                rows.pop(path, None)
            self._pending.clear()
            self._forgotten.clear()
        self._cache._write(self.root, upserts, deletes)
