"""asv benchmarks of cargobay's S3 server: small objects, one large object, listing 10,000 keys.

See asv_bench/README.md for how to run them and a table of what each one measures.

What each family measures (the server's speed and memory across commits; the peers are compared
by ``cargobay bench s3``, which also measures concurrency):

* ``time_*`` run against the real ``cargobay serve`` command (a subprocess, fsync on, as a user
  runs it), driven by the benchmark's lean SigV4 client (``cargobay.bench._client``: keep-alive,
  UNSIGNED-PAYLOAD, about 30 µs of client CPU per request), so the time is the server's.
* ``track_server_peak_rss_mib`` runs the class's whole workload once against a fresh server and
  returns the server process's peak resident set (VmHWM, from /proc), in MiB.
* ``peakmem_*`` run the same workloads against the server in-process
  (``cargobay.testing.servers.InProcessServer``), so asv's peak-memory figure is the server's
  plus an idle interpreter; the client reuses one small buffer, so it adds no per-byte memory.
  ``peakmem_reference`` is that baseline: the process with the server started, doing nothing.

Inputs come from fixed seeds and are built once per run in ``setup_cache``: the payloads, and
for listing a data directory with 10,000 objects put through the server (each ``setup`` serves a
copy-free, read-only view of it: listing does not write). Writes go to a fresh directory per
``setup``. Only public entry points are used: ``cargobay serve``, ``cargobay.testing.servers``
and the benchmark client.
"""

from __future__ import annotations

import os
import queue
import random
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

try:
    from cargobay.bench._client import RepeatedBody, S3Connection, Target
    from cargobay.testing.servers import InProcessServer, SubprocessServer
except ImportError:  # an old commit without the server or the benchmark client
    RepeatedBody = S3Connection = Target = InProcessServer = SubprocessServer = None  # type: ignore[assignment, misc]
try:
    from cargobay.bench._proc import ProcessMeter
except ImportError:  # an old commit without the nanosecond CPU meter
    ProcessMeter = None  # type: ignore[assignment, misc]

SEED = 20240607
T = TypeVar("T")
MiB = 1 << 20
SMALL_COUNT = 200
SMALL_SIZE = 4096
LARGE_SIZE = 64 * MiB  # cargobay bench s3 measures 256 MiB; asv repeats, so it stays smaller
PART_SIZE = 8 * MiB
PARALLEL = 4
LIST_KEYS = 10_000
# Fixed credentials: buckets belong to the access key that created them, and the listing data
# is created in setup_cache by one server and listed by another.
ACCESS_KEY = "ASVBENCHKEY"
SECRET_KEY = "asv-bench-secret"


def _require() -> None:
    if SubprocessServer is None or S3Connection is None:
        raise NotImplementedError("cargobay serve or the benchmark client is not available at this commit")


def _target(server: object) -> Target:
    e = server.endpoint  # type: ignore[attr-defined]
    return Target(e.url, e.access_key, e.secret_key, e.region)


