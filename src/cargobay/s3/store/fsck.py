"""``fsck`` for a data directory: find where the files and the metadata sidecar disagree, and
repair what can be repaired without guessing.

What a crash, a ``kill -9`` or an out-of-band edit can leave behind, and what repair does:

======================  =============================================  ==============================
kind                    meaning                                        repair
======================  =============================================  ==============================
``temp-file``           a ``.cargobay-tmp-*`` file (an unfinished      unlink it
                        write); never an object
``stale-row``           a row whose file is gone (verbatim key          delete the row
                        deleted out of band, internal file lost)
``changed-file``        a file whose stat fingerprint differs from      recompute the MD5 ETag, drop
                        its row (edited out of band, or a crash         stored checksums and part
                        between rename and commit)                      sizes (they describe old bytes)
``orphan-internal``     a file in ``.cargobay/keys/`` that no row       move it to
                        names (a crash after the rename of a new        ``.cargobay/lost+found/``
                        internal key, before its row); invisible
``orphan-bucket-rows``  rows of a bucket whose directory is gone        delete the bucket's rows
``version-missing``     a noncurrent version's row whose file in        delete the row (the bytes are
                        ``.cargobay/versions/`` is gone                 gone; never invented)
``orphan-version``      a file in ``.cargobay/versions/`` that no row   move it to
                        names (a crash between link and commit)         ``.cargobay/lost+found/``
``upload-no-staging``   an upload row without its staging directory     forget the upload
``staging-no-upload``   a staging directory without an upload row       remove the directory
``orphan-part-file``    a file in a staging directory that no part      unlink it
                        row names (crash between rename and row; an
                        assembly file no row names a region of, which
                        is the server's own while it is served, and
                        is not reported then)
``part-file-missing``   a part row whose file is gone                   none (reported; abort the
                                                                        upload to clear it)
``upload-completed``    an upload whose completion published its        forget the upload
                        object (renamed its assembly file onto the
                        key: the key's row has the parts' multipart
                        ETag, or its file holds exactly the parts)
                        and was cut off before forgetting it
======================  =============================================  ==============================

In a versioned bucket a ``changed-file`` is not repaired here: the server records the new bytes
as a new version the next time it sees the key, and finishes an interrupted version move it
recognises by inode (store/versioning.py); fsck only reports it. A file in the version area whose
name is the sequence of its key's current row is such a move in progress, not an orphan; so is a
version whose file is missing from the area because it was renamed over its key's path (the same
inode is there: a promotion that stopped before its row), and that file is no orphan-internal.

A file in a bucket directory without a row is *not* a problem: serving an existing tree as-is
is the point of the layout (such files get their row on first access). Uploads in progress are
reported as information only; a client may still finish them.

Decisions and execution are separate: :func:`scan` only reads and returns a :class:`FsckReport`;
:func:`repair` applies it, re-checking each finding just before acting, under the data
directory's server lock (``.cargobay/serve.lock``, the flock that ``cargobay serve`` holds). A
directory that is being served is never repaired (:class:`DirectoryBusy`): the server may be in
the middle of exactly the write that looks like debris.

Reads go through :mod:`metadb` (no SQL here) and :mod:`layout` (no path arithmetic here). This
module knows nothing of HTTP and never constructs an ``ObjectStore`` (opening one sweeps
uploads, which is a repair).
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from cargobay._fsutil import is_temp_name
from cargobay._types import Fingerprint
from cargobay.s3.names import is_valid_bucket_name
from cargobay.s3.store.cutoff import cut_off
from cargobay.s3.store.layout import STATE_DIR, Layout
from cargobay.s3.store.metadb import MetaDB, ObjectRow, PartRow, UploadRow, VersionRow
from cargobay.s3.store.parts import split_ref
from cargobay.s3.store.pending import kept_meta, md5_of_fd
from cargobay.s3.store.preassembly import ASSEMBLY_PREFIX
from cargobay.s3.store.serverlock import exclusive, is_served

LOST_AND_FOUND = "lost+found"
_META_DB = "meta.db"
_UPLOADS = "uploads"
# Above every valid key in UTF-8 byte order: keys are at most 1024 bytes, U+10FFFF is the largest
# code point, and a longer run of it sorts after any shorter string of code points.
_KEY_MAX = "\U0010ffff" * 1025


class Kind(enum.Enum):
    TEMP_FILE = "temp-file"
    STALE_ROW = "stale-row"
    CHANGED_FILE = "changed-file"
    ORPHAN_INTERNAL = "orphan-internal"
    ORPHAN_BUCKET_ROWS = "orphan-bucket-rows"
    UPLOAD_NO_STAGING = "upload-no-staging"
    STAGING_NO_UPLOAD = "staging-no-upload"
    ORPHAN_PART_FILE = "orphan-part-file"
    PART_FILE_MISSING = "part-file-missing"
    UPLOAD_COMPLETED = "upload-completed"
    VERSION_MISSING = "version-missing"
    ORPHAN_VERSION = "orphan-version"


REPAIRABLE = frozenset(Kind) - {Kind.PART_FILE_MISSING}


@dataclass(frozen=True)
class Finding:
    """One disagreement. ``path`` is relative to the data directory (None: a row-only finding)."""

    kind: Kind
    detail: str
    path: str | None = None
    bucket: str | None = None
    key: str | None = None
    upload_id: str | None = None


@dataclass(frozen=True)
class FsckReport:
    root: str
    findings: tuple[Finding, ...]
    objects_checked: int = 0  # rows examined plus files walked
    uploads_in_progress: int = 0
    served: bool = False  # a server held the lock while scanning (findings may be in-flight writes)
    repair: bool = False  # repairs were attempted
    repaired: tuple[Finding, ...] = ()
    failed: tuple[tuple[Finding, str], ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not self.findings

    def render(self) -> str:
        lines = [f"cargobay fsck {self.root}"]
        if self.served:
            lines.append("warning: the directory is being served; some findings may be writes in progress")
        repaired = set(self.repaired)
        failed = dict(self.failed)
        for finding in self.findings:
            if finding in repaired:
                status = "repaired"
            elif finding in failed:
                status = f"NOT repaired: {failed[finding]}"
            elif self.repair:
                status = "not repairable"
            else:
                status = "found"
            where = finding.path or (f"{finding.bucket}/{finding.key}" if finding.key else f"bucket {finding.bucket}")
            lines.append(f"  {finding.kind.value:<20} {status:<10} {where}  ({finding.detail})")
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no problems"
        lines.append(
            f"checked {self.objects_checked} objects/rows; {self.uploads_in_progress} "
            f"multipart upload(s) in progress; {summary}"
        )
        if self.repair:
            lines.append(f"repaired {len(self.repaired)} of {len(self.findings)}")
        return "\n".join(lines)


# -- scanning ---------------------------------------------------------------------------------


def _md5_file(path: str) -> tuple[str, Fingerprint]:
    """MD5 of a file and the fingerprint of the very inode hashed."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        # The fingerprint before the hash: a file written meanwhile then fails its check and is
        # hashed again, instead of the new fingerprint being recorded beside a hash of mixed bytes.
        fp = Fingerprint.of(os.fstat(fd))
        return md5_of_fd(fd), fp
    finally:
        os.close(fd)


