"""Crash consistency: concurrent writers against the real ``cargobay serve`` (fsync on), SIGKILL at a
random moment, restart, and check every key against a linearizability oracle.

Rounds: 5 by default (CI); ``CARGOBAY_CRASH_ROUNDS=N`` or ``HYPOTHESIS_PROFILE=long`` (200) for a
deep run; ``CARGOBAY_CRASH_SEED`` replays a run. Odd rounds also run ``fsck --repair`` between the
kill and the restart, so the repairs are held to the same oracle as the server's own recovery.
A second test kills each round at the moment a thread of the server is writing or syncing the
metadata WAL (seen in ``/proc/PID/task/TID/syscall``): while a group commit of rows is under way.

The oracle. Every operation on a key is an interval ``[invoke, ack]`` on the client's monotonic
clock (``ack`` = infinity when the server died before answering). Each write carries a body no
other write has (a unique header), so a body's MD5 names the write that produced it. A write's
*outcome* is the set of MD5s it can leave at its key: one for PUT and CompleteMultipartUpload;
for CopyObject the ETag in its response when acknowledged, else any value the source could have
had during the round; DELETE leaves "absent". The state left by the previous round's check is the
round's baseline write, acknowledged before the round began. After the restart the state of a
key must be the outcome of some operation O that is **not superseded**: no acknowledged
operation P (that changed something) has ``P.invoke > O.ack``. In words: whatever was
acknowledged last is there, unless a write that had not been acknowledged may have landed after
it; an unacknowledged write is either absent or whole. A body whose MD5 no write produced is
**torn**. Besides the oracle, every object's ETag matches its bytes (MD5, or the MD5-of-MD5s of the
part sizes the multipart upload used), Content-Length matches, the listing equals the set of
keys GET finds (with equal sizes and ETags), and nothing else (temp or staging files) is listed.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from cargobay.s3.signing import Credentials, sign
from cargobay.s3.store.fsck import check as fsck_check
from cargobay.s3.store.fsck import scan as fsck_scan
from cargobay.testing.clients import boto3_client
from cargobay.testing.model import multipart_etag, parts_of
from cargobay.testing.servers import SubprocessServer, new_credentials

pytestmark = pytest.mark.reliability

BUCKET = "crash"
# Verbatim keys, nested keys, a file-vs-directory conflict (p and p/q), and keys that live in the
# internal area (empty segment, trailing slash, a segment that looks like a temp file).
KEYS = ["a", "b", "c/d", "c/e/f", "p", "p/q", "odd//x", "folder/", ".cargobay-tmp-not-ours", "z" * 300]
ABSENT = "absent"
WORKERS = 6


def _rounds() -> int:
    if os.environ.get("CARGOBAY_CRASH_ROUNDS"):
        return int(os.environ["CARGOBAY_CRASH_ROUNDS"])
    return 200 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 5


@dataclass
class Op:
    kind: str  # baseline, put, multipart, copy, delete, delete_objects
    key: str
    invoke: float
    ack: float = math.inf
    outcome: set[str] = field(default_factory=set)  # MD5s (or ABSENT) it can leave
    source: str | None = None  # copy: the source key
    changed: bool = True  # False: acknowledged as a no-op (copy of a missing source)


@dataclass
class History:
    ops: list[Op] = field(default_factory=list)
    bodies: dict[str, int] = field(default_factory=dict)  # md5 -> size of every body ever written
    multipart_etags: dict[str, set[str]] = field(default_factory=dict)  # md5 of body -> multipart ETags
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)  # failures seen while the server was alive
    acked: int = 0
    unacked: int = 0

    def record(self, op: Op) -> None:
        with self.lock:
            self.ops.append(op)
            if op.ack == math.inf:
                self.unacked += 1
            else:
                self.acked += 1


def _body(rng: random.Random, tag: str, size: int) -> bytes:
    head = f"{tag}|".encode()
    return (head + rng.randbytes(max(0, size - len(head))))[: max(size, len(head))]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class _WorkloadThread(threading.Thread):
    """Runs :meth:`one` until the server is killed. An error is expected once it is; the kill may
    race the error, so it is looked at again after it settles, and recorded in ``errors`` only if
    the server still runs."""

    def __init__(
        self,
        name: str,
        n: int,
        client: Any,
        rng: random.Random,
        killed: threading.Event,
        round_no: int,
        errors: list[str],
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.n, self.client, self.rng, self.killed, self.round_no = n, client, rng, killed, round_no
        self.seq = 0
        self._errors = errors

    def one(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        while not self.killed.is_set():
            try:
                self.one()
            except (BotoCoreError, ClientError, ConnectionError, OSError) as exc:
                time.sleep(0.2)
                if not self.killed.is_set():
                    self._errors.append(f"{type(exc).__name__}: {exc}")
                return


class Worker(_WorkloadThread):
    def __init__(
        self, n: int, client: Any, history: History, rng: random.Random, killed: threading.Event, round_no: int
    ) -> None:
        super().__init__(f"crash-worker-{n}", n, client, rng, killed, round_no, history.errors)
        self.history = history

    def tag(self) -> str:
        self.seq += 1
        return f"r{self.round_no}w{self.n}o{self.seq}"

    def one(self) -> None:
        """One operation, recorded acknowledged or not; raises once the server has died."""
        rng, key = self.rng, self.rng.choice(KEYS)
        choice = rng.choices(["put", "multipart", "copy", "delete", "get"], [35, 15, 20, 15, 15])[0]
        if choice == "get":
            self.checked_get(key)
            return
        op = Op(choice, key, time.monotonic())
        if choice == "put":
            size = rng.choice([0, 1, 100, 4096, 65536, rng.randrange(1 << 20)])
            body = _body(rng, self.tag(), size)
            md5 = _md5(body)
            op.outcome = {md5}
            with self.history.lock:
                self.history.bodies[md5] = len(body)
            self._do(op, lambda: self.client.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata={"tag": md5}))
        elif choice == "multipart":
            sizes = [rng.randrange(1024, 64 * 1024) for _ in range(rng.randrange(1, 4))]
            if rng.random() < 0.25:
                # Parts of one size above the server's 4 MiB threshold: streamed straight into the
                # upload's assembly file at their offsets, completed by renaming it onto the key.
                stride = (4 << 20) + rng.randrange(64 * 1024)
                sizes = [stride] * rng.randrange(1, 3) + sizes[:1]
            body = _body(rng, self.tag(), sum(sizes))
            md5 = _md5(body)
            op.outcome = {md5}
            with self.history.lock:
                self.history.bodies[md5] = len(body)
                self.history.multipart_etags.setdefault(md5, set()).add(
                    multipart_etag(parts_of(body, sizes)).strip('"')
                )
            self._do(op, lambda: self._multipart(key, body, sizes))
        elif choice == "copy":
            op.source = rng.choice(KEYS)

            def copy() -> None:
                try:
                    r = self.client.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": op.source})
                except ClientError as exc:
                    if exc.response["Error"]["Code"] == "NoSuchKey":
                        op.changed = False
                        return
                    if exc.response["Error"]["Code"] == "InvalidRequest" and op.source == key:
                        op.changed = False  # copy onto itself without a change: refused, as AWS
                        return
                    raise
                op.outcome = {r["CopyObjectResult"]["ETag"].strip('"')}

            self._do(op, copy)
        elif rng.random() < 0.5:
            op.outcome = {ABSENT}
            self._do(op, lambda: self.client.delete_object(Bucket=BUCKET, Key=key))
        else:
            # DeleteObjects of this key and up to two others: one operation per key, one interval.
            keys = list(dict.fromkeys([key, *rng.sample(KEYS, rng.randrange(0, 3))]))
            ops = [Op("delete_objects", k, op.invoke, outcome={ABSENT}) for k in keys]
            self._do_many(ops, lambda: self._delete_objects(keys))

    def _do(self, op: Op, action: Any) -> None:
        try:
            action()
        except BaseException:
            self.history.record(op)  # unacknowledged: it may or may not have happened
            raise
        op.ack = time.monotonic()
        self.history.record(op)

    def _do_many(self, ops: list[Op], action: Any) -> None:
        """:meth:`_do` for a request that writes several keys (each its own operation)."""
        try:
            action()
        except BaseException:
            for op in ops:
                self.history.record(op)
            raise
        ack = time.monotonic()
        for op in ops:
            op.ack = ack
            self.history.record(op)

    def _delete_objects(self, keys: list[str]) -> None:
        done = self.client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
        deleted = sorted(d["Key"] for d in done.get("Deleted", []))
        if deleted != sorted(keys) or done.get("Errors"):
            self.history.errors.append(f"DeleteObjects of {keys}: deleted {deleted}, errors {done.get('Errors')}")

    def _multipart(self, key: str, body: bytes, sizes: list[int]) -> None:
        upload = self.client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        parts, offset = [], 0
        for number, size in enumerate(sizes, 1):
            r = self.client.upload_part(
                Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=body[offset : offset + size]
            )
            parts.append({"PartNumber": number, "ETag": r["ETag"]})
            offset += size
        self.client.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})

    def checked_get(self, key: str) -> None:
        """A GET during the workload: the bytes match the ETag and length it came with."""
        try:
            r = self.client.get_object(Bucket=BUCKET, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchKey":
                return
            raise
        data = r["Body"].read()
        problem = _etag_problem(self.history, data, r["ETag"].strip('"'), r["ContentLength"])
        if problem:
            self.history.errors.append(f"GET {key} during the workload: {problem}")


def _etag_problem(history: History, data: bytes, etag: str, length: int) -> str | None:
    if length != len(data):
        return f"Content-Length {length} but {len(data)} bytes"
    md5 = _md5(data)
    allowed = {md5} | history.multipart_etags.get(md5, set())
    if etag not in allowed:
        return f"ETag {etag} does not describe the bytes (md5 {md5})"
    return None


def _admissible(ops: list[Op], source_values: dict[str, set[str]]) -> set[str]:
    """Every state the key may be in after the crash (see the module docstring)."""
    changed = [op for op in ops if op.changed]
    acked_invokes = [op.invoke for op in changed if op.ack != math.inf]
    latest_acked_invoke = max(acked_invokes, default=-math.inf)
    allowed: set[str] = set()
    for op in changed:
        if op.ack < latest_acked_invoke:
            continue  # superseded: an acknowledged operation started after this one finished
        if op.kind == "copy" and op.ack == math.inf:
            # Whatever the source held during the round; a copy of a missing source changes nothing.
            allowed |= source_values.get(op.source or "", set())
        else:
            allowed |= op.outcome
    return allowed


def _observe(client: Any, history: History) -> tuple[dict[str, str], list[str], int]:
    """The state of every key (md5 or ABSENT), the consistency problems GET/HEAD/LIST show, and
    how many listed keys are none of ours (temp or staging files showing through)."""
    problems: list[str] = []
    state: dict[str, str] = {}
    found: dict[str, tuple[int, str]] = {}
    sources = _source_values(history)
    for key in KEYS:
        try:
            r = client.get_object(Bucket=BUCKET, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchKey":
                raise
            state[key] = ABSENT
            continue
        data = r["Body"].read()
        etag = r["ETag"].strip('"')
        state[key] = _md5(data)
        found[key] = (len(data), etag)
        problem = _etag_problem(history, data, etag, r["ContentLength"])
        if problem:
            problems.append(f"{key!r}: {problem}")
        head = client.head_object(Bucket=BUCKET, Key=key)
        if (head["ContentLength"], head["ETag"].strip('"')) != (len(data), etag):
            problems.append(f"{key!r}: HEAD disagrees with GET")
        # Each PUT tags its row with its body's MD5 and a copy carries its source's tag with its
        # bytes, so a tag, wherever there is one, names the bytes served with it: never another
        # write's metadata (a row left behind by a write killed before its row commit).
        tag = head.get("Metadata", {}).get("tag")
        if tag is not None and tag != state[key]:
            problems.append(f"{key!r}: bytes {state[key]} served with another write's metadata ({tag})")
        # The metadata row of an acknowledged PUT survives with its bytes (group commit: a PUT is
        # answered only once its row is committed), unless an unacknowledged copy onto this key may
        # have put the same bytes there: killed between its rename and its row commit, its row is
        # lost with it, and the bytes are served with no metadata (never the previous row's).
        acked_put = any(o.kind == "put" and state[key] in o.outcome and o.ack != math.inf for o in history.ops)
        unacked_copy = any(
            o.kind == "copy" and o.key == key and o.ack == math.inf and state[key] in sources.get(o.source or "", set())
            for o in history.ops
        )
        if acked_put and tag != state[key] and not (unacked_copy and tag is None):
            problems.append(f"{key!r}: the metadata of an acknowledged PUT was lost ({head.get('Metadata')})")
    listed: dict[str, tuple[int, str]] = {}
    token: dict[str, str] = {}
    while True:
        page = client.list_objects_v2(Bucket=BUCKET, MaxKeys=3, **token)
        for item in page.get("Contents", []):
            listed[item["Key"]] = (item["Size"], item["ETag"].strip('"'))
        if not page.get("IsTruncated"):
            break
        token = {"ContinuationToken": page["NextContinuationToken"]}
    if listed != found:
        problems.append(f"listing {sorted(listed.items())} != GET {sorted(found.items())}")
    buckets = [b["Name"] for b in client.list_buckets()["Buckets"]]
    if buckets != [BUCKET]:
        problems.append(f"buckets listed: {buckets}")
    return state, problems, len(set(listed) - set(KEYS))


@dataclass
class Tally:
    rounds: int = 0
    acked: int = 0
    unacked: int = 0
    lost_acked: int = 0
    torn: int = 0
    visible_temp: int = 0
    fsck_findings: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    caught_in_commit: int = 0  # rounds whose kill landed while a metadata batch was being committed


def _server(root: str, credentials: tuple[str, str]) -> SubprocessServer:
    """``cargobay serve`` on ``root`` with the same credentials every time (the bucket's owner)."""
    server = SubprocessServer(root, extra_args=("--min-part-size", "1K"))
    server.access_key, server.secret_key = credentials
    return server


def _client(server: SubprocessServer) -> Any:
    return boto3_client(server.endpoint, max_pool_connections=WORKERS * 2, connect_timeout=5, read_timeout=30)


def _by_key(history: History) -> dict[str, list[Op]]:
    by_key: dict[str, list[Op]] = {key: [] for key in KEYS}
    for op in history.ops:
        by_key[op.key].append(op)
    return by_key


def _source_values(history: History) -> dict[str, set[str]]:
    """What each key could hold during the round, for unacknowledged copies (closed over copies
    of copies)."""
    by_key = _by_key(history)
    source_values = {key: {o for op in ops for o in op.outcome if o != ABSENT} for key, ops in by_key.items()}
    for _ in range(len(KEYS)):
        for key, ops in by_key.items():
            for op in ops:
                if op.kind == "copy":
                    source_values[key] |= source_values[op.source or ""]
    return source_values


def _judge(history: History, state: dict[str, str], tally: Tally, round_no: int) -> None:
    """Hold the state observed after a crash to the oracle (module docstring)."""
    by_key = _by_key(history)
    source_values = _source_values(history)
    for key, ops in by_key.items():
        seen = state[key]
        if seen in _admissible(ops, source_values):
            continue
        if seen != ABSENT and seen not in history.bodies:
            tally.torn += 1
            tally.failures.append(f"round {round_no}: {key!r} holds bytes no write produced (torn)")
        else:
            tally.lost_acked += 1
            tally.failures.append(
                f"round {round_no}: {key!r} is {seen}, which an acknowledged operation "
                f"superseded; ops: {[(o.kind, o.outcome, o.invoke, o.ack) for o in ops]}"
            )


# Syscalls that write or sync the WAL when a metadata batch commits (x86-64 numbers).
_WAL_SYSCALLS = {1: "write", 18: "pwrite64", 20: "writev", 74: "fsync", 75: "fdatasync", 296: "pwritev"}


def _committing(pid: int) -> bool:
    """True while a thread of ``pid`` is inside a write or sync of the metadata WAL: a group
    commit is under way (read from /proc/PID/task/TID/syscall: number, then the fd argument)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as fh:
                fields = fh.read().split()
        except OSError:
            continue
        if len(fields) < 2 or not fields[0].isdigit() or int(fields[0]) not in _WAL_SYSCALLS:
            continue
        try:
            if os.readlink(f"/proc/{pid}/fd/{int(fields[1], 16)}").endswith("meta.db-wal"):
                return True
        except (OSError, ValueError):
            continue
    return False


def _kill_at_random(server: SubprocessServer, rng: random.Random) -> bool:
    time.sleep(rng.uniform(0.05, 0.8))
    return False


def _kill_during_commit(server: SubprocessServer, rng: random.Random) -> bool:
    """Wait (after a random head start) until a metadata batch is being committed; True if caught."""
    assert server.process is not None
    time.sleep(rng.uniform(0.02, 0.3))
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        if _committing(server.process.pid):
            return True
    return False


KillWhen = Callable[[SubprocessServer, random.Random], bool]


def _run_until_killed(
    server: SubprocessServer,
    workers: list[threading.Thread],
    killed: threading.Event,
    rng: random.Random,
    kill_when: KillWhen,
) -> bool:
    """Start ``workers``, SIGKILL the server when ``kill_when`` says (True: it caught its moment),
    tell the workers (``killed``) and wait for every one of them to notice."""
    for w in workers:
        w.start()
    caught = bool(kill_when(server, rng))
    assert server.process is not None
    killed.set()
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    for w in workers:
        w.join(timeout=60)
        assert not w.is_alive(), "a client hung after the server died"
    return caught


def _kill_restart_rounds(
    root: str,
    rng: random.Random,
    *,
    first_start: Callable[[Any], None],
    after_restart: Callable[[Any, int], None],
    workers: Callable[[SubprocessServer, Any, int, threading.Event], list[threading.Thread]],
    after_round: Callable[[SubprocessServer, int, bool], None],
    kill_when: KillWhen = _kill_at_random,
) -> Counter[str]:
    """The kill/restart loop every crash test runs, ``_rounds()`` times.

    Each start of ``cargobay serve`` on ``root`` first checks what the previous kill left
    (``after_restart(client, round)``; ``first_start(client)`` the first time), then - but the last
    start - runs ``workers`` until a SIGKILL (``kill_when``), hands the dead server to
    ``after_round(server, round, caught)``, and runs ``fsck`` on the data, with ``--repair`` on odd
    rounds so the repairs are held to the same oracle as the server's own recovery. Returns the
    fsck findings by kind."""
    credentials = new_credentials()
    rounds = _rounds()
    findings: Counter[str] = Counter()
    for round_no in range(rounds + 1):
        with _server(root, credentials) as server:
            client = _client(server)
            if round_no == 0:
                first_start(client)
            else:
                after_restart(client, round_no - 1)
            if round_no == rounds:
                break
            killed = threading.Event()
            caught = _run_until_killed(server, workers(server, client, round_no, killed), killed, rng, kill_when)
        after_round(server, round_no, caught)
        report = fsck_check(root, repair=round_no % 2 == 1)
        findings.update(f.kind.value for f in report.findings)
    return findings


def test_crash_kill_restart_keeps_acknowledged_writes_whole(tmp_path: Path) -> None:
    _crash_rounds(tmp_path, _kill_at_random)


def test_crash_kill_during_metadata_commit_keeps_acknowledged_writes(tmp_path: Path) -> None:
    """Group commit (store/groupcommit.py) is where a lost acknowledged write would hide: SIGKILL
    the server while a thread is writing or syncing the metadata WAL, i.e. while a batch of rows
    is being committed and its writers are waiting to be answered."""
    tally = _crash_rounds(tmp_path, _kill_during_commit)
    assert tally.caught_in_commit > 0, "no kill landed inside a metadata commit"


def _crash_rounds(tmp_path: Path, kill_when: KillWhen) -> Tally:
    seed = int(os.environ.get("CARGOBAY_CRASH_SEED") or random.randrange(1 << 32))
    rng = random.Random(seed)
    root = str(tmp_path / "data")
    tally = Tally()
    bodies: dict[str, int] = {}
    multipart_etags: dict[str, set[str]] = {}
    rounds = _rounds()
    history = History(bodies=bodies, multipart_etags=multipart_etags)
    state: dict[str, str] = {}

    def first_start(client: Any) -> None:
        client.create_bucket(Bucket=BUCKET)
        state.update({key: ABSENT for key in KEYS})

    def after_restart(client: Any, round_no: int) -> None:
        observed, problems, strangers = _observe(client, history)
        state.clear()
        state.update(observed)
        tally.failures += [f"round {round_no}: {p}" for p in problems]
        tally.visible_temp += strangers
        _judge(history, state, tally, round_no)

    def workers(
        server: SubprocessServer, _checker: Any, round_no: int, killed: threading.Event
    ) -> list[threading.Thread]:
        nonlocal history
        history = History(bodies=bodies, multipart_etags=multipart_etags)
        start = time.monotonic()
        for key, value in state.items():  # the checked state is the round's baseline
            history.ops.append(Op("baseline", key, start - 1, start - 1, {value}))
        client = _client(server)  # botocore clients are thread-safe; one pool for all workers
        return [Worker(n, client, history, random.Random(rng.random()), killed, round_no) for n in range(WORKERS)]

    def after_round(server: SubprocessServer, round_no: int, caught: bool) -> None:
        tally.caught_in_commit += caught
        tally.rounds += 1
        tally.acked += history.acked
        tally.unacked += history.unacked
        tally.failures += [f"round {round_no}: {e}" for e in history.errors]
        if history.errors:  # the server's own account (its log has the traceback of a 500)
            tally.failures += [
                f"round {round_no} server log: {line}"
                for line in server.output.splitlines()
                if "Error" in line or "Traceback" in line or 'File "' in line
            ][-15:]

    tally.fsck_findings = _kill_restart_rounds(
        root,
        rng,
        first_start=first_start,
        after_restart=after_restart,
        workers=workers,
        after_round=after_round,
        kill_when=kill_when,
    )
    final = fsck_check(root)
    summary = (
        f"seed={seed} rounds={tally.rounds} acked={tally.acked} unacked={tally.unacked} "
        f"killed_in_commit={tally.caught_in_commit} "
        f"lost_acked={tally.lost_acked} torn={tally.torn} visible_temp={tally.visible_temp} "
        f"fsck_findings={dict(tally.fsck_findings)} final_fsck={[f.kind.value for f in final.findings]}"
    )
    print(summary)
    assert not tally.failures, summary + "\n" + "\n".join(tally.failures[:20])
    assert tally.rounds == rounds and tally.acked > 0, summary
    # A clean start and stop after the last kill: fsck finds at most crash debris, nothing unrepairable.
    assert not [f for f in final.findings if f.kind.value == "part-file-missing"], final.render()
    return tally


def _op(kind: str, invoke: float, ack: float, *outcome: str, source: str | None = None) -> Op:
    return Op(kind, "k", invoke, ack, set(outcome), source=source)


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([_op("baseline", 0, 0, ABSENT), _op("put", 1, 2, "v1")], {"v1"}),
        ([_op("baseline", 0, 0, "v0"), _op("put", 1, math.inf, "v1")], {"v0", "v1"}),
        ([_op("put", 1, 2, "v1"), _op("delete", 3, 4, ABSENT), _op("put", 5, math.inf, "v2")], {ABSENT, "v2"}),
        ([_op("put", 1, 5, "v1"), _op("put", 2, 6, "v2")], {"v1", "v2"}),  # concurrent: either
        ([_op("put", 1, 2, "v1"), _op("copy", 3, math.inf, source="s")], {"v1", "s1"}),
        ([_op("put", 1, 2, "v1"), _op("copy", 3, 4, "s1", source="s")], {"s1"}),
    ],
    ids=[
        "acked-put-wins",
        "unacked-put-may-land",
        "acked-delete-then-unacked-put",
        "concurrent-acked",
        "unacked-copy-any-source-value",
        "acked-copy-its-etag",
    ],
)
def test_crash_oracle_admissible_states(ops: list[Op], expected: set[str]) -> None:
    assert _admissible(ops, {"s": {"s1"}}) == expected


# -- versioned and locked buckets ------------------------------------------------------------------
#
# The same SIGKILL rounds on a bucket created with object lock (so versioning is on). Workers put
# versions (a third of them under a COMPLIANCE retention), add delete markers, delete versions they
# were told about (locked ones must be refused) and read versions by id. After each restart:
#
# * no acknowledged version is lost: every version whose PUT was acknowledged is listed and GET by
#   its id gives its exact bytes, unless a DELETE of that version id was sent (acknowledged or not);
# * no version is listed whose bytes are gone: every listed version's GET by id gives bytes whose
#   MD5 is the listed ETag and a body some write produced;
# * no locked version can be removed: each acknowledged COMPLIANCE version is still there and a
#   DELETE of it (even with the governance bypass) is AccessDenied;
# * GET of each key agrees with ListObjectVersions: the IsLatest entry is the bytes GET returns, or
#   a delete marker / nothing and GET is 404.

VBUCKET = "vcrash"
VKEYS = ["a", "c/d", "p", "p/q", "odd//x"]


@dataclass
class VersionLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # version id -> (key, md5, locked)
    acked_order: list[str] = field(default_factory=list)  # the keys of ``acked``, to draw from in O(1)
    deletes_sent: set[str] = field(default_factory=set)  # version ids a DELETE named (acked or not)
    bodies: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    acked_ops: int = 0
    unacked_ops: int = 0

    def count(self, acked: bool) -> None:
        with self.lock:
            if acked:
                self.acked_ops += 1
            else:
                self.unacked_ops += 1


class VersionWorker(_WorkloadThread):
    def __init__(
        self, n: int, client: Any, log: VersionLog, rng: random.Random, killed: threading.Event, round_no: int
    ) -> None:
        super().__init__(f"vcrash-worker-{n}", n, client, rng, killed, round_no, log.errors)
        self.log = log

    def one(self) -> None:
        rng, key = self.rng, self.rng.choice(VKEYS)
        choice = rng.choices(["put", "marker", "delete_version", "get_version"], [50, 15, 20, 15])[0]
        if choice == "put":
            self.seq += 1
            body = _body(rng, f"v{self.round_no}w{self.n}o{self.seq}", rng.choice([0, 10, 4096, 70000]))
            md5 = _md5(body)
            locked = rng.random() < 0.33
            extra: dict[str, Any] = {}
            if locked:
                extra = {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": time.time() + 86400}
            with self.log.lock:
                self.log.bodies.add(md5)
            try:
                r = self.client.put_object(Bucket=VBUCKET, Key=key, Body=body, **extra)
            except BaseException:
                self.log.count(False)
                raise
            self.log.count(True)
            with self.log.lock:
                self.log.acked[r["VersionId"]] = (key, md5, locked)
                self.log.acked_order.append(r["VersionId"])
        elif choice == "marker":
            try:
                self.client.delete_object(Bucket=VBUCKET, Key=key)
            except BaseException:
                self.log.count(False)
                raise
            self.log.count(True)
        else:
            # A few random draws among the acknowledged versions, not a scan of them all: building the
            # list of candidates on every operation made long runs quadratic in their rounds.
            with self.log.lock:
                draws = [rng.choice(self.log.acked_order) for _ in range(8)] if self.log.acked_order else []
                known = [vid for vid in draws if vid not in self.log.deletes_sent]
            if not known:
                return
            vid = known[0]
            vkey, _, locked = self.log.acked[vid]
            if choice == "get_version":
                try:
                    r = self.client.get_object(Bucket=VBUCKET, Key=vkey, VersionId=vid)
                except ClientError as exc:
                    with self.log.lock:
                        raced = vid in self.log.deletes_sent
                    if raced and exc.response["Error"]["Code"] == "NoSuchVersion":
                        return  # another worker deleted this version after it was drawn here
                    raise
                if _md5(r["Body"].read()) != self.log.acked[vid][1]:
                    self.log.errors.append(f"GET {vkey} version {vid}: wrong bytes")
                return
            if not locked:
                with self.log.lock:
                    self.log.deletes_sent.add(vid)
            try:
                self.client.delete_object(Bucket=VBUCKET, Key=vkey, VersionId=vid, BypassGovernanceRetention=True)
            except ClientError as exc:
                if locked and exc.response["Error"]["Code"] == "AccessDenied":
                    self.log.count(True)
                    return
                self.log.count(False)
                raise
            except BaseException:
                self.log.count(False)
                raise
            self.log.count(True)
            if locked:
                self.log.errors.append(f"DELETE of locked version {vid} of {vkey} succeeded")


# Versions judged in full in an ordinary round; beyond it, a random sample of the versions already
# judged is read again (all of them are read again on the last start). Reading every version on every
# start made a run quadratic in its rounds: 200 rounds did not finish in two hours.
_REJUDGE_SAMPLE = 200


def _judge_versions(client: Any, log: VersionLog, *, judged: set[str], rng: random.Random, full: bool) -> list[str]:
    """What one restart shows of the versioned bucket, against the log. Every start lists every
    version (nothing acknowledged may be missing); the bytes of each version are read the first time it
    is listed, then in a sample of ``_REJUDGE_SAMPLE`` per start, and all again when ``full``."""
    problems: list[str] = []
    listed: dict[str, tuple[str, str]] = {}  # version id -> (key, etag)
    latest: dict[str, tuple[str, bool]] = {}  # key -> (version id, is marker)
    params: dict[str, str] = {}
    page_size = 7 if full or rng.random() < 0.2 else 1000
    while True:
        page = client.list_object_versions(Bucket=VBUCKET, MaxKeys=page_size, **params)
        for v in page.get("Versions", []):
            listed[v["VersionId"]] = (v["Key"], v["ETag"].strip('"'))
            if v["IsLatest"]:
                latest[v["Key"]] = (v["VersionId"], False)
        for m in page.get("DeleteMarkers", []):
            if m["IsLatest"]:
                latest[m["Key"]] = (m["VersionId"], True)
        if not page.get("IsTruncated"):
            break
        params = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page.get("NextVersionIdMarker", "")}
    seen = [vid for vid in listed if vid in judged]
    again = set(seen) if full else set(rng.sample(seen, min(len(seen), _REJUDGE_SAMPLE)))
    read = again | {vid for vid in listed if vid not in judged}  # whose bytes (and lock) this start checks
    for vid, (key, etag) in listed.items():
        if vid not in read:
            continue
        r = client.get_object(Bucket=VBUCKET, Key=key, VersionId=vid)
        md5 = _md5(r["Body"].read())
        if md5 != etag or md5 not in log.bodies:
            problems.append(f"listed version {vid} of {key!r}: bytes {md5} vs ETag {etag}")
        judged.add(vid)
    for vid, (key, md5, locked) in log.acked.items():
        if vid in log.deletes_sent:
            continue
        if vid not in listed:
            problems.append(f"acknowledged version {vid} of {key!r} is not listed (lost)")
        elif listed[vid][1] != md5:
            problems.append(f"acknowledged version {vid} of {key!r} has other bytes")
        if locked and (vid not in listed or vid in read):
            try:
                client.delete_object(Bucket=VBUCKET, Key=key, VersionId=vid, BypassGovernanceRetention=True)
                problems.append(f"locked version {vid} of {key!r} was removable after the crash")
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "AccessDenied":
                    problems.append(f"DELETE of locked {vid}: {exc.response['Error']['Code']}")
    for key in VKEYS:
        try:
            r = client.get_object(Bucket=VBUCKET, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchKey":
                raise
            if key in latest and not latest[key][1]:
                problems.append(f"{key!r}: GET is 404 but ListObjectVersions has a latest version")
            continue
        if latest.get(key, ("", True))[0] != r.get("VersionId"):
            problems.append(f"{key!r}: GET gives version {r.get('VersionId')}, the latest listed is {latest.get(key)}")
    return problems


def test_crash_versioned_locked_bucket_keeps_acknowledged_versions(tmp_path: Path) -> None:
    seed = int(os.environ.get("CARGOBAY_CRASH_SEED") or random.randrange(1 << 32))
    rng = random.Random(seed)
    log = VersionLog()
    rounds = _rounds()
    failures: list[str] = []

    def first_start(client: Any) -> None:
        client.create_bucket(Bucket=VBUCKET, ObjectLockEnabledForBucket=True)

    judged: set[str] = set()

    def after_restart(client: Any, round_no: int) -> None:
        full = round_no == rounds - 1  # the last start: every version's bytes read again
        failures.extend(
            f"round {round_no}: {p}" for p in _judge_versions(client, log, judged=judged, rng=rng, full=full)
        )

    def workers(
        _server: SubprocessServer, client: Any, round_no: int, killed: threading.Event
    ) -> list[threading.Thread]:
        return [VersionWorker(n, client, log, random.Random(rng.random()), killed, round_no) for n in range(WORKERS)]

    def after_round(server: SubprocessServer, round_no: int, _caught: bool) -> None:
        failures.extend(f"round {round_no}: {e}" for e in log.errors)
        if log.errors:  # the server's own account (its log has the traceback of a 500)
            failures.extend(
                f"round {round_no} server log: {line}"
                for line in server.output.splitlines()
                if "Error" in line or "Traceback" in line or 'File "' in line
            )
        log.errors.clear()

    findings = _kill_restart_rounds(
        str(tmp_path / "data"),
        rng,
        first_start=first_start,
        after_restart=after_restart,
        workers=workers,
        after_round=after_round,
    )
    summary = (
        f"seed={seed} rounds={rounds} acked_ops={log.acked_ops} unacked_ops={log.unacked_ops} "
        f"acked_versions={len(log.acked)} locked={sum(1 for *_x, lk in log.acked.values() if lk)} "
        f"fsck_findings={dict(findings)}"
    )
    print(summary)
    assert not failures, summary + "\n" + "\n".join(failures[:80])
    assert log.acked_ops > 0, summary


def test_kill_in_the_middle_of_a_part_written_in_place_loses_no_acknowledged_part(tmp_path: Path) -> None:
    """SIGKILL while a big part streams into the upload's assembly file beside an acknowledged
    one: fsck finds nothing to report (no false orphan, no lost part), and after the restart the
    acknowledged part is listed and completes into exactly its bytes."""
    root = str(tmp_path / "data")
    server = SubprocessServer(root, extra_args=("--min-part-size", "1K")).start()
    try:
        client = boto3_client(server.endpoint)
        client.create_bucket(Bucket=BUCKET)
        upload = client.create_multipart_upload(Bucket=BUCKET, Key="big")["UploadId"]
        size = (4 << 20) + 4096  # above the size that makes an assembly file (4 MiB)
        first = os.urandom(size)
        etag = client.upload_part(Bucket=BUCKET, Key="big", UploadId=upload, PartNumber=1, Body=first)["ETag"]
        staging = os.path.join(root, ".cargobay", "uploads", upload)
        (assembly,) = [n for n in os.listdir(staging) if n.startswith("assembly.")]
        assembly_path = os.path.join(staging, assembly)
        # Part 2: the request with a declared length, then half its body, then the kill.
        sock = socket.create_connection(("127.0.0.1", server.port))
        try:
            sock.sendall(_part_request_head(server, upload, 2, size) + os.urandom(size // 2))
            deadline = time.monotonic() + 30
            while os.stat(assembly_path).st_size <= size and time.monotonic() < deadline:
                time.sleep(0.01)  # until part 2's first bytes are in the assembly file
            assert os.stat(assembly_path).st_size > size
            assert server.process is not None
            server.process.kill()
            server.process.wait()
        finally:
            sock.close()
        server.stop()
        report = fsck_scan(root)
        assert report.findings == (), report.findings
        server.start()
        client = boto3_client(server.endpoint)
        parts = client.list_parts(Bucket=BUCKET, Key="big", UploadId=upload)["Parts"]
        assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, etag, size)]
        client.complete_multipart_upload(
            Bucket=BUCKET, Key="big", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
        )
        assert client.get_object(Bucket=BUCKET, Key="big")["Body"].read() == first
    finally:
        server.stop()


def _part_request_head(server: SubprocessServer, upload_id: str, number: int, size: int) -> bytes:
    """The head of a signed UploadPart (UNSIGNED-PAYLOAD) of ``size`` bytes, body not included."""
    host = f"127.0.0.1:{server.port}"
    params = [("partNumber", str(number)), ("uploadId", upload_id)]
    signed = sign(
        "PUT",
        host,
        f"/{BUCKET}/big",
        params,
        credentials=Credentials(server.access_key, server.secret_key, None),
        region="us-east-1",
        now=datetime.now(UTC),
        headers={"content-length": str(size)},
        payload_sha256="UNSIGNED-PAYLOAD",
    )
    lines = [f"PUT {signed.path}?{signed.query} HTTP/1.1", f"Host: {host}", f"Content-Length: {size}"]
    lines += [f"{name}: {value}" for name, value in signed.headers.items() if name != "content-length"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
