"""The floors ``cargobay bench s3`` prints beside the servers: what this machine allows at best.

This module owns measuring, in the same run as the servers, the costs no S3 server can go under:

* the bare durable small-file loop (no HTTP, no metadata, one thread): create a temp file, write
  4 KiB, fsync it, rename it into place; and the same with a directory fsync after each rename (as
  a durable PUT needs), in files/s and ms per file, on the filesystem the servers write to. One
  thread waits out every flush, so these are latency floors: concurrent writers share flushes;
* MD5 and SHA-256 of a 64 MiB buffer on one core (ms per MiB): a PUT always computes the MD5
  ETag, and the SHA-256 when the payload is signed;
* loopback TCP: bytes per second from one thread to another over 127.0.0.1.

Each is the median of three tries. The report divides the servers' CPU per MiB of upload by the
hashing floor.
"""

from __future__ import annotations

import hashlib
import os
import socket
import statistics
import tempfile
import threading
import time

__all__ = ["measure_floors"]

MiB = 1 << 20


def _fsync_loop(directory: str, files: int, size: int, *, dir_fsync: bool) -> float:
    """Seconds for ``files`` durable create/write/fsync/rename (+ directory fsync) rounds."""
    payload = os.urandom(size)
    with tempfile.TemporaryDirectory(dir=directory, prefix="floor-") as tmp:
        dfd = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
        try:
            t0 = time.perf_counter()
            for i in range(files):
                temp = os.path.join(tmp, f".tmp-{i}")
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
                try:
                    os.write(fd, payload)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.rename(temp, os.path.join(tmp, f"obj-{i}"))
                if dir_fsync:
                    os.fsync(dfd)
            return time.perf_counter() - t0
        finally:
            os.close(dfd)


def _hash_ms_per_mib(name: str, data: bytes) -> float:
    t0 = time.process_time()
    hashlib.new(name, data, usedforsecurity=False).digest()
    return 1e3 * (time.process_time() - t0) / (len(data) / MiB)


def _loopback_bytes_per_s(total: int) -> float:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = [0]

    def sink() -> None:
        conn, _ = server.accept()
        buf = bytearray(4 * MiB)
        with conn:
            while True:
                n = conn.recv_into(buf)
                if not n:
                    return
                received[0] += n

    thread = threading.Thread(target=sink)
    thread.start()
    block = os.urandom(4 * MiB)
    with socket.create_connection(("127.0.0.1", port)) as client:
        t0 = time.perf_counter()
        for _ in range(total // len(block)):
            client.sendall(block)
        client.shutdown(socket.SHUT_WR)
        thread.join()
        seconds = time.perf_counter() - t0
    server.close()
    return received[0] / seconds


def measure_floors(directory: str, *, files: int = 1000, size: int = 4096, quick: bool = False) -> dict[str, float]:
    """Floors of this machine now (see the module docstring)."""
    files = 100 if quick else files
    data = os.urandom(16 * MiB if quick else 64 * MiB)
    loop = statistics.median(_fsync_loop(directory, files, size, dir_fsync=False) for _ in range(3))
    loop_dir = statistics.median(_fsync_loop(directory, files, size, dir_fsync=True) for _ in range(3))
    return {
        "file_loop_per_s": files / loop,
        "file_loop_ms": 1e3 * loop / files,
        "file_loop_dirsync_per_s": files / loop_dir,
        "file_loop_dirsync_ms": 1e3 * loop_dir / files,
        "md5_ms_per_mib": statistics.median(_hash_ms_per_mib("md5", data) for _ in range(3)),
        "sha256_ms_per_mib": statistics.median(_hash_ms_per_mib("sha256", data) for _ in range(3)),
        "loopback_mib_per_s": statistics.median(
            _loopback_bytes_per_s(64 * MiB if quick else 512 * MiB) for _ in range(3)
        )
        / MiB,
    }