def _regular(path: str) -> os.stat_result | None:
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _promoted_to(layout: Layout, v: VersionRow) -> str | None:
    """The key's path if version ``v``'s file is there (its inode and size, as the server
    recognises it): a promotion renamed it over the path and stopped before its row was written
    (the server finishes it); None otherwise."""
    for path in (layout.verbatim_path(v.bucket, v.key), layout.internal_path(v.bucket, v.key)):
        st = _regular(path) if path is not None else None
        if st is not None and st.st_ino == v.ino and st.st_size == v.size:
            return path
    return None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Scanner:
    def __init__(self, layout: Layout, db: MetaDB | None, *, served: bool) -> None:
        self.layout = layout
        self.db = db
        self.served = served
        self.findings: list[Finding] = []
        self.checked = 0
        self.promoting: set[str] = set()  # key paths holding a version whose promotion stopped

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.layout.root)

    def add(self, kind: Kind, detail: str, **where: str | None) -> None:
        self.findings.append(Finding(kind, detail, **where))

    def temp_files(self, top: str) -> None:
        """Every temp file below ``top`` (symlinked directories are not followed)."""
        for dirpath, _dirnames, filenames in os.walk(top):
            for name in filenames:
                if is_temp_name(name):
                    self.add(Kind.TEMP_FILE, "unfinished write", path=self.rel(os.path.join(dirpath, name)))

    def buckets_on_disk(self) -> list[str]:
        names = []
        with os.scandir(self.layout.root) as entries:
            for entry in entries:
                if entry.name != STATE_DIR and is_valid_bucket_name(entry.name) and entry.is_dir(follow_symlinks=False):
                    names.append(entry.name)
        return sorted(names)

    def rows(self, bucket: str) -> dict[str, ObjectRow]:
        return {} if self.db is None else self.db.rows_between(bucket, "", _KEY_MAX)

    def check_rows(self, bucket: str, rows: dict[str, ObjectRow]) -> None:
        for key, row in rows.items():
            self.checked += 1
            path = self.layout.internal_path(bucket, key) if row.internal else self.layout.verbatim_path(bucket, key)
            st = None
            if path is not None and (row.internal or self.layout.verbatim_parent_is_safe(bucket, path)):
                st = _regular(path)
            if st is None:
                where = "internal file" if row.internal else "file"
                self.add(
                    Kind.STALE_ROW,
                    f"{where} is gone",
                    bucket=bucket,
                    key=key,
                    path=self.rel(path) if path is not None else None,
                )
            elif path is not None and Fingerprint.of(st) != row.fingerprint:
                self.add(
                    Kind.CHANGED_FILE,
                    "fingerprint differs from the row; ETag must be recomputed",
                    bucket=bucket,
                    key=key,
                    path=self.rel(path),
                )

    def check_internal_area(self, internal_hashes: dict[str, set[str]]) -> None:
        top = self.layout.internal_root
        if not os.path.isdir(top):
            return
        for dirpath, _dirnames, filenames in os.walk(top):
            rel = os.path.relpath(dirpath, top)
            bucket = rel.split(os.sep, 1)[0] if rel != "." else None
            for name in filenames:
                if is_temp_name(name):
                    continue  # reported by temp_files
                self.checked += 1
                if os.path.join(dirpath, name) in self.promoting:
                    continue
                if bucket is None or name not in internal_hashes.get(bucket, set()):
                    self.add(
                        Kind.ORPHAN_INTERNAL,
                        "no row names this internal file (its key is unknown)",
                        bucket=bucket,
                        path=self.rel(os.path.join(dirpath, name)),
                    )

    def check_version_area(self) -> None:
        """Rows of noncurrent versions against the files of ``.cargobay/versions/``."""
        if self.db is None:
            return
        named: set[str] = set()
        for v in self.db.all_versions():
            path = self.layout.version_path(v.bucket, v.key, v.seq)
            if v.marker:
                continue
            named.add(path)
            self.checked += 1
            if _regular(path) is None:
                promoted = _promoted_to(self.layout, v)
                if promoted is not None:
                    self.promoting.add(promoted)
                    continue
                self.add(
                    Kind.VERSION_MISSING,
                    f"version {v.version_id}'s file is gone",
                    bucket=v.bucket,
                    key=v.key,
                    path=self.rel(path),
                )
        top = self.layout.versions_root
        if not os.path.isdir(top):
            return
        pending: dict[str, set[str]] = {}  # bucket -> version paths of current rows (moves in progress)
        for dirpath, _dirnames, filenames in os.walk(top):
            rel = os.path.relpath(dirpath, top)
            bucket = rel.split(os.sep, 1)[0] if rel != "." else ""
            for name in filenames:
                path = os.path.join(dirpath, name)
                if is_temp_name(name) or path in named:
                    continue
                if bucket not in pending:
                    pending[bucket] = {self.layout.version_path(bucket, k, r.seq) for k, r in self.rows(bucket).items()}
                if path in pending[bucket]:
                    continue
                self.add(
                    Kind.ORPHAN_VERSION, "no row names this version file", bucket=bucket or None, path=self.rel(path)
                )

    def check_uploads(self) -> int:
        staging_root = os.path.join(self.layout.state_dir, _UPLOADS)
        try:
            directories = {e.name for e in os.scandir(staging_root) if e.is_dir(follow_symlinks=False)}
        except FileNotFoundError:
            directories = set()
        rows = [] if self.db is None else self.db.all_uploads()
        known = set()
        in_progress = 0
        for upload in rows:
            known.add(upload.upload_id)
            staging = os.path.join(staging_root, upload.upload_id)
            if upload.upload_id not in directories:
                self.add(
                    Kind.UPLOAD_NO_STAGING,
                    "the upload's staging directory is gone",
                    bucket=upload.bucket,
                    key=upload.key,
                    upload_id=upload.upload_id,
                    path=self.rel(staging),
                )
                continue
            in_progress += 1
            parts = self.db.parts(upload.upload_id) if self.db is not None else []
            named = {split_ref(p.file)[0] for p in parts}  # a part file, or an assembly file's region
            if self.db is not None and _upload_completed(self.layout, self.db, upload, parts, staging):
                self.add(
                    Kind.UPLOAD_COMPLETED,
                    "the upload's object was published; the upload was not forgotten",
                    bucket=upload.bucket,
                    key=upload.key,
                    upload_id=upload.upload_id,
                    path=self.rel(staging),
                )
                continue
            for part in parts:
                if _regular(os.path.join(staging, split_ref(part.file)[0])) is None:
                    self.add(
                        Kind.PART_FILE_MISSING,
                        f"part {part.part_number}'s file is gone",
                        bucket=upload.bucket,
                        key=upload.key,
                        upload_id=upload.upload_id,
                        path=self.rel(os.path.join(staging, split_ref(part.file)[0])),
                    )
            try:
                names = os.listdir(staging)
            except FileNotFoundError:
                continue  # completed or aborted meanwhile (a served directory)
            for name in names:
                if self.served and name.startswith(ASSEMBLY_PREFIX):
                    continue  # the server's own head start, even when no row names it (preassembly.py)
                if name not in named and not is_temp_name(name):
                    self.add(
                        Kind.ORPHAN_PART_FILE,
                        "no part row names this file",
                        upload_id=upload.upload_id,
                        path=self.rel(os.path.join(staging, name)),
                    )
        for name in sorted(directories - known):
            self.add(
                Kind.STAGING_NO_UPLOAD,
                "staging directory of no upload",
                upload_id=name,
                path=self.rel(os.path.join(staging_root, name)),
            )
        return in_progress


