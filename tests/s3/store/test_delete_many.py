"""DeleteObjects in one pass (store/deletes.py): same outcome as deleting key by key, fewer syncs."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargobay._types import Fingerprint
from cargobay.s3.errors import NoSuchBucket, NoSuchKey, S3Error
from cargobay.s3.store import ObjectStore, StoreConfig

KEYS = ["a", "a/b", "dir/", "foo", "foo/", "../../x", "x" * 300 + "/y", "d1/d2/k", "d1/k2", "e//f", "ü/ñ"]


def _keys(store: ObjectStore) -> list[str]:
    return [e.key for e in store.list("bkt").entries]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.sampled_from(KEYS), st.binary(max_size=64), max_size=8),
    st.lists(st.sampled_from(KEYS), max_size=12),
)
def test_batch_equals_one_by_one(
    tmp_path_factory: pytest.TempPathFactory, objects: dict[str, bytes], doomed: list[str]
) -> None:
    stores = []
    for name in ("batch", "single"):
        store = ObjectStore(str(tmp_path_factory.mktemp(name)), StoreConfig(durable=False))
        store.create_bucket("bkt")
        for key, body in objects.items():
            store.put_bytes("bkt", key, body)
        stores.append(store)
    batch, single = stores
    try:
        result = batch.delete_many("bkt", doomed)
        assert [k for k, _ in result] == doomed
        assert all(err is None for _, err in result)
        for key in doomed:
            single.delete("bkt", key)
        assert _keys(batch) == _keys(single)
        for key in _keys(batch):
            with batch.open("bkt", key) as obj:
                assert obj.info.etag == hashlib.md5(objects[key]).hexdigest()
        for key in set(doomed):
            with pytest.raises(NoSuchKey):
                batch.head("bkt", key)
        assert batch.db.fingerprints_many("bkt", list(set(doomed))) == {}  # the rows are gone too
        # emptied directories are pruned as by single deletes
        base = batch.layout.bucket_dir("bkt")
        for root, dirs, files in os.walk(base):
            assert root == base or dirs or files, root
    finally:
        for s in stores:
            s.close()


def test_invalid_key_reported_others_deleted(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k1", b"1")
    store.put_bytes("bkt", "k2", b"2")
    result = dict(store.delete_many("bkt", ["k1", "x" * 1025, "k2", "missing"]))
    assert result["k1"] is None and result["k2"] is None and result["missing"] is None
    assert result["x" * 1025] is not None and result["x" * 1025].code == "KeyTooLongError"
    assert _keys(store) == []


def test_missing_bucket(store: ObjectStore) -> None:
    with pytest.raises(NoSuchBucket):
        store.delete_many("nope", ["a"])


def test_durable_batch_syncs_each_directory_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True))
    try:
        store.create_bucket("bkt")
        keys = [f"d{i % 3}/k{i:03d}" for i in range(60)]
        for key in keys:
            store.put_bytes("bkt", key, b"x")
        before = store.space.dirsync.fsyncs
        store.delete_many("bkt", keys[:-1])  # d2/ keeps one key; d0/ and d1/ are pruned
        # d2 itself, and the bucket directory for the two pruned ones: 2 fsyncs for 59 keys
        assert store.space.dirsync.fsyncs - before == 2
        assert _keys(store) == [keys[-1]]
        assert sorted(os.listdir(store.layout.bucket_dir("bkt"))) == ["d2"]
    finally:
        store.close()


def test_put_after_the_unlink_keeps_its_row(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PUT that re-creates a key between its unlink and the batch's row delete keeps its
    metadata (the batch forgets only the row it saw)."""
    from cargobay.s3.store import ObjectMeta

    store.put_bytes("bkt", "k", b"old", ObjectMeta(user={"v": "old"}))
    store.put_bytes("bkt", "other", b"x")
    space = store.space
    unlink = space.unlink_verbatim

    def unlink_then_put(bucket: str, path: str, **how: Any) -> str | None:
        changed = unlink(bucket, path, **how)
        if path.endswith(os.sep + "k"):
            store.put_bytes("bkt", "k", b"new", ObjectMeta(user={"v": "new"}))
        return changed

    monkeypatch.setattr(space, "unlink_verbatim", unlink_then_put)
    assert all(err is None for _, err in store.delete_many("bkt", ["k", "other"]))
    info = store.head("bkt", "k")
    assert info.etag == hashlib.md5(b"new").hexdigest()
    assert info.meta.user == {"v": "new"}
    assert store.db.get("bkt", "other") is None


