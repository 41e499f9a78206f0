"""Hard-link groups: which source names share an inode, and linking their copies after the walk.

While the workers run, the first name of a ``(st_dev, st_ino)`` group to reach a worker is copied
and every later name only joins the group (:meth:`LinkGroups.claim`). After the workers, one serial
phase (:meth:`LinkGroups.relink`) makes every later member's destination a hard link to the first
member's copy, through a temp name and a rename so the old entry is replaced atomically. A group
whose first member failed to copy is not linked: each later member is reported as failed instead.
The phase reports the directories it changed, whose mtime must then be set again.

A first member kept in place (equal bytes) keeps its destination inode as the group's copy
(:meth:`LinkGroups.keep`); another source file reaching that inode later is copied instead
(:meth:`LinkGroups.kept_for_another`), so a destination group wider than the source's is split.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from cargobay._fsutil import renamed_into_place
from cargobay.copy import writable
from cargobay.copy.tally import Tally

Key = tuple[int, int]


class LinkGroups:
    """Source hard-link groups of one run: (dev, ino) -> relative paths, and the failed groups."""

    __slots__ = ("_lock", "failed", "kept", "members")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.members: dict[Key, list[str]] = {}
        self.failed: set[Key] = set()
        # Destination inodes with other links kept as a group's copy: destination key -> source key.
        self.kept: dict[Key, Key] = {}

    def keep(self, src: os.stat_result, dst: os.stat_result) -> None:
        """The first member of the group of ``src`` keeps its destination inode ``dst`` as the
        group's copy (no bytes copied): no other source file may keep that inode too."""
        if dst.st_nlink > 1:
            with self._lock:
                self.kept.setdefault((dst.st_dev, dst.st_ino), (src.st_dev, src.st_ino))

    def kept_for_another(self, src: os.stat_result, dst: os.stat_result) -> bool:
        """Whether the destination inode ``dst`` is already kept as the copy of another source
        inode than ``src``: a destination hard-link group wider than the source's (two source
        groups of equal bytes and times sharing one destination inode) must be split by a copy,
        or the second group's metadata would overwrite the first's and the groups stay merged."""
        if not self.kept or dst.st_nlink < 2:
            return False
        with self._lock:
            owner = self.kept.get((dst.st_dev, dst.st_ino))
        return owner is not None and owner != (src.st_dev, src.st_ino)

    def claim(self, st: os.stat_result, rel: str) -> bool:
        """Join ``rel`` to its group; True when it is the first member (and so is copied)."""
        key = (st.st_dev, st.st_ino)
        with self._lock:
            members = self.members.get(key)
            if members is None:
                self.members[key] = [rel]
                return True
            members.append(rel)
            return False

    def mark_failed(self, key: Key) -> None:
        """The first member of the group ``key`` was not copied: its later members are not linked."""
        with self._lock:
            self.failed.add(key)

    def relink(self, dst_of: Callable[[str], str], tally: Tally) -> set[str]:
        """Link every later member to its group's first copy (serial, after the workers); return
        the relative directories in which an entry was replaced."""
        touched: set[str] = set()
        for key, members in self.members.items():
            if len(members) < 2:
                continue
            first = members[0]
            if key in self.failed:
                for m in members[1:]:
                    tally.fail(m, "hardlink", f"the first member of its link group ({first}) was not copied")
                continue
            first_dst = dst_of(first)
            for m in members[1:]:
                dst = dst_of(m)
                try:
                    first_st = os.lstat(first_dst)
                    try:
                        dst_st = os.lstat(dst)
                    except FileNotFoundError:
                        dst_st = None
                    if dst_st is not None and (dst_st.st_dev, dst_st.st_ino) == (first_st.st_dev, first_st.st_ino):
                        tally.skipped += 1
                        continue
                    _link_into_place(first_dst, dst)
                    tally.hardlinks += 1
                    touched.add(m.rsplit("/", 1)[0] if "/" in m else "")
                except OSError as exc:
                    tally.fail(m, "hardlink", exc)
        return touched


def _link_into_place(first_dst: str, dst: str) -> None:
    """Make ``dst`` a link to ``first_dst``. A run that is not root may find ``dst``'s directory
    read-only already (a split's child set the directory's mode when it finished it, or an earlier
    run did): it opens the directory for the link and sets its mode back at once (``writable.py``)."""
    try:
        with renamed_into_place(dst) as tmp:
            os.link(first_dst, tmp)
        return
    except PermissionError:
        parent = os.path.dirname(dst)
        mode = writable.open_up(parent, None)
        if mode is None:
            raise
    try:
        with renamed_into_place(dst) as tmp:
            os.link(first_dst, tmp)
    finally:
        os.chmod(parent, mode)
