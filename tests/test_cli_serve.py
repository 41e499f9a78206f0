"""``cargobay serve`` as users run it: banner, credentials, lock, refusal, clean shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import SubprocessServer, free_port, wait_until_answers


def _serve(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARGOBAY_")}
    return subprocess.Popen(
        [sys.executable, "-m", "cargobay", "serve", *args],
        env={**clean, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_generates_keeps_and_prints_credentials(tmp_path: Path) -> None:
    port = free_port()
    proc = _serve([str(tmp_path / "data"), "--port", str(port)])
    try:
        wait_until_answers(f"http://127.0.0.1:{port}", process=proc)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    saved = json.loads((tmp_path / "data" / ".cargobay" / "credentials.json").read_text())
    assert oct((tmp_path / "data" / ".cargobay" / "credentials.json").stat().st_mode & 0o777) == "0o600"
    assert saved["access_key"] in out and saved["secret_key"] in out
    for snippet in (f"http://127.0.0.1:{port}", "boto3.client(", "aws --endpoint-url", "type = s3"):
        assert snippet in out
    assert "Traceback" not in err


def test_serve_existing_tree_serves_files_as_objects(tmp_path: Path) -> None:
    root = tmp_path / "existing"
    (root / "photos" / "2024").mkdir(parents=True)
    (root / "photos" / "2024" / "a.jpg").write_bytes(b"JPEG")
    (root / "docs").mkdir()
    (root / "docs" / "readme.txt").write_bytes(b"read me")
    with SubprocessServer(str(root)) as server:
        s3 = boto3_client(server.endpoint)
        assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["docs", "photos"]
        assert s3.get_object(Bucket="photos", Key="2024/a.jpg")["Body"].read() == b"JPEG"
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="docs")["Contents"]] == ["readme.txt"]
    assert (root / "photos" / "2024" / "a.jpg").read_bytes() == b"JPEG"


def test_second_server_on_same_directory_is_refused(tmp_path: Path) -> None:
    with SubprocessServer(str(tmp_path / "data")):
        proc = _serve(
            [str(tmp_path / "data"), "--port", str(free_port())],
            env={"CARGOBAY_ACCESS_KEY": "a", "CARGOBAY_SECRET_KEY": "b"},
        )
        _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "already being served" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_port_in_use_and_bad_arguments_get_one_line_errors(tmp_path: Path) -> None:
    with SubprocessServer(str(tmp_path / "one")) as first:
        proc = _serve(
            [str(tmp_path / "two"), "--port", str(first.port)],
            env={"CARGOBAY_ACCESS_KEY": "a", "CARGOBAY_SECRET_KEY": "b"},
        )
        _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "cannot listen" in err and len(err.strip().splitlines()) == 1
    proc = _serve([str(tmp_path / "x"), "--no-auth", "--host", "0.0.0.0"])
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "refusing to serve without authentication" in err
    (tmp_path / "file").write_text("not a dir")
    proc = _serve([str(tmp_path / "file")])
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "not a directory" in err and "Traceback" not in err


def test_sigterm_stops_cleanly_and_no_auth_serves_unsigned(tmp_path: Path) -> None:
    port = free_port()
    proc = _serve([str(tmp_path / "d"), "--port", str(port), "--no-auth"])
    try:
        wait_until_answers(f"http://127.0.0.1:{port}", process=proc)
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        anon = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            config=Config(signature_version=UNSIGNED),
        )
        anon.create_bucket(Bucket="open")
        anon.put_object(Bucket="open", Key="k", Body=b"v")
        assert anon.get_object(Bucket="open", Key="k")["Body"].read() == b"v"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "shutting down" in out
    assert (tmp_path / "d" / "open" / "k").read_bytes() == b"v"
