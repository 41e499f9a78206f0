"""The opt-in ``scale`` workload of ``cargobay bench s3``: does any cost grow with the bucket?

This module owns one long, one-shot workload (``--workloads scale --scale-keys N``; not in the
default set, not in CI). Against each endpoint it:

1. PUTs ``N`` objects of 256 B in rounds of 10,000 (flat keys ``obj-00000000``, or with
   ``--scale-tree deep`` four levels ``h/hh/hh/obj-…`` of 16 x 64 x 64 directories), recording
   rate and server CPU per PUT of every round: the first round against the last says whether a
   PUT costs more in a full bucket. For ``cargobay`` the objects between the first and the last
   round are written while the server is stopped, straight into its data directory with the
   metadata rows a PUT writes (same meta as the first round's rows, ETag = MD5, fingerprint from
   ``stat``): the state a million PUTs leave, in minutes instead of the hour a million fsynced PUTs
   take on this machine. Starting the server again on it is the start-up time on ``N - 10,000``
   objects;
2. HEADs 2,000 random keys among the N (CPU per HEAD, rate);
3. lists the whole bucket (ListObjectsV2, 1,000 a page), timing every page, with the server's
   peak RSS over the listing; first pages against last pages say whether listing is linear;
4. for endpoints whose data directory it owns: the metadata sidecar's size per object (cargobay
   only: ``.cargobay/meta.db`` + WAL), then a restart on the same data, timed until it answers,
   and the first listing page after it.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import os
import random
import statistics
import sys
import time

from cargobay.bench._client import ClientError, S3Connection
from cargobay.bench.s3_servers import ManagedServer
from cargobay.bench.s3_workers import Item, WorkerPool, payload_block
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


def _fill_offline(root: str, bucket: str, p: Params, start: int, stop: int) -> None:
    """Objects ``start``..``stop - 1`` written straight into a stopped cargobay's data directory,
    each with the row a PUT leaves (the first round's row as the template of its metadata)."""
    from cargobay._types import Fingerprint
    from cargobay.s3.store.metadb import MetaDB, ObjectRow

    db = MetaDB(os.path.join(root, ".cargobay", "meta.db"))
    try:
        template = db.get(bucket, scale_key(0, p.scale_tree))
        if template is None:
            raise RuntimeError("the first round left no metadata row to copy")
        block = payload_block(p.seed, _BLOCK)
        rows: list[ObjectRow] = []
        made: set[str] = set()
        for item in _items(p, start, stop):
            path = os.path.join(root, bucket, item.key)
            parent = os.path.dirname(path)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            data = block[item.offset : item.offset + item.size]
            with open(path, "wb") as fh:
                fh.write(data)
            st = os.stat(path)
            etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
            rows.append(ObjectRow(bucket, item.key, False, Fingerprint.of(st), etag, template.meta))
            if len(rows) >= 50_000:
                db.put_batch(rows, durable=False)
                rows.clear()
        db.put_batch(rows, durable=False)
    finally:
        db.close()


def _page_curve(times: list[float]) -> tuple[float, float, float]:
    """(median ms of the first 10% of pages, of the last 10%, max/min over ten deciles), from the
    second page on: the first page of a listing reads and sorts the directory once (reported by
    itself as ``scale.list_first_page``); the curve is what every later page costs."""
    times = times[1:] or times
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
    fast_fill = name.startswith("cargobay") and bool(server.data_dir) and n > 2 * ROUND and n % ROUND == 0
    for start in range(0, n, ROUND):
        if fast_fill and ROUND <= start < n - ROUND:
            continue
        if fast_fill and start == n - ROUND:
            startup = server.restart(between=lambda: _fill_offline(server.data_dir, bucket, p, ROUND, n - ROUND))
            rec.add("scale.startup", name, Measurement(startup, 1, startup, None, None))
            with S3Connection(server.target) as conn:
                _, seconds, cpu = _timed(server, lambda: conn.call("GET", f"/{bucket}", query={"list-type": "2"}))
            rec.add("scale.first_page_after_restart", name, Measurement(seconds, 1, seconds, cpu, None))
        run, cpu = _pool_run(pool, server, "put", bucket, _items(p, start, min(n, start + ROUND)), p, _BLOCK)
        m = Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run))
        rounds.append(m)
        if log:
            per = f"{1e3 * cpu / max(1, run.ops):.3f} ms CPU/PUT" if cpu is not None else ""
            print(
                f"[bench s3] scale {name}: {start + run.ops:,}/{n:,} {run.ops_per_s:,.0f} PUT/s {per}",
                file=sys.stderr,
                flush=True,
            )
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
    page_cpu: list[float] = []
    last = [time.perf_counter()]
    last_cpu = [meter.cpu_ns() if meter is not None else 0]

    def on_page(_: int) -> None:
        now = time.perf_counter()
        page_times.append(now - last[0])
        last[0] = now
        if meter is not None:  # the server's own CPU per page: what load on the machine cannot inflate
            cpu_now = meter.cpu_ns()
            page_cpu.append((cpu_now - last_cpu[0]) / 1e9)
            last_cpu[0] = cpu_now

    with S3Connection(server.target) as conn:
        conn.connect()
        try:
            last[0] = time.perf_counter()
            last_cpu[0] = meter.cpu_ns() if meter is not None else 0
            keys, seconds, cpu = _timed(server, lambda: conn.list_keys(bucket, on_page=on_page))
        except ClientError as exc:
            rec.check(name, "scale: listing", False, str(exc))
            return
    want_sorted = all(a.encode() < b.encode() for a, b in itertools.pairwise(keys))
    rec.check(
        name, "scale: listing has every key in S3 order", len(keys) == n and want_sorted, f"{len(keys):,} keys of {n:,}"
    )
    first_ms, last_ms, spread = _page_curve(page_times)
    if page_times:
        rec.add("scale.list_first_page", name, Measurement(page_times[0], 1, seconds, None, None))
    rec.add("scale.list_total", name, Measurement(seconds, len(page_times), seconds, cpu, None))
    rec.add("scale.list_page_first", name, Measurement(first_ms, 1, seconds, None, None))
    rec.add("scale.list_page_last", name, Measurement(last_ms, 1, seconds, None, None))
    rec.add("scale.list_page_spread", name, Measurement(spread, 1, seconds, None, None))
    if page_cpu:
        first_cpu, last_cpu_ms, cpu_spread = _page_curve(page_cpu)
        rec.add("scale.list_page_cpu_first", name, Measurement(first_cpu, 1, seconds, None, None))
        rec.add("scale.list_page_cpu_last", name, Measurement(last_cpu_ms, 1, seconds, None, None))
        rec.add("scale.list_page_cpu_spread", name, Measurement(cpu_spread, 1, seconds, None, None))
    if meter is not None:
        rec.add("scale.list_rss_mib", name, Measurement(meter.peak_rss() / (1 << 20), 1, seconds, None, None))
    keys.clear()

    if server.data_dir and name.startswith("cargobay"):
        db = sum(os.path.getsize(f) for f in glob.glob(os.path.join(server.data_dir, ".cargobay", "meta.db*")))
        rec.add("scale.db_bytes_per_object", name, Measurement(db / n, n, 0.0, None, None))
    if server.command and not fast_fill:
        try:
            startup = server.restart()
        except (ValueError, TimeoutError, RuntimeError, OSError) as exc:
            rec.note(name, "scale", f"restart on {n:,} objects failed: {exc}")
            return
        rec.add("scale.startup", name, Measurement(startup, 1, startup, None, None))
        with S3Connection(server.target) as conn:
            _, seconds, cpu = _timed(server, lambda: conn.call("GET", f"/{bucket}", query={"list-type": "2"}))
        rec.add("scale.first_page_after_restart", name, Measurement(seconds, 1, seconds, cpu, None))
