"""The opt-in ``scale`` workload of ``cargobay bench s3``: does any cost grow with the bucket?

This module owns one long, one-shot workload (``--workloads scale --scale-keys N``; not in the
default set, not in CI). Against each endpoint it:

1. PUTs ``N`` objects of 256 B in rounds of 10,000 (flat keys ``obj-00000000``, or with
   ``--scale-tree deep`` four levels ``h/hh/hh/obj-…`` of 16 x 64 x 64 directories), recording
   rate and server CPU per PUT of every round: the first round against the last says whether a
   PUT costs more in a full bucket;
2. HEADs 2,000 random keys among the N (CPU per HEAD, rate);
3. lists the whole bucket (ListObjectsV2, 1,000 a page), timing every page, with the server's
   peak RSS over the listing; first pages against last pages say whether listing is linear;
4. for endpoints whose data directory it owns: the metadata sidecar's size per object (cargobay
   only: ``.cargobay/meta.db`` + WAL), then a restart on the same data, timed until it answers,
   and the first listing page after it.
"""

from __future__ import annotations

import glob
import itertools
import os
import random
import statistics
import time

from cargobay.bench._client import ClientError, S3Connection
from cargobay.bench.s3_servers import ManagedServer
from cargobay.bench.s3_workers import Item, WorkerPool
from cargobay.bench.s3_workloads import Measurement, Params, Recorder, _err, _pool_run, _timed

__all__ = ["ROUND", "run_scale", "scale_key"]

ROUND = 10_000
_SIZE = 256
_BLOCK = 1 << 20


def scale_key(i: int, tree: str) -> str:
    if tree == "deep":
        return f"{i % 16:x}/{(i // 16) % 64:02x}/{(i // 1024) % 64:02x}/obj-{i:08d}"
    return f"obj-{i:08d}"


def _items(p: Params, start: int, stop: int) -> list[Item]:
    return [Item(scale_key(i, p.scale_tree), (i * 4099) % (_BLOCK - _SIZE), _SIZE) for i in range(start, stop)]


def _page_curve(times: list[float]) -> tuple[float, float, float]:
    """(median ms of the first 10% of pages, of the last 10%, max/min over ten deciles)."""
    n = max(1, len(times) // 10)
    deciles = [statistics.median(times[k : k + n]) for k in range(0, len(times) - n + 1, n)] or [0.0]
    lo = min(deciles)
    return 1e3 * deciles[0], 1e3 * deciles[-1], (max(deciles) / lo if lo > 0 else 0.0)


def run_scale(pool: WorkerPool, server: ManagedServer, rec: Recorder, p: Params, log: bool = True) -> None:
    name = server.name
    bucket = "bench-scale"
    with S3Connection(server.target) as conn:
        conn.create_bucket(bucket)
    n = p.scale_keys
    rounds = []
    for start in range(0, n, ROUND):
        run, cpu = _pool_run(pool, server, "put", bucket, _items(p, start, min(n, start + ROUND)), p, _BLOCK)
        m = Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run))
        rounds.append(m)
        if log:
            per = f"{1e3 * cpu / max(1, run.ops):.3f} ms CPU/PUT" if cpu is not None else ""
            print(f"[bench s3] scale {name}: {start + run.ops:,}/{n:,} {run.ops_per_s:,.0f} PUT/s {per}", flush=True)
        if run.errors:
            rec.check(name, "scale: every PUT answered", False, _err(run))
            return
    rec.add("scale.put_first", name, rounds[0])
    rec.add("scale.put_last", name, rounds[-1])
    rnd = random.Random(p.seed)
    picks = [_items(p, i, i + 1)[0] for i in (rnd.randrange(n) for _ in range(2000))]
    run, cpu = _pool_run(pool, server, "head", bucket, picks, p, _BLOCK, verify=True)
    rec.add("scale.head_random", name, Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run)))
    rec.check(name, "scale: HEAD of random keys", run.errors == 0 and not run.mismatches, _err(run))

    meter = server.meter
    if meter is not None:
        meter.reset_peak()
    page_times: list[float] = []
    last = [time.perf_counter()]

    def on_page(_: int) -> None:
        now = time.perf_counter()
        page_times.append(now - last[0])
        last[0] = now

    keys: list[str] = []
    with S3Connection(server.target) as conn:
        conn.connect()
        try:
            last[0] = time.perf_counter()
            seconds, cpu = _timed(server, lambda: keys.extend(conn.list_keys(bucket, on_page=on_page)))
        except ClientError as exc:
            rec.check(name, "scale: listing", False, str(exc))
            return
    want_sorted = all(a.encode() < b.encode() for a, b in itertools.pairwise(keys))
    rec.check(name, "scale: listing has every key in S3 order", len(keys) == n and want_sorted,
              f"{len(keys):,} keys of {n:,}")
    first_ms, last_ms, spread = _page_curve(page_times)
    rec.add("scale.list_total", name, Measurement(seconds, len(page_times), seconds, cpu, None))
    rec.add("scale.list_page_first", name, Measurement(first_ms, 1, seconds, None, None))
    rec.add("scale.list_page_last", name, Measurement(last_ms, 1, seconds, None, None))
    rec.add("scale.list_page_spread", name, Measurement(spread, 1, seconds, None, None))
    if meter is not None:
        rec.add("scale.list_rss_mib", name, Measurement(meter.peak_rss() / (1 << 20), 1, seconds, None, None))
    keys.clear()

    if server.data_dir and name.startswith("cargobay"):
        db = sum(os.path.getsize(f) for f in glob.glob(os.path.join(server.data_dir, ".cargobay", "meta.db*")))
        rec.add("scale.db_bytes_per_object", name, Measurement(db / n, n, 0.0, None, None))
    if server.command:
        try:
            startup = server.restart()
        except (ValueError, TimeoutError, RuntimeError, OSError) as exc:
            rec.note(f"{name}: restart on {n:,} objects failed: {exc}")
            return
        rec.add("scale.startup", name, Measurement(startup, 1, startup, None, None))
        with S3Connection(server.target) as conn:
            seconds, cpu = _timed(server, lambda: conn.call("GET", f"/{bucket}", query={"list-type": "2"}))
        rec.add("scale.first_page_after_restart", name, Measurement(seconds, 1, seconds, cpu, None))
