"""The checksum a listing reports per object (ChecksumAlgorithm / ChecksumType): the kept checksums
of the metadata row (read from its checksum columns, see test_checksum_columns.py), and a row whose
metadata is not JSON does not break the listing."""

from __future__ import annotations

from cargobay.s3.store import ObjectMeta, ObjectStore


def test_listing_names_each_objects_checksum(store: ObjectStore) -> None:
    store.put_bytes("bkt", "crc", b"1", ObjectMeta(checksums={"crc32": "AAAAAA=="}))
    store.put_bytes("bkt", "none", b"2")
    store.put_bytes("bkt", "parts", b"3", ObjectMeta(checksums={"sha256": "q83vEjRWeJA=-2"}))
    listed = [(e.key, e.checksum_algorithm, e.checksum_type) for e in store.list("bkt").entries]
    assert listed == [("crc", "CRC32", "FULL_OBJECT"), ("none", None, None), ("parts", "SHA256", "COMPOSITE")]


def test_user_metadata_that_looks_like_checksums_is_not_one(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k", b"1", ObjectMeta(user={"note": '"c":{"crc32":"x"}'}))
    (entry,) = store.list("bkt").entries
    assert (entry.checksum_algorithm, entry.checksum_type) == (None, None)


def test_a_metadata_row_that_is_not_json_is_listed_without_a_checksum(store: ObjectStore) -> None:
    store.put_bytes("bkt", "a", b"1", ObjectMeta(checksums={"crc32": "AAAAAA=="}))
    store.put_bytes("bkt", "b", b"2", ObjectMeta(checksums={"crc32": "AAAAAA=="}))
    conn = store.db._conn()
    conn.execute("""UPDATE objects SET meta = '{"c":{' WHERE bucket = 'bkt' AND key = 'b'""")
    conn.commit()
    listed = [(e.key, e.checksum_algorithm) for e in store.list("bkt").entries]
    assert listed[0] == ("a", "CRC32") and [k for k, _ in listed] == ["a", "b"]