def _open_db(layout: Layout) -> MetaDB | None:
    path = os.path.join(layout.state_dir, _META_DB)
    return MetaDB(path) if os.path.isfile(path) else None


def scan(root: str) -> FsckReport:
    """Compare every file with its row and every row with its file; change nothing."""
    layout = Layout(root)
    db = _open_db(layout)
    try:
        return _scan(layout, db, served=is_served(layout.root))
    finally:
        if db is not None:
            db.close()


def _scan(layout: Layout, db: MetaDB | None, *, served: bool) -> FsckReport:
    """The scan; ``served``: a server holds the directory (fsck's own repair lock is not one)."""
    scanner = _Scanner(layout, db, served=served)
    buckets = scanner.buckets_on_disk()
    internal_hashes: dict[str, set[str]] = {}
    for bucket in buckets:
        scanner.temp_files(layout.bucket_dir(bucket))
        rows = scanner.rows(bucket)
        scanner.check_rows(bucket, rows)
        internal_hashes[bucket] = {
            os.path.basename(layout.internal_path(bucket, k)) for k, r in rows.items() if r.internal
        }
        scanner.checked += _count_files(layout.bucket_dir(bucket))
    # Rows of buckets whose directory vanished: the candidates are the names the internal area
    # and the upload rows still mention (the metadata API offers no list of all buckets).
    candidates: set[str] = set()
    if os.path.isdir(layout.internal_root):
        candidates.update(n for n in os.listdir(layout.internal_root) if is_valid_bucket_name(n))
    if db is not None:
        candidates.update(u.bucket for u in db.all_uploads())
    for bucket in sorted(candidates - set(buckets)):
        rows = scanner.rows(bucket)
        if rows:
            scanner.checked += len(rows)
            scanner.add(
                Kind.ORPHAN_BUCKET_ROWS, f"{len(rows)} row(s) of a bucket whose directory is gone", bucket=bucket
            )
    scanner.check_version_area()  # first: it finds the promotions the internal area must not call orphans
    scanner.check_internal_area(internal_hashes)
    if os.path.isdir(layout.state_dir):
        scanner.temp_files(layout.state_dir)
    in_progress = scanner.check_uploads()
    return FsckReport(
        layout.root,
        tuple(scanner.findings),
        objects_checked=scanner.checked,
        uploads_in_progress=in_progress,
        served=served,
    )


