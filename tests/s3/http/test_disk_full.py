"""Disk full and I/O errors: a clear S3 error, temp files removed, the previous object intact.

The real thing runs on a small tmpfs where the machine lets us mount one (root in CI); the same
checks also run with ENOSPC/EIO injected at the store's write boundary, which works anywhere.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cargobay._fsutil import TEMP_PREFIX, AtomicFile
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer

OLD = b"previous version " * 1000


def _temp_files(root: str) -> list[str]:
    return [name for _, _, files in os.walk(root) for name in files if name.startswith(TEMP_PREFIX)]


def _error(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["ResponseMetadata"]["HTTPStatusCode"], info.value.response["Error"]["Code"]


def _can_mount_tmpfs() -> bool:
    with tempfile.TemporaryDirectory() as probe:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe], capture_output=True)
        if result.returncode != 0:
            return False
        subprocess.run(["umount", probe], check=True)
        return True


@pytest.fixture
def small_fs() -> Iterator[str]:
    mountpoint = tempfile.mkdtemp(prefix="cargobay-smallfs-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mountpoint], check=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", mountpoint], check=False)
        os.rmdir(mountpoint)


@pytest.mark.skipif(
    os.geteuid() != 0 or not _can_mount_tmpfs(),
    reason="mounting a small tmpfs needs root; the injected-ENOSPC tests below still run",
)
def test_real_enospc_on_put_multipart_and_copy_keeps_previous_object(small_fs: str) -> None:
    with InProcessServer(root=os.path.join(small_fs, "data"), min_part_size=1 << 20) as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="full")
        s3.put_object(Bucket="full", Key="doc", Body=OLD)
        too_big = os.urandom(8 << 20)
        assert _error(lambda: s3.put_object(Bucket="full", Key="doc", Body=too_big)) == (507, "InsufficientStorage")
        assert s3.get_object(Bucket="full", Key="doc")["Body"].read() == OLD
        assert _temp_files(server.root) == []
        # Multipart: parts fit, their assembly does not.
        upload = s3.create_multipart_upload(Bucket="full", Key="doc")["UploadId"]
        parts = []
        for number in (1, 2):
            try:
                etag = s3.upload_part(
                    Bucket="full", Key="doc", UploadId=upload, PartNumber=number, Body=os.urandom(2 << 20)
                )["ETag"]
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "InsufficientStorage"
                break
            parts.append({"PartNumber": number, "ETag": etag})
        if len(parts) == 2:
            code = _error(
                lambda: s3.complete_multipart_upload(
                    Bucket="full", Key="doc", UploadId=upload, MultipartUpload={"Parts": parts}
                )
            )
            assert code == (507, "InsufficientStorage")
        s3.abort_multipart_upload(Bucket="full", Key="doc", UploadId=upload)
        assert s3.get_object(Bucket="full", Key="doc")["Body"].read() == OLD
        # Copy of a large object onto the old key.
        s3.put_object(Bucket="full", Key="doc", Body=OLD)
        s3.put_object(Bucket="full", Key="big", Body=os.urandom(3 << 20))
        assert _error(
            lambda: s3.copy_object(
                Bucket="full", Key="doc", CopySource={"Bucket": "full", "Key": "big"}, MetadataDirective="REPLACE"
            )
        )[0] in (507,)
        assert s3.get_object(Bucket="full", Key="doc")["Body"].read() == OLD
        assert _temp_files(server.root) == []
        assert server.running.services.internal_errors == 0


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (errno.ENOSPC, (507, "InsufficientStorage")),
        (errno.EDQUOT, (507, "InsufficientStorage")),
        (errno.EIO, (500, "InternalError")),
    ],
    ids=["ENOSPC", "EDQUOT", "EIO"],
)
def test_injected_write_errors_keep_previous_object(
    monkeypatch: pytest.MonkeyPatch, err: int, expected: tuple[int, str]
) -> None:
    with InProcessServer() as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="inj")
        s3.put_object(Bucket="inj", Key="doc", Body=OLD)
        original = AtomicFile.write

        def failing(self: AtomicFile, data: Any) -> None:
            if len(data) > 100_000:
                raise OSError(err, os.strerror(err))
            original(self, data)

        original_writev = AtomicFile.writev

        def failing_writev(self: AtomicFile, buffers: Any) -> None:  # streamed bodies are written so
            if sum(map(len, buffers)) > 100_000:
                raise OSError(err, os.strerror(err))
            original_writev(self, buffers)

        monkeypatch.setattr(AtomicFile, "write", failing)
        monkeypatch.setattr(AtomicFile, "writev", failing_writev)
        assert _error(lambda: s3.put_object(Bucket="inj", Key="doc", Body=os.urandom(3 << 20))) == expected
        got = s3.get_object(Bucket="inj", Key="doc")
        assert got["Body"].read() == OLD
        body = _error(lambda: s3.put_object(Bucket="inj", Key="doc", Body=os.urandom(3 << 20)))
        assert body == expected
        assert _temp_files(server.root) == []
        assert server.running.services.internal_errors == 0  # an S3 error, not an unhandled one
