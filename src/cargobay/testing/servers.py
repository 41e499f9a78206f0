"""Servers for tests and benchmarks, on 127.0.0.1 and a free port, with a readiness wait.

* :class:`InProcessServer` runs cargobay's S3 server on its own event loop in a background
  thread (fast to start; used by the conformance plugin and most tests).
* :class:`SubprocessServer` runs the real ``cargobay serve`` command and waits until it answers.
* :class:`MotoServer` runs moto's threaded server, the reference implementation.

All of them are context managers and stop what they started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from cargobay.s3.http.app import RunningServer, start_server
from cargobay.s3.http.context import ServeConfig


@dataclass(frozen=True)
class Endpoint:
    url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"


def peak_rss(pid: int) -> int:
    """A process's peak resident set size in bytes (the kernel's VmHWM high-water mark)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_credentials() -> tuple[str, str]:
    """A fresh key pair; the secret never starts with '-' (it is passed on command lines)."""
    secret = secrets.token_urlsafe(30)
    while not secret[0].isalnum():
        secret = secrets.token_urlsafe(30)
    return "CB" + secrets.token_hex(9).upper(), secret


class InProcessServer:
    """cargobay's server in a background thread (its own event loop)."""

    def __init__(self, root: str | None = None, **options: Any) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if root is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cargobay-test-")
            root = self._tmp.name
        access, secret = new_credentials()
        base = ServeConfig(root=root, port=0, credentials={access: secret}, durable=False)
        self.config = replace(base, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="cargobay-server", daemon=True)
        self._server: RunningServer | None = None

    @property
    def root(self) -> str:
        return self.config.root

    @property
    def endpoint(self) -> Endpoint:
        assert self._server is not None
        access, secret = next(iter(self.config.credentials.items()), ("", ""))
        return Endpoint(self._server.endpoint, access, secret, self.config.region)

    @property
    def running(self) -> RunningServer:
        assert self._server is not None
        return self._server

    def start(self) -> InProcessServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(start_server(self.config), self._loop)
        self._server = future.result(timeout=30)
        return self

    async def _shutdown(self) -> None:
        assert self._server is not None
        await self._server.stop()
        # Let closed connections finish closing (connection_lost runs on a later loop turn),
        # so no transport is left to be collected unclosed.
        for _ in range(10):
            await asyncio.sleep(0.01)
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def stop(self) -> None:
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=30)
            self._server = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        self._loop.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> InProcessServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def wait_until_answers(url: str, *, timeout: float = 30.0, process: subprocess.Popen[Any] | None = None) -> None:
    """Poll ``url`` until any HTTP response comes back (a 403 counts: the server is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before answering")
        try:
            # Readiness only: any answer will do, so a self-signed certificate is not checked here.
            context = ssl._create_unverified_context() if url.startswith("https") else None
            urllib.request.urlopen(url, timeout=2, context=context).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class SubprocessServer:
    """The real ``cargobay serve`` command on a free port."""

    def __init__(
        self, root: str, *, extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None, scheme: str = "http"
    ) -> None:
        self.root = root
        self.scheme = scheme
        self.port = free_port()
        self.access_key, self.secret_key = new_credentials()
        self.extra_args = extra_args
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.output = ""

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.url, self.access_key, self.secret_key)

    def start(self) -> SubprocessServer:
        env = dict(os.environ if self.env is None else self.env)
        env["CARGOBAY_ACCESS_KEY"] = self.access_key
        env["CARGOBAY_SECRET_KEY"] = self.secret_key
        cmd = [sys.executable, "-m", "cargobay", "serve", self.root, "--port", str(self.port), *self.extra_args]
        self.process = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        # Drain the server's output as it comes: a pipe nobody reads fills up (64 KiB) and the
        # server then blocks on its next log line, which looks exactly like a hung server.
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._drain, args=(self.process,), daemon=True)
        self._reader.start()
        wait_until_answers(self.url, process=self.process)
        return self

    def _drain(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                self._lines.append(line)

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=30)
        self.output = "".join(self._lines)
        code = self.process.returncode
        self.process = None
        return code

    def __enter__(self) -> SubprocessServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class MotoServer:
    """moto's threaded S3 server on 127.0.0.1 and a free port (the reference implementation)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server: Any = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(f"http://127.0.0.1:{self.port}", "testing", "testing")

    def start(self) -> MotoServer:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        wait_until_answers(self.endpoint.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.stop()
            self._server = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
