"""Streaming: a 1 GiB multipart upload (5 MiB parts) and its completion leave the server's peak
RSS under 150 MB. Parts stream to the staging area and completion concatenates them in the
kernel, so neither step holds object bytes in memory.

A memory measurement (the kernel's high-water mark, VmHWM), not a timing assertion.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig

from cargobay.testing.servers import SubprocessServer, peak_rss

GIB = 1 << 30
MIB = 1 << 20
PEAK_LIMIT = 150 * 1024 * 1024


@pytest.mark.slow
def test_one_gib_multipart_upload_keeps_server_memory_flat(
    s3: Any, bucket: str, served: SubprocessServer, tmp_path: Path
) -> None:
    assert served.process is not None
    source = tmp_path / "big.bin"
    block = os.urandom(MIB)
    part_md5s = []
    part = hashlib.md5()
    with open(source, "wb") as f:
        for i in range(GIB // MIB):
            chunk = block[:-8] + i.to_bytes(8, "big")
            f.write(chunk)
            part.update(chunk)
            if (i + 1) % 5 == 0 or i + 1 == GIB // MIB:
                part_md5s.append(part.digest())
                part = hashlib.md5()
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=4)
    s3.upload_file(str(source), bucket, "big", Config=config)
    source.unlink()
    expected = f'"{hashlib.md5(b"".join(part_md5s)).hexdigest()}-{len(part_md5s)}"'
    head = s3.head_object(Bucket=bucket, Key="big")
    assert head["ETag"] == expected
    assert head["ContentLength"] == GIB
    last = s3.get_object(Bucket=bucket, Key="big", PartNumber=len(part_md5s))
    assert hashlib.md5(last["Body"].read()).digest() == part_md5s[-1]
    s3.delete_object(Bucket=bucket, Key="big")
    peak = peak_rss(served.process.pid)
    print(f"server peak RSS after 1 GiB multipart: {peak / MIB:.1f} MiB")
    assert peak < PEAK_LIMIT, f"server peak RSS {peak / MIB:.0f} MiB"
