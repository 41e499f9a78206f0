"""The multipart-upload half of the metadata sidecar: the ``uploads`` and ``parts`` tables.

Split out of ``metadb.py`` for length; :class:`~cargobay.s3.store.metadb.MetaDB` inherits
:class:`UploadTables`, so callers keep one database object. The schema and its migrations stay in
``metadb.py``; the connection and write policy are MetaDB's (``_conn``, ``_write``, ``_write_lock``).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from cargobay.s3.store.base import ObjectMeta
from cargobay.s3.store.rows import PartRow, UploadRow, decode_meta, encode_meta

__all__ = ["UploadTables"]


class UploadTables:
    """Multipart uploads in progress and their parts (mixed into MetaDB)."""

    _write_lock: threading.Lock

    if TYPE_CHECKING:  # MetaDB's connection and write policy

        def _conn(self) -> sqlite3.Connection: ...

        def _write(self, sql: str, params: tuple[Any, ...] | list[tuple[Any, ...]], *, many: bool = False) -> None: ...

    _UPLOAD_COLUMNS = "upload_id, bucket, key, initiated_ns, owner, meta, checksum_algorithm, checksum_type"
    _PART_COLUMNS = "upload_id, part_number, size, etag, mtime_ns, checksum, file"

    @staticmethod
    def _upload(r: tuple[Any, ...]) -> UploadRow:
        return UploadRow(r[0], r[1], r[2], int(r[3]), r[4], decode_meta(r[5]) or ObjectMeta(), r[6], r[7])

    @staticmethod
    def _part(r: tuple[Any, ...]) -> PartRow:
        return PartRow(r[0], int(r[1]), int(r[2]), r[3], int(r[4]), r[5], r[6])

    def add_upload(self, row: UploadRow) -> None:
        self._write(
            f"INSERT INTO uploads ({self._UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.upload_id,
                row.bucket,
                row.key,
                row.initiated_ns,
                row.owner,
                encode_meta(row.meta),
                row.checksum_algorithm,
                row.checksum_type,
            ),
        )

    def get_upload(self, upload_id: str) -> UploadRow | None:
        r = (
            self._conn()
            .execute(f"SELECT {self._UPLOAD_COLUMNS} FROM uploads WHERE upload_id = ?", (upload_id,))
            .fetchone()
        )
        return None if r is None else self._upload(r)

    def delete_upload(self, upload_id: str) -> None:
        """Forget an upload and all its parts (one transaction)."""
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
                conn.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def uploads_page(
        self, bucket: str, *, prefix: str, after_key: str, after_upload_id: str | None, limit: int
    ) -> list[UploadRow]:
        """Uploads of ``bucket`` in (key, upload id) order, after the marker, keys with ``prefix``.

        ``after_upload_id`` None: keys strictly after ``after_key``; else also the uploads of
        ``after_key`` itself whose id sorts after it."""
        lower = max(after_key, prefix)
        if after_upload_id is not None and after_key >= prefix:
            where, params = "(key > ? OR (key = ? AND upload_id > ?))", [after_key, after_key, after_upload_id]
        elif lower == prefix and prefix > after_key:
            where, params = "key >= ?", [lower]
        else:
            where, params = "key > ?", [lower]
        rows = (
            self._conn()
            .execute(
                f"SELECT {self._UPLOAD_COLUMNS} FROM uploads WHERE bucket = ? AND {where} "
                "ORDER BY key, upload_id LIMIT ?",
                (bucket, *params, limit),
            )
            .fetchall()
        )
        return [self._upload(r) for r in rows if r[2].startswith(prefix)]

    def all_uploads(self) -> list[UploadRow]:
        cur = self._conn().execute(f"SELECT {self._UPLOAD_COLUMNS} FROM uploads")
        return [self._upload(r) for r in cur]

    def get_part(self, upload_id: str, part_number: int) -> PartRow | None:
        r = (
            self._conn()
            .execute(
                f"SELECT {self._PART_COLUMNS} FROM parts WHERE upload_id = ? AND part_number = ?",
                (upload_id, part_number),
            )
            .fetchone()
        )
        return None if r is None else self._part(r)

    def put_part(self, row: PartRow) -> None:
        self._write(
            f"INSERT OR REPLACE INTO parts ({self._PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.upload_id, row.part_number, row.size, row.etag, row.last_modified_ns, row.checksum, row.file),
        )

    def parts(self, upload_id: str, *, after: int = 0, limit: int = -1) -> list[PartRow]:
        """Parts of an upload in part-number order, numbers above ``after`` (limit -1: all)."""
        cur = self._conn().execute(
            f"SELECT {self._PART_COLUMNS} FROM parts WHERE upload_id = ? AND part_number > ? "
            "ORDER BY part_number LIMIT ?",
            (upload_id, after, limit),
        )
        return [self._part(r) for r in cur]
