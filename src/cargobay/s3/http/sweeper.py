"""The lifecycle sweeper: a background task of the server that carries out each bucket's
lifecycle rules (s3/lifecycle.py) every ``ServeConfig.lifecycle_interval`` seconds.

Time comes from ``Services.clock`` (``time.time`` unless a test injects its own), so a test moves
the clock forty days on and runs a sweep at once (:func:`sweep_now`), or lets the task run with a
short interval, without sleeping through days. One sweep: for every bucket with rules, list its
objects (by each rule's prefix), delete those whose expiration is due (in a versioned bucket that
adds a delete marker, as in AWS), expire noncurrent versions and lone delete markers, and abort
the multipart uploads whose AbortIncompleteMultipartUpload is due. An object is checked again
(head) just before it is deleted, and deleted only if its ETag is still the one checked (decided
under the key's lock by the store): one rewritten meanwhile is younger and stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass

from cargobay.s3 import lifecycle
from cargobay.s3.errors import PreconditionFailed, S3Error
from cargobay.s3.http.context import Services
from cargobay.s3.store import VersionEntry

log = logging.getLogger(__name__)
_PAGE = 1000


@dataclass
class SweepReport:
    expired: int = 0
    aborted: int = 0


def _sweep_objects(
    services: Services, bucket: str, rules: list[lifecycle.Rule], now: float, report: SweepReport
) -> None:
    store = services.store
    expiring = [r for r in rules if r.enabled and (r.expiration_days is not None or r.expiration_date is not None)]
    for prefix in sorted({r.filter.prefix for r in expiring}):
        after = ""
        while True:
            page = store.list(bucket, prefix=prefix, after=after, max_keys=_PAGE)
            for entry in page.entries:
                _maybe_expire(services, bucket, entry.key, expiring, now, report)
            if not page.is_truncated or page.last_item is None:
                break
            after = page.last_item


def _due(rules: list[lifecycle.Rule], key: str, size: int, tags: dict[str, str], written: float, now: float) -> bool:
    for rule in rules:
        if not rule.filter.matches(key, size, tags):
            continue
        when = lifecycle.object_expires_at(rule, written)
        if when is not None and when <= now:
            return True
    return False


def _maybe_expire(
    services: Services, bucket: str, key: str, rules: list[lifecycle.Rule], now: float, report: SweepReport
) -> None:
    store = services.store
    try:
        info = store.head(bucket, key)
        if _due(rules, key, info.size, dict(info.meta.tags), info.last_modified_ns / 1e9, now):

            def unchanged(current_etag: str | None) -> None:
                if current_etag != info.etag:  # rewritten since the head: younger, it stays
                    raise PreconditionFailed(Condition="lifecycle")

            store.delete(bucket, key, precondition=unchanged)
            report.expired += 1
    except S3Error:
        return  # gone meanwhile, or unreadable: nothing to expire


def _sweep_uploads(
    services: Services, bucket: str, rules: list[lifecycle.Rule], now: float, report: SweepReport
) -> None:
    aborting = [r for r in rules if r.enabled and r.abort_days is not None]
    if not aborting:
        return
    multipart = services.store.multipart
    key_marker, id_marker = "", None
    while True:
        page = multipart.list_uploads(bucket, key_marker=key_marker, upload_id_marker=id_marker, max_uploads=_PAGE)
        for upload in page.uploads:
            due = lifecycle.upload_abort(aborting, upload.key, upload.initiated_ns / 1e9)
            if due is not None and due[0] <= now:
                with contextlib.suppress(S3Error):
                    multipart.abort(bucket, upload.key, upload.upload_id)
                    report.aborted += 1
        if not page.is_truncated or page.next_key_marker is None:
            break
        key_marker, id_marker = page.next_key_marker, page.next_upload_id_marker


def _sweep_versions(
    services: Services, bucket: str, rules: list[lifecycle.Rule], now: float, report: SweepReport
) -> None:
    """NoncurrentVersionExpiration (NoncurrentDays after a version stopped being current, keeping
    the NewerNoncurrentVersions newest) and ExpiredObjectDeleteMarker (a marker with no version
    left under it) in a versioned bucket."""
    acting = [r for r in rules if r.enabled and (r.noncurrent_days is not None or r.expired_object_delete_marker)]
    store = services.store
    if not acting or not store.versioning(bucket):
        return
    key_marker, vid_marker = "", ""
    groups: dict[str, list[VersionEntry]] = {}
    while True:
        page = store.list_versions(bucket, key_marker=key_marker, version_id_marker=vid_marker, max_keys=_PAGE)
        for entry in page.entries:
            groups.setdefault(entry.key, []).append(entry)
        if not page.is_truncated or page.next_key_marker is None:
            break
        key_marker, vid_marker = page.next_key_marker, page.next_version_id_marker or ""
    for key, versions in groups.items():
        doomed: set[str] = set()
        for rule in acting:
            if not key.startswith(rule.filter.prefix):
                continue
            if rule.noncurrent_days is not None:
                keep = rule.newer_noncurrent_versions or 0
                noncurrent = 0
                for newer, entry in itertools.pairwise(versions):
                    if entry.is_marker:
                        continue
                    noncurrent += 1
                    since = newer.last_modified_ns / 1e9  # when the newer version replaced it
                    due = lifecycle.noncurrent_expires_at(rule, since)
                    if (
                        noncurrent > keep
                        and due is not None
                        and due <= now
                        and rule.filter.matches(key, entry.size, {})
                    ):
                        doomed.add(entry.version_id)
            if rule.expired_object_delete_marker and len(versions) == 1 and versions[0].is_marker:
                doomed.add(versions[0].version_id)
        for version_id in doomed:
            with contextlib.suppress(S3Error):  # locked, or gone meanwhile
                store.delete(bucket, key, version_id)
                report.expired += 1


def sweep(services: Services, now: float) -> SweepReport:
    """One pass over every bucket's rules (blocking: run on the I/O pool)."""
    report = SweepReport()
    store = services.store
    for info in store.list_buckets():
        try:
            rules = lifecycle.from_json(store.bucket_setting(info.name, "lifecycle"))
            if not rules:
                continue
            _sweep_objects(services, info.name, rules, now, report)
            _sweep_versions(services, info.name, rules, now, report)
            _sweep_uploads(services, info.name, rules, now, report)
        except S3Error:
            continue  # the bucket went away meanwhile
    return report


async def sweep_now(services: Services) -> SweepReport:
    """Run one sweep at the services' clock time."""
    return await services.run(sweep, services, services.clock())


async def run_forever(services: Services) -> None:
    """The background task: a sweep every ``lifecycle_interval`` seconds (0 disables it)."""
    interval = services.config.lifecycle_interval
    if interval <= 0:
        return
    while True:
        await asyncio.sleep(interval)
        try:
            report = await sweep_now(services)
            if report.expired or report.aborted:
                log.info("lifecycle: %d objects expired, %d uploads aborted", report.expired, report.aborted)
        except Exception:  # a sweep that fails must not end the task; the next one retries
            log.exception("lifecycle sweep failed")
