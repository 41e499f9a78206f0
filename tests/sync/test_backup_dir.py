"""``--backup-dir`` inside the destination: earlier runs' backups are kept, never deleted again.

A backup directory inside the destination tree (``dst/.old``, ``s3://b/live/old``) holds files the
source never has. Before, the next sync with ``delete`` took them for extraneous files and deleted
them, keeping each in the new run's backup (so every run nested all earlier backups one level
deeper, ``.old/<stamp>/.old/<stamp>/...``). A backup directory that is the destination itself is
refused: every file of the destination would be in it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.sync.conftest import local_files, new_bucket, remote_state, settings

from cargobay.errors import UsageError
from cargobay.sync import SyncOptions, plan_sync, sync
from cargobay.testing.servers import Endpoint


def _write(root: Path, rel: str, data: bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


def test_local_backup_dir_inside_the_destination_is_kept(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    _write(src, "a", b"1")
    _write(src, "b", b"2")
    options = SyncOptions(delete=True, backup_dir=str(dst / ".old"))
    assert sync(str(src), str(dst), options=options).ok
    _write(src, "a", b"11")
    (src / "b").unlink()
    first = sync(str(src), str(dst), options=options)
    assert first.ok and sorted(first.backed_up) == ["a", "b"]
    _write(src, "a", b"111")
    second = sync(str(src), str(dst), options=options)
    assert second.ok, second.summary()
    assert second.deleted == [] and second.backed_up == ["a"]
    files = local_files(str(dst))
    assert {k: v for k, v in files.items() if not k.startswith(".old/")} == {"a": b"111"}
    stamps = {k.split("/")[1] for k in files if k.startswith(".old/")}
    assert len(stamps) == 2
    assert sorted(k for k in files if k.startswith(".old/")) == sorted(
        [f".old/{s}/{rel}" for s in stamps for rel in (["a", "b"] if s == min(stamps) else ["a"])]
    )
    # A dry run plans no deletion there either.
    assert plan_sync(str(src), str(dst), options=options).deletes == []


def test_s3_backup_prefix_inside_the_destination_prefix_is_kept(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    _write(src, "keep", b"v1")
    _write(src, "drop", b"bye")
    target = f"s3://{bucket}/live"
    options = SyncOptions(delete=True, backup_dir=f"s3://{bucket}/live/old")
    assert sync(str(src), target, s3=settings(endpoint), options=options).ok
    _write(src, "keep", b"v2!")
    (src / "drop").unlink()
    assert sync(str(src), target, s3=settings(endpoint), options=options).ok
    _write(src, "keep", b"v3!!")
    report = sync(str(src), target, s3=settings(endpoint), options=options)
    assert report.ok and report.deleted == [] and report.backed_up == ["keep"]
    live = {k: v[1] for k, v in remote_state(endpoint, bucket, "live").items()}
    assert {k: v for k, v in live.items() if not k.startswith("old/")} == {"keep": b"v3!!"}
    kept = [k for k in live if k.startswith("old/")]
    assert len(kept) == 3 and all(k.count("/") == 2 for k in kept), kept  # no nested backups


@pytest.mark.parametrize("same", ["local", "s3"])
def test_backup_dir_that_is_the_destination_is_refused(same: str, cargobay_endpoint: Endpoint, tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, "a", b"1")
    if same == "local":
        dst = str(tmp_path / "dst")
        os.mkdir(dst)
        options = SyncOptions(delete=True, backup_dir=dst + "/")
        with pytest.raises(UsageError, match="backup"):
            sync(str(src), dst, options=options)
    else:
        bucket = new_bucket(cargobay_endpoint)
        options = SyncOptions(delete=True, backup_dir=f"s3://{bucket}/live/")
        with pytest.raises(UsageError, match="backup"):
            sync(str(src), f"s3://{bucket}/live", s3=settings(cargobay_endpoint), options=options)
