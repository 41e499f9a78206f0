"""The copy engine's per-directory records: a directory to walk, a directory whose metadata is set
at the end, and how relative paths are joined (shared by ``execute.py``, ``batches.py`` and ``fresh.py``)."""

from __future__ import annotations

import os

# The run's internal records are plain slotted classes, not dataclasses or typing.NamedTuple: they
# are made per directory and per batch, and each @dataclass costs ~0.3 ms at import, paid by
# every run (a no-change mirror of 10,000 files takes ~50 ms in all), besides importing
# dataclasses and typing themselves (issue 18).


class DirTask:
    __slots__ = ("ancestors", "depth", "dst_st", "fresh", "rel")

    def __init__(
        self,
        rel: str,
        fresh: bool,  # the destination directory was just created by us: nothing to compare or delete
        dst_st: os.stat_result | None,
        depth: int,
        ancestors: frozenset[tuple[int, int]] = frozenset(),
    ) -> None:
        self.rel = rel
        self.fresh = fresh
        self.dst_st = dst_st
        self.depth = depth
        self.ancestors = ancestors


class DirMeta:
    __slots__ = ("depth", "rel", "restore_mode", "st")

    def __init__(self, depth: int, rel: str, st: os.stat_result, restore_mode: int | None = None) -> None:
        self.depth = depth
        self.rel = rel
        self.st = st
        # The permission bits a read-only destination directory had before the run opened it
        # (``writable.py``): set back when modes are not preserved (else the source's are set).
        self.restore_mode = restore_mode


def join_rel(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name
