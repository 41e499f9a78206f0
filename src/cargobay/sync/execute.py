"""Applying a :class:`~cargobay.sync.plan.SyncPlan`: transfers, backups, deletions, retries, progress.

This module never decides what to copy; it carries out the plan's actions and reports what
happened. Order and safety rules:

1. Early deletions (name conflicts on a local destination, see :mod:`cargobay.sync.plan`) first.
2. Transfers, ``options.transfers`` at a time. Each file is retried ``options.retries`` times
   with exponential backoff and jitter (on top of botocore's own retries per request). Before a
   destination file is replaced it is kept in the backup directory when one is set; a file that
   could not be backed up is not replaced.
3. Deletions last, and only if nothing failed: no listing error, no read error, no failed
   transfer (a failed read could mean a source file we did not see), and not more than
   ``max_delete`` of them (then none at all).
4. The hash caches are written back.

Ctrl-C (a :class:`KeyboardInterrupt` in the calling thread) stops the run at once: queued files
are cancelled, the workers stop between files and between chunks of a file, multipart uploads in
flight are cancelled (the transfer manager aborts them on the server), nothing is deleted, and the
hash caches are written so a rerun continues where this one stopped. The report says what was
done (``interrupted`` set, ``not_done`` counting the files never finished); the caller decides the
exit status (the CLI: 130). The report travels in :class:`~cargobay.errors.Interrupted`, a
KeyboardInterrupt, so a program that calls :func:`cargobay.sync.sync` still stops on Ctrl-C.

How one file travels is the endpoints' business (:mod:`cargobay.sync.endpoints`): the executor
asks the destination for a copy of its own kind, then for a file upload from a source file on this
machine, and falls back to streaming the source's bytes into the destination's write; each
endpoint answers ``CANT`` for what it does not offer. Today's pairs: local->S3 is a file upload
(MD5 computed first through the state cache, stored as ``Md5chksum`` with the rclone ``Mtime``;
the source fingerprint is checked again after the upload so a file modified meanwhile is reported
and re-sent next time); S3->local streams a GET into an atomic write, verifies the MD5 when the
object has one, and sets the mtime from ``X-Amz-Meta-Mtime`` (else Last-Modified); S3->S3 copies
server-side on one endpoint and streams between two; local->local uses the copy engine's
``copy2``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
import time
from collections.abc import Callable

from cargobay.errors import Interrupted
from cargobay.sync.endpoints import CANT, Endpoint, SourceChanged
from cargobay.sync.model import Entry, Failure, SyncOptions, SyncProgress, SyncReport
from cargobay.sync.plan import PlanItem, SyncPlan

ProgressCallback = Callable[[SyncProgress], None]
_NOT_RETRIED = (SourceChanged, FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, _NOT_RETRIED):
        return False
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return bool(status >= 500 or status in (408, 429))
    return True


def backup_stamp(now: _dt.datetime | None = None) -> str:
    """The dated prefix one sync run keeps its replaced and deleted files under (UTC)."""
    now = now or _dt.datetime.now(_dt.UTC)
    return now.strftime("%Y-%m-%dT%H%M%S.%fZ")


class Cancelled(Exception):
    """The run was interrupted: raised inside a worker to stop the file it is on."""


class _Progress:
    def __init__(self, callback: ProgressCallback | None, bytes_total: int, files_total: int) -> None:
        self.callback = callback
        self.bytes_total = bytes_total
        self.files_total = files_total
        self.bytes_done = 0
        self.files_done = 0
        self.lock = threading.Lock()
        self.cancelled = threading.Event()

    def add_bytes(self, n: int) -> None:
        if self.cancelled.is_set():
            raise Cancelled("interrupted")
        with self.lock:
            self.bytes_done += n
        self._emit()

    def file_done(self) -> None:
        with self.lock:
            self.files_done += 1
        self._emit()

    def _emit(self) -> None:
        if self.callback is not None:
            self.callback(SyncProgress(self.bytes_done, self.bytes_total, self.files_done, self.files_total))


class Executor:
    """Runs one plan between ``src`` and ``dst``."""

    def __init__(
        self,
        src: Endpoint,
        dst: Endpoint,
        *,
        options: SyncOptions,
        progress: ProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.src = src
        self.dst = dst
        self.options = options
        self.progress_cb = progress
        self.sleep = sleep
        self.backup: Endpoint | None = None
        self._lock = threading.Lock()

    # ----------------------------------------------------------------------------- backups

    def _backup_target(self) -> Endpoint | None:
        where = self.options.backup_dir
        if where is None:
            return None
        return self.dst.open_backup(where).child(backup_stamp())

    def _keep_old(self, rel: str, *, move: bool, report: SyncReport) -> None:
        if self.backup is None:
            return
        if self.dst.backup(rel, self.backup, move=move):
            with self._lock:
                report.backed_up.append(rel)

    # ----------------------------------------------------------------------------- transfers

    def _transfer(self, item: PlanItem, progress: _Progress, report: SyncReport) -> None:
        assert item.src is not None
        if item.dst is not None:
            self._keep_old(item.path, move=False, report=report)
        nbytes = self._carry(item.src, progress.add_bytes)
        with self._lock:
            report.transferred.append(item.path)
            report.bytes_transferred += nbytes

    def _carry(self, entry: Entry, on_bytes: Callable[[int], None]) -> int:
        """One file from the source to the destination, the fastest way both offer; the bytes carried."""
        src, dst, rel = self.src, self.dst, entry.path
        done = dst.copy_from(src, entry, durable=self.options.durable, on_bytes=on_bytes)
        if done is not CANT:
            return done
        file = src.local_file(entry)
        if file is not None:
            done = dst.upload_file(file, rel, on_bytes=on_bytes)
            if done is not CANT:
                if not file.unchanged():
                    raise SourceChanged(f"{rel}: changed during the upload; it will be sent again next time")
                return done
        info, chunks = src.open_read(rel)
        dst.write(
            rel,
            chunks,
            size=info.size,
            mtime_ns=info.mtime_ns,
            expected_md5=info.md5,
            durable=self.options.durable,
            on_bytes=on_bytes,
        )
        return info.size

    def _with_retries(self, item: PlanItem, progress: _Progress, report: SyncReport) -> None:
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            if progress.cancelled.is_set():
                return
            try:
                self._transfer(item, progress, report)
                break
            except Exception as exc:
                if progress.cancelled.is_set():
                    return  # stopped by Ctrl-C: not a failure of this file
                if attempt + 1 < attempts and _retryable(exc):
                    delay = self.options.backoff_s * (2**attempt)
                    import random  # only for a retry

                    self.sleep(delay * (0.5 + random.random()))
                    continue
                with self._lock:
                    report.failed.append(Failure(item.path, "copy", _message(exc)))
                break
        progress.file_done()

    # ----------------------------------------------------------------------------- deletes

    def _delete(self, paths: list[str], report: SyncReport) -> None:
        """Delete ``paths`` from the destination, each kept in the backup first when one is set."""
        doomed: list[str] = []
        for rel in paths:
            try:
                self._keep_old(rel, move=True, report=report)  # where the store can move, the move deletes
            except Exception as exc:
                report.failed.append(Failure(rel, "delete", _message(exc)))
                continue
            doomed.append(rel)
        failed: dict[str, str] = dict(self.dst.delete_many(doomed))
        for rel in doomed:
            if rel in failed:
                report.failed.append(Failure(rel, "delete", failed[rel]))
            else:
                report.deleted.append(rel)

    # ----------------------------------------------------------------------------- run

    def run(self, plan: SyncPlan) -> SyncReport:
        started = time.monotonic()
        report = SyncReport(dry_run=self.options.dry_run, unsupported=list(plan.unsupported))
        report.skipped_unchanged = len(plan.skips)
        report.failed.extend(Failure(path, "read", message) for path, message in plan.errors)
        copies = plan.copies
        deletes = [i.path for i in plan.deletes]
        early = [p for p in deletes if p in plan.early_deletes]
        late = [p for p in deletes if p not in plan.early_deletes]
        if self.options.dry_run:
            report.transferred = [i.path for i in copies]
            report.bytes_transferred = sum(i.src.size for i in copies if i.src is not None)
            report.deleted = deletes
            report.elapsed_s = time.monotonic() - started
            return report
        limit = self.options.max_delete
        delete_ok = not plan.errors
        if limit is not None and len(deletes) > limit:
            report.deletes_refused = f"{len(deletes)} deletions planned, more than --max-delete {limit}"
            delete_ok = False
        elif plan.errors:
            report.deletes_refused = "listing or read errors: no file was deleted"
        self.backup = self._backup_target()
        if early and delete_ok:
            self._delete(early, report)
        progress = _Progress(self.progress_cb, sum(i.src.size for i in copies if i.src is not None), len(copies))
        workers = max(1, min(self.options.transfers, len(copies)))
        try:
            try:
                self._transfers(copies, workers, progress, report)
            except KeyboardInterrupt:
                report.interrupted = True
                report.not_done = len(copies) - progress.files_done
                report.deletes_refused = "interrupted: no file was deleted"
            if late and delete_ok and not report.interrupted:
                if report.failed:
                    report.deletes_refused = "some transfers failed: no file was deleted"
                else:
                    self._delete(late, report)
        finally:
            self._finish(plan, report)
        report.transferred.sort()
        report.elapsed_s = time.monotonic() - started
        if report.interrupted:
            raise Interrupted(report)  # after _finish wrote the hash caches: a rerun continues
        return report

    def _transfers(self, copies: list[PlanItem], workers: int, progress: _Progress, report: SyncReport) -> None:
        """Every copy, ``workers`` at a time; on Ctrl-C, cancel what is queued and stop what runs."""
        if workers == 1:
            try:
                for item in copies:
                    self._with_retries(item, progress, report)
            except KeyboardInterrupt:
                progress.cancelled.set()
                raise
            return
        from concurrent.futures import ThreadPoolExecutor  # only when there is work (import: 2 ms)

        pool = ThreadPoolExecutor(workers, thread_name_prefix="cargobay-sync")
        try:
            for future in [pool.submit(self._with_retries, i, progress, report) for i in copies]:
                future.result()
        except KeyboardInterrupt:
            progress.cancelled.set()
            pool.shutdown(wait=False, cancel_futures=True)
            for endpoint in (self.src, self.dst):
                endpoint.cancel_transfers()  # multipart uploads in flight: aborted on the server
            pool.shutdown(wait=True)  # the files in flight stop at their next chunk
            raise
        pool.shutdown(wait=True)

    def _finish(self, plan: SyncPlan, report: SyncReport) -> None:
        self.src.flush_state(listed=plan.src_listed if not plan.errors else None)
        deleted = set(report.deleted)  # what the destination holds now, read only by a cache that prunes:
        kept = itertools.chain((p for p in plan.dst_listed if p not in deleted), report.transferred)
        self.dst.flush_state(listed=kept if not plan.errors else None)


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0] if text else type(exc).__name__


def run_plan(
    plan: SyncPlan,
    src: Endpoint,
    dst: Endpoint,
    *,
    options: SyncOptions,
    progress: ProgressCallback | None = None,
) -> SyncReport:
    """Apply ``plan``; see the module docstring for the order and the deletion rules."""
    return Executor(src, dst, options=options, progress=progress).run(plan)
