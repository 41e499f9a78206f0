"""A write that stops between its rename and its row commit (what SIGKILL can leave).

The new bytes are then at the key's path under the previous write's row. The store serves them
(the write may have landed) with a fresh ETag, but never with the previous write's metadata:
its headers and user metadata describe other bytes. Found by the crash harness
(tests/reliability/test_crash.py), where an unacknowledged CopyObject killed after its rename
served an acknowledged PUT's bytes with the metadata of the key's previous write. Each test
stops the write deterministically at that point by failing the commit, then reopens the store
(a restart: nothing in memory survives).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cargobay.s3.store import ObjectMeta, ObjectStore, StoreConfig
from cargobay.s3.store.fsck import Kind, check

B = "bkt"
KEYS = ["doc", "odd//key/"]  # a plain file, and a key kept in the internal area
OLD = ObjectMeta(headers={"content-type": "text/x-old"}, user={"tag": "old"})
NEW = ObjectMeta(headers={"content-type": "text/x-new"}, user={"tag": "new"})


class _Killed(BaseException):
    """The process died here."""


def _die(*_args: object, **_kwargs: object) -> None:
    raise _Killed()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(root: Path) -> Iterator[ObjectStore]:
    s = ObjectStore(str(root), StoreConfig(durable=False))
    s.create_bucket(B)
    yield s
    s.close()


def _restart(store: ObjectStore, root: Path) -> ObjectStore:
    store.close()
    return ObjectStore(str(root), StoreConfig(durable=False))


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _assert_new_bytes_without_old_meta(store: ObjectStore, key: str, body: bytes) -> None:
    with store.open(B, key) as obj:
        info = obj.info
        assert info.etag == _md5(body)
    assert info.meta.user == {}  # the old write's tag would name other bytes
    assert info.meta.headers.get("content-type") != "text/x-old"
    again = store.head(B, key)  # the refreshed row (written by the read above) says the same
    assert (again.etag, dict(again.meta.user)) == (_md5(body), {})
    listed = {e.key: e.etag for e in store.list(B).entries}
    assert listed[key] == _md5(body)


def _put(store: ObjectStore, key: str) -> object:
    return store.put_bytes(B, key, b"new bytes, not acknowledged", NEW)


def _copy(store: ObjectStore, key: str) -> object:
    # The crash harness's case: the copied bytes are another key's acknowledged PUT.
    return store.copy(B, "source", B, key)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    ("write", "body"),
    [(_put, b"new bytes, not acknowledged"), (_copy, b"acknowledged elsewhere")],
    ids=["put", "copy"],
)
def test_write_stopped_after_rename_serves_its_bytes_without_the_previous_writes_metadata(
    store: ObjectStore,
    root: Path,
    key: str,
    write: Callable[[ObjectStore, str], object],
    body: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.put_bytes(B, "source", b"acknowledged elsewhere", NEW)
    store.put_bytes(B, key, b"old bytes", OLD)
    monkeypatch.setattr(store.commits, "commit", _die)
    with pytest.raises(_Killed):
        write(store, key)
    store = _restart(store, root)
    try:
        _assert_new_bytes_without_old_meta(store, key, body)
    finally:
        store.close()


@pytest.mark.parametrize("key", KEYS)
def test_fsck_repair_of_a_put_stopped_after_rename_drops_the_previous_writes_metadata(
    store: ObjectStore, root: Path, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put_bytes(B, key, b"old bytes", OLD)
    monkeypatch.setattr(store.commits, "commit", _die)
    with pytest.raises(_Killed):
        store.put_bytes(B, key, b"new bytes", NEW)
    store.close()
    report = check(str(root), repair=True)
    assert [f.kind for f in report.findings] == [Kind.CHANGED_FILE]
    store = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        _assert_new_bytes_without_old_meta(store, key, b"new bytes")
    finally:
        store.close()


def test_versioned_put_stopped_after_rename_keeps_the_old_version_with_its_metadata(
    store: ObjectStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.set_versioning(B, "Enabled")
    old = store.put_bytes(B, "doc", b"old bytes", OLD)
    monkeypatch.setattr(store.db, "apply", _die)
    with pytest.raises(_Killed):
        store.put_bytes(B, "doc", b"new bytes", NEW)
    monkeypatch.undo()
    store = _restart(store, root)
    try:
        current = store.head(B, "doc")
        assert current.etag == _md5(b"new bytes") and current.meta.user == {}
        assert current.version_id != old.version_id
        assert old.version_id is not None
        kept = store.head(B, "doc", old.version_id)
        assert (kept.etag, dict(kept.meta.user)) == (_md5(b"old bytes"), {"tag": "old"})
    finally:
        store.close()


def test_edit_in_place_keeps_the_headers(store: ObjectStore, root: Path) -> None:
    """The same inode rewritten behind the store's back: still that object, new ETag."""
    store.put_bytes(B, "doc", b"old bytes", OLD)
    with open(root / B / "doc", "r+b") as f:
        f.write(b"NEW")
    info = store.head(B, "doc")
    assert info.etag == _md5(b"NEW bytes")
    assert (dict(info.meta.headers), dict(info.meta.user)) == ({"content-type": "text/x-old"}, {"tag": "old"})
