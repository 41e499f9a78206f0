"""A fresh copy gives each new file its metadata by the shortest path that is still exact: only
the times when the file was created with its mode and owner and has no xattrs, else all of
``apply_file_attrs``. Each case that needs more than the times is here, beside ones that do not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cargobay import copy as cb
from cargobay.copy import _platform
from cargobay.testing.trees import compare_trees


def _file(root: Path, rel: str, mode: int, data: bytes = b"some bytes\n") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    os.chmod(p, mode)
    os.utime(p, ns=(1_500_000_000_111_111_111, 1_600_000_000_222_222_222))
    return p


def test_plain_xattr_and_odd_mode_files_are_all_exact(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for d in ("a", "b"):  # two subdirectories: the second process may take one
        _file(src, f"{d}/plain", 0o644)
        _file(src, f"{d}/private", 0o600)
        _file(src, f"{d}/setuid", 0o4755)  # set-id bits: never through a create's mode
        _file(src, f"{d}/sticky", 0o1644)
        _file(src, f"{d}/group-writable", 0o664)  # under umask 022: needs an fchmod
        _file(src, f"{d}/empty", 0o640, b"")
        x = _file(src, f"{d}/xattr", 0o644)
        os.setxattr(x, "user.note", b"kept")
    old = os.umask(0o022)
    try:
        report = cb.copytree(src, tmp_path / "dst")
    finally:
        os.umask(old)
    assert report.ok and report.files == 14, report.errors
    assert not compare_trees(str(src), str(tmp_path / "dst"))
    assert os.getxattr(tmp_path / "dst" / "a" / "xattr", "user.note") == b"kept"
    assert os.stat(tmp_path / "dst" / "b" / "setuid").st_mode & 0o7777 == 0o4755


@pytest.mark.skipif(not _platform.IS_ROOT, reason="only root gives a file another owner")
def test_files_of_other_owners_keep_their_owners(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for d in ("a", "b"):
        _file(src, f"{d}/mine", 0o644)
        theirs = _file(src, f"{d}/theirs", 0o644)
        os.chown(theirs, 1234, 5678)
        group = _file(src, f"{d}/group", 0o640)
        os.chown(group, 0, 5678)
    report = cb.copytree(src, tmp_path / "dst")
    assert report.ok and report.files == 6, report.errors
    assert not compare_trees(str(src), str(tmp_path / "dst"))
    st = os.stat(tmp_path / "dst" / "a" / "theirs")
    assert (st.st_uid, st.st_gid) == (1234, 5678)
