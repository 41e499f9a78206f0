"""Query plans of the metadata sidecar: per-request queries must not scan a bucket.

A plan is behaviour here: a query planned on the primary key instead of the partial index
``objects_internal`` made every listing page scan the rest of the bucket (issue 20). The plans are
asserted on a table as the server leaves it (never ANALYZEd), where SQLite picked the primary key.
"""

from __future__ import annotations

import os

import pytest

from cargobay.s3.store.metadb import MetaDB


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> MetaDB:
    path = os.path.join(str(tmp_path_factory.mktemp("plans")), "meta.db")
    meta = MetaDB(path)
    conn = meta._conn()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO objects (bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta) "
        "VALUES (?, ?, ?, 1, 1, 1, 1, 'e', NULL)",
        (("b", f"k{i:06d}", int(i % 997 == 0)) for i in range(20_000)),
    )
    conn.execute("COMMIT")
    return meta


def test_internal_queries_use_the_partial_index(db: MetaDB) -> None:
    seen: list[str] = []
    conn = db._conn()
    conn.set_trace_callback(seen.append)
    try:
        internal = list(db.internal_rows("b", after="k000500", prefix="", batch=5))
        keys = db.internal_keys("b")
        assert db.has_internal("b")
    finally:
        conn.set_trace_callback(None)
    assert [r.key for r in internal] == [f"k{i:06d}" for i in range(20_000) if i % 997 == 0 and i > 500]
    assert sorted(keys) == [f"k{i:06d}" for i in range(20_000) if i % 997 == 0]
    selects = [s for s in seen if s.startswith("SELECT") and "internal = 1" in s]
    assert len(selects) >= 3
    for sql in selects:
        # the trace shows bound values inline; plan the statement text as the MetaDB sent it
        plan = " | ".join(str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "USING INDEX objects_internal" in plan, (sql, plan)
        assert "PRIMARY KEY" not in plan, (sql, plan)
