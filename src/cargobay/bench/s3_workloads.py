"""The workloads of ``cargobay bench s3``: what one repetition does against one endpoint.

This module owns the four workloads and the test data they use, all from fixed seeds:

* ``seed``: the seed's local benchmark. N objects of random size in [min, max] spread over
  ``subdirs`` key prefixes: create a bucket, upload, list, download, verify SHA-256, delete.
* ``small``: PUT, then GET (content compared), then HEAD of ``count`` small objects, then
  DeleteObjects of all of them (100 keys a request; rate in keys/s).
* ``large``: one large object: multipart PUT with parts uploaded in parallel, then a
  ranged-parallel GET and a single-stream GET, each checked by SHA-256. A server whose multipart
  upload fails gets a single PUT instead (reported as such) so the GETs still run.
* ``list``: ``keys`` tiny objects are put once per endpoint; each repetition lists them all
  (ListObjectsV2, 1,000 per page) and checks count and S3 order.

Every measurement records the server's CPU seconds over the same span (so the report can show
server CPU per operation) and the client's own CPU. Small-object traffic goes through the
multi-process :class:`~cargobay.bench.s3_workers.WorkerPool`; large objects are moved by threads
in this process, which spend their time in ``sendall``/``recv_into`` without the GIL.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from cargobay.bench._client import ClientError, S3Connection
from cargobay.bench.s3_servers import ManagedServer
from cargobay.bench.s3_workers import Item, Job, PoolRun, WorkerPool, seeded_bytes, split

T = TypeVar("T")

__all__ = [
    "WORKLOADS",
    "Measurement",
    "Params",
    "Recorder",
    "SeedData",
    "run_large",
    "run_list",
    "run_seed",
    "run_small",
]

MiB = 1 << 20
KiB = 1 << 10
WORKLOADS = ("seed", "small", "mixed", "large", "list", "scale")
DEFAULT_WORKLOADS = ("seed", "small", "mixed", "large", "list")  # ``scale`` is opt-in: long


@dataclass(frozen=True)
class Params:
    seed: int
    concurrency: int
    processes: int
    files: int
    min_size: int
    max_size: int
    subdirs: int
    small_count: int
    small_size: int
    large_size: int
    part_size: int
    list_keys: int
    mixed_objects: int = 1000
    mixed_ops: int = 4000
    scale_keys: int = 100_000
    scale_tree: str = "flat"  # or "deep"


@dataclass
class Measurement:
    """One timed sample of one metric on one endpoint."""

    value: float  # in the metric's unit
    ops: int
    seconds: float
    server_cpu: float | None  # seconds, whole span
    client_cpu: float | None
    error: str = ""


@dataclass
class Check:
    passed: int = 0
    total: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, ok: bool, detail: str = "") -> None:
        self.total += 1
        self.passed += ok
        if not ok and detail and len(self.details) < 5:
            self.details.append(detail)


@dataclass(frozen=True)
class Note:
    """A sentence for the report about one endpoint. ``workload``: the workload whose failure it
    reports (matched exactly by whoever reads the report); None for a remark that reports none."""

    endpoint: str
    workload: str | None
    text: str

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.text}"


@dataclass
class Recorder:
    """Everything measured: samples[(metric, endpoint)], checks[(endpoint, check)], notes."""

    samples: dict[tuple[str, str], list[Measurement]] = field(default_factory=dict)
    checks: dict[tuple[str, str], Check] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def add(self, metric: str, endpoint: str, m: Measurement) -> None:
        self.samples.setdefault((metric, endpoint), []).append(m)

    def check(self, endpoint: str, name: str, ok: bool, detail: str = "") -> None:
        self.checks.setdefault((endpoint, name), Check()).add(ok, detail)

    def note(self, endpoint: str, workload: str | None, text: str) -> None:
        """Add a note (once: the same note from another repetition is not repeated)."""
        note = Note(endpoint, workload, text)
        if note not in self.notes:
            self.notes.append(note)


def _quiet_cpu(server: ManagedServer) -> float | None:
    """The server's CPU seconds so far, read once it has gone quiet (None without a meter)."""
    meter = server.meter
    return meter.cpu_ns_when_quiet() / 1e9 if meter is not None else None


