"""The server says what it is doing: access log, /_cargobay/health, Prometheus /_cargobay/metrics.

Against the real ``cargobay serve`` (its stderr is the access log). A request with a bad signature
must appear in the access log with its status and request id, and be counted in the metrics,
read with prometheus-client's own parser.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from cargobay.testing.servers import SubprocessServer


def _get(url: str, method: str = "GET", host: str | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body, headers = _get(f"{url}/_cargobay/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def _client(server: SubprocessServer, secret: str | None = None) -> object:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=secret or server.secret_key,
        region_name="us-east-1",
    )


def test_health_is_unauthenticated_and_says_nothing_else(tmp_path: Path) -> None:
    with SubprocessServer(str(tmp_path / "data")) as server:
        assert _get(f"{server.url}/_cargobay/health")[:2] == (200, b"ok\n")
        assert _get(f"{server.url}/_cargobay/health", "HEAD")[0] == 200
        assert _get(f"{server.url}/_cargobay/health", "PUT")[0] == 405
        assert _get(f"{server.url}/_cargobay/nothing-here")[0] == 404
        # /_cargobay is never a bucket: creating it is refused, and it is not listed.
        s3 = _client(server)
        with pytest.raises(ClientError):
            s3.create_bucket(Bucket="_cargobay")  # type: ignore[attr-defined]
        assert s3.list_buckets()["Buckets"] == []  # type: ignore[attr-defined]
        assert not (tmp_path / "data" / "_cargobay").exists()


def test_bad_signature_is_logged_with_its_status_and_counted(tmp_path: Path) -> None:
    server = SubprocessServer(str(tmp_path / "data")).start()
    try:
        good = _client(server)
        good.create_bucket(Bucket="logged")  # type: ignore[attr-defined]
        good.put_object(Bucket="logged", Key="dir/a key", Body=b"x" * 1000)  # type: ignore[attr-defined]
        before = _samples(server.url)
        bad = _client(server, secret="not-the-secret")
        with pytest.raises(ClientError) as caught:
            bad.get_object(Bucket="logged", Key="dir/a key")  # type: ignore[attr-defined]
        response = caught.value.response
        assert response["Error"]["Code"] == "SignatureDoesNotMatch"
        request_id = response["ResponseMetadata"]["RequestId"]
        after = _samples(server.url)
    finally:
        server.stop()
    key = ("cargobay_requests_total", (("operation", "GetObject"), ("status", "403")))
    assert after.get(key, 0) == before.get(key, 0) + 1
    put = ("cargobay_requests_total", (("operation", "PutObject"), ("status", "200")))
    assert after[put] == 1
    assert after[("cargobay_received_bytes_total", ())] >= 1000
    assert after[("cargobay_objects_written_total", ())] == 1
    assert after[("cargobay_request_duration_seconds_count", (("operation", "GetObject"),))] >= 1
    lines = [line for line in server.output.splitlines() if request_id in line]
    assert len(lines) == 1, server.output
    fields = lines[0].split()
    assert fields[2:4] == ["GET", '"logged/dir/a'] and fields[5] == "403", lines[0]
    ok_put = [line for line in server.output.splitlines() if " PUT " in line and "200" in line]
    assert ok_put and ok_put[-1].split()[1] == server.access_key  # the user who sent it


def test_json_access_log(tmp_path: Path) -> None:
    server = SubprocessServer(str(tmp_path / "data"), extra_args=("--log-format", "json")).start()
    try:
        s3 = _client(server)
        s3.create_bucket(Bucket="jsonlog")  # type: ignore[attr-defined]
        s3.put_object(Bucket="jsonlog", Key="k", Body=b"abc")  # type: ignore[attr-defined]
        got = s3.get_object(Bucket="jsonlog", Key="k")  # type: ignore[attr-defined]
        request_id = got["ResponseMetadata"]["RequestId"]
    finally:
        server.stop()
    docs = [json.loads(line) for line in server.output.splitlines() if line.startswith("{")]
    (entry,) = [d for d in docs if d.get("request_id") == request_id]
    assert entry["method"] == "GET" and entry["bucket"] == "jsonlog" and entry["key"] == "k"
    assert entry["status"] == 200 and entry["bytes_out"] >= 3 and entry["operation"] == "GetObject"
    assert entry["user"] == server.access_key and entry["duration_ms"] >= 0 and entry["time"].endswith("Z")


def test_virtual_hosted_key_named_like_the_reserved_path_is_a_key(tmp_path: Path) -> None:
    with SubprocessServer(str(tmp_path / "data"), extra_args=("--domain", "s3.test")) as server:
        status, body, _ = _get(f"{server.url}/_cargobay/health", host=f"somebucket.s3.test:{server.port}")
        assert status != 200 and b"<Error>" in body  # an S3 answer about a key, not the health page


def test_the_metrics_count_what_was_recorded_in_prometheus_terms() -> None:
    """The counts are kept by hand (no lock per request); what a scrape reads must still be
    Prometheus's semantics: counters, and a histogram whose ``le`` buckets are cumulative and
    count the observations at or below each bound."""
    from cargobay.s3.http.observability import Metrics

    metrics = Metrics()
    for operation, status, received, sent, seconds in [
        ("GetObject", 200, 0, 4096, 0.0007),
        ("GetObject", 200, 0, 4096, 0.001),  # on a bound: counted in that bucket
        ("GetObject", 404, 0, 300, 0.003),
        ("PutObject", 200, 4096, 0, 0.02),
        ("PutObject", 500, 10, 0, 45.0),  # beyond the last bound: only +Inf
        ("DeleteObject", 204, 0, 0, 0.0001),
    ]:
        metrics.record(operation, status, received, sent, seconds)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }

    def bucket(operation: str, le: str) -> float:
        return samples[("cargobay_request_duration_seconds_bucket", (("le", le), ("operation", operation)))]

    assert samples[("cargobay_requests_total", (("operation", "GetObject"), ("status", "200")))] == 2
    assert samples[("cargobay_requests_total", (("operation", "GetObject"), ("status", "404")))] == 1
    assert samples[("cargobay_requests_total", (("operation", "PutObject"), ("status", "500")))] == 1
    assert [bucket("GetObject", le) for le in ("0.001", "0.0025", "0.005", "30.0", "+Inf")] == [2, 2, 3, 3, 3]
    assert [bucket("PutObject", le) for le in ("0.01", "0.025", "30.0", "+Inf")] == [0, 1, 1, 2]
    assert samples[("cargobay_request_duration_seconds_count", (("operation", "GetObject"),))] == 3
    assert samples[("cargobay_request_duration_seconds_sum", (("operation", "PutObject"),))] == pytest.approx(45.02)
    assert samples[("cargobay_received_bytes_total", ())] == 4106
    assert samples[("cargobay_sent_bytes_total", ())] == 8492
    assert samples[("cargobay_objects_written_total", ())] == 1  # the 500 is not a write
    assert samples[("cargobay_objects_deleted_total", ())] == 1
    assert samples[("cargobay_internal_errors_total", ())] == 1
    assert metrics.requests_total() == 6 and metrics.requests_total(errors=True) == 2


def test_unparsable_request_is_an_s3_error_logged_and_counted_without_a_traceback(tmp_path: Path) -> None:
    """A request aiohttp cannot parse (here a negative Content-Length) never reaches a route: it is
    still answered with the S3 error document and its request id, written to the access log and
    counted, and the server log shows no traceback (the access logger used to fail on it)."""
    import socket
    from urllib.parse import urlsplit

    server = SubprocessServer(str(tmp_path / "data")).start()
    try:
        before = _samples(server.url)
        parts = urlsplit(server.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nhello")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        after = _samples(server.url)
    finally:
        server.stop()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"400", answer
    assert b"<Code>BadRequest</Code>" in body and b"Content-Length: -1" not in body, answer
    request_id = next(
        line.split(b": ")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"x-amz-request-id")
    )
    assert b"<RequestId>" + request_id + b"</RequestId>" in body
    key = ("cargobay_requests_total", (("operation", "unknown"), ("status", "400")))
    assert after.get(key, 0) == before.get(key, 0) + 1
    logged = [line for line in server.output.splitlines() if request_id.decode() in line]
    assert logged and " 400 " in logged[-1], server.output
    assert "Traceback" not in server.output and "Unhandled exception" not in server.output, server.output