def _count_files(top: str) -> int:
    count = 0
    for _dirpath, _dirnames, filenames in os.walk(top):
        count += sum(1 for n in filenames if _utf8(n) and not is_temp_name(n))
    return count


# -- repairing --------------------------------------------------------------------------------


def check(root: str, *, repair: bool = False) -> FsckReport:
    """Scan ``root``; with ``repair``, hold the server lock, scan, and repair what is safe.

    Raises DirectoryBusy (``repair`` only) when a server holds the lock."""
    if not repair:
        return scan(root)
    with exclusive(root):
        layout = Layout(root)
        db = _open_db(layout)
        try:
            report = _scan(layout, db, served=False)
            repaired: list[Finding] = []
            failed: list[tuple[Finding, str]] = []
            for finding in report.findings:
                if finding.kind not in REPAIRABLE:
                    continue
                try:
                    _repair_one(layout, db, finding)
                except OSError as exc:
                    failed.append((finding, exc.strerror or str(exc)))
                else:
                    repaired.append(finding)
            return replace(report, served=False, repair=True, repaired=tuple(repaired), failed=tuple(failed))
        finally:
            if db is not None:
                db.close()


def _upload_completed(layout: Layout, db: MetaDB, upload: UploadRow, parts: list[PartRow], staging: str) -> bool:
    """A completion that renamed the upload's assembly file onto its key, cut off before the
    upload was forgotten (the rule: :func:`.cutoff.cut_off`), read from the key's row and files."""

    @contextlib.contextmanager
    def key_object() -> Iterator[tuple[str | None, Sequence[int]]]:
        bucket, key = upload.bucket, upload.key
        row, fds = db.get(bucket, key), []
        try:
            for path in (layout.verbatim_path(bucket, key), layout.internal_path(bucket, key)):
                if path is not None and _regular(path) is not None:
                    with contextlib.suppress(OSError):
                        fds.append(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC))
            yield (row.etag if row is not None else None), fds
        finally:
            for fd in fds:
                os.close(fd)

    return cut_off(staging, parts, key_object)


