"""The issue-16 migration, at size: 10,000 objects from `cargobay serve` to a SeaweedFS cluster and back.

Every object carries user metadata and tags, many carry the other content headers
(Content-Encoding, Content-Disposition, Content-Language, Cache-Control, Expires), a few are
multipart-sized. Both legs are run through the command line (``cargobay sync`` with per-side
endpoints and profiles), each leg twice: the second run must transfer nothing. Compared after
each leg, object by object: body, every content header, every metadata entry, every tag.

Opt-in, with the other SeaweedFS tests (``CARGOBAY_SEAWEEDFS=1``, ``pip install -e
'.[test,peers]'``); ``CARGOBAY_SEAWEEDFS_OBJECTS`` changes the count (default 10,000: several
minutes on a busy 2-core machine). Both servers are subprocesses, so the command under test has
the interpreter to itself.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint, SubprocessServer

pytestmark = pytest.mark.skipif(
    os.environ.get("CARGOBAY_SEAWEEDFS") != "1", reason="SeaweedFS cluster tests are opt-in: CARGOBAY_SEAWEEDFS=1"
)

N = int(os.environ.get("CARGOBAY_SEAWEEDFS_OBJECTS", "10000"))
PART = 5 * 1024 * 1024
FIELDS = (
    "ContentType",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    "CacheControl",
    "ExpiresString",
    "ContentLength",
    "Metadata",
)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    with SubprocessServer(str(tmp_path_factory.mktemp("serve"))) as server:
        yield server.endpoint


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from cargobay.testing.seaweedfs import SeaweedCluster

    with SeaweedCluster() as c:
        yield c


def _object(i: int) -> tuple[str, bytes, dict[str, Any]]:
    """Object ``i``: its key, body and PutObject arguments (deterministic, varied)."""
    size = PART + 4321 * i if i < 3 else (i * 7919) % 9000  # three multipart-sized, the rest 0..9 KB
    key = f"dir{i % 37:02}/sub {i % 5}/obj-{i:05}{'.txt' if i % 2 else '.bin'}"
    args: dict[str, Any] = {
        "ContentType": "text/plain; charset=utf-8" if i % 2 else "application/octet-stream",
        "Metadata": {"index": str(i), "owner": f"team {i % 11}"},
        "Tagging": urllib.parse.urlencode({"n": str(i % 7), **({"group": f"g/{i % 3}"} if i % 4 == 0 else {})}),
    }
    if i % 3 == 0:
        args.update(
            ContentDisposition=f'attachment; filename="f{i}.txt"', CacheControl="max-age=3600", ContentLanguage="en"
        )
    if i % 10 == 0:
        args.update(ContentEncoding="identity", Expires="Wed, 21 Oct 2043 07:28:00 GMT")
    return key, os.urandom(size), args


def _fill(ep: Endpoint, bucket: str) -> None:
    c = boto3_client(ep)
    c.create_bucket(Bucket=bucket)

    def put(i: int) -> None:
        key, body, args = _object(i)
        if len(body) >= PART:
            from boto3.s3.transfer import TransferConfig

            c.upload_fileobj(
                io.BytesIO(body),
                bucket,
                key,
                ExtraArgs=args,
                Config=TransferConfig(multipart_threshold=PART, multipart_chunksize=PART),
            )
        else:
            c.put_object(Bucket=bucket, Key=key, Body=body, **args)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(N)))


def _snapshot(ep: Endpoint, bucket: str) -> dict[str, tuple[Any, ...]]:
    """Every object: body, the content headers, the metadata, the sorted tags."""
    c = boto3_client(ep)
    keys = [
        o["Key"]
        for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", ())
    ]

    def one(key: str) -> tuple[str, tuple[Any, ...]]:
        r = c.get_object(Bucket=bucket, Key=key)
        tags = sorted((t["Key"], t["Value"]) for t in c.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])
        return key, (r["Body"].read(), *(r.get(f) for f in FIELDS), tags)

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, keys))


def _cli(tmp: Any, a: Endpoint, ba: str, b: Endpoint, bb: str) -> str:
    """``cargobay sync s3://ba s3://bb`` with the two sides as named remotes; its report."""
    creds, conf = tmp / "credentials", tmp / "config"
    creds.write_text(
        f"[a]\naws_access_key_id={a.access_key}\naws_secret_access_key={a.secret_key}\n"
        f"[b]\naws_access_key_id={b.access_key}\naws_secret_access_key={b.secret_key}\n"
    )
    conf.write_text("[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=str(conf), XDG_CACHE_HOME=str(tmp / "cache"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cargobay",
            "sync",
            f"s3://{ba}",
            f"s3://{bb}",
            "--src-endpoint",
            a.url,
            "--src-profile",
            "a",
            "--dst-endpoint",
            b.url,
            "--dst-profile",
            "b",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _transferred(report: str) -> int:
    """The file count of the report's ``transferred: N files, ...`` line."""
    match = re.search(r"^transferred: (\d+) files", report, re.MULTILINE)
    assert match is not None, report
    return int(match.group(1))


def test_ten_thousand_objects_there_and_back(serve: Endpoint, cluster: Any, tmp_path: Any) -> None:
    _fill(serve, "source")
    original = _snapshot(serve, "source")
    assert len(original) == N
    boto3_client(cluster.endpoint).create_bucket(Bucket="migrated")
    there = _cli(tmp_path, serve, "source", cluster.endpoint, "migrated")
    print("there:", there)
    assert _transferred(there) == N
    assert _snapshot(cluster.endpoint, "migrated") == original
    again = _cli(tmp_path, serve, "source", cluster.endpoint, "migrated")
    print("there, again:", again)
    assert _transferred(again) == 0

    boto3_client(serve).create_bucket(Bucket="returned")
    back = _cli(tmp_path, cluster.endpoint, "migrated", serve, "returned")
    print("back:", back)
    assert _transferred(back) == N
    assert _snapshot(serve, "returned") == original
    back_again = _cli(tmp_path, cluster.endpoint, "migrated", serve, "returned")
    print("back, again:", back_again)
    assert _transferred(back_again) == 0
