"""The checksum columns of schema 5 (``checksum_algorithm``, ``checksum_type`` of ``objects`` and
``versions``): a copy of what the metadata JSON keeps, which listings read instead of the JSON.
Every path that writes a row keeps them in step with the JSON; the upgrade fills them in."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from cargobay.s3.store import CompletedPart, ObjectMeta, ObjectStore, StoreConfig, metadb
from cargobay.s3.store.base import listed_checksum
from cargobay.s3.store.fsck import Kind, check
from cargobay.s3.store.rows import decode_meta

B = "bkt"
CRC = ObjectMeta(checksums={"crc32": "AAAAAA=="})


MIN_PART_SIZE = 1  # the multipart minimum of the conftest's ``store`` here


def columns(store: ObjectStore, table: str) -> list[tuple[str, str | None, str | None]]:
    """(key, algorithm, type) of every row of ``table``, checking each against its meta JSON."""
    sql = f"SELECT key, meta, checksum_algorithm, checksum_type FROM {table} ORDER BY key, seq"
    rows = store.db._conn().execute(sql)
    out = []
    for key, meta, algorithm, kind in rows:
        decoded = decode_meta(meta)
        assert (algorithm, kind) == listed_checksum(decoded.checksums if decoded else {}), (table, key, meta)
        out.append((key, algorithm, kind))
    return out


def test_put_and_copy_write_the_columns(store: ObjectStore) -> None:
    store.put_bytes(B, "crc", b"x", algorithms=["crc32"])
    store.put_bytes(B, "plain", b"y")
    store.copy(B, "crc", B, "kept")  # the source's metadata, checksum included
    store.copy(B, "plain", B, "computed", checksum_algorithm="sha256")
    store.put_bytes(B, "crc", b"z")  # overwritten without a checksum: none again
    assert columns(store, "objects") == [
        ("computed", "SHA256", "FULL_OBJECT"),
        ("crc", None, None),
        ("kept", "CRC32", "FULL_OBJECT"),
        ("plain", None, None),
    ]


@pytest.mark.parametrize(("algorithm", "kind"), [("sha256", "COMPOSITE"), ("crc32", "FULL_OBJECT")])
def test_multipart_completion_writes_the_columns(store: ObjectStore, algorithm: str, kind: str) -> None:
    up = store.multipart.create(B, "mp", checksum_algorithm=algorithm, checksum_type=kind)
    parts = [b"a" * 10, b"b"]
    for n, body in enumerate(parts, 1):
        store.multipart.put_part_bytes(B, "mp", up.upload_id, n, body)
    store.multipart.complete(
        B, "mp", up.upload_id, [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, 1)]
    )
    assert columns(store, "objects") == [("mp", algorithm.upper(), kind)]
    (entry,) = store.list(B).entries
    assert (entry.checksum_algorithm, entry.checksum_type) == (algorithm.upper(), kind)


def test_versions_keep_the_columns_when_demoted_and_promoted(store: ObjectStore) -> None:
    store.set_versioning(B, "Enabled")
    first = store.put_bytes(B, "k", b"1", algorithms=["crc32"])
    second = store.put_bytes(B, "k", b"2", algorithms=["sha1"])
    store.put_bytes(B, "k", b"3")
    assert columns(store, "objects") == [("k", None, None)]
    assert sorted(columns(store, "versions")) == [("k", "CRC32", "FULL_OBJECT"), ("k", "SHA1", "FULL_OBJECT")]
    listed = [(v.version_id, v.checksum_algorithm) for v in store.list_versions(B).entries]
    assert listed[1:] == [(second.version_id, "SHA1"), (first.version_id, "CRC32")]
    # Deleting the current version promotes the previous one (SHA1) back into the objects row.
    current = store.list_versions(B).entries[0].version_id
    store.delete(B, "k", current)
    assert columns(store, "objects") == [("k", "SHA1", "FULL_OBJECT")]
    assert columns(store, "versions") == [("k", "CRC32", "FULL_OBJECT")]
    assert [(e.key, e.checksum_algorithm) for e in store.list(B).entries] == [("k", "SHA1")]


def test_a_file_edited_in_place_loses_its_checksum_in_the_columns_too(store: ObjectStore, tmp_path: Path) -> None:
    """The out-of-band rehash drops the (now wrong) checksum: the listing must not keep naming it."""
    store.put_bytes(B, "k", b"before", algorithms=["crc32"])
    path = tmp_path / "data" / B / "k"
    with open(path, "r+b") as f:
        f.write(b"AFTER!")
    os.utime(path, ns=(1, 1))
    (entry,) = store.list(B).entries
    assert (entry.checksum_algorithm, entry.checksum_type) == (None, None)
    store.head(B, "k")
    assert columns(store, "objects") == [("k", None, None)]
    assert [(e.key, e.checksum_algorithm) for e in store.list(B).entries] == [("k", None)]


def test_fsck_repair_of_a_changed_file_clears_the_columns(store: ObjectStore, tmp_path: Path) -> None:
    store.put_bytes(B, "k", b"before", algorithms=["crc32"])
    with open(tmp_path / "data" / B / "k", "r+b") as f:
        f.write(b"AFTER!")
    os.utime(tmp_path / "data" / B / "k", ns=(1, 1))
    report = check(str(tmp_path / "data"), repair=True)
    assert [f.kind for f in report.findings] == [Kind.CHANGED_FILE]
    assert columns(store, "objects") == [("k", None, None)]


def test_listing_page_reads_no_json(store: ObjectStore) -> None:
    """The page's queries read the columns: none of them has SQLite parse ``meta`` (json_each over
    each row's JSON was the cost schema 5 removes)."""
    for name in ("a", "b"):
        store.put_bytes(B, name, b"x", algorithms=["crc32"])
    seen: list[str] = []
    conn = store.db._conn()
    conn.set_trace_callback(seen.append)
    try:
        page = store.list(B)
    finally:
        conn.set_trace_callback(None)
    assert [e.checksum_algorithm for e in page.entries] == ["CRC32", "CRC32"]
    assert any("checksum_algorithm" in sql for sql in seen), seen
    assert not [sql for sql in seen if "json" in sql], seen