def _repair_one(layout: Layout, db: MetaDB | None, finding: Finding) -> None:
    """Apply one repair, re-checking the condition first (a repair never acts on a guess)."""
    path = os.path.join(layout.root, finding.path) if finding.path is not None else None
    kind = finding.kind
    if kind is Kind.TEMP_FILE or kind is Kind.ORPHAN_PART_FILE:
        assert path is not None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    elif kind is Kind.STAGING_NO_UPLOAD:
        assert path is not None
        shutil.rmtree(path, ignore_errors=False)
    elif kind is Kind.ORPHAN_INTERNAL or kind is Kind.ORPHAN_VERSION:
        assert path is not None
        name = f"{finding.bucket or 'unknown'}-{os.path.basename(path)}"
        if kind is Kind.ORPHAN_VERSION:
            name = f"{finding.bucket or 'unknown'}-{os.path.basename(os.path.dirname(path))}-{os.path.basename(path)}"
        target = os.path.join(layout.state_dir, LOST_AND_FOUND, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(path, target)
    elif db is None:
        return  # every remaining kind comes from a row, so a database exists
    elif kind is Kind.STALE_ROW:
        assert finding.bucket is not None and finding.key is not None
        row = db.get(finding.bucket, finding.key)
        if row is not None and (path is None or _regular(path) is None):
            db.delete(finding.bucket, finding.key)
    elif kind is Kind.VERSION_MISSING:
        assert finding.bucket is not None and finding.key is not None and path is not None
        seq = int(os.path.basename(path))
        v = next((v for v in db.versions_of(finding.bucket, finding.key) if v.seq == seq), None)
        if _regular(path) is None and (v is None or _promoted_to(layout, v) is None):
            db.apply(drop_versions=((finding.bucket, finding.key, seq),))
    elif kind is Kind.CHANGED_FILE:
        assert finding.bucket is not None and finding.key is not None and path is not None
        row = db.get(finding.bucket, finding.key)
        if row is None:
            return
        if db.bucket_config(finding.bucket).get("versioning"):
            raise OSError(errno.EBUSY, "a versioned key: the server records the new bytes as a version")
        try:
            etag, fp = _md5_file(path)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ELOOP):
                db.delete(finding.bucket, finding.key)
                return
            raise
        db.put(replace(row, fingerprint=fp, etag=etag, meta=kept_meta(row, fp.ino)))
    elif kind is Kind.ORPHAN_BUCKET_ROWS:
        assert finding.bucket is not None
        if not os.path.isdir(layout.bucket_dir(finding.bucket)):
            db.drop_bucket(finding.bucket)
    elif kind is Kind.UPLOAD_NO_STAGING:
        assert finding.upload_id is not None
        db.delete_upload(finding.upload_id)
    elif kind is Kind.UPLOAD_COMPLETED:
        assert finding.upload_id is not None and path is not None
        upload = db.get_upload(finding.upload_id)
        if upload is not None and _upload_completed(layout, db, upload, db.parts(upload.upload_id), path):
            db.delete_upload(finding.upload_id)
            shutil.rmtree(path, ignore_errors=True)
