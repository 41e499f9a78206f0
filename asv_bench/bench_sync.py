"""asv benchmarks of sync to a cargobay server: initial upload, no-change re-sync, re-sync after 1% edits.

The tree is the seeded one of ``cargobay bench sync`` (``build_tree`` imported, not copied), at
asv-friendly sizes. Each sample gets a fresh in-process ``cargobay`` server and bucket from
``setup`` (not timed). The no-change re-sync is timed for cargobay and, on the same server and
bucket, for its peers ``rclone sync --checksum`` and ``rclone sync`` (size+mtime), so ratios
within one run are meaningful. Setup waits out the hash cache's racy window (2 s) so the
no-change case measures the cache-hit path a real re-sync takes.
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
import time

try:
    from cargobay.bench.sync import _rclone_env, build_tree, rclone_binary
    from cargobay.sync import S3Settings, SyncOptions, sync
    from cargobay.testing.clients import boto3_client
    from cargobay.testing.servers import InProcessServer
except ImportError:  # an old commit without cargobay.sync
    sync = None  # type: ignore[assignment]

SEED = 20240601
SIZES = (1_000,)
MAX_SIZE = 16 << 10


class SyncToCargobay:
    params = (SIZES,)
    param_names = ("files",)
    number = 1
    repeat = 5
    timeout = 900

    def setup_cache(self) -> str:
        base = os.path.join(tempfile.gettempdir(), "cargobay-asv-sync")
        if sync is not None:
            for size in SIZES:
                build_tree(os.path.join(base, str(size)), files=size, max_size=MAX_SIZE, seed=SEED)
        return base

    def setup(self, base: str, files: int) -> None:
        if sync is None:
            raise NotImplementedError("cargobay.sync is not available at this commit")
        self.tree = os.path.join(base, str(files), "tree")
        self.work = tempfile.TemporaryDirectory(prefix="cargobay-asv-sync-")
        self.server = InProcessServer().start()
        ep = self.server.endpoint
        boto3_client(ep).create_bucket(Bucket="bench")
        self.s3 = S3Settings(endpoint_url=ep.url, access_key=ep.access_key, secret_key=ep.secret_key)
        self.state = os.path.join(self.work.name, "state")
        self.options = SyncOptions(delete=True)
        self.rclone_env = _rclone_env(ep.url, ep.access_key, ep.secret_key)

    def teardown(self, base: str, files: int) -> None:
        self.server.stop()
        self.work.cleanup()

    def _sync(self, src: str) -> None:
        report = sync(src, "s3://bench/tree", s3=self.s3, options=self.options, state_dir=self.state)
        assert report.ok, report.summary()

    def time_initial(self, base: str, files: int) -> None:
        self._sync(self.tree)


class NoChangeResync(SyncToCargobay):
    def setup(self, base: str, files: int) -> None:
        super().setup(base, files)
        self._sync(self.tree)
        time.sleep(2.1)  # past the racy window: the next sync may trust the hash cache
        self._sync(self.tree)

    def time_cargobay(self, base: str, files: int) -> None:
        self._sync(self.tree)

    def time_rclone_checksum(self, base: str, files: int) -> None:
        subprocess.run(
            [rclone_binary(), "sync", "--checksum", self.tree, "cb:bench/tree"],
            env=self.rclone_env,
            check=True,
            capture_output=True,
        )

    def time_rclone_default(self, base: str, files: int) -> None:
        subprocess.run(
            [rclone_binary(), "sync", self.tree, "cb:bench/tree"], env=self.rclone_env, check=True, capture_output=True
        )


class ResyncAfterOnePercentEdits(SyncToCargobay):
    def setup(self, base: str, files: int) -> None:
        super().setup(base, files)
        # a private copy of the tree, so the shared cached tree is never edited
        self.copy = os.path.join(self.work.name, "tree")
        subprocess.run(["cp", "-a", self.tree, self.copy], check=True)
        self._sync(self.copy)
        rng = random.Random(SEED)
        paths = sorted(os.path.join(d, n) for d, _, ns in os.walk(self.copy) for n in ns)
        for path in rng.sample(paths, max(1, len(paths) // 100)):
            st = os.stat(path)
            with open(path, "r+b") as fh:  # same size, mtime put back: only content detection sees it
                first = fh.read(1)
                fh.seek(0)
                fh.write(bytes([(first[0] + 1) % 256]))
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    def time_cargobay(self, base: str, files: int) -> None:
        self._sync(self.copy)
