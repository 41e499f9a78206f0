"""Property tests: copy(T) == T, idempotence, and mirror convergence after any edit sequence."""

from __future__ import annotations

import os
import tempfile
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from cargobay import _fsutil
from cargobay import copy as cb
from cargobay.copy import writer
from cargobay.testing.strategies import file_trees, tree_edits
from cargobay.testing.trees import Edit, Spec, apply_edits, compare_trees, temp_files, write_tree


def _tmp() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="cargobay-props-")


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
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        write_tree(tree, src)
        cb.copytree(src, dst)
        apply_edits(src, edits)
        report = cb.mirror(src, dst, checksum=True, workers=workers)
        assert report.ok, report.errors
        diff = compare_trees(src, dst)
        assert not diff, str(diff)
        assert temp_files(dst) == []


@given(tree=file_trees(), edits=tree_edits())
def test_mirror_by_size_and_mtime_misses_only_stealth_edits(tree: dict[str, Spec], edits: list) -> None:  # type: ignore[type-arg]
    with _tmp() as tmp:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        write_tree(tree, src)
        cb.copytree(src, dst)
        log = apply_edits(src, edits)
        report = cb.mirror(src, dst)
        assert report.ok, report.errors
        diff = compare_trees(src, dst)
        stealth = log.stealth_paths(src)
        # Content changed with size and mtime kept is invisible without --checksum (as rsync -a);
        # everything else must have converged.
        for line in diff.differences:
            path, what = line.split(": ", 1)
            assert what == "content differs" and path in stealth, str(diff)


@given(tree=file_trees(), edits=tree_edits())
def test_mirror_dry_run_changes_nothing_and_plans_what_mirror_does(tree: dict[str, Spec], edits: list) -> None:  # type: ignore[type-arg]
    with _tmp() as tmp:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        write_tree(tree, src)
        cb.copytree(src, dst)
        apply_edits(src, edits)
        before = compare_trees(src, dst)
        plan = cb.mirror(src, dst, dry_run=True)
        assert compare_trees(src, dst) == before
        if not plan.planned:
            assert cb.mirror(src, dst).files == 0