def _schema_4_directory(root: Path) -> None:
    """A data directory as cargobay wrote it at schema 4: two current objects (one with a
    checksum, one with a malformed meta), a version and a delete marker."""
    (root / ".cargobay").mkdir(parents=True)
    (root / B).mkdir()
    conn = sqlite3.connect(root / ".cargobay" / "meta.db")
    conn.executescript(
        metadb._SCHEMA_V1 + metadb._SCHEMA_V2 + metadb._SCHEMA_V3 + metadb._SCHEMA_V4 + "PRAGMA user_version = 4;"
    )
    conn.execute("INSERT INTO buckets (name, created_ns) VALUES (?, 7)", (B,))
    objects = {
        "crc": '{"h":{"content-type":"text/plain"},"c":{"crc32":"AAAAAA=="}}',
        "mp": '{"c":{"sha256":"q83vEjRWeJA=-2"},"p":[5,1]}',
        "look": '{"u":{"note":"\\"c\\":{\\"crc32\\":\\"x\\"}"}}',
        "none": None,
        "torn": '{"c":{',
    }
    for name, meta in objects.items():
        (root / B / name).write_bytes(b"x")
        st = os.stat(root / B / name)
        conn.execute(
            "INSERT INTO objects (bucket, key, internal, size, mtime_ns, ctime_ns, ino, etag, meta) "
            "VALUES (?, ?, 0, ?, ?, ?, ?, '9dd4e461268c8034f5c8564e155c67a6', ?)",
            (B, name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, meta),
        )
    for seq, meta in ((1, '{"c":{"crc64nvme":"AAAAAAAAAAA="}}'), (2, None)):
        conn.execute(
            "INSERT INTO versions (bucket, key, seq, version_id, marker, size, mtime_ns, ino, etag, meta) "
            "VALUES (?, 'crc', ?, ?, ?, 1, 5, 0, '9dd4e461268c8034f5c8564e155c67a6', ?)",
            (B, seq, f"{seq:032x}", int(meta is None), meta),
        )
    conn.commit()
    conn.close()


def test_schema_5_fills_the_columns_from_the_metadata_of_older_rows(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _schema_4_directory(root)
    store = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        assert store.db._conn().execute("PRAGMA user_version").fetchone()[0] == metadb.SCHEMA_VERSION == 5
        raw = store.db._conn().execute("SELECT key, checksum_algorithm, checksum_type FROM objects ORDER BY key")
        assert raw.fetchall() == [
            ("crc", "CRC32", "FULL_OBJECT"),
            ("look", None, None),
            ("mp", "SHA256", "COMPOSITE"),
            ("none", None, None),
            ("torn", None, None),
        ]
        raw = store.db._conn().execute("SELECT seq, checksum_algorithm, checksum_type FROM versions ORDER BY seq")
        assert raw.fetchall() == [(1, "CRC64NVME", "FULL_OBJECT"), (2, None, None)]
        listed = [(e.key, e.checksum_algorithm, e.checksum_type) for e in store.list(B).entries]
        assert listed == [
            ("crc", "CRC32", "FULL_OBJECT"),
            ("look", None, None),
            ("mp", "SHA256", "COMPOSITE"),
            ("none", None, None),
            ("torn", None, None),
        ]
        older = [(v.seq, v.checksum_algorithm, v.checksum_type) for v in store.db.versions_of(B, "crc")]
        assert older == [(2, None, None), (1, "CRC64NVME", "FULL_OBJECT")]
    finally:
        store.close()
