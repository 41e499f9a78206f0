"""The tallies of one copy run: counts, failures, the dry-run plan, progress snapshots, the report.

Worker threads add to one :class:`Tally` under its lock; the hot paths add a whole directory's or a
whole batch's counts in one locked step, not one per file. Progress is a snapshot handed to the
caller's callback at most every :data:`PROGRESS_INTERVAL` seconds (and once at the end), one call
at a time. Turning the tallies into the public :class:`~cargobay.copy.model.CopyReport` happens
here too, so ``execute.py`` only says what happened, never how it is counted.
"""

from __future__ import annotations

import threading
import time

from cargobay.copy.model import CopyFailure, CopyProgress, CopyReport, PlannedAction, ProgressCallback

PROGRESS_INTERVAL = 0.1


class Tally:
    """Totals of one run, changed only under :attr:`lock` (a plain slotted class, not a dataclass:
    each ``@dataclass`` costs ~0.3 ms of start-up)."""

    __slots__ = (
        "_last_progress",
        "attrs_updated",
        "bytes",
        "bytes_seen",
        "deleted",
        "dirs",
        "errors",
        "excluded",
        "files",
        "files_seen",
        "hardlinks",
        "lock",
        "planned",
        "progress",
        "skipped",
        "specials",
        "symlinks",
    )

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.lock = threading.Lock()
        self.progress = progress
        self.files = self.bytes = self.dirs = self.symlinks = self.hardlinks = self.specials = 0
        self.attrs_updated = self.skipped = self.excluded = self.deleted = 0
        self.files_seen = self.bytes_seen = 0  # work found so far (progress totals)
        self.errors: list[CopyFailure] = []
        self.planned: list[PlannedAction] = []
        self._last_progress = 0.0

    def fail(self, rel: str, operation: str, exc: BaseException | str) -> None:
        """Record one failed entry; the run goes on."""
        if isinstance(exc, OSError):
            message = exc.strerror or str(exc)
        else:
            message = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.errors.append(CopyFailure(rel, operation, message))

    _COUNTS = ("files", "bytes", "dirs", "symlinks", "hardlinks", "specials", "attrs_updated", "skipped", "excluded")

    def counts(self) -> dict[str, int]:
        """The counts, to send from a second process (``split.py``) to be absorbed."""
        with self.lock:
            return {name: getattr(self, name) for name in self._COUNTS}

    def absorb(self, counts: dict[str, int], errors: list[tuple[str, str, str]]) -> None:
        """Add the counts and failures of another process's part of the run."""
        with self.lock:
            for name in self._COUNTS:
                setattr(self, name, getattr(self, name) + counts.get(name, 0))
            self.errors.extend(CopyFailure(rel, op, message) for rel, op, message in errors)

    def add_skipped(self, n: int) -> None:
        if n:
            with self.lock:
                self.skipped += n

    def report_progress(self, *, force: bool, walking: bool) -> None:
        """Hand a snapshot to the progress callback (at most every PROGRESS_INTERVAL unless ``force``)."""
        if self.progress is None:
            return
        now = time.monotonic()
        with self.lock:
            if not force and now - self._last_progress < PROGRESS_INTERVAL:
                return
            self._last_progress = now
            self.progress(CopyProgress(self.files, self.bytes, self.files_seen, self.bytes_seen, walking))

    def report(self, *, dry_run: bool, seconds: float, interrupted: bool) -> CopyReport:
        return CopyReport(
            files=self.files,
            bytes=self.bytes,
            dirs=self.dirs,
            symlinks=self.symlinks,
            hardlinks=self.hardlinks,
            specials=self.specials,
            attrs_updated=self.attrs_updated,
            skipped=self.skipped,
            excluded=self.excluded,
            deleted=self.deleted,
            errors=tuple(self.errors),
            planned=tuple(self.planned),
            dry_run=dry_run,
            seconds=seconds,
            interrupted=interrupted,
        )
