"""Table tests of the pure mirror planner (cargobay.copy.plan)."""

from __future__ import annotations

import os

import pytest

from cargobay.copy.fileattrs import Preserve
from cargobay.copy.model import Entry, Kind, Op
from cargobay.copy.plan import PlanRules, plan_directory


def _st(
    *,
    mode: int = 0o100644,
    size: int = 10,
    mtime_ns: int = 5,
    nlink: int = 1,
    rdev: int = 0,
    uid: int = 0,
    ctime_ns: int = 0,
) -> os.stat_result:
    # os.stat_result from a 10-tuple + extra fields by index: st_mtime_ns is taken from the tuple slot.
    base = (mode, 1, 1, nlink, uid, 0, size, 0, 0, 0)
    extra = {"st_mtime_ns": mtime_ns, "st_rdev": rdev, "st_ctime_ns": ctime_ns}
    return os.stat_result(base, extra)


def _f(name: str, **kw: int) -> Entry:
    return Entry(name, Kind.FILE, _st(**kw))


UPDATE = PlanRules(update=True, delete=True)


@pytest.mark.parametrize(
    ("src", "dst", "rules", "expected"),
    [
        ([_f("a")], None, UPDATE, [(Op.COPY, "a", "new")]),
        # The destination was written after the source's last change (a newer ctime), as a copy is.
        ([_f("a")], [_f("a", ctime_ns=1)], UPDATE, [(Op.KEEP, "a", "same size and mtime")]),
        (
            [_f("a", ctime_ns=1)],
            [_f("a")],
            UPDATE,
            [(Op.ATTRS, "a", "changed since the last copy (ctime): xattrs may differ")],
        ),
        ([_f("a", size=11)], [_f("a")], UPDATE, [(Op.COPY, "a", "size differs")]),
        ([_f("a", mtime_ns=6)], [_f("a")], UPDATE, [(Op.COPY, "a", "mtime differs")]),
        ([_f("a", mode=0o100600)], [_f("a")], UPDATE, [(Op.ATTRS, "a", "mode differs")]),
        (
            [_f("a")],
            [_f("a")],
            PlanRules(update=True, checksum=True),
            [(Op.COMPARE, "a", "same size and mtime; comparing bytes")],
        ),
        # As rsync --checksum: the bytes decide; equal ones only get the mtime (no copy).
        (
            [_f("a", mtime_ns=6)],
            [_f("a")],
            PlanRules(update=True, checksum=True),
            [(Op.COMPARE, "a", "same size, mtime differs; comparing bytes")],
        ),
        ([_f("a")], [_f("a", nlink=2)], UPDATE, [(Op.COPY, "a", "destination is hard-linked, source is not")]),
        ([_f("a")], [_f("a")], PlanRules(update=False), [(Op.COPY, "a", "overwrite")]),
        ([], [_f("x")], UPDATE, [(Op.DELETE, "x", "not in source")]),
        ([], [_f("x")], PlanRules(update=True, delete=False), []),
        (
            [Entry("d", Kind.DIR)],
            [_f("d")],
            UPDATE,
            [(Op.DELETE, "d", "file replaced by dir"), (Op.MKDIR, "d", "file replaced by dir")],
        ),
        (
            [_f("d")],
            [Entry("d", Kind.DIR, _st(mode=0o40755))],
            UPDATE,
            [(Op.DELETE, "d", "dir replaced by file"), (Op.COPY, "d", "dir replaced by file")],
        ),
        (
            [Entry("l", Kind.SYMLINK, _st(mode=0o120777), "t1")],
            [Entry("l", Kind.SYMLINK, _st(mode=0o120777), "t2")],
            UPDATE,
            [(Op.SYMLINK, "l", "target differs")],
        ),
        (
            [Entry("l", Kind.SYMLINK, _st(mode=0o120777, mtime_ns=9), "t")],
            [Entry("l", Kind.SYMLINK, _st(mode=0o120777), "t")],
            UPDATE,
            [(Op.ATTRS, "l", "mtime differs")],
        ),
        ([Entry("s", Kind.SOCKET, _st(mode=0o140755))], None, UPDATE, [(Op.SKIP, "s", "sockets cannot be copied")]),
        (
            [_f("a", size=1)],
            [_f("a")],
            PlanRules(update=True, preserve=Preserve.none()),
            [(Op.COPY, "a", "size differs")],
        ),
        (
            [_f("a")],
            [_f("a")],
            PlanRules(update=True, preserve=Preserve.none()),
            [(Op.COPY, "a", "times not preserved, so mtime cannot show a change")],
        ),
    ],
    ids=[
        "new-file",
        "unchanged",
        "ctime-not-older",
        "size",
        "mtime",
        "mode-only",
        "checksum",
        "checksum-mtime",
        "dest-hardlinked",
        "copy-mode",
        "extraneous",
        "no-delete",
        "file-to-dir",
        "dir-to-file",
        "symlink-target",
        "symlink-mtime",
        "socket",
        "no-times-size",
        "no-times-same",
    ],
)
def test_plan_directory_decisions(src, dst, rules, expected):  # type: ignore[no-untyped-def]
    got = [(a.op, a.name, a.reason) for a in plan_directory(src, dst, rules)]
    assert got == expected