def _timed(server: ManagedServer, fn: Callable[[], T]) -> tuple[T, float, float | None]:
    """(what ``fn()`` returned, wall seconds, server CPU seconds): every measurement of the bench
    is taken here.

    The server's CPU is read once it has gone quiet, before and after (see cargobay.bench._proc).
    After: what the server does once it has answered (cargobay frees deleted files' blocks on
    background threads, after DeleteObjects, a DELETE in the mixed workload, or a multipart
    completion that drops its parts) is still this operation's cost; read at the last answer, it
    went to whatever was measured next, or to nothing. Before: work left by an untimed step (the
    large object deleted at the end of a repetition, a cleanup) is charged to no measurement and
    does not compete with the timed span for the CPU. The wall clock runs only around ``fn``."""
    c0 = _quiet_cpu(server)
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    c1 = _quiet_cpu(server)
    return result, seconds, (c1 - c0 if c0 is not None and c1 is not None else None)


def _pool_run(
    pool: WorkerPool,
    server: ManagedServer,
    op: str,
    bucket: str,
    items: list[Item],
    p: Params,
    block_size: int,
    *,
    verify: bool = False,
    digests: bool = False,
) -> tuple[PoolRun, float | None]:
    """One round of ``op`` over ``items`` through the worker pool, and the server's CPU for it."""
    jobs = [
        Job(op, server.target, bucket, chunk, threads, p.seed, block_size, verify=verify, digests=digests)
        for chunk, threads in split(items, concurrency=p.concurrency, processes=pool.size)
    ]
    run, _seconds, cpu = _timed(server, lambda: pool.run(jobs))
    return run, cpu


def _err(run: PoolRun) -> str:
    return f"{run.errors} of {run.errors + run.ops} failed: {run.first_error}" if run.errors else ""


# -- seed workload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedData:
    items: tuple[Item, ...]
    sha256: dict[str, str]
    block_size: int

    @property
    def total_bytes(self) -> int:
        return sum(i.size for i in self.items)

    @classmethod
    def build(cls, p: Params) -> SeedData:
        rnd = random.Random(p.seed)
        block_size = p.max_size + 4 * MiB
        items = []
        for n in range(p.files):
            size = rnd.randint(p.min_size, p.max_size)
            key = f"dir-{rnd.randrange(p.subdirs):03d}/file-{n:05d}.bin"
            items.append(Item(key, rnd.randrange(0, block_size - size + 1), size))
        from cargobay.bench.s3_workers import payload_block

        block = payload_block(p.seed, block_size)
        sha = {i.key: hashlib.sha256(block[i.offset : i.offset + i.size]).hexdigest() for i in items}
        return cls(tuple(items), sha, block_size)


def run_seed(pool: WorkerPool, server: ManagedServer, rec: Recorder, p: Params, data: SeedData, rep: int) -> None:
    name = server.name
    bucket = f"bench-seed-{rep}"
    conn = S3Connection(server.target)
    try:
        _, seconds, cpu = _timed(server, lambda: conn.create_bucket(bucket))
        rec.add("seed.create_bucket", name, Measurement(seconds, 1, seconds, cpu, None))
        items = list(data.items)
        mib = data.total_bytes / MiB
        run, cpu = _pool_run(pool, server, "put", bucket, items, p, data.block_size)
        rec.add(
            "seed.upload", name, Measurement(mib / run.seconds, run.ops, run.seconds, cpu, run.client_cpu, _err(run))
        )
        listed, seconds, cpu = _timed(server, lambda: conn.list_keys(bucket))
        rec.add("seed.list", name, Measurement(seconds, 1, seconds, cpu, None))
        want = sorted(i.key for i in items)
        rec.check(
            name, "seed listing = uploaded keys", listed == want, f"{len(listed)} keys listed, {len(want)} uploaded"
        )
        run, cpu = _pool_run(pool, server, "get", bucket, items, p, data.block_size, digests=True)
        rec.add(
            "seed.download", name, Measurement(mib / run.seconds, run.ops, run.seconds, cpu, run.client_cpu, _err(run))
        )
        for item in items:
            got = run.digests.get(item.key)
            rec.check(name, "seed download SHA-256", got == data.sha256[item.key], f"{item.key}: {got and got[:12]}")
        run, cpu = _pool_run(pool, server, "delete", bucket, items, p, data.block_size)
        rec.add("seed.delete", name, Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run)))
        conn.delete_bucket(bucket)
    except ClientError as exc:
        rec.check(name, "seed workload completed", False, str(exc))
        rec.note(name, "seed", f"seed workload stopped: {exc}")
    finally:
        conn.close()


