"""Multipart uploads in the store: completion, errors, abort, restart, expiry, checksums, listing."""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
import zlib
from pathlib import Path

import pytest
from awscrt import checksums as crt

from cargobay.s3.errors import (
    BadDigest,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    NoSuchUpload,
)
from cargobay.s3.store import ObjectMeta, ObjectStore, PutChecks, StoreConfig
from cargobay.s3.store import multipart as mp
from cargobay.s3.store.multipart import CompletedPart

MIN = 64


MIN_PART_SIZE = MIN  # the multipart minimum of the conftest's ``store`` here


def _read(store: ObjectStore, key: str) -> bytes:
    with store.open("bkt", key) as obj:
        return os.pread(obj.fd, obj.info.size + 1, 0)


def _aws_etag(parts: list[bytes]) -> str:
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f"{digest}-{len(parts)}"


def _upload(store: ObjectStore, key: str, parts: list[bytes], **create: object) -> str:
    upload = store.multipart.create("bkt", key, **create)  # type: ignore[arg-type]
    for number, body in enumerate(parts, 1):
        store.multipart.put_part_bytes("bkt", key, upload.upload_id, number, body)
    return upload.upload_id


def _complete(store: ObjectStore, key: str, upload_id: str, parts: list[bytes]) -> object:
    listed = [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, 1)]
    return store.multipart.complete("bkt", key, upload_id, listed)


def _staging(store: ObjectStore) -> list[str]:
    return os.listdir(store.multipart.staging_root)


def test_complete_concatenates_parts_with_aws_etag_and_part_boundaries(store: ObjectStore) -> None:
    parts = [b"a" * MIN, b"b" * (MIN + 3), b"tail"]
    meta = ObjectMeta(headers={"content-type": "text/x-test"}, user={"who": "me"}, tags={"t": "1"})
    upload_id = _upload(store, "dir/obj", parts, meta=meta)
    info = _complete(store, "dir/obj", upload_id, parts)
    assert _read(store, "dir/obj") == b"".join(parts)
    head = store.head("bkt", "dir/obj")
    assert head.etag == _aws_etag(parts) == info.etag  # type: ignore[attr-defined]
    assert head.meta.parts == (MIN, MIN + 3, 4)
    assert head.meta.content_type == "text/x-test" and head.meta.user == {"who": "me"} and head.meta.tags == {"t": "1"}
    assert _staging(store) == []
    with pytest.raises(NoSuchUpload):
        store.multipart.list_parts("bkt", "dir/obj", upload_id)
    assert [e.key for e in store.list("bkt").entries] == ["dir/obj"]


