"""The store's allocation hint: its data directory and bucket directories are marked "top of a
hierarchy" (ext4's FS_TOPDIR_FL, see cargobay/_placement.py) while it is open, and left as they
were after. Where the temp directory's filesystem has no inode flags, nothing may change."""

from __future__ import annotations

from pathlib import Path

from cargobay._placement import FS_TOPDIR_FL, get_inode_flags, spread_subdirs
from cargobay.s3.store import ObjectStore, StoreConfig


def _topdir(path: Path) -> bool | None:
    flags = get_inode_flags(str(path))
    return None if flags is None else bool(flags & FS_TOPDIR_FL)


def test_the_data_dir_and_every_bucket_are_marked_while_served_and_cleared_after(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "made-before").mkdir(parents=True)
    supported = _topdir(root) is not None
    store = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        store.create_bucket("made-by-s3")
        store.put_bytes("made-by-s3", "prefix/key", b"x")
        store.create_bucket("deleted")
        store.delete_bucket("deleted")
        marked = True if supported else None
        assert (_topdir(root), _topdir(root / "made-before"), _topdir(root / "made-by-s3")) == (marked,) * 3
        assert _topdir(root / "made-by-s3" / "prefix") is not True  # only buckets' children are spread
    finally:
        store.close()
    cleared = False if supported else None
    assert (_topdir(root), _topdir(root / "made-before"), _topdir(root / "made-by-s3")) == (cleared,) * 3


def test_a_flag_the_user_had_set_is_kept_after_close(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "mine").mkdir(parents=True)
    had = spread_subdirs(str(root / "mine"))  # the user's own chattr +T (False: no inode flags here)
    store = ObjectStore(str(root), StoreConfig(durable=False))
    store.close()
    assert _topdir(root / "mine") is (True if had else None)
