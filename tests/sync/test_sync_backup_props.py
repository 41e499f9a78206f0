"""Local-to-local sync with ``--delete`` and ``--backup-dir``, after rounds of generated edits.

After every sync of a generated tree (read-only files and directories, hard links, symlinks left
out, odd names) to a local destination whose backup directory lies inside it or beside it:

* the destination's regular files, the backup directory left out, equal the source's;
* every file the run replaced or deleted is in this run's dated backup with the bytes it had
  before, and nothing else is there; every file whose bytes changed or that disappeared is;
* every earlier run's backup is still there, byte for byte (none deleted or nested again).
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sync.conftest import local_files

from cargobay.sync import SyncOptions, sync
from cargobay.testing.strategies import file_trees, tree_edits
from cargobay.testing.trees import Edit, Spec, apply_edits, write_tree

EXAMPLES = max(5, settings().max_examples // 5)  # a fifth of the loaded profile's

trees = file_trees(max_entries=8, max_depth=2, max_file_size=300, sparse=False, xattrs=False)


def _split(files: dict[str, bytes], backups: str | None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(files outside the backup directory, files in it) of a destination listing."""
    if backups is None:
        return files, {}
    inside = {k: v for k, v in files.items() if k.startswith(backups + "/")}
    return {k: v for k, v in files.items() if k not in inside}, inside


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    tree=trees,
    rounds=st.lists(tree_edits(max_edits=4), min_size=1, max_size=3),
    inside=st.booleans(),
    checksum=st.booleans(),
)
def test_sync_with_backup_dir_keeps_every_replaced_and_deleted_file(
    tree: dict[str, Spec], rounds: list[list[Edit]], inside: bool, checksum: bool
) -> None:
    with tempfile.TemporaryDirectory() as work:
        src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
        backup_root = os.path.join(dst, ".backups") if inside else os.path.join(work, "backups")
        in_dst = ".backups" if inside else None
        write_tree(tree, src)
        options = SyncOptions(delete=True, checksum=checksum, backup_dir=backup_root, transfers=2)
        state = os.path.join(work, "state")
        kept: dict[str, bytes] = {}  # every backup so far, "<stamp>/<rel>" -> bytes
        before: dict[str, bytes] = {}
        for edits in [[], *rounds]:
            apply_edits(src, edits)
            now = local_files(src)
            report = sync(src, dst, options=options, state_dir=state)
            assert report.ok, report.summary()
            outside, _ = _split(local_files(dst), in_dst)
            assert outside == now
            backups = local_files(backup_root) if os.path.isdir(backup_root) else {}
            assert {k: backups.get(k) for k in kept} == kept, "an earlier backup changed or went"
            new = {k: v for k, v in backups.items() if k not in kept}
            stamps = {k.split("/", 1)[0] for k in new}
            assert len(stamps) <= 1, stamps
            this_run = {k.split("/", 1)[1]: v for k, v in new.items()}
            assert set(this_run) == set(report.backed_up)
            assert this_run == {rel: before[rel] for rel in this_run}
            changed = {rel for rel, data in before.items() if now.get(rel) != data}
            assert changed <= set(this_run), changed - set(this_run)
            kept.update(backups)
            before = now
