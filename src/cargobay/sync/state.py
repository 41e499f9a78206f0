"""The local hash cache: a file's MD5 (and multipart ETags) remembered under its stat fingerprint.

A no-change re-sync must not read every file again. This module remembers, per local tree
root and relative path, the :class:`~cargobay._types.Fingerprint` ``(size, mtime_ns,
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
(``PRAGMA user_version = 2``)::

    snapshots(root BLOB PRIMARY KEY, generation INTEGER, data BLOB)

One row per tree root (``root`` as bytes, ``surrogateescape``). ``data`` is the root's whole
table as one :mod:`marshal` blob: ``(1, {path: (size, mtime_ns, ctime_ns, inode, recorded_ns,
md5, multipart text "part_size:etag;..." or None)})``. A sync reads every record of its root
anyway, and one blob is read in one SQLite step and decoded by C in ~2 ms for 10,000 files,
where the row-per-file table of version 1 took ~10 ms of Python row objects plus one GIL
release per row (each a chance to wait behind the listing thread). The price is git's index
trade: a sync that changed something rewrites its root's blob (~1 MB per 10,000 files). marshal
is what Python trusts for its own ``__pycache__``; the blob lives in the user's private cache
directory and a blob that does not decode to the expected shape is an empty cache.

The records are loaded into memory once per sync (on first lookup, so the load overlaps the
remote listing), looked up from any thread, and written back by :meth:`RootState.flush` in one
transaction that re-reads the blob first if another process wrote it since (``generation``),
so concurrent syncs of one tree merge their records as row upserts did. A version-1 database
is converted in place on first open (no file is re-hashed after an upgrade). A cache that
cannot be opened or read is an empty cache (everything is hashed), never an error: it is only
an optimisation. This module owns every SQL string of the sync state.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from cargobay._types import Fingerprint

DB_NAME = "sync-state.sqlite3"
DEFAULT_WINDOW_NS = 2_000_000_000
_SCHEMA_VERSION = 2
_BLOB_FORMAT = 1  # the first item of every snapshot blob; another value reads as an empty cache
_MARSHAL_VERSION = 4  # the marshal format of Python 3.4 and later


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
    return (fp.size, fp.mtime_ns, fp.ctime_ns, fp.ino, row.recorded_ns, row.digests.md5, mp)


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
        if size.isascii() and size.isdigit() and etag:
            out.append((int(size), etag))
    return tuple(out)


def _encode_snapshot(rows: dict[str, _Raw]) -> bytes:
    return marshal.dumps((_BLOB_FORMAT, rows), _MARSHAL_VERSION)


def _decode_snapshot(blob: object) -> dict[str, _Raw]:
    """The records in a blob; anything but the expected shape is no records (an empty cache)."""
    try:
        data = marshal.loads(blob) if isinstance(blob, bytes) else None
    except (ValueError, EOFError, TypeError):
        return {}
    if not (type(data) is tuple and len(data) == 2 and data[0] == _BLOB_FORMAT and type(data[1]) is dict):
        return {}
    rows: dict[str, _Raw] = data[1]
    # One C-level pass: every record a 7-tuple under a str path (a blob cut or patched by hand
    # could otherwise fail a lookup later instead of reading as an empty cache).
    if not all(type(v) is tuple and len(v) == 7 for v in rows.values()) or not all(type(k) is str for k in rows):
        return {}
    return rows


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring the database to the current schema, keeping version-1 records (one transaction;
    a concurrent opener waits, then finds the work done). Anything else is started afresh."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == _SCHEMA_VERSION:
            conn.execute("COMMIT")
            return
        roots: dict[bytes, dict[str, _Raw]] = {}
        if version == 1:
            with contextlib.suppress(sqlite3.Error):  # a damaged old table is just not carried over
                for r in conn.execute(
                    "SELECT root, path, size, mtime_ns, ctime_ns, inode, recorded_ns, md5, multipart FROM files"
                ):
                    roots.setdefault(r[0], {})[_s(r[1])] = r[2:]
        conn.execute("DROP TABLE IF EXISTS files")
        conn.execute("DROP TABLE IF EXISTS snapshots")
        conn.execute("CREATE TABLE snapshots (root BLOB PRIMARY KEY, generation INTEGER NOT NULL, data BLOB NOT NULL)")
        conn.executemany(
            "INSERT INTO snapshots (root, generation, data) VALUES (?, 1, ?)",
            [(root, _encode_snapshot(rows)) for root, rows in roots.items()],
        )
        conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


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
            if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
                _upgrade(conn)
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

    def _load(self, key: str) -> tuple[int, dict[str, _Raw]]:
        """The generation and the records of one root (one query, one blob; no blob is
        generation 0; an unreadable database or blob is no records)."""
        conn = self._conn
        if conn is None:
            return -1, {}
        try:
            with self._lock:
                found = conn.execute("SELECT generation, data FROM snapshots WHERE root = ?", (_b(key),)).fetchone()
        except sqlite3.Error:
            return -1, {}
        return (0, {}) if found is None else (found[0], _decode_snapshot(found[1]))

    def _write(
        self, root: str, generation: int, rows: dict[str, _Raw], upserts: list[tuple[str, _Raw]], deletes: list[str]
    ) -> int:
        """Store ``rows`` (the caller's view of generation ``generation``, with ``upserts`` and
        ``deletes`` applied) as the root's blob; if the stored blob is of another generation (an
        other writer came between), apply ``upserts`` and ``deletes`` to it instead. Returns the
        generation now stored (-1: not stored)."""
        conn = self._conn
        if conn is None or not (upserts or deletes):
            return generation
        rkey = _b(root)
        with self._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error:
                return -1
            try:
                found = conn.execute("SELECT generation, data FROM snapshots WHERE root = ?", (rkey,)).fetchone()
                stored = 0 if found is None else found[0]
                if stored != generation:
                    rows = _decode_snapshot(found[1]) if found is not None else {}
                    rows.update(upserts)
                    for path in deletes:
                        rows.pop(path, None)
                conn.execute(
                    "INSERT OR REPLACE INTO snapshots (root, generation, data) VALUES (?, ?, ?)",
                    (rkey, stored + 1, _encode_snapshot(rows)),
                )
                conn.execute("COMMIT")
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                return -1
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return stored + 1 if stored == generation else -1

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

    def __init__(self, cache: StateCache, root: str, load: Callable[[], tuple[int, dict[str, _Raw]]]) -> None:
        self._cache = cache
        self.root = root
        self._load: Callable[[], tuple[int, dict[str, _Raw]]] | None = load
        self._loaded: dict[str, _Raw] = {}
        # The stored blob's generation that ``_loaded`` is (-1: unknown, re-read before writing).
        self._generation = -1
        self._pending: dict[str, _Row] = {}
        self._forgotten: set[str] = set()
        self._lock = threading.Lock()

    @property
    def _rows(self) -> dict[str, _Raw]:
        if self._load is not None:
            with self._lock:
                if self._load is not None:
                    self._generation, self._loaded = self._load()
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

    def lookup_function(self) -> Callable[[str, Fingerprint], tuple[str, tuple[tuple[int, str], ...]] | None]:
        """:meth:`lookup_raw` with the records and the window bound once, for a listing that
        calls it once per file (no attribute lookups per call). It loads the records now. While
        records are pending (made by this process, not yet flushed) it is :meth:`lookup_raw`
        itself, which consults them first."""
        rows = self._rows
        if self._pending:
            return self.lookup_raw
        get = rows.get
        window = self._cache.window_ns
        decode = _decode_multipart

        def lookup(path: str, fingerprint: Fingerprint) -> tuple[str, tuple[tuple[int, str], ...]] | None:
            raw = get(path)
            if raw is None or raw[:4] != fingerprint:
                return None
            recorded = raw[4]
            if fingerprint[2] >= recorded - window or abs(recorded - fingerprint[1]) < window:  # is_racy()
                return None
            return raw[5], (decode(raw[6]) if raw[6] else ())

        return lookup

    def record(self, path: str, fingerprint: Fingerprint, recorded_ns: int, digests: CachedHash) -> None:
        """Remember ``digests`` for ``fingerprint``, taken at wall-clock time ``recorded_ns``.

        Multipart ETags already known for the same fingerprint are kept.
        """
        rows = self._rows  # loaded before taking the lock (loading takes it)
        with self._lock:
            old = self._pending.get(path)
            if old is None and path in rows:
                raw = rows[path]
                if (
                    raw[5] == digests.md5
                    and not digests.multipart
                    and raw[:4] == fingerprint
                    and path not in self._forgotten
                    and not is_racy(fingerprint, raw[4], self._cache.window_ns)
                    and not is_racy(fingerprint, max(recorded_ns, raw[4]), self._cache.window_ns)
                ):
                    # The stored record already says this, and is trusted either way: nothing to
                    # write (a --checksum re-sync hashes every file and used to rewrite every
                    # record, and the whole snapshot, unchanged).
                    return
                old = _row(raw)
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
            upserts = [(path, _raw(row)) for path, row in self._pending.items()]
            deletes = list(self._forgotten)
            rows.update(upserts)
            for path in deletes:
                rows.pop(path, None)
            self._pending.clear()
            self._forgotten.clear()
            self._generation = self._cache._write(self.root, self._generation, rows, upserts, deletes)
