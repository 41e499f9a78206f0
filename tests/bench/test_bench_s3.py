"""``cargobay bench s3``: the report's structure and its verification, and the lean client's wire work.

No timing is asserted: the benchmark measures speed, these tests check that it measures the
right thing (every workload ran against every endpoint, SHA-256 verification passed, ratios and
meters are present) and that its client speaks S3 correctly.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cargobay.bench._client import ClientError, S3Connection, Target, canonical_query, key_path
from cargobay.bench.s3 import _guarded, parse_size
from cargobay.bench.s3_servers import ManagedServer, _bin
from cargobay.bench.s3_workers import Item, split
from cargobay.bench.s3_workloads import Recorder
from cargobay.errors import UsageError
from cargobay.testing.servers import InProcessServer

WORKLOADS = ("seed", "small", "mixed", "large", "list")
WORKLOAD_METRICS = {
    "seed.upload",
    "seed.download",
    "seed.list",
    "seed.delete",
    "small.put",
    "small.get",
    "small.head",
    "small.delete_objects",
    "mixed.all",
    "large.put",
    "large.get",
    "large.get_single",
    "list.list",
}


def _quick_report() -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cargobay",
            "bench",
            "s3",
            "--quick",
            "--endpoint",
            "cargobay",
            "--endpoint",
            "moto",
            "--json",
            "--concurrency",
            "4",
            "--client-processes",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_quick_run_reports_and_verifies_every_workload() -> None:
    """One quick run (it is the expensive part); its report checked from three sides.

    cargobay must measure and pass everything. The peer (moto) must too, except in a workload
    the report says it failed: a Python server on a loaded CI machine may drop a request, and the
    bench's duty then is to say so (a note naming the peer and the workload, or a failed check of
    that workload), never to leave a row empty without a word. The peer's other workloads are
    still checked in full."""
    report = _quick_report()
    excused = {"cargobay": {}, "moto": _reported_failures(report, "moto")}
    for workload, account in excused["moto"].items():
        print(f"moto failed part of its {workload} workload, as the report says: {account}", file=sys.stderr)
    _check_every_workload_for_every_endpoint(report, excused)
    _check_verification_passed(report, excused)
    _check_peak_rss_per_workload(report)


def _workload(name: str) -> str:
    """The workload a metric (``small.put``) or a check (``small GET content``, ``listing: ...``) is of."""
    first = name.replace(":", " ").replace(".", " ").split()[0]
    return "list" if first == "listing" else first


def _reported_failures(quick_report: dict, name: str) -> dict[str, str]:  # type: ignore[type-arg]
    """The report's own account of what ``name`` failed, by workload: the failed checks of the
    workload, and the notes about ``name`` that name the workload ({} if it failed nothing)."""
    failed = [k for k, c in quick_report["verification"].get(name, {}).items() if not c["ok"]]
    accounts: dict[str, list[str]] = {}
    for check in failed:
        accounts.setdefault(_workload(check), []).append(f"{check}: {quick_report['verification'][name][check]}")
    for note in quick_report["notes"]:
        if note["endpoint"] == name and note["workload"] in WORKLOADS:
            accounts.setdefault(note["workload"], []).append(note["text"])
    return {workload: "; ".join(texts) for workload, texts in accounts.items()}


def test_a_peer_failure_excuses_only_the_workload_the_report_names() -> None:
    """The quick run's excuses for a peer: a note reporting a workload's failure, or a failed check
    of one, excuses that workload only, matched by the note's workload (never by the words of its
    text: the first note names the list and large buckets); remarks and notes about other
    endpoints excuse nothing."""
    report = {
        "notes": [
            {"endpoint": "moto", "workload": "small", "text": "small workload failed: GET /bench-list/large: 500"},
            {"endpoint": "moto", "workload": "large", "text": "deleting the large object failed: 503 SlowDown"},
            {"endpoint": "moto", "workload": None, "text": "paged with V1 markers (seed, list)"},
            {"endpoint": "cargobay", "workload": "seed", "text": "seed workload stopped: nothing"},
        ],
        "verification": {
            "moto": {
                "mixed: every request answered": {"ok": False, "details": ["1 of 40 failed"]},
                "listing: every key, S3 order": {"ok": True, "details": []},
            },
        },
    }
    assert set(_reported_failures(report, "moto")) == {"small", "large", "mixed"}
    assert _reported_failures(report, "pys3local") == {}
    assert [
        _workload(n) for n in ("small.put", "mixed.get.p99", "listing: every key, S3 order", "seed workload completed")
    ] == [
        "small",
        "mixed",
        "list",
        "seed",
    ]


def _check_every_workload_for_every_endpoint(quick_report: dict, excused: dict[str, dict[str, str]]) -> None:  # type: ignore[type-arg]
    assert [e["name"] for e in quick_report["endpoints"]] == ["cargobay", "moto", "null"]
    assert quick_report["subjects"] == ["cargobay"] and quick_report["peers"] == ["moto"]
    rows = {r["metric"]: r for r in quick_report["results"]}
    assert set(rows) >= WORKLOAD_METRICS
    mixed_percentiles = {f"mixed.get.{pct}" for pct in ("p50", "p99", "p999")}
    for metric in sorted(WORKLOAD_METRICS | mixed_percentiles):
        row = rows[metric]
        measured = [name for name in excused if _workload(metric) not in excused[name]]
        for name in measured:
            # A row without this endpoint and without a word in the report is the bench's bug.
            assert name in row["values"], (metric, name, excused[name])
            value = row["values"][name]
            assert value["median"] > 0, (metric, name)
            if metric in mixed_percentiles:
                continue
            assert value["failed_runs"] == 0, (metric, name, value["errors"])
            assert len(value["samples"]) == quick_report["configuration"]["repetitions"]
            assert value["server_cpu_ms_per_op"] >= 0
        if "moto" in measured and metric not in mixed_percentiles:
            assert row["ratios"]["cargobay"]["moto"] > 0
    floors = quick_report["floors"]
    assert floors["md5_ms_per_mib"] > 0 and floors["file_loop_per_s"] > 0 and floors["loopback_mib_per_s"] > 0
    targets = {t["target"] for t in quick_report["issue20"]}
    assert "upload server CPU ms/MiB <= 1.3x MD5 floor" in targets
    for op in ("put", "get", "head"):
        assert rows[f"small.{op}"]["client_ceiling"]["median"] > 0
        assert rows[f"small.{op}"]["client_ceiling"]["client_cpu_ms_per_op"] > 0


def _check_verification_passed(quick_report: dict, excused: dict[str, dict[str, str]]) -> None:  # type: ignore[type-arg]
    assert quick_report["verified"]  # every check of cargobay passed
    assert quick_report["verified_all"] or excused["moto"]
    reps = quick_report["configuration"]["repetitions"]
    files = int(quick_report["test_data"]["seed"].split()[0])
    for name, failed in excused.items():
        checks = quick_report["verification"][name]
        if "seed" not in failed:
            sha = checks["seed download SHA-256"]
            assert sha["ok"] and sha["passed"] == sha["total"] == files * reps
        for check in (
            "large ranged GET SHA-256",
            "large single GET SHA-256",
            "listing: every key, S3 order",
            "small GET content",
            "large multipart PUT",
            "mixed: every request answered",
        ):
            if _workload(check) not in failed:
                assert checks[check]["ok"] and checks[check]["total"] >= reps, (name, check)


def _check_peak_rss_per_workload(quick_report: dict) -> None:  # type: ignore[type-arg]
    for name in ("cargobay", "moto"):
        per = quick_report["peak_rss_mib"][name]
        assert set(per) == {"seed", "small", "mixed", "large", "list", "max"}
        assert all(v > 1 for v in per.values())
    assert "cargobay" in quick_report["peak_rss_target"]


# -- the client ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer() as s:
        yield s


def _target(server: InProcessServer, *, secret: str | None = None) -> Target:
    e = server.endpoint
    return Target(e.url, e.access_key, secret if secret is not None else e.secret_key, e.region)


def test_client_round_trip_with_awkward_keys(server: InProcessServer) -> None:
    with S3Connection(_target(server)) as conn:
        conn.create_bucket("client-rt")
        keys = ["a b/c+d=e&f.txt", "ünï/cödé", "x/~y_z-.!*'()", "%2F%41"]
        for n, key in enumerate(keys):
            conn.put("client-rt", key, key.encode() * (n + 1))
        for n, key in enumerate(keys):
            assert conn.get("client-rt", key) == key.encode() * (n + 1)
            assert conn.head("client-rt", key)["content-length"] == str(len(key.encode()) * (n + 1))
        assert conn.get("client-rt", keys[0], range_=(2, 4)) == keys[0].encode()[2:5]
        assert conn.list_keys("client-rt") == sorted(keys, key=lambda k: k.encode())
        assert conn.list_keys("client-rt", page_size=1) == sorted(keys, key=lambda k: k.encode())


def test_client_multipart_and_ranged_read_into(server: InProcessServer) -> None:
    data = os.urandom(11 * 1024 * 1024 + 17)
    with S3Connection(_target(server)) as conn:
        conn.create_bucket("client-mp")
        upload = conn.create_multipart("client-mp", "big")
        part = 5 * 1024 * 1024
        etags = [
            conn.upload_part("client-mp", "big", upload, i + 1, memoryview(data)[off : off + part])
            for i, off in enumerate(range(0, len(data), part))
        ]
        conn.complete_multipart("client-mp", "big", upload, etags)
        buf = bytearray(len(data))
        view = memoryview(buf)
        assert conn.get_into("client-mp", "big", view[100:], range_=(100, len(data) - 1)) == len(data) - 100
        assert conn.get_into("client-mp", "big", view[:100], range_=(0, 99)) == 100
        assert bytes(buf) == data
        with pytest.raises(ClientError):  # an answer larger than the buffer is refused, not truncated
            conn.get_into("client-mp", "big", view[:10])
        assert conn.get("client-mp", "big", range_=(0, 3)) == data[:4]  # the connection recovered


def test_client_signature_is_checked_by_the_server(server: InProcessServer) -> None:
    with S3Connection(_target(server, secret="not-the-secret")) as conn, pytest.raises(ClientError) as info:
        conn.create_bucket("client-badsig")
    assert info.value.status == 403 and info.value.code == "SignatureDoesNotMatch"


def test_client_errors_carry_the_s3_code(server: InProcessServer) -> None:
    with S3Connection(_target(server)) as conn:
        conn.create_bucket("client-err")
        with pytest.raises(ClientError) as info:
            conn.get("client-err", "missing")
        assert (info.value.status, info.value.code) == (404, "NoSuchKey")


def test_client_reads_chunked_and_connection_close_answers() -> None:
    """Answers some peers send (uvicorn streams chunked; others close the connection)."""
    answers = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    ]
    ready = threading.Event()
    port: list[int] = []

    async def serve() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for answer in answers:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(answer)
                await writer.drain()
            writer.close()

        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.append(srv.sockets[0].getsockname()[1])
        ready.set()
        async with srv:
            await asyncio.sleep(5)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(10)
    with S3Connection(Target(f"http://127.0.0.1:{port[0]}", "k", "s")) as conn:
        assert conn.request("GET", "/b/k").body == b"hello world"
        assert conn.request("GET", "/b/k").body == b"until close"


def test_canonical_query_and_paths() -> None:
    assert canonical_query({"uploadId": "a b+c", "partNumber": "2"}) == "partNumber=2&uploadId=a%20b%2Bc"
    assert canonical_query({"uploads": ""}) == "uploads="
    assert key_path("b", "a b/ü") == "/b/a%20b/%C3%BC"


def test_split_deals_every_item_once() -> None:
    items = [Item(f"k{i}", i, 1) for i in range(11)]
    for concurrency in (1, 3, 8):
        for processes in (1, 2, 4):
            jobs = split(items, concurrency=concurrency, processes=processes)
            assert sorted(i.key for chunk, _ in jobs for i in chunk) == sorted(i.key for i in items)
            assert sum(t for _, t in jobs) == max(concurrency, len(jobs))
            assert len(jobs) <= processes


def test_parse_size() -> None:
    assert parse_size("4096") == 4096
    assert parse_size("4KiB") == parse_size("4k") == 4096
    assert parse_size("1MB") == 10**6
    assert parse_size("256MiB") == 256 << 20
    with pytest.raises(UsageError):
        parse_size("lots")


def test_an_unreachable_peer_is_reported_not_fatal() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cargobay",
            "bench",
            "s3",
            "--quick",
            "--quiet",
            "--json",
            "--repetitions",
            "1",
            "--workloads",
            "large,list",
            "--endpoint",
            "cargobay",
            "--endpoint",
            "http://127.0.0.1:9",
            "--access-key",
            "k",
            "--secret-key",
            "s",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["verified"] and not report["verified_all"]
    peer = report["verification"]["http://127.0.0.1:9"]
    assert peer and not any(c["ok"] for c in peer.values())
    assert all(c["ok"] for c in report["verification"]["cargobay"].values())


def test_a_failed_workload_is_noted_with_the_servers_last_words(tmp_path: Path) -> None:
    """When a peer fails a workload, the note says what the client saw and what the server printed."""
    log = tmp_path / "server.log"
    log.write_text("starting\n" + "".join(f"line {i}\n" for i in range(50)) + "Traceback: boom\n")
    server = ManagedServer("moto", Target("http://127.0.0.1:9", "k", "s"), "moto", log_path=str(log))
    rec = Recorder()

    def step() -> None:
        raise ClientError("PUT /b/k: 500 InternalError", status=500, code="InternalError")

    _guarded(rec, server, "small", step)
    check = rec.checks[("moto", "small workload ran")]
    assert (check.passed, check.total) == (0, 1)
    assert [str(note) for note in rec.notes] == [
        "moto: small workload failed: PUT /b/k: 500 InternalError (server log: line 46 | line 47 | "
        "line 48 | line 49 | Traceback: boom)"
    ]
    assert [(note.endpoint, note.workload) for note in rec.notes] == [("moto", "small")]


def _other_checkout(tmp_path: Path, marker: str) -> str:
    """A second source tree: a copy of this checkout's package whose health endpoint answers
    ``marker``, so a test can tell which tree the server it reached runs from."""
    import shutil

    import cargobay

    here = Path(cargobay.__file__).resolve().parent
    other = tmp_path / "other-src"
    shutil.copytree(here, other / "cargobay", ignore=shutil.ignore_patterns("__pycache__"))
    health = other / "cargobay" / "s3" / "http" / "observability.py"
    source = health.read_text()
    answer = 'web.Response(text="ok\\n", content_type="text/plain")'
    assert source.count(answer) == 1, "the health answer moved: update this test's marker"
    health.write_text(source.replace(answer, answer.replace("ok", marker)))
    return str(other)


def test_another_checkouts_server_is_an_endpoint(tmp_path: Path) -> None:
    """``cargobay@SRC`` serves from the tree SRC, not from the checkout running the bench."""
    import urllib.request
    import uuid

    from cargobay.bench.s3_servers import start_endpoint

    marker = f"other-checkout-{uuid.uuid4().hex}"
    src = _other_checkout(tmp_path, marker)
    server = start_endpoint(f"cargobay@{src}", access_key="", secret_key="", region="us-east-1")
    try:
        assert server.process is not None and server.meter is not None
        with open(f"/proc/{server.process.pid}/environ", "rb") as fh:
            environ = dict(item.split(b"=", 1) for item in fh.read().split(b"\0") if b"=" in item)
        assert environ[b"PYTHONPATH"].split(os.pathsep.encode())[0] == src.encode()
        assert server.description == f"cargobay serve from {src} (fsync on)"
        with urllib.request.urlopen(f"{server.target.url}/_cargobay/health", timeout=30) as answer:
            assert answer.read().decode() == f"{marker}\n"  # the other tree answered
        with S3Connection(server.target) as conn:
            conn.create_bucket("ab-bucket")
            conn.put("ab-bucket", "k", b"from the other checkout")
            assert conn.get("ab-bucket", "k") == b"from the other checkout"
    finally:
        server.stop()
    with pytest.raises(ValueError, match="holds no cargobay package"):
        start_endpoint(f"cargobay@{tmp_path}", access_key="", secret_key="", region="us-east-1")


_PYS3LOCAL_MISSING = pytest.mark.skipif(
    _bin("pys3local") is None, reason="pys3local is not installed (the peers extra)"
)


@pytest.mark.parametrize(
    ("checked", "unchecked", "checked_says", "unchecked_says"),
    [
        ("cargobay", "cargobay-noauth", "fsync on", "no signature"),
        pytest.param("pys3local-auth", "pys3local", "SigV4 checked", "no signature", marks=_PYS3LOCAL_MISSING),
    ],
    ids=["cargobay", "pys3local"],
)
def test_each_server_has_a_signature_checking_row_and_one_without(
    checked: str, unchecked: str, checked_says: str, unchecked_says: str
) -> None:
    """The same-conditions rows: ``pys3local`` runs as BENCHMARK-NOTES runs it (``--no-auth``: any
    request passes) and ``pys3local-auth`` with its SigV4 check on, the condition cargobay always
    runs under; ``cargobay-noauth`` (``serve --no-auth``, fsync on) is cargobay's row for the first.
    A wrong secret is refused by the checking row only; each description says which it is."""
    from cargobay.bench.s3_servers import start_endpoint

    for spec, refused, says in ((checked, True, checked_says), (unchecked, False, unchecked_says)):
        server = start_endpoint(spec, access_key="benchkey", secret_key="benchsecret", region="us-east-1")
        try:
            with S3Connection(server.target) as conn:
                conn.create_bucket("bench-auth")
                conn.put("bench-auth", "k", b"signed")
            wrong = Target(server.target.url, server.target.access_key, "not-the-secret", "us-east-1")
            with S3Connection(wrong) as conn:
                if refused:
                    with pytest.raises(ClientError, match="403"):
                        conn.get("bench-auth", "k")
                else:
                    assert conn.get("bench-auth", "k") == b"signed"
            assert says in server.description, server.description
            assert ("no signature" in server.description) is not refused, server.description
        finally:
            server.stop()


_ANSWERS_THEN_WORKS = """
import sys, threading, time
def burn():
    start = time.thread_time()
    while time.thread_time() - start < 0.3:
        pass
for line in sys.stdin:
    worker = threading.Thread(target=burn)
    worker.start()
    print("answered", flush=True)
    worker.join()
"""


def test_timed_charges_a_measurement_the_work_it_left_and_not_the_work_left_before_it() -> None:
    """Every measurement reads the server's CPU once it has gone quiet, before and after: the
    0.3 s of CPU a "server" spends after answering belongs to the request it answered, and not
    to the next measurement."""
    from cargobay.bench.s3_workloads import _timed

    proc = subprocess.Popen([sys.executable, "-c", _ANSWERS_THEN_WORKS], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    server = ManagedServer("fake", Target("http://127.0.0.1:9", "k", "s"), "a process", process=proc)

    def request() -> None:
        stdin.write(b"go\n")
        stdin.flush()
        assert stdout.readline() == b"answered\n"

    try:
        _, _seconds, cpu = _timed(server, request)
        assert cpu is not None and cpu >= 0.25  # the work after the answer is this request's
        request()  # untimed: its work must go to no measurement
        result, _seconds, cpu = _timed(server, lambda: "what fn returned")
        assert result == "what fn returned"
        assert cpu is not None and cpu < 0.1
    finally:
        proc.kill()
        proc.wait()
        stdin.close()
        stdout.close()
