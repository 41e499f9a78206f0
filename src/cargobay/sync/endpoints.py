"""What a sync endpoint offers the planner and the executor, and how it says it cannot.

The model is rclone's ``fs/features.go``: every endpoint does the few things any store can do,
and offers faster ways where it has them; where it has none, the optional method answers
:data:`CANT` (rclone's ``ErrorCantCopy``) and the caller falls back to the general way. The
executor asks, in this order, and never looks at which kinds of endpoint it holds:

1. ``dst.copy_from(src, entry)`` - a copy between two endpoints of one kind that does not pass
   through the general read and write: S3 server-side copy on one endpoint, S3 to S3 between
   two endpoints with the object's headers and tags (:mod:`cargobay.sync.s3stream`), local to
   local with the copy engine's ``copy2`` (mode, xattrs, nanosecond times).
2. ``src.local_file(entry)`` then ``dst.upload_file(file, rel)`` - the source is a file on this
   machine with a known MD5, and the destination sends it from its path (S3: one signed
   ``PutObject`` below the part size, the transfer manager's multipart above).
3. ``src.open_read(rel)`` then ``dst.write(rel, chunks)`` - bytes streamed from one to the
   other, verified against the MD5 the source announced.

Required of every endpoint (:class:`Endpoint`'s abstract methods): describing itself, a sorted
listing, fetching a fact the comparison asks for (:mod:`cargobay.sync.compare`), reading,
writing, the endpoint where this run's replaced files are kept (:meth:`Endpoint.open_backup`,
built on :meth:`Endpoint.child`), keeping one file there, and deleting. Optional, with the
defaults below: the two fast transfers, writing back the hash cache, cancelling transfers in
flight, closing.

The concrete endpoints are :class:`cargobay.sync.local.LocalDir` and
:class:`cargobay.sync.s3.endpoint.S3Prefix`; this module imports neither (both import it).

============================  =========  ========
capability                    LocalDir   S3Prefix
============================  =========  ========
content hash without reading  cache      ETag/MD5 metadata
can compute a hash            yes        no
file and directory same name  no         yes (``a`` and ``a/b``)
mtime in listing              yes        no (HEAD: ``X-Amz-Meta-Mtime``)
copy_from                     LocalDir   S3Prefix
upload_file                   no         yes
local_file                    yes        no
============================  =========  ========
"""

from __future__ import annotations

import abc
import builtins
import enum
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Final, NamedTuple, Protocol, Self

from cargobay.errors import SyncError
from cargobay.select import Selection
from cargobay.sync.model import Entry, Need

__all__ = ["CANT", "Cant", "ChecksumMismatch", "Endpoint", "Listing", "LocalFile", "SourceChanged"]


class Cant(enum.Enum):
    """The answer of an optional transfer an endpoint does not offer for these arguments."""

    CANT = "can't"


CANT: Final = Cant.CANT

OnBytes = Callable[[int], None] | None


class ChecksumMismatch(SyncError):
    """Bytes received do not hash to the MD5 the source announced."""


class SourceChanged(SyncError):
    """A file changed while it was being read."""


class Listing(Protocol):
    """A listing being read: its entries in path order, and a way to stop it early."""

    def __iter__(self) -> Iterator[Entry]: ...

    def close(self) -> None: ...


class LocalFile(NamedTuple):
    """A source file on this machine, as :meth:`Endpoint.upload_file` takes it.

    ``md5`` was computed (or taken from the hash cache) for the file as it is now; ``unchanged()``
    says whether it is still that file (asked after the upload: a file modified meanwhile is
    reported and sent again next time).
    """

    path: str
    size: int
    md5: str
    mtime_ns: int
    unchanged: Callable[[], bool]


