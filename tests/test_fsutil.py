"""The temp-then-rename helper of :mod:`cargobay._fsutil`: the entry appears whole, or not at all."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cargobay._fsutil import AtomicFile, is_temp_name, renamed_into_place, temp_name


def test_renamed_into_place_replaces_the_destination(tmp_path: Path) -> None:
    (tmp_path / "dst").write_text("old")
    with renamed_into_place(str(tmp_path / "dst")) as tmp:
        assert is_temp_name(os.path.basename(tmp)) and os.path.dirname(tmp) == str(tmp_path)
        os.symlink("target", tmp)
    assert os.readlink(tmp_path / "dst") == "target"
    assert os.listdir(tmp_path) == ["dst"]


def test_renamed_into_place_removes_the_temp_entry_when_the_block_fails(tmp_path: Path) -> None:
    (tmp_path / "dst").write_text("old")
    with pytest.raises(RuntimeError), renamed_into_place(str(tmp_path / "dst")) as tmp:
        os.symlink("target", tmp)
        raise RuntimeError("setting attributes failed")
    assert os.listdir(tmp_path) == ["dst"] and (tmp_path / "dst").read_text() == "old"


def test_renamed_into_place_relative_to_a_directory_descriptor(tmp_path: Path) -> None:
    (tmp_path / "in-the-way").mkdir()
    (tmp_path / "in-the-way" / "child").touch()
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with renamed_into_place("new", dir_fd=fd) as tmp:
            assert "/" not in tmp
            os.symlink("target", tmp, dir_fd=fd)
        with pytest.raises(OSError), renamed_into_place("in-the-way", dir_fd=fd) as tmp:
            os.symlink("target", tmp, dir_fd=fd)  # a link cannot replace a non-empty directory
    finally:
        os.close(fd)
    assert sorted(os.listdir(tmp_path)) == ["in-the-way", "new"]
    assert os.readlink(tmp_path / "new") == "target"


@pytest.mark.parametrize("first_write", [0, 1, 3, 5, 9])
def test_writev_finishes_a_short_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_write: int) -> None:
    """os.writev may write less than asked (a signal, a full pipe): the rest follows in order."""
    real_writev = os.writev
    calls = []

    def short_writev(fd: int, buffers: list[bytes]) -> int:
        calls.append(len(buffers))
        joined = b"".join(buffers)
        return real_writev(fd, [joined[:first_write]]) if first_write < len(joined) else real_writev(fd, buffers)

    monkeypatch.setattr(os, "writev", short_writev)
    with AtomicFile(str(tmp_path / "f")) as f:
        f.writev([b"abc", b"", b"de", b"fghi"])
        f.commit(durable=False)
    assert (tmp_path / "f").read_bytes() == b"abcdefghi" and calls == [4]


def test_temp_names_are_distinct_and_recognised() -> None:
    names = {temp_name() for _ in range(1000)}
    assert len(names) == 1000 and all(is_temp_name(n) for n in names)


class _AbortFails(AtomicFile):
    def abort(self) -> None:
        super().abort()
        raise OSError(errno.EIO, "abort failed")


def test_atomic_file_a_failing_block_raises_its_own_error_when_the_abort_fails_too(tmp_path: Path) -> None:
    """Leaving the block with an error aborts the temp file; an abort that fails too is noted on
    the block's error, which is what propagates."""
    with pytest.raises(RuntimeError, match="write failed") as raised, _AbortFails(str(tmp_path / "f")) as f:
        f.write(b"partial")
        raise RuntimeError("write failed")
    assert any("abort failed" in note for note in raised.value.__notes__)
    assert os.listdir(tmp_path) == []
