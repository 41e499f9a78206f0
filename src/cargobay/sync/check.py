"""``check-sync``: is an S3 endpoint safe to sync to? Five phases against any server, pass/fail each.

The seed's sync workflow, run against a scratch bucket (created and removed here, or a scratch
prefix in a bucket the caller names):

1. **initial sync** - a small tree (empty file, odd names, nesting, one multipart-sized file)
   is uploaded; the listing must then hold exactly those keys.
2. **local edits** - edits a sync must notice: a same-size edit with its mtime put back (what
   size+mtime tools miss), the same on the multipart file, an append, a truncation, a new file,
   a deletion and a rename.
3. **change detection** - the plan must copy exactly the edited and new files and delete
   exactly the removed ones: this fails on a server whose ETags or metadata cannot be trusted.
4. **re-upload** - the sync runs and reports exactly those transfers and deletions.
5. **ETag and content verification** - every object's bytes equal the local file; single-part
   ETags are the MD5 of the content, multipart ETags equal the one computed locally with the same
   part size; ``md5chksum`` and ``mtime`` metadata match; a further sync plans nothing.

This module uses only the public sync API and boto3; it changes nothing outside its scratch
bucket or prefix and its temporary directory.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cargobay.errors import SyncError
from cargobay.s3.etag import unquote
from cargobay.sync import meta
from cargobay.sync.hashing import hash_path
from cargobay.sync.model import MiB, SyncOptions
from cargobay.sync.s3.client import make_client
from cargobay.sync.s3.endpoint import S3Prefix
from cargobay.sync.s3.spec import S3Settings

PART_SIZE = 5 * MiB


@dataclass(frozen=True)
class PhaseResult:
    name: str
    ok: bool | None  # None: not run (an earlier phase failed)
    detail: str

    def line(self) -> str:
        status = "PASS" if self.ok else "not run" if self.ok is None else "FAIL"
        return f"{status:<7} {self.name}: {self.detail}"


def _files(rng: random.Random) -> dict[str, bytes]:
    files = {
        "empty": b"",
        "hello.txt": b"hello, world\n",
        "docs/readme.md": b"# readme\n" * 40,
        "docs/deep/er/note.txt": bytes(rng.getrandbits(8) for _ in range(3000)),
        "ünïcode/日本語.txt": "テキスト".encode() * 10,
        "space name/with 'quotes'.bin": bytes(rng.getrandbits(8) for _ in range(700)),
        "a-b": b"sorts before a/",
        "a/b": b"inside a",
        "big/multipart.bin": rng.randbytes(PART_SIZE + 123_457),
    }
    for i in range(12):
        files[f"many/file{i:02d}.dat"] = rng.randbytes(rng.randrange(1, 5000))
    return files


def _write(root: str, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        os.utime(path, ns=(1_600_000_000_123_456_789, 1_600_000_000_123_456_789))


def _stealth_edit(path: str) -> None:
    st = os.stat(path)
    with open(path, "r+b") as fh:
        first = fh.read(1)
        fh.seek(0)
        fh.write(bytes([(first[0] + 1) % 256]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _edits(root: str) -> tuple[set[str], set[str], list[str]]:
    """Apply the phase-2 edits; return (paths to copy, paths to delete, descriptions)."""

    def p(rel: str) -> str:
        return os.path.join(root, *rel.split("/"))

    _stealth_edit(p("hello.txt"))
    _stealth_edit(p("big/multipart.bin"))
    with open(p("docs/readme.md"), "ab") as fh:
        fh.write(b"appended\n")
    os.truncate(p("many/file03.dat"), 1)
    with open(p("many/new-file.txt"), "wb") as fh:
        fh.write(b"new")
    os.unlink(p("many/file05.dat"))
    os.rename(p("many/file07.dat"), p("many/renamed07.dat"))
    copies = {
        "hello.txt",
        "big/multipart.bin",
        "docs/readme.md",
        "many/file03.dat",
        "many/new-file.txt",
        "many/renamed07.dat",
    }
    deletes = {"many/file05.dat", "many/file07.dat"}
    described = [
        "same-size edit, mtime restored: hello.txt",
        "same-size edit, mtime restored: big/multipart.bin (multipart)",
        "append: docs/readme.md",
        "truncate: many/file03.dat",
        "new: many/new-file.txt",
        "delete: many/file05.dat",
        "rename: many/file07.dat -> many/renamed07.dat",
    ]
    return copies, deletes, described


def _local_files(root: str) -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/"))
    return out


def _verify(client: Any, remote: S3Prefix, root: str) -> list[str]:
    problems: list[str] = []
    local = _local_files(root)
    keys: set[str] = set()
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=remote.bucket, Prefix=remote.key("")):
        for obj in page.get("Contents", ()):
            keys.add(obj["Key"][len(remote.key("")) :])
    if keys != local:
        problems.append(f"listing differs: missing {sorted(local - keys)[:5]}, extra {sorted(keys - local)[:5]}")
    for rel in sorted(local & keys):
        path = os.path.join(root, *rel.split("/"))
        with open(path, "rb") as fh:
            data = fh.read()
        response = client.get_object(Bucket=remote.bucket, Key=remote.key(rel))
        body = response["Body"].read()
        if body != data:
            problems.append(f"{rel}: content differs ({len(body)} bytes on the server, {len(data)} local)")
            continue
        etag = unquote(response.get("ETag", ""))
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if "-" in etag:
            _, multipart = hash_path(path, part_sizes=(PART_SIZE,))
            if etag != multipart[0][1]:
                problems.append(f"{rel}: multipart ETag {etag}, computed {multipart[0][1]}")
        elif etag != md5:
            problems.append(f"{rel}: ETag {etag} is not the MD5 {md5}")
        user = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
        if meta.md5_from_meta(user.get(meta.MD5_KEY)) != md5:
            problems.append(f"{rel}: md5chksum metadata {user.get(meta.MD5_KEY)!r} does not match")
        if meta.parse_mtime(user.get(meta.MTIME_KEY)) != os.stat(path).st_mtime_ns:
            problems.append(f"{rel}: mtime metadata {user.get(meta.MTIME_KEY)!r} does not match")
    return problems


def check_sync(
    *,
    settings: S3Settings,
    bucket: str | None = None,
    seed: int = 0,
    keep: bool = False,
    on_phase: Callable[[PhaseResult], None] | None = None,
) -> list[PhaseResult]:
    """Run the five phases; each result is also passed to ``on_phase`` as soon as it is known."""
    from cargobay.sync import plan_sync, sync

    names = ["initial sync", "local edits", "change detection", "re-upload", "ETag and content verification"]
    results: list[PhaseResult] = []

    def done(ok: bool, detail: str) -> bool:
        r = PhaseResult(names[len(results)], ok, detail)
        results.append(r)
        if on_phase is not None:
            on_phase(r)
        return ok

    client = make_client(settings, transfers=4)
    _preflight(client, settings, bucket)
    run_id = secrets.token_hex(4)
    own_bucket = bucket is None
    bucket_name = bucket or f"cargobay-check-{run_id}"
    prefix = f"cargobay-check-{run_id}" if not own_bucket else "tree"
    remote = S3Prefix(client, bucket_name, prefix, part_size=PART_SIZE)
    work = tempfile.mkdtemp(prefix="cargobay-check-sync-")
    root, state = os.path.join(work, "tree"), os.path.join(work, "state")
    options = SyncOptions(delete=True, part_size=PART_SIZE, transfers=4)
    try:
        try:
            if own_bucket:
                client.create_bucket(Bucket=bucket_name)
            files = _files(random.Random(seed))
            _write(root, files)
            report = sync(root, remote, options=options, state_dir=state)
            listed = set()
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket_name, Prefix=remote.key("")):
                listed |= {o["Key"][len(remote.key("")) :] for o in page.get("Contents", ())}
            ok = report.ok and set(report.transferred) == set(files) and listed == set(files)
            detail = f"{len(report.transferred)}/{len(files)} files uploaded, {len(listed)} listed"
            if not report.ok:
                detail += "; " + "; ".join(f"{f.path}: {f.message}" for f in report.failed[:3])
            elif listed != set(files):
                detail += f"; listing differs: {sorted(listed ^ set(files))[:5]}"
            if not done(ok, detail):
                return _not_run(results, names, on_phase)
        except Exception as exc:
            done(False, f"{type(exc).__name__}: {exc}")
            return _not_run(results, names, on_phase)
        try:
            copies, deletes, described = _edits(root)
            done(True, "; ".join(described))
        except OSError as exc:
            done(False, str(exc))
            return _not_run(results, names, on_phase)
        try:
            plan = plan_sync(root, remote, options=options, state_dir=state)
            got_c, got_d = {i.path for i in plan.copies}, {i.path for i in plan.deletes}
            ok = got_c == copies and got_d == deletes and not plan.errors
            detail = f"{len(got_c)} to copy, {len(got_d)} to delete"
            if got_c != copies:
                detail += f"; missed {sorted(copies - got_c)}, spurious {sorted(got_c - copies)}"
            if got_d != deletes:
                detail += f"; deletes differ: {sorted(got_d ^ deletes)}"
            done(ok, detail)
        except Exception as exc:
            done(False, f"{type(exc).__name__}: {exc}")
        try:
            report = sync(root, remote, options=options, state_dir=state)
            ok = report.ok and set(report.transferred) == copies and set(report.deleted) == deletes
            detail = f"{len(report.transferred)} uploaded, {len(report.deleted)} deleted"
            if not ok:
                detail += f"; expected {len(copies)} and {len(deletes)}"
                detail += "".join(f"; {f.path}: {f.message}" for f in report.failed[:3])
            done(ok, detail)
        except Exception as exc:
            done(False, f"{type(exc).__name__}: {exc}")
        try:
            problems = _verify(client, remote, root)
            again = plan_sync(root, remote, options=options, state_dir=state)
            if again.copies or again.deletes:
                problems.append(f"a further sync would still copy {len(again.copies)} and delete {len(again.deletes)}")
            count = len(_local_files(root))
            done(not problems, "; ".join(problems[:5]) if problems else f"{count} objects: bytes, ETags, metadata ok")
        except Exception as exc:
            done(False, f"{type(exc).__name__}: {exc}")
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not keep:
            _cleanup(client, bucket_name, remote, own_bucket)
        remote.close()


class CouldNotCheck(SyncError):
    """The endpoint could not be checked at all (no credentials, unreachable): no verdict."""


def _preflight(client: Any, settings: S3Settings, bucket: str | None) -> None:
    """One request before any phase, so that missing credentials or an endpoint that does not
    answer say "could not check" rather than a failed phase and "NOT safe for sync"."""
    where = settings.endpoint_url or "AWS S3"
    try:
        if bucket is None:
            client.list_buckets()
        else:
            client.head_bucket(Bucket=bucket)
    except Exception as exc:
        name = type(exc).__name__
        if name in ("NoCredentialsError", "PartialCredentialsError"):
            raise CouldNotCheck(
                f"could not check {where}: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or give --profile"
            ) from None
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "") if hasattr(exc, "response") else ""
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
            raise CouldNotCheck(f"could not check {where}: the credentials were refused ({code}): check them") from None
        if code in ("NoSuchBucket", "404", "NotFound"):
            raise CouldNotCheck(f"could not check {where}: bucket {bucket!r} does not exist: create it first") from None
        if not code:  # no S3 answer at all: connection refused, timeout, TLS, DNS
            raise CouldNotCheck(
                f"could not check {where}: {(str(exc).splitlines() or [name])[0]}: is the server running, "
                "and is --endpoint right?"
            ) from None
        # Any other S3 answer (say AccessDenied for ListBuckets): the phases will tell.


def _not_run(
    results: list[PhaseResult], names: list[str], on_phase: Callable[[PhaseResult], None] | None
) -> list[PhaseResult]:
    for name in names[len(results) :]:
        r = PhaseResult(name, None, "an earlier phase failed")
        results.append(r)
        if on_phase is not None:
            on_phase(r)
    return results


def _cleanup(client: Any, bucket: str, remote: S3Prefix, own_bucket: bool) -> None:
    try:
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=remote.key("")):
            keys.extend(o["Key"][len(remote.key("")) :] for o in page.get("Contents", ()))
        remote.delete_many(keys)
        if own_bucket:
            client.delete_bucket(Bucket=bucket)
    except Exception:  # best effort: the report is what matters; a leftover scratch bucket is named
        pass
