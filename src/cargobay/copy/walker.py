"""List one directory into typed :class:`~cargobay.copy.model.Entry` values, cheaply.

``os.scandir`` gives each entry's type from ``d_type`` without a syscall, so a fresh copy of a
directory costs one ``getdents`` and no ``lstat`` here: the worker that copies a file ``fstat``-s
the descriptor it opened anyway. :func:`fill_stat` adds the ``lstat`` (and ``readlink``) only for
entries a decision needs (names present on both sides of a mirror, a selection, a progress total).

Temp files of the atomic write (``cargobay._fsutil.is_temp_name``) are never user data and are
left out of source listings; destination listings keep them so a mirror removes stale ones.
Walk order and pruning belong to ``execute.py`` and the selection, not here.
"""

from __future__ import annotations

import os
import stat

from cargobay._fsutil import TEMP_PREFIX, is_temp_name
from cargobay.copy.model import Entry, Kind


def kind_of_mode(mode: int) -> Kind:
    if stat.S_ISREG(mode):
        return Kind.FILE
    if stat.S_ISDIR(mode):
        return Kind.DIR
    if stat.S_ISLNK(mode):
        return Kind.SYMLINK
    if stat.S_ISFIFO(mode):
        return Kind.FIFO
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Kind.DEVICE
    return Kind.SOCKET


def list_dir(path: str, *, skip_temp: bool, follow_symlinks: bool = False) -> list[Entry]:
    """The entries of ``path`` (unsorted, as the filesystem returns them).

    With ``follow_symlinks`` a symlink is listed as what it points to (with its ``stat``); a
    dangling one stays a symlink, since there is nothing else it could be copied as.
    """
    entries: list[Entry] = []
    with os.scandir(path) as it:
        for de in it:
            name = de.name
            if skip_temp and is_temp_name(name):
                continue
            if follow_symlinks and de.is_symlink():
                try:
                    st = os.stat(de.path)
                except OSError:
                    entries.append(Entry(name, Kind.SYMLINK))
                    continue
                entries.append(Entry(name, kind_of_mode(st.st_mode), st))
                continue
            entries.append(entry_of(de))
    return entries


def scan_dir(path: str, *, skip_temp: bool) -> list[os.DirEntry[str]]:
    """The raw ``scandir`` entries of ``path`` (temp files left out with ``skip_temp``)."""
    with os.scandir(path) as it:
        if not skip_temp:
            return list(it)
        # is_temp_name inlined: this runs for every entry of every directory of a mirror.
        return [de for de in it if not de.name.startswith(TEMP_PREFIX)]


def entry_of(de: os.DirEntry[str], st: os.stat_result | None = None) -> Entry:
    """An :class:`Entry` for a listed name, never following a symlink; ``st`` if already known."""
    if st is not None:
        return Entry(de.name, kind_of_mode(st.st_mode), st, dirent=de)
    if de.is_symlink():
        return Entry(de.name, Kind.SYMLINK, dirent=de)
    if de.is_dir(follow_symlinks=False):
        return Entry(de.name, Kind.DIR, dirent=de)
    if de.is_file(follow_symlinks=False):
        return Entry(de.name, Kind.FILE, dirent=de)
    st = de.stat(follow_symlinks=False)
    return Entry(de.name, kind_of_mode(st.st_mode), st)


def fill_stat(dir_path: str, entry: Entry) -> None:
    """Give ``entry`` its ``lstat`` (kept if already known) and, for a symlink, its target."""
    de = entry.dirent
    if entry.st is None:
        entry.st = de.stat(follow_symlinks=False) if de is not None else os.lstat(os.path.join(dir_path, entry.name))
        entry.kind = kind_of_mode(entry.st.st_mode)
    if entry.kind is Kind.SYMLINK and entry.link_target is None and stat.S_ISLNK(entry.st.st_mode):
        entry.link_target = os.readlink(de.path if de is not None else os.path.join(dir_path, entry.name))


def fill_stat_at(dir_fd: int | None, dir_path: str, entry: Entry) -> None:
    """:func:`fill_stat` relative to an open descriptor of the directory (no path walk per call).

    ``dir_fd`` None falls back to :func:`fill_stat`.
    """
    if dir_fd is None:
        fill_stat(dir_path, entry)
        return
    if entry.st is None:
        entry.st = os.stat(entry.name, dir_fd=dir_fd, follow_symlinks=False)
        entry.kind = kind_of_mode(entry.st.st_mode)
    if entry.kind is Kind.SYMLINK and entry.link_target is None and stat.S_ISLNK(entry.st.st_mode):
        entry.link_target = os.readlink(entry.name, dir_fd=dir_fd)


def open_dir(path: str) -> int | None:
    """A descriptor of the directory ``path`` for ``*_at`` calls, or None if it cannot be opened."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
