"""Deferred release of deleted files (store/release.py): the name goes at once, the blocks later."""

from __future__ import annotations

import os
import threading
import time

import pytest

from cargobay.s3.store import ObjectStore, StoreConfig
from cargobay.s3.store.release import Releaser

needs_o_path = pytest.mark.skipif(not hasattr(os, "O_PATH"), reason="O_PATH is Linux-only")


def _written(path: str, size: int = 8192) -> os.stat_result:
    """A file whose blocks are allocated (fsynced), as a published object's are."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"x" * size)
        os.fsync(fd)
    finally:
        os.close(fd)
    return os.lstat(path)


@needs_o_path
def test_name_goes_at_once_and_blocks_are_released_later(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser()
    paths = [str(tmp_path / f"f{i}") for i in range(50)]
    stats = [_written(p) for p in paths]
    for path, st in zip(paths, stats, strict=True):
        releaser.unlink(path, st)
        assert not os.path.lexists(path)
    assert releaser.deferred == 50
    releaser.close()
    assert releaser.pending() == 0
    assert _held_under(str(tmp_path)) == []  # every descriptor closed: the blocks are free


def _held_under(directory: str) -> list[str]:
    """What this process still holds open below ``directory`` (unlinked files show as
    "... (deleted)")."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(directory + os.sep):
            held.append(target)
    return held


@needs_o_path
def test_over_the_limit_the_caller_releases(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser(limit=0)
    path = str(tmp_path / "f")
    releaser.unlink(path, _written(path))
    assert not os.path.lexists(path)
    assert releaser.deferred == 0 and releaser.pending() == 0
    releaser.close()


def test_files_without_blocks_and_symlinks_are_unlinked_directly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    target = tmp_path / "target"
    target.write_bytes(b"keep me")
    link = tmp_path / "link"
    link.symlink_to(target)
    releaser.unlink(str(empty), os.lstat(empty))
    releaser.unlink(str(link), os.lstat(link))
    assert not os.path.lexists(empty) and not os.path.lexists(link)
    assert target.read_bytes() == b"keep me"  # a symlink is removed itself, never its target
    assert releaser.deferred == 0
    releaser.close()


def test_a_failed_unlink_raises_and_holds_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser()
    path = str(tmp_path / "f")
    st = _written(path)
    os.unlink(path)
    with pytest.raises(FileNotFoundError):
        releaser.unlink(path, st)
    assert releaser.pending() == 0
    releaser.close()


@needs_o_path
def test_rmdir_of_a_directory_whose_files_are_still_held(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The emptied directory goes while its files' descriptors are still queued or closing."""
    releaser = Releaser(workers=2)
    directory = tmp_path / "d"
    directory.mkdir()
    paths = [str(directory / f"f{i}") for i in range(200)]
    stats = [_written(p, 4096) for p in paths]
    for path, st in zip(paths, stats, strict=True):
        releaser.unlink(path, st)
    releaser.rmdir(str(directory))
    assert not directory.exists()
    (tmp_path / "kept").write_bytes(b"k")
    with pytest.raises(OSError):
        releaser.rmdir(str(tmp_path))  # not empty: the error of os.rmdir, closes resume
    assert (tmp_path / "kept").exists()
    releaser.close()
    assert releaser.pending() == 0


@needs_o_path
def test_concurrent_unlinks_and_rmdirs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser(workers=4, limit=64)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for round_ in range(5):
                directory = tmp_path / f"w{n}-{round_}"
                directory.mkdir()
                paths = [str(directory / f"f{i}") for i in range(40)]
                for path in paths:
                    releaser.unlink(path, _written(path, 4096))
                releaser.rmdir(str(directory))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    releaser.close()
    assert errors == []
    assert os.listdir(tmp_path) == []
    assert releaser.pending() == 0


def test_store_close_releases_everything(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True))
    store.create_bucket("bkt")
    keys = [f"p/k{i}" for i in range(30)]
    for key in keys:
        store.put_bytes("bkt", key, b"y" * 5000)
    assert all(err is None for _, err in store.delete_many("bkt", keys))
    assert not os.path.exists(os.path.join(store.layout.bucket_dir("bkt"), "p"))  # pruned at once
    store.close()
    assert store.space.releaser.pending() == 0


def test_single_delete_is_durable_before_it_returns(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """DeleteObject, like DeleteObjects, makes its unlink durable (a directory fsync) before it
    returns when the store is durable; the pruned prefix's parent is synced instead of it."""
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True))
    try:
        store.create_bucket("bkt")
        store.put_bytes("bkt", "p/k1", b"x" * 5000)
        store.put_bytes("bkt", "p/k2", b"x" * 5000)
        synced: list[str] = []
        sync = store.space.dirsync.sync

        def recording_sync(directory: str) -> None:
            synced.append(directory)
            sync(directory)

        monkeypatch.setattr(store.space.dirsync, "sync", recording_sync)
        bucket_dir = store.layout.bucket_dir("bkt")
        store.delete("bkt", "p/k1")
        assert synced == [os.path.join(bucket_dir, "p")]  # p/ itself
        store.delete("bkt", "p/k2")  # p/ is pruned: the bucket directory is synced
        assert synced == [os.path.join(bucket_dir, "p"), bucket_dir]
        assert not os.path.exists(os.path.join(bucket_dir, "p"))
        store.delete("bkt", "missing")  # nothing unlinked, nothing to sync
        assert len(synced) == 2
    finally:
        store.close()


@needs_o_path
def test_closers_wait_for_the_end_of_a_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser(limit=1000)
    try:
        with releaser.holding():
            for i in range(40):
                path = str(tmp_path / f"f{i}")
                releaser.unlink(path, _written(path))
            time.sleep(0.2)  # closers that ran now would have closed some
            assert releaser.pending() == 40
            assert len(_held_under(str(tmp_path))) == 40
        deadline = time.monotonic() + 10
        while releaser.pending() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert releaser.pending() == 0
        assert _held_under(str(tmp_path)) == []
    finally:
        releaser.close()


@needs_o_path
def test_a_large_backlog_is_closed_even_while_a_batch_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser(limit=40)
    try:
        with releaser.holding():
            for i in range(30):  # past half of the limit
                path = str(tmp_path / f"f{i}")
                releaser.unlink(path, _written(path))
            deadline = time.monotonic() + 10
            while releaser.pending() > 19 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert releaser.pending() <= 19  # closed down to below half, the batch still running
            assert releaser.deferred == 30  # none was closed by the caller
    finally:
        releaser.close()
    assert _held_under(str(tmp_path)) == []


@needs_o_path
def test_close_frees_what_a_running_batch_holds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    releaser = Releaser(limit=1000)
    with releaser.holding():
        for i in range(20):
            path = str(tmp_path / f"f{i}")
            releaser.unlink(path, _written(path))
        releaser.close()
        assert releaser.pending() == 0
    assert _held_under(str(tmp_path)) == []
