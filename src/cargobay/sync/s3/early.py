"""The early start of an S3 listing: the raw pages of one ``s3://`` location, fetched from the moment
the command line has parsed its arguments, while the rest of the sync is still being imported.

This module owns :func:`start_listing` and :class:`EarlyListing`. From the command line the
listing runs in a forked child process (see :class:`EarlyListing`): a no-change re-sync of 10,000
files is CPU-bound in this process, and the listing's share (``http.client``'s imports, parsing
ten 220 KB pages) is ~27 ms of its ~150 ms that the child does on the other core. Measured with
the server of this package: the bench median 0.201 -> 0.170 s (``cargobay bench sync``). The S3
endpoint of the same bucket, prefix and :class:`~cargobay.sync.s3.spec.S3Settings` is given it
when it is made (:func:`cargobay.sync.api.open_endpoint`); its pages are exactly what the
endpoint would have fetched itself (the same :class:`~cargobay.sync.s3.listing.ListingClient`
calls), and its errors (:class:`~cargobay.sync.s3.listing.ListingFailed`) reach the endpoint
unchanged, which then decides as before (botocore fallback on a first-page failure, a failed
listing otherwise).

Only light modules are imported here (no selection, no sync model): see :mod:`cargobay.sync`.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping

from cargobay import _fork
from cargobay.errors import UsageError
from cargobay.sync.prefetch import Prefetch
from cargobay.sync.s3.listing import ListingClient, ListingFailed
from cargobay.sync.s3.spec import ListingSpec, S3Settings, listing_spec, parse_s3_url

__all__ = ["EarlyListing", "start_listing"]

Row = tuple[str, int, str, str]


def _fetch(spec: ListingSpec, bucket: str, key_prefix: str) -> Iterator[list[Row]]:
    lister: ListingClient = spec.open()
    try:
        for page in lister.pages(bucket, key_prefix):
            yield page.rows
    finally:
        lister.close()


def _child_pages(spec: ListingSpec, bucket: str, key_prefix: str, out: int) -> None:
    """In the forked process: every page's rows to ``out``, one marshal frame each, then an end
    frame (or the failure). Never returns (``os._exit``: no atexit, no buffers of the parent)."""
    code = 0
    try:
        with os.fdopen(out, "wb") as pipe:
            try:
                for rows in _fetch(spec, bucket, key_prefix):
                    frame = marshal.dumps(("page", rows))
                    pipe.write(len(frame).to_bytes(8, "little") + frame)
                    pipe.flush()
                frame = marshal.dumps(("end",))
            except ListingFailed as exc:
                frame = marshal.dumps(("failed", str(exc), exc.status, exc.code))
            pipe.write(len(frame).to_bytes(8, "little") + frame)
    except BaseException:  # the parent went away, or anything else: it sees a cut stream
        code = 1
    finally:
        os._exit(code)


def _read_frames(fd: int) -> Iterator[list[Row]]:
    """The parent side of :func:`_child_pages`; a stream cut short is a failed listing."""
    with os.fdopen(fd, "rb") as pipe:
        while True:
            head = pipe.read(8)
            frame = pipe.read(int.from_bytes(head, "little")) if len(head) == 8 else b""
            try:
                item = marshal.loads(frame) if frame else None
            except (EOFError, ValueError, TypeError):
                item = None
            if type(item) is not tuple or not item:
                raise ListingFailed("the listing process ended without finishing the listing")
            if item[0] == "page":
                yield item[1]
            elif item[0] == "end":
                return
            else:
                raise ListingFailed(item[1], status=item[2], code=item[3])


class EarlyListing:
    """The raw pages (``(key, size, etag, last_modified)`` rows) of ``bucket`` under
    ``key_prefix`` (``""`` or ending in ``/``), being fetched since it was made.

    With ``fork=True`` (the command line, while it is still single-threaded, on Linux) the pages
    are fetched and parsed by a forked child process and arrive as marshal frames on a pipe: the
    ~35 ms of CPU a 10,000-key listing costs this side (``http.client``'s imports, XML parsing)
    then run beside the sync's own work instead of taking turns with it on one interpreter lock.
    Otherwise by a thread of this process.
    """

    def __init__(
        self, settings: S3Settings, bucket: str, key_prefix: str, spec: ListingSpec, *, fork: bool = False
    ) -> None:
        self.settings = settings
        self.bucket = bucket
        self.key_prefix = key_prefix
        self.spec = spec
        self.adopted = False
        self._pid = 0
        if fork:
            read_fd, write_fd = os.pipe()

            def child() -> None:  # pragma: no cover - the child; measured by the bench, tested through the CLI
                os.close(read_fd)
                _child_pages(spec, bucket, key_prefix, write_fd)

            pid = _fork.fork(child)
            os.close(write_fd)
            self._pid = pid
            self._prefetch: Prefetch[Row] = Prefetch(_read_frames(read_fd))
        else:
            self._prefetch = Prefetch(_fetch(spec, bucket, key_prefix))

    def matches(self, settings: S3Settings, bucket: str, key_prefix: str) -> bool:
        """Whether this is the listing an endpoint with these settings would fetch."""
        return not self.adopted and (self.settings, self.bucket, self.key_prefix) == (settings, bucket, key_prefix)

    def pages(self) -> Iterator[list[Row]]:
        """The pages in order (read once); raises what fetching raised."""
        return self._prefetch.batches()

    def close(self) -> None:
        """Stop fetching (if still running) and let the thread (and child) end; safe to call twice."""
        if self._pid:
            pid, self._pid = self._pid, 0
            with contextlib.suppress(OSError):
                if os.waitpid(pid, os.WNOHANG) == (0, 0):  # still listing: nobody will read it
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
        self._prefetch.close()


def start_listing(
    location: str, settings: S3Settings, *, environ: Mapping[str, str], fork: bool = False
) -> EarlyListing | None:
    """Start listing ``location`` now, if it is ``s3://...`` and can be listed without botocore
    (:func:`~cargobay.sync.s3.spec.listing_spec`); else ``None`` (the endpoint lists it itself).

    ``fork``: fetch in a child process (see :class:`EarlyListing`) when this process is
    single-threaded and on Linux (elsewhere ``fork`` is unsafe or missing; a forked child of a
    threaded process could inherit a lock held by another thread). Otherwise a thread, and
    :mod:`http.client` is imported here first: imported in the thread (as the listing client
    does on first use), its ~9 ms of imports take turns on the interpreter lock with the
    caller's own imports (the first page was measured arriving 5-10 ms later).
    """
    if not location.startswith("s3://"):
        return None
    try:
        bucket, prefix = parse_s3_url(location)
        spec = listing_spec(settings, environ=environ)
    except UsageError:  # a bad location: reported by the sync itself, in its words
        return None
    if spec is None:
        return None
    key_prefix = prefix + "/" if prefix else ""
    if fork and sys.platform == "linux" and threading.active_count() == 1:
        return EarlyListing(settings, bucket, key_prefix, spec, fork=True)
    import http.client  # noqa: F401  (see above)

    return EarlyListing(settings, bucket, key_prefix, spec)
