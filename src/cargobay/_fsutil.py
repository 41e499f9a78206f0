"""THE atomic write, shared by the copy engine, the sync executor and the S3 store.

Every file cargobay creates is written the same way so that no reader ever sees a torn file and
no crash leaves a half-written file under a real name:

1. a temp file is created *in the destination directory* (``os.replace`` across filesystems fails
   with ``EXDEV``, so a temp directory elsewhere would not be atomic);
2. the content is written through the open descriptor;
3. if durability is promised, ``fsync`` the file;
4. the file is closed, then ``os.replace``-d onto the final name;
5. if durability is promised, ``fsync`` the directory so the rename itself survives a power cut.

Files written through a descriptor use :class:`AtomicFile` (or, for a new name, ``O_TMPFILE``);
entries made by a single call - symlinks, hard links, FIFOs, device nodes - use
:func:`renamed_into_place`, the same temp-then-rename. Temp names start with :data:`TEMP_PREFIX`;
walkers and listings skip them and ``fsck`` removes stale ones.

This module must not import anything else from cargobay but :mod:`cargobay._cleanup` (which imports
nothing), whose rule its failure paths follow.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
from collections.abc import Iterator, Sequence
from types import TracebackType

from cargobay._cleanup import abort_after

TEMP_PREFIX = ".cargobay-tmp-"


class _TempNames:
    """Temp names: a random token drawn once per process (again in a forked child) and a counter,
    so a name costs no entropy read (a syscall) on the write path. O_EXCL still refuses a clash."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.token = os.urandom(6).hex()  # os.urandom: no `secrets` import (5 ms of CLI start-up)
        self.counter = itertools.count()


_names = _TempNames()
os.register_at_fork(after_in_child=_names.reset)


def is_temp_name(name: str) -> bool:
    """True for a name made by :func:`temp_name`; such files are never user data."""
    return name.startswith(TEMP_PREFIX)


def temp_name() -> str:
    """A fresh temp file name (no directory part), unpredictable to other processes."""
    return f"{TEMP_PREFIX}{_names.token}{next(_names.counter):x}"


