"""Group commit (store/groupcommit.py): every waiter's row is committed before it returns, rows
share transactions under concurrency, and a failed batch fails every writer in it."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from cargobay._types import Fingerprint
from cargobay.s3.store import ObjectStore, StoreConfig
from cargobay.s3.store.groupcommit import GroupCommit
from cargobay.s3.store.metadb import MetaDB, ObjectRow


def _row(i: int) -> ObjectRow:
    return ObjectRow("b", f"k{i:04d}", False, Fingerprint(i, i, i, i), f"etag{i}", None)


def _committed(path: str, key: str) -> bool:
    """Seen from a fresh connection: the row is in the database, not only queued."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT 1 FROM objects WHERE bucket = 'b' AND key = ?", (key,)).fetchone() is not None


class _SlowDB(MetaDB):
    """A MetaDB whose batches take a while, so writers pile up behind the leader."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.batch_sizes: list[int] = []
        self.fail_next = False
        self.entered = threading.Event()

    def put_batch(self, rows: list[ObjectRow], *, durable: bool) -> None:
        self.entered.set()
        threading.Event().wait(0.02)
        if self.fail_next:
            self.fail_next = False
            raise sqlite3.OperationalError("disk I/O error")
        self.batch_sizes.append(len(rows))
        super().put_batch(rows, durable=durable)


@pytest.mark.parametrize("durable", [True, False])
def test_every_writer_returns_after_its_row_is_committed(tmp_path, durable: bool) -> None:  # type: ignore[no-untyped-def]
    path = os.path.join(tmp_path, "meta.db")
    db = _SlowDB(path)
    commits = GroupCommit(db, durable=durable)
    late: list[str] = []

    def writer(i: int) -> None:
        row = _row(i)
        commits.commit(row)
        if not _committed(path, row.key):
            late.append(row.key)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert late == []
    assert sum(db.batch_sizes) == 40 == commits.rows
    assert len(db.batch_sizes) < 40, "concurrent writers must share transactions"
    assert max(db.batch_sizes) > 1
    assert db.get("b", "k0007") == _row(7)
    db.close()


def test_rows_of_one_key_land_in_queue_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = MetaDB(os.path.join(tmp_path, "meta.db"))
    commits = GroupCommit(db, durable=False)
    tickets = [commits.add(ObjectRow("b", "same", False, Fingerprint(i, i, i, i), f"e{i}", None)) for i in range(5)]
    commits.wait(tickets[0])  # one batch takes everything queued
    assert db.get("b", "same") is not None and db.get("b", "same").etag == "e4"  # type: ignore[union-attr]
    db.close()


def test_failed_batch_fails_its_writers_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = _SlowDB(os.path.join(tmp_path, "meta.db"))
    commits = GroupCommit(db, durable=True)
    db.fail_next = True
    first = commits.add(_row(1))
    second = commits.add(_row(2))
    with pytest.raises(sqlite3.OperationalError):
        commits.wait(first)
    with pytest.raises(sqlite3.OperationalError):
        commits.wait(second)  # same batch: same failure
    commits.commit(_row(3))  # the next batch works
    assert db.get("b", "k0001") is None and db.get("b", "k0003") is not None
    db.close()


def test_store_puts_go_through_group_commit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=True))
    try:
        store.create_bucket("bkt")
        barrier = threading.Barrier(16)

        def put(i: int) -> None:
            barrier.wait()
            store.put_bytes("bkt", f"d{i % 4}/k{i}", b"x" * i)

        threads = [threading.Thread(target=put, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.commits.rows == 16
        assert [e.key for e in store.list("bkt").entries] == sorted(f"d{i % 4}/k{i}" for i in range(16))
        for i in range(16):
            row = store.db.get("bkt", f"d{i % 4}/k{i}")
            assert row is not None and row.fingerprint.size == i
    finally:
        store.close()


def test_named_directories_are_synced_once_per_batch_before_its_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A writer's directory is fsynced before the transaction that holds its row (so a committed
    row never describes a rename that could be lost), once per batch however many writers name it."""
    path = os.path.join(tmp_path, "meta.db")
    events: list[str] = []

    class _RecordingDB(_SlowDB):
        def put_batch(self, rows: list[ObjectRow], *, durable: bool) -> None:
            events.append(f"batch:{len(rows)}")
            super().put_batch(rows, durable=durable)

    def sync_dir(directory: str) -> None:
        events.append(f"sync:{directory}")

    commits = GroupCommit(_RecordingDB(path), durable=True, sync_dir=sync_dir)
    threads = [threading.Thread(target=commits.commit, args=(_row(i), f"/d{i % 2}")) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batches = [i for i, e in enumerate(events) if e.startswith("batch:")]
    assert sum(int(events[i].split(":")[1]) for i in batches) == 30
    start = 0
    for end in batches:
        synced = events[start:end]
        assert len(synced) == len(set(synced)) <= 2  # each directory at most once per batch
        start = end + 1
    assert events[0].startswith("sync:")
    assert len(batches) < 30  # writers shared batches


def test_writers_arriving_over_many_batches_all_return_committed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every writer returns with its row committed (no lost wake-up) while writers keep arriving
    during batches. Who is woken when is the shared passes' business: tests/s3/store/test_batcher.py."""
    path = os.path.join(tmp_path, "meta.db")
    db = _SlowDB(path)
    commits = GroupCommit(db, durable=False)
    late: list[str] = []
    start = threading.Barrier(24)

    def writer(i: int) -> None:
        start.wait()
        for j in range(5):
            threading.Event().wait(0.001 * (i % 7))  # arrivals spread over the batches
            row = _row(i * 10 + j)
            commits.commit(row)
            if not _committed(path, row.key):
                late.append(row.key)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer never woke up"
    assert late == []
    assert commits.rows == 120 and commits.batches < 120
