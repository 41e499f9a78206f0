"""Read-only destination directories a run that is not root must change: opened for the run.

A directory without the owner's write (or search) bit cannot have an entry added, renamed over or
deleted by its owner, only by root. A fresh copy creates every directory ``0o700`` and sets its
real mode at the end, but a mirror finds the modes an earlier run set: a source directory
``0o555`` (a Go module cache, a read-only checkout, files unpacked from an archive) became a
destination ``0o555``, and the next mirror that had to add, replace or delete anything in it, or
delete it with what it held, failed with "Permission denied". As rsync does (``dir_tweaking``,
and its ``--delete`` of a read-only directory), a directory the run changes gets ``u+rwx``
first, and the directory-metadata phase sets its mode back: the source's, or, when modes are not
preserved, the one it had (:attr:`tasks.DirMeta.restore_mode`). Root never needs it (the
permission bits do not bind it), so root runs change nothing here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from cargobay.copy import _platform
from cargobay.copy.model import Op, PlanStep

_OWNER_ALL = stat.S_IRWXU
# Actions that add, rename over or unlink an entry of their directory (a comparison may end in a copy).
_CHANGING = frozenset({Op.DELETE, Op.MKDIR, Op.COPY, Op.COMPARE, Op.SYMLINK, Op.SPECIAL})


def changes_entries(actions: Iterable[PlanStep], *, hardlinks: bool) -> bool:
    """Whether ``actions`` add, replace or delete an entry of their directory; a kept file with
    other links counts, since the link phase may replace it by a link to its group's copy."""
    for a in actions:
        if a.op in _CHANGING:
            return True
        if a.op is Op.KEEP and hardlinks and a.src is not None and a.src.st is not None and a.src.st.st_nlink > 1:
            return True
    return False


def open_up(path: str, st: os.stat_result | None) -> int | None:
    """Give the existing destination directory ``path`` (``st``: its stat, if known) the owner's
    read, write and search bits when it lacks one and this process is not root; return the
    permission bits it had then (for the caller to restore), else None. A directory that cannot
    be changed (another owner's) is left as it is: the entries' own errors then say why."""
    if _platform.IS_ROOT:
        return None
    try:
        if st is None:
            st = os.stat(path)
        mode = stat.S_IMODE(st.st_mode)
        if mode & _OWNER_ALL == _OWNER_ALL:
            return None
        os.chmod(path, mode | _OWNER_ALL)
    except OSError:
        return None
    return mode


def open_subdir(name: str, dir_fd: int) -> int:
    """Open the subdirectory ``name`` of ``dir_fd`` (never through a symlink) for emptying it: a
    directory the owner cannot list or change gets ``u+rwx`` first (it is about to be deleted)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except PermissionError:
        # Unreadable: chmod by name (O_NOFOLLOW above and below keeps a symlink from being used).
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if not stat.S_ISDIR(st.st_mode):
            raise
        os.chmod(name, stat.S_IMODE(st.st_mode) | _OWNER_ALL, dir_fd=dir_fd)
        fd = os.open(name, flags, dir_fd=dir_fd)
    writable(fd)
    return fd


def writable(fd: int) -> None:
    """Give the open directory ``fd`` the owner's write and search bits when it lacks them (not
    for root, whom they do not bind); errors are left to the deletions that follow."""
    if _platform.IS_ROOT:
        return
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & _OWNER_ALL != _OWNER_ALL:
            os.fchmod(fd, mode | _OWNER_ALL)
    except OSError:
        pass
