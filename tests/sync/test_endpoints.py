"""What the endpoints offer (:mod:`cargobay.sync.endpoints`): the optional transfers say "can't"
across kinds, and the general way (``open_read`` into ``write``) carries a file exactly when no
faster way is offered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.sync.conftest import client, md5, new_bucket, remote_state, settings

from cargobay.select import Selection
from cargobay.sync import LocalDir, S3Prefix, SyncOptions, sync
from cargobay.sync.endpoints import CANT, ChecksumMismatch, LocalFile, SourceChanged
from cargobay.sync.model import Entry, MiB
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint


class PlainDir(LocalDir):
    """A local directory that offers no file upload: the executor must stream its files."""

    def local_file(self, entry: Entry) -> LocalFile | None:
        return None


def test_optional_transfers_say_cant_across_kinds(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    local = LocalDir(str(tmp_path))
    remote = S3Prefix(None, "bucket", "p")
    entry = next(local.list(Selection(ignore_file_name=None), errors=[]))
    assert remote.copy_from(local, entry, durable=False) is CANT
    assert local.copy_from(remote, entry, durable=False) is CANT
    assert remote.local_file(entry) is None
    file = local.local_file(entry)
    assert file is not None
    assert local.upload_file(file, "f") is CANT
    assert (file.path, file.size, file.md5) == (str(tmp_path / "f"), 1, md5(b"x")) and file.unchanged()


def test_a_source_without_file_upload_is_streamed_exactly(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    src.mkdir()
    small, large = b"small body", os.urandom(6 * MiB + 3)  # one PutObject; multipart (5 MiB parts)
    (src / "a").write_bytes(small)
    (src / "d").mkdir()
    (src / "d" / "b").write_bytes(large)
    for name in ("a", "d/b"):
        os.utime(src / name, ns=(1_600_000_000_123_456_789, 1_600_000_000_123_456_789))
    options = SyncOptions(part_size=5 * MiB)
    report = sync(PlainDir(str(src)), f"s3://{bucket}/p", s3=settings(endpoint), options=options)
    assert report.ok and report.transferred == ["a", "d/b"] and report.bytes_transferred == len(small) + len(large)
    stored = remote_state(endpoint, bucket, "p")
    assert {rel: body for rel, (_etag, body, _meta) in stored.items()} == {"a": small, "d/b": large}
    for _etag, _body, metadata in stored.values():
        assert metadata["mtime"] == "1600000000.123456789"  # rclone's X-Amz-Meta-Mtime
    # What was stored compares equal to the source: a sync with the file upload sends nothing.
    again = sync(str(src), f"s3://{bucket}/p", s3=settings(endpoint), options=options)
    assert again.ok and again.transferred == []


@pytest.mark.parametrize("size", [10, 6 * MiB])
def test_s3_write_keeps_nothing_that_does_not_match_its_md5(cargobay_endpoint: Endpoint, size: int) -> None:
    bucket = new_bucket(cargobay_endpoint)
    remote = S3Prefix(client(cargobay_endpoint), bucket, part_size=5 * MiB)
    body = os.urandom(size)
    try:
        with pytest.raises(ChecksumMismatch):
            remote.write(
                "k",
                [body[: size // 2], body[size // 2 :]],
                size=size,
                mtime_ns=None,
                expected_md5=md5(body + b"!"),
                durable=False,
            )
    finally:
        remote.close()
    assert boto3_client(cargobay_endpoint).list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_local_open_read_notices_a_file_changed_while_read(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"a" * (3 << 20))
    local = LocalDir(str(tmp_path))
    info, chunks = local.open_read("f")
    assert info.size == 3 << 20 and info.mtime_ns == (tmp_path / "f").stat().st_mtime_ns
    next(chunks)
    with open(tmp_path / "f", "ab") as fh:
        fh.write(b"more")
    with pytest.raises(SourceChanged):
        list(chunks)


def test_checksum_hashes_are_read_by_worker_processes_and_recorded(
    cargobay_endpoint: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cargobay.sync.hashing import HashProcesses

    if not HashProcesses.available():
        pytest.skip("worker processes hash only on Linux with more than one CPU")
    batches: list[int] = []
    real = HashProcesses.hash

    def counted(self: HashProcesses, jobs: list[tuple[str, tuple[int, ...]]]) -> list[object]:
        batches.append(len(jobs))
        return real(self, jobs)  # type: ignore[return-value]

    monkeypatch.setattr(HashProcesses, "hash", counted)
    bucket = new_bucket(cargobay_endpoint)
    src = tmp_path / "src"
    for i in range(600):
        (src / f"d{i % 7}").mkdir(parents=True, exist_ok=True)
        (src / f"d{i % 7}" / f"f{i:04d}").write_bytes(b"%d" % i * 50)
    state = str(tmp_path / "state")
    assert sync(str(src), f"s3://{bucket}", s3=settings(cargobay_endpoint), state_dir=state).ok
    edited = src / "d3" / "f0150"
    st = edited.stat()
    edited.write_bytes(edited.read_bytes().replace(b"150", b"151", 1))  # same size, mtime put back
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns))
    batches.clear()
    report = sync(
        str(src), f"s3://{bucket}", s3=settings(cargobay_endpoint), state_dir=state, options=SyncOptions(checksum=True)
    )
    assert report.ok and report.transferred == ["d3/f0150"] and report.skipped_unchanged == 599
    assert sum(batches) == 600  # every hash went to the worker processes
    assert remote_state(cargobay_endpoint, bucket)["d3/f0150"][1] == edited.read_bytes()


def test_worker_processes_report_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    from cargobay.sync.hashing import HashProcesses
    from cargobay.sync.model import Fact, Need, Side

    if not HashProcesses.available():
        pytest.skip("worker processes hash only on Linux with more than one CPU")
    (tmp_path / "a").write_bytes(b"aaa")
    (tmp_path / "c").write_bytes(b"ccc")
    local = LocalDir(str(tmp_path), trust_cache=False)  # --checksum: hashed by worker processes
    listed = {e.path: e for e in local.list(Selection(ignore_file_name=None), errors=[])}
    gone = Entry("b", 3, 0, None, None, None, True)
    need = Need(Side.SRC, Fact.MD5)
    local.start()
    assert local._processes is not None and local._processes._workers
    try:
        got = local.fetch_many([(listed["a"], need), (gone, need), (listed["c"], need), (Entry("..", 1), need)])
    finally:
        local.close()
    assert [type(g).__name__ for g in got] == ["Entry", "FileNotFoundError", "Entry", "SyncError"]
    assert (got[0].md5, got[2].md5) == (md5(b"aaa"), md5(b"ccc"))  # type: ignore[union-attr]


def test_hash_processes_survive_a_dead_worker_and_reap_every_worker(tmp_path: Path) -> None:
    import signal

    from cargobay.sync.hashing import HashProcesses

    if not HashProcesses.available():
        pytest.skip("worker processes hash only on Linux with more than one CPU")
    for i in range(3):
        (tmp_path / f"f{i}").write_bytes(b"x" * (i + 1) * 5000)
    jobs: list[tuple[str, tuple[int, ...]]] = [(str(tmp_path / f"f{i}"), ()) for i in range(3)]
    jobs.append((str(tmp_path / "missing"), ()))
    processes = HashProcesses()
    processes.start()
    try:
        first = processes.hash(jobs)
        assert [r[1] for r in first[:3]] == [md5(b"x" * (i + 1) * 5000) for i in range(3)]  # type: ignore[index]
        assert isinstance(first[3], FileNotFoundError) and "missing" in str(first[3])
        pids = [w.pid for w in processes._workers]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)  # every worker gone: the caller's thread hashes instead
        assert processes.hash(jobs)[:3] == first[:3]
    finally:
        processes.close()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind
