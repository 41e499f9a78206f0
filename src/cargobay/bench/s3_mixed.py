"""The ``mixed`` workload of ``cargobay bench s3``: a GET/STAT/PUT/DELETE mix with tail latencies.

This module owns one workload in the style of minio/warp's ``mixed`` benchmark: each repetition
uploads ``mixed_objects`` small objects, then every client thread (the multi-process pool of
:mod:`cargobay.bench.s3_workers`) runs its share of ``mixed_ops`` operations drawn 45% GET, 30%
STAT (HEAD), 15% PUT, 10% DELETE over objects only it touches, timing each request. The report
gets the overall rate with the server's CPU per operation, and p50/p99/p99.9 latency per
operation type (each a median over the repetitions). The objects are removed with DeleteObjects
at the end of the repetition, outside the timed span.
"""

from __future__ import annotations

from cargobay.bench._client import S3Connection
from cargobay.bench.s3_servers import ManagedServer
from cargobay.bench.s3_workers import MIX, Item, Job, WorkerPool, split
from cargobay.bench.s3_workloads import Measurement, Params, Recorder, _err, _pool_run, _timed

__all__ = ["PERCENTILES", "percentile", "run_mixed"]

MiB = 1 << 20
PERCENTILES = (("p50", 50.0), ("p99", 99.0), ("p999", 99.9))


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (as warp reports: a value that was measured)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def run_mixed(pool: WorkerPool, server: ManagedServer, rec: Recorder, p: Params, rep: int) -> None:
    name = server.name
    bucket = "bench-mixed"
    if rep == 0:
        with S3Connection(server.target) as conn:
            conn.create_bucket(bucket)
    block_size = 4 * MiB + p.small_size
    items = [Item(f"m{rep}/obj-{i:06d}", (i * 8191) % (4 * MiB), p.small_size) for i in range(p.mixed_objects)]
    run, _ = _pool_run(pool, server, "put", bucket, items, p, block_size)
    if run.errors:
        rec.check(name, "mixed: objects uploaded", False, _err(run))
        rec.note(name, "mixed", f"mixed workload not run, its objects could not all be uploaded: {_err(run)}")
        return
    chunks = split(items, concurrency=p.concurrency, processes=pool.size)
    threads = sum(t for _, t in chunks)
    jobs = [
        Job("mixed", server.target, bucket, chunk, t, p.seed, block_size, mixed_ops=max(1, p.mixed_ops // threads))
        for chunk, t in chunks
    ]
    run, _seconds, cpu = _timed(server, lambda: pool.run(jobs))  # CPU read quiet, as every round's
    rec.add("mixed.all", name, Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run)))
    rec.check(name, "mixed: every request answered", run.errors == 0, _err(run))
    for op, _ in MIX:
        values = run.latencies.get(op, [])
        if not values:
            continue
        for label, pct in PERCENTILES:
            ms = 1e3 * percentile(values, pct)
            rec.add(f"mixed.{op}.{label}", name, Measurement(ms, len(values), run.seconds, None, None))
    _pool_run(pool, server, "delete_objects", bucket, items, p, block_size)
