"""The lifecycle sweeper carries out the rules, on a test clock (no test waits days or sleeps).

Rules are set through the S3 API like a client would; time is moved by replacing the server's
``Services.clock``; sweeps run either directly (``sweeper.sweep``) or as the server's background
task with a short interval.
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


def _keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _rules(s3: Any, bucket: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": list(rules)})


def _written(s3: Any, bucket: str, key: str) -> float:
    return float(s3.head_object(Bucket=bucket, Key=key)["LastModified"].timestamp())


def test_expiration_days_by_prefix_at_the_next_midnight(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="logs/a", Body=b"a")
    s3.put_object(Bucket="bkt", Key="keep/b", Body=b"b")
    _rules(s3, "bkt", {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}})
    services = server.running.services
    written = _written(s3, "bkt", "logs/a")
    due = (int(written + 30 * DAY) // DAY + 1) * DAY  # the first midnight UTC after 30 days
    assert sweeper.sweep(services, written + 29 * DAY).expired == 0
    assert sweeper.sweep(services, due - 1).expired == 0
    assert _keys(s3, "bkt") == ["keep/b", "logs/a"]
    report = sweeper.sweep(services, due)
    assert (report.expired, report.aborted) == (1, 0)
    assert _keys(s3, "bkt") == ["keep/b"]


def test_expiration_date_tag_and_size_filters(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="tmp/small-scratch", Body=b"x", Tagging="kind=scratch")
    s3.put_object(Bucket="bkt", Key="tmp/big-scratch", Body=b"x" * 100, Tagging="kind=scratch")
    s3.put_object(Bucket="bkt", Key="tmp/big-kept", Body=b"x" * 100, Tagging="kind=keep")
    _rules(s3, "bkt", {"ID": "scratch", "Status": "Enabled",
                     "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}],
                                        "ObjectSizeGreaterThan": 10}},
                     "Expiration": {"Date": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)}})
    services = server.running.services
    assert sweeper.sweep(services, dt.datetime(2029, 12, 31, 23, 59, tzinfo=dt.UTC).timestamp()).expired == 0
    assert sweeper.sweep(services, dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp()).expired == 1
    assert _keys(s3, "bkt") == ["tmp/big-kept", "tmp/small-scratch"]


def test_disabled_rule_does_nothing(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="k", Body=b"x")
    _rules(s3, "bkt", {"ID": "off", "Filter": {"Prefix": ""}, "Status": "Disabled", "Expiration": {"Days": 1}})
    assert sweeper.sweep(server.running.services, time.time() + 400 * DAY).expired == 0
    assert _keys(s3, "bkt") == ["k"]


def test_abort_incomplete_multipart_upload(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    old = s3.create_multipart_upload(Bucket="bkt", Key="up/old")["UploadId"]
    s3.upload_part(Bucket="bkt", Key="up/old", UploadId=old, PartNumber=1, Body=b"p")
    other = s3.create_multipart_upload(Bucket="bkt", Key="elsewhere")["UploadId"]
    _rules(s3, "bkt", {"ID": "abort", "Filter": {"Prefix": "up/"}, "Status": "Enabled",
                     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}})
    services = server.running.services
    assert sweeper.sweep(services, time.time() + 6 * DAY).aborted == 0
    report = sweeper.sweep(services, time.time() + 9 * DAY)
    assert (report.expired, report.aborted) == (0, 1)
    left = [(u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket="bkt").get("Uploads", [])]
    assert left == [("elsewhere", other)]


def test_background_task_sweeps_on_its_interval_with_the_injected_clock() -> None:
    with InProcessServer(lifecycle_interval=0.05) as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="bkt")
        s3.put_object(Bucket="bkt", Key="k", Body=b"x")
        _rules(s3, "bkt", {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}})
        services = server.running.services
        assert not server.running.sweeper.done()
        time.sleep(0.3)  # several sweeps at the real clock: nothing is due yet
        assert _keys(s3, "bkt") == ["k"]
        services.clock = lambda: time.time() + 3 * DAY
        deadline = time.monotonic() + 10
        while _keys(s3, "bkt") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _keys(s3, "bkt") == []
        assert services.internal_errors == 0