def test_plan_directory_never_deletes_protected_names() -> None:
    actions = plan_directory([], [_f("keep"), _f("drop")], UPDATE, protected=frozenset({"keep"}))
    assert [(a.op, a.name) for a in actions] == [(Op.DELETE, "drop")]


def test_plan_directory_puts_deletions_first() -> None:
    actions = plan_directory([_f("a")], [_f("z")], UPDATE)
    assert [a.op for a in actions] == [Op.DELETE, Op.COPY]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cargobay.copy.plan import decide, unchanged_test  # noqa: E402

_stats = st.builds(
    _st,
    size=st.integers(0, 2),
    mtime_ns=st.integers(0, 2),
    nlink=st.integers(1, 2),
    mode=st.sampled_from([0o100644, 0o100600]),
    uid=st.integers(0, 1),
    ctime_ns=st.integers(0, 2),
)


@given(
    s=_stats,
    d=_stats,
    update=st.booleans(),
    checksum=st.booleans(),
    hardlinks=st.booleans(),
    times=st.booleans(),
    mode=st.booleans(),
    ownership=st.booleans(),
    xattrs=st.booleans(),
    moved_ctime=st.none() | st.integers(0, 2),
)
def test_unchanged_test_agrees_with_decide(  # type: ignore[no-untyped-def]
    s, d, update, checksum, hardlinks, times, mode, ownership, xattrs, moved_ctime
) -> None:
    preserve = Preserve(times=times, mode=mode, ownership=ownership, xattrs=xattrs, acls=xattrs)
    rules = PlanRules(update=update, checksum=checksum, hardlinks=hardlinks, preserve=preserve)
    # ``moved``: the destination's ctime before the run moved it (the engine then asks again).
    moved = None if moved_ctime is None else {(d.st_dev, d.st_ino): moved_ctime}
    kept = [a.op for a in decide(Entry("f", Kind.FILE, s), Entry("f", Kind.FILE, d), rules, moved)] == [Op.KEEP]
    unchanged = unchanged_test(rules, moved)
    if unchanged is None:
        assert not kept  # rules that never keep a file on its stats alone
    elif unchanged(s, d):
        assert kept
    elif kept:
        # Only a hard-linked source is left to the group check, and a destination inode whose
        # ctime the run moved to decide (which judges it by the ctime noted before).
        assert s.st_nlink > 1 or moved is not None


def test_a_source_changed_after_the_copy_gets_its_metadata_again() -> None:
    # Only ctime shows an xattr change: size, mtime and mode are as they were.
    s, d = _f("f", ctime_ns=20), _f("f", ctime_ns=10)
    assert [a.op for a in decide(s, d, UPDATE)] == [Op.ATTRS]
    # The same ctime on both sides: the edit may have come in the copy's clock tick.
    assert [a.op for a in decide(_f("f", ctime_ns=10), _f("f", ctime_ns=10), UPDATE)] == [Op.ATTRS]
    assert [a.op for a in decide(_f("f", ctime_ns=10), _f("f", ctime_ns=20), UPDATE)] == [Op.KEEP]
    no_xattrs = PlanRules(update=True, preserve=Preserve(xattrs=False, acls=False))
    assert [a.op for a in decide(s, d, no_xattrs)] == [Op.KEEP]


def test_a_destination_ctime_the_run_moved_is_judged_by_its_old_value() -> None:
    """The run deleted another link of the destination inode (``copy/moved.py``): its ctime now
    postdates the source's xattr change, the one noted before the deletion does not."""
    s, d = _f("f", ctime_ns=15), _f("f", ctime_ns=20)
    assert [a.op for a in decide(s, d, UPDATE)] == [Op.KEEP]
    moved = {(d.st.st_dev, d.st.st_ino): 10}  # type: ignore[union-attr]
    assert [a.op for a in decide(s, d, UPDATE, moved)] == [Op.ATTRS]
    assert [a.op for a in plan_directory([s], [d], UPDATE, moved=moved)] == [Op.ATTRS]
    unchanged = unchanged_test(UPDATE, moved)
    assert unchanged is not None and not unchanged(s.st, d.st)  # type: ignore[arg-type]
    # An older ctime noted for another inode changes nothing.
    assert [a.op for a in decide(s, d, UPDATE, {(9, 9): 10})] == [Op.KEEP]
