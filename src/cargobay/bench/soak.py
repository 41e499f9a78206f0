"""``cargobay bench soak``: a bounded mixed workload that runs for minutes and watches for decay.

This module owns the soak test of the S3 server: ``connections`` keep-alive clients (threads,
one :class:`~cargobay.bench._client.S3Connection` each) run a fixed mix of PUT, GET, ranged GET,
HEAD, LIST, COPY and DELETE over a bounded key space for ``minutes``, against a fresh
``cargobay serve`` (fsync on) or any endpoint. It reports latency percentiles per operation,
errors, and the server's resident set sampled over time.

What counts as an error: any 5xx, any unexpected status, any response whose body is not the
object its ETag names (every object is a single-part PUT or a copy of one, so ETag = MD5 of the
body), a connection failure. A 404 for a key another client just deleted is a *miss*, not an
error. The bounded key space and size range make the data set bounded, so a resident set that
keeps growing after warm-up is a leak, not data: the verdict compares the last RSS sample with
the one taken when warm-up ended.

Numbers are for watching a server over time, not for comparing servers: the client is one
Python process, so the rate is client-bound (``cargobay bench s3`` measures speed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from cargobay.bench._client import ClientError, S3Connection, Target, key_path

OPS = ("put", "get", "range", "head", "list", "copy", "delete")
WEIGHTS = (25, 30, 10, 10, 5, 10, 10)
BUCKET = "soak"


@dataclass(frozen=True)
class SoakOptions:
    duration: float = 600.0  # seconds of mixed load
    warmup: float = 5.0  # seconds after which the RSS baseline is taken
    connections: int = 32
    keys: int = 500
    max_size: int = 256 << 10
    sample_interval: float = 1.0  # seconds between RSS samples
    seed: int = 0


@dataclass
class OpStats:
    latencies: list[float] = field(default_factory=list)
    misses: int = 0


@dataclass(frozen=True)
class SoakResult:
    duration: float
    ops: int
    errors: int
    error_samples: tuple[str, ...]
    misses: int
    latency_ms: dict[str, dict[str, float]]  # op -> {p50, p99, max, count}
    rss_samples: tuple[tuple[float, int], ...]  # (seconds since start, bytes)
    rss_after_warmup: int
    rss_final: int

    @property
    def rss_growth(self) -> float:
        return self.rss_final / self.rss_after_warmup if self.rss_after_warmup else float("nan")


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else [ordered[0]] * 99
    return {"count": len(ordered), "p50": q[49] * 1e3, "p99": q[98] * 1e3, "max": ordered[-1] * 1e3}


class _Client(threading.Thread):
    def __init__(self, target: Target, options: SoakOptions, n: int, stop: threading.Event, errors: list[str]) -> None:
        super().__init__(name=f"soak-{n}", daemon=True)
        self.conn = S3Connection(target, timeout=60)
        self.options = options
        self.rng = random.Random(options.seed * 1000 + n)
        self.stop = stop
        self.errors = errors
        self.stats = {op: OpStats() for op in OPS}
        self.n = n
        self.seq = 0

    def key(self) -> str:
        return f"k/{self.rng.randrange(self.options.keys):05d}"

    def body(self) -> bytes:
        self.seq += 1
        head = f"{self.n}-{self.seq}|".encode()
        size = self.rng.choice([0, 100, 4096, 65536, self.rng.randrange(self.options.max_size + 1)])
        return head + self.rng.randbytes(size)

    def run(self) -> None:
        with self.conn:
            while not self.stop.is_set():
                op = self.rng.choices(OPS, WEIGHTS)[0]
                start = time.perf_counter()
                try:
                    missed = self.one(op)
                except ClientError as exc:
                    self.errors.append(f"{op}: {exc}")
                    continue
                except OSError as exc:
                    self.errors.append(f"{op}: {type(exc).__name__}: {exc}")
                    self.conn.close()
                    continue
                stats = self.stats[op]
                stats.latencies.append(time.perf_counter() - start)
                stats.misses += missed

    def one(self, op: str) -> bool:
        """Run one operation; True if it was a miss (the key was not there)."""
        key = self.key()
        if op == "put":
            body = self.body()
            etag = self.conn.put(BUCKET, key, body).strip('"')
            if etag != hashlib.md5(body).hexdigest():
                self.errors.append(f"put {key}: ETag {etag} is not the MD5 of the body")
            return False
        if op in ("get", "range"):
            headers = (
                {"Range": f"bytes={self.rng.randrange(1000)}-{self.rng.randrange(1000, 70000)}"}
                if op == "range"
                else None
            )
            r = self.conn.request("GET", key_path(BUCKET, key), headers=headers)
            if r.status in (404, 416):
                return True
            if r.status not in (200, 206):
                raise ClientError(f"GET {key}: HTTP {r.status}", status=r.status)
            etag = r.headers.get("etag", "").strip('"')
            if r.status == 200 and hashlib.md5(r.body).hexdigest() != etag:
                self.errors.append(f"get {key}: body does not match ETag {etag}")
            if int(r.headers.get("content-length", "-1")) != len(r.body):
                self.errors.append(f"get {key}: Content-Length does not match the body")
            return False
        if op == "head":
            r = self.conn.request("HEAD", key_path(BUCKET, key))
            if r.status == 404:
                return True
            if r.status != 200:
                raise ClientError(f"HEAD {key}: HTTP {r.status}", status=r.status)
            return False
        if op == "list":
            prefix = f"k/{self.rng.randrange(10)}"
            self.conn.call("GET", key_path(BUCKET), query={"list-type": "2", "prefix": prefix, "max-keys": "100"})
            return False
        if op == "copy":
            src = self.key()
            if src == key:  # a copy onto itself without changes is refused (400), as in AWS
                return True
            r = self.conn.request("PUT", key_path(BUCKET, key), headers={"x-amz-copy-source": f"/{BUCKET}/{src}"})
            if r.status == 404:
                return True
            if r.status != 200:
                raise ClientError(f"COPY {src} -> {key}: HTTP {r.status}", status=r.status)
            return False
        self.conn.delete(BUCKET, key)
        return False


def run_soak(
    target: Target,
    options: SoakOptions,
    *,
    rss: Callable[[], int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SoakResult:
    """Drive ``target`` with the mixed load for ``options.duration`` seconds.

    ``rss`` reads the server's resident set in bytes (None: not measured, e.g. a remote URL)."""
    with S3Connection(target) as admin:
        r = admin.request("PUT", key_path(BUCKET))
        if r.status not in (200, 409):
            raise ClientError(f"create bucket: HTTP {r.status}", status=r.status)
    stop = threading.Event()
    errors: list[str] = []
    clients = [_Client(target, options, n, stop, errors) for n in range(options.connections)]
    samples: list[tuple[float, int]] = []
    start = time.monotonic()
    for c in clients:
        c.start()
    rss_after_warmup = 0
    next_sample = 0.0
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= options.duration:
            break
        if rss is not None and elapsed >= next_sample:
            value = rss()
            samples.append((round(elapsed, 1), value))
            if not rss_after_warmup and elapsed >= options.warmup:
                rss_after_warmup = value
            next_sample += options.sample_interval
            if progress is not None and len(samples) % 10 == 0:
                ops = sum(len(s.latencies) for c in clients for s in c.stats.values())
                progress(f"  {elapsed:6.0f} s  {ops} ops  {len(errors)} errors  RSS {value / 2**20:.1f} MiB")
        time.sleep(min(0.2, max(0.0, options.duration - elapsed)))
    stop.set()
    for c in clients:
        c.join(timeout=120)
    elapsed = time.monotonic() - start
    final = rss() if rss is not None else 0
    if rss is not None:
        samples.append((round(elapsed, 1), final))
    latency = {op: _percentiles([x for c in clients for x in c.stats[op].latencies]) for op in OPS}
    latency["all"] = _percentiles([x for c in clients for s in c.stats.values() for x in s.latencies])
    hung = [c.name for c in clients if c.is_alive()]
    if hung:
        errors.append(f"clients still waiting for an answer after the run: {hung}")
    return SoakResult(
        duration=elapsed,
        ops=int(latency["all"]["count"]),
        errors=len(errors),
        error_samples=tuple(errors[:20]),
        misses=sum(c.stats[op].misses for c in clients for op in OPS),
        latency_ms=latency,
        rss_samples=tuple(samples),
        rss_after_warmup=rss_after_warmup or (samples[0][1] if samples else 0),
        rss_final=final,
    )


