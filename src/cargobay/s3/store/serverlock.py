"""The data directory's server lock: one ``cargobay serve`` per directory, and no repair under it.

``DIR/.cargobay/serve.lock`` is held with ``flock`` by the server for as long as it runs (its pid
written inside, for the message another process gives) and by ``fsck --repair`` while it repairs.
``flock`` locks go with the process, so a killed server never leaves the directory locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from cargobay.errors import CargobayError
from cargobay.s3.store.layout import STATE_DIR

__all__ = ["SERVER_LOCK", "DirectoryBusy", "LockHeld", "acquire", "exclusive", "is_held", "is_served"]

SERVER_LOCK = "serve.lock"


class DirectoryBusy(CargobayError):
    """The data directory is being served; it must not be repaired under a running server."""

    exit_code = 2


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` is the pid it wrote, or "unknown"."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def acquire(state_dir: str, *, record_pid: bool) -> int:
    """Take the lock of the state directory ``state_dir`` (``DIR/.cargobay``, created if missing)
    without waiting; the descriptor holds it until closed. Raises :class:`LockHeld`."""
    os.makedirs(state_dir, exist_ok=True)
    fd = os.open(os.path.join(state_dir, SERVER_LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown") from None
        if record_pid:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def is_held(state_dir: str) -> bool:
    """True if a process holds the lock of ``state_dir`` right now."""
    try:
        fd = os.open(os.path.join(state_dir, SERVER_LOCK), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(root: str) -> Iterator[None]:
    """Hold the server lock of the data directory ``root`` (so no server starts meanwhile), or
    raise DirectoryBusy: what ``fsck --repair`` holds."""
    try:
        fd = acquire(os.path.join(os.path.realpath(root), STATE_DIR), record_pid=False)
    except LockHeld as exc:
        raise DirectoryBusy(f"{root} is being served (pid {exc.holder}); stop the server before repairing") from None
    try:
        yield
    finally:
        os.close(fd)


def is_served(root: str) -> bool:
    """True if a process holds the server lock of the data directory ``root`` right now."""
    return is_held(os.path.join(os.path.realpath(root), STATE_DIR))
