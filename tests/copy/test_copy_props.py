"""Property tests: copy(T) == T, idempotence, and mirror convergence after any edit sequence."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from typing import NamedTuple
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from cargobay import _fsutil
from cargobay import copy as cb
from cargobay.copy import writer
from cargobay.testing.strategies import file_trees, tree_edits
from cargobay.testing.trees import Edit, EditLog, Spec, apply_edits, compare_trees, temp_files, write_tree
from cargobay.testing.users import as_user


def _tmp() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="cargobay-props-")


def _copied_then_edited(tmp: str, tree: dict[str, Spec], edits: Sequence[Edit]) -> tuple[str, str, EditLog]:
    """``tree`` written at ``tmp``/src and copied to ``tmp``/dst, then ``edits`` applied to the
    source: (source, destination, the log of the edits), where three mirror properties start."""
    src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
    write_tree(tree, src)
    cb.copytree(src, dst)
    return src, dst, apply_edits(src, edits)


def _no_tmpfile(directory: str, *, dir_fd: int | None = None, mode: int = 0o600) -> int | None:
    return None  # as on a filesystem without O_TMPFILE: files go through a temp name + rename


@given(tree=file_trees(), workers=st.sampled_from([1, 2, 4]), tmpfile=st.booleans(), spread=st.booleans())
def test_copytree_result_equals_source(tree: dict[str, Spec], workers: int, tmpfile: bool, spread: bool) -> None:
    with _tmp() as tmp, mock.patch.object(writer, "open_tmpfile", _fsutil.open_tmpfile if tmpfile else _no_tmpfile):
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        write_tree(tree, src)
        report = cb.copytree(src, dst, options=cb.CopyOptions(workers=workers, spread=spread))
        assert report.ok, report.errors
        diff = compare_trees(src, dst, holes=True)
        assert not diff, str(diff)


@given(tree=file_trees())
def test_copy_is_idempotent(tree: dict[str, Spec]) -> None:
    with _tmp() as tmp:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        write_tree(tree, src)
        cb.copytree(src, dst)
        again = cb.copytree(src, dst, dirs_exist_ok=True)
        assert again.ok, again.errors
        assert not compare_trees(src, dst)
        update = cb.mirror(src, dst)
        assert (update.files, update.deleted, update.symlinks, update.hardlinks, update.attrs_updated) == (
            0,
            0,
            0,
            0,
            0,
        )
        assert not compare_trees(src, dst)


@given(tree=file_trees(), edits=tree_edits(), workers=st.sampled_from([1, 3]))
def test_mirror_after_edits_with_checksum_makes_destination_equal(
    tree: dict[str, Spec],
    edits: list[Edit],
    workers: int,
) -> None:
    with _tmp() as tmp:
        src, dst, _ = _copied_then_edited(tmp, tree, edits)
        report = cb.mirror(src, dst, checksum=True, workers=workers)
        assert report.ok, report.errors
        diff = compare_trees(src, dst)
        assert not diff, str(diff)
        assert temp_files(dst) == []


@given(tree=file_trees(), edits=tree_edits())
def test_mirror_by_size_and_mtime_misses_only_stealth_edits(tree: dict[str, Spec], edits: list) -> None:  # type: ignore[type-arg]
    with _tmp() as tmp:
        src, dst, log = _copied_then_edited(tmp, tree, edits)
        report = cb.mirror(src, dst)
        assert report.ok, report.errors
        diff = compare_trees(src, dst)
        stealth = log.stealth_paths(src)
        # Content changed with size and mtime kept is invisible without --checksum (as rsync -a);
        # everything else must have converged.
        for line in diff.differences:
            path, what = line.split(": ", 1)
            assert what == "content differs" and path in stealth, str(diff)


@given(tree=file_trees(), edits=tree_edits(), checksum=st.booleans())
def test_mirror_as_a_user_after_edits_makes_destination_equal(
    tree: dict[str, Spec],
    edits: list[Edit],
    checksum: bool,
) -> None:
    # Permission bits bind every user but root: read-only files and directories copied by one
    # run must not stop the next (under root the body runs as ``nobody``, in a forked child).
    def run(work: str) -> None:
        src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
        write_tree(tree, src)
        first = cb.copytree(src, dst)
        assert first.ok, first.errors
        assert not compare_trees(src, dst), str(compare_trees(src, dst))
        log = apply_edits(src, edits)
        report = cb.mirror(src, dst, checksum=checksum)
        assert report.ok, report.errors
        stealth = set() if checksum else log.stealth_paths(src)
        for line in compare_trees(src, dst).differences:
            path, what = line.split(": ", 1)
            assert what == "content differs" and path in stealth, line
        assert temp_files(dst) == []

    as_user(run)


# ---------------------------------------------------------------- the dry-run plan against the mirror
#
# A dry run's plan (``report.planned``; ``cargobay copy --dry-run`` prints one ``str()`` of each) must
# list exactly what the mirror run right after it changes. What a mirror changed is read off the
# destination itself, before and after, so the comparison does not trust the engine's own report.


class _Seen(NamedTuple):
    ident: tuple[str, int]  # kind and inode: a new inode means the entry was written anew
    attrs: tuple[object, ...]  # what a metadata change alters in place (empty for directories)
    ctime_ns: int  # any in-place metadata call (chmod, utime, xattr) moves it


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "file" if stat.S_ISREG(mode) else "other"


def _snapshot(root: str) -> dict[str, _Seen]:
    seen: dict[str, _Seen] = {}
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        for name in os.listdir(os.path.join(root, rel_dir) if rel_dir else root):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            path = os.path.join(root, rel)
            st = os.lstat(path)
            kind = _kind(st.st_mode)
            attrs: tuple[object, ...] = ()
            if kind == "dir":
                stack.append(rel)  # a directory's own metadata is set after its contents: not in a plan
            else:
                xattrs = () if kind == "symlink" else tuple(sorted(os.listxattr(path, follow_symlinks=False)))
                target = os.readlink(path) if kind == "symlink" else None
                attrs = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns, target, xattrs)
            seen[rel] = _Seen((kind, st.st_ino), attrs, st.st_ctime_ns)
    return seen


def _ancestors(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def assert_plan_is_what_mirror_did(
    planned: Sequence[cb.PlannedAction], before: dict[str, _Seen], after: dict[str, _Seen]
) -> None:
    """Every entry the mirror created, replaced, deleted or changed in place is in the plan, under
    an action that does that; every planned action that must change something did. (``compare``,
    ``--checksum``'s byte comparison, may end in a copy, a metadata update or nothing.)"""
    ops: dict[str, set[cb.Op]] = {}
    for p in planned:
        ops.setdefault(p.rel, set()).add(p.op)
    deleted_dirs = {rel for rel, o in ops.items() if cb.Op.DELETE in o and before.get(rel, _NONE).ident[0] == "dir"}
    # Hard-link groups are linked after the walk, to whichever member a worker copied first: the
    # dry run cannot name the members that will be relinked, only the copy they will share.
    sharing: dict[tuple[str, int], set[str]] = {}
    for rel, seen in after.items():
        sharing.setdefault(seen.ident, set()).add(rel)
    copied = {rel for rel, o in ops.items() if o & _WRITES}
    unlink_only = {p.rel: p.reason == "destination is hard-linked, source is not" for p in planned}
    for rel in sorted(before.keys() | after.keys()):
        b, a = before.get(rel), after.get(rel)
        o = ops.get(rel, set())
        if b is not None and a is None:
            changed = "deleted"
        elif b is None:
            changed = "created"
        elif a is not None and b.ident != a.ident:
            changed = "replaced"
        elif a is not None and b.attrs != a.attrs:
            changed = "metadata changed"
        else:
            changed = ""
        if changed == "replaced" and a is not None and not (o & _WRITES):
            group = sharing[a.ident]
            if len(group) > 1 and group & copied:
                continue  # relinked to a planned copy of its group
        if changed and not o:
            under_deleted = any(anc in deleted_dirs for anc in _ancestors(rel))
            assert under_deleted and a is None, f"{rel}: {changed} by the mirror, but not in the dry-run plan"
            continue
        if changed == "deleted":
            assert cb.Op.DELETE in o, f"{rel}: deleted, but planned as {sorted(x.value for x in o)}"
        elif changed in ("created", "replaced"):
            assert o & (_WRITES | {cb.Op.COMPARE}), f"{rel}: {changed}, but planned as {sorted(x.value for x in o)}"
        elif changed == "metadata changed":
            names = sorted(x.value for x in o)
            assert o & (_WRITES | {cb.Op.ATTRS, cb.Op.COMPARE}), f"{rel}: metadata changed, but planned as {names}"
        # The other way round: a planned action that must change something did. One exception: a
        # copy planned only to break a destination hard link the source lacks is rightly skipped
        # when the mirror's own deletion or replacement of the other member, earlier in the walk,
        # already left it with one link (the dry run changes nothing, so it cannot see that).
        if not changed and b is not None and o == {cb.Op.COPY} and unlink_only.get(rel):
            group = {r for r, seen in before.items() if seen.ident == b.ident} - {rel}
            if group and all(before[r].ident != after.get(r, _NONE).ident for r in group):
                continue
        if o & (_WRITES | {cb.Op.DELETE}) and not (o & {cb.Op.COMPARE}):
            assert changed, f"{rel}: planned as {sorted(x.value for x in o)}, but the mirror left it as it was"
        if cb.Op.ATTRS in o:
            assert changed or (b is not None and a is not None and b.ctime_ns != a.ctime_ns), (
                f"{rel}: planned as attrs, but the mirror did not touch its metadata"
            )


_WRITES = frozenset({cb.Op.COPY, cb.Op.MKDIR, cb.Op.SYMLINK, cb.Op.SPECIAL})
_NONE = _Seen(("", 0), (), 0)


@given(tree=file_trees(), edits=tree_edits(), checksum=st.booleans())
def test_mirror_dry_run_changes_nothing_and_plans_what_mirror_does(
    tree: dict[str, Spec],
    edits: list,  # type: ignore[type-arg]
    checksum: bool,
) -> None:
    with _tmp() as tmp:
        src, dst, _ = _copied_then_edited(tmp, tree, edits)
        diff_before = compare_trees(src, dst)
        before = _snapshot(dst)
        plan = cb.mirror(src, dst, dry_run=True, checksum=checksum)
        assert plan.ok, plan.errors
        assert compare_trees(src, dst) == diff_before
        assert _snapshot(dst) == before, "the dry run changed the destination"
        done = cb.mirror(src, dst, checksum=checksum)
        assert done.ok, done.errors
        assert_plan_is_what_mirror_did(plan.planned, before, _snapshot(dst))
        counted = sum(1 for p in plan.planned if p.op is cb.Op.DELETE)
        assert done.deleted == counted, (done.deleted, counted)
