"""Listings started early (:mod:`cargobay.sync.prefetch`): in a thread, in a forked child, adopted or not."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.sync.conftest import new_bucket, remote_state, settings
from tests.sync.test_sync_s3 import stealth_edit, write

from cargobay.sync import sync
from cargobay.sync.s3.early import EarlyListing, _read_frames, start_listing
from cargobay.sync.s3.listing import ListingFailed
from cargobay.sync.s3.spec import listing_spec
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env(ep: Endpoint) -> dict[str, str]:
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID=ep.access_key, AWS_SECRET_ACCESS_KEY=ep.secret_key, AWS_CONFIG_FILE="/dev/null"
    )
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cli(ep: Endpoint, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in a fresh (single-threaded) process: the one place the listing is forked."""
    return subprocess.run(
        [sys.executable, "-m", "cargobay", *args], env=_env(ep), capture_output=True, text=True, timeout=120
    )


def test_cli_sync_in_a_fresh_process_sees_every_change(cargobay_endpoint: Endpoint, tmp_path: Path) -> None:
    ep = cargobay_endpoint
    bucket = new_bucket(ep)
    src = tmp_path / "src"
    for i in range(1500):  # two listing pages
        write(src, f"d{i % 3}/f{i:04d}", b"x" * (i % 7 + 1))
    args = ("sync", str(src), f"s3://{bucket}/p", "--endpoint", ep.url, "--state-dir", str(tmp_path / "st"), "--delete")
    first = _cli(ep, *args)
    assert first.returncode == 0, first.stderr
    assert "transferred: 1500 files" in first.stdout
    stealth_edit(src / "d1/f1000")  # same size, same mtime, on the second page
    (src / "d0/f0003").unlink()  # on the first page
    second = _cli(ep, *args)
    assert second.returncode == 0, second.stderr
    assert "transferred: 1 files" in second.stdout and "deleted: 1" in second.stdout
    remote = remote_state(ep, bucket, "p")
    assert len(remote) == 1499 and "d0/f0003" not in remote
    assert remote["d1/f1000"][1] == (src / "d1/f1000").read_bytes()
    third = _cli(ep, *args)
    assert "transferred: 0 files" in third.stdout and "deleted: 0" in third.stdout


def test_cli_sync_in_a_fresh_process_missing_bucket_is_one_line(cargobay_endpoint: Endpoint, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    write(tmp_path / "src", "f", b"x")
    done = _cli(
        cargobay_endpoint,
        "sync",
        str(tmp_path / "src"),
        "s3://no-such-bucket-zz",
        "--endpoint",
        cargobay_endpoint.url,
        "--no-state",
    )
    assert done.returncode == 1 and "NoSuchBucket" in done.stderr and "Traceback" not in done.stderr


def test_forked_listing_gives_the_pages_a_thread_gives(cargobay_endpoint: Endpoint) -> None:
    """Run where the process is single-threaded, so ``start_listing(fork=True)`` really forks."""
    ep = cargobay_endpoint
    bucket = new_bucket(ep)
    c = boto3_client(ep)
    for i in range(1100):
        c.put_object(Bucket=bucket, Key=f"k/{i:05d}" if i % 5 else f"k/sp ace+%{i}", Body=b"z" * (i % 3))
    script = textwrap.dedent(f"""
        import os, threading
        from cargobay.sync.s3.early import start_listing
        from cargobay.sync.s3.spec import S3Settings
        s = S3Settings(endpoint_url={ep.url!r})
        assert threading.active_count() == 1
        forked = start_listing("s3://{bucket}/k", s, environ=os.environ, fork=True)
        assert forked is not None and forked._pid > 0, "not forked"
        rows = [r for page in forked.pages() for r in page]
        forked.close()
        threaded = start_listing("s3://{bucket}/k", s, environ=os.environ)
        assert threaded is not None and threaded._pid == 0
        assert rows == [r for page in threaded.pages() for r in page]
        threaded.close()
        print(len(rows))
    """)
    done = subprocess.run([sys.executable, "-c", script], env=_env(ep), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1100"


def _frames(*items: Any) -> bytes:  # anything marshal can dump
    out = b""
    for item in items:
        frame = marshal.dumps(item)
        out += len(frame).to_bytes(8, "little") + frame
    return out


@pytest.mark.parametrize(
    "stream",
    [
        _frames(("page", [("a", 1, "e", "m")])),  # no end frame: the child died
        _frames(("page", [("a", 1, "e", "m")]))[:-3],  # a frame cut short
        b"",  # nothing at all
        _frames(("page", [("a", 1, "e", "m")])) + b"\x05\x00",  # a cut length
    ],
    ids=["no-end", "cut-frame", "empty", "cut-length"],
)
def test_a_listing_stream_cut_short_is_a_failed_listing(stream: bytes) -> None:
    r, w = os.pipe()
    os.write(w, stream)
    os.close(w)
    with pytest.raises(ListingFailed, match="ended without finishing"):
        list(_read_frames(r))


def test_a_failure_frame_is_the_childs_listing_failure() -> None:
    r, w = os.pipe()
    os.write(w, _frames(("page", [("a", 1, "e", "m")]), ("failed", "HTTP 404 NoSuchBucket", 404, "NoSuchBucket")))
    os.close(w)
    pages = _read_frames(r)
    assert next(pages) == [("a", 1, "e", "m")]
    with pytest.raises(ListingFailed) as caught:
        next(pages)
    assert (caught.value.status, caught.value.code) == (404, "NoSuchBucket")


def test_an_early_listing_is_adopted_only_by_its_own_prefix(cargobay_endpoint: Endpoint, tmp_path: Path) -> None:
    ep = cargobay_endpoint
    bucket = new_bucket(ep)
    src = tmp_path / "src"
    write(src, "a", b"a")
    s3 = settings(ep)
    spec = listing_spec(s3, environ={})
    assert spec is not None
    other = EarlyListing(s3, bucket, "elsewhere/", spec)  # a thread (this process has several)
    mine = start_listing(f"s3://{bucket}/p", s3, environ={})
    assert mine is not None
    report = sync(str(src), f"s3://{bucket}/p", s3=s3, early_listings=[other, mine])
    assert report.ok and report.transferred == ["a"]
    assert mine.adopted and not other.adopted
    assert not any(t.name == "cargobay-list" for t in threading.enumerate() if t.is_alive() and t.daemon)
    assert set(remote_state(ep, bucket, "p")) == {"a"}
