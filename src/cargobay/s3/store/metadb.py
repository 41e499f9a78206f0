"""The SQLite metadata sidecar: the only module that holds SQL (with the multipart tables' half,
``metadb_uploads.py``, which :class:`MetaDB` inherits).

Location: ``<root>/.cargobay/meta.db`` in WAL mode (readers never block the writer).

Schema (``PRAGMA user_version`` = 5)::

    buckets(name TEXT PRIMARY KEY, created_ns INTEGER, owner TEXT, config TEXT)
    objects(bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta,
            PRIMARY KEY (bucket, key))            -- WITHOUT ROWID, so rows sit in key order
    objects_internal: partial index on (bucket, key) WHERE internal = 1
    -- version 2: multipart uploads in progress (see multipart.py)
    uploads(upload_id TEXT PRIMARY KEY, bucket, key, initiated_ns, owner, meta,
            checksum_algorithm, checksum_type)
    uploads_by_key: index on (bucket, key, upload_id)  -- ListMultipartUploads order
    parts(upload_id, part_number, size, etag, mtime_ns, checksum, file,
          PRIMARY KEY (upload_id, part_number))   -- WITHOUT ROWID
    -- version 3: versions (see versioning.py)
    objects gains version_id (NULL: the null version) and seq (creation order; 0: unversioned)
    versions(bucket, key, seq, version_id, marker, size, mtime_ns, ino, etag, meta,
             PRIMARY KEY (bucket, key, seq))      -- noncurrent versions and delete markers
    versions_by_id: unique index on (bucket, key, version_id)
    -- version 4: objects gains storage_class (NULL: STANDARD; a copy of meta's, for listings)
    objects_classed: partial index on (bucket, key, storage_class) WHERE storage_class IS NOT NULL
    -- version 5: objects and versions gain checksum_algorithm, checksum_type (NULL: none kept;
    -- ChecksumAlgorithm / ChecksumType as listings report them, a copy of meta's, for listings)

Migrations: ``_MIGRATIONS[i]`` takes a database from ``user_version`` i to i + 1; opening applies
the missing ones in order, each in one transaction with its version bump. Upload ids are
time-ordered (see multipart.py), so ``(key, upload_id)`` order is initiation order per key.

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
from collections.abc import Iterator
from typing import Any

from cargobay._types import Fingerprint
from cargobay.s3.store.base import STORAGE_CLASS, ObjectMeta, listed_checksum
from cargobay.s3.store.metadb_uploads import UploadTables
from cargobay.s3.store.rows import (  # the row values, re-exported (callers import them from here)
    ObjectRow,
    PartRow,
    UploadRow,
    VersionRow,
    decode_meta,
    encode_meta,
)

__all__ = ["SCHEMA_VERSION", "MetaDB", "ObjectRow", "PartRow", "UploadRow", "VersionRow", "open_metadb"]

_SCHEMA_V1 = """
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

_SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    initiated_ns INTEGER NOT NULL,
    owner TEXT,
    meta TEXT,
    checksum_algorithm TEXT,
    checksum_type TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL,
    checksum TEXT,
    file TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
