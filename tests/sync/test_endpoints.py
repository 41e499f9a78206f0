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
            remote.write("k", [body[: size // 2], body[size // 2 :]], size=size, mtime_ns=None,
                         expected_md5=md5(body + b"!"), durable=False)
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