def _status_mib(pid: int, field: str) -> float:
    """A ``/proc/PID/status`` memory field (``VmHWM``, ``VmRSS``) in MiB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _vmhwm_mib(pid: int) -> float:
    return _status_mib(pid, "VmHWM")


def _flat_tree(dirname: str, bucket: str, keys: int) -> str:
    """A data directory (under the asv run's cwd) whose ``bucket`` holds ``keys`` small files
    written straight to disk, indexed once by a server's first listing; its path."""
    root = os.path.join(os.getcwd(), dirname)
    directory = os.path.join(root, bucket)
    os.makedirs(directory, exist_ok=True)
    for i in range(keys):
        with open(os.path.join(directory, f"obj-{i:08d}"), "wb") as fh:
            fh.write(b"0123456789abcdef")
    server = _start_subprocess_server(root, "--no-fsync")
    try:
        with S3Connection(Target(server.url, ACCESS_KEY, SECRET_KEY)) as conn:
            assert len(conn.list_keys(bucket)) == keys
    finally:
        server.stop()
    return root


def _payloads(cache: str) -> bytes:
    with open(os.path.join(cache, "payload.bin"), "rb") as fh:
        return fh.read()


def _build_payload(cache: str) -> None:
    """8 MiB of seeded random bytes: small objects are 4 KiB slices, the large one repeats it."""
    with open(os.path.join(cache, "payload.bin"), "wb") as fh:
        fh.write(random.Random(SEED).randbytes(PART_SIZE))


def _start_subprocess_server(root: str, *extra: str) -> SubprocessServer:
    """``cargobay serve`` on a free port; retried, since another process may take the port first."""
    for attempt in range(3):
        server = SubprocessServer(root, extra_args=("--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY, *extra))
        try:
            return server.start()
        except RuntimeError:
            server.stop()
            if attempt == 2:
                raise RuntimeError(f"cargobay serve did not start: {server.output[-2000:]}") from None
    raise AssertionError("unreachable")


class _ServerCase:
    """Starts a fresh ``cargobay serve`` (fsync on) in ``setup`` and stops it in ``teardown``."""

    timeout = 900
    in_process = False

    serve_cache = False  # serve the directory setup_cache returned (read-only use) instead of a fresh one

    def setup(self, cache: str) -> None:
        _require()
        self.tmp = tempfile.TemporaryDirectory(prefix="cargobay-asv-s3-")
        root = cache if self.serve_cache else self.tmp.name
        self.server: InProcessServer | SubprocessServer
        if self.in_process:
            self.server = InProcessServer(root=root).start()
            self.pid = os.getpid()
            self.target = _target(self.server)
        else:
            self.server = server = _start_subprocess_server(root)
            assert server.process is not None
            self.pid = server.process.pid
            self.target = Target(server.url, ACCESS_KEY, SECRET_KEY)
        self.conn = S3Connection(self.target)
        try:
            self._prepare(cache)
        except BaseException:  # asv skips teardown when setup fails: leave no server behind
            self.teardown()
            raise

    def _prepare(self, cache: str) -> None:
        """Per-class preparation after the server is up."""

    def teardown(self, *args: object) -> None:
        for name, stop in (("conn", "close"), ("server", "stop"), ("tmp", "cleanup")):
            if hasattr(self, name):
                getattr(getattr(self, name), stop)()


class SmallObjects(_ServerCase):
    """PUT, GET and HEAD of 200 objects of 4 KiB, one after another on one keep-alive connection."""

    def setup_cache(self) -> str:
        cache = os.getcwd()
        _build_payload(cache)
        return cache

    def _prepare(self, cache: str) -> None:
        block = memoryview(_payloads(cache))
        self.bodies = [block[i * SMALL_SIZE : (i + 1) * SMALL_SIZE] for i in range(SMALL_COUNT)]
        self.keys = [f"dir-{i % 10}/obj-{i:05d}" for i in range(SMALL_COUNT)]
        self.conn.create_bucket("small")
        self.conn.create_bucket("read")
        for key, body in zip(self.keys, self.bodies, strict=True):
            self.conn.put("read", key, body)

    def _put(self) -> None:
        for key, body in zip(self.keys, self.bodies, strict=True):
            self.conn.put("small", key, body)

    def _get(self) -> None:
        for key in self.keys:
            self.conn.get("read", key)

    def _head(self) -> None:
        for key in self.keys:
            self.conn.head("read", key)

    def time_put(self, cache: str) -> None:
        self._put()

    def time_get(self, cache: str) -> None:
        self._get()

    def time_head(self, cache: str) -> None:
        self._head()

    def track_server_peak_rss_mib(self, cache: str) -> float:
        self._put()
        self._get()
        self._head()
        return _vmhwm_mib(self.pid)

    track_server_peak_rss_mib.unit = "MiB"  # type: ignore[attr-defined]

    def _server_cpu_ms_per_op(self, fn) -> float:  # type: ignore[no-untyped-def]
        if ProcessMeter is None:
            raise NotImplementedError("no nanosecond CPU meter at this commit")
        meter = ProcessMeter(self.pid)
        c0 = meter.cpu_ns()
        fn()
        return (meter.cpu_ns() - c0) / 1e6 / SMALL_COUNT

    def track_put_server_cpu_ms(self, cache: str) -> float:
        """Server CPU per 4 KiB PUT (fsync on), from the process CPU-time clock (issue 20)."""
        return self._server_cpu_ms_per_op(self._put)

    track_put_server_cpu_ms.unit = "ms"  # type: ignore[attr-defined]

    def track_head_server_cpu_ms(self, cache: str) -> float:
        """Server CPU per HEAD of a 4 KiB object."""
        return self._server_cpu_ms_per_op(self._head)

    track_head_server_cpu_ms.unit = "ms"  # type: ignore[attr-defined]


class _LargeCase(_ServerCase):
    """Moves one 64 MiB object in 8 MiB pieces over 4 parallel connections ("lanes"). The client
    sends one 8 MiB block again and again and reads into per-lane 8 MiB buffers, so it holds no
    copy of the object.
    """

    def setup_cache(self) -> str:
        cache = os.getcwd()
        _build_payload(cache)
        return cache

    def _prepare(self, cache: str) -> None:
        self.block = memoryview(_payloads(cache))
        self.parts = LARGE_SIZE // PART_SIZE
        self.pool = ThreadPoolExecutor(max_workers=PARALLEL)
        self.lanes: queue.Queue[tuple[S3Connection, memoryview]] = queue.Queue()
        for _ in range(PARALLEL):
            self.lanes.put((S3Connection(self.target), memoryview(bytearray(PART_SIZE))))
        self.conn.create_bucket("large")

    def teardown(self, *args: object) -> None:
        if hasattr(self, "pool"):
            self.pool.shutdown()
        while hasattr(self, "lanes") and not self.lanes.empty():
            self.lanes.get()[0].close()
        super().teardown()

    def _on_lane(self, fn: Callable[[int, S3Connection, memoryview], T]) -> Callable[[int], T]:
        def run(n: int) -> T:
            lane = self.lanes.get()
            try:
                return fn(n, *lane)
            finally:
                self.lanes.put(lane)

        return run

    def _single_put(self) -> None:
        self.conn.put("large", "single", RepeatedBody(self.block, self.parts))

    def _multipart(self, key: str) -> None:
        upload = self.conn.create_multipart("large", key)
        etags = list(
            self.pool.map(
                self._on_lane(lambda n, conn, _buf: conn.upload_part("large", key, upload, n + 1, self.block)),
                range(self.parts),
            )
        )
        self.conn.complete_multipart("large", key, upload, etags)

    def _ranged_get(self) -> None:
        def one(n: int, conn: S3Connection, buf: memoryview) -> int:
            start = n * PART_SIZE
            return conn.get_into("large", "read", buf, range_=(start, start + PART_SIZE - 1))

        got = sum(self.pool.map(self._on_lane(one), range(self.parts)))
        assert got == LARGE_SIZE, got

    def _single_get(self) -> None:
        conn, buf = self.lanes.get()
        try:
            got = 0
            for n in range(self.parts):  # consecutive 8 MiB ranges on one connection: one stream
                start = n * PART_SIZE
                got += conn.get_into("large", "read", buf, range_=(start, start + PART_SIZE - 1))
        finally:
            self.lanes.put((conn, buf))
        assert got == LARGE_SIZE, got


class LargeUpload(_LargeCase):
    """64 MiB: one streamed PUT; multipart (8 parts of 8 MiB, 4 in parallel, then Complete)."""

    def time_put_single(self, cache: str) -> None:
        self._single_put()

    def time_put_multipart(self, cache: str) -> None:
        self._multipart("mp")

    def track_server_peak_rss_mib(self, cache: str) -> float:
        self._single_put()
        self._multipart("mp")
        return _vmhwm_mib(self.pid)

    track_server_peak_rss_mib.unit = "MiB"  # type: ignore[attr-defined]


class LargeDownload(_LargeCase):
    """64 MiB (put once in setup): one stream of consecutive ranges; 8 MiB ranges 4 in parallel."""

    def _prepare(self, cache: str) -> None:
        super()._prepare(cache)
        self._multipart("read")

    def time_get_single_stream(self, cache: str) -> None:
        self._single_get()

    def time_get_ranged_parallel(self, cache: str) -> None:
        self._ranged_get()

    def track_server_peak_rss_mib(self, cache: str) -> float:
        self._single_get()
        self._ranged_get()
        return _vmhwm_mib(self.pid)

    track_server_peak_rss_mib.unit = "MiB"  # type: ignore[attr-defined]


class Listing(_ServerCase):
    """ListObjectsV2 of 10,000 keys (10 pages of 1,000) from a directory populated in setup_cache."""

    def setup_cache(self) -> str:
        _require()
        root = os.path.join(os.getcwd(), "list-data")
        os.makedirs(root, exist_ok=True)
        server = _start_subprocess_server(root, "--no-fsync")
        try:
            target = Target(server.url, ACCESS_KEY, SECRET_KEY)
            S3Connection(target).create_bucket("list")
            keys = [f"obj-{i:06d}" for i in range(LIST_KEYS)]

            def put(lane: int) -> None:
                with S3Connection(target) as conn:
                    for key in keys[lane::PARALLEL]:
                        conn.put("list", key, b"0123456789abcdef")

            with ThreadPoolExecutor(PARALLEL) as pool:
                list(pool.map(put, range(PARALLEL)))
        finally:
            server.stop()
        return root

    serve_cache = True

    def _prepare(self, root: str) -> None:
        self.conn.list_keys("list")  # the server has seen the tree once

    def time_list_10k(self, root: str) -> None:
        keys = self.conn.list_keys("list")
        assert len(keys) == LIST_KEYS, len(keys)

    def track_server_peak_rss_mib(self, root: str) -> float:
        self.conn.list_keys("list")
        return _vmhwm_mib(self.pid)

    track_server_peak_rss_mib.unit = "MiB"  # type: ignore[attr-defined]


BIG_LIST_KEYS = int(os.environ.get("CARGOBAY_ASV_LIST_KEYS", "0"))  # opt-in: e.g. 1000000


class ListingLarge(_ServerCase):
    """ListObjectsV2 of ``CARGOBAY_ASV_LIST_KEYS`` keys (opt-in, e.g. 1,000,000; skipped when unset),
    1,000 a page: time of the whole listing, time per page, and the server's peak RSS over it.

    setup_cache writes the files straight into a bucket directory (as a user drops a tree in)
    and lets one server index them with a first listing, so the timed listings read rows."""

    timeout = 7200

    def setup_cache(self) -> str:
        _require()
        if BIG_LIST_KEYS <= 0:
            raise NotImplementedError("set CARGOBAY_ASV_LIST_KEYS (e.g. 1000000) to run the large listing")
        return _flat_tree("big-list-data", "big", BIG_LIST_KEYS)

    serve_cache = True

    def _prepare(self, root: str) -> None:
        self.conn.list_keys("big")  # this server has seen the tree once

    def _list(self) -> None:
        keys = self.conn.list_keys("big")
        assert len(keys) == BIG_LIST_KEYS, len(keys)

    def time_list_large(self, root: str) -> None:
        self._list()

    def track_ms_per_page(self, root: str) -> float:
        import time

        t0 = time.perf_counter()
        self._list()
        return 1e3 * (time.perf_counter() - t0) / max(1, -(-BIG_LIST_KEYS // 1000))

    track_ms_per_page.unit = "ms"  # type: ignore[attr-defined]

    def track_server_peak_rss_mib(self, root: str) -> float:
        self._list()
        return _vmhwm_mib(self.pid)

    track_server_peak_rss_mib.unit = "MiB"  # type: ignore[attr-defined]


FLAT_KEYS = 200_000


class ListingFlatChanged(_ServerCase):
    """A full listing (1,000 a page) of one flat directory of 200,000 files that changed after the
    server cached its sorted names, as in ``cargobay bench s3 --workloads scale`` (the last round
    of PUTs lands in the directory the listing then reads again): the server's peak RSS over the
    listing (VmHWM, reset through /proc/PID/clear_refs just before), and that peak less the RSS
    just before (what the listing adds). The stale names must be gone before the new ones are
    built, and the new ones kept compactly (issue 20: the 1,000,000-key listing under 150 MiB).

    setup_cache writes the files straight into the bucket's directory and lets one server index
    them with a first listing; each setup lists once, then PUTs and DELETEs one key (the
    directory's mtime moves, its content stays) and waits out the cache's racy-mtime window."""

    timeout = 1800

    def setup_cache(self) -> str:
        _require()
        return _flat_tree("flat-list-data", "flat", FLAT_KEYS)

    serve_cache = True

    def _prepare(self, root: str) -> None:
        import time

        self.conn.list_keys("flat")  # the names are cached
        self.conn.put("flat", "obj-changed", b"x")
        self.conn.delete("flat", "obj-changed")  # the directory changed; its keys did not
        time.sleep(2.2)  # past DirectoryCache.RACY_NS: the new names are cached, not re-read every page

    def _list(self) -> tuple[float, float]:
        """(RSS before the listing, peak RSS over it), in MiB."""
        before = _status_mib(self.pid, "VmRSS")
        with open(f"/proc/{self.pid}/clear_refs", "w") as fh:
            fh.write("5")  # VmHWM := VmRSS
        keys = self.conn.list_keys("flat")
        assert len(keys) == FLAT_KEYS, len(keys)
        return before, _vmhwm_mib(self.pid)

    def track_server_peak_rss_mib(self, root: str) -> float:
        return self._list()[1]

    track_server_peak_rss_mib.unit = "MiB"  # type: ignore[attr-defined]

    def track_listing_rss_growth_mib(self, root: str) -> float:
        before, peak = self._list()
        return peak - before

    track_listing_rss_growth_mib.unit = "MiB"  # type: ignore[attr-defined]


class ServerMemory(_ServerCase):
    """asv peak memory of the benchmark process with the server in-process: the server's own."""

    in_process = True

    def setup_cache(self) -> str:
        cache = os.getcwd()
        _build_payload(cache)
        return cache

    def _prepare(self, cache: str) -> None:
        self.block = memoryview(_payloads(cache))
        self.buffer = memoryview(bytearray(PART_SIZE))
        self.conn.create_bucket("mem")

    def peakmem_reference(self, cache: str) -> None:
        """The baseline: interpreter, server started, no traffic."""

    def peakmem_small_put_get_head(self, cache: str) -> None:
        for i in range(SMALL_COUNT):
            body = self.block[i * SMALL_SIZE : (i + 1) * SMALL_SIZE]
            self.conn.put("mem", f"small-{i}", body)
            self.conn.get("mem", f"small-{i}")
            self.conn.head("mem", f"small-{i}")

    def peakmem_large_multipart_put_and_ranged_get(self, cache: str) -> None:
        parts = LARGE_SIZE // PART_SIZE
        upload = self.conn.create_multipart("mem", "large")
        etags = [self.conn.upload_part("mem", "large", upload, n + 1, self.block) for n in range(parts)]
        self.conn.complete_multipart("mem", "large", upload, etags)
        for n in range(parts):
            start = n * PART_SIZE
            self.conn.get_into("mem", "large", self.buffer, range_=(start, start + PART_SIZE - 1))
