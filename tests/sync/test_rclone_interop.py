"""cargobay sync and rclone agree: rclone check/md5sum accept what cargobay uploaded, rclone sync after
cargobay sync transfers nothing (also in rclone's default size+mtime mode, which reads our
X-Amz-Meta-Mtime), and cargobay sees what rclone uploaded as unchanged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.sync.conftest import md5, new_bucket, settings
from tests.sync.test_sync_s3 import stealth_edit, write

from cargobay.sync import SyncOptions, sync
from cargobay.sync.model import MiB
from cargobay.testing.servers import Endpoint

RCLONE = os.path.join(os.path.dirname(sys.executable), "rclone")
pytestmark = pytest.mark.skipif(not os.path.exists(RCLONE) and not shutil.which("rclone"), reason="needs rclone")


def rclone(ep: Endpoint, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        RCLONE_CONFIG="/dev/null",
        RCLONE_CONFIG_T_TYPE="s3",
        RCLONE_CONFIG_T_PROVIDER="Other",
        RCLONE_CONFIG_T_ENDPOINT=ep.url,
        RCLONE_CONFIG_T_ACCESS_KEY_ID=ep.access_key,
        RCLONE_CONFIG_T_SECRET_ACCESS_KEY=ep.secret_key,
        RCLONE_CONFIG_T_REGION=ep.region,
    )
    binary = RCLONE if os.path.exists(RCLONE) else shutil.which("rclone") or "rclone"
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)


def tree(root: Path) -> None:
    write(root, "a.txt", b"alpha")
    write(root, "dir/b.bin", os.urandom(3000), mtime_ns=1_650_000_000_000_000_000)
    write(root, "dir/sub/c", b"", mtime_ns=1_650_000_000_500_000_000)
    write(root, "big", os.urandom(6 * MiB))  # multipart at 5 MiB parts


def test_rclone_check_md5sum_and_sync_agree_with_cargobay(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    tree(src)
    options = SyncOptions(part_size=5 * MiB, delete=True)
    state = str(tmp_path / "state")
    for step in range(2):
        assert sync(str(src), f"s3://{bucket}/t", s3=settings(endpoint), options=options, state_dir=state).ok
        check = rclone(endpoint, "check", str(src), f"t:{bucket}/t")
        assert check.returncode == 0, check.stderr
        assert "0 differences found" in check.stderr
        sums = rclone(endpoint, "md5sum", f"t:{bucket}/t")
        assert sums.returncode == 0, sums.stderr
        got = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums.stdout.splitlines()}
        expected = {p.relative_to(src).as_posix(): md5(p.read_bytes()) for p in src.rglob("*") if p.is_file()}
        assert got == expected  # including the multipart object, through md5chksum
        for mode in ([], ["--checksum"]):
            again = rclone(endpoint, "sync", "-v", *mode, str(src), f"t:{bucket}/t")
            assert again.returncode == 0, again.stderr
            assert "Copied" not in again.stderr and "Updated modification time" not in again.stderr, again.stderr
            assert "There was nothing to transfer" in again.stderr
        if step == 0:  # second round: after the edit rclone's default mode would miss
            stealth_edit(src / "a.txt")
            stealth_edit(src / "big")


def test_cargobay_sees_rclone_uploads_as_unchanged(endpoint: Endpoint, tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    src = tmp_path / "src"
    tree(src)
    up = rclone(endpoint, "sync", "--s3-chunk-size", "5M", "--s3-upload-cutoff", "5M", str(src), f"t:{bucket}/t")
    assert up.returncode == 0, up.stderr
    report = sync(str(src), f"s3://{bucket}/t", s3=settings(endpoint))
    assert report.ok and report.transferred == [] and report.skipped_unchanged == 4
    down = tmp_path / "down"
    assert sync(f"s3://{bucket}/t", str(down), s3=settings(endpoint)).ok
    for p in src.rglob("*"):
        if p.is_file():
            q = down / p.relative_to(src)
            assert q.read_bytes() == p.read_bytes() and q.stat().st_mtime_ns == p.stat().st_mtime_ns
