"""Versions on plain files: the interrupted steps a crash or a race can leave, each settled without
losing a version (store/versioning.py's docstring), and object lock in the store."""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cargobay.s3.errors import AccessDenied, MethodNotAllowed, NoSuchKey
from cargobay.s3.store import ObjectMeta, ObjectStore, StoreConfig, reads, versioning

B = "bkt"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ObjectStore]:
    s = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=False))
    s.create_bucket(B)
    s.set_versioning(B, "Enabled")
    yield s
    s.close()


def _read(store: ObjectStore, key: str, version: str | None = None) -> bytes:
    with store.open(B, key, version) as obj:
        return os.pread(obj.fd, obj.info.size + 1, 0)


def _ids(store: ObjectStore, key: str) -> list[str]:
    return [e.version_id for e in store.list_versions(B, prefix=key).entries if e.key == key]


def test_current_is_the_plain_file_and_old_versions_are_renamed_not_copied(store: ObjectStore) -> None:
    first = store.put_bytes(B, "k", b"one")
    path = os.path.join(store.layout.root, B, "k")
    inode = os.stat(path).st_ino
    second = store.put_bytes(B, "k", b"two")
    assert Path(path).read_bytes() == b"two"
    row = store.db.versions_of(B, "k")[0]
    assert row.version_id == first.version_id
    assert os.stat(store.layout.version_path(B, "k", row.seq)).st_ino == inode  # the same inode, moved
    assert _ids(store, "k") == [second.version_id, first.version_id]
    assert second.version_id is not None and first.version_id is not None
    assert second.version_id > first.version_id  # ids sort by creation


def test_a_reader_with_a_stale_stat_does_not_undo_a_concurrent_put(store: ObjectStore) -> None:
    """A reader stats the file, a writer publishes a new version, then the reader settles."""
    v1 = store.put_bytes(B, "k", b"one").version_id
    path = os.path.join(store.layout.root, B, "k")
    stale = os.lstat(path)
    v2 = store.put_bytes(B, "k", b"two").version_id
    store._settle_file(B, "k", path, False, stale)
    assert _ids(store, "k") == [v2, v1]
    assert _read(store, "k") == b"two" and _read(store, "k", v1) == b"one"


# "odd//x" cannot be a path (an empty segment): its bytes live in the internal area, where a file
# no row names is crash debris, not an object. Every interrupted step must settle the same there.
KEYS = ["k", "odd//x"]


def _path(store: ObjectStore, key: str) -> str:
    return store.space.locate(B, key, store.db.get(B, key))[0]


@pytest.mark.parametrize("key", KEYS)
def test_a_put_that_stopped_between_link_and_rename_keeps_its_version_id(store: ObjectStore, key: str) -> None:
    v1 = store.put_bytes(B, key, b"one").version_id
    row = store.db.get(B, key)
    assert row is not None
    link = store.layout.version_path(B, key, row.seq)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.link(_path(store, key), link)  # changes the file's ctime
    assert store.head(B, key).version_id == v1
    assert _ids(store, key) == [v1] and not os.path.exists(link)


@pytest.mark.parametrize("key", KEYS)
def test_an_interrupted_promotion_is_finished(store: ObjectStore, key: str) -> None:
    v1 = store.put_bytes(B, key, b"one").version_id
    path = _path(store, key)
    v2 = store.put_bytes(B, key, b"two").version_id
    older = store.db.versions_of(B, key)[0]
    # The crash: v2 was deleted by id and v1 renamed back over the path; the transaction that
    # makes v1 current never ran.
    store.db.apply(delete_object=(B, key))
    os.rename(store.layout.version_path(B, key, older.seq), path)
    assert v2 not in _ids(store, key)
    assert store.head(B, key).version_id == v1
    assert _ids(store, key) == [v1] and _read(store, key) == b"one"


@pytest.mark.parametrize("key", KEYS)
def test_an_interrupted_delete_marker_is_finished(store: ObjectStore, key: str) -> None:
    v1 = store.put_bytes(B, key, b"one").version_id
    path = _path(store, key)
    marker = store.delete(B, key)
    moved = store.db.versions_of(B, key)[1]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.link(store.layout.version_path(B, key, moved.seq), path)  # the crash: the unlink never ran
    with pytest.raises(NoSuchKey) as err:
        store.head(B, key)
    assert err.value.headers["x-amz-version-id"] == marker.version_id
    assert not os.path.exists(path)
    assert _ids(store, key) == [marker.version_id, v1]


