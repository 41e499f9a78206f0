"""Sync between a local tree and S3 (cargobay and moto): examples for each promise of the sync docs."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from tests.sync.conftest import client, local_files, md5, new_bucket, remote_state, settings

from cargobay.s3.etag import md5_hex, multipart_etag
from cargobay.sync import LocalDir, S3Prefix, SyncOptions, plan_sync, sync
from cargobay.sync.model import Entry, MiB
from cargobay.sync.state import StateCache
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint


def write(root: Path, rel: str, data: bytes, mtime_ns: int | None = 1_600_000_000_123_456_789) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    if mtime_ns is not None:
        os.utime(p, ns=(mtime_ns, mtime_ns))


def stealth_edit(path: Path) -> None:
    """Change one byte, keep the size, put the mtime back."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[0] = (data[0] + 1) % 256
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns and path.stat().st_size == st.st_size


def test_same_size_edit_with_mtime_restored_is_uploaded(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src, state = tmp_path / "src", str(tmp_path / "state")
    write(src, "doc.txt", b"version one")
    write(src, "other.txt", b"unchanged")
    first = sync(str(src), f"s3://{bucket}/p", s3=settings(endpoint), state_dir=state)
    assert first.ok and sorted(first.transferred) == ["doc.txt", "other.txt"]
    stealth_edit(src / "doc.txt")
    second = sync(str(src), f"s3://{bucket}/p", s3=settings(endpoint), state_dir=state)
    assert second.transferred == ["doc.txt"] and second.skipped_unchanged == 1
    assert remote_state(endpoint, bucket, "p")["doc.txt"][1] == (src / "doc.txt").read_bytes()


def test_upload_metadata_is_rclone_mtime_and_md5chksum(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    write(tmp_path / "s", "a", b"abc", mtime_ns=1_600_000_000_500_000_000)
    assert sync(str(tmp_path / "s"), f"s3://{bucket}", s3=settings(endpoint)).ok
    etag, _body, meta = remote_state(endpoint, bucket)["a"]
    assert etag == md5(b"abc")
    assert meta == {"mtime": "1600000000.5", "md5chksum": base64.b64encode(bytes.fromhex(md5(b"abc"))).decode()}


def test_no_change_resync_reads_no_file_when_the_cache_is_trusted(
    endpoint: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    for i in range(20):
        write(src, f"d{i % 3}/f{i}", os.urandom(100 + i))
    # A clock 10 s ahead stands for "the files were last changed long before this sync"
    # (beyond the racy window); a real run gets there by time passing.
    ahead = lambda: __import__("time").time_ns() + 10 * 10**9  # noqa: E731
    cache = StateCache(str(tmp_path / "state"), clock=ahead)
    local = LocalDir(str(src), state=cache.root(str(src)))
    assert sync(local, f"s3://{bucket}", s3=settings(endpoint)).ok
    local.flush_state()
    reads: list[str] = []
    real_hash = LocalDir.hash

    def counting_hash(self: LocalDir, e: Entry, **kw: Any) -> Entry:
        reads.append(e.path)
        return real_hash(self, e, **kw)

    monkeypatch.setattr(LocalDir, "hash", counting_hash)
    again = LocalDir(str(src), state=StateCache(str(tmp_path / "state"), clock=ahead).root(str(src)))
    report = sync(again, f"s3://{bucket}", s3=settings(endpoint))
    assert report.ok and report.transferred == [] and report.skipped_unchanged == 20
    assert reads == []


def test_racy_fingerprint_is_rehashed_even_when_timestamps_are_coarse(
    tmp_path: Path, cargobay_endpoint: Endpoint
) -> None:
    """A filesystem with 1 s timestamps (ext3, HFS+): an edit in the same second as the last sync
    leaves size, mtime and ctime as they were. The racy rule still catches it."""

    class CoarseDir(LocalDir):
        def list(self, selection: Any, *, errors: list[str]) -> Any:
            for e in super().list(selection, errors=errors):
                fp = e.fingerprint
                assert fp is not None
                coarse = fp._replace(mtime_ns=fp.mtime_ns // 10**9 * 10**9, ctime_ns=fp.ctime_ns // 10**9 * 10**9)
                cached = self.state.lookup(e.path, coarse) if self.state is not None else None
                yield type(e)(e.path, e.size, e.mtime_ns, cached.md5 if cached else None, None, coarse, True)

    endpoint = cargobay_endpoint
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    write(src, "f", b"first", mtime_ns=None)
    cache = StateCache(str(tmp_path / "state"))
    d = CoarseDir(str(src), state=cache.root(str(src)))
    assert sync(d, f"s3://{bucket}", s3=settings(endpoint)).ok
    stealth_edit(src / "f")
    report = sync(CoarseDir(str(src), state=d.state), f"s3://{bucket}", s3=settings(endpoint))
    assert report.transferred == ["f"]
    assert remote_state(endpoint, bucket)["f"][1] == (src / "f").read_bytes()


def test_dry_run_gives_a_reason_per_file_and_changes_nothing(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    write(src, "same", b"same")
    write(src, "grows", b"12")
    write(src, "edited", b"abcd")
    assert sync(str(src), f"s3://{bucket}", s3=settings(endpoint)).ok
    write(src, "grows", b"123")
    stealth_edit(src / "edited")
    write(src, "new", b"n")
    (src / "same").rename(src / "renamed")
    before = remote_state(endpoint, bucket)
    plan = plan_sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=SyncOptions(delete=True, dry_run=True))
    reasons = {i.path: (i.action.value, i.reason) for i in plan.items}
    assert reasons["grows"] == ("copy", "size differs (2 -> 3 bytes)")
    assert reasons["edited"][0] == "copy" and reasons["edited"][1].startswith("content differs (MD5")
    assert reasons["new"] == ("copy", "new file")
    assert reasons["renamed"] == ("copy", "new file")
    assert reasons["same"] == ("delete", "not in the source")
    text = plan.render()
    assert "grows  [size differs" in text and "same  [not in the source" in text
    report = sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=SyncOptions(delete=True, dry_run=True))
    assert sorted(report.transferred) == ["edited", "grows", "new", "renamed"] and report.deleted == ["same"]
    assert remote_state(endpoint, bucket) == before


def test_delete_happens_after_transfers_and_max_delete_refuses_all(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    for name in "abcd":
        write(src, name, name.encode())
    assert sync(str(src), f"s3://{bucket}", s3=settings(endpoint)).ok
    for name in "abc":
        (src / name).unlink()
    write(src, "e", b"e")
    refused = sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=SyncOptions(delete=True, max_delete=2))
    assert not refused.ok and refused.deleted == [] and refused.transferred == ["e"]
    assert "max-delete" in (refused.deletes_refused or "")
    assert set(remote_state(endpoint, bucket)) == {"a", "b", "c", "d", "e"}
    without = sync(str(src), f"s3://{bucket}", s3=settings(endpoint))
    assert without.ok and without.deleted == [] and set(remote_state(endpoint, bucket)) == set("abcde")
    done = sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=SyncOptions(delete=True, max_delete=3))
    assert done.ok and sorted(done.deleted) == ["a", "b", "c"] and set(remote_state(endpoint, bucket)) == {"d", "e"}


def test_failed_upload_keeps_old_object_and_blocks_deletes_then_next_sync_finishes(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    write(src, "victim", b"old content")
    write(src, "doomed", b"to be deleted")
    assert sync(str(src), f"s3://{bucket}", s3=settings(endpoint)).ok
    write(src, "victim", b"new content, longer")
    (src / "doomed").unlink()

    failing = client(endpoint)

    def fail_put(request: Any, **kwargs: Any) -> None:
        if request.url.endswith("/victim") and request.method == "PUT":
            raise ConnectionResetError("injected fault")

    failing.meta.events.register("before-send.s3.PutObject", fail_put)
    report = sync(
        str(src),
        S3Prefix(failing, bucket),
        options=SyncOptions(delete=True, retries=1, backoff_s=0),
        state_dir=str(tmp_path / "state"),
    )
    assert not report.ok and [f.path for f in report.failed] == ["victim"]
    assert report.deleted == [] and report.deletes_refused
    remote = remote_state(endpoint, bucket)
    assert remote["victim"][1] == b"old content" and remote["victim"][0] == md5(b"old content")
    assert "doomed" in remote
    healed = sync(
        str(src),
        f"s3://{bucket}",
        s3=settings(endpoint),
        options=SyncOptions(delete=True),
        state_dir=str(tmp_path / "state"),
    )
    assert healed.ok and healed.transferred == ["victim"] and healed.deleted == ["doomed"]
    assert {k: v[1] for k, v in remote_state(endpoint, bucket).items()} == local_files(str(src))


def test_backup_dir_keeps_replaced_and_deleted_objects(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    write(src, "keep", b"v1")
    write(src, "drop", b"bye")
    assert sync(str(src), f"s3://{bucket}/live", s3=settings(endpoint)).ok
    write(src, "keep", b"v2!")
    (src / "drop").unlink()
    options = SyncOptions(delete=True, backup_dir=f"s3://{bucket}/old")
    report = sync(str(src), f"s3://{bucket}/live", s3=settings(endpoint), options=options)
    assert report.ok and sorted(report.backed_up) == ["drop", "keep"]
    backups = remote_state(endpoint, bucket, "old")
    assert {k.split("/", 1)[1]: v[1] for k, v in backups.items()} == {"keep": b"v1", "drop": b"bye"}
    assert len({k.split("/", 1)[0] for k in backups}) == 1  # one dated prefix per run
    assert {k: v[1] for k, v in remote_state(endpoint, bucket, "live").items()} == {"keep": b"v2!"}
    # restore: sync the dated backup back into a local directory
    restored = tmp_path / "restored"
    stamp = next(iter(backups)).split("/", 1)[0]
    assert sync(f"s3://{bucket}/old/{stamp}", str(restored), s3=settings(endpoint)).ok
    assert local_files(str(restored)) == {"keep": b"v1", "drop": b"bye"}


def test_multipart_objects_compare_by_md5chksum_and_by_local_multipart_etag(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    data = os.urandom(6 * MiB)
    write(src, "big", data)
    options = SyncOptions(part_size=5 * MiB)
    assert sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=options).ok
    etag, _, meta = remote_state(endpoint, bucket)["big"]
    assert etag == multipart_etag([md5_hex(data[: 5 * MiB]), md5_hex(data[5 * MiB :])])
    assert "md5chksum" in meta
    assert plan_sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=options).copies == []
    # An object uploaded in parts by another tool, without md5chksum: the local multipart ETag decides.
    c = boto3_client(endpoint)
    up = c.create_multipart_upload(Bucket=bucket, Key="other")
    parts = [
        c.upload_part(
            Bucket=bucket,
            Key="other",
            UploadId=up["UploadId"],
            PartNumber=n + 1,
            Body=data[n * 5 * MiB : (n + 1) * 5 * MiB],
        )
        for n in range(2)
    ]
    c.complete_multipart_upload(
        Bucket=bucket,
        Key="other",
        UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"ETag": p["ETag"], "PartNumber": n + 1} for n, p in enumerate(parts)]},
    )
    write(src, "other", data)
    plan = plan_sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=SyncOptions(part_size=8 * MiB))
    assert {i.path: i.action.value for i in plan.items} == {"big": "skip", "other": "skip"}
    assert "multipart ETag (part size 5 MiB)" in next(i.reason for i in plan.items if i.path == "other")
    stealth_edit(src / "other")
    plan = plan_sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=SyncOptions(checksum=True))
    assert [i.path for i in plan.copies] == ["other"]


