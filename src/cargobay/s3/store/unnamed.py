"""A PUT's temp file without a temp name (``O_TMPFILE``), named by ``linkat`` when published.

The classic atomic write creates ``.cargobay-tmp-…`` beside the key and renames it onto the key:
two directory-entry changes per PUT. An unnamed file (``O_TMPFILE``) has no entry until
``linkat`` gives it the key's name, so a PUT of a new key makes one entry change, never leaves a
temp name behind after a crash (the kernel frees an unlinked inode), and has nothing to unlink
on abort. Measured here with fsync on, 4 KiB files: 390 µs of CPU per file against 431 µs for
create + rename (medians of 7, a loaded 2-core VM).

``linkat`` cannot replace an existing name, so a key that already has a file keeps the classic
temp name + rename (:class:`~cargobay._fsutil.AtomicFile`); the store picks per PUT
(:meth:`.keyspace.KeySpace.open_temp`). :class:`UnnamedFile` has AtomicFile's interface, so the
publish path does not care which it got; if the key appears meanwhile, commit falls back to
linking under a temp name and renaming (:func:`cargobay._fsutil.link_tmpfile`).
"""

from __future__ import annotations

import os

from cargobay._fsutil import AtomicFile, fsync_dir, link_tmpfile, open_tmpfile

__all__ = ["UnnamedFile", "open_unnamed"]


class UnnamedFile(AtomicFile):
    """An :class:`AtomicFile` whose bytes have no name until :meth:`commit`."""

    def __init__(self, final_path: str, fd: int) -> None:
        self.final_path = final_path
        self.temp_path = ""  # none: see retarget()
        self.fd = fd
        self._done = False

    def retarget(self, final_path: str) -> None:
        """Publish under another path (same filesystem) instead; nothing on disk moves."""
        self.final_path = final_path

    def commit(self, *, durable: bool) -> None:
        """Give the file its final name (fsync first and the directory after when ``durable``).
        If linking fails the descriptor stays open, so the caller may retarget and commit again."""
        if durable:
            os.fsync(self.fd)
        directory, name = os.path.split(self.final_path)
        dir_fd = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            link_tmpfile(self.fd, name, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        os.close(self.fd)
        self.fd = -1
        self._done = True
        if durable:
            fsync_dir(directory or ".")

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def open_unnamed(final_path: str) -> UnnamedFile | None:
    """An unnamed file in ``final_path``'s directory; None where ``O_TMPFILE`` is unsupported."""
    fd = open_tmpfile(os.path.dirname(final_path), mode=0o644)
    return None if fd is None else UnnamedFile(final_path, fd)