"""

_SCHEMA_V3 = """
ALTER TABLE objects ADD COLUMN version_id TEXT;
ALTER TABLE objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS versions (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    version_id TEXT NOT NULL,
    marker INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    etag TEXT NOT NULL,
    meta TEXT,
    PRIMARY KEY (bucket, key, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS versions_by_id ON versions (bucket, key, version_id);
"""

# The storage class of a current object (NULL: STANDARD), beside its meta JSON (which stays the
# record), with a partial index holding only the objects that have one: a listing page asks the
# index for its range (empty for most buckets: a few microseconds). Reading the class with the
# fingerprint rows instead cost a 1,000-row page ~0.06 ms as a column, 0.11 ms as a prefix GLOB on
# the JSON and 0.22 ms with instr (the query itself: ~0.9 ms).
_SCHEMA_V4 = f"""
ALTER TABLE objects ADD COLUMN storage_class TEXT;
UPDATE objects SET storage_class = json_extract(meta, '$.h."{STORAGE_CLASS}"')
    WHERE instr(meta, '"{STORAGE_CLASS}"');
CREATE INDEX IF NOT EXISTS objects_classed ON objects (bucket, key, storage_class) WHERE storage_class IS NOT NULL;
"""

# The checksum a listing names (ChecksumAlgorithm, ChecksumType; base.listed_checksum) of every
# current object and older version, beside the meta JSON (which stays the record): a listing page
# reads two columns instead of asking SQLite to parse each row's JSON (store.list of 1,000 CRC32
# keys: 4.24 ms CPU with json_each, 3.24 ms with the columns, 2.94 ms reporting no checksum; the
# two strings a row cost ~0.25 ms of the query). Rows written before are filled from their
# JSON here (json_each keeps the text's order: the first kept checksum, as listed_checksum reads
# it); a row whose meta is not JSON is left without one, as listings left it.
_LISTED_CHECKSUM = """UPDATE {table} SET (checksum_algorithm, checksum_type) = (
    SELECT upper(key), iif(instr(value, '-'), 'COMPOSITE', 'FULL_OBJECT') FROM json_each(meta, '$.c') LIMIT 1)
    WHERE instr(meta, '"c":') AND json_valid(meta);
"""
_SCHEMA_V5 = (
    "ALTER TABLE objects ADD COLUMN checksum_algorithm TEXT;\n"
    "ALTER TABLE objects ADD COLUMN checksum_type TEXT;\n"
    "ALTER TABLE versions ADD COLUMN checksum_algorithm TEXT;\n"
    "ALTER TABLE versions ADD COLUMN checksum_type TEXT;\n"
    + _LISTED_CHECKSUM.format(table="objects")
    + _LISTED_CHECKSUM.format(table="versions")
)

_MIGRATIONS = (_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4, _SCHEMA_V5)
SCHEMA_VERSION = len(_MIGRATIONS)

_ROW_COLUMNS = "key, internal, size, mtime_ns, ctime_ns, ino, etag, meta, version_id, seq"
_VERSION_COLUMNS = "key, seq, version_id, marker, size, mtime_ns, ino, etag, meta, checksum_algorithm, checksum_type"
# Queries of internal keys name the partial index: with a range on ``key`` SQLite's planner prefers
# the primary key (bucket, key) and filters ``internal = 1`` row by row, so every listing page
# scanned the rest of the bucket (86.7 ms a page at 1,000,000 rows, 0.6 ms with the index;
# ``EXPLAIN QUERY PLAN``: "USING PRIMARY KEY (bucket=? AND key>?)" before, "USING INDEX
# objects_internal" after). INDEXED BY fails loudly if the index is ever missing.
_INTERNAL = "INDEXED BY objects_internal"


class MetaDB(UploadTables):
    """Typed access to the sidecar. Safe to call from any thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._full: sqlite3.Connection | None = None
        conn = self._conn()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"metadata database schema {version} is newer than this cargobay ({SCHEMA_VERSION})")
        with self._write_lock:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                # executescript commits first; BEGIN makes the DDL and its version bump one unit.
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{_MIGRATIONS[target - 1]}\nPRAGMA user_version = {target};\nCOMMIT;"
                )

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
                    conn.executemany(sql, params)
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
            self._full = None
        self._local = threading.local()

    # -- buckets -----------------------------------------------------------------------------

    def bucket_owner(self, name: str) -> str | None:
        row = self._conn().execute("SELECT owner FROM buckets WHERE name = ?", (name,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

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
                conn.execute("DELETE FROM versions WHERE bucket = ?", (name,))
                conn.execute("DELETE FROM buckets WHERE name = ?", (name,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def set_bucket_config(self, name: str, config: dict[str, Any], *, created_ns: int) -> None:
        """Replace a bucket's JSON settings (CORS, policy...), adding its row if it had none."""
        text = json.dumps(config, separators=(",", ":"), ensure_ascii=False) if config else None
        self._write(
            "INSERT INTO buckets (name, created_ns, config) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET config = excluded.config",
            (name, created_ns, text),
        )

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
            version_id=r[8],
            seq=int(r[9] or 0),
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

    def etags_between(self, bucket: str, first: str, last: str) -> dict[str, tuple[Any, ...]]:
        """key -> ``(key, internal, size, mtime_ns, ctime_ns, ino, etag, checksum_algorithm,
        checksum_type)`` as SQLite returns it, for ``first <= key <= last``: what a listing needs,
        without decoding metadata. Rows stay tuples (a listing compares ``row[2:6]`` with a stat
        result; building a fingerprint per row cost more than the query)."""
        cur = self._conn().execute(
            "SELECT key, internal, size, mtime_ns, ctime_ns, ino, etag, checksum_algorithm, checksum_type "
            "FROM objects WHERE bucket = ? AND key >= ? AND key <= ?",
            (bucket, first, last),
        )
        return {r[0]: r for r in cur}

    def classes_between(self, bucket: str, first: str, last: str) -> dict[str, str]:
        """key -> storage class of the keys ``first <= key <= last`` that have one (not STANDARD)."""
        cur = self._conn().execute(
            "SELECT key, storage_class FROM objects INDEXED BY objects_classed "
            "WHERE bucket = ? AND key >= ? AND key <= ? AND storage_class IS NOT NULL",
            (bucket, first, last),
        )
        return dict(cur.fetchall())

    def owners_between(self, bucket: str, first: str, last: str) -> dict[str, str]:
        """key -> owner (``meta.o``) of the keys ``first <= key <= last`` that record one."""
        cur = self._conn().execute(
            "SELECT key, json_extract(meta, '$.o') FROM objects WHERE bucket = ? AND key >= ? AND key <= ? "
            "AND json_extract(meta, '$.o') IS NOT NULL",
            (bucket, first, last),
        )
        return {r[0]: r[1] for r in cur}

    def internal_rows(self, bucket: str, *, after: str, prefix: str, batch: int = 500) -> Iterator[ObjectRow]:
        """Rows of keys in the internal area, in key order, with ``key > after`` and the prefix."""
        lower = max(after, prefix)
        inclusive = lower == prefix and prefix > after
        while True:
            op = ">=" if inclusive else ">"
            rows = (
                self._conn()
                .execute(
                    f"SELECT {_ROW_COLUMNS} FROM objects {_INTERNAL} WHERE bucket = ? AND internal = 1 AND key {op} ? "
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

    def internal_keys(self, bucket: str) -> list[str]:
        cur = self._conn().execute(f"SELECT key FROM objects {_INTERNAL} WHERE bucket = ? AND internal = 1", (bucket,))
        return [r[0] for r in cur]

    def has_internal(self, bucket: str) -> bool:
        r = self._conn().execute(
            f"SELECT 1 FROM objects {_INTERNAL} WHERE bucket = ? AND internal = 1 LIMIT 1", (bucket,)
        )
        return r.fetchone() is not None

    _PUT_OBJECT = (
        "INSERT OR REPLACE INTO objects (bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta, "
        "version_id, seq, storage_class, checksum_algorithm, checksum_type) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )

    @staticmethod
    def _object_params(row: ObjectRow) -> tuple[Any, ...]:
        fp = row.fingerprint
        return (
            row.bucket,
            row.key,
            int(row.internal),
            fp.size,
            fp.mtime_ns,
            fp.ctime_ns,
            fp.ino,
            row.etag,
            encode_meta(row.meta),
            row.version_id,
            row.seq,
            None if row.meta is None else row.meta.headers.get(STORAGE_CLASS),
            *_listed(row.meta),
        )

    def put(self, row: ObjectRow) -> None:
        self._write(self._PUT_OBJECT, self._object_params(row))

    # -- versions ----------------------------------------------------------------------------

    @staticmethod
    def _version(bucket: str, r: tuple[Any, ...]) -> VersionRow:
        return VersionRow(
            bucket,
            r[0],
            int(r[1]),
            r[2],
            bool(r[3]),
            int(r[4]),
            int(r[5]),
            int(r[6]),
            r[7],
            decode_meta(r[8]),
            r[9],
            r[10],
        )

    def versions_of(self, bucket: str, key: str, *, below_seq: int | None = None, limit: int = -1) -> list[VersionRow]:
        """The noncurrent versions and markers of one key, newest first: all of them, or the
        ``limit`` newest older than ``below_seq`` (a page, read through the primary key: a key
        with 100,000 versions costs a page what a key with ten does)."""
        bound = "" if below_seq is None else " AND seq < ?"
        cur = self._conn().execute(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE bucket = ? AND key = ?{bound} ORDER BY seq DESC LIMIT ?",
            (bucket, key, limit) if below_seq is None else (bucket, key, below_seq, limit),
        )
        return [self._version(bucket, r) for r in cur]

    def version(self, bucket: str, key: str, version_id: str) -> VersionRow | None:
        """One noncurrent version or marker by id (the ``versions_by_id`` index), or None."""
        r = (
            self._conn()
            .execute(
                f"SELECT {_VERSION_COLUMNS} FROM versions WHERE bucket = ? AND key = ? AND version_id = ?",
                (bucket, key, version_id),
            )
            .fetchone()
        )
        return None if r is None else self._version(bucket, r)

    def version_keys(self, bucket: str, *, lower: str, inclusive: bool, prefix: str, limit: int) -> list[str]:
        """Distinct keys with noncurrent versions or markers, in key order, from ``lower``."""
        op = ">=" if inclusive else ">"
        cur = self._conn().execute(
            f"SELECT DISTINCT key FROM versions WHERE bucket = ? AND key {op} ? ORDER BY key LIMIT ?",
            (bucket, lower, limit),
        )
        return [r[0] for r in cur if r[0].startswith(prefix)]

    def all_versions(self, bucket: str | None = None) -> Iterator[VersionRow]:
        sql = f"SELECT bucket, {_VERSION_COLUMNS} FROM versions"
        cur = self._conn().execute(sql + (" WHERE bucket = ?" if bucket else ""), (bucket,) if bucket else ())
        for r in cur:
            yield self._version(r[0], r[1:])

    def max_seq(self) -> int:
        conn = self._conn()
        a = conn.execute("SELECT max(seq) FROM versions").fetchone()[0] or 0
        b = conn.execute("SELECT max(seq) FROM objects").fetchone()[0] or 0
        return max(int(a), int(b))

    def has_versions(self, bucket: str) -> bool:
        r = self._conn().execute("SELECT 1 FROM versions WHERE bucket = ? LIMIT 1", (bucket,))
        return r.fetchone() is not None

    def apply(
        self,
        *,
        put_object: ObjectRow | None = None,
        delete_object: tuple[str, str] | None = None,
        add_versions: tuple[VersionRow, ...] = (),
        drop_versions: tuple[tuple[str, str, int], ...] = (),
    ) -> None:
        """Several row changes of one key in one transaction (a version moving between the
        current row and the versions table must never be in both or neither)."""
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for bucket, key, seq in drop_versions:
                    conn.execute("DELETE FROM versions WHERE bucket = ? AND key = ? AND seq = ?", (bucket, key, seq))
                if delete_object is not None:
                    conn.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", delete_object)
                for v in add_versions:
                    conn.execute(
                        "INSERT OR REPLACE INTO versions (bucket, key, seq, version_id, marker, size, mtime_ns, ino, "
                        "etag, meta, checksum_algorithm, checksum_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            v.bucket,
                            v.key,
                            v.seq,
                            v.version_id,
                            int(v.marker),
                            v.size,
                            v.mtime_ns,
                            v.ino,
                            v.etag,
                            encode_meta(v.meta),
                            *_listed(v.meta),
                        ),
                    )
                if put_object is not None:
                    conn.execute(self._PUT_OBJECT, self._object_params(put_object))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def set_version_meta(self, bucket: str, key: str, seq: int, meta: ObjectMeta) -> None:
        self._write(
            "UPDATE versions SET meta = ?, checksum_algorithm = ?, checksum_type = ? "
            "WHERE bucket = ? AND key = ? AND seq = ?",
            (encode_meta(meta), *_listed(meta), bucket, key, seq),
        )

    def delete(self, bucket: str, key: str) -> None:
        self._write("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))

    def put_batch(self, rows: list[ObjectRow], *, durable: bool) -> None:
        """Write ``rows`` in order in one transaction (group commit, see groupcommit.py).

        ``durable``: on a connection with ``synchronous=FULL``, so COMMIT returns only once the
        WAL holding the rows is fsynced (the other connections keep ``NORMAL``: their commits are
        not waited for by an acknowledgement)."""
        if not rows:
            return
        params = [self._object_params(r) for r in rows]
        with self._write_lock:
            conn = self._durable_conn() if durable else self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(self._PUT_OBJECT, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _durable_conn(self) -> sqlite3.Connection:
        """The connection group commits use (any thread, under the write lock): synchronous=FULL."""
        conn = self._full
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            with self._all_lock:
                self._all.append(conn)
            self._full = conn
        return conn

    def fingerprints_many(self, bucket: str, keys: list[str]) -> dict[str, tuple[bool, Fingerprint]]:
        """(internal, fingerprint) of the rows of ``keys`` that exist: what a batch of deletes
        needs of a row, without decoding its metadata (one query per 500 keys)."""
        out: dict[str, tuple[bool, Fingerprint]] = {}
        conn = self._conn()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cur = conn.execute(
                "SELECT key, internal, size, mtime_ns, ctime_ns, ino FROM objects"
                f" WHERE bucket = ? AND key IN ({marks})",
                (bucket, *chunk),
            )
            out.update((r[0], (bool(r[1]), Fingerprint(r[2], r[3], r[4], r[5]))) for r in cur)
        return out

    def delete_unchanged(self, bucket: str, rows: list[tuple[str, Fingerprint]]) -> None:
        """Forget the rows of ``rows``' keys in one transaction, each only while it still has the
        fingerprint given (a row written since, by a later PUT, stays)."""
        if rows:
            self._write(
                "DELETE FROM objects WHERE bucket = ? AND key = ? AND size = ? AND mtime_ns = ?"
                " AND ctime_ns = ? AND ino = ?",
                [(bucket, key, *fp) for key, fp in rows],
                many=True,
            )

    def delete_many(self, bucket: str, keys: list[str]) -> None:
        """Forget the rows of ``keys`` in one transaction."""
        if keys:
            self._write("DELETE FROM objects WHERE bucket = ? AND key = ?", [(bucket, k) for k in keys], many=True)


def _listed(meta: ObjectMeta | None) -> tuple[str | None, str | None]:
    """The checksum columns of a row with this metadata (schema 5)."""
    return (None, None) if meta is None else listed_checksum(meta.checksums)


def open_metadb(root: str) -> MetaDB:
    """Open (creating if needed) the sidecar of a data directory."""
    state = os.path.join(root, ".cargobay")
    os.makedirs(state, exist_ok=True)
    return MetaDB(os.path.join(state, "meta.db"))
