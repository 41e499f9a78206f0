"""Group commit of directory fsyncs: concurrent writers into one directory share one fsync.

A durable publish is: fsync the temp file, rename it onto the key, fsync the directory, then
acknowledge. The directory fsync is what makes the *rename* survive a power cut, and it is the
one step that many writers repeat for the same directory (every PUT under one prefix, every part
of one multipart upload). An fsync of a directory makes durable every entry change made in it
before the fsync *started*; so a writer whose rename is done only needs to wait for an fsync of
that directory that starts after its rename, whoever issues it.

:meth:`DirSync.sync` does that with the shared passes of :mod:`.batcher`, one batcher per
directory: a pass (one fsync) covers every caller queued before it began, the others wait for the
next one; fsyncs of one directory never overlap, fsyncs of different directories run side by side.

A failed fsync fails every caller it was to cover, each with its error. (It used to cover nobody,
and each caller fsynced again itself; but the kernel reports a write-back error once, to the
first fsync that sees it, so a retry on a freshly opened descriptor could succeed while the
rename it was to make durable was not: an acknowledged write that a power cut could lose.)

This module knows nothing of HTTP or of S3.
"""

from __future__ import annotations

from cargobay._fsutil import fsync_dir
from cargobay.s3.store.batcher import KeyedBatchers


class DirSync:
    """Shared directory fsyncs for one process (see the module docstring)."""

    def __init__(self) -> None:
        self._batchers: KeyedBatchers[str, None, None] = KeyedBatchers(self._fsync)

    @property
    def fsyncs(self) -> int:
        """fsyncs issued (for tests and benchmarks)."""
        return self._batchers.passes

    def sync(self, directory: str) -> None:
        """Return once an fsync of ``directory`` that started after this call has finished;
        raise that fsync's error if it failed."""
        self._batchers.call(directory, None)

    @staticmethod
    def _fsync(directory: str, callers: list[None]) -> list[None]:
        fsync_dir(directory)
        return [None] * len(callers)