def test_create_and_abort_never_touch_the_existing_object(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k", b"old")
    upload_id = _upload(store, "k", [b"x" * MIN, b"y"])
    assert _read(store, "k") == b"old"
    store.multipart.abort("bkt", "k", upload_id)
    assert _read(store, "k") == b"old"
    assert store.head("bkt", "k").etag == hashlib.md5(b"old").hexdigest()
    assert _staging(store) == []
    with pytest.raises(NoSuchUpload):
        store.multipart.abort("bkt", "k", upload_id)


def test_completion_replaces_an_object_stored_internally(store: ObjectStore) -> None:
    key = "odd//key/"  # not storable verbatim: lives in the internal area
    store.put_bytes("bkt", key, b"old")
    parts = [b"1" * MIN, b"2"]
    _complete(store, key, _upload(store, key, parts), parts)
    assert _read(store, key) == b"".join(parts)
    assert [e.key for e in store.list("bkt").entries] == [key]


def test_reuploading_a_part_replaces_it_and_drops_the_old_file(store: ObjectStore) -> None:
    upload_id = _upload(store, "k", [b"first" * 20, b"end"])
    store.multipart.put_part_bytes("bkt", "k", upload_id, 1, b"second" * 20)
    files = os.listdir(os.path.join(store.multipart.staging_root, upload_id))
    assert len(files) == 2
    with pytest.raises(InvalidPart):
        _complete(store, "k", upload_id, [b"first" * 20, b"end"])
    _complete(store, "k", upload_id, [b"second" * 20, b"end"])
    assert _read(store, "k") == b"second" * 20 + b"end"


def test_completion_may_skip_uploaded_parts(store: ObjectStore) -> None:
    parts = [b"a" * MIN, b"b" * MIN, b"c"]
    upload_id = _upload(store, "k", parts)
    listed = [CompletedPart(1, hashlib.md5(parts[0]).hexdigest()), CompletedPart(3, hashlib.md5(parts[2]).hexdigest())]
    info = store.multipart.complete("bkt", "k", upload_id, listed)
    assert _read(store, "k") == parts[0] + parts[2]
    assert info.etag == _aws_etag([parts[0], parts[2]])
    assert info.meta.parts == (MIN, 1)


@pytest.mark.parametrize(
    ("listed", "error"),
    [
        ([(2, 1), (1, 0)], InvalidPartOrder),
        ([(1, 0), (1, 1)], InvalidPart),  # listed twice: the last entry names the part, and it is wrong
        ([(1, 0), (3, 1)], InvalidPart),
        ([(1, 1), (2, 1)], InvalidPart),  # right number, wrong ETag
        ([], MalformedXML),
        ([(0, 0)], InvalidPart),  # part 0 first: never stored (it was an IndexError, a 500)
        ([(0, 0), (1, 0)], InvalidPart),
    ],
    ids=["descending", "duplicate-last-wrong", "unknown-part", "etag-mismatch", "no-parts", "zero", "zero-then-one"],
)
def test_complete_rejects_bad_part_lists(
    store: ObjectStore, listed: list[tuple[int, int]], error: type[Exception]
) -> None:
    parts = [b"a" * MIN, b"b" * MIN]
    upload_id = _upload(store, "k", parts)
    request = [CompletedPart(n, hashlib.md5(parts[i]).hexdigest()) for n, i in listed]
    with pytest.raises(error):
        store.multipart.complete("bkt", "k", upload_id, request)
    assert store.multipart.list_parts("bkt", "k", upload_id).parts  # the upload is still there
    with pytest.raises(Exception, match="NoSuchKey"):
        store.head("bkt", "k")


def test_complete_part_listed_twice_uses_the_last_entry(store: ObjectStore) -> None:
    parts = [b"a" * MIN, b"b" * MIN]
    upload_id = _upload(store, "k", parts)
    request = [CompletedPart(1, hashlib.md5(b"stale").hexdigest()), CompletedPart(1, hashlib.md5(parts[0]).hexdigest())]
    info = store.multipart.complete("bkt", "k", upload_id, request)
    assert info.etag == _aws_etag([parts[0]])


def test_complete_retried_after_success_gets_the_same_answer_while_the_object_is_current(store: ObjectStore) -> None:
    parts = [b"a" * MIN, b"b"]
    upload_id = _upload(store, "k", parts)
    request = [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, start=1)]
    first = store.multipart.complete("bkt", "k", upload_id, request)
    assert store.multipart.complete("bkt", "k", upload_id, request) == first
    with pytest.raises(NoSuchUpload):
        store.multipart.complete("bkt", "other", upload_id, request)  # another key: not that upload
    store.put_bytes("bkt", "k", b"newer")
    with pytest.raises(NoSuchUpload):
        store.multipart.complete("bkt", "k", upload_id, request)  # the object it wrote is gone


def test_deleting_a_bucket_drops_its_uploads(store: ObjectStore) -> None:
    store.create_bucket("gone")
    upload_id = store.multipart.create("gone", "k").upload_id
    store.multipart.put_part_bytes("gone", "k", upload_id, 1, b"x")
    store.delete_bucket("gone")
    store.create_bucket("gone")
    assert store.multipart.list_uploads("gone").uploads == ()
    with pytest.raises(NoSuchUpload):
        store.multipart.complete("gone", "k", upload_id, [CompletedPart(1, hashlib.md5(b"x").hexdigest())])
    assert upload_id not in os.listdir(store.multipart.staging_root)


def test_entity_too_small_for_a_small_part_that_is_not_last(store: ObjectStore) -> None:
    parts = [b"a" * (MIN - 1), b"b"]
    upload_id = _upload(store, "k", parts)
    with pytest.raises(EntityTooSmall) as caught:
        _complete(store, "k", upload_id, parts)
    assert caught.value.extra["MinSizeAllowed"] == str(MIN)
    # a single small part (the last one) is fine
    only = [b"tiny"]
    _complete(store, "k2", _upload(store, "k2", only), only)
    assert _read(store, "k2") == b"tiny"


@pytest.mark.parametrize("number", [0, -1, 10001])
def test_part_numbers_outside_1_to_10000_are_invalid_argument(store: ObjectStore, number: int) -> None:
    upload = store.multipart.create("bkt", "k")
    with pytest.raises(InvalidArgument):
        store.multipart.put_part_bytes("bkt", "k", upload.upload_id, number, b"x")


@pytest.mark.parametrize("upload_id", ["", "nope", "../../../etc", "0" * 32, "A" * 32, "0" * 31 + "/"])
def test_unknown_or_malformed_upload_ids_are_no_such_upload(store: ObjectStore, upload_id: str) -> None:
    with pytest.raises(NoSuchUpload):
        store.multipart.put_part_bytes("bkt", "k", upload_id, 1, b"x")
    with pytest.raises(NoSuchUpload):
        store.multipart.list_parts("bkt", "k", upload_id)


def test_an_upload_belongs_to_its_bucket_and_key(store: ObjectStore) -> None:
    store.create_bucket("other")
    upload = store.multipart.create("bkt", "k")
    with pytest.raises(NoSuchUpload):
        store.multipart.put_part_bytes("bkt", "k2", upload.upload_id, 1, b"x")
    with pytest.raises(NoSuchUpload):
        store.multipart.abort("other", "k", upload.upload_id)


def test_part_integrity_checks_reject_bad_bodies_and_keep_the_old_part(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "k")
    uid = upload.upload_id
    store.multipart.put_part_bytes("bkt", "k", uid, 1, b"good")
    with pytest.raises(BadDigest):
        store.multipart.put_part_bytes("bkt", "k", uid, 1, b"evil", PutChecks(content_md5=hashlib.md5(b"x").digest()))
    bad_crc = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    with pytest.raises(BadDigest):
        store.multipart.put_part_bytes("bkt", "k", uid, 1, b"evil", PutChecks(checksums={"crc32": bad_crc}))
    (part,) = store.multipart.list_parts("bkt", "k", uid).parts
    assert part.etag == hashlib.md5(b"good").hexdigest()
    assert len(os.listdir(os.path.join(store.multipart.staging_root, uid))) == 1


def _b64(value: int, width: int) -> str:
    return base64.b64encode(value.to_bytes(width, "big")).decode()


def test_composite_checksum_is_the_checksum_of_part_checksums(store: ObjectStore) -> None:
    parts = [b"a" * MIN, b"b" * 100, b"c"]
    upload_id = _upload(store, "k", parts, checksum_algorithm="crc32")
    listed = store.multipart.list_parts("bkt", "k", upload_id).parts
    assert [p.checksum for p in listed] == [_b64(zlib.crc32(p), 4) for p in parts]
    info = _complete(store, "k", upload_id, parts)
    joined = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    assert info.meta.checksums == {"crc32": f"{_b64(zlib.crc32(joined), 4)}-3"}  # type: ignore[attr-defined]


@pytest.mark.parametrize("numbers", [(1, 3), (2, 3), (2,)], ids=["gap", "not-from-1", "only-2"])
@pytest.mark.parametrize("kind", ["COMPOSITE", "FULL_OBJECT"])
def test_checksum_upload_completes_only_with_parts_1_to_n(
    store: ObjectStore, kind: str, numbers: tuple[int, ...]
) -> None:
    """API_CompletedPart.html: with checksums, "the PartNumber must start at 1 and the part numbers must
    be consecutive", else InvalidPartOrder; the upload is left as it was and 1..N completes it."""
    parts = [b"a" * MIN, b"b" * MIN, b"c"]
    upload_id = _upload(store, "k", parts, checksum_algorithm="crc32", checksum_type=kind)
    listed = [CompletedPart(n, hashlib.md5(parts[n - 1]).hexdigest()) for n in numbers]
    with pytest.raises(InvalidPartOrder):
        store.multipart.complete("bkt", "k", upload_id, listed)
    assert len(store.multipart.list_parts("bkt", "k", upload_id).parts) == 3
    assert _complete(store, "k", upload_id, parts).etag == _aws_etag(parts)  # type: ignore[attr-defined]


def test_sha256_composite_checksum(store: ObjectStore) -> None:
    parts = [b"x" * MIN, b"y"]
    upload_id = _upload(store, "k", parts, checksum_algorithm="sha256")
    info = _complete(store, "k", upload_id, parts)
    joined = b"".join(hashlib.sha256(p).digest() for p in parts)
    expected = base64.b64encode(hashlib.sha256(joined).digest()).decode() + "-2"
    assert info.meta.checksums == {"sha256": expected}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("algorithm", "fn", "width"), [("crc32", zlib.crc32, 4), ("crc32c", crt.crc32c, 4), ("crc64nvme", crt.crc64nvme, 8)]
)
def test_full_object_checksum_is_the_crc_of_the_whole_object(
    store: ObjectStore, algorithm: str, fn: object, width: int
) -> None:
    parts = [os.urandom(MIN), os.urandom(MIN + 7), os.urandom(5)]
    upload_id = _upload(store, "k", parts, checksum_algorithm=algorithm, checksum_type="FULL_OBJECT")
    info = _complete(store, "k", upload_id, parts)
    whole = fn(b"".join(parts))  # type: ignore[operator]
    assert info.meta.checksums == {algorithm: _b64(whole, width)}  # type: ignore[attr-defined]


def test_full_object_checksum_sent_at_completion_must_match(store: ObjectStore) -> None:
    parts = [b"p" * MIN, b"q"]
    upload_id = _upload(store, "k", parts, checksum_algorithm="crc32", checksum_type="FULL_OBJECT")
    listed = [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, 1)]
    with pytest.raises(BadDigest):
        store.multipart.complete("bkt", "k", upload_id, listed, full_object_checksum=_b64(1234, 4))
    store.multipart.complete("bkt", "k", upload_id, listed, full_object_checksum=_b64(zlib.crc32(b"".join(parts)), 4))


def test_completion_checksums_must_match_the_parts(store: ObjectStore) -> None:
    parts = [b"p" * MIN, b"q"]
    upload_id = _upload(store, "k", parts, checksum_algorithm="crc32")
    listed = [
        CompletedPart(1, hashlib.md5(parts[0]).hexdigest(), _b64(zlib.crc32(parts[0]), 4)),
        CompletedPart(2, hashlib.md5(parts[1]).hexdigest(), _b64(0, 4)),
    ]
    with pytest.raises(InvalidPart):
        store.multipart.complete("bkt", "k", upload_id, listed)


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [("crc64nvme", "COMPOSITE"), ("sha1", "FULL_OBJECT"), (None, "COMPOSITE"), ("crc32", "BOGUS")],
)
def test_invalid_checksum_type_combinations(store: ObjectStore, algorithm: str | None, kind: str) -> None:
    with pytest.raises(InvalidRequest):
        store.multipart.create("bkt", "k", checksum_algorithm=algorithm, checksum_type=kind)


def test_part_checksum_of_another_algorithm_is_refused(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "k", checksum_algorithm="crc32")
    sha = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    with pytest.raises(InvalidRequest):
        store.multipart.put_part_bytes("bkt", "k", upload.upload_id, 1, b"x", PutChecks(checksums={"sha256": sha}))


def test_uploads_survive_reopening_the_store(tmp_path: Path) -> None:
    root = str(tmp_path / "data")
    config = StoreConfig(durable=False, min_part_size=MIN)
    first = ObjectStore(root, config)
    first.create_bucket("bkt")
    parts = [b"a" * MIN, b"b" * MIN, b"c"]
    upload_id = _upload(first, "k", parts[:2])
    first.close()
    second = ObjectStore(root, config)
    try:
        assert [p.part_number for p in second.multipart.list_parts("bkt", "k", upload_id).parts] == [1, 2]
        second.multipart.put_part_bytes("bkt", "k", upload_id, 3, parts[2])
        info = _complete(second, "k", upload_id, parts)
        assert _read(second, "k") == b"".join(parts)
        assert info.etag == _aws_etag(parts)  # type: ignore[attr-defined]
    finally:
        second.close()


def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / ".cargobay").mkdir(parents=True)
    (root / "bkt").mkdir()
    (root / "bkt" / "f").write_bytes(b"hello")
    from cargobay.s3.store import metadb

    conn = sqlite3.connect(root / ".cargobay" / "meta.db")
    conn.executescript(metadb._SCHEMA_V1 + "PRAGMA user_version = 1;")
    conn.execute("INSERT INTO buckets (name, created_ns) VALUES ('bkt', 7)")
    conn.commit()
    conn.close()
    store = ObjectStore(str(root), StoreConfig(durable=False, min_part_size=MIN))
    try:
        assert store.db._conn().execute("PRAGMA user_version").fetchone()[0] == metadb.SCHEMA_VERSION == 5
        assert store.db.bucket_created("bkt") == 7
        assert _read(store, "f") == b"hello"
        parts = [b"z"]
        _complete(store, "k", _upload(store, "k", parts), parts)
    finally:
        store.close()