def _latest(store: ObjectStore, key: str) -> tuple[str, bool] | None:
    for e in store.list_versions(B, prefix=key).entries:
        if e.key == key and e.is_latest:
            return e.version_id, e.is_marker
    return None


def test_an_orphan_internal_file_stays_invisible_whatever_touches_the_key(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PUT of an internal key that crashed after its rename, before its row: never acknowledged,
    so never a version. Reads, listings, deletes by id and tag changes all see the marker as
    latest, and a later PUT replaces the orphan instead of keeping it as a noncurrent version.
    (The crash harness once listed the marker as latest, then a delete by id adopted the orphan
    as a newer version, and GET returned it.)"""
    key = "odd//x"
    v1 = store.put_bytes(B, key, b"one").version_id
    v2 = store.put_bytes(B, key, b"two").version_id
    marker = store.delete(B, key).version_id
    orphan = store.layout.internal_path(B, key)
    os.makedirs(os.path.dirname(orphan), exist_ok=True)
    Path(orphan).write_bytes(b"never acknowledged")

    def no_hashing(*_args: object) -> str:
        raise AssertionError("debris is refused by its inode, never hashed")

    monkeypatch.setattr(reads, "md5_of_fd", no_hashing)
    monkeypatch.setattr(versioning, "md5_of_path", no_hashing)
    assert _latest(store, key) == (marker, True)
    with pytest.raises(NoSuchKey):
        store.head(B, key)
    store.delete(B, key, v1)  # settles the key under its lock: must not adopt the orphan
    assert _latest(store, key) == (marker, True)
    with pytest.raises(NoSuchKey):
        store.head(B, key)
    store.set_version_meta(B, key, v2, lambda m: m)
    assert _ids(store, key) == [marker, v2]
    monkeypatch.undo()
    v3 = store.put_bytes(B, key, b"three").version_id
    assert _ids(store, key) == [v3, marker, v2]
    assert _read(store, key) == b"three" and _read(store, key, v2) == b"two"


def test_marker_by_id_is_405_and_deleting_it_restores(store: ObjectStore) -> None:
    v1 = store.put_bytes(B, "dir/k", b"one").version_id
    marker = store.delete(B, "dir/k")
    assert marker.delete_marker and not os.path.exists(os.path.join(store.layout.root, B, "dir"))
    with pytest.raises(MethodNotAllowed) as err:
        store.head(B, "dir/k", marker.version_id)
    assert err.value.headers["x-amz-delete-marker"] == "true"
    store.delete(B, "dir/k", marker.version_id)
    assert _read(store, "dir/k") == b"one" and store.head(B, "dir/k").version_id == v1


def test_object_lock_in_the_store(store: ObjectStore) -> None:
    store.set_object_lock_config(B, {"enabled": True, "rule": {"mode": "GOVERNANCE", "days": 1}})
    locked = store.put_bytes(B, "k", b"one")
    assert locked.meta.lock_mode == "GOVERNANCE" and locked.meta.lock_until is not None
    with pytest.raises(AccessDenied):
        store.delete(B, "k", locked.version_id)
    until = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    compliance = store.put_bytes(B, "c", b"c", ObjectMeta(lock_mode="COMPLIANCE", lock_until=until))
    with pytest.raises(AccessDenied):
        store.delete(B, "c", compliance.version_id, bypass_governance=True)
    store.delete(B, "k")  # a marker is never blocked
    store.close()
    reopened = ObjectStore(store.layout.root, StoreConfig(durable=False))
    try:
        with pytest.raises(AccessDenied):
            reopened.delete(B, "k", locked.version_id)
        reopened.delete(B, "k", locked.version_id, bypass_governance=True)
        assert locked.version_id not in _ids(reopened, "k")
        assert hashlib.md5(_read(reopened, "c", compliance.version_id)).hexdigest() == compliance.etag
    finally:
        reopened.close()
