"""The values the sync modules pass each other: listing entries, options, progress and the report.

This module owns plain data only (named tuples, frozen dataclasses and small enums); it does no
I/O and imports nothing from cargobay but :mod:`cargobay.errors` and :mod:`cargobay._types`
(whose :class:`~cargobay._types.Fingerprint` the store shares). Every other module of
:mod:`cargobay.sync` depends on it, and it depends on none of them.

Values made once per file (:class:`Entry`, :class:`Decision`, :class:`Need`) are named tuples:
immutable like a frozen dataclass, but built several times faster (a frozen dataclass sets each
field through ``object.__setattr__``), which a no-change re-sync of 10,000 files does 20,000
times; they are also cheaper to define at import. The options are a :class:`~cargobay._record.Record`
and the report a plain class: ``import dataclasses`` (with ``inspect``, ``ast``, ``dis``) was a
visible part of every ``cargobay sync`` start, which a no-change re-sync pays in full.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from cargobay._record import Record
from cargobay._types import Fingerprint
from cargobay.errors import UsageError

MiB = 1 << 20
DEFAULT_PART_SIZE = 8 * MiB  # the AWS CLI's multipart_chunksize (rclone uses 5 MiB)
DEFAULT_TRANSFERS = 8


class Entry(NamedTuple):
    """One file (local) or object (S3) in a listing, with what is known about it *without* reading it.

    ``path``: ``/``-joined, relative to the endpoint root (for S3 the key minus the prefix).
    ``mtime_ns``: local mtime, or for S3 the ``X-Amz-Meta-Mtime`` metadata once it is known.
    ``md5``: lowercase hex MD5 of the content when known cheaply - an S3 ETag that is an MD5, an
    MD5 stored in metadata, or a trusted entry of the local state cache.
    ``etag``: the unquoted S3 ETag (``None`` for local files).
    ``fingerprint``: the local stat fingerprint (``None`` for S3).
    ``hashable``: the content can be hashed by reading it (local files).
    ``meta_known``: for S3, whether user metadata (mtime, md5chksum) has been read (by a HEAD).
    ``multipart``: multipart ETags computed locally, as ``(part_size, etag)`` pairs.
    """

    path: str
    size: int
    mtime_ns: int | None = None
    md5: str | None = None
    etag: str | None = None
    fingerprint: Fingerprint | None = None
    hashable: bool = False
    meta_known: bool = False
    multipart: tuple[tuple[int, str], ...] = ()


class SyncAction(enum.Enum):
    """What to do with one path; ``NEED`` means "compare again once this fact is known"."""

    COPY = "copy"
    SKIP = "skip"
    DELETE = "delete"
    NEED = "need"


class Side(enum.Enum):
    SRC = "src"
    DST = "dst"


class Fact(enum.Enum):
    """A fact the comparison can ask the endpoints for (each costs I/O)."""

    META = "meta"  # S3: HEAD the object for X-Amz-Meta-Mtime / Md5chksum
    MD5 = "md5"  # local: hash the file (through the state cache)
    MULTIPART = "multipart"  # local: multipart ETags for the given part sizes


class Need(NamedTuple):
    side: Side
    fact: Fact
    part_sizes: tuple[int, ...] = ()


class Decision(NamedTuple):
    """The outcome of :func:`cargobay.sync.compare.compare`: an action and the reason a user reads."""

    action: SyncAction
    reason: str
    need: Need | None = None


class SyncOptions(Record):
    """How a sync behaves. Built by the CLI or the caller; nothing here is read from the environment.

    * ``checksum``: hash every local file (ignore the state cache) and never fall back to
      comparing mtimes when content cannot be compared (copy instead).
    * ``delete``: delete destination files that are not in the source, after all transfers,
      and only if every listing and every read succeeded. ``max_delete``: when more deletions
      than this are planned, none is done and the sync reports an error.
    * ``backup_dir``: where replaced and deleted destination files are kept, under a dated
      prefix (a local directory for a local destination, an ``s3://`` location on the same
      endpoint for an S3 destination).
    * ``transfers``: files transferred at once; ``part_size``: multipart chunk size and
      threshold for uploads (and the first guess when comparing multipart ETags).
    * ``retries``: attempts per file after the first, with exponential backoff.
    * ``durable``: fsync local files written by the sync.
    """

    _fields = (
        "checksum",
        "delete",
        "max_delete",
        "dry_run",
        "backup_dir",
        "transfers",
        "part_size",
        "retries",
        "backoff_s",
        "durable",
    )
    __slots__ = _fields
    checksum: bool
    delete: bool
    max_delete: int | None
    dry_run: bool
    backup_dir: str | None
    transfers: int
    part_size: int
    retries: int
    backoff_s: float
    durable: bool

    def __init__(
        self,
        checksum: bool = False,
        delete: bool = False,
        max_delete: int | None = None,
        dry_run: bool = False,
        backup_dir: str | None = None,
        transfers: int = DEFAULT_TRANSFERS,
        part_size: int = DEFAULT_PART_SIZE,
        retries: int = 3,
        backoff_s: float = 0.2,
        durable: bool = False,
    ) -> None:
        if transfers < 1:
            raise UsageError("transfers must be at least 1")
        if part_size < 5 * MiB:
            raise UsageError("part size must be at least 5 MiB (the S3 minimum)")
        if part_size > 5 * 1024 * MiB:
            raise UsageError("part size must be at most 5 GiB (the S3 maximum)")
        if max_delete is not None and max_delete < 0:
            raise UsageError("max-delete must not be negative")
        if retries < 0:
            raise UsageError("retries must not be negative")
        self._set(checksum, delete, max_delete, dry_run, backup_dir, transfers, part_size, retries, backoff_s, durable)


class SyncProgress(NamedTuple):
    """Passed to a progress callback after each chunk and each finished file."""

    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int


class Failure(NamedTuple):
    path: str
    operation: str
    message: str


class SyncReport:
    """What a sync did. ``ok`` is false when anything failed, including a refused deletion."""

    _fields = (
        "transferred",
        "bytes_transferred",
        "skipped_unchanged",
        "deleted",
        "backed_up",
        "failed",
        "unsupported",
        "deletes_refused",
        "elapsed_s",
        "dry_run",
        "interrupted",
        "not_done",
    )
    __slots__ = _fields

    def __init__(
        self,
        transferred: list[str] | None = None,
        bytes_transferred: int = 0,
        skipped_unchanged: int = 0,
        deleted: list[str] | None = None,
        backed_up: list[str] | None = None,
        failed: list[Failure] | None = None,
        unsupported: list[str] | None = None,
        deletes_refused: str | None = None,
        elapsed_s: float = 0.0,
        dry_run: bool = False,
        interrupted: bool = False,
        not_done: int = 0,
    ) -> None:
        self.transferred: list[str] = transferred if transferred is not None else []
        self.bytes_transferred = bytes_transferred
        self.skipped_unchanged = skipped_unchanged
        self.deleted: list[str] = deleted if deleted is not None else []
        self.backed_up: list[str] = backed_up if backed_up is not None else []
        self.failed: list[Failure] = failed if failed is not None else []
        self.unsupported: list[str] = unsupported if unsupported is not None else []
        self.deletes_refused = deletes_refused
        self.elapsed_s = elapsed_s
        self.dry_run = dry_run
        self.interrupted = interrupted  # stopped by Ctrl-C; ``not_done`` files were never finished
        self.not_done = not_done

    def __eq__(self, other: object) -> bool:
        if type(other) is not SyncReport:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._fields)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return "SyncReport(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields) + ")"

    @property
    def ok(self) -> bool:
        return not self.failed and self.deletes_refused is None and not self.interrupted

    @property
    def rate(self) -> float:
        """Bytes per second over the whole run."""
        return self.bytes_transferred / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        verb = "would transfer" if self.dry_run else "transferred"
        lines = [
            f"{verb}: {len(self.transferred)} files, {_human(self.bytes_transferred)}"
            + ("" if self.dry_run else f" ({_human(int(self.rate))}/s)"),
            f"skipped (unchanged): {self.skipped_unchanged}",
            f"{'would delete' if self.dry_run else 'deleted'}: {len(self.deleted)}",
        ]
        if self.backed_up:
            lines.append(f"backed up: {len(self.backed_up)}")
        if self.unsupported:
            lines.append(f"not synced (S3 holds regular files only; see the README's table): {len(self.unsupported)}")
            lines.extend(f"  {path}" for path in self.unsupported[:20])
            if len(self.unsupported) > 20:
                lines.append(f"  ... and {len(self.unsupported) - 20} more")
        if self.interrupted:
            lines.append(f"interrupted: {self.not_done} files not transferred (run again to continue)")
        lines.append(f"failed: {len(self.failed)}")
        for f in self.failed[:20]:
            lines.append(f"  {f.operation} {f.path}: {f.message}")
        if len(self.failed) > 20:
            lines.append(f"  ... and {len(self.failed) - 20} more")
        if self.deletes_refused:
            lines.append(f"deletions not done: {self.deletes_refused}")
        lines.append(f"elapsed: {self.elapsed_s:.2f} s")
        return "\n".join(lines)


def _human(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover
