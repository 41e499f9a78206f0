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
from cargobay.s3.store import ObjectMeta, ObjectStore, StoreConfig

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


def test_a_put_that_stopped_between_link_and_rename_keeps_its_version_id(store: ObjectStore) -> None:
    v1 = store.put_bytes(B, "k", b"one").version_id
    row = store.db.get(B, "k")
    assert row is not None
    link = store.layout.version_path(B, "k", row.seq)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.link(os.path.join(store.layout.root, B, "k"), link)  # changes the file's ctime
    assert store.head(B, "k").version_id == v1
    assert _ids(store, "k") == [v1] and not os.path.exists(link)


def test_an_interrupted_promotion_is_finished(store: ObjectStore) -> None:
    v1 = store.put_bytes(B, "k", b"one").version_id
    store.put_bytes(B, "k", b"two")
    older = store.db.versions_of(B, "k")[0]
    os.rename(store.layout.version_path(B, "k", older.seq), os.path.join(store.layout.root, B, "k"))
    # (the crash: the transaction that makes v1 current never ran)
    assert store.head(B, "k").version_id == v1
    assert _ids(store, "k") == [v1]


def test_an_interrupted_delete_marker_is_finished(store: ObjectStore) -> None:
    v1 = store.put_bytes(B, "k", b"one").version_id
    path = os.path.join(store.layout.root, B, "k")
    marker = store.delete(B, "k")
    moved = store.db.versions_of(B, "k")[1]
    os.link(store.layout.version_path(B, "k", moved.seq), path)  # the crash: the unlink never ran
    with pytest.raises(NoSuchKey) as err:
        store.head(B, "k")
    assert err.value.headers["x-amz-version-id"] == marker.version_id
    assert not os.path.exists(path)
    assert _ids(store, "k") == [marker.version_id, v1]


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
