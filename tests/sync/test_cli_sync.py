"""``cargobay sync``: flags, dry-run output, report, exit codes, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sync.conftest import new_bucket, remote_state
from tests.sync.test_sync_s3 import stealth_edit, write

from cargobay.cli import main
from cargobay.testing.servers import Endpoint


@pytest.fixture
def cli_env(cargobay_endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", cargobay_endpoint.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", cargobay_endpoint.secret_key)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    return cargobay_endpoint


def test_cli_sync_dry_run_then_sync_then_report(
    cli_env: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ep = cli_env
    bucket = new_bucket(ep)
    src = tmp_path / "src"
    write(src, "keep.txt", b"same")
    write(src, "edit.txt", b"abcdef")
    write(src, "skip.log", b"excluded")
    base = [
        "sync",
        str(src),
        f"s3://{bucket}/x",
        "--endpoint",
        ep.url,
        "--state-dir",
        str(tmp_path / "st"),
        "--exclude",
        "*.log",
        "--delete",
    ]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "transferred: 2 files" in out and "failed: 0" in out
    stealth_edit(src / "edit.txt")
    (src / "keep.txt").unlink()
    assert main([*base, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "copy    edit.txt  [content differs (MD5" in out
    assert "delete  keep.txt  [not in the source" in out
    assert "skip.log" not in out
    assert set(remote_state(ep, bucket, "x")) == {"keep.txt", "edit.txt"}
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "transferred: 1 files" in out and "deleted: 1" in out
    assert remote_state(ep, bucket, "x")["edit.txt"][1] == (src / "edit.txt").read_bytes()


def test_cli_sync_refused_deletions_exit_1(
    cli_env: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ep = cli_env
    bucket = new_bucket(ep)
    src = tmp_path / "src"
    write(src, "a", b"a")
    write(src, "b", b"b")
    args = ["sync", str(src), f"s3://{bucket}", "--endpoint", ep.url, "--no-state"]
    assert main(args) == 0
    (src / "a").unlink()
    (src / "b").unlink()
    assert main([*args, "--delete", "--max-delete", "1"]) == 1
    assert "more than --max-delete 1" in capsys.readouterr().out
    assert set(remote_state(ep, bucket)) == {"a", "b"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--max-delete", "3"], "--max-delete needs --delete"),
        (["--part-size", "1M"], "part size must be at least 5 MiB"),
        (["--transfers", "0"], "transfers must be at least 1"),
    ],
    ids=["max-delete-without-delete", "small-part-size", "no-transfers"],
)
def test_cli_sync_usage_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    (tmp_path / "src").mkdir()
    assert main(["sync", str(tmp_path / "src"), str(tmp_path / "dst"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_sync_missing_bucket_is_an_error_not_a_traceback(
    cli_env: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src").mkdir()
    write(tmp_path / "src", "f", b"x")
    code = main(["sync", str(tmp_path / "src"), "s3://no-such-bucket-zz", "--endpoint", cli_env.url, "--no-state"])
    err = capsys.readouterr().err
    assert code == 1 and "NoSuchBucket" in err and "Traceback" not in err
