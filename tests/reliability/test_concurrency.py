"""Concurrency: many clients reading and overwriting the same few keys.

Properties: every GET (whole or ranged) returns bytes that are exactly a body some writer sent,
described by the ETag and Content-Length it came with; every request gets an answer (no
deadlock: all workers finish within a generous bound); SQLite contention, including another
process holding the database's write lock, is waited out and never reaches a client as an error
(the server's own count of unexpected errors stays 0).
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cargobay.s3.store.fsck import scan
from cargobay.testing.clients import boto3_client
from cargobay.testing.model import multipart_etag, parts_of
from cargobay.testing.servers import InProcessServer

pytestmark = pytest.mark.reliability

BUCKET = "conc"
KEYS = ["hot", "hot2", "dir/hot", "odd//hot"]  # the last lives in the internal area
THREADS = 16
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
OPS_PER_THREAD = 400 if LONG else 60


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer(durable=True, min_part_size=1024) as s:
        boto3_client(s.endpoint).create_bucket(Bucket=BUCKET)
        yield s


class Bodies:
    """Every body written, by MD5 and by multipart ETag, so a reader can check what it got."""

    def __init__(self) -> None:
        self.by_etag: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def add(self, etag: str, body: bytes) -> None:
        with self.lock:
            self.by_etag[etag] = body

    def get(self, etag: str) -> bytes | None:
        with self.lock:
            return self.by_etag.get(etag)


def _worker(client: Any, rng: random.Random, bodies: Bodies, problems: list[str], n: int) -> None:
    for i in range(OPS_PER_THREAD):
        key = rng.choice(KEYS)
        action = rng.choices(
            ["put", "get", "range", "head", "list", "multipart", "copy", "tag"], [30, 30, 10, 5, 5, 5, 10, 5]
        )[0]
        try:
            if action == "put":
                body = f"w{n}-{i}|".encode() + rng.randbytes(rng.choice([0, 10, 5000, 70000, 300000]))
                bodies.add(hashlib.md5(body).hexdigest(), body)
                r = client.put_object(Bucket=BUCKET, Key=key, Body=body)
                if r["ETag"].strip('"') != hashlib.md5(body).hexdigest():
                    problems.append(f"PUT {key}: ETag {r['ETag']} is not the MD5 of the body")
            elif action == "multipart":
                sizes = [rng.randrange(1024, 40000) for _ in range(rng.randrange(1, 4))]
                body = f"m{n}-{i}|".encode() + rng.randbytes(sum(sizes))
                sizes[-1] += len(body) - sum(sizes)
                bodies.add(multipart_etag(parts_of(body, sizes)).strip('"'), body)
                bodies.add(hashlib.md5(body).hexdigest(), body)  # a later copy of it
                upload = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
                parts, offset = [], 0
                for number, size in enumerate(sizes, 1):
                    r = client.upload_part(
                        Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=body[offset : offset + size]
                    )
                    parts.append({"PartNumber": number, "ETag": r["ETag"]})
                    offset += size
                client.complete_multipart_upload(
                    Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
                )
            elif action == "copy":
                src = rng.choice([k for k in KEYS if k != key])
                try:
                    client.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": src})
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "NoSuchKey":
                        raise
            elif action == "tag":
                try:
                    client.put_object_tagging(
                        Bucket=BUCKET, Key=key, Tagging={"TagSet": [{"Key": "t", "Value": str(i)}]}
                    )
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "NoSuchKey":
                        raise
            elif action == "list":
                for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
                    known = bodies.get(item["ETag"].strip('"'))
                    if known is None or len(known) != item["Size"]:
                        problems.append(f"LIST {item['Key']}: ETag/size describe no body written")
            elif action == "head":
                try:
                    h = client.head_object(Bucket=BUCKET, Key=key)
                except ClientError as exc:
                    if exc.response["Error"]["Code"] not in ("404", "NoSuchKey"):
                        raise
                    continue
                known = bodies.get(h["ETag"].strip('"'))
                if known is None or len(known) != h["ContentLength"]:
                    problems.append(f"HEAD {key}: ETag/length describe no body written")
            else:
                _checked_get(client, key, rng, bodies, problems, ranged=action == "range")
        except ClientError as exc:
            problems.append(
                f"{action} {key}: {exc.response['Error']['Code']} "
                f"{exc.response['ResponseMetadata'].get('HTTPStatusCode')}"
            )


def _checked_get(
    client: Any, key: str, rng: random.Random, bodies: Bodies, problems: list[str], *, ranged: bool
) -> None:
    extra: dict[str, str] = {}
    if ranged:
        first = rng.randrange(0, 4000)
        extra["Range"] = f"bytes={first}-{first + rng.randrange(0, 70000)}"
    try:
        r = client.get_object(Bucket=BUCKET, Key=key, **extra)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "InvalidRange"):
            return
        raise
    data = r["Body"].read()
    etag = r["ETag"].strip('"')
    body = bodies.get(etag)
    if len(data) != r["ContentLength"]:
        problems.append(f"GET {key}: Content-Length {r['ContentLength']}, got {len(data)} bytes")
    if body is None:
        problems.append(f"GET {key}: ETag {etag} describes no body written")
        return
    if ranged:
        start, end_total = r["ContentRange"].removeprefix("bytes ").split("-")
        end, total = end_total.split("/")
        expected = body[int(start) : int(end) + 1]
        if int(total) != len(body) or data != expected:
            problems.append(f"GET {key} {extra['Range']}: bytes are not that range of the ETag's body")
    elif data != body:
        problems.append(f"GET {key}: bytes do not match ETag {etag} (torn or mixed read)")


def _run_workers(server: InProcessServer, seed: int, bodies: Bodies) -> list[str]:
    client = boto3_client(server.endpoint, max_pool_connections=THREADS)
    problems: list[str] = []
    rng = random.Random(seed)
    threads = [
        threading.Thread(
            target=_worker,
            args=(client, random.Random(rng.random()), bodies, problems, n),
            name=f"conc-{n}",
            daemon=True,
        )
        for n in range(THREADS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 300
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = [t.name for t in threads if t.is_alive()]
    assert not hung, f"workers still running after 300 s (deadlock?): {hung}"
    return problems


def test_concurrency_readers_never_see_bytes_their_etag_does_not_describe(server: InProcessServer) -> None:
    seed = random.randrange(1 << 32)
    bodies = Bodies()
    stop = threading.Event()
    scans = [0]

    def fsck_reader() -> None:
        # A second reader of the sidecar (another connection, as `cargobay fsck` on a served
        # directory would be) running throughout: it must not make the server fail.
        while not stop.is_set():
            scan(server.root)
            scans[0] += 1

    reader = threading.Thread(target=fsck_reader, daemon=True)
    reader.start()
    try:
        problems = _run_workers(server, seed, bodies)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert not problems, f"seed={seed}: " + "\n".join(problems[:20])
    assert server.running.services.internal_errors == 0
    assert scans[0] > 0


def test_concurrency_sqlite_write_lock_held_elsewhere_is_waited_out(server: InProcessServer) -> None:
    """Another process holds the metadata database's write lock; PUTs wait, then succeed."""
    client = boto3_client(server.endpoint, max_pool_connections=8)
    db = sqlite3.connect(os.path.join(server.root, ".cargobay", "meta.db"), isolation_level=None)
    results: list[str] = []

    def put(n: int) -> None:
        try:
            client.put_object(Bucket=BUCKET, Key=f"locked/{n}", Body=b"x" * n)
            results.append("ok")
        except ClientError as exc:
            results.append(exc.response["Error"]["Code"])

    try:
        db.execute("BEGIN IMMEDIATE")  # the write lock, as a checkpointing or foreign writer would hold it
        threads = [threading.Thread(target=put, args=(n,), daemon=True) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.7)
        assert results == [], "a write finished while another process held the database's write lock"
        db.execute("COMMIT")
        for t in threads:
            t.join(timeout=60)
    finally:
        db.close()
    assert results == ["ok"] * 8
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="locked/")["Contents"]
    assert sorted((o["Key"], o["Size"]) for o in listed) == sorted((f"locked/{n}", n) for n in range(8))
    assert server.running.services.internal_errors == 0
