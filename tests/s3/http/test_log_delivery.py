"""Server access log delivery by the server (log_delivery.py): what is configured survives a restart and
is acted on, a clean shutdown delivers what is buffered, no delivery is itself logged (no loop), logging
turned off or a deleted bucket records nothing more, a target gone drops its records without harm,
TargetGrants reach each log object's ACL, and an EventTime partition splits records by day."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.s3.http import log_delivery
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def root(tmp_path: Any) -> str:
    return str(tmp_path)


def _server(root: str, interval: float = 0.0) -> InProcessServer:
    """interval 0: records are delivered only when the server stops."""
    # the same user each time: the buckets a restarted server finds are its own
    return InProcessServer(root=root, log_delivery_interval=interval, credentials={"CBLOGTEST": "log-test-secret"})


def _enable(s3: Any, source: str, target: str, prefix: str = "logs/", **extra: Any) -> None:
    s3.put_bucket_logging(
        Bucket=source,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": prefix, **extra}},
    )


def _log_lines(s3: Any, bucket: str, prefix: str = "logs/") -> list[str]:
    lines: list[str] = []
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        lines += s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode().splitlines()
    return lines


@pytest.fixture
def running(root: str) -> Iterator[InProcessServer]:
    with _server(root, interval=0.2) as server:
        yield server
        assert server.running.services.internal_errors == 0


def _wait_for(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def test_configuration_survives_a_restart_and_shutdown_delivers_the_buffer(root: str) -> None:
    server = _server(root).start()
    s3 = boto3_client(server.endpoint)
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    _enable(s3, "src", "logs")
    server.stop()
    # a new server on the same directory: the configuration is read back and in force
    with _server(root) as again:
        s3 = boto3_client(again.endpoint)
        assert s3.get_bucket_logging(Bucket="src")["LoggingEnabled"]["TargetBucket"] == "logs"
        (first,) = _log_lines(s3, "logs")  # the first server's shutdown delivered its PutBucketLogging
        assert " REST.PUT.LOGGING_STATUS - " in first, first
        request_id = s3.put_object(Bucket="src", Key="k", Body=b"abc")["ResponseMetadata"]["RequestId"]
        assert _log_lines(s3, "logs") == [first]  # nothing delivered while running (interval 0)
    with _server(root) as third:  # the shutdown delivered the rest
        lines = _log_lines(boto3_client(third.endpoint), "logs")
    assert sum(f" {request_id} REST.PUT.OBJECT k " in line for line in lines) == 1, lines


def test_a_bucket_logging_to_itself_does_not_log_its_deliveries(running: InProcessServer) -> None:
    s3 = boto3_client(running.endpoint)
    s3.create_bucket(Bucket="self")
    _enable(s3, "self", "self")
    s3.head_bucket(Bucket="self")
    logs = running.running.services.server_logs
    assert _wait_for(lambda: logs.delivered >= 1)
    time.sleep(1.0)  # five more intervals: a logged delivery would have made more objects
    assert logs.delivered == 1
    # the listing and reads below are logged, but after the check
    assert len(_log_lines(s3, "self")) == 2  # the PutBucketLogging and the HeadBucket


def test_logging_off_and_bucket_deleted_record_nothing_more(running: InProcessServer) -> None:
    s3 = boto3_client(running.endpoint)
    for name in ("aaa", "bbb", "logs"):
        s3.create_bucket(Bucket=name)
    _enable(s3, "aaa", "logs", "a/")
    _enable(s3, "bbb", "logs", "b/")
    s3.put_bucket_logging(Bucket="aaa", BucketLoggingStatus={})
    s3.delete_bucket(Bucket="bbb")
    logs = running.running.services.server_logs
    assert set(logs.targets) == set()
    s3.create_bucket(Bucket="bbb")  # a new bucket of the old name does not inherit the old logging
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket="bbb")
    s3.head_bucket(Bucket="aaa")
    s3.head_bucket(Bucket="bbb")
    assert _wait_for(lambda: logs.delivered >= 2)
    time.sleep(0.5)
    assert not any("REST.HEAD.BUCKET" in line for line in _log_lines(s3, "logs", ""))


def test_a_target_deleted_drops_its_records_and_the_server_goes_on(running: InProcessServer) -> None:
    s3 = boto3_client(running.endpoint)
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="gone")
    _enable(s3, "src", "gone")
    s3.delete_bucket(Bucket="gone")
    s3.put_object(Bucket="src", Key="k", Body=b"x")
    logs = running.running.services.server_logs
    assert _wait_for(lambda: logs.dropped >= 2)  # the PutBucketLogging's record and the PutObject's
    assert s3.get_object(Bucket="src", Key="k")["Body"].read() == b"x"


def test_target_grants_reach_the_log_objects(running: InProcessServer) -> None:
    s3 = boto3_client(running.endpoint)
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    grant = {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}
    _enable(s3, "src", "logs", TargetGrants=[grant])
    logs = running.running.services.server_logs
    assert _wait_for(lambda: logs.delivered >= 1)
    key = s3.list_objects_v2(Bucket="logs")["Contents"][0]["Key"]
    grants = s3.get_object_acl(Bucket="logs", Key=key)["Grants"]
    assert {(g["Grantee"].get("URI"), g["Permission"]) for g in grants} >= {(ALL_USERS, "READ")}
    assert any(g["Permission"] == "FULL_CONTROL" and g["Grantee"]["Type"] == "CanonicalUser" for g in grants)


def test_an_event_time_partition_splits_records_by_day(running: InProcessServer) -> None:
    s3 = boto3_client(running.endpoint)
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    _enable(s3, "src", "logs", "", TargetObjectKeyFormat={"PartitionedPrefix": {"PartitionDateSource": "EventTime"}})
    services = running.running.services
    logs = services.server_logs
    target = logs.targets["src"]
    day = 86400.0
    batch = {("src", target): [(3 * day + 5, "one"), (4 * day + 7, "two"), (3 * day + 9, "three")]}
    logs.write(services.store, batch, now=10 * day)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="logs", Prefix=f"{target.owner}/").get("Contents", []))
    assert [k.rsplit("-", 1)[0].split("/", 3)[3] for k in keys] == [
        "1970/01/04/1970-01-04-00-00-00",
        "1970/01/05/1970-01-05-00-00-00",
    ]
    bodies = [s3.get_object(Bucket="logs", Key=k)["Body"].read() for k in keys]
    assert bodies == [b"one\nthree\n", b"two\n"]


def test_a_full_buffer_is_delivered_before_the_interval(root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded: past FLUSH_BYTES the records go out at once, even with no interval."""
    monkeypatch.setattr(log_delivery, "FLUSH_BYTES", 2000)
    with _server(root, interval=0) as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="src")
        s3.create_bucket(Bucket="logs")
        _enable(s3, "src", "logs")
        logs = server.running.services.server_logs
        for i in range(10):
            s3.put_object(Bucket="src", Key=f"k{i}", Body=b"x")
        assert _wait_for(lambda: logs.delivered >= 1), "nothing delivered though the buffer was full"