def fsync_dir(path: str) -> None:
    """Make a rename or unlink inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A file being written under a temp name beside ``final_path``.

    Use as a context manager: leaving the block without :meth:`commit` (an exception, a failed
    checksum) removes the temp file, so the previous file at ``final_path``, if any, is untouched.
    """

    def __init__(self, final_path: str, *, mode: int = 0o644) -> None:
        self.final_path = final_path
        directory = os.path.dirname(final_path) or "."
        self.temp_path = os.path.join(directory, temp_name())
        self.fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        self._done = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Write all of ``data`` (``os.write`` may write less than asked)."""
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def writev(self, buffers: Sequence[bytes | bytearray | memoryview]) -> None:
        """Write ``buffers`` one after another with one ``writev`` call (no joined copy); a short
        write is finished buffer by buffer."""
        written = os.writev(self.fd, buffers)
        for buffer in buffers:
            size = len(buffer)
            if written >= size:
                written -= size
                continue
            self.write(memoryview(buffer)[written:])
            written = 0

    def move_to(self, directory: str) -> None:
        """Move the temp file into ``directory`` (same filesystem), to be committed from there
        (the caller then points :attr:`final_path` into it)."""
        new_temp = os.path.join(directory, os.path.basename(self.temp_path))
        os.rename(self.temp_path, new_temp)
        self.temp_path = new_temp

    def commit(self, *, durable: bool) -> None:
        """Publish the file under its final name (fsync first when ``durable``).

        If the rename fails the temp file stays, so the caller may retarget and commit again or
        abort.
        """
        if self.fd >= 0:
            if durable:
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
        os.replace(self.temp_path, self.final_path)
        self._done = True
        if durable:
            fsync_dir(os.path.dirname(self.final_path) or ".")

    def abort(self) -> None:
        """Drop the temp file; the final name is untouched."""
        if self._done:
            return
        self._done = True
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp_path)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._done:
            return
        if exc is None:
            self.abort()
        else:  # the block's error is what propagates; an abort that fails too is noted on it
            abort_after(exc, self.abort)


@contextlib.contextmanager
def atomic_write(final_path: str, *, durable: bool = True, mode: int = 0o644) -> Iterator[AtomicFile]:
    """Write ``final_path`` atomically: commit on normal exit, remove the temp file on error."""
    with AtomicFile(final_path, mode=mode) as f:
        yield f
        f.commit(durable=durable)


@contextlib.contextmanager
def renamed_into_place(final_path: str, *, dir_fd: int | None = None) -> Iterator[str]:
    """THE temp-then-rename for entries that are not written through a descriptor.

    Yields a temp path beside ``final_path`` (a bare temp name when ``dir_fd`` is given: both
    names are then relative to it). The caller creates the entry there - a symlink, a hard link,
    a FIFO or device node - and sets its attributes; on normal exit it is ``os.replace``-d onto
    ``final_path``, so a reader sees the old entry or the new one. If anything fails, creating,
    setting or renaming, the temp entry is removed and the error propagates.
    """
    tmp = temp_name() if dir_fd is not None else os.path.join(os.path.dirname(final_path) or ".", temp_name())
    try:
        yield tmp
        os.replace(tmp, final_path, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


# ---------------------------------------------------------------------------------- O_TMPFILE
#
# A faster way to the same guarantee for a file whose final name does not exist yet: the file is
# created *without a name* (``O_TMPFILE``) in the destination directory, written, and given its
# name by ``linkat`` only when complete. Nothing is ever visible under a temp name either, so even
# a hard kill leaves nothing behind (the kernel frees the unnamed inode). Saves the temp-name
# directory entry and the rename of the classic path. Linux only; a filesystem without support
# answers EOPNOTSUPP/EISDIR/EINVAL and callers fall back to :class:`AtomicFile`.

_O_TMPFILE: int = getattr(os, "O_TMPFILE", 0)
_TMPFILE_UNSUPPORTED = frozenset(
    {errno.EOPNOTSUPP, errno.ENOTSUP, errno.EISDIR, errno.EINVAL, errno.ENOENT, errno.ENOSYS}
)
HAS_O_TMPFILE: bool = bool(_O_TMPFILE) and os.path.isdir("/proc/self/fd")


def open_tmpfile(directory: str, *, dir_fd: int | None = None, mode: int = 0o600) -> int | None:
    """An unnamed file open for writing in ``directory`` (relative to ``dir_fd`` if given).

    Returns None when this platform or filesystem has no ``O_TMPFILE``; any other error raises.
    """
    if not HAS_O_TMPFILE:
        return None
    try:
        return os.open(directory, _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, mode, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _TMPFILE_UNSUPPORTED:
            return None
        raise


def link_tmpfile(fd: int, name: str, *, dir_fd: int, durable: bool = False, replace: bool = True) -> None:
    """Give the unnamed file ``fd`` (from :func:`open_tmpfile`) the name ``name`` in ``dir_fd``.

    The file must be complete: this is the moment it becomes visible. When ``name`` exists, it
    is replaced atomically (linked under a temp name, then renamed) if ``replace``, else
    :class:`FileExistsError` propagates. ``durable``: fsync the file before and the directory
    after. The caller still closes ``fd``.
    """
    if durable:
        os.fsync(fd)
    source = f"/proc/self/fd/{fd}"
    try:
        # dst_dir_fd makes CPython call linkat(..., AT_SYMLINK_FOLLOW); plain link() would try to
        # link the /proc magic symlink itself and fail with EXDEV.
        os.link(source, name, dst_dir_fd=dir_fd, follow_symlinks=True)
    except FileExistsError:
        if not replace:
            raise
        with renamed_into_place(name, dir_fd=dir_fd) as tmp:
            os.link(source, tmp, dst_dir_fd=dir_fd, follow_symlinks=True)
    if durable:
        os.fsync(dir_fd)
