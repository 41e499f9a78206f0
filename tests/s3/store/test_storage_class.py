"""Storage classes in the store: kept in the object's metadata, copied to the ``storage_class``
column and its partial index, which listings read; schema 4 fills the column for older rows."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cargobay.s3.store import STORAGE_CLASS, ObjectMeta, ObjectStore, StoreConfig, metadb


def _classed(value: str) -> ObjectMeta:
    return ObjectMeta(headers={STORAGE_CLASS: value})


def test_listing_gives_the_class_of_the_objects_that_have_one(store: ObjectStore) -> None:
    store.put_bytes("bkt", "a", b"1", _classed("STANDARD_IA"))
    store.put_bytes("bkt", "b", b"2")
    store.put_bytes("bkt", "c", b"3", _classed("GLACIER"))
    page = store.list("bkt")
    assert [(e.key, e.storage_class) for e in page.entries] == [("a", "STANDARD_IA"), ("b", None), ("c", "GLACIER")]
    # Overwritten without a class: STANDARD again, and gone from the index.
    store.put_bytes("bkt", "a", b"4")
    assert [e.storage_class for e in store.list("bkt").entries] == [None, None, "GLACIER"]
    assert store.db.classes_between("bkt", "a", "z") == {"c": "GLACIER"}


def test_copy_and_delete_keep_the_index_in_step(store: ObjectStore) -> None:
    store.put_bytes("bkt", "src", b"x", _classed("ONEZONE_IA"))
    store.copy("bkt", "src", "bkt", "same")  # meta None: the store keeps the source's (the HTTP layer decides)
    store.copy("bkt", "src", "bkt", "plain", meta=ObjectMeta())
    store.delete("bkt", "src")
    assert store.db.classes_between("bkt", "", "\U0010ffff") == {"same": "ONEZONE_IA"}
    assert store.head("bkt", "same").meta.headers[STORAGE_CLASS] == "ONEZONE_IA"


def test_listing_class_query_uses_the_partial_index(store: ObjectStore) -> None:
    seen: list[str] = []
    conn = store.db._conn()
    store.put_bytes("bkt", "k", b"x", _classed("STANDARD_IA"))
    conn.set_trace_callback(seen.append)
    try:
        store.list("bkt")
    finally:
        conn.set_trace_callback(None)
    (sql,) = [s for s in seen if "storage_class" in s]
    plan = " | ".join(str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert "USING COVERING INDEX objects_classed" in plan, plan


def test_schema_4_fills_the_column_from_the_metadata_of_older_rows(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / ".cargobay").mkdir(parents=True)
    (root / "bkt").mkdir()
    for name in ("ia", "plain"):
        (root / "bkt" / name).write_bytes(b"x")
    conn = sqlite3.connect(root / ".cargobay" / "meta.db")
    conn.executescript(metadb._SCHEMA_V1 + metadb._SCHEMA_V2 + metadb._SCHEMA_V3 + "PRAGMA user_version = 3;")
    conn.execute("INSERT INTO buckets (name, created_ns) VALUES ('bkt', 7)")
    for name, meta in (
        ("ia", '{"h":{"x-amz-storage-class":"STANDARD_IA"}}'),
        ("plain", '{"u":{"x-amz-storage-class":"no"}}'),
    ):
        st = os.stat(root / "bkt" / name)
        conn.execute(
            "INSERT INTO objects (bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta) "
            "VALUES ('bkt', ?, 0, ?, ?, ?, ?, '9dd4e461268c8034f5c8564e155c67a6', ?)",
            (name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, meta),
        )
    conn.commit()
    conn.close()
    store = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        assert store.db._conn().execute("PRAGMA user_version").fetchone()[0] == metadb.SCHEMA_VERSION == 5
        assert [(e.key, e.storage_class) for e in store.list("bkt").entries] == [("ia", "STANDARD_IA"), ("plain", None)]
    finally:
        store.close()
