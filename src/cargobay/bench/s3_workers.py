"""The load generator of ``cargobay bench s3``: client processes that run many small requests.

This module owns driving a server with many concurrent requests from several processes, so that
neither one client core nor one GIL caps the rate. A :class:`WorkerPool` keeps ``processes``
spawned worker processes for the whole run. A :class:`Job` names an operation (``put``, ``get``,
``head``, ``delete``), the objects it applies to and how many threads (one keep-alive
:class:`~cargobay.bench._client.S3Connection` each) run it. The parent hands one job to each
worker, waits until every worker has connected, then says go; each worker times its own share
on the system-wide monotonic clock, so the run's rate is all operations over the span from the
first start to the last end. Workers also report their own CPU seconds (the client's cost).

Payloads are slices of one seeded random block that every process rebuilds from its seed, so no
payload crosses a pipe and every object still has distinct content.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from cargobay.bench._client import ClientError, S3Connection, Target

__all__ = ["Item", "Job", "JobResult", "PoolRun", "WorkerPool", "payload_block", "seeded_bytes", "split"]

OPS = ("put", "get", "head", "delete", "delete_objects", "mixed")
DELETE_BATCH = 100  # keys per DeleteObjects request
# The mix of minio/warp's ``mixed`` benchmark: GET 45%, STAT 30%, PUT 15%, DELETE 10%.
MIX = (("get", 45), ("head", 30), ("put", 15), ("delete", 10))


@dataclass(frozen=True)
class Item:
    """One object of a job: its key and its content as (offset, size) in the payload block."""

    key: str
    offset: int
    size: int


@dataclass(frozen=True)
class Job:
    op: str
    target: Target
    bucket: str
    items: tuple[Item, ...]
    threads: int
    block_seed: int
    block_size: int
    verify: bool = False  # get: compare each body with the expected bytes
    digests: bool = False  # get: return the SHA-256 of each body
    mixed_ops: int = 0  # mixed: operations per thread (items are the objects it works on)


@dataclass
class JobResult:
    ops: int = 0
    nbytes: int = 0
    start: float = 0.0
    end: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    first_error: str = ""
    mismatches: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)  # mixed: seconds per op, by op


@dataclass(frozen=True)
class PoolRun:
    """The combined outcome of one job per worker."""

    ops: int
    nbytes: int
    seconds: float
    client_cpu: float
    errors: int
    first_error: str
    mismatches: tuple[str, ...]
    digests: dict[str, str]
    latencies: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds > 0 else 0.0


_BLOCKS: dict[tuple[int, int], bytes] = {}
_CHUNK = 16 << 20


def seeded_bytes(seed: int, size: int) -> bytes:
    """``size`` pseudo-random bytes from ``seed`` (built in chunks: ``randbytes`` caps near 256 MiB)."""
    rnd = random.Random(seed)
    return b"".join(rnd.randbytes(min(_CHUNK, size - off)) for off in range(0, size, _CHUNK))


def payload_block(seed: int, size: int) -> bytes:
    """The shared payload block (cached per process)."""
    key = (seed, size)
    if key not in _BLOCKS:
        _BLOCKS.clear()
        _BLOCKS[key] = seeded_bytes(seed, size)
    return _BLOCKS[key]


def split(items: Sequence[Item], *, concurrency: int, processes: int) -> list[tuple[tuple[Item, ...], int]]:
    """Spread ``items`` and ``concurrency`` connections over at most ``processes`` workers.

    Returns (items, threads) per worker; items are dealt round-robin so each worker gets a mix.
    """
    workers = max(1, min(processes, concurrency, len(items) or 1))
    out = []
    for w in range(workers):
        threads = concurrency // workers + (1 if w < concurrency % workers else 0)
        out.append((tuple(items[w::workers]), max(1, threads)))
    return out


def _run_thread(
    job: Job, conn: S3Connection, items: Sequence[Item], block: memoryview, out: JobResult, lock: threading.Lock
) -> None:
    ops = nbytes = errors = 0
    first = ""
    mismatches: list[str] = []
    digests: dict[str, str] = {}
    op, bucket = job.op, job.bucket
    if op == "delete_objects":
        for start in range(0, len(items), DELETE_BATCH):
            keys = [i.key for i in items[start : start + DELETE_BATCH]]
            try:
                failed = conn.delete_objects(bucket, keys)
                ops += len(keys) - failed
                errors += failed
                if failed and not first:
                    first = f"DeleteObjects: {failed} of {len(keys)} keys failed"
            except (ClientError, OSError) as exc:
                errors += len(keys)
                first = first or str(exc)
        items = ()
    latencies: dict[str, list[float]] = {}
    if op == "mixed":
        ops, errors, first = _run_mixed(job, conn, items, block, latencies)
        items = ()
    for item in items:
        try:
            if op == "put":
                conn.put(bucket, item.key, block[item.offset : item.offset + item.size])
                nbytes += item.size
            elif op == "get":
                body = conn.get(bucket, item.key)
                nbytes += len(body)
                if job.verify and body != block[item.offset : item.offset + item.size]:
                    mismatches.append(item.key)
                if job.digests:
                    digests[item.key] = hashlib.sha256(body).hexdigest()
            elif op == "head":
                headers = conn.head(bucket, item.key)
                if job.verify and headers.get("content-length") != str(item.size):
                    mismatches.append(item.key)
            elif op == "delete":
                conn.delete(bucket, item.key)
            else:
                raise ValueError(op)
            ops += 1
        except (ClientError, OSError) as exc:
            errors += 1
            if not first:
                first = str(exc)
    with lock:
        out.ops += ops
        out.nbytes += nbytes
        out.errors += errors
        out.first_error = out.first_error or first
        out.mismatches.extend(mismatches)
        out.digests.update(digests)
        for name, values in latencies.items():
            out.latencies.setdefault(name, []).extend(values)


def _run_mixed(
    job: Job, conn: S3Connection, items: Sequence[Item], block: memoryview, latencies: dict[str, list[float]]
) -> tuple[int, int, str]:
    """``job.mixed_ops`` operations drawn from :data:`MIX` over this thread's own objects.

    The thread owns its items (no other thread touches them), so it knows which exist: GET, STAT
    and DELETE pick an existing object, PUT (re)writes any of them; with none left it PUTs."""
    rnd = random.Random(f"{job.block_seed}:{items[0].key if items else ''}")
    names = [name for name, _ in MIX]
    weights = [w for _, w in MIX]
    present = list(items)  # the workload uploaded every item before the run
    absent: list[Item] = []
    ops = errors = 0
    first = ""
    for _ in range(job.mixed_ops):
        op = rnd.choices(names, weights)[0] if present else "put"
        if op == "put":
            pool = absent if absent and rnd.random() < 0.5 else present
            item = pool[rnd.randrange(len(pool))]
        else:
            item = present[rnd.randrange(len(present))]
        t0 = time.perf_counter()
        try:
            if op == "put":
                conn.put(job.bucket, item.key, block[item.offset : item.offset + item.size])
            elif op == "get":
                conn.get(job.bucket, item.key)
            elif op == "head":
                conn.head(job.bucket, item.key)
            else:
                conn.delete(job.bucket, item.key)
        except (ClientError, OSError) as exc:
            errors += 1
            first = first or f"{op} {item.key}: {exc}"
            continue
        latencies.setdefault(op, []).append(time.perf_counter() - t0)
        ops += 1
        if op == "put" and item in absent:
            absent.remove(item)
            present.append(item)
        elif op == "delete":
            present.remove(item)
            absent.append(item)
    return ops, errors, first


def _worker_main(pipe: Connection) -> None:
    while True:
        job = pipe.recv()
        if job is None:
            return
        block = memoryview(payload_block(job.block_seed, job.block_size))
        chunks = [job.items[t :: job.threads] for t in range(job.threads)]
        conns = [S3Connection(job.target) for _ in chunks]
        result = JobResult()
        try:
            for c in conns:
                c.connect()
        except OSError as exc:
            result.errors = len(job.items)
            result.first_error = f"connect: {exc}"
        lock = threading.Lock()
        threads = [
            threading.Thread(target=_run_thread, args=(job, c, chunk, block, result, lock))
            for c, chunk in zip(conns, chunks, strict=True)
        ]
        pipe.send("ready")
        pipe.recv()  # go
        cpu0 = time.process_time()
        result.start = time.monotonic()
        if not result.first_error.startswith("connect:"):
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        result.end = time.monotonic()
        result.cpu = time.process_time() - cpu0
        for c in conns:
            c.close()
        pipe.send(result)


class WorkerPool:
    """``processes`` spawned client processes, kept for the whole benchmark."""

    def __init__(self, processes: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._pipes: list[Connection] = []
        self._procs: list[Any] = []
        for i in range(max(1, processes)):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(child,), name=f"cargobay-bench-client-{i}", daemon=True)
            proc.start()
            child.close()
            self._pipes.append(parent)
            self._procs.append(proc)

    @property
    def size(self) -> int:
        return len(self._procs)

    def run(self, jobs: Sequence[Job]) -> PoolRun:
        if not 0 < len(jobs) <= len(self._pipes):
            raise ValueError(f"{len(jobs)} jobs for {len(self._pipes)} workers")
        pipes = self._pipes[: len(jobs)]
        for pipe, job in zip(pipes, jobs, strict=True):
            pipe.send(job)
        for pipe in pipes:
            if pipe.recv() != "ready":
                raise RuntimeError("a client worker did not get ready")
        for pipe in pipes:
            pipe.send("go")
        results: list[JobResult] = [pipe.recv() for pipe in pipes]
        digests: dict[str, str] = {}
        mismatches: list[str] = []
        latencies: dict[str, list[float]] = {}
        for r in results:
            digests.update(r.digests)
            mismatches.extend(r.mismatches)
            for name, values in r.latencies.items():
                latencies.setdefault(name, []).extend(values)
        return PoolRun(
            ops=sum(r.ops for r in results),
            nbytes=sum(r.nbytes for r in results),
            seconds=max(r.end for r in results) - min(r.start for r in results),
            client_cpu=sum(r.cpu for r in results),
            errors=sum(r.errors for r in results),
            first_error=next((r.first_error for r in results if r.first_error), ""),
            mismatches=tuple(mismatches),
            digests=digests,
            latencies=latencies,
        )

    def close(self) -> None:
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for pipe in self._pipes:
            pipe.close()
        self._pipes.clear()
        self._procs.clear()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
