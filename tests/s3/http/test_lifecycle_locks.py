"""The lifecycle sweeper and Object Lock: object-lock-managing.html, "Managing delete markers and object
lifecycles": lifecycle configurations "continue to function normally on protected objects, including
placing delete markers. However, protected object versions remain safe from being deleted or overwritten
by a lifecycle configuration."

The sweep runs on a test clock three days ahead; the locks it meets are decided by the server's own
clock (the retentions below end an hour from now, the legal hold never), so they still protect.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.s3.http import sweeper
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer

DAY = 86400


@pytest.fixture
def server() -> Iterator[InProcessServer]:
    with InProcessServer(lifecycle_interval=0) as srv:
        yield srv
        assert srv.running.services.internal_errors == 0


@pytest.fixture
def s3(server: InProcessServer) -> Any:
    return boto3_client(server.endpoint)


def _versions(s3: Any, bucket: str) -> set[tuple[str, str, bool]]:
    """(key, version id, is a delete marker) of every version in the bucket."""
    listed = s3.list_object_versions(Bucket=bucket)
    return {(v["Key"], v["VersionId"], False) for v in listed.get("Versions", [])} | {
        (m["Key"], m["VersionId"], True) for m in listed.get("DeleteMarkers", [])
    }


def test_lifecycle_deletes_no_locked_version_and_marks_locked_current_ones(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt", ObjectLockEnabledForBucket=True)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    lock = {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": until}
    locked_old = s3.put_object(Bucket="bkt", Key="locked", Body=b"old", **lock)["VersionId"]
    s3.put_object(Bucket="bkt", Key="locked", Body=b"new")
    held_old = s3.put_object(Bucket="bkt", Key="held", Body=b"old", ObjectLockLegalHoldStatus="ON")["VersionId"]
    s3.put_object(Bucket="bkt", Key="held", Body=b"new")
    free_old = s3.put_object(Bucket="bkt", Key="free", Body=b"old")["VersionId"]
    s3.put_object(Bucket="bkt", Key="free", Body=b"new")
    current = s3.put_object(Bucket="bkt", Key="current", Body=b"x", **lock)["VersionId"]
    s3.put_bucket_lifecycle_configuration(
        Bucket="bkt",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "all",
                    "Filter": {"Prefix": ""},
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                },
                {"ID": "current", "Filter": {"Prefix": "current"}, "Status": "Enabled", "Expiration": {"Days": 1}},
            ]
        },
    )
    before = _versions(s3, "bkt")
    sweeper.sweep(server.running.services, time.time() + 3 * DAY)
    after = _versions(s3, "bkt")
    assert ("free", free_old, False) not in after, "an unprotected noncurrent version was not expired"
    for key, version in (("locked", locked_old), ("held", held_old), ("current", current)):
        assert (key, version, False) in after, f"lifecycle deleted the protected version of {key}"
        assert s3.get_object(Bucket="bkt", Key=key, VersionId=version)["Body"].read() in (b"old", b"x")
    markers = {key for key, _, marker in after - before if marker}
    assert markers == {"current"}, "the expiration of a locked current version placed no delete marker"
    s3.put_object_legal_hold(Bucket="bkt", Key="held", VersionId=held_old, LegalHold={"Status": "OFF"})
