"""Today's clients at their default settings, multipart both ways, over HTTP and HTTPS.

Each client uploads a 256 MiB file (multipart: above every client's default threshold), downloads
it (ranged where the client does ranged downloads) and the SHA-256 must match. Over HTTPS boto3
and the AWS CLI send aws-chunked bodies with trailing checksums by default, so that path is
exercised end to end. The server is a real ``cargobay serve --tls-self-signed`` or plain one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from cargobay.testing.servers import SubprocessServer

pytestmark = pytest.mark.clients

SIZE = 256 << 20


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("big") / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(SIZE >> 20):
            chunk = i.to_bytes(8, "big") + block[8:]
            f.write(chunk)
            digest.update(chunk)
    return path, digest.hexdigest()


@pytest.fixture(scope="module", params=["http", "https"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubprocessServer]:
    root = tmp_path_factory.mktemp(f"served-{request.param}")
    extra = ("--no-fsync", "--tls-self-signed") if request.param == "https" else ("--no-fsync",)
    srv = SubprocessServer(str(root), extra_args=extra, scheme=request.param)
    srv.start()
    yield srv
    assert srv.stop() == 0
    assert "internal error" not in srv.output.lower(), srv.output


def _ca(server: SubprocessServer) -> str | None:
    path = os.path.join(server.root, ".cargobay", "tls", "cert.pem")
    return path if server.url.startswith("https") else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name: str) -> str:
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    found = candidate if os.path.exists(candidate) else shutil.which(name)
    assert found, f"{name} is not installed: install the test extra (pip install -e '.[test]')"
    return found


def _run(cmd: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{cmd[:4]}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _boto3(server: SubprocessServer) -> Any:
    ep = server.endpoint
    return boto3.client(
        "s3",
        endpoint_url=ep.url,
        aws_access_key_id=ep.access_key,
        aws_secret_access_key=ep.secret_key,
        region_name=ep.region,
        verify=_ca(server) or True,
        config=Config(s3={"addressing_style": "path"}),
    )


def test_boto3_upload_file_download_file(server: SubprocessServer, big_file: tuple[Path, str], tmp_path: Path) -> None:
    path, digest = big_file
    s3 = _boto3(server)
    s3.create_bucket(Bucket="boto3-big")
    config = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20, max_concurrency=8)
    s3.upload_file(str(path), "boto3-big", "big.bin", Config=config)
    head = s3.head_object(Bucket="boto3-big", Key="big.bin")
    assert head["ETag"].endswith('-32"') and head["ContentLength"] == SIZE
    back = tmp_path / "back.bin"
    s3.download_file("boto3-big", "big.bin", str(back), Config=config)  # ranged, parallel GETs
    assert _sha256(back) == digest


def test_aws_cli_cp_both_ways(server: SubprocessServer, big_file: tuple[Path, str], tmp_path: Path) -> None:
    path, digest = big_file
    ep = server.endpoint
    env = {
        "AWS_ACCESS_KEY_ID": ep.access_key,
        "AWS_SECRET_ACCESS_KEY": ep.secret_key,
        "AWS_DEFAULT_REGION": ep.region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    aws = [_tool("aws"), "--endpoint-url", ep.url]
    if _ca(server):
        aws += ["--ca-bundle", str(_ca(server))]
    _run([*aws, "s3", "mb", "s3://cli-big"], env)
    _run([*aws, "s3", "cp", "--only-show-errors", str(path), "s3://cli-big/big.bin"], env)
    etag = _run([*aws, "s3api", "head-object", "--bucket", "cli-big", "--key", "big.bin", "--query", "ETag"], env)
    assert "-" in etag, "the AWS CLI uploads files this large in parts"
    back = tmp_path / "back.bin"
    _run([*aws, "s3", "cp", "--only-show-errors", "s3://cli-big/big.bin", str(back)], env)
    assert _sha256(back) == digest


def test_rclone_copy_with_small_upload_cutoff(
    server: SubprocessServer, big_file: tuple[Path, str], tmp_path: Path
) -> None:
    path, digest = big_file
    ep = server.endpoint
    env = {
        "RCLONE_CONFIG": os.devnull,
        "RCLONE_CONFIG_CB_TYPE": "s3",
        "RCLONE_CONFIG_CB_PROVIDER": "Other",
        "RCLONE_CONFIG_CB_ACCESS_KEY_ID": ep.access_key,
        "RCLONE_CONFIG_CB_SECRET_ACCESS_KEY": ep.secret_key,
        "RCLONE_CONFIG_CB_ENDPOINT": ep.url,
        "RCLONE_CONFIG_CB_REGION": ep.region,
    }
    rclone = [_tool("rclone"), "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "--multi-thread-streams", "4"]
    if _ca(server):
        rclone += ["--ca-cert", str(_ca(server))]
    _run([*rclone, "mkdir", "cb:rclone-big"], env)
    _run([*rclone, "copyto", str(path), "cb:rclone-big/big.bin"], env)
    back = tmp_path / "back.bin"
    _run([*rclone, "copyto", "--multi-thread-cutoff", "16M", "cb:rclone-big/big.bin", str(back)], env)
    assert _sha256(back) == digest
    _run([*rclone, "check", "--download", str(path.parent), "cb:rclone-big", "--include", "big.bin"], env)


def test_s3cmd_put_get(server: SubprocessServer, big_file: tuple[Path, str], tmp_path: Path) -> None:
    path, digest = big_file
    ep = server.endpoint
    host = ep.url.split("://", 1)[1]
    config = tmp_path / "s3cfg"
    config.write_text(
        "[default]\n"
        f"access_key = {ep.access_key}\nsecret_key = {ep.secret_key}\n"
        f"host_base = {host}\nhost_bucket = {host}\n"
        f"use_https = {'True' if _ca(server) else 'False'}\n"
        f"ca_certs_file = {_ca(server) or ''}\ncheck_ssl_certificate = True\n"
        "signature_v2 = False\nmultipart_chunk_size_mb = 15\n"
    )
    s3cmd = [sys.executable, _tool("s3cmd"), "-c", str(config), "--no-progress"]
    _run([*s3cmd, "mb", "s3://s3cmd-big"])
    _run([*s3cmd, "put", str(path), "s3://s3cmd-big/big.bin"])
    back = tmp_path / "back.bin"
    _run([*s3cmd, "get", "s3://s3cmd-big/big.bin", str(back)])
    assert _sha256(back) == digest


def test_minio_client_multipart_and_ranged_get(server: SubprocessServer, big_file: tuple[Path, str]) -> None:
    import urllib3
    from minio import Minio

    path, digest = big_file
    ep = server.endpoint
    http = urllib3.PoolManager(ca_certs=_ca(server)) if _ca(server) else None
    client = Minio(
        ep.url.split("://", 1)[1],
        access_key=ep.access_key,
        secret_key=ep.secret_key,
        secure=ep.url.startswith("https"),
        region=ep.region,
        http_client=http,
    )
    client.make_bucket("minio-big")
    client.fput_object("minio-big", "big.bin", str(path), part_size=16 << 20)
    stat = client.stat_object("minio-big", "big.bin")
    assert stat.size == SIZE and stat.etag is not None and stat.etag.endswith("-16")
    combined = hashlib.sha256()
    step = 64 << 20
    for offset in range(0, SIZE, step):  # ranged download in four pieces
        response = client.get_object("minio-big", "big.bin", offset=offset, length=step)
        try:
            for chunk in response.stream(1 << 20):
                combined.update(chunk)
        finally:
            response.close()
            response.release_conn()
    assert combined.hexdigest() == digest
