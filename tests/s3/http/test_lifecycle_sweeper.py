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


def test_x_amz_expiration_is_when_the_sweeper_deletes_the_object(server: InProcessServer, s3: Any) -> None:
    """The expiry-date a HEAD answers (x-amz-expiration) is the moment the sweep deletes the object: not
    a second before; a tag filter counts the object's tags, as the sweep does."""
    from email.utils import parsedate_to_datetime

    s3.create_bucket(Bucket="bkt")
    tagged = {
        "ID": "tagged",
        "Filter": {"Tag": {"Key": "t", "Value": "1"}},
        "Status": "Enabled",
        "Expiration": {"Days": 2},
    }
    _rules(s3, "bkt", tagged)
    s3.put_object(Bucket="bkt", Key="a", Body=b"a", Tagging="t=1")
    s3.put_object(Bucket="bkt", Key="b", Body=b"b", Tagging="t=2")
    assert "Expiration" not in s3.head_object(Bucket="bkt", Key="b")
    expiration = s3.head_object(Bucket="bkt", Key="a")["Expiration"]
    assert expiration.endswith(', rule-id="tagged"'), expiration
    due = parsedate_to_datetime(expiration.split('"')[1]).timestamp()
    services = server.running.services
    assert sweeper.sweep(services, due - 1).expired == 0
    assert sweeper.sweep(services, due).expired == 1
    assert _keys(s3, "bkt") == ["b"]


def test_expiration_date_tag_and_size_filters(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="tmp/small-scratch", Body=b"x", Tagging="kind=scratch")
    s3.put_object(Bucket="bkt", Key="tmp/big-scratch", Body=b"x" * 100, Tagging="kind=scratch")
    s3.put_object(Bucket="bkt", Key="tmp/big-kept", Body=b"x" * 100, Tagging="kind=keep")
    _rules(
        s3,
        "bkt",
        {
            "ID": "scratch",
            "Status": "Enabled",
            "Filter": {
                "And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}], "ObjectSizeGreaterThan": 10}
            },
            "Expiration": {"Date": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)},
        },
    )
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
    _rules(
        s3,
        "bkt",
        {
            "ID": "abort",
            "Filter": {"Prefix": "up/"},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        },
    )
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


def _versions(s3: Any, bucket: str) -> list[tuple[str, bool, bool]]:
    """(key, is latest, is a delete marker) of every version, in listing order."""
    got = s3.list_object_versions(Bucket=bucket)
    entries = [(v["Key"], v["VersionId"], v["IsLatest"], False) for v in got.get("Versions", [])]
    entries += [(m["Key"], m["VersionId"], m["IsLatest"], True) for m in got.get("DeleteMarkers", [])]
    return sorted((k, latest, marker) for k, _, latest, marker in entries)


def test_noncurrent_version_expiration_keeps_the_newest_noncurrent(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    ids = [s3.put_object(Bucket="bkt", Key="k", Body=str(i).encode())["VersionId"] for i in range(3)]
    _rules(
        s3,
        "bkt",
        {
            "ID": "old",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1},
        },
    )
    services = server.running.services
    assert sweeper.sweep(services, time.time()).expired == 0  # not noncurrent for a day yet
    report = sweeper.sweep(services, time.time() + 3 * DAY)
    assert report.expired == 1
    left = [v["VersionId"] for v in s3.list_object_versions(Bucket="bkt")["Versions"]]
    assert left == [ids[2], ids[1]]  # the current one and the newest noncurrent one stay


def test_expired_object_delete_marker_is_removed(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    only = s3.put_object(Bucket="bkt", Key="gone", Body=b"x")["VersionId"]
    s3.delete_object(Bucket="bkt", Key="gone")  # a marker on top
    s3.delete_object(Bucket="bkt", Key="gone", VersionId=only)  # the marker is all that is left
    s3.put_object(Bucket="bkt", Key="kept", Body=b"x")
    s3.delete_object(Bucket="bkt", Key="kept")  # a marker with a version under it: not expired
    _rules(
        s3,
        "bkt",
        {
            "ID": "markers",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        },
    )
    assert _versions(s3, "bkt") == [("gone", True, True), ("kept", False, False), ("kept", True, True)]
    sweeper.sweep(server.running.services, time.time())
    assert _versions(s3, "bkt") == [("kept", False, False), ("kept", True, True)]


def test_expiration_in_a_versioned_bucket_adds_a_delete_marker(server: InProcessServer, s3: Any) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="bkt", Key="k", Body=b"x")
    _rules(s3, "bkt", {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}})
    assert sweeper.sweep(server.running.services, time.time() + 3 * DAY).expired == 1
    assert _versions(s3, "bkt") == [("k", False, False), ("k", True, True)]
    # A current delete marker is not expired again by the Days rule.
    assert sweeper.sweep(server.running.services, time.time() + 6 * DAY).expired == 0


def test_object_rewritten_between_check_and_delete_survives(
    server: InProcessServer, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="k", Body=b"old")
    _rules(s3, "bkt", {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}})
    store = server.running.services.store
    real_head = store.head

    def head_then_concurrent_put(bucket: str, key: str, *args: Any) -> Any:
        info = real_head(bucket, key, *args)
        store.put_bytes(bucket, key, b"new")  # a client writes just after the sweeper looked
        return info

    monkeypatch.setattr(store, "head", head_then_concurrent_put)
    assert sweeper.sweep(server.running.services, time.time() + 3 * DAY).expired == 0
    monkeypatch.undo()
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"new"