class Endpoint(abc.ABC):
    """One side of a sync. Subclasses set ``kind`` and ``holds_file_and_dir_at_same_name``."""

    kind: str
    holds_file_and_dir_at_same_name: bool
    unsupported: builtins.list[str]  # files the listing met that this kind of store cannot sync

    # ------------------------------------------------------------------ listing and facts

    @abc.abstractmethod
    def describe(self) -> str:
        """The location as a user reads it."""

    @abc.abstractmethod
    def list(self, selection: Selection, *, errors: builtins.list[str]) -> Generator[Entry]:
        """The selected files in path (UTF-8 byte) order; recoverable problems go to ``errors``."""

    def start(self) -> None:
        """Called by the planner once, before either listing starts (the only other thread then
        is the command line's early-listing reader): an endpoint may fork workers here. Default:
        none."""
        return None

    def open_listing(self, selection: Selection, *, errors: builtins.list[str]) -> Listing:
        """:meth:`list`, started now (an endpoint whose listing waits on a server fetches ahead)."""
        return self.list(selection, errors=errors)

    @abc.abstractmethod
    def fetch(self, entry: Entry, need: Need) -> Entry:
        """``entry`` with the fact the comparison asked for."""

    def fetch_many(self, jobs: builtins.list[tuple[Entry, Need]]) -> builtins.list[Entry | Exception]:
        """:meth:`fetch` of each ``(entry, need)``, the exception in place of one that failed (an
        endpoint that can fetch many facts at once more cheaply than one by one overrides this)."""
        out: builtins.list[Entry | Exception] = []
        for entry, need in jobs:
            try:
                out.append(self.fetch(entry, need))
            except Exception as exc:  # OSError, SyncError, botocore errors (network, access denied)
                out.append(exc)
        return out

    # ------------------------------------------------------------------ transfers

    @abc.abstractmethod
    def open_read(self, rel: str) -> tuple[Entry, Iterator[bytes]]:
        """The file's entry as it is read (size, mtime, an MD5 when known) and its bytes."""

    @abc.abstractmethod
    def write(
        self,
        rel: str,
        chunks: Iterable[bytes],
        *,
        size: int,
        mtime_ns: int | None,
        expected_md5: str | None,
        durable: bool,
        on_bytes: OnBytes = None,
    ) -> None:
        """Store ``chunks`` (``size`` bytes) as ``rel``, whole or not at all; a body that does not
        hash to ``expected_md5`` raises :class:`ChecksumMismatch` and leaves nothing behind."""

    def copy_from(self, source: Endpoint, entry: Entry, *, durable: bool, on_bytes: OnBytes = None) -> int | Cant:
        """Copy ``entry`` from ``source`` without the general read and write: the bytes carried,
        or :data:`CANT` (the default) when this endpoint has no such way from ``source``."""
        return CANT

    def local_file(self, entry: Entry) -> LocalFile | None:
        """``entry`` as a file on this machine with its MD5 (may read it to hash it), or ``None``."""
        return None

    def upload_file(self, file: LocalFile, rel: str, *, on_bytes: OnBytes = None) -> int | Cant:
        """Store a local file from its path: the bytes sent, or :data:`CANT` (the default)."""
        return CANT

    # ------------------------------------------------------------------ backups, deletions

    @abc.abstractmethod
    def child(self, sub: str) -> Self:
        """The location ``sub`` below this one, on the same store."""

    @abc.abstractmethod
    def open_backup(self, location: str) -> Self:
        """``location`` (the user's ``--backup-dir``) on this endpoint's store; a location this
        store cannot reach raises :class:`SyncError` saying what to give instead."""

    def path_of(self, other: Self) -> str | None:
        """Where the location ``other`` (of this store: the backup directory) lies inside this
        one: its relative path (``""``: this very location), or None when it lies elsewhere.
        Default: elsewhere."""
        return None

    @abc.abstractmethod
    def backup(self, rel: str, into: Self, *, move: bool) -> bool:
        """Keep the current ``rel`` in ``into`` (moved when ``move`` and the store can: the move
        is then the deletion); False if there is no such file."""

    @abc.abstractmethod
    def delete_many(self, rels: builtins.list[str]) -> builtins.list[tuple[str, str]]:
        """Delete ``rels``; ``(rel, message)`` for each one not deleted (a missing one is deleted)."""

    # ------------------------------------------------------------------ the run's end

    def flush_state(self, *, listed: Iterable[str] | None = None) -> None:
        """Write back what this endpoint learnt (the hash cache); ``listed``: every file that
        exists now (the rest is forgotten), ``None`` when the listing was incomplete. Default:
        nothing learnt, nothing to write."""
        return None

    def cancel_transfers(self) -> None:
        """Stop transfers in flight at once (Ctrl-C); uploads started on a server are aborted.
        Default: nothing runs outside the worker threads."""
        return None

    def close(self) -> None:
        """Release connections and threads. Default: none held."""
        return None
