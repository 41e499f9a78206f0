"""Real clients against the endpoint (opt-in marker ``clients``): boto3 is everywhere in the suite;
here the AWS CLI, rclone, s3cmd, the MinIO Python SDK, s3fs and restic do what their users do.

A client whose program is missing is skipped with a reason naming it; CI installs all of them
(see the project's CI script). s3fs pins an older botocore than boto3, so it runs from its own
interpreter given by ``CARGOBAY_S3FS_PYTHON``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html"),
    pytest.mark.s3_clients,
    pytest.mark.s3_requires("objects", "listing", "multipart"),
]


def _program(name: str) -> str:
    """The program's path (PATH, or beside this interpreter in a venv), or skip naming it."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"client missing: the '{name}' program is not installed")
    return found


def _run(argv: list[str], env: dict[str, str], cwd: Path | None = None, timeout: int = 300) -> str:
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(argv[:3])}... exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _tree(root: Path) -> dict[str, bytes]:
    files = {
        "a.txt": b"alpha\n",
        "dir/b.bin": bytes(range(256)) * 64,
        "dir/sub/c with space.txt": b"see\n",
        "d\u00e9j\u00e0/vu.txt": b"unicode\n",
        "big.bin": hashlib.sha256(b"seed").digest() * (7 * 1024 * 1024 // 32),  # 7 MiB: multipart for most
        "empty": b"",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _aws_env(target: Any, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "aws-config"
    config.write_text(f"[default]\nregion = {target.endpoint.region}\ns3 =\n    addressing_style = path\n")
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": target.endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": target.endpoint.secret_key,
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_DEFAULT_REGION": target.endpoint.region,
    }


def test_client_aws_cli_sync_cp_ls(s3_endpoint: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    aws = _program("aws")
    env = _aws_env(s3_endpoint, tmp_path)
    base = [aws, "--endpoint-url", s3_endpoint.endpoint.url]
    if s3_endpoint.tls_verify is not True:
        base += ["--no-verify-ssl"] if s3_endpoint.tls_verify is False else ["--ca-bundle", str(s3_endpoint.tls_verify)]
    src = tmp_path / "src"
    files = _tree(src)
    _run([*base, "s3", "sync", str(src), f"s3://{bucket}/tree"], env)
    assert sorted(k[len("tree/") :] for k in full_listing(s3, bucket).keys) == sorted(files)
    listed = _run([*base, "s3", "ls", "--recursive", f"s3://{bucket}/tree/"], env)
    assert "dir/sub/c with space.txt" in listed
    out = tmp_path / "out"
    _run([*base, "s3", "cp", "--recursive", f"s3://{bucket}/tree", str(out)], env)
    assert _read_tree(out) == files
    (src / "a.txt").write_bytes(b"changed\n")
    (src / "empty").unlink()
    _run([*base, "s3", "sync", "--delete", str(src), f"s3://{bucket}/tree"], env)
    assert s3.get_object(Bucket=bucket, Key="tree/a.txt")["Body"].read() == b"changed\n"
    assert "tree/empty" not in full_listing(s3, bucket).keys


def _rclone_env(target: Any) -> dict[str, str]:
    env = {
        **os.environ,
        "RCLONE_CONFIG": os.devnull,
        "RCLONE_CONFIG_CB_TYPE": "s3",
        "RCLONE_CONFIG_CB_PROVIDER": "Other",
        "RCLONE_CONFIG_CB_ENDPOINT": target.endpoint.url,
        "RCLONE_CONFIG_CB_ACCESS_KEY_ID": target.endpoint.access_key,
        "RCLONE_CONFIG_CB_SECRET_ACCESS_KEY": target.endpoint.secret_key,
        "RCLONE_CONFIG_CB_REGION": target.endpoint.region,
        "RCLONE_CONFIG_CB_FORCE_PATH_STYLE": "true",
    }
    if isinstance(target.tls_verify, str):
        env["RCLONE_CA_CERT"] = target.tls_verify
    elif target.tls_verify is False:
        env["RCLONE_NO_CHECK_CERTIFICATE"] = "true"
    return env


def test_client_rclone_copy_check_sync(s3_endpoint: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    rclone = _program("rclone")
    env = _rclone_env(s3_endpoint)
    src = tmp_path / "src"
    files = _tree(src)
    flags = ["--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"]
    _run([rclone, "copy", *flags, str(src), f"cb:{bucket}/r"], env)
    _run([rclone, "check", str(src), f"cb:{bucket}/r"], env)  # sizes and MD5s (ETag or stored md5)
    listed = set(_run([rclone, "lsf", "-R", "--files-only", f"cb:{bucket}/r"], env).splitlines())
    assert listed == set(files)
    (src / "dir/b.bin").unlink()
    (src / "new.txt").write_bytes(b"new\n")
    _run([rclone, "sync", *flags, str(src), f"cb:{bucket}/r"], env)
    _run([rclone, "check", str(src), f"cb:{bucket}/r"], env)
    out = tmp_path / "out"
    _run([rclone, "copy", f"cb:{bucket}/r", str(out)], env)
    assert _read_tree(out) == _read_tree(src)


def test_client_s3cmd_put_get_sync(s3_endpoint: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    s3cmd = _program("s3cmd")
    parts = urlsplit(s3_endpoint.endpoint.url)
    config = tmp_path / "s3cfg"
    config.write_text(
        "[default]\n"
        f"access_key = {s3_endpoint.endpoint.access_key}\nsecret_key = {s3_endpoint.endpoint.secret_key}\n"
        f"host_base = {parts.netloc}\nhost_bucket = {parts.netloc}\nbucket_location = {s3_endpoint.endpoint.region}\n"
        f"use_https = {parts.scheme == 'https'}\ncheck_ssl_certificate = {s3_endpoint.tls_verify is not False}\n"
        + (f"ca_certs_file = {s3_endpoint.tls_verify}\n" if isinstance(s3_endpoint.tls_verify, str) else "")
        + "multipart_chunk_size_mb = 5\nsignature_v2 = False\n"
    )
    base = [s3cmd, "-c", str(config)]
    env = {**os.environ}
    src = tmp_path / "src"
    files = _tree(src)
    _run([*base, "sync", str(src) + "/", f"s3://{bucket}/c/"], env)
    assert sorted(k[2:] for k in full_listing(s3, bucket).keys) == sorted(files)
    got = tmp_path / "got.bin"
    _run([*base, "get", f"s3://{bucket}/c/big.bin", str(got)], env)
    assert got.read_bytes() == files["big.bin"]
    _run([*base, "del", f"s3://{bucket}/c/a.txt"], env)
    assert "c/a.txt" not in full_listing(s3, bucket).keys
    listed = _run([*base, "ls", "--recursive", f"s3://{bucket}/"], env)
    assert "c/dir/b.bin" in listed


def test_client_minio_sdk_put_get_list(s3_endpoint: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    minio = pytest.importorskip("minio", reason="client missing: the 'minio' Python SDK is not installed")
    parts = urlsplit(s3_endpoint.endpoint.url)
    client = minio.Minio(
        parts.netloc,
        access_key=s3_endpoint.endpoint.access_key,
        secret_key=s3_endpoint.endpoint.secret_key,
        secure=parts.scheme == "https",
        region=s3_endpoint.endpoint.region,
    )
    src = tmp_path / "src"
    files = _tree(src)
    for name in files:
        client.fput_object(bucket, f"m/{name}", str(src / name), part_size=5 * 1024 * 1024)
    listed = sorted(o.object_name for o in client.list_objects(bucket, prefix="m/", recursive=True))
    assert listed == sorted(f"m/{n}" for n in files)
    for name, data in files.items():
        response = client.get_object(bucket, f"m/{name}")
        try:
            assert response.read() == data
        finally:
            response.close()
            response.release_conn()
    assert client.stat_object(bucket, "m/big.bin").size == len(files["big.bin"])


def test_client_s3fs_filesystem(s3_endpoint: Any, s3: Any, bucket: str, tmp_path: Path) -> None:
    python = os.environ.get("CARGOBAY_S3FS_PYTHON")
    if not python or not Path(python).exists():
        pytest.skip(
            "client missing: s3fs needs its own interpreter (its aiobotocore pins an older botocore); "
            "set CARGOBAY_S3FS_PYTHON"
        )
    script = tmp_path / "s3fs_check.py"
    script.write_text(
        "import os, sys, s3fs\n"
        "fs = s3fs.S3FileSystem(key=os.environ['K'], secret=os.environ['S'], client_kwargs={'endpoint_url': "
        "os.environ['U'], 'region_name': os.environ['R']}, config_kwargs={'s3': {'addressing_style': 'path'}})\n"
        "b = os.environ['B']\n"
        "fs.pipe(f'{b}/fs/one.txt', b'one')\n"
        "with fs.open(f'{b}/fs/big.bin', 'wb', block_size=5 * 2**20) as f:\n"
        "    f.write(b'z' * (6 * 2**20))\n"
        "assert fs.cat(f'{b}/fs/one.txt') == b'one'\n"
        "assert fs.size(f'{b}/fs/big.bin') == 6 * 2**20\n"
        "assert sorted(fs.ls(f'{b}/fs')) == [f'{b}/fs/big.bin', f'{b}/fs/one.txt'], fs.ls(f'{b}/fs')\n"
        "fs.rm(f'{b}/fs/one.txt')\n"
        "print('ok')\n"
    )
    env = {
        **os.environ,
        "K": s3_endpoint.endpoint.access_key,
        "S": s3_endpoint.endpoint.secret_key,
        "U": s3_endpoint.endpoint.url,
        "R": s3_endpoint.endpoint.region,
        "B": bucket,
    }
    assert _run([python, str(script)], env).strip() == "ok"
    assert full_listing(s3, bucket).keys == ("fs/big.bin",)


def test_client_restic_init_backup_check_restore(s3_endpoint: Any, bucket: str, tmp_path: Path) -> None:
    restic = _program("restic")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": s3_endpoint.endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_endpoint.endpoint.secret_key,
        "AWS_DEFAULT_REGION": s3_endpoint.endpoint.region,
        "RESTIC_PASSWORD": "conformance",
        "RESTIC_CACHE_DIR": str(tmp_path / "cache"),
        "RESTIC_REPOSITORY": f"s3:{s3_endpoint.endpoint.url}/{bucket}/restic",
    }
    extra = ["--cacert", str(s3_endpoint.tls_verify)] if isinstance(s3_endpoint.tls_verify, str) else []
    src = tmp_path / "src"
    files = _tree(src)
    _run([restic, *extra, "init"], env)
    _run([restic, *extra, "backup", "."], env, cwd=src)
    _run([restic, *extra, "check", "--read-data"], env)
    out = tmp_path / "restored"
    _run([restic, *extra, "restore", "latest", "--target", str(out)], env)
    assert _read_tree(out) == files