def test_emptied_prefixes_are_pruned_once_at_the_end(store: ObjectStore) -> None:
    """Directories the batch empties disappear (deepest first, so a chain collapses); one that
    still holds a key stays."""
    for key in ("p/q/r/1", "p/q/r/2", "p/q/3", "s/4", "s/t/5"):
        store.put_bytes("bkt", key, b"x")
    root = store.layout.bucket_dir("bkt")
    assert all(err is None for _, err in store.delete_many("bkt", ["p/q/r/1", "p/q/r/2", "p/q/3", "s/t/5"]))
    assert not os.path.exists(os.path.join(root, "p"))
    assert not os.path.exists(os.path.join(root, "s", "t"))
    assert os.path.isfile(os.path.join(root, "s", "4"))
    assert _keys(store) == ["s/4"]


def test_row_read_before_the_lock_is_not_trusted_after_a_put(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch reads every row up front; a PUT that replaces a key between that read and the
    key's lock leaves a row the batch never saw, which it must still forget with the file."""
    from cargobay.s3.store import ObjectMeta

    store.put_bytes("bkt", "k", b"old")
    get_many = store.db.fingerprints_many

    def read_then_put(bucket: str, keys: list[str]) -> dict[str, tuple[bool, Fingerprint]]:
        rows = get_many(bucket, keys)
        store.put_bytes("bkt", "k", b"new", ObjectMeta(user={"v": "new"}))
        return rows

    monkeypatch.setattr(store.db, "fingerprints_many", read_then_put)
    assert all(err is None for _, err in store.delete_many("bkt", ["k"]))
    with pytest.raises(NoSuchKey):
        store.head("bkt", "k")
    assert store.db.get("bkt", "k") is None


def _hold_first_pass(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Make the first pass wait (in its row query) until ``release`` is set; ``entered`` is set
    once it waits."""
    entered, release = threading.Event(), threading.Event()
    fingerprints_many = store.db.fingerprints_many

    def held(bucket: str, keys: list[str]) -> dict[str, tuple[bool, Fingerprint]]:
        if not entered.is_set():
            entered.set()
            assert release.wait(10)
        return fingerprints_many(bucket, keys)

    monkeypatch.setattr(store.db, "fingerprints_many", held)
    return entered, release


def _queued(store: ObjectStore, bucket: str, count: int) -> None:
    deadline = time.monotonic() + 10
    while store.deletes.queued(bucket) < count:
        assert time.monotonic() < deadline, "requests never queued"
        time.sleep(0.001)


def test_concurrent_requests_share_one_pass(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Requests that arrive while a pass runs are served together by the next one: one row query,
    one fsync of their shared directory; each gets exactly its own keys' outcomes, in its order."""
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True))
    try:
        store.create_bucket("bkt")
        keys = [f"d/k{i:03d}" for i in range(40)] + ["keep/x"]
        for key in keys:
            store.put_bytes("bkt", key, b"x")
        entered, release = _hold_first_pass(store, monkeypatch)
        requests = [["d/k000"]] + [[*keys[1 + i : 40 : 8], "d/missing", "y" * 1025] for i in range(8)]
        results: dict[int, list[tuple[str, Any]]] = {}

        def run(i: int) -> None:
            results[i] = store.delete_many("bkt", requests[i])

        first = threading.Thread(target=run, args=(0,))
        first.start()
        assert entered.wait(10)
        others = [threading.Thread(target=run, args=(i,)) for i in range(1, len(requests))]
        for t in others:
            t.start()
        _queued(store, "bkt", len(others))
        before = store.space.dirsync.fsyncs
        release.set()
        for t in [first, *others]:
            t.join(10)
        assert store.deletes.passes == 2  # the held one, then all the others together
        assert store.space.dirsync.fsyncs - before == 2  # d/ for the first pass, the bucket for the second
        for i, request in enumerate(requests):
            assert [k for k, _ in results[i]] == request
            for key, error in results[i]:
                if key.startswith("y"):
                    assert error is not None and error.code == "KeyTooLongError"
                else:
                    assert error is None, (key, error)
        assert _keys(store) == ["keep/x"]
        assert not os.path.exists(os.path.join(store.layout.bucket_dir("bkt"), "d"))
    finally:
        store.close()


