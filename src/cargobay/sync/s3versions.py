"""``cargobay sync s3://a s3://b --all-versions``: replay a versioned bucket's history onto another store.

This module owns the version-by-version migration. For every key under the source prefix, the
source's history (object versions and delete markers, oldest first: see :func:`_oldest_first`) is
replayed onto the target: each object version is streamed by
:func:`cargobay.sync.s3stream.stream_object` (bytes, content headers, metadata, tags, the source's
ETag), each delete marker becomes a ``DeleteObject`` on the
target, which a versioned bucket records as a delete marker. The target's version IDs are its
own (S3 gives no way to choose them); the order, the contents and the markers are the source's.

Resuming: the target's history of a key is compared with the source's, entry by entry (object
versions by size and ETag - the copy keeps the source's ETag - and delete markers as such). When
it is a prefix of the source's, only the rest is replayed, so an interrupted run continues where
it stopped and a second run replays nothing. When it is not (the key was written on the target
independently), the key is left alone and reported as failed: two histories cannot be merged.

The target must have versioning enabled (``GetBucketVersioning`` says ``Enabled``): on an
unversioned or suspended bucket every replayed version would overwrite the previous one, and the
result would be the latest version with its history lost, reported as if copied. The run is then
refused before anything is written, with the way out (enable versioning on the target, or sync
without ``--all-versions`` to copy the current versions only). ``--delete`` is refused with
``--all-versions`` (a history is replayed, never pruned).

The versions are listed with signed ``ListObjectVersions`` requests (:mod:`cargobay.sync.s3wire`)
and parsed in document order, which is the order AWS defines (per key, newest first, versions and
delete markers interleaved); botocore's parser splits the two kinds into separate lists and loses
that order.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote_plus

from cargobay.errors import Interrupted, SyncError, UsageError
from cargobay.s3.etag import unquote
from cargobay.select import Selection
from cargobay.sync.model import Failure, SyncOptions, SyncProgress, SyncReport
from cargobay.sync.s3stream import stream_object, wire_of
from cargobay.sync.s3wire import Wire, refused

if TYPE_CHECKING:
    from cargobay.sync.s3 import S3Prefix

__all__ = ["Version", "list_versions", "replay_versions", "versioning_status"]


class Version(NamedTuple):
    """One entry of a key's history: an object version or a delete marker (``marker``)."""

    key: str
    version_id: str
    marker: bool
    size: int
    etag: str
    modified: str = ""  # LastModified as listed (ISO 8601)
    latest: bool = False

    def same_as(self, other: Version) -> bool:
        """The same content on two stores (version IDs are each store's own)."""
        return self.marker == other.marker and (self.marker or (self.size, self.etag) == (other.size, other.etag))


def _need_wire(prefix: S3Prefix) -> Wire:
    wire = wire_of(prefix)
    if wire is None:
        raise UsageError(f"--all-versions: {prefix.describe()} cannot be reached without botocore (a proxy is set)")
    return wire


def versioning_status(prefix: S3Prefix) -> str:
    """``Enabled``, ``Suspended`` or ``""`` (never enabled) - the bucket's ``GetBucketVersioning``."""
    wire = _need_wire(prefix)
    response = wire.request("GET", prefix.bucket, "", [("versioning", "")])
    if response.status != 200:
        raise refused(f"GetBucketVersioning {prefix.bucket}", response)
    root = ET.fromstring(response.read())
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return (root.findtext(ns + "Status") or "").strip()


def list_versions(prefix: S3Prefix, *, under: str = "") -> Iterator[Version]:
    """Every version and delete marker under the prefix (and below ``under`` in it), in S3's order
    (keys ascending, each key's history newest first), page by page."""
    wire = _need_wire(prefix)
    key_marker = version_marker = ""
    while True:
        params = [("versions", ""), ("prefix", prefix.key(under)), ("max-keys", "1000"), ("encoding-type", "url")]
        if key_marker:
            params += [("key-marker", key_marker), ("version-id-marker", version_marker)]
        response = wire.request("GET", prefix.bucket, "", params)
        if response.status != 200:
            raise refused(f"ListObjectVersions {prefix.describe()}", response)
        root = ET.fromstring(response.read())
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        encoded = (root.findtext(ns + "EncodingType") or "") == "url"

        def text(node: ET.Element, name: str, ns: str = ns) -> str:
            return node.findtext(ns + name) or ""

        for node in root:
            tag = node.tag[len(ns) :]
            if tag not in ("Version", "DeleteMarker"):
                continue
            key = unquote_plus(text(node, "Key")) if encoded else text(node, "Key")
            marker = tag == "DeleteMarker"
            yield Version(
                key,
                text(node, "VersionId") or "null",
                marker,
                0 if marker else int(text(node, "Size") or 0),
                "" if marker else unquote(text(node, "ETag")),
                text(node, "LastModified"),
                text(node, "IsLatest").lower() == "true",
            )
        if text(root, "IsTruncated").lower() != "true":
            return
        key_marker = text(root, "NextKeyMarker")
        version_marker = text(root, "NextVersionIdMarker")
        if encoded:
            key_marker = unquote_plus(key_marker)
        if not key_marker:
            raise SyncError(f"cannot list the versions of {prefix.describe()}: truncated page without a next marker")


def _histories(prefix: S3Prefix, selection: Selection) -> dict[str, list[Version]]:
    """``{relative key: history oldest first}`` of the selected keys under the prefix."""
    skip = len(prefix.key(""))
    out: dict[str, list[Version]] = {}
    for v in list_versions(prefix):
        rel = v.key[skip:]
        if not rel or rel.endswith("/"):
            continue
        try:
            if not selection.includes_file(rel):
                continue
        except ValueError:
            continue
        out.setdefault(rel, []).append(v)
    for rel, history in out.items():
        out[rel] = _oldest_first(history)
    return out