def swap(path: Path) -> None:
    if path.is_dir():
        for child in path.iterdir():
            child.unlink()
        path.rmdir()
        path.write_bytes(b"now a file")
    else:
        path.unlink()
        path.mkdir()
        (path / "inside").write_bytes(b"now in a directory")


def test_file_and_directory_swaps_round_trip_through_s3(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src, back = tmp_path / "src", tmp_path / "back"
    write(src, "x", b"a file")
    write(src, "d/inner", b"in a dir")
    opts = SyncOptions(delete=True)
    for _ in range(2):
        assert sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=opts).ok
        assert sync(f"s3://{bucket}", str(back), s3=settings(endpoint), options=opts).ok
        assert local_files(str(back)) == local_files(str(src))
        swap(src / "x")  # file -> directory (then back)
        swap(src / "d")  # directory -> file (then back)
    assert sync(str(src), f"s3://{bucket}", s3=settings(endpoint), options=opts).ok
    assert sync(f"s3://{bucket}", str(back), s3=settings(endpoint), options=opts).ok
    assert local_files(str(back)) == local_files(str(src))


def test_download_sets_mtime_from_metadata_and_s3_to_s3_copies(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    write(tmp_path / "src", "a/b.txt", b"hello", mtime_ns=1_234_567_890_987_654_321)
    s3 = settings(endpoint)
    assert sync(str(tmp_path / "src"), f"s3://{bucket}/one", s3=s3).ok
    assert sync(f"s3://{bucket}/one", f"s3://{bucket}/two", s3=s3).ok
    assert sync(f"s3://{bucket}/two", str(tmp_path / "down"), s3=s3).ok
    got = tmp_path / "down" / "a" / "b.txt"
    assert got.read_bytes() == b"hello" and got.stat().st_mtime_ns == 1_234_567_890_987_654_321
    again = sync(f"s3://{bucket}/two", str(tmp_path / "down"), s3=s3)
    assert again.transferred == [] and again.skipped_unchanged == 1


def test_local_to_local_sync_uses_the_cache_for_both_sides(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    write(src, "a", b"one")
    write(src, "sub/b", b"two")
    state = str(tmp_path / "state")
    assert sync(str(src), str(dst), state_dir=state).transferred == ["a", "sub/b"]
    stealth_edit(src / "a")
    report = sync(str(src), str(dst), state_dir=state, options=SyncOptions(delete=True))
    assert report.transferred == ["a"] and local_files(str(dst)) == local_files(str(src))
    assert (dst / "sub" / "b").stat().st_mtime_ns == (src / "sub" / "b").stat().st_mtime_ns