def test_sweep_removes_expired_uploads_and_orphan_staging_dirs(tmp_path: Path) -> None:
    root = str(tmp_path / "data")
    store = ObjectStore(root, StoreConfig(durable=False, upload_expiry=3600))
    store.create_bucket("bkt")
    old = _upload(store, "old", [b"x"])
    orphan = os.path.join(store.multipart.staging_root, "f" * 32)
    os.mkdir(orphan)
    open(os.path.join(orphan, "junk"), "wb").close()
    store.put_bytes("bkt", "old", b"kept")
    removed = store.multipart.sweep(now_ns=store.multipart.get("bkt", "old", old).initiated_ns + 3601 * 10**9)
    assert removed == [old]
    assert _staging(store) == []
    assert _read(store, "old") == b"kept"
    fresh = _upload(store, "new", [b"y"])
    assert store.multipart.sweep() == []  # not expired yet
    store.close()
    # reopening sweeps too: an expiry of zero removes everything unfinished
    again = ObjectStore(root, StoreConfig(durable=False, upload_expiry=0))
    try:
        with pytest.raises(NoSuchUpload):
            again.multipart.get("bkt", "new", fresh)
        assert _staging(again) == []
    finally:
        again.close()


def test_upload_part_copy_copies_a_range(store: ObjectStore) -> None:
    source = bytes(range(256)) * 4
    store.put_bytes("bkt", "src", source)
    upload = store.multipart.create("bkt", "dst")
    uid = upload.upload_id
    store.multipart.copy_part("bkt", "dst", uid, 1, "bkt", "src", byte_range=(10, 10 + MIN - 1))
    store.multipart.copy_part("bkt", "dst", uid, 2, "bkt", "src")
    # AWS answers a copy range the source cannot satisfy with 400 InvalidArgument, not 416.
    with pytest.raises(InvalidArgument):
        store.multipart.copy_part("bkt", "dst", uid, 3, "bkt", "src", byte_range=(0, len(source)))
    with pytest.raises(InvalidArgument):
        store.multipart.copy_part("bkt", "dst", uid, 3, "bkt", "src", byte_range=(5, 4))
    expected = [source[10 : 10 + MIN], source]
    _complete(store, "dst", uid, expected)
    assert _read(store, "dst") == b"".join(expected)


def test_copy_object_of_a_multipart_object_is_one_piece(store: ObjectStore) -> None:
    parts = [b"a" * MIN, b"b"]
    _complete(store, "mp", _upload(store, "mp", parts, checksum_algorithm="crc32"), parts)
    copied = store.copy("bkt", "mp", "bkt", "copy")
    assert copied.etag == hashlib.md5(b"".join(parts)).hexdigest()
    assert store.head("bkt", "copy").meta.parts == ()
    # The composite CRC32 is recomputed over the one piece (API_CopyObject.html: the algorithm is
    # copied from the source): a whole-object CRC32, no "-N".
    whole = base64.b64encode(zlib.crc32(b"".join(parts)).to_bytes(4, "big")).decode()
    assert store.head("bkt", "copy").meta.checksums == {"crc32": whole}


def test_an_out_of_band_edit_forgets_the_part_boundaries(store: ObjectStore, tmp_path: Path) -> None:
    parts = [b"a" * MIN, b"b"]
    _complete(store, "mp", _upload(store, "mp", parts), parts)
    (tmp_path / "data" / "bkt" / "mp").write_bytes(b"replaced by hand")
    info = store.head("bkt", "mp")
    assert info.etag == hashlib.md5(b"replaced by hand").hexdigest()
    assert info.meta.parts == ()


def test_set_tags_keeps_bytes_and_etag(store: ObjectStore) -> None:
    before = store.put_bytes("bkt", "k", b"body", ObjectMeta(user={"m": "1"}))
    store.set_tags("bkt", "k", {"a": "b"})
    after = store.head("bkt", "k")
    assert (after.etag, after.last_modified_ns, after.meta.user) == (before.etag, before.last_modified_ns, {"m": "1"})
    assert after.meta.tags == {"a": "b"}
    assert _read(store, "k") == b"body"


