"""Servers and helpers shared by the sync tests: one cargobay server and one moto server per worker."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.sync import S3Settings, make_client
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint, InProcessServer, MotoServer


@pytest.fixture(scope="session")
def cargobay_endpoint() -> Iterator[Endpoint]:
    with InProcessServer() as server:
        yield server.endpoint


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[Endpoint]:
    with MotoServer() as server:
        yield server.endpoint


@pytest.fixture(params=["cargobay", "moto"])
def endpoint(request: pytest.FixtureRequest) -> Endpoint:
    """Each test that takes ``endpoint`` runs against cargobay and against moto."""
    return request.getfixturevalue(f"{request.param}_endpoint")  # type: ignore[no-any-return]


def settings(ep: Endpoint) -> S3Settings:
    return S3Settings(endpoint_url=ep.url, access_key=ep.access_key, secret_key=ep.secret_key, region=ep.region)


def new_bucket(ep: Endpoint) -> str:
    # Random, not a counter: this module can be imported twice in one process (as ``conftest`` by
    # pytest and as ``tests.sync.conftest`` by a test module), and two counters gave two tests the
    # same bucket on the session's shared servers.
    name = f"sync-{uuid.uuid4().hex[:16]}"
    boto3_client(ep).create_bucket(Bucket=name)
    return name


def client(ep: Endpoint) -> Any:
    return make_client(settings(ep))


def remote_state(ep: Endpoint, bucket: str, prefix: str = "") -> dict[str, tuple[str, bytes, dict[str, str]]]:
    """``{rel: (etag, body, metadata)}`` of every object under ``prefix``."""
    c = boto3_client(ep)
    out = {}
    start = len(prefix) + 1 if prefix else 0
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/" if prefix else ""):
        for obj in page.get("Contents", ()):
            r = c.get_object(Bucket=bucket, Key=obj["Key"])
            out[obj["Key"][start:]] = (r["ETag"].strip('"'), r["Body"].read(), r.get("Metadata", {}))
    return out


def local_files(root: str) -> dict[str, bytes]:
    """Regular files under ``root`` (symlinks and others left out, as sync leaves them out)."""
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root).replace(os.sep, "/")] = fh.read()
    return out


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