def _oldest_first(history: list[Version]) -> list[Version]:
    """A key's history, oldest first. AWS lists it newest first with versions and delete markers
    interleaved; some stores list all versions before all markers (moto 5), so the order is by
    ``LastModified``, then ``IsLatest`` (the latest is the newest of a tie), then the listing's.
    A store that does both that and one-second timestamps (moto 5) cannot tell the order of the
    entries of one second: its histories are replayed in the order given, and a rerun against it
    may find them different (reported, nothing overwritten)."""
    from datetime import datetime

    def when(v: Version) -> float:
        try:
            return datetime.fromisoformat(v.modified.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0

    indexed = list(enumerate(history))
    # ascending time; among equal times the latest last, else the listing's newest-first order reversed
    indexed.sort(key=lambda iv: (when(iv[1]), iv[1].latest, -iv[0]))
    return [v for _, v in indexed]


def replay_versions(
    source: S3Prefix,
    target: S3Prefix,
    *,
    options: SyncOptions,
    selection: Selection | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
) -> SyncReport:
    """Replay every selected key's history from ``source`` onto ``target`` (see the module doc)."""
    started = time.monotonic()
    if options.delete:
        raise UsageError("--all-versions replays a history and never deletes: drop --delete")
    status = versioning_status(target)
    if status != "Enabled":
        state = status.lower() or "never enabled"
        raise UsageError(
            f"--all-versions: versioning is {state} on {target.describe()}; each replayed version would replace the "
            "previous one and the history would be lost. Enable versioning on the target bucket, or sync without "
            "--all-versions to copy the current versions only"
        )
    selection = selection or Selection(ignore_file_name=None)
    src, dst = _histories(source, selection), _histories(target, selection)
    report = SyncReport(dry_run=options.dry_run)
    plan: list[tuple[str, int, list[Version]]] = []
    for rel, history in sorted(src.items()):
        there = dst.get(rel, [])
        if len(there) > len(history) or not all(a.same_as(b) for a, b in zip(there, history, strict=False)):
            report.failed.append(
                Failure(
                    rel,
                    "versions",
                    f"the target's history ({len(there)} entries) is not a "
                    f"beginning of the source's ({len(history)}): left alone",
                )
            )
            continue
        report.skipped_unchanged += len(there)
        if len(history) > len(there):
            plan.append((rel, len(there), history[len(there) :]))
    todo = sum(len(rest) for _, _, rest in plan)
    total_bytes = sum(v.size for _, _, rest in plan for v in rest)
    if options.dry_run:
        report.transferred = [_name(rel, v) for rel, _, rest in plan for v in rest]
        report.bytes_transferred = total_bytes
        report.elapsed_s = time.monotonic() - started
        return report
    lock = threading.Lock()
    done = [0, 0]  # bytes, entries
    stop = threading.Event()

    def emit() -> None:
        if progress is not None:
            progress(SyncProgress(done[0], total_bytes, done[1], todo))

    def on_bytes(n: int) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        with lock:
            done[0] += n
        emit()

    def replay(rel: str, first: int, rest: list[Version]) -> None:
        for position, v in enumerate(rest, start=first):
            if stop.is_set():
                return
            try:
                _replay_one(source, target, rel, v, on_bytes, options, position=position)
            except Exception as exc:  # this key stops here: its later versions must not come before this one
                with lock:
                    report.failed.append(Failure(rel, "versions", f"{_name(rel, v)}: {_message(exc)}"))
                return
            with lock:
                report.transferred.append(_name(rel, v))
                report.bytes_transferred += v.size
                done[1] += 1
            emit()

    pool = ThreadPoolExecutor(max(1, min(options.transfers, len(plan) or 1)), thread_name_prefix="cargobay-versions")
    try:
        for future in [pool.submit(replay, rel, first, rest) for rel, first, rest in plan]:
            future.result()
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        report.interrupted = True
        report.not_done = todo - done[1]
        report.elapsed_s = time.monotonic() - started
        raise Interrupted(report) from None
    pool.shutdown(wait=True)
    report.elapsed_s = time.monotonic() - started
    return report


def _landed(target: S3Prefix, rel: str, v: Version, position: int) -> bool:
    """Whether the target's history of ``rel`` already ends with ``v`` at ``position`` (a failed
    attempt whose answer was lost may have written it)."""
    history = [h for h in list_versions(target, under=rel) if h.key == target.key(rel)]
    return len(history) == position + 1 and history[0].same_as(v)  # newest first


def _replay_one(
    source: S3Prefix,
    target: S3Prefix,
    rel: str,
    v: Version,
    on_bytes: Callable[[int], None],
    options: SyncOptions,
    *,
    position: int,
) -> None:
    """History entry ``position`` of ``rel``, retried ``options.retries`` times; before a retry the
    target's history is read, so an attempt that landed but whose answer was lost is not repeated
    (a second copy of a version, or a second delete marker, would make the histories differ)."""
    for attempt in range(options.retries + 1):
        try:
            if attempt and _landed(target, rel, v, position):
                return
            if v.marker:
                wire = _need_wire(target)
                response = wire.request("DELETE", target.bucket, target.key(rel))
                if response.status not in (200, 204):
                    raise refused(f"DeleteObject {target.key(rel)}", response)
                response.read()
            else:
                stream_object(source, target, rel, on_bytes=on_bytes, version_id=v.version_id)
            return
        except KeyboardInterrupt:
            raise
        except Exception:
            if attempt == options.retries:
                raise
            time.sleep(options.backoff_s * (2**attempt))


def _name(rel: str, v: Version) -> str:
    return f"{rel} (delete marker)" if v.marker else f"{rel} (version {v.version_id})"


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
