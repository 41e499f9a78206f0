"""Example tests of the public API: copy, copy2, copytree, mirror."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cargobay import copy as cb
from cargobay.copy import execute, prober, walker
from cargobay.errors import CopyError, UsageError
from cargobay.testing.trees import (
    DirSpec,
    FileSpec,
    HardLinkSpec,
    Spec,
    SymlinkSpec,
    compare_trees,
    temp_files,
    write_tree,
)

MODEL: dict[str, Spec] = {
    "d": DirSpec(mode=0o750, mtime_ns=1_000_000_001),
    "d/f": FileSpec(b"hello", mode=0o640, mtime_ns=1_234_567_891_234_567_891, xattrs=(("user.k", b"v"),)),
    "d/hl": HardLinkSpec("d/f"),
    "link-dir": SymlinkSpec("d"),
    "link-file": SymlinkSpec("d/f"),
    "dangling": SymlinkSpec("nowhere"),
    "abs": SymlinkSpec("/etc/hostname"),
    "empty": DirSpec(),
    "sparse": FileSpec(b"x", hole_before=8 << 20, hole_after=1 << 20),
    "zero": FileSpec(b""),
}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    write_tree(MODEL, str(root))
    return root


@pytest.mark.parametrize("workers", [1, 3])
def test_copytree_is_exact_and_keeps_links_holes_and_xattrs(src: Path, tmp_path: Path, workers: int) -> None:
    report = cb.copytree(src, tmp_path / "dst", workers=workers)
    assert report.ok, report.errors
    assert not compare_trees(str(src), str(tmp_path / "dst"), holes=True)
    assert os.path.islink(tmp_path / "dst" / "link-dir")
    assert report.files == 3 and report.hardlinks == 1 and report.symlinks == 4


def test_copytree_refuses_existing_destination_unless_dirs_exist_ok(src: Path, tmp_path: Path) -> None:
    (tmp_path / "dst").mkdir()
    with pytest.raises(UsageError, match="destination exists"):
        cb.copytree(src, tmp_path / "dst")
    assert cb.copytree(src, tmp_path / "dst", dirs_exist_ok=True).ok
    assert not compare_trees(str(src), str(tmp_path / "dst"))


def test_copytree_keeps_link_to_directory_where_shutil_expands_it(tmp_path: Path) -> None:
    # The fidelity bug the issue names: shutil.copytree's default follows a link to a directory.
    write_tree({"d": DirSpec(), "d/f": FileSpec(b"1"), "ln": SymlinkSpec("d")}, str(tmp_path / "s"))
    shutil.copytree(tmp_path / "s", tmp_path / "by-shutil")
    cb.copytree(tmp_path / "s", tmp_path / "by-cargobay")
    assert "ln: kind" in str(compare_trees(str(tmp_path / "s"), str(tmp_path / "by-shutil")))
    assert not compare_trees(str(tmp_path / "s"), str(tmp_path / "by-cargobay"))


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda t: (t / "missing", t / "out"), "source does not exist"),
        (lambda t: (t / "src", t / "src" / "inside"), "is inside the source"),
        (lambda t: (t / "src" / "d" / "f", t / "dst"), "source is not a directory"),
    ],
    ids=["missing-source", "dest-inside-source", "file-source"],
)
def test_copytree_bad_arguments_are_one_line_usage_errors(src: Path, tmp_path: Path, make_args, message) -> None:  # type: ignore[no-untyped-def]
    s, d = make_args(tmp_path)
    with pytest.raises(UsageError, match=message) as info:
        cb.copytree(s, d)
    assert "\n" not in str(info.value)


def test_mirror_refuses_source_inside_destination(tmp_path: Path, src: Path) -> None:
    with pytest.raises(UsageError, match="inside the destination"):
        cb.mirror(src, tmp_path)


def test_copy_file_onto_itself_is_refused(src: Path) -> None:
    with pytest.raises(UsageError, match="same file"):
        cb.copy2(src / "d" / "f", src / "d" / "hl")


def test_copy_and_copy2_follow_shutil(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    p = cb.copy(src / "d" / "f", out)
    assert p == str(out / "f") and (out / "f").read_bytes() == b"hello"
    assert (out / "f").stat().st_mode & 0o777 == 0o640
    assert (out / "f").stat().st_mtime_ns != (src / "d" / "f").stat().st_mtime_ns
    cb.copy2(src / "d" / "f", out / "g")
    assert (out / "g").stat().st_mtime_ns == (src / "d" / "f").stat().st_mtime_ns
    assert os.getxattr(out / "g", "user.k") == b"v"
    assert temp_files(str(out)) == []


def test_copy_symlink_that_cannot_replace_the_destination_leaves_no_temp_file(tmp_path: Path) -> None:
    # The symlink is made under a temp name, then renamed over the destination; a rename that
    # fails (here: a non-empty directory is in the way) must not leave the temp link behind.
    (tmp_path / "link").symlink_to("target")
    out = tmp_path / "out"
    (out / "link" / "child").mkdir(parents=True)
    with pytest.raises(CopyError, match="cannot copy"):
        cb.copy(tmp_path / "link", out, follow_symlinks=False)  # into ``out``: onto ``out/link``
    assert temp_files(str(out)) == []
    assert os.listdir(out) == ["link"] and os.listdir(out / "link") == ["child"]


def test_copytree_one_failing_file_is_reported_and_the_rest_copied(
    src: Path, tmp_path: Path, on_source: Callable[[Path, str, object], None]
) -> None:
    on_source(src, "zero", PermissionError(13, "Permission denied"))
    report = cb.copytree(src, tmp_path / "dst", workers=2)
    assert [(e.rel, e.message) for e in report.errors] == [("zero", "Permission denied")]
    assert (tmp_path / "dst" / "sparse").exists() and not (tmp_path / "dst" / "zero").exists()
    with pytest.raises(CopyError, match="1 entries failed"):
        report.raise_for_errors()


def test_mirror_deletes_extraneous_and_copies_only_changes(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    cb.copytree(src, dst)
    (dst / "extra").write_text("x")
    (dst / "extra-dir").mkdir()
    (dst / "extra-dir" / "f").write_text("y")
    (src / "zero").write_bytes(b"now longer")
    report = cb.mirror(src, dst)
    assert report.ok and report.files == 1 and report.deleted == 2
    assert not compare_trees(str(src), str(dst))
    again = cb.mirror(src, dst)
    assert (again.files, again.deleted, again.attrs_updated) == (0, 0, 0)


def test_mirror_never_deletes_where_the_source_listing_failed(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dst = tmp_path / "dst"
    cb.copytree(src, dst)
    (dst / "d" / "extra").write_text("keep me")
    # Every listing path: list_dir (copy, selections), scan_dir (the no-change mirror fast path),
    # and scan_dir in the forked prober (which pairs half the directories; it inherits the patch).
    for module, name in ((execute, "list_dir"), (execute, "scan_dir"), (prober, "scan_dir")):
        real = getattr(walker, name)

        def broken(path: str, real: Any = real, **kw: bool) -> list:  # type: ignore[type-arg]
            if path == str(src / "d"):
                raise PermissionError(13, "Permission denied", path)
            return real(path, **kw)  # type: ignore[no-any-return]

        monkeypatch.setattr(module, name, broken)
    report = cb.mirror(src, dst)
    assert (dst / "d" / "extra").exists()
    assert [e.rel for e in report.errors] == ["d"]


def test_mirror_dry_run_changes_nothing(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    cb.copytree(src, dst)
    (dst / "extra").write_text("x")
    (src / "new").write_text("n")
    before = compare_trees(str(src), str(dst))
    report = cb.mirror(src, dst, dry_run=True)
    assert {(p.op, p.rel) for p in report.planned} == {(cb.Op.DELETE, "extra"), (cb.Op.COPY, "new")}
    assert compare_trees(str(src), str(dst)) == before


def test_mirror_checksum_finds_same_size_same_mtime_change(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    cb.copytree(src, dst)
    f = src / "d" / "f"
    st = f.stat()
    f.write_bytes(b"HELLO")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cb.mirror(src, dst).files == 0  # size + mtime cannot see it, as rsync -a
    assert cb.mirror(src, dst, checksum=True).files == 1
    assert (dst / "d" / "f").read_bytes() == b"HELLO"
    assert (dst / "d" / "hl").read_bytes() == b"HELLO"  # still one inode


def test_mirror_with_selector_skips_and_protects_excluded(src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    (tmp_path / "dst").mkdir()
    (dst / "sparse").write_text("excluded on the source side: must survive")
    from cargobay.select import build_selection

    report = cb.mirror(src, dst, select=build_selection(exclude=["sparse", "d/"], ignore_file_name=None))
    assert report.ok
    assert (dst / "sparse").read_text().startswith("excluded")
    assert not (dst / "d").exists()
    assert report.excluded == 2


def test_copytree_follow_symlinks_copies_targets(src: Path, tmp_path: Path) -> None:
    os.unlink(src / "dangling")
    os.unlink(src / "abs")
    report = cb.copytree(src, tmp_path / "dst", symlinks=False)
    assert report.ok, report.errors
    assert not os.path.islink(tmp_path / "dst" / "link-dir")
    assert (tmp_path / "dst" / "link-dir" / "f").read_bytes() == b"hello"


def test_copytree_follow_symlinks_stops_at_loops(tmp_path: Path) -> None:
    (tmp_path / "s" / "a").mkdir(parents=True)
    os.symlink("..", tmp_path / "s" / "a" / "up")
    report = cb.copytree(tmp_path / "s", tmp_path / "dst", symlinks=False)
    assert any("loop" in e.message for e in report.errors)


def test_verify_passes_on_a_good_copy(src: Path, tmp_path: Path) -> None:
    assert cb.copytree(src, tmp_path / "dst", verify=True).ok


def test_progress_callback_sees_final_totals(src: Path, tmp_path: Path) -> None:
    seen: list[cb.CopyProgress] = []
    cb.copytree(src, tmp_path / "dst", progress=seen.append)
    assert seen and seen[-1].files_done == 3 and seen[-1].walking is False
    assert seen[-1].bytes_done == seen[-1].bytes_seen


def test_copytree_keeps_ownership_when_permitted(tmp_path: Path) -> None:
    write_tree({"f": FileSpec(b"o"), "d": DirSpec(), "l": SymlinkSpec("f")}, str(tmp_path / "s"))
    if os.geteuid() == 0:
        for name in ("f", "d", "l"):
            os.chown(tmp_path / "s" / name, 1234, 5678, follow_symlinks=False)
    report = cb.copytree(tmp_path / "s", tmp_path / "dst")
    assert report.ok, report.errors
    # As root every uid/gid is kept; otherwise the copy is ours and no error is raised (as cp -a).
    assert not compare_trees(str(tmp_path / "s"), str(tmp_path / "dst"), ownership=os.geteuid() == 0)


def test_copytree_recreates_fifos_and_skips_sockets(tmp_path: Path) -> None:
    import socket

    (tmp_path / "s").mkdir()
    os.mkfifo(tmp_path / "s" / "pipe", 0o640)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s" / "sock"))
        report = cb.copytree(tmp_path / "s", tmp_path / "dst")
    finally:
        sock.close()
    assert report.ok and report.specials == 1 and report.skipped == 1
    assert os.path.exists(tmp_path / "dst" / "pipe") and not os.path.exists(tmp_path / "dst" / "sock")
    assert (tmp_path / "dst" / "pipe").stat().st_mode & 0o777 == 0o640


def test_mirror_deletes_a_link_to_outside_never_what_it_points_to(src: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep")
    dst = tmp_path / "dst"
    cb.copytree(src, dst)
    os.symlink(outside, dst / "escape")
    os.symlink(outside, dst / "d" / "escape2")
    report = cb.mirror(src, dst)
    assert report.ok and report.deleted == 2
    assert (outside / "precious").read_text() == "keep"
    assert not compare_trees(str(src), str(dst))
