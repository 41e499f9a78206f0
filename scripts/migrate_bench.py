"""S3-to-S3 migration, cargobay sync against rclone sync, between `cargobay serve` and a SeaweedFS cluster.

Usage: ``flock /tmp/cargobay-bench.lock .venv/bin/python scripts/migrate_bench.py [N] [ROUNDS]``
(needs ``pip install -e '.[test,peers]'``). Fills a bucket of N objects (1-8 KiB, user metadata,
one tag each) on a `cargobay serve` subprocess, starts a SeaweedFS cluster
(:class:`cargobay.testing.seaweedfs.SeaweedCluster`), then, interleaved per round, migrates the bucket
into a fresh SeaweedFS bucket with ``cargobay sync`` and with ``rclone sync`` (both 8 transfers, both
via their command lines). Prints each run, the medians, the ratio and the load average; checks that
the cargobay copy equals the source (bodies, metadata, tags) and that a second cargobay run
transfers nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from cargobay.testing.clients import boto3_client
from cargobay.testing.seaweedfs import SeaweedCluster
from cargobay.testing.servers import Endpoint, SubprocessServer

BIN = os.path.dirname(sys.executable)


def fill(ep: Endpoint, bucket: str, n: int) -> None:
    c = boto3_client(ep)
    c.create_bucket(Bucket=bucket)

    def one(i: int) -> None:
        c.put_object(Bucket=bucket, Key=f"d{i % 50:02}/obj{i:05}", Body=os.urandom(1024 + (i * 37) % 7168),
                     ContentType="application/x-test", Metadata={"i": str(i)},
                     Tagging=urllib.parse.urlencode({"n": str(i % 7)}))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(n)))


def cargobay_sync(a: Endpoint, ba: str, b: Endpoint, bb: str) -> float:
    env = dict(os.environ, AWS_ACCESS_KEY_ID=a.access_key, AWS_SECRET_ACCESS_KEY=a.secret_key)
    # Per-side keys by profile: write two profiles once (named remotes).
    t = time.perf_counter()
    subprocess.run([os.path.join(BIN, "cargobay"), "sync", f"s3://{ba}", f"s3://{bb}", "--src-endpoint", a.url,
                    "--src-profile", "src", "--dst-endpoint", b.url, "--dst-profile", "dst", "--no-state", "-q"],
                   env={**env, "AWS_SHARED_CREDENTIALS_FILE": CREDS, "AWS_CONFIG_FILE": CONF}, check=True)
    return time.perf_counter() - t


def rclone_sync(a: Endpoint, ba: str, b: Endpoint, bb: str) -> float:
    env = dict(os.environ, RCLONE_CONFIG="/dev/null")
    for name, ep in (("A", a), ("B", b)):
        env.update({f"RCLONE_CONFIG_{name}_TYPE": "s3", f"RCLONE_CONFIG_{name}_PROVIDER": "Other",
                    f"RCLONE_CONFIG_{name}_ENDPOINT": ep.url, f"RCLONE_CONFIG_{name}_ACCESS_KEY_ID": ep.access_key,
                    f"RCLONE_CONFIG_{name}_SECRET_ACCESS_KEY": ep.secret_key,
                    f"RCLONE_CONFIG_{name}_REGION": ep.region})
    t = time.perf_counter()
    subprocess.run([os.path.join(BIN, "rclone"), "sync", f"A:{ba}", f"B:{bb}", "--transfers", "8",
                    "--checkers", "8"], env=env, check=True)
    return time.perf_counter() - t


CREDS = "/tmp/cargobay-migrate-bench-credentials"
CONF = "/tmp/cargobay-migrate-bench-config"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    import tempfile

    with tempfile.TemporaryDirectory() as root, SubprocessServer(root) as server, SeaweedCluster() as cluster:
        a, b = server.endpoint, cluster.endpoint
        with open(CREDS, "w") as fh:
            fh.write(f"[src]\naws_access_key_id={a.access_key}\naws_secret_access_key={a.secret_key}\n"
                     f"[dst]\naws_access_key_id={b.access_key}\naws_secret_access_key={b.secret_key}\n")
        with open(CONF, "w") as fh:
            fh.write("[profile src]\nregion = us-east-1\n[profile dst]\nregion = us-east-1\n")
        t = time.perf_counter()
        fill(a, "source", n)
        print(f"filled {n} objects in {time.perf_counter() - t:.1f} s", flush=True)
        times: dict[str, list[float]] = {"cargobay": [], "rclone": []}
        cb = boto3_client(b)
        for r in range(rounds):
            for tool, fn in (("cargobay", cargobay_sync), ("rclone", rclone_sync)):
                bucket = f"{tool}-{r}"
                cb.create_bucket(Bucket=bucket)
                elapsed = fn(a, "source", b, bucket)
                times[tool].append(elapsed)
                print(f"round {r} {tool}: {elapsed:.1f} s  load {os.getloadavg()}",
                      flush=True)
        t = time.perf_counter()
        again = cargobay_sync(a, "source", b, "cargobay-0")
        print(f"second cargobay run (nothing to do): {again:.1f} s", flush=True)
        ca = boto3_client(a)
        mismatches = 0
        for page in ca.get_paginator("list_objects_v2").paginate(Bucket="source"):
            for obj in page.get("Contents", ()):
                k = obj["Key"]
                x, y = ca.get_object(Bucket="source", Key=k), cb.get_object(Bucket="cargobay-0", Key=k)
                same = (x["Body"].read() == y["Body"].read() and x["Metadata"] == y["Metadata"]
                        and x["ContentType"] == y["ContentType"]
                        and ca.get_object_tagging(Bucket="source", Key=k)["TagSet"]
                        == cb.get_object_tagging(Bucket="cargobay-0", Key=k)["TagSet"])
                mismatches += not same
        mc, mr = statistics.median(times["cargobay"]), statistics.median(times["rclone"])
        print(f"N={n} rounds={rounds} median cargobay {mc:.1f} s, rclone {mr:.1f} s, ratio rclone/cargobay "
              f"{mr / mc:.2f}; objects differing after migration: {mismatches}", flush=True)


if __name__ == "__main__":
    main()