# -- small objects ------------------------------------------------------------------------------


def small_items(p: Params, rep: int) -> tuple[list[Item], int]:
    block_size = 4 * MiB + p.small_size
    items = [Item(f"r{rep}/obj-{i:06d}", (i * 4099) % (4 * MiB), p.small_size) for i in range(p.small_count)]
    return items, block_size


def run_small(pool: WorkerPool, server: ManagedServer, rec: Recorder, p: Params, rep: int) -> None:
    name = server.name
    is_null = name == "null"
    bucket = "bench-small"
    if not is_null and rep == 0:
        with S3Connection(server.target) as conn:
            conn.create_bucket(bucket)
    items, block_size = small_items(p, rep)
    for op in ("put", "get", "head", "delete_objects"):
        if op == "delete_objects" and is_null:
            continue
        run, cpu = _pool_run(pool, server, op, bucket, items, p, block_size, verify=not is_null)
        rec.add(f"small.{op}", name, Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run)))
        if not is_null and op in ("get", "head"):
            what = "small GET content" if op == "get" else "small HEAD Content-Length"
            bad = set(run.mismatches)
            for item in items:
                rec.check(name, what, item.key not in bad and run.errors == 0, item.key)


# -- one large object ---------------------------------------------------------------------------


class LargeData:
    def __init__(self, p: Params) -> None:
        self.data = seeded_bytes(p.seed + 1, p.large_size)
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        self.buffer = bytearray(p.large_size)
        self._zeros = bytes(p.large_size)

    def clear(self) -> None:
        self.buffer[:] = self._zeros

    def parts(self, part_size: int) -> list[tuple[int, int]]:
        size = len(self.data)
        return [(off, min(size, off + part_size)) for off in range(0, size, part_size)] or [(0, 0)]


class _Conns:
    """One keep-alive connection per thread of the executor."""

    def __init__(self, server: ManagedServer) -> None:
        self._server = server
        self._local = threading.local()
        self._all: list[S3Connection] = []
        self._lock = threading.Lock()

    def get(self) -> S3Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = S3Connection(self._server.target)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        for c in self._all:
            c.close()