def test_list_parts_pages(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "k")
    for number in (1, 2, 5, 7, 9):
        store.multipart.put_part_bytes("bkt", "k", upload.upload_id, number, b"x")
    seen, marker, pages = [], 0, 0
    while True:
        page = store.multipart.list_parts("bkt", "k", upload.upload_id, marker=marker, max_parts=2)
        seen += [p.part_number for p in page.parts]
        pages += 1
        if not page.is_truncated:
            break
        marker = page.next_marker
    assert seen == [1, 2, 5, 7, 9] and pages == 3


def _list_all(store: ObjectStore, **kw: object) -> tuple[list[tuple[str, str]], list[str]]:
    uploads: list[tuple[str, str]] = []
    prefixes: list[str] = []
    key_marker, id_marker = "", None
    while True:
        page = store.multipart.list_uploads("bkt", key_marker=key_marker, upload_id_marker=id_marker, **kw)  # type: ignore[arg-type]
        uploads += [(u.key, u.upload_id) for u in page.uploads]
        prefixes += page.common_prefixes
        if not page.is_truncated:
            return uploads, prefixes
        assert page.next_key_marker is not None
        key_marker, id_marker = page.next_key_marker, page.next_upload_id_marker


@pytest.mark.parametrize("max_uploads", [1, 2, 3, 1000])
def test_list_uploads_pages_in_key_then_initiation_order(store: ObjectStore, max_uploads: int) -> None:
    created = []
    for key in ["b", "a/2", "a/1", "b", "c", "a/1", "ab"]:
        created.append((key, store.multipart.create("bkt", key).upload_id))
    expected = sorted(created)  # ids are time-ordered, so (key, id) is (key, initiation)
    assert _list_all(store, max_uploads=max_uploads) == (expected, [])
    assert _list_all(store, max_uploads=max_uploads, prefix="a") == ([u for u in expected if u[0].startswith("a")], [])
    uploads, prefixes = _list_all(store, max_uploads=max_uploads, delimiter="/")
    assert prefixes == ["a/"]
    assert uploads == [u for u in expected if "/" not in u[0]]


def test_list_uploads_upload_id_marker_resumes_within_a_key(store: ObjectStore) -> None:
    ids = [store.multipart.create("bkt", "k").upload_id for _ in range(3)]
    later = store.multipart.create("bkt", "l").upload_id
    page = store.multipart.list_uploads("bkt", key_marker="k", upload_id_marker=ids[0])
    assert [u.upload_id for u in page.uploads] == [ids[1], ids[2], later]
    page = store.multipart.list_uploads("bkt", key_marker="k")
    assert [u.upload_id for u in page.uploads] == [later]
    page = store.multipart.list_uploads("bkt", upload_id_marker=ids[1])  # ignored without key-marker
    assert len(page.uploads) == 4


@pytest.mark.parametrize("broken", ["copy_file_range_zero", "copy_file_range_exdev", "no_kernel_copy"])
def test_copy_range_falls_back_and_copies_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    data = os.urandom(3 << 20)
    src_path, dst_path = tmp_path / "src", tmp_path / "dst"
    src_path.write_bytes(data)
    if broken == "copy_file_range_zero":
        monkeypatch.setattr(os, "copy_file_range", lambda *a: 0)
    else:

        def fail(*a: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", fail)
        if broken == "no_kernel_copy":
            monkeypatch.setattr(os, "sendfile", fail)
    src = os.open(src_path, os.O_RDONLY)
    dst = os.open(dst_path, os.O_RDWR | os.O_CREAT)
    try:
        os.pwrite(dst, b"HEAD", 0)
        mp.copy_range(src, dst, 100, 4, len(data) - 100)
    finally:
        os.close(src)
        os.close(dst)
    assert dst_path.read_bytes() == b"HEAD" + data[100:]


def test_copy_range_raises_when_the_source_is_short(tmp_path: Path) -> None:
    (tmp_path / "src").write_bytes(b"short")
    src = os.open(tmp_path / "src", os.O_RDONLY)
    dst = os.open(tmp_path / "dst", os.O_RDWR | os.O_CREAT)
    try:
        with pytest.raises(InvalidPart):
            mp.copy_range(src, dst, 0, 0, 100)
    finally:
        os.close(src)
        os.close(dst)
