"""``cargobay bench s3``: S3 servers side by side, interleaved in one run.

Owns the command: its options, starting and stopping the endpoints, the interleaving, and the
peak-memory bookkeeping. The workloads are in :mod:`cargobay.bench.s3_workloads`, the load
generator in :mod:`cargobay.bench.s3_workers` (several client processes) and
:mod:`cargobay.bench._client` (a lean SigV4 client), the report in :mod:`cargobay.bench.s3_report`.

Every ``--endpoint`` is measured in the same run: for each workload and each repetition the
endpoints take turns (A B C, then B C A, ...), and medians over the repetitions are compared as
ratios against the first endpoint. Special endpoint values (``cargobay``, ``cargobay-nofsync``,
``cargobay-noauth``, ``moto``, ``pys3local``, ``pys3local-auth``, ``s3rver``, ``seaweedfs``) start a fresh
server in a temp directory; ``cargobay`` is the server as a user runs it, with fsync,
``cargobay-nofsync`` is the like-for-like comparison with peers that never fsync, and
``cargobay-noauth`` with peers that check no signature. A trivial local HTTP server (``null``) is
measured with the same client to show the client's ceiling next to the servers' rates.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import sys
from collections.abc import Callable
from typing import Any

from cargobay.bench._client import ClientError
from cargobay.bench.s3_floors import measure_floors
from cargobay.bench.s3_mixed import run_mixed
from cargobay.bench.s3_report import build_report, missed_targets, render_text
from cargobay.bench.s3_scale import run_scale
from cargobay.bench.s3_servers import SPECIAL, ManagedServer, start_endpoint
from cargobay.bench.s3_workers import WorkerPool
from cargobay.bench.s3_workloads import (
    DEFAULT_WORKLOADS,
    WORKLOADS,
    LargeData,
    Params,
    Recorder,
    SeedData,
    populate_list,
    run_large,
    run_list,
    run_seed,
    run_small,
)
from cargobay.errors import UsageError

MiB = 1 << 20

FULL = {
    "repetitions": 5,
    "files": 100,
    "min_size": "1KiB",
    "max_size": "1MiB",
    "subdirs": 10,
    "small_count": 2000,
    "small_size": "4KiB",
    "large_size": "256MiB",
    "part_size": "8MiB",
    "list_keys": 10_000,
    "mixed_objects": 1000,
    "mixed_ops": 4000,
}
QUICK = {
    "repetitions": 2,
    "files": 20,
    "min_size": "1KiB",
    "max_size": "64KiB",
    "subdirs": 4,
    "small_count": 100,
    "small_size": "4KiB",
    "large_size": "12MiB",
    "part_size": "5MiB",
    "list_keys": 300,
    "mixed_objects": 64,
    "mixed_ops": 256,
}
_SIZE = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$")
_UNITS = {
    None: 1,
    "b": 1,
    "k": 1 << 10,
    "kb": 1000,
    "kib": 1 << 10,
    "m": MiB,
    "mb": 10**6,
    "mib": MiB,
    "g": 1 << 30,
    "gb": 10**9,
    "gib": 1 << 30,
}


def parse_size(text: str) -> int:
    """``4096``, ``4K``/``4KiB`` (binary), ``4KB`` (decimal), ``1M``, ``256MiB``..."""
    match = _SIZE.match(str(text))
    if not match:
        raise UsageError(f"not a size: {text!r} (try 4KiB, 1MiB, 256MiB)")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _UNITS[unit])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0] if __doc__ else None
    parser.add_argument(
        "--endpoint",
        action="append",
        metavar="URL|NAME",
        help=f"an http:// URL, cargobay@SRC (the server of another checkout's src directory) or one of "
        f"{', '.join(s for s in SPECIAL if s != 'null')}; repeat to compare "
        "(the first is the subject of the ratios; default: cargobay, moto, and pys3local when installed)",
    )
    parser.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", ""), help="for URL endpoints")
    parser.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", ""), help="for URL endpoints")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--workloads",
        default=",".join(DEFAULT_WORKLOADS),
        help=f"comma-separated subset of {','.join(WORKLOADS)} (default: all but the long, opt-in scale)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and 2 repetitions (for tests and smoke runs)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a judged target is missed (absolute targets are judged at full size only)",
    )
    parser.add_argument("--repetitions", type=int, help="interleaved repetitions per workload (default 5)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="requests in flight (connections) per workload (default 16: with 2 client processes, the light "
        "client of issue 20, 2 processes x 8 threads)",
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=os.cpu_count() or 2,
        help="client worker processes for small-object traffic (default: CPU count)",
    )
    parser.add_argument("--seed", type=int, default=20240607, help="seed of every payload and size")
    parser.add_argument("--files", type=int, help="seed workload: number of objects (default 100)")
    parser.add_argument("--min-size", help="seed workload: smallest object (default 1KiB)")
    parser.add_argument("--max-size", help="seed workload: largest object (default 1MiB)")
    parser.add_argument("--subdirs", type=int, help="seed workload: key prefixes ('directories') (default 10)")
    parser.add_argument("--small-count", type=int, help="small objects per operation (default 2000)")
    parser.add_argument("--small-size", help="small object size (default 4KiB)")
    parser.add_argument("--large-size", help="large object size (default 256MiB)")
    parser.add_argument("--part-size", help="multipart part and GET range size (default 8MiB)")
    parser.add_argument("--list-keys", type=int, help="keys in the listing workload (default 10000)")
    parser.add_argument("--mixed-objects", type=int, help="mixed workload: objects per repetition (default 1000)")
    parser.add_argument("--mixed-ops", type=int, help="mixed workload: operations per repetition (default 4000)")
    parser.add_argument(
        "--scale-keys", type=int, default=100_000, help="scale workload (opt-in): objects in the bucket (default 100k)"
    )
    parser.add_argument(
        "--scale-tree", choices=("flat", "deep"), default="flat", help="scale workload: key layout (default flat)"
    )
    parser.add_argument("--no-floors", action="store_true", help="skip measuring the machine's floors")
    parser.add_argument(
        "--no-ceiling", action="store_true", help="skip the client-ceiling runs against a trivial server"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _params(args: argparse.Namespace) -> tuple[Params, int]:
    base = QUICK if args.quick else FULL

    def pick(name: str) -> Any:
        value = getattr(args, name)
        return base[name] if value is None else value

    p = Params(
        seed=args.seed,
        concurrency=args.concurrency,
        processes=args.client_processes,
        files=pick("files"),
        min_size=parse_size(pick("min_size")),
        max_size=parse_size(pick("max_size")),
        subdirs=pick("subdirs"),
        small_count=pick("small_count"),
        small_size=parse_size(pick("small_size")),
        large_size=parse_size(pick("large_size")),
        part_size=parse_size(pick("part_size")),
        list_keys=pick("list_keys"),
        mixed_objects=pick("mixed_objects"),
        mixed_ops=pick("mixed_ops"),
        scale_keys=args.scale_keys,
        scale_tree=args.scale_tree,
    )
    reps = pick("repetitions")
    if reps < 1 or p.concurrency < 1 or p.processes < 1 or p.files < 1 or p.subdirs < 1:
        raise UsageError("repetitions, concurrency, client processes, files and subdirs must be at least 1")
    if not 0 <= p.min_size <= p.max_size:
        raise UsageError("--min-size must not exceed --max-size")
    if p.part_size < 1 or p.large_size < 1 or p.small_count < 1 or p.list_keys < 1 or p.scale_keys < 1:
        raise UsageError("sizes and counts must be positive")
    return p, reps


def _guarded(rec: Recorder, server: ManagedServer, workload: str, step: Callable[[], object]) -> None:
    """Run one step; an endpoint that fails it is recorded as failing, and the run goes on."""
    try:
        step()
    except (ClientError, OSError) as exc:
        rec.check(server.name, f"{workload} workload ran", False, str(exc))
        tail = server.log_tail()
        rec.note(
            server.name, workload, f"{workload} workload failed: {exc}" + (f" (server log: {tail})" if tail else "")
        )


def _default_endpoints() -> list[str]:
    from cargobay.bench.s3_servers import _bin

    optional = (("pys3local", "pys3local"), ("seaweedfs", "weed"))
    return ["cargobay", "moto"] + [name for name, exe in optional if _bin(exe)]


def run(args: argparse.Namespace) -> int:
    params, reps = _params(args)
    specs = args.endpoint or _default_endpoints()
    if len(set(specs)) != len(specs):
        raise UsageError("each --endpoint may be given once")
    if "null" in specs:
        raise UsageError("'null' is the client-ceiling server; it is added by itself (see --no-ceiling)")
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = sorted(set(workloads) - set(WORKLOADS))
    if unknown or not workloads:
        raise UsageError(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    if "small" in workloads and not args.no_ceiling:
        specs = [*specs, "null"]

    servers: list[ManagedServer] = []
    rec = Recorder()
    peak: dict[str, dict[str, int]] = {}
    reset_ok = True
    pool = WorkerPool(min(params.processes, params.concurrency))
    client_processes = pool.size
    try:
        for spec in specs:
            try:
                servers.append(
                    start_endpoint(
                        spec,
                        access_key=args.access_key,
                        secret_key=args.secret_key,
                        region=args.region,
                        null_get_size=params.small_size,
                    )
                )
            except (ValueError, RuntimeError, TimeoutError, OSError) as exc:
                raise UsageError(f"cannot start endpoint {spec!r}: {exc}") from exc
        floors = None
        if not args.no_floors:
            if not args.quiet:
                print("[bench s3] floors of this machine", file=sys.stderr, flush=True)
            beside = next((os.path.dirname(m.data_dir) for m in servers if m.data_dir), ".")  # not in a data dir
            floors = measure_floors(beside, quick=args.quick)
        seed_data = SeedData.build(params) if "seed" in workloads else None
        large_data = LargeData(params) if "large" in workloads else None
        for workload in WORKLOADS:
            if workload not in workloads:
                continue
            active = [s for s in servers if s.name != "null" or workload == "small"]
            for s in active:
                if s.meter is not None and s.name != "null":
                    reset_ok &= s.meter.reset_peak()
            if workload == "list":
                for s in active:
                    _guarded(rec, s, workload, functools.partial(populate_list, pool, s, rec, params))
            for rep in range(1 if workload == "scale" else reps):
                turn = rep % len(active)
                for s in active[turn:] + active[:turn]:
                    if not args.quiet:
                        total = 1 if workload == "scale" else reps
                        print(f"[bench s3] {workload} {rep + 1}/{total}: {s.name}", file=sys.stderr, flush=True)
                    if workload == "seed":
                        assert seed_data is not None
                        step = functools.partial(run_seed, pool, s, rec, params, seed_data, rep)
                    elif workload == "small":
                        step = functools.partial(run_small, pool, s, rec, params, rep)
                    elif workload == "mixed":
                        step = functools.partial(run_mixed, pool, s, rec, params, rep)
                    elif workload == "scale":
                        step = functools.partial(run_scale, pool, s, rec, params, not args.quiet)
                    elif workload == "large":
                        assert large_data is not None
                        step = functools.partial(run_large, s, rec, params, large_data, rep)
                    else:
                        step = functools.partial(run_list, s, rec, params, rep)
                    _guarded(rec, s, workload, step)
            for s in active:
                if s.meter is not None and s.name != "null":
                    peak.setdefault(s.name, {})[workload] = s.meter.peak_rss()
    finally:
        pool.close()
        for s in servers:
            s.stop()

    full_size = (params.large_size, params.list_keys) == (256 * MiB, 10_000)
    endpoints = [{"name": s.name, "description": s.description, "url": s.target.url} for s in servers]
    configuration = {
        "repetitions": reps,
        "seed": params.seed,
        "concurrency": params.concurrency,
        "client": (
            f"lean SigV4 client (UNSIGNED-PAYLOAD, keep-alive), {client_processes} process(es) for small objects; "
            f"large objects: {params.concurrency} threads in one process"
        ),
        "machine": (
            f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"
        ),
        "peak_rss_method": "VmHWM, reset per workload via /proc/PID/clear_refs"
        if reset_ok
        else "VmHWM (reset refused by the kernel: peaks are cumulative over the run)",
        "order": "endpoints take turns within each repetition, rotating the starting endpoint",
        "server_cpu": "CPU time of the server process tree in nanoseconds (the process CPU-time clock: every "
        "thread, exited ones too; see cargobay.bench._proc), read once the server has gone quiet before and "
        "after every measurement: work left behind after the answers (background frees) is charged to it, "
        "work left by an untimed step to nothing",
        "fsync": {
            s.name: ("yes" if s.name == "cargobay" or s.name.startswith("cargobay@") else "no")
            for s in servers
            if s.name != "null"
        },
        "quick": bool(args.quick),
    }
    seed_total = sum(i.size for i in seed_data.items) if seed_data else 0
    test_data = {}
    if "seed" in workloads:
        test_data["seed"] = (
            f"{params.files} objects, {params.min_size:,}-{params.max_size:,} B "
            f"(total {seed_total / MiB:.1f} MiB) over {params.subdirs} prefixes"
        )
    if "small" in workloads:
        test_data["small"] = f"{params.small_count} objects of {params.small_size:,} B per operation and repetition"
    if "large" in workloads:
        test_data["large"] = f"one object of {params.large_size:,} B, parts/ranges of {params.part_size:,} B"
    if "list" in workloads:
        test_data["list"] = f"{params.list_keys} keys of 16 B, pages of 1,000"
    if "mixed" in workloads:
        test_data["mixed"] = (
            f"{params.mixed_objects} objects of {params.small_size:,} B, {params.mixed_ops} operations "
            "(GET 45%, STAT 30%, PUT 15%, DELETE 10%) per repetition"
        )
    if "scale" in workloads:
        test_data["scale"] = f"{params.scale_keys:,} objects of 256 B ({params.scale_tree} keys), one pass"
    report = build_report(
        rec=rec,
        params=params,
        endpoints=endpoints,
        configuration=configuration,
        test_data=test_data,
        peak_rss=peak,
        full_size=full_size,
        floors=floors,
    )
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(report))
    if not report["verified"]:
        return 1  # a peer's failure is reported, not an error of this command
    return 1 if args.check and missed_targets(report) else 0
