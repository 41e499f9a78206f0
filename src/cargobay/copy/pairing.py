"""Pairing one source directory with its destination before planning: who is on both sides, and
which of those are unchanged, at the cost of one ``lstat`` per entry on each side.

An update or mirror plans from both listings, and a file on both sides needs both ``lstat``
results to be judged (``plan.unchanged_test``). Two paths lead here:

* :func:`drop_unchanged`, the hot path of a no-change mirror (no selection, symlinks kept): from
  the raw ``scandir`` entries of the source, it lists the destination, stats each regular file
  present on both sides by name relative to open directory descriptors, and drops the unchanged
  ones from both sides before any :class:`~cargobay.copy.model.Entry` is built;
* :func:`stat_common`, for the other entries (and every entry when a selection or a progress
  callback made the engine build entries first): fills in the ``lstat`` (and ``readlink``) of the
  names on both sides, and drops the unchanged files the same way.

What is unchanged is decided by the predicate passed in (from ``plan.unchanged_test``), never here.
Listing belongs to ``walker.py``; this module only pairs and stats.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cargobay.copy.model import Entry, Kind
from cargobay.copy.walker import entry_of, fill_stat_at, open_dir, scan_dir

Unchanged = Callable[[os.stat_result, os.stat_result], bool]
# (name, operation, error): a failed stat of a name on both sides; the name is then protected.
OnError = Callable[[str, str, OSError], None]


def drop_unchanged(
    src_dir: str, dst_dir: str, src_des: list[os.DirEntry[str]], unchanged: Unchanged | None
) -> tuple[list[Entry], list[Entry], int]:
    """List ``dst_dir`` and leave out of both listings every regular file ``unchanged`` keeps.

    Returns (source entries left, destination entries left, files kept). The entries left carry
    the stats already taken. Raises ``OSError`` when the destination cannot be listed.
    """
    dst_by_name = {de.name: de for de in scan_dir(dst_dir, skip_temp=False)}
    src_entries: list[Entry] = []
    stats: dict[str, os.stat_result] = {}
    kept = 0
    sfd, dfd = open_dir(src_dir), open_dir(dst_dir)
    try:
        for de in src_des:
            name = de.name
            d = dst_by_name.get(name)
            if d is None or not de.is_file(follow_symlinks=False) or not d.is_file(follow_symlinks=False):
                src_entries.append(entry_of(de))
                continue
            try:
                s_st = (
                    os.stat(name, dir_fd=sfd, follow_symlinks=False)
                    if sfd is not None
                    else de.stat(follow_symlinks=False)
                )
                d_st = (
                    os.stat(name, dir_fd=dfd, follow_symlinks=False)
                    if dfd is not None
                    else d.stat(follow_symlinks=False)
                )
            except OSError:
                src_entries.append(entry_of(de))  # stat again later, where a failure is reported
                continue
            if unchanged is not None and unchanged(s_st, d_st):
                del dst_by_name[name]
                kept += 1
                continue
            src_entries.append(entry_of(de, s_st))
            stats[name] = d_st
    finally:
        for fd in (sfd, dfd):
            if fd is not None:
                os.close(fd)
    return src_entries, [entry_of(de, stats.get(de.name)) for de in dst_by_name.values()], kept


def stat_common(
    src_dir: str,
    dst_dir: str,
    selected: list[Entry],
    dst_entries: list[Entry],
    unchanged: Unchanged | None,
    on_error: OnError,
) -> tuple[list[Entry], int]:
    """``lstat`` (and ``readlink``) the names present on both sides, which update planning compares.

    Returns (the source entries left to plan, files kept). Files ``unchanged`` keeps are left out
    of both lists, ``dst_entries`` being filtered in place. A name whose stat fails on either side
    is passed to ``on_error`` and left out of the source list.
    """
    dst_by_name = {d.name: d for d in dst_entries}
    left: list[Entry] = []
    same: set[str] = set()
    sfd, dfd = open_dir(src_dir), open_dir(dst_dir)  # lstat by name, not by full path
    try:
        for s in selected:
            d = dst_by_name.get(s.name)
            if d is not None:
                try:
                    if s.kind is not Kind.DIR or d.kind is Kind.DIR:
                        fill_stat_at(sfd, src_dir, s)
                except OSError as exc:
                    on_error(s.name, "stat source", exc)
                    continue
                try:
                    fill_stat_at(dfd, dst_dir, d)
                except OSError as exc:
                    on_error(s.name, "stat destination", exc)
                    continue
                if (
                    s.kind is Kind.FILE
                    and d.kind is Kind.FILE
                    and s.st is not None
                    and d.st is not None
                    and unchanged is not None
                    and unchanged(s.st, d.st)
                ):
                    same.add(s.name)
                    continue
            left.append(s)
    finally:
        for fd in (sfd, dfd):
            if fd is not None:
                os.close(fd)
    if same:
        dst_entries[:] = [d for d in dst_entries if d.name not in same]
    return left, len(same)
