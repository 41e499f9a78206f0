"""CopyObject decides on the source it copies: a source replaced between the handler's first look
(HEAD) and the copy itself is judged again, as UploadPartCopy's ``check_source`` already does.

The x-amz-copy-source-if-* conditions (API_CopyObject.html: "Copies the object if its entity tag
(ETag) matches the specified tag", ...) promise that the bytes copied are the ones the condition
named; the response's x-amz-copy-source-version-id names "the version of the source object that
was copied". The race is made deterministic by replacing the source's file (an out-of-band edit,
which the store notices by its fingerprint) at the start of the store's copy call.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.servers import InProcessServer

OLD, NEW = b"old bytes", b"new bytes, longer"


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    with InProcessServer(str(tmp_path)) as running:
        yield running
        assert running.running.services.internal_errors == 0


@pytest.fixture
def s3(server: InProcessServer) -> Any:
    return boto3_client(server.endpoint)


def _replace_source_when_copying(server: InProcessServer, replace: Callable[[], None]) -> None:
    """Run ``replace`` as the store's copy starts: after the handler's HEAD, before the copy opens."""
    store = server.running.services.store
    original = store.copy

    def racing(*args: Any, **kwargs: Any) -> Any:
        replace()
        return original(*args, **kwargs)

    store.copy = racing  # type: ignore[method-assign]


def _rewrite(path: Path, data: bytes) -> None:
    temp = path.with_name(path.name + ".tmp-race")
    temp.write_bytes(data)
    os.replace(temp, path)


def test_copy_source_if_match_is_decided_on_the_bytes_copied(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="src", Body=OLD)
    _replace_source_when_copying(server, lambda: _rewrite(Path(server.root) / "bkt" / "src", NEW))
    source = {"Bucket": "bkt", "Key": "src"}
    assert error_of(
        lambda: s3.copy_object(Bucket="bkt", Key="dst", CopySource=source, CopySourceIfMatch=_etag(OLD))
    ) == (
        412,
        "PreconditionFailed",
    )
    assert error_of(lambda: s3.head_object(Bucket="bkt", Key="dst")) == (404, None)


def test_copy_source_if_none_match_is_decided_on_the_bytes_copied(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="src", Body=OLD)
    _replace_source_when_copying(server, lambda: _rewrite(Path(server.root) / "bkt" / "src", NEW))
    source = {"Bucket": "bkt", "Key": "src"}
    assert error_of(
        lambda: s3.copy_object(Bucket="bkt", Key="dst", CopySource=source, CopySourceIfNoneMatch=_etag(NEW))
    ) == (412, "PreconditionFailed")
    assert error_of(lambda: s3.head_object(Bucket="bkt", Key="dst")) == (404, None)


def test_copy_names_the_source_version_it_copied(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="bkt", Key="src", Body=OLD)
    newer: list[str] = []

    def write_a_new_version() -> None:
        newer.append(boto3_client(server.endpoint).put_object(Bucket="bkt", Key="src", Body=NEW)["VersionId"])

    _replace_source_when_copying(server, write_a_new_version)
    done = s3.copy_object(Bucket="bkt", Key="dst", CopySource={"Bucket": "bkt", "Key": "src"})
    got = s3.get_object(Bucket="bkt", Key="dst")["Body"].read()
    assert (got, header(done, "x-amz-copy-source-version-id")) == (NEW, newer[0])


def test_copy_with_a_new_storage_class_keeps_the_metadata_of_the_bytes_copied(server: InProcessServer, s3: Any) -> None:
    """COPY with x-amz-storage-class keeps the source's metadata: that of the version copied."""
    s3.create_bucket(Bucket="bkt")
    s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="bkt", Key="src", Body=OLD, ContentType="text/old", Metadata={"v": "old"})

    def write_a_new_version() -> None:
        client = boto3_client(server.endpoint)
        client.put_object(Bucket="bkt", Key="src", Body=NEW, ContentType="text/new", Metadata={"v": "new"})

    _replace_source_when_copying(server, write_a_new_version)
    s3.copy_object(Bucket="bkt", Key="dst", CopySource={"Bucket": "bkt", "Key": "src"}, StorageClass="STANDARD_IA")
    got = s3.get_object(Bucket="bkt", Key="dst")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"], got.get("StorageClass")) == (
        NEW,
        "text/new",
        {"v": "new"},
        "STANDARD_IA",
    )
