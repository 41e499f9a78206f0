"""``cargobay check-sync`` passes against cargobay serve and moto, and reports a failure per phase."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest
from tests.sync.conftest import settings

from cargobay.cli import main
from cargobay.sync.check import check_sync
from cargobay.testing.servers import Endpoint, SubprocessServer


def test_check_sync_passes_against_cargobay_serve_command() -> None:
    with tempfile.TemporaryDirectory() as root, SubprocessServer(root) as server:
        ep = server.endpoint
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ep.access_key, AWS_SECRET_ACCESS_KEY=ep.secret_key)
        done = subprocess.run(
            [sys.executable, "-m", "cargobay", "check-sync", "--endpoint", ep.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL", "not run"))]
    assert [line.split(":")[0].split(None, 1)[1] for line in lines] == [
        "initial sync",
        "local edits",
        "change detection",
        "re-upload",
        "ETag and content verification",
    ]
    assert all(line.startswith("PASS") for line in lines)
    assert "5/5 phases passed" in done.stdout


def test_check_sync_passes_against_moto_and_cleans_up(moto_endpoint: Endpoint) -> None:
    from cargobay.testing.clients import boto3_client

    before = {b["Name"] for b in boto3_client(moto_endpoint).list_buckets()["Buckets"]}
    results = check_sync(settings=settings(moto_endpoint))
    assert [r.ok for r in results] == [True] * 5, [r.line() for r in results]
    assert {b["Name"] for b in boto3_client(moto_endpoint).list_buckets()["Buckets"]} == before


def test_check_sync_missing_bucket_is_could_not_check(
    cargobay_endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ep = cargobay_endpoint
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ep.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ep.secret_key)
    code = main(["check-sync", "--endpoint", ep.url, "--bucket", "no-such-bucket-here"])
    captured = capsys.readouterr()
    # A bucket that is not there says nothing about the server: no verdict, one line saying why.
    assert code == 1
    assert "NOT safe" not in captured.out and "FAIL" not in captured.out
    assert captured.err.strip() == (
        f"cargobay check-sync: error: could not check {ep.url}: bucket 'no-such-bucket-here' does not exist: "
        "create it first"
    )


def test_check_sync_failed_phase_skips_later_phases_and_says_not_safe(
    cargobay_endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cargobay.sync

    ep = cargobay_endpoint
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ep.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ep.secret_key)

    def broken_sync(*args: object, **kwargs: object) -> None:
        raise RuntimeError("uploads vanish")

    monkeypatch.setattr(cargobay.sync, "sync", broken_sync)
    code = main(["check-sync", "--endpoint", ep.url])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("FAIL") == 1 and "uploads vanish" in out and out.count("not run") == 4
    assert "NOT safe for sync" in out