def render(result: SoakResult, description: str) -> str:
    lines = [
        f"soak: {description}: {result.ops} ops in {result.duration:.0f} s "
        f"({result.ops / max(result.duration, 1e-9):.0f}/s), errors {result.errors}, misses {result.misses}",
        f"  (a miss is a 404 for a key another client had just deleted or not yet written: expected under "
        f"concurrent load on a shared key space, not an error; {100 * result.misses / max(result.ops, 1):.1f}% "
        "of operations)",
    ]
    lines.append(f"  {'op':<7} {'count':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for op, p in result.latency_ms.items():
        lines.append(f"  {op:<7} {int(p['count']):>8} {p['p50']:>8.2f} {p['p99']:>8.2f} {p['max']:>8.1f}")
    if result.rss_samples:
        step = max(1, len(result.rss_samples) // 12)
        shown = result.rss_samples[::step] + ((result.rss_samples[-1],) if len(result.rss_samples) % step else ())
        lines.append("  server RSS (MiB) over time: " + ", ".join(f"{t:.0f}s={v / 2**20:.1f}" for t, v in shown))
        lines.append(
            f"  RSS after warm-up {result.rss_after_warmup / 2**20:.1f} MiB, final "
            f"{result.rss_final / 2**20:.1f} MiB (final is {result.rss_growth:.2f} times the warm-up value)"
        )
    for sample in result.error_samples:
        lines.append(f"  error: {sample}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive clients (default 32)")
    parser.add_argument("--keys", type=int, default=500, help="size of the key space (default 500)")
    parser.add_argument("--max-size", type=int, default=256 << 10, help="largest object in bytes (default 256 KiB)")
    parser.add_argument(
        "--endpoint",
        default="cargobay",
        help="cargobay (fresh `cargobay serve`, fsync on), cargobay-nofsync, or an http:// URL",
    )
    parser.add_argument("--access-key", default="benchkey")
    parser.add_argument("--secret-key", default="benchsecret")
    parser.add_argument(
        "--max-rss-growth",
        type=float,
        default=1.5,
        help="fail when final RSS exceeds this multiple of the RSS after warm-up (default 1.5)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from cargobay.bench.s3_servers import start_endpoint
    from cargobay.errors import UsageError

    if args.minutes <= 0 or args.connections <= 0 or args.keys <= 0:
        raise UsageError("--minutes, --connections and --keys must be positive")
    duration = args.minutes * 60
    options = SoakOptions(
        duration=duration,
        warmup=min(60.0, duration / 5),
        connections=args.connections,
        keys=args.keys,
        max_size=args.max_size,
        sample_interval=max(1.0, duration / 120),
        seed=args.seed,
    )
    try:
        server = start_endpoint(
            args.endpoint, access_key=args.access_key, secret_key=args.secret_key, region="us-east-1"
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        meter = server.meter
        rss: Callable[[], int] | None = meter.rss if meter is not None else None

        print(f"soak: {server.description}, {args.connections} connections, {args.minutes:g} min", flush=True)
        result = run_soak(server.target, options, rss=rss, progress=lambda line: print(line, flush=True))
    finally:
        server.stop()
    print(render(result, server.description))
    if args.json:
        from cargobay._fsutil import atomic_write

        with atomic_write(args.json, durable=False) as f:
            f.write(json.dumps({**asdict(result), "rss_growth": result.rss_growth}, indent=2).encode())
    failed = result.errors > 0 or (result.rss_after_warmup > 0 and result.rss_growth > args.max_rss_growth)
    if failed:
        print("soak: FAILED (errors, or RSS grew past the limit)", file=sys.stderr)
    return 1 if failed else 0
