"""The shared ``syncfs`` (s3/store/fssync.py): who it covers, what it reports, where it is used.

The durability promise rests on one rule: a caller returns only after a ``syncfs`` that *began
after it called* has finished. The tests drive a fake ``syncfs`` that blocks on events, so every
interleaving is forced, not hoped for.
"""

from __future__ import annotations

import errno
import os
import threading

import pytest

from cargobay.s3.store import ObjectStore, StoreConfig
from cargobay.s3.store import fssync as fssync_module
from cargobay.s3.store.fssync import FsSync, filesystem_type, fs_sync_for


class _BlockingSyncfs:
    """A fake ``syncfs``: each call records its number, then waits until released."""

    def __init__(self) -> None:
        self.started: list[threading.Event] = [threading.Event() for _ in range(10)]
        self.release: list[threading.Event] = [threading.Event() for _ in range(10)]
        self.results: dict[int, int] = {}
        self.count = 0

    def __call__(self, fd: int) -> int:
        number = self.count
        self.count += 1
        self.started[number].set()
        assert self.release[number].wait(10)
        return self.results.get(number, 0)


def _returned(thread: threading.Thread) -> bool:
    thread.join(0.05)
    return not thread.is_alive()


def test_a_caller_arriving_during_a_syncfs_waits_for_the_next_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = _BlockingSyncfs()
    fs = FsSync(str(tmp_path), fake)
    try:
        first = threading.Thread(target=fs.sync)
        first.start()
        assert fake.started[0].wait(10)
        late = threading.Thread(target=fs.sync)  # its data may not be in call 0: needs call 1
        late.start()
        fake.release[0].set()
        first.join(10)
        assert not first.is_alive()
        assert fake.started[1].wait(10)  # the late caller leads the next call...
        assert not _returned(late)  # ...and is not covered by the one that began before it
        fake.release[1].set()
        late.join(10)
        assert not late.is_alive()
        assert fake.count == 2
    finally:
        fs.close()


def test_callers_waiting_together_share_one_call(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = _BlockingSyncfs()
    fs = FsSync(str(tmp_path), fake)
    try:
        first = threading.Thread(target=fs.sync)
        first.start()
        assert fake.started[0].wait(10)
        waiters = [threading.Thread(target=fs.sync) for _ in range(8)]
        for t in waiters:
            t.start()
        while fs.waiting < len(waiters):  # all queued behind call 0 before it ends: they need call 1
            threading.Event().wait(0.001)
        fake.release[0].set()
        assert fake.started[1].wait(10)
        fake.release[1].set()
        for t in [first, *waiters]:
            t.join(10)
            assert not t.is_alive()
        assert fake.count == 2  # 9 callers, 2 calls
        assert fs.calls == 2
    finally:
        fs.close()


def test_a_failed_syncfs_fails_exactly_the_callers_it_was_to_cover(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = _BlockingSyncfs()
    fake.results[0] = errno.EIO
    fs = FsSync(str(tmp_path), fake)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            fs.sync()
        except OSError as exc:
            errors.append(exc)

    try:
        first = threading.Thread(target=call)
        first.start()
        assert fake.started[0].wait(10)
        fake.release[0].set()
        first.join(10)
        assert len(errors) == 1 and isinstance(errors[0], OSError) and errors[0].errno == errno.EIO
        fake.release[1].set()
        fs.sync()  # the next call succeeds: its callers are not failed by an older error
        assert len(errors) == 1
    finally:
        fs.close()


def test_the_filesystem_type_is_read_from_the_mount_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not os.path.exists("/proc/self/mountinfo"):
        assert filesystem_type(str(tmp_path)) is None
        return
    assert filesystem_type("/proc") == "proc"
    assert filesystem_type(str(tmp_path)) not in (None, "", "proc")


def test_syncfs_is_used_only_on_trusted_filesystems_and_kernels(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fssync_module, "filesystem_type", lambda path: "nfs4")
    assert fs_sync_for(str(tmp_path)) is None
    monkeypatch.setattr(fssync_module, "filesystem_type", lambda path: "fuse.sshfs")
    assert fs_sync_for(str(tmp_path)) is None
    monkeypatch.setattr(fssync_module, "filesystem_type", lambda path: "ext4")
    monkeypatch.setattr(fssync_module.platform, "release", lambda: "5.4.0-150-generic")
    assert fs_sync_for(str(tmp_path)) is None  # syncfs reports writeback errors only from 5.8
    monkeypatch.setattr(fssync_module.platform, "release", lambda: "6.8.0-1-generic")
    if fssync_module._syncfs_call() is not None:
        fs = fs_sync_for(str(tmp_path))
        assert fs is not None
        fs.sync()  # the real call, on a real directory
        assert fs.calls == 1
        fs.close()


def test_a_durable_put_syncs_its_data_and_its_rename_through_the_shared_call(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Where the shared call is used, a PUT makes one call before its rename (its data) and its
    batch one before the row (the rename), and fsyncs neither its file nor its directory."""
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True, shared_sync=False))
    events: list[str] = []
    store.space.dirsync.fs = FsSync(store.layout.root, lambda fd: events.append("syncfs") or 0)
    real_rename = store.space.rename_into_place

    def rename(*args, **kwargs):  # type: ignore[no-untyped-def]
        events.append("rename")
        return real_rename(*args, **kwargs)

    store.space.rename_into_place = rename  # type: ignore[method-assign]
    fsyncs: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        fsyncs.append(fd)
        real_fsync(fd)

    try:
        store.create_bucket("bkt")
        monkeypatch.setattr(os, "fsync", fsync)
        store.put_bytes("bkt", "a/b", b"payload")
        monkeypatch.undo()
        assert events == ["syncfs", "rename", "syncfs"]
        assert fsyncs == []  # neither the file nor a directory (SQLite syncs its WAL itself)
        assert store.space.dirsync.fsyncs == 0
        with store.open("bkt", "a/b") as obj:
            assert os.pread(obj.fd, 100, 0) == b"payload"
    finally:
        store.close()


def test_the_store_uses_the_shared_call_exactly_where_it_is_trusted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = str(tmp_path / "data")
    os.makedirs(root)
    expected = fs_sync_for(root)
    trusted = expected is not None
    if expected is not None:
        expected.close()
    for shared, durable, wanted in [(True, True, trusted), (False, True, False), (True, False, False)]:
        store = ObjectStore(root, StoreConfig(durable=durable, shared_sync=shared))
        try:
            assert (store.space.dirsync.fs is not None) == wanted, (shared, durable)
        finally:
            store.close()
