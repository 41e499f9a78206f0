"""Pure planning: (source entries, destination entries, rules) → the actions for one directory.

No I/O, no logging, no mutation: the caller lists and stats, this module decides, ``execute.py``
acts. Planning one directory at a time keeps memory bounded by the largest directory, not the tree.

Decision rule for a name present on both sides, in order:

* a source socket is skipped (it cannot be recreated meaningfully);
* different kinds: a destination directory in the way is deleted first, anything else is
  replaced by the rename of the new entry;
* directories are descended into;
* files: in copy mode (``update=False``) always copied. In update mode copied when the size or
  ``mtime_ns`` differ (or always when times are not preserved, since then mtime says nothing),
  copied when the destination is hard-linked but the source is not (the link would otherwise
  stay), byte-compared when ``checksum`` is asked (``Op.COMPARE``, whatever the mtimes: equal
  bytes then get their metadata in place), given new metadata in place when only the
  mode/owner differs, else kept;
* symlinks: replaced when the target text differs, else treated like metadata;
* FIFOs and device nodes: recreated when the device number differs, else treated like metadata.

A name only on the destination is deleted when ``delete`` is set and the name is not
``protected`` (excluded by the selection, or a source entry that could not be read).

``moved``: the ctimes hard-linked destination inodes had before this run deleted or replaced one
of their names (``moved.py``); metadata is judged by those, as if the run had not moved them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from cargobay._record import Record
from cargobay.copy._platform import HAS_XATTR
from cargobay.copy.fileattrs import Preserve, attrs_differ, can_preserve_ownership
from cargobay.copy.model import Entry, Kind, Op, PlanStep

Moved = Mapping[tuple[int, int], int]  # (st_dev, st_ino) -> ctime before this run moved it


class PlanRules(Record):
    """``update``: copy only what changed (else every file); ``delete``: remove extraneous entries."""

    _fields = ("update", "delete", "checksum", "preserve", "hardlinks")
    __slots__ = _fields
    update: bool
    delete: bool
    checksum: bool
    preserve: Preserve
    hardlinks: bool

    def __init__(
        self,
        update: bool = False,
        delete: bool = False,
        checksum: bool = False,
        preserve: Preserve | None = None,
        hardlinks: bool = True,
    ) -> None:
        self._set(update, delete, checksum, Preserve() if preserve is None else preserve, hardlinks)


_CREATE = {
    Kind.FILE: Op.COPY,
    Kind.DIR: Op.MKDIR,
    Kind.SYMLINK: Op.SYMLINK,
    Kind.FIFO: Op.SPECIAL,
    Kind.DEVICE: Op.SPECIAL,
}


def plan_directory(
    src: Sequence[Entry],
    dst: Sequence[Entry] | None,
    rules: PlanRules,
    *,
    protected: frozenset[str] = frozenset(),
    moved: Moved | None = None,
) -> list[PlanStep]:
    """The actions for one directory: deletions first, then the rest in name order.

    ``dst`` is None when the destination directory is new (nothing to compare or delete). Entries
    present on both sides must carry ``st`` (and ``link_target`` for symlinks) in update mode.
    """
    dst_by_name = {e.name: e for e in dst} if dst else {}
    deletes: list[PlanStep] = []
    others: list[PlanStep] = []
    for s in sorted(src, key=lambda e: e.name):
        d = dst_by_name.pop(s.name, None)
        for action in decide(s, d, rules, moved):
            (deletes if action.op is Op.DELETE else others).append(action)
    if rules.delete:
        for name in sorted(dst_by_name):
            if name not in protected:
                deletes.append(PlanStep(Op.DELETE, name, "not in source", dst=dst_by_name[name]))
    return deletes + others


def decide(s: Entry, d: Entry | None, rules: PlanRules, moved: Moved | None = None) -> list[PlanStep]:
    """The action(s) for one source entry against its destination counterpart (if any)."""
    if s.kind is Kind.SOCKET:
        return [PlanStep(Op.SKIP, s.name, "sockets cannot be copied", s, d)]
    create = _CREATE[s.kind]
    if d is None:
        return [PlanStep(create, s.name, "new", s, None)]
    if d.kind is not s.kind:
        reason = f"{d.kind.value} replaced by {s.kind.value}"
        if d.kind is Kind.DIR or s.kind is Kind.DIR:
            return [PlanStep(Op.DELETE, s.name, reason, s, d), PlanStep(create, s.name, reason, s, None)]
        return [PlanStep(create, s.name, reason, s, d)]
    if s.kind is Kind.DIR:
        return [PlanStep(Op.DESCEND, s.name, "exists", s, d)]
    if not rules.update:
        return [PlanStep(create, s.name, "overwrite", s, d)]
    assert s.st is not None and d.st is not None, "update planning needs stat on both sides"
    if s.kind is Kind.FILE:
        return [_decide_file(s, d, rules, moved)]
    if s.kind is Kind.SYMLINK and s.link_target != d.link_target:
        return [PlanStep(Op.SYMLINK, s.name, "target differs", s, d)]
    if s.kind is Kind.DEVICE and s.st.st_rdev != d.st.st_rdev:
        return [PlanStep(Op.SPECIAL, s.name, "device number differs", s, d)]
    why = attrs_differ(s.st, d.st, rules.preserve, dst_ctime_ns=ctime_before(d.st, moved))
    if why:
        return [PlanStep(Op.ATTRS, s.name, why, s, d)]
    return [PlanStep(Op.KEEP, s.name, "unchanged", s, d)]


def ctime_before(st: os.stat_result, moved: Moved | None) -> int | None:
    """The ctime the destination ``st`` had before this run moved it, or None if it did not."""
    return moved.get((st.st_dev, st.st_ino)) if moved else None


def unchanged_test(
    rules: PlanRules, moved: Moved | None = None
) -> Callable[[os.stat_result, os.stat_result], bool] | None:
    """A predicate on (source, destination) ``lstat`` results of two regular files, true exactly
    when :func:`decide` keeps the file (``Op.KEEP``) and no hard-link group is involved; None when
    these rules never keep a file on its stats alone (copy mode, ``checksum``, times not preserved).
    Like :func:`fileattrs.attrs_differ`, a source whose ctime is not older than its destination's
    is not unchanged when xattrs or ACLs are preserved.

    The hot path of a no-change mirror asks it for every file before building entries and
    actions, so it is specialised once per run to the rules: ~0.1 us a file instead of ~0.4 us
    for re-reading the rules each time. A source with other links is never "unchanged" here,
    since its group must still be checked; a type change (the stat shows what the listing did
    not) is never "unchanged" either when modes are compared.

    ``moved`` (the engine asks again once this run moved a destination ctime, ``moved.py``): a
    destination inode in it is never "unchanged" here, :func:`decide` judges it by its old ctime.
    """
    if not rules.update or rules.checksum or not rules.preserve.times:
        return None
    mode = rules.preserve.mode
    owner = can_preserve_ownership(rules.preserve)
    links = rules.hardlinks
    xattrs = (rules.preserve.xattrs or rules.preserve.acls) and HAS_XATTR

    def unchanged(s: os.stat_result, d: os.stat_result) -> bool:
        return (
            s.st_size == d.st_size
            and s.st_mtime_ns == d.st_mtime_ns
            and s.st_nlink == 1
            and (d.st_nlink == 1 or not links)
            and (not mode or s.st_mode == d.st_mode)
            and (not owner or (s.st_uid == d.st_uid and s.st_gid == d.st_gid))
            and (not xattrs or s.st_ctime_ns < d.st_ctime_ns)
        )

    if moved is None:
        return unchanged

    def unchanged_unless_moved(s: os.stat_result, d: os.stat_result) -> bool:
        return unchanged(s, d) and (d.st_dev, d.st_ino) not in moved

    return unchanged_unless_moved


def _decide_file(s: Entry, d: Entry, rules: PlanRules, moved: Moved | None) -> PlanStep:
    assert s.st is not None and d.st is not None
    if s.st.st_size != d.st.st_size:
        return PlanStep(Op.COPY, s.name, "size differs", s, d)
    if not rules.preserve.times:
        if rules.checksum:
            return PlanStep(Op.COMPARE, s.name, "same size; times not preserved, comparing bytes", s, d)
        return PlanStep(Op.COPY, s.name, "times not preserved, so mtime cannot show a change", s, d)
    split = rules.hardlinks and s.st.st_nlink == 1 and d.st.st_nlink > 1
    if rules.checksum and not split:
        # As rsync --checksum: the bytes decide, not the mtime; equal bytes get the mtime in place.
        if s.st.st_mtime_ns != d.st.st_mtime_ns:
            return PlanStep(Op.COMPARE, s.name, "same size, mtime differs; comparing bytes", s, d)
        return PlanStep(Op.COMPARE, s.name, "same size and mtime; comparing bytes", s, d)
    if s.st.st_mtime_ns != d.st.st_mtime_ns:
        return PlanStep(Op.COPY, s.name, "mtime differs", s, d)
    if split:
        return PlanStep(Op.COPY, s.name, "destination is hard-linked, source is not", s, d)
    why = attrs_differ(s.st, d.st, rules.preserve, times=False, dst_ctime_ns=ctime_before(d.st, moved))
    if why:
        return PlanStep(Op.ATTRS, s.name, why, s, d)
    return PlanStep(Op.KEEP, s.name, "same size and mtime", s, d)