def test_a_missing_bucket_fails_only_its_own_requests(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests on a missing bucket get NoSuchBucket; requests on a bucket that exists, queued at
    the same time, get their outcomes."""
    store.put_bytes("bkt", "a", b"1")
    store.put_bytes("bkt", "b", b"2")
    entered, release = _hold_first_pass(store, monkeypatch)
    results: dict[str, Any] = {}

    def run(name: str, bucket: str, keys: list[str]) -> None:
        try:
            results[name] = store.delete_many(bucket, keys)
        except S3Error as exc:
            results[name] = exc

    first = threading.Thread(target=run, args=("first", "bkt", ["a"]))
    first.start()
    assert entered.wait(10)
    others = [
        threading.Thread(target=run, args=(name, bucket, ["b"]))
        for name, bucket in (("missing", "nope"), ("missing too", "nope"), ("present", "bkt"))
    ]
    for t in others:
        t.start()
    _queued(store, "bkt", 1)
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert isinstance(results["missing"], NoSuchBucket) and isinstance(results["missing too"], NoSuchBucket)
    assert results["present"] == [("b", None)] and results["first"] == [("a", None)]
    assert _keys(store) == []


def test_a_key_whose_unlink_is_refused_gets_its_own_error(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the server may not unlink is that key's AccessDenied (another OS error, its
    InternalError); it keeps its file and row, and the other keys are deleted."""
    for key in ("a", "b", "c"):
        store.put_bytes("bkt", key, key.encode())
    unlink = os.unlink

    def refusing(path: str, *args: Any, **kwargs: Any) -> None:
        if path.endswith(os.sep + "b"):
            raise PermissionError(13, "Permission denied", path)
        if path.endswith(os.sep + "c"):
            raise OSError(16, "Device or resource busy", path)
        unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refusing)
    result = dict(store.delete_many("bkt", ["a", "b", "c"]))
    monkeypatch.undo()
    assert result["a"] is None
    assert result["b"] is not None and result["b"].code == "AccessDenied"
    assert result["c"] is not None and result["c"].code == "InternalError"
    assert _keys(store) == ["b", "c"]
    assert store.head("bkt", "b").etag == hashlib.md5(b"b").hexdigest()
    assert store.db.get("bkt", "b") is not None


def test_a_full_metadata_sidecar_is_that_keys_insufficient_storage(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key whose row cannot be deleted because the sidecar's disk is full gets its own
    InsufficientStorage (507), as a single DELETE would; the other keys are deleted."""
    import sqlite3

    for key in ("a", "odd//x"):  # "odd//x" lives in the internal area: its row goes under its lock
        store.put_bytes("bkt", key, b"x")
    delete = store.db.delete

    def full(bucket: str, key: str, *args: Any, **kwargs: Any) -> Any:
        if key == "odd//x":
            raise sqlite3.OperationalError("database or disk is full")
        return delete(bucket, key, *args, **kwargs)

    monkeypatch.setattr(store.db, "delete", full)
    result = dict(store.delete_many("bkt", ["a", "odd//x"]))
    monkeypatch.undo()
    assert result["a"] is None
    assert result["odd//x"] is not None and result["odd//x"].code == "InsufficientStorage"
    assert _keys(store) == ["odd//x"]


def test_a_pass_held_in_one_bucket_does_not_hold_up_another_bucket(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passes are per bucket: a request on another bucket is answered while a pass of the first
    bucket is still under way (a slow disk under one bucket, a large request), instead of
    waiting for that pass to end and being served by the next one."""
    store.create_bucket("other")
    store.put_bytes("bkt", "a", b"1")
    store.put_bytes("other", "b", b"2")
    entered, release = _hold_first_pass(store, monkeypatch)
    results: dict[str, Any] = {}
    answered = threading.Event()

    def run(name: str, bucket: str, keys: list[str]) -> None:
        results[name] = store.delete_many(bucket, keys)
        if name == "other":
            answered.set()

    held = threading.Thread(target=run, args=("held", "bkt", ["a"]))
    held.start()
    try:
        assert entered.wait(10)
        other = threading.Thread(target=run, args=("other", "other", ["b"]))
        other.start()
        assert answered.wait(10), "the other bucket's request waited for the held bucket's pass"
        other.join(10)
        assert results["other"] == [("b", None)]
        assert "held" not in results  # the held pass is still under way
    finally:
        release.set()
        held.join(10)
    assert results["held"] == [("a", None)]
    assert _keys(store) == [] and [e.key for e in store.list("other").entries] == []
