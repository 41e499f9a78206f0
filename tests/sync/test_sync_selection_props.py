"""Sync honours selection rules on both sides exactly as ``git check-ignore`` reads the same rules."""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, given, settings
from tests.select.test_select_props import _git_not_ignored, _write_tree, trees
from tests.sync.conftest import local_files, new_bucket, remote_state
from tests.sync.conftest import settings as s3_settings

from cargobay.select import build_selection
from cargobay.sync import SyncOptions, sync
from cargobay.testing.servers import Endpoint
from cargobay.testing.strategies import rule_sets

EXAMPLES = max(5, settings().max_examples // 5)  # a fifth of the loaded profile's


def _git_expected(work: str, files: list[str], rules: list[str]) -> set[str]:
    """What git does not ignore, asked in a separate copy of the tree (git init writes .git/)."""
    oracle = os.path.join(work, "git")
    _write_tree(oracle, files)
    with open(os.path.join(oracle, ".gitignore"), "w") as fh:
        fh.write("\n".join(rules) + "\n")
    return set(_git_not_ignored(oracle, files))


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(files=trees(), rules=rule_sets())
def test_sync_selects_what_git_does_not_ignore_both_ways(
    cargobay_endpoint: Endpoint, files: list[str], rules: list[str]
) -> None:
    ep = cargobay_endpoint
    with tempfile.TemporaryDirectory() as work:
        src, back = os.path.join(work, "src"), os.path.join(work, "back")
        _write_tree(src, files)
        expected = _git_expected(work, files, rules)
        selection = build_selection(exclude=rules, ignore_file_name=None)
        bucket = new_bucket(ep)
        up = sync(src, f"s3://{bucket}", s3=s3_settings(ep), selection=selection, options=SyncOptions(delete=True))
        assert up.ok and set(remote_state(ep, bucket)) == expected
        # Back from S3 into a tree holding excluded files: S3 listing filtered by the same rules,
        # and excluded destination files are neither overwritten nor deleted.
        _write_tree(back, files)
        down = sync(f"s3://{bucket}", back, s3=s3_settings(ep), selection=selection, options=SyncOptions(delete=True))
        assert down.ok and down.deleted == []
        assert set(local_files(back)) == set(files)


@settings(max_examples=EXAMPLES, deadline=None)
@given(files=trees(), rules=rule_sets(negation=True))
def test_ignore_file_in_source_agrees_with_gitignore(files: list[str], rules: list[str]) -> None:
    with tempfile.TemporaryDirectory() as work:
        src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
        _write_tree(src, files)
        expected = _git_expected(work, files, rules)
        with open(os.path.join(src, ".cargobayignore"), "w") as fh:
            fh.write("\n".join(rules) + "\n")
        report = sync(src, dst, selection=build_selection())
        assert report.ok
        assert set(local_files(dst)) - {".cargobayignore"} == expected
