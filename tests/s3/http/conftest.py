"""A real ``cargobay serve`` per test session (per xdist worker), and clients for it.

Every test here runs against the command users run. At the end the server's log must show no
internal error: a 500 anywhere in the suite is a failure.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint, SubprocessServer


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubprocessServer]:
    root = tmp_path_factory.mktemp("served")
    server = SubprocessServer(str(root), extra_args=("--no-fsync",))
    server.start()
    yield server
    code = server.stop()
    assert code == 0, server.output
    assert "internal error" not in server.output.lower(), server.output


@pytest.fixture(scope="session")
def endpoint(served: SubprocessServer) -> Endpoint:
    return served.endpoint


@pytest.fixture(scope="session")
def s3(endpoint: Endpoint) -> Any:
    return boto3_client(endpoint)


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"t-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=name)
    yield name
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=name)
