"""The SQLite metadata sidecar: the only module that holds SQL.

Location: ``<root>/.cargobay/meta.db`` in WAL mode (readers never block the writer).

Schema (``PRAGMA user_version`` = 1)::

    buckets(name TEXT PRIMARY KEY, created_ns INTEGER, owner TEXT, config TEXT)
    objects(bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta,
            PRIMARY KEY (bucket, key))            -- WITHOUT ROWID, so rows sit in key order
    objects_internal: partial index on (bucket, key) WHERE internal = 1

``internal`` is 0 for a key stored verbatim as a plain file and 1 for a key kept in the internal
area (see layout.py). ``size, mtime_ns, ctime_ns, ino`` are the stat fingerprint of the file the
``etag`` was computed from: a row whose fingerprint no longer matches its file is stale and the
store recomputes the ETag. ``meta`` is JSON (content headers, user metadata, checksums, tags) or
NULL for a file that appeared out of band. TEXT keys compare with memcmp (BINARY collation), which
is UTF-8 byte order: the S3 listing order.

Thread policy: one connection per thread (sqlite3 objects are not shared); writes are serialised
by one in-process lock so SQLite never has to resolve writer contention (no SQLITE_BUSY from lock
upgrades); ``busy_timeout`` covers readers that overlap a checkpoint.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cargobay.s3.store.base import ObjectMeta
from cargobay.s3.store.fingerprint import Fingerprint

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    created_ns INTEGER NOT NULL,
    owner TEXT,
    config TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    internal INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    etag TEXT NOT NULL,
    meta TEXT,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_internal ON objects (bucket, key) WHERE internal = 1;
"""

_ROW_COLUMNS = "key, internal, size, mtime_ns, ctime_ns, ino, etag, meta"


@dataclass(frozen=True)
class ObjectRow:
    bucket: str
    key: str
    internal: bool
    fingerprint: Fingerprint
    etag: str
    meta: ObjectMeta | None  # None: never recorded (an out-of-band file)


def encode_meta(meta: ObjectMeta | None) -> str | None:
    if meta is None:
        return None
    doc: dict[str, Any] = {}
    if meta.headers:
        doc["h"] = dict(meta.headers)
    if meta.user:
        doc["u"] = dict(meta.user)
    if meta.checksums:
        doc["c"] = dict(meta.checksums)
    if meta.tags:
        doc["t"] = dict(meta.tags)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def decode_meta(text: str | None) -> ObjectMeta | None:
    if text is None:
        return None
    doc = json.loads(text)
    return ObjectMeta(
        headers=doc.get("h", {}), user=doc.get("u", {}), checksums=doc.get("c", {}), tags=doc.get("t", {})
    )


class MetaDB:
    """Typed access to the sidecar. Safe to call from any thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        conn = self._conn()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"metadata database schema {version} is newer than this cargobay ({SCHEMA_VERSION})")
        with self._write_lock:
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- connections -------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _write(self, sql: str, params: tuple[Any, ...] | list[tuple[Any, ...]], *, many: bool = False) -> None:
        conn = self._conn()
        with self._write_lock:
            if many:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(sql, params)  # type: ignore[arg-type]
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            else:
                conn.execute(sql, params)

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- buckets -----------------------------------------------------------------------------

    def bucket_created(self, name: str) -> int | None:
        row = self._conn().execute("SELECT created_ns FROM buckets WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def add_bucket(self, name: str, created_ns: int, owner: str | None) -> None:
        self._write(
            "INSERT OR REPLACE INTO buckets (name, created_ns, owner) VALUES (?, ?, ?)", (name, created_ns, owner)
        )

    def drop_bucket(self, name: str) -> None:
        """Forget a bucket and every row of its objects (one transaction)."""
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM objects WHERE bucket = ?", (name,))
                conn.execute("DELETE FROM buckets WHERE name = ?", (name,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def bucket_config(self, name: str) -> dict[str, Any]:
        row = self._conn().execute("SELECT config FROM buckets WHERE name = ?", (name,)).fetchone()
        if row is None or row[0] is None:
            return {}
        result: dict[str, Any] = json.loads(row[0])
        return result

    # -- objects -----------------------------------------------------------------------------

    @staticmethod
    def _row(bucket: str, r: tuple[Any, ...]) -> ObjectRow:
        return ObjectRow(
            bucket=bucket,
            key=r[0],
            internal=bool(r[1]),
            fingerprint=Fingerprint(r[2], r[3], r[4], r[5]),
            etag=r[6],
            meta=decode_meta(r[7]),
        )

    def get(self, bucket: str, key: str) -> ObjectRow | None:
        r = (
            self._conn()
            .execute(f"SELECT {_ROW_COLUMNS} FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
            .fetchone()
        )
        return None if r is None else self._row(bucket, r)

    def rows_between(self, bucket: str, first: str, last: str) -> dict[str, ObjectRow]:
        """Every row with ``first <= key <= last`` (one query for a listing page)."""
        cur = self._conn().execute(
            f"SELECT {_ROW_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? AND key <= ?",
            (bucket, first, last),
        )
        return {r[0]: self._row(bucket, r) for r in cur}

    def internal_rows(self, bucket: str, *, after: str, prefix: str, batch: int = 500) -> Iterator[ObjectRow]:
        """Rows of keys in the internal area, in key order, with ``key > after`` and the prefix."""
        lower = max(after, prefix)
        inclusive = lower == prefix and prefix > after
        while True:
            op = ">=" if inclusive else ">"
            rows = (
                self._conn()
                .execute(
                    f"SELECT {_ROW_COLUMNS} FROM objects WHERE bucket = ? AND internal = 1 AND key {op} ? "
                    "ORDER BY key LIMIT ?",
                    (bucket, lower, batch),
                )
                .fetchall()
            )
            for r in rows:
                if not r[0].startswith(prefix):
                    return
                yield self._row(bucket, r)
            if len(rows) < batch:
                return
            lower, inclusive = rows[-1][0], False

    def has_internal(self, bucket: str) -> bool:
        r = self._conn().execute("SELECT 1 FROM objects WHERE bucket = ? AND internal = 1 LIMIT 1", (bucket,))
        return r.fetchone() is not None

    def put(self, row: ObjectRow) -> None:
        fp = row.fingerprint
        self._write(
            "INSERT OR REPLACE INTO objects (bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.bucket, row.key, int(row.internal), fp.size, fp.mtime_ns, fp.ctime_ns, fp.ino, row.etag,
             encode_meta(row.meta)),
        )

    def put_many(self, rows: list[ObjectRow]) -> None:
        if not rows:
            return
        self._write(
            "INSERT OR REPLACE INTO objects (bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.bucket, r.key, int(r.internal), *r.fingerprint, r.etag, encode_meta(r.meta))
                for r in rows
            ],
            many=True,
        )

    def delete(self, bucket: str, key: str) -> None:
        self._write("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))


def open_metadb(root: str) -> MetaDB:
    """Open (creating if needed) the sidecar of a data directory."""
    state = os.path.join(root, ".cargobay")
    os.makedirs(state, exist_ok=True)
    return MetaDB(os.path.join(state, "meta.db"))
