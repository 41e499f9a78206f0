"""Objects on disk: round trips, out-of-band changes, failed and concurrent writes."""

from __future__ import annotations

import base64
import hashlib
import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargobay._fsutil import TEMP_PREFIX
from cargobay.s3.errors import BadDigest, NoSuchKey, XAmzContentSHA256Mismatch
from cargobay.s3.store import ObjectMeta, ObjectStore, PutChecks, StoreConfig


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _read(store: ObjectStore, key: str) -> bytes:
    with store.open("bkt", key) as obj:
        return os.pread(obj.fd, obj.info.size + 1, 0)


ODD_KEYS = [
    "a",
    "a/b",
    "dir/",
    "foo",
    "foo/",
    "../../x",
    "a/../../b",
    "%2E%2E/x",
    "x" * 1024,
    "e//f",
    "./z",
    "ü/ñ",
    "sp ace+plus",
    "q?x#y",
    "x" * 300 + "/y",
]


def test_put_get_round_trip_for_odd_keys_stays_in_bucket(store: ObjectStore, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for key in ODD_KEYS:
        store.put_bytes("bkt", key, key.encode("utf-8"))
    for key in ODD_KEYS:
        assert _read(store, key) == key.encode("utf-8")
    outside = {p.name for p in tmp_path.iterdir()}
    assert outside == {"data"}, "nothing may be written beside the data directory"
    assert sorted(os.listdir(tmp_path / "data")) == [".cargobay", "bkt"]
    listed = [e.key for e in store.list("bkt").entries]
    assert listed == sorted(ODD_KEYS, key=lambda k: k.encode("utf-8"))
    for key in ODD_KEYS:
        store.delete("bkt", key)
    assert store.list("bkt").entries == ()
    assert os.listdir(tmp_path / "data" / "bkt") == []


@settings(max_examples=40)
@given(
    st.dictionaries(st.sampled_from(ODD_KEYS), st.binary(max_size=300), max_size=8),
    st.sets(st.sampled_from(ODD_KEYS), max_size=5),
)
def test_put_get_delete_round_trip_model(tmp_path_factory, objects: dict[str, bytes], deleted: set[str]) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("rt")
    store = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        store.create_bucket("bkt")
        for key, body in objects.items():
            info = store.put_bytes("bkt", key, body)
            assert info.etag == _md5(body)
        for key in deleted:
            store.delete("bkt", key)
        expected = {k: v for k, v in objects.items() if k not in deleted}
        for key, body in expected.items():
            assert _read(store, key) == body
        for key in deleted:
            with pytest.raises(NoSuchKey):
                store.head("bkt", key)
        listing = store.list("bkt")
        assert {e.key: e.etag for e in listing.entries} == {k: _md5(v) for k, v in expected.items()}
    finally:
        store.close()


def test_out_of_band_edit_keeping_size_and_mtime_changes_etag(store: ObjectStore) -> None:
    store.put_bytes("bkt", "docs/a.txt", b"hello world")
    path = os.path.join(store.layout.root, "bkt", "docs", "a.txt")
    before = os.stat(path)
    with open(path, "r+b") as f:  # same size, in place, then restore the mtime
        f.write(b"HELLO")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns
    expected = _md5(b"HELLO world")
    assert store.head("bkt", "docs/a.txt").etag == expected
    assert [e.etag for e in store.list("bkt").entries] == [expected]


def test_out_of_band_edit_is_seen_first_by_listing(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k", b"one")
    path = os.path.join(store.layout.root, "bkt", "k")
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.write(b"two")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert [e.etag for e in store.list("bkt").entries] == [_md5(b"two")]
    assert store.head("bkt", "k").etag == _md5(b"two")


def test_files_added_out_of_band_are_objects_with_md5_etags(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "served"
    (root / "photos" / "2024").mkdir(parents=True)
    (root / "photos" / "2024" / "a.jpg").write_bytes(b"jpeg bytes")
    (root / "photos" / "top.txt").write_bytes(b"")
    (root / "photos" / (TEMP_PREFIX + "junk")).write_bytes(b"partial")
    os.symlink("/etc/passwd", root / "photos" / "link")
    (root / "Not_A_Bucket").mkdir()
    store = ObjectStore(str(root))
    try:
        assert [b.name for b in store.list_buckets()] == ["photos"]
        entries = store.list("photos").entries
        assert [(e.key, e.etag) for e in entries] == [
            ("2024/a.jpg", _md5(b"jpeg bytes")),
            ("top.txt", _md5(b"")),
        ]
        info = store.head("photos", "2024/a.jpg")
        assert info.meta.content_type == "image/jpeg"
        with pytest.raises(NoSuchKey):
            store.head("photos", "link")  # symlinks are not followed
    finally:
        store.close()


def test_symlinked_directory_is_not_a_way_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_bytes(b"root:x:0:0")
    root = tmp_path / "data"
    (root / "bkt").mkdir(parents=True)
    os.symlink(secret, root / "bkt" / "escape")
    store = ObjectStore(str(root))
    try:
        with pytest.raises(NoSuchKey):
            store.head("bkt", "escape/passwd")
        assert store.list("bkt").entries == ()
        store.put_bytes("bkt", "escape/new", b"data")
        assert sorted(os.listdir(secret)) == ["passwd"], "a PUT must not write through a symlink"
        assert _read(store, "escape/new") == b"data"
        store.delete("bkt", "escape/new")
        assert (secret / "passwd").read_bytes() == b"root:x:0:0"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("checks", "error"),
    [
        (PutChecks(content_md5=hashlib.md5(b"other").digest()), BadDigest),
        (PutChecks(sha256_hex=hashlib.sha256(b"other").hexdigest()), XAmzContentSHA256Mismatch),
        (PutChecks(checksums={"crc32": base64.b64encode(b"\0\0\0\0").decode()}), BadDigest),
    ],
    ids=["content-md5", "signed-sha256", "crc32"],
)
def test_failed_put_leaves_previous_object_and_no_temp_file(
    store: ObjectStore, checks: PutChecks, error: type[Exception]
) -> None:
    store.put_bytes("bkt", "k/obj", b"old", ObjectMeta(user={"v": "1"}))
    with pytest.raises(error):
        store.put_bytes("bkt", "k/obj", b"new body", checks=checks)
    info = store.head("bkt", "k/obj")
    assert _read(store, "k/obj") == b"old" and info.etag == _md5(b"old") and info.meta.user == {"v": "1"}
    leftovers = [n for _, _, files in os.walk(store.layout.root) for n in files if n.startswith(TEMP_PREFIX)]
    assert leftovers == []


def test_crash_between_rename_and_metadata_commit_still_gives_matching_etag(store: ObjectStore) -> None:
    """Simulate the crash window: new bytes renamed into place, old row still in the sidecar."""
    store.put_bytes("bkt", "k", b"old contents", ObjectMeta(headers={"content-type": "text/plain"}))
    stale = store.db.get("bkt", "k")
    store.put_bytes("bkt", "k", b"new contents!")
    assert stale is not None
    store.db.put(stale)  # as if the second commit never happened
    info = store.head("bkt", "k")
    assert info.etag == _md5(b"new contents!")
    assert _read(store, "k") == b"new contents!"


def test_concurrent_puts_end_with_one_whole_winner(store: ObjectStore) -> None:
    bodies = [bytes([i]) * (200_000 + i) for i in range(8)]
    barrier = threading.Barrier(len(bodies))

    def writer(body: bytes) -> None:
        barrier.wait()
        for _ in range(5):
            store.put_bytes("bkt", "contended/key", body)

    threads = [threading.Thread(target=writer, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = _read(store, "contended/key")
    assert data in bodies
    info = store.head("bkt", "contended/key")
    assert info.etag == _md5(data) and info.size == len(data)
    assert [e.etag for e in store.list("bkt").entries] == [_md5(data)]


def test_key_and_prefix_coexist_in_either_order(store: ObjectStore) -> None:
    store.put_bytes("bkt", "a", b"file a")
    store.put_bytes("bkt", "a/b", b"file a/b")
    store.put_bytes("bkt", "c/d", b"file c/d")
    store.put_bytes("bkt", "c", b"file c")
    for key in ["a", "a/b", "c", "c/d"]:
        assert _read(store, key) == f"file {key}".encode()
    assert [e.key for e in store.list("bkt").entries] == ["a", "a/b", "c", "c/d"]
    page = store.list("bkt", delimiter="/")
    assert [e.key for e in page.entries] == ["a", "c"] and page.common_prefixes == ("a/", "c/")


def test_follow_symlinks_serves_link_targets_read_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cargobay.s3.errors import AccessDenied

    outside = tmp_path / "outside"
    (outside / "docs").mkdir(parents=True)
    (outside / "docs" / "a.txt").write_bytes(b"outside a")
    (outside / "file.bin").write_bytes(b"outside file")
    root = tmp_path / "data"
    (root / "bkt").mkdir(parents=True)
    os.symlink(outside / "docs", root / "bkt" / "linked")
    os.symlink(outside / "file.bin", root / "bkt" / "f")
    os.symlink(root / "bkt", root / "bkt" / "loop")  # a cycle must not hang the walk
    store = ObjectStore(str(root), StoreConfig(durable=False, follow_symlinks=True))
    try:
        assert _read(store, "linked/a.txt") == b"outside a"
        assert _read(store, "f") == b"outside file"
        keys = [e.key for e in store.list("bkt").entries]
        assert "linked/a.txt" in keys and "f" in keys
        store.put_bytes("bkt", "linked/new", b"written")  # never through the link
        assert sorted(os.listdir(outside / "docs")) == ["a.txt"]
        assert _read(store, "linked/new") == b"written"
        with pytest.raises(AccessDenied):
            store.delete("bkt", "linked/a.txt")
        assert (outside / "docs" / "a.txt").read_bytes() == b"outside a"
        store.delete("bkt", "f")  # removes the link itself
        assert (outside / "file.bin").read_bytes() == b"outside file"
        assert not os.path.lexists(root / "bkt" / "f")
    finally:
        store.close()


def test_usage_counts_are_reused_for_max_age(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The status page's object counts walk the tree once per ``max_age`` (not on every load)."""
    store.put_bytes("bkt", "a/b", b"12345")
    walks = []
    real_walk = os.walk

    def counting_walk(*args, **kwargs):  # type: ignore[no-untyped-def]
        walks.append(args[0])
        return real_walk(*args, **kwargs)

    monkeypatch.setattr(os, "walk", counting_walk)  # the os module buckets.py walks with
    first = store.usage()
    assert (first["buckets"], first["objects"], first["bytes"]) == (1, 1, 5)
    store.put_bytes("bkt", "c", b"1")
    assert store.usage()["objects"] == 1  # the cached count
    assert len(walks) == 1
    fresh = store.usage(max_age=0)
    assert (fresh["objects"], fresh["bytes"]) == (2, 6)
    assert len(walks) == 2
    assert fresh["disk_total"] > 0
