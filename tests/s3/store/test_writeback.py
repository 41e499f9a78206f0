"""Write-behind is a hint: it never changes bytes, never raises, and is a no-op where it cannot work;
a streamed body's writes start it once they add up to MIN_RANGE."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, cast

import pytest

from cargobay.s3.store import writeback


def test_available_on_linux() -> None:
    assert sys.platform.startswith("linux") == writeback.AVAILABLE


def test_bytes_unchanged_and_bad_descriptors_ignored(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(str(tmp_path), "f")
    data = os.urandom(3 * writeback.MIN_RANGE + 123)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        writeback.start_writeback(fd, 0, len(data))
        writeback.start_writeback(fd, writeback.MIN_RANGE, writeback.MIN_RANGE)
        writeback.start_writeback(fd, 0, 10)  # below MIN_RANGE: nothing to do
        os.fsync(fd)
    finally:
        os.close(fd)
    with open(path, "rb") as f:
        assert f.read() == data
    writeback.start_writeback(-1, 0, writeback.MIN_RANGE)
    writeback.start_writeback(fd, 0, writeback.MIN_RANGE)  # closed descriptor: EBADF, ignored


@pytest.mark.skipif(not writeback.AVAILABLE, reason="sync_file_range is Linux-only")
def test_a_durable_multipart_completion_and_large_put_keep_their_bytes(tmp_path: os.PathLike[str]) -> None:
    from cargobay.s3.store import ObjectMeta, ObjectStore, StoreConfig

    store = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=True, min_part_size=1))
    try:
        store.create_bucket("bkt")
        body = os.urandom(2 * writeback.MIN_RANGE + 5)
        pending = store.begin_put("bkt", "big")
        for i in range(0, len(body), writeback.MIN_RANGE):
            pending.write(body[i : i + writeback.MIN_RANGE])
        pending.commit(ObjectMeta())
        with store.open("bkt", "big") as obj:
            assert os.pread(obj.fd, len(body) + 1, 0) == body
        upload = store.multipart.create("bkt", "mp")
        from cargobay.s3.store.multipart import CompletedPart

        halves = [body[: writeback.MIN_RANGE + 1], body[writeback.MIN_RANGE + 1 :]]
        done = [
            store.multipart.put_part_bytes("bkt", "mp", upload.upload_id, n, half) for n, half in enumerate(halves, 1)
        ]
        store.multipart.complete("bkt", "mp", upload.upload_id, [CompletedPart(p.part_number, p.etag) for p in done])
        with store.open("bkt", "mp") as obj:
            assert os.pread(obj.fd, len(body) + 1, 0) == body
    finally:
        store.close()


class _File:
    """A TargetFile that only counts bytes."""

    fd = 7

    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)

    def writev(self, buffers: Sequence[bytes | bytearray | memoryview]) -> None:
        self.written += sum(map(len, buffers))

    def abort(self) -> None:
        pass


@pytest.mark.parametrize("durable", [True, False], ids=["durable", "no-fsync"])
def test_small_batches_add_up_to_write_behind_ranges(monkeypatch: pytest.MonkeyPatch, durable: bool) -> None:
    # A crowded server streams bodies in 512 KiB batches (s3/http/body.py): each one alone is
    # below MIN_RANGE, so writeback is started for every MIN_RANGE they add up to, from the
    # body's offset in its file, and nothing is started when nothing is fsynced.
    from cargobay.s3.store import pending as pending_module
    from cargobay.s3.store.pending import PendingPut

    started: list[tuple[int, int, int]] = []
    monkeypatch.setattr(
        pending_module, "start_writeback", lambda fd, offset, count: started.append((fd, offset, count))
    )
    half = writeback.MIN_RANGE // 2
    put = PendingPut(cast(Any, None), _File(), "bkt", "key", durable=durable, base=1000)
    for _ in range(5):
        put.write_many([b"x" * (half - 10), b"y" * 10])
    put.write(b"z" * (writeback.MIN_RANGE + 1))
    want = [(7, 1000, writeback.MIN_RANGE), (7, 1000 + writeback.MIN_RANGE, writeback.MIN_RANGE)]
    want.append((7, 1000 + 2 * writeback.MIN_RANGE, half + writeback.MIN_RANGE + 1))
    assert started == (want if durable else [])
    assert put.size == 5 * half + writeback.MIN_RANGE + 1