def run_large(server: ManagedServer, rec: Recorder, p: Params, data: LargeData, rep: int) -> None:
    name = server.name
    bucket = "bench-large"
    key = f"large-{rep}"
    view = memoryview(data.data)
    size_mib = len(data.data) / MiB
    conns = _Conns(server)
    main = S3Connection(server.target)
    parts = data.parts(p.part_size)
    try:
        with ThreadPoolExecutor(max_workers=p.concurrency) as pool:
            # warm the connections so connecting is not timed
            list(pool.map(lambda _: conns.get().connect(), range(p.concurrency * 2)))
            if rep == 0:
                main.create_bucket(bucket)

            def multipart() -> None:
                upload_id = main.create_multipart(bucket, key)
                try:
                    etags = list(
                        pool.map(
                            lambda ip: conns.get().upload_part(
                                bucket, key, upload_id, ip[0] + 1, view[ip[1][0] : ip[1][1]]
                            ),
                            enumerate(parts),
                        )
                    )
                    main.complete_multipart(bucket, key, upload_id, etags)
                except BaseException:
                    with contextlib.suppress(ClientError):
                        main.abort_multipart(bucket, key, upload_id)
                    raise

            try:
                _, seconds, cpu = _timed(server, multipart)
                rec.add("large.put", name, Measurement(size_mib / seconds, len(parts), seconds, cpu, None))
                rec.check(name, "large multipart PUT", True)
            except ClientError as exc:
                rec.add("large.put", name, Measurement(0.0, 0, 0.0, None, None, f"multipart failed: {exc}"))
                rec.check(name, "large multipart PUT", False, str(exc))
                _, seconds, cpu = _timed(server, lambda: main.put(bucket, key, view))
                rec.add("large.put_single", name, Measurement(size_mib / seconds, 1, seconds, cpu, None))
                rec.note(name, "large", "multipart upload failed, the object was written with a single PUT instead")

            out = memoryview(data.buffer)

            def ranged() -> None:
                got = list(
                    pool.map(
                        lambda r: conns.get().get_into(bucket, key, out[r[0] : r[1]], range_=(r[0], r[1] - 1)), parts
                    )
                )
                if sum(got) != len(data.data):
                    raise ClientError(f"ranged GET returned {sum(got)} bytes of {len(data.data)}")

            for metric, fn, check in (
                ("large.get", ranged, "large ranged GET SHA-256"),
                ("large.get_single", lambda: main.get_into(bucket, key, out), "large single GET SHA-256"),
            ):
                data.clear()  # no byte of an earlier download can pass the check
                try:
                    _, seconds, cpu = _timed(server, fn)
                except ClientError as exc:
                    rec.add(metric, name, Measurement(0.0, 0, 0.0, None, None, str(exc)))
                    rec.check(name, check, False, str(exc))
                    continue
                ok = hashlib.sha256(data.buffer).hexdigest() == data.sha256
                rec.add(
                    metric,
                    name,
                    Measurement(
                        size_mib / seconds,
                        len(parts) if metric == "large.get" else 1,
                        seconds,
                        cpu,
                        None,
                        "" if ok else "corrupt download",
                    ),
                )
                rec.check(name, check, ok, f"repetition {rep}: SHA-256 differs")
            try:
                main.delete(bucket, key)
            except ClientError as exc:
                rec.note(name, "large", f"deleting the large object failed: {exc}")
    finally:
        conns.close()
        main.close()


# -- listing ------------------------------------------------------------------------------------


def list_items(p: Params) -> list[Item]:
    return [Item(f"obj-{i:06d}", i, 16) for i in range(p.list_keys)]


def populate_list(pool: WorkerPool, server: ManagedServer, rec: Recorder, p: Params) -> None:
    with S3Connection(server.target) as conn:
        conn.create_bucket("bench-list")
    run, cpu = _pool_run(pool, server, "put", "bench-list", list_items(p), p, p.list_keys + 16)
    rec.add(
        "list.populate", server.name, Measurement(run.ops_per_s, run.ops, run.seconds, cpu, run.client_cpu, _err(run))
    )


def run_list(server: ManagedServer, rec: Recorder, p: Params, rep: int) -> None:
    name = server.name
    want = [i.key for i in list_items(p)]
    with S3Connection(server.target) as conn:
        conn.connect()
        try:
            got, seconds, cpu = _timed(server, lambda: conn.list_keys("bench-list"))
        except ClientError as exc:
            rec.add("list.list", name, Measurement(0.0, 0, 0.0, None, None, str(exc)))
            rec.check(name, "listing: every key, S3 order", False, str(exc))
            return
        if conn.listed_with_v1_markers:
            rec.note(
                name, None, "ListObjectsV2 came back truncated without NextContinuationToken; paged with V1 markers"
            )
    pages = max(1, -(-len(want) // 1000))
    rec.add("list.list", name, Measurement(seconds, pages, seconds, cpu, None))
    rec.check(name, "listing: every key, S3 order", got == want, f"{len(got)} keys listed of {len(want)}")
