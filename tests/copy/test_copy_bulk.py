"""Big files copied by helper threads (``copy/bulk.py``): exact, counted once, failures and
Ctrl-C handled like any other file's."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cargobay import copy as cb
from cargobay.copy import batches, fresh, schedule, writer
from cargobay.copy.bulk import LONG_COPY, BulkCopier
from cargobay.errors import Interrupted
from cargobay.testing.trees import DirSpec, FileSpec, HardLinkSpec, Spec, compare_trees, temp_files, write_tree

BIG = LONG_COPY + 4097

MODEL: dict[str, Spec] = {
    "a": DirSpec(mode=0o750, mtime_ns=1_000_000_001),
    "b": DirSpec(),
    **{f"a/big{i}": FileSpec(bytes([i]) * BIG, mode=0o640, xattrs=(("user.k", b"%d" % i),)) for i in range(4)},
    **{f"b/small{i}": FileSpec(b"s%d" % i) for i in range(40)},
    "b/big-link": HardLinkSpec("a/big0"),  # a later member of a big file's link group
    "b/sparse": FileSpec(b"x", hole_before=4 * LONG_COPY),  # big by size, one block of data
}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    write_tree(MODEL, str(root))
    return root


@pytest.mark.parametrize("workers", [2, 4])
def test_big_files_on_helpers_copy_exactly_and_count_once(src: Path, tmp_path: Path, workers: int) -> None:
    report = cb.copytree(src, tmp_path / "dst", workers=workers)
    assert report.ok, report.errors
    assert not compare_trees(str(src), str(tmp_path / "dst"), holes=True)
    assert (report.files, report.hardlinks) == (45, 1)
    assert report.bytes == sum(os.lstat(src / rel).st_size for rel in MODEL if rel.startswith(("a/big", "b/s")))
    assert os.lstat(tmp_path / "dst" / "b" / "big-link").st_ino == os.lstat(tmp_path / "dst" / "a" / "big0").st_ino


def test_a_failing_big_file_is_reported_and_its_link_group_not_linked(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batches.BatchRunner._write
    on: set[str] = set()

    def failing(self: batches.BatchRunner, rel: str, *args: Any) -> int:
        on.add(threading.current_thread().name)
        if rel in ("a/big0", "b/big-link"):  # whichever of the link group is copied
            raise PermissionError(13, "Permission denied")
        return real(self, rel, *args)

    monkeypatch.setattr(batches.BatchRunner, "_write", failing)
    report = cb.copytree(src, tmp_path / "dst", workers=2)
    assert any(name.startswith("cargobay-bulk") for name in on)  # the helper path ran
    failed = {e.operation: e.rel for e in report.errors}
    assert len(report.errors) == 2 and set(failed.values()) == {"a/big0", "b/big-link"}, report.errors
    assert set(failed) == {"copy", "hardlink"}
    assert not (tmp_path / "dst" / "a" / "big0").exists() and not (tmp_path / "dst" / "b" / "big-link").exists()
    assert (tmp_path / "dst" / "a" / "big1").read_bytes() == bytes([1]) * BIG
    assert temp_files(str(tmp_path / "dst")) == []


def test_ctrl_c_in_a_helper_stops_the_run_and_leaves_only_whole_files(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batches.BatchRunner._write

    def interrupted(self: batches.BatchRunner, rel: str, *args: Any) -> int:
        # The first offer finds the queue empty, so some big file always runs on a helper.
        if threading.current_thread().name.startswith("cargobay-bulk"):
            raise KeyboardInterrupt
        return real(self, rel, *args)

    monkeypatch.setattr(batches.BatchRunner, "_write", interrupted)
    dst = tmp_path / "dst"
    with pytest.raises(Interrupted) as caught:
        cb.copytree(src, dst, workers=2)
    assert caught.value.report.interrupted
    for rel in MODEL:
        path = dst / rel
        if isinstance(MODEL[rel], FileSpec) and path.exists():
            assert path.read_bytes() == (src / rel).read_bytes(), rel
    assert temp_files(str(dst)) == []
    monkeypatch.undo()
    report = cb.copytree(src, dst, workers=2, dirs_exist_ok=True)  # the rerun finishes the job
    assert report.ok
    assert not compare_trees(str(src), str(dst), holes=True)


def test_offers_beyond_the_helpers_are_refused_and_a_stop_drops_queued_jobs() -> None:
    bulk = BulkCopier(1)
    gate, started = threading.Event(), threading.Event()
    dropped: list[str] = []
    ran: list[str] = []

    def blocking() -> None:
        started.set()
        gate.wait(10)
        ran.append("first")

    assert bulk.offer(blocking, lambda: dropped.append("first"))
    assert started.wait(10)  # the helper is busy with the first job
    assert bulk.offer(lambda: ran.append("second"), lambda: dropped.append("second"))
    assert not bulk.offer(lambda: ran.append("third"), lambda: dropped.append("third"))  # the helper is behind
    bulk.stop()
    assert dropped == ["second"]
    gate.set()
    bulk.join()
    assert ran == ["first"]
    assert not bulk.offer(lambda: None, lambda: None)  # stopped: the caller does the work


def test_a_base_exception_in_a_job_is_raised_by_join_and_later_jobs_are_dropped() -> None:
    bulk = BulkCopier(1)
    gate, started = threading.Event(), threading.Event()
    dropped: list[int] = []

    def stop_everything() -> None:
        started.set()
        gate.wait(10)
        raise KeyboardInterrupt

    assert bulk.offer(stop_everything, lambda: dropped.append(0))
    assert started.wait(10)
    assert bulk.offer(lambda: None, lambda: dropped.append(1))
    gate.set()
    with pytest.raises(KeyboardInterrupt):
        bulk.join()
    assert dropped == [1]


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_while_the_worker_waits_for_the_helpers_reveals_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signals: int
) -> None:
    """A fresh copy's last big files are still being written by a helper when the worker, its own
    work done, waits for the helpers (``BulkCopier.join``); a SIGINT lands there. The tree must
    not be renamed into place until that file is whole: after one SIGINT the wait goes on, after
    a second the tree stays under its temp name. (Seen once by hand: ``cargobay copy`` of
    2,400 x 1 MiB, one SIGINT 0.6 s in, left f2392 short under its name.)"""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    data = {f"f{i}": os.urandom(BIG) for i in range(4)}
    for name, content in data.items():
        (src / name).write_bytes(content)
    real_fill, real_run, real_stop = writer.FileWriter._fill, schedule.WorkQueue.run, BulkCopier.stop
    half_written, queue_done, stopped, release = (threading.Event() for _ in range(4))

    def fill(self: writer.FileWriter, sfd: int, dfd: int, st: os.stat_result) -> int:
        if not threading.current_thread().name.startswith("cargobay-bulk") or half_written.is_set():
            return real_fill(self, sfd, dfd, st)
        half = os.write(dfd, os.read(sfd, BIG // 2))  # half the file under its name, in the hidden tree
        half_written.set()
        release.wait(30)
        return half + real_fill(self, sfd, dfd, st)  # both positions are at the half

    def run(self: schedule.WorkQueue, *args: Any, **kwargs: Any) -> None:
        real_run(self, *args, **kwargs)
        queue_done.set()  # the worker goes on to wait for the helpers

    def stop(self: BulkCopier) -> None:
        real_stop(self)
        stopped.set()

    seen: list[tuple[str, int]] = []  # (name, size) of every file seen under the real tree

    def interrupt() -> None:
        try:
            if not (half_written.wait(30) and queue_done.wait(30)):
                return
            os.kill(os.getpid(), signal.SIGINT)
            if signals == 2 and stopped.wait(30):  # the first was taken: queued jobs dropped
                os.kill(os.getpid(), signal.SIGINT)
            deadline = time.monotonic() + 2  # time for the worker to take the signal and, wrongly, reveal
            while time.monotonic() < deadline and not dst.exists():
                time.sleep(0.001)
            if dst.exists():
                seen.extend((p.name, p.stat().st_size) for p in dst.iterdir())
        finally:
            release.set()  # the helper finishes its file (after one SIGINT the worker waits for it)

    monkeypatch.setattr(writer.FileWriter, "_fill", fill)
    monkeypatch.setattr(schedule.WorkQueue, "run", run)
    monkeypatch.setattr(BulkCopier, "stop", stop)
    monkeypatch.setattr(fresh, "start_split", lambda engine: None)  # one process: a flat tree anyway
    old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    trigger = threading.Thread(target=interrupt)
    trigger.start()
    try:
        with pytest.raises(Interrupted) as caught:
            cb.copytree(src, dst, workers=2)
    finally:
        trigger.join()
        signal.signal(signal.SIGINT, old_handler)
        for t in threading.enumerate():
            if t.name.startswith("cargobay-bulk"):
                t.join(30)
    assert half_written.is_set() and queue_done.is_set()
    assert [s for s in seen if s[1] != BIG] == []  # nothing short under its real name, ever
    report = caught.value.report
    if signals == 2:
        [hidden] = [p for p in tmp_path.iterdir() if p.name not in ("src", "dst")]
        assert not dst.exists() and [(e.rel, e.operation) for e in report.errors] == [(".", "rename into place")]
        assert "stopped while files were being written" in report.errors[0].message
        assert str(hidden) in report.errors[0].message
        dst = hidden  # whole files there too, once the helper is done
    else:
        assert report.errors == () and sorted(os.listdir(tmp_path)) == ["dst", "src"]
    copied = sorted(os.listdir(dst))
    assert report.files + (signals == 2) == len(copied) >= 2  # the helper's file counts once it ends
    for name in copied:
        assert (dst / name).read_bytes() == data[name], name
    assert temp_files(str(dst)) == []
