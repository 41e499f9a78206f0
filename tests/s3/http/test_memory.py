"""Streaming: a 1 GiB PUT and GET leave the server's peak RSS under 150 MB.

This is a memory measurement (the kernel's high-water mark, VmHWM), not a timing assertion.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.servers import SubprocessServer, peak_rss

GIB = 1 << 30
PEAK_LIMIT = 150 * 1024 * 1024


@pytest.mark.slow
def test_one_gib_put_and_get_keep_server_memory_flat(
    s3: Any, bucket: str, served: SubprocessServer, tmp_path: Path
) -> None:
    assert served.process is not None
    source = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    digest = hashlib.md5()
    with open(source, "wb") as f:
        for i in range(GIB // len(block)):
            chunk = block[:-8] + i.to_bytes(8, "big")
            f.write(chunk)
            digest.update(chunk)
    with open(source, "rb") as body:
        # One PutObject (not multipart): the whole GiB streams through one request.
        put = s3.put_object(Bucket=bucket, Key="big", Body=body)
    source.unlink()
    assert put["ETag"] == f'"{digest.hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="big")
    check = hashlib.md5()
    for chunk in iter(lambda: got["Body"].read(1 << 20), b""):
        check.update(chunk)
    assert check.hexdigest() == digest.hexdigest()
    s3.delete_object(Bucket=bucket, Key="big")
    peak = peak_rss(served.process.pid)
    assert peak < PEAK_LIMIT, f"server peak RSS {peak / 2**20:.0f} MiB"
