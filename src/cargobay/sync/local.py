"""The local-directory endpoint: listing with stat fingerprints, hashing through the state cache,
and the file-level reads and writes a sync needs (atomic write, delete, backup), offered as
:class:`~cargobay.sync.endpoints.Endpoint` says: ``copy_from`` another local directory (the copy
engine's ``copy2``), ``local_file`` (a file with its MD5, for an endpoint that uploads files),
``open_read`` and ``write``; never ``upload_file``.

Listing uses the pruned, sorted walk of :mod:`cargobay.select`; only regular files are synced
(symlinks, fifos, sockets and devices are reported as unsupported, as S3 cannot hold them).
Every file is written with :class:`cargobay._fsutil.AtomicFile`, so a reader or a crash never
sees a torn file. This module decides nothing about *whether* to copy.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import os
import stat
from collections.abc import Generator, Iterable, Iterator

from cargobay._fsutil import TEMP_PREFIX, AtomicFile, is_temp_name
from cargobay._types import Fingerprint
from cargobay.errors import SyncError
from cargobay.select import Selection, walk
from cargobay.sync.endpoints import CANT, Cant, ChecksumMismatch, Endpoint, LocalFile, OnBytes, SourceChanged
from cargobay.sync.hashing import Hashed, HashProcesses, read_hash
from cargobay.sync.model import Entry, Fact, Need
from cargobay.sync.state import CachedHash, RootState

__all__ = ["ChecksumMismatch", "LocalDir", "SourceChanged"]

_CHUNK = 1 << 20


class LocalDir(Endpoint):
    """A directory tree. ``state`` is its hash cache (``None``: hash whenever a hash is needed);
    ``trust_cache=False`` (``--checksum``) records hashes but never uses old ones."""

    kind = "local"
    holds_file_and_dir_at_same_name = False

    def __init__(self, root: str, *, state: RootState | None = None, trust_cache: bool = True) -> None:
        self.root = os.path.abspath(root)
        self.state = state
        self.trust_cache = trust_cache
        self.unsupported: list[str] = []
        self._processes: HashProcesses | None = None

    def describe(self) -> str:
        return self.root

    def abspath(self, rel: str) -> str:
        """The path of ``rel``; a path that could leave the tree or is not a file name fails."""
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") for p in parts) or "\x00" in rel:
            raise SyncError(f"{rel!r} cannot be a local file name")
        return os.path.join(self.root, *parts)

    # ------------------------------------------------------------------------------- listing

    def list(self, selection: Selection, *, errors: builtins.list[str]) -> Generator[Entry]:
        """Regular files, sorted by path, with size, mtime, fingerprint and any trusted cached MD5.

        A missing root lists as empty (a destination that does not exist yet). An unreadable
        directory is appended to ``errors`` and skipped.
        """
        self.unsupported = []
        if not os.path.isdir(self.root):
            if os.path.lexists(self.root):
                raise SyncError(f"not a directory: {self.root}")
            return
        state = self.state if self.trust_cache else None

        def on_error(exc: OSError) -> None:
            errors.append(f"{exc.filename}: {exc.strerror or exc}")

        # Per file: one lstat (by the walk), one dict lookup, two tuples. ``tuple.__new__`` builds
        # the named tuples without their Python-level ``__new__`` (a no-change re-sync of 10,000
        # files spends a visible part of its time here).
        make = tuple.__new__
        lookup = state.lookup_function() if state is not None else None
        is_reg = stat.S_ISREG
        temp = TEMP_PREFIX
        for path, _kind, st in walk(self.root, selection, with_stat=True, on_error=on_error):
            if temp in path and is_temp_name(path[path.rfind("/") + 1 :]):  # `in` first: no call per file
                continue
            assert st is not None
            if not is_reg(st.st_mode):
                self.unsupported.append(f"{path} ({_kind_of(st.st_mode)})")
                continue
            size, mtime_ns = st.st_size, st.st_mtime_ns
            fp = make(Fingerprint, (size, mtime_ns, st.st_ctime_ns, st.st_ino))
            cached = lookup(path, fp) if lookup is not None else None
            if cached is None:
                yield make(Entry, (path, size, mtime_ns, None, None, fp, True, False, ()))
            else:
                yield make(Entry, (path, size, mtime_ns, cached[0], None, fp, True, False, cached[1]))

    # ------------------------------------------------------------------------------- facts

    def fetch_many(self, jobs: builtins.list[tuple[Entry, Need]]) -> builtins.list[Entry | Exception]:
        """:meth:`fetch` of each; in a ``--checksum`` run the files are read and hashed by worker
        processes (:class:`~cargobay.sync.hashing.HashProcesses`, see :meth:`start`) and
        recorded here."""
        processes = self._processes
        if processes is None:
            return super().fetch_many(jobs)
        out: builtins.list[Entry | Exception] = []
        paths: builtins.list[tuple[str, tuple[int, ...]]] = []
        for entry, need in jobs:
            try:
                if need.fact not in (Fact.MD5, Fact.MULTIPART):
                    raise SyncError(f"a local file has no {need.fact.value}")
                paths.append((self.abspath(entry.path), need.part_sizes if need.fact is Fact.MULTIPART else ()))
            except SyncError as exc:
                out.append(exc)
                continue
            out.append(entry)  # placeholder, replaced below
        recorded = self.state.clock() if self.state is not None else 0  # before any of them was read
        hashed = iter(processes.hash(paths))
        for i, (entry, _need) in enumerate(jobs):
            if isinstance(out[i], Exception):
                continue
            result = next(hashed)
            try:
                if isinstance(result, OSError):
                    raise result
                out[i] = self._hashed(entry, recorded, result)
            except Exception as exc:
                out[i] = exc
        return out

    def fetch(self, entry: Entry, need: Need) -> Entry:
        if need.fact is Fact.MD5:
            return self.hash(entry)
        if need.fact is Fact.MULTIPART:
            return self.hash(entry, part_sizes=need.part_sizes)
        raise SyncError(f"a local file has no {need.fact.value}")  # pragma: no cover - compare never asks

    def hash(self, entry: Entry, *, part_sizes: Iterable[int] = ()) -> Entry:
        """Read the file once for its MD5 (and multipart ETags), record it, return the richer entry.

        The fingerprint is taken before reading and checked after: a file that changed while
        being read raises :class:`SourceChanged`. If the file changed since it was listed, the
        returned entry carries the new size and fingerprint, so the comparison is redone on
        what was actually read.
        """
        path = self.abspath(entry.path)
        recorded = self.state.clock() if self.state is not None else 0
        return self._hashed(entry, recorded, read_hash(path, tuple(part_sizes)))

    def _hashed(self, entry: Entry, recorded: int, result: Hashed) -> Entry:
        """The entry of a file read by :func:`~cargobay.sync.hashing.read_hash`, recorded in the cache."""
        before_stat, md5, multipart, after_stat = result
        if before_stat != after_stat:
            raise SourceChanged(f"{entry.path}: changed while being read")
        before = Fingerprint(*before_stat)
        if entry.fingerprint == before and entry.multipart:
            multipart = tuple(sorted({**dict(entry.multipart), **dict(multipart)}.items()))
        if self.state is not None:
            self.state.record(entry.path, before, recorded, CachedHash(md5, multipart))
        return Entry(entry.path, before.size, before.mtime_ns, md5, None, before, True, False, multipart)

    def current_fingerprint(self, rel: str) -> Fingerprint:
        return Fingerprint.of(os.lstat(self.abspath(rel)))

    # ------------------------------------------------------------------------------- reads

    def open_read(self, rel: str) -> tuple[Entry, Iterator[bytes]]:
        """The file's entry (from ``fstat`` of the open file) and its bytes; a file that changes
        while it is read raises :class:`SourceChanged` at the end of the bytes."""
        fd = os.open(self.abspath(rel), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        try:
            before = Fingerprint.of(os.fstat(fd))
        except BaseException:
            os.close(fd)
            raise

        def chunks() -> Iterator[bytes]:
            try:
                while chunk := os.read(fd, _CHUNK):
                    yield chunk
                if Fingerprint.of(os.fstat(fd)) != before:
                    raise SourceChanged(f"{rel}: changed while being read")
            finally:
                os.close(fd)

        return Entry(rel, before.size, before.mtime_ns, None, None, before, True), chunks()

    def local_file(self, entry: Entry) -> LocalFile | None:
        """The file with its MD5: the listed one when the file is still the one listed, else hashed now."""
        rel = entry.path
        if entry.md5 is None or self.current_fingerprint(rel) != entry.fingerprint:
            entry = self.hash(entry)
        assert entry.md5 is not None and entry.mtime_ns is not None
        fingerprint = entry.fingerprint

        def unchanged() -> bool:
            return self.current_fingerprint(rel) == fingerprint

        return LocalFile(self.abspath(rel), entry.size, entry.md5, entry.mtime_ns, unchanged)

    # ------------------------------------------------------------------------------- writes

    def _make_parents(self, path: str) -> None:
        parent = os.path.dirname(path)
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise SyncError(f"{os.path.relpath(parent, self.root)}: a file is in the way of a directory") from None

    def _clear_way(self, path: str) -> None:
        """A directory left empty (after the planned deletions) where a file must go is removed."""
        if os.path.isdir(path) and not os.path.islink(path):
            for _dirpath, _dirs, files in os.walk(path):
                if files:
                    raise SyncError(f"{os.path.relpath(path, self.root)}: a directory is in the way of a file")
            import shutil  # only here (its import brings zlib, bz2 and lzma)

            shutil.rmtree(path)

    def write(
        self,
        rel: str,
        chunks: Iterable[bytes],
        *,
        size: int = -1,
        mtime_ns: int | None,
        expected_md5: str | None,
        durable: bool,
        on_bytes: OnBytes = None,
    ) -> None:
        """Write ``rel`` atomically from ``chunks``; verify ``expected_md5``; set the mtime; record
        the hash. Nothing is published under ``rel`` unless every byte arrived and matched
        (``size``: not needed here, the bytes are counted as they come)."""
        import hashlib

        path = self.abspath(rel)
        self._make_parents(path)
        self._clear_way(path)
        digest = hashlib.md5(usedforsecurity=False)
        with AtomicFile(path) as f:
            for chunk in chunks:
                f.write(chunk)
                digest.update(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
            md5 = digest.hexdigest()
            if expected_md5 is not None and md5 != expected_md5:
                raise ChecksumMismatch(f"{rel}: received MD5 {md5}, expected {expected_md5}")
            if mtime_ns is not None:
                os.utime(f.fd, ns=(mtime_ns, mtime_ns))
            recorded = self.state.clock() if self.state is not None else 0
            f.commit(durable=durable)
        self._after_write(rel, md5, recorded)

    def copy_from(self, source: Endpoint, entry: Entry, *, durable: bool, on_bytes: OnBytes = None) -> int | Cant:
        """From another local directory: the copy engine's ``copy2`` (atomic, nanosecond times,
        mode, xattrs); the listed MD5 is recorded when the source is still the file listed."""
        if not isinstance(source, LocalDir):
            return CANT
        from cargobay.copy import copy2

        rel = entry.path
        md5 = entry.md5 if source.current_fingerprint(rel) == entry.fingerprint else None
        path = self.abspath(rel)
        self._make_parents(path)
        self._clear_way(path)
        recorded = self.state.clock() if self.state is not None else 0
        copy2(source.abspath(rel), path, follow_symlinks=False, durable=durable)
        self._after_write(rel, md5, recorded)
        if on_bytes is not None:
            on_bytes(entry.size)
        return entry.size

    def _after_write(self, rel: str, md5: str | None, recorded: int) -> None:
        fp = Fingerprint.of(os.lstat(self.abspath(rel)))
        if self.state is not None and md5 is not None:
            self.state.record(rel, fp, recorded, CachedHash(md5))

    def delete_many(self, rels: builtins.list[str]) -> builtins.list[tuple[str, str]]:
        failed: builtins.list[tuple[str, str]] = []
        for rel in rels:
            try:
                self.delete(rel)
            except Exception as exc:
                failed.append((rel, (str(exc) or type(exc).__name__).splitlines()[0]))
        return failed

    def delete(self, rel: str) -> None:
        path = self.abspath(rel)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        if self.state is not None:
            self.state.forget(rel)
        self._remove_empty_parents(path)

    def _remove_empty_parents(self, path: str) -> None:
        parent = os.path.dirname(path)
        while parent != self.root and parent.startswith(self.root + os.sep):
            try:
                os.rmdir(parent)
            except OSError as exc:
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                    return
                raise
            parent = os.path.dirname(parent)

    def child(self, sub: str) -> LocalDir:
        return LocalDir(os.path.join(self.root, *sub.split("/")))

    def open_backup(self, location: str) -> LocalDir:
        if location.startswith("s3://"):
            raise SyncError("--backup-dir for a local destination must be a local directory")
        return LocalDir(location)

    def path_of(self, other: LocalDir) -> str | None:
        here, there = os.path.realpath(self.root), os.path.realpath(other.root)
        if there == here:
            return ""
        if there.startswith(here.rstrip(os.sep) + os.sep):
            return there[len(here.rstrip(os.sep)) + 1 :].replace(os.sep, "/")
        return None

    def backup(self, rel: str, backup: LocalDir, *, move: bool) -> bool:
        """Keep the current ``rel`` under ``backup``: a hard link (or a copy across filesystems),
        or a rename when ``move`` (the file is about to be deleted). False if there was no file."""
        from cargobay.copy import copy2

        path = self.abspath(rel)
        if not os.path.lexists(path):
            return False
        target = backup.abspath(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.lexists(target):
            os.unlink(target)
        try:
            if move:
                os.rename(path, target)
                if self.state is not None:
                    self.state.forget(rel)
                self._remove_empty_parents(path)
            else:
                os.link(path, target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            copy2(path, target, follow_symlinks=False)
            if move:
                self.delete(rel)
        return True

    def start(self) -> None:
        """With ``trust_cache=False`` (``--checksum``) every file will be hashed: fork the worker
        processes that hash them now, before the run has threads (Linux, more than one CPU)."""
        if not self.trust_cache and self._processes is None and HashProcesses.available():
            self._processes = HashProcesses()
            self._processes.start()

    def close(self) -> None:
        processes, self._processes = self._processes, None
        if processes is not None:
            processes.close()

    def flush_state(self, *, listed: Iterable[str] | None = None) -> None:
        if self.state is None:
            return
        if listed is not None:
            self.state.prune(listed)
        self.state.flush()


def _kind_of(mode: int) -> str:
    """What a non-regular file is, in the words of the sync report."""
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"