def test_requester_is_the_canonical_id_and_an_anonymous_refusal_is_logged(running: InProcessServer) -> None:
    """LogFormat.html: Requester is "The canonical user ID of the requester, or a - for unauthenticated
    requests"; a refused request is recorded with its status and error code."""
    import requests

    s3 = boto3_client(running.endpoint)
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    _enable(s3, "src", "logs")
    owner = s3.get_bucket_acl(Bucket="src")["Owner"]["ID"]
    signed = s3.head_bucket(Bucket="src")["ResponseMetadata"]["RequestId"]
    anonymous = requests.get(f"{running.endpoint.url}/src/secret", timeout=10)
    assert anonymous.status_code == 403
    unsigned = anonymous.headers["x-amz-request-id"]

    def records() -> dict[str, list[str]]:
        found = {}
        for line in _log_lines(s3, "logs"):
            fields = line.split(" ")  # the time is two of these, the Request-URI three (no spaces else here)
            found[fields[6]] = fields
        return found if {signed, unsigned} <= set(found) else {}

    found = _wait_for(records)
    assert found, "records not delivered"
    assert (found[signed][5], found[signed][12], found[signed][13]) == (owner, "200", "-")
    assert (found[unsigned][5], found[unsigned][8]) == ("-", "secret")
    assert (found[unsigned][12], found[unsigned][13]) == ("403", "AccessDenied")
