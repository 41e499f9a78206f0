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


def test_a_writer_alone_fsyncs_its_own_file_and_directory(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """One client writing one object at a time pays what it paid before and flushes nothing of
    anyone else's: its file's fsync, its directory's fsync, no ``syncfs``."""
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True, shared_sync=False))
    calls: list[int] = []
    store.space.dirsync.fs = FsSync(store.layout.root, lambda fd: calls.append(fd) or 0)
    fsyncs: list[int] = []
    real_fsync = os.fsync
    try:
        store.create_bucket("bkt")
        monkeypatch.setattr(os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
        store.put_bytes("bkt", "a/b", b"payload")
        monkeypatch.undo()
        assert calls == []
        assert len(fsyncs) == 2  # the file, then its directory (SQLite syncs its WAL itself)
        assert store.space.dirsync.fsyncs == 1
    finally:
        store.close()


def test_a_writer_arriving_while_another_syncs_shares_a_syncfs_before_its_rename(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """While one writer fsyncs its file, a second makes its data durable with a ``syncfs`` that
    began after it wrote, and renames only after that call has finished."""
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True, shared_sync=False))
    events: list[str] = []
    store.space.dirsync.fs = FsSync(store.layout.root, lambda fd: events.append("syncfs") or 0)
    real_rename = store.space.rename_into_place

    def rename(bucket: str, key: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        events.append(f"rename {key}")
        return real_rename(bucket, key, *args, **kwargs)

    store.space.rename_into_place = rename  # type: ignore[method-assign]
    in_fsync, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def slow_first_fsync(fd: int) -> None:
        if not in_fsync.is_set():
            in_fsync.set()
            assert release.wait(10)
        real_fsync(fd)

    try:
        store.create_bucket("bkt")
        monkeypatch.setattr(os, "fsync", slow_first_fsync)
        first = threading.Thread(target=store.put_bytes, args=("bkt", "first", b"1"))
        first.start()
        assert in_fsync.wait(10)  # the first writer is alone: its own fsync
        store.put_bytes("bkt", "second", b"2")  # not alone: the shared call
        assert events[:2] == ["syncfs", "rename second"]
        release.set()
        first.join(10)
        assert not first.is_alive()
        monkeypatch.undo()
        assert "rename first" in events
        for key, body in (("first", b"1"), ("second", b"2")):
            with store.open("bkt", key) as obj:
                assert os.pread(obj.fd, 10, 0) == body
    finally:
        release.set()
        store.close()


def test_a_batch_of_several_directories_makes_one_syncfs_and_one_directory_makes_an_fsync(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cargobay.s3.store.dirsync import DirSync

    calls: list[int] = []
    sync = DirSync(FsSync(str(tmp_path), lambda fd: calls.append(fd) or 0))
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    sync.sync_all([str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "a")])
    assert (len(calls), sync.fsyncs) == (1, 0)
    sync.sync_all([str(tmp_path / "a"), str(tmp_path / "a")])
    assert (len(calls), sync.fsyncs) == (1, 1)
    sync.sync_all([])
    assert (len(calls), sync.fsyncs) == (1, 1)


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


def test_files_and_directories_on_another_filesystem_keep_their_fsyncs(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A bucket may be another filesystem mounted inside the data directory: a syncfs of the data
    directory's filesystem does not reach it, so its files and directories are fsynced."""
    from cargobay.s3.store.dirsync import DirSync

    calls: list[int] = []
    fs = FsSync(str(tmp_path), lambda fd: calls.append(fd) or 0)
    fs.dev = -1  # as if tmp_path were on another filesystem than the data directory
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fd = os.open(tmp_path / "a" / "f", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fs.sync_data(fd)
        assert calls == [] and fsyncs == [fd]
    finally:
        os.close(fd)
    sync = DirSync(fs)
    assert sync.sync_shared([str(tmp_path / "a"), str(tmp_path / "b")]) == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert calls == []
    fs.dev = os.stat(tmp_path).st_dev
    assert sync.sync_shared([str(tmp_path / "a"), str(tmp_path / "b")]) == []
    assert len(calls) == 1
    fs.close()
