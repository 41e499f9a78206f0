"""The copy-method ladder: each fallback produces the full file, holes stay holes."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cargobay.copy import fastpaths
from cargobay.copy.fastpaths import MethodLadder, files_equal


def _ladder_copy(src: Path, dst: Path, ladder: MethodLadder, *, sparse: bool = True) -> int:
    sfd = os.open(src, os.O_RDONLY)
    dfd = os.open(dst, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        st = os.fstat(sfd)
        return ladder.copy(
            sfd, dfd, size=st.st_size, blocks=st.st_blocks, src_dev=st.st_dev, dst_dev=st.st_dev, sparse=sparse
        )
    finally:
        os.close(sfd)
        os.close(dfd)


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    p = tmp_path / "src.bin"
    p.write_bytes(os.urandom(3 * 4096 + 17))
    return p


def test_ladder_copy_file_range_returning_zero_falls_back_without_short_file(
    payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The trap: copy_file_range answers 0 on files whose size the kernel does not know.
    monkeypatch.setattr(os, "copy_file_range", lambda *a, **k: 0)
    dst = tmp_path / "dst.bin"
    n = _ladder_copy(payload, dst, MethodLadder(use_reflink=False))
    assert n == payload.stat().st_size
    assert dst.read_bytes() == payload.read_bytes()


def test_ladder_copy_file_range_failing_midway_resumes_at_the_right_offset(
    payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.copy_file_range
    calls = {"n": 0}

    def flaky(src: int, dst: int, count: int, *a: object) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real(src, dst, 4096)
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", flaky)
    dst = tmp_path / "dst.bin"
    _ladder_copy(payload, dst, MethodLadder(use_reflink=False))
    assert dst.read_bytes() == payload.read_bytes()


@pytest.mark.parametrize("disable", ["copy_file_range", "both"], ids=["sendfile", "buffered"])
def test_ladder_fallback_methods_copy_everything(payload: Path, tmp_path: Path, disable: str) -> None:
    ladder = MethodLadder(use_reflink=False, buffer_size=4096)
    ladder.use_copy_file_range = False
    if disable == "both":
        ladder.use_sendfile = False
    dst = tmp_path / "dst.bin"
    _ladder_copy(payload, dst, ladder)
    assert dst.read_bytes() == payload.read_bytes()
    assert ladder.counts == {"sendfile" if disable == "copy_file_range" else "buffered": 1}


def test_ladder_real_io_error_propagates(payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*a: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "copy_file_range", full)
    with pytest.raises(OSError) as info:
        _ladder_copy(payload, tmp_path / "dst.bin", MethodLadder(use_reflink=False))
    assert info.value.errno == errno.ENOSPC


def test_ladder_keeps_holes_of_sparse_file(tmp_path: Path) -> None:
    src = tmp_path / "sparse"
    with open(src, "wb") as fh:
        fh.truncate(64 << 20)
        fh.seek(32 << 20)
        fh.write(b"middle")
    if os.stat(src).st_blocks * 512 >= 64 << 20:
        pytest.skip("this filesystem does not make sparse files")
    dst = tmp_path / "dst"
    n = _ladder_copy(src, dst, MethodLadder(use_reflink=False))
    assert n == 64 << 20
    assert os.stat(dst).st_size == 64 << 20
    assert os.stat(dst).st_blocks <= os.stat(src).st_blocks + 8
    assert files_equal(str(src), str(dst))


def test_ladder_copies_proc_file_whose_size_is_zero(tmp_path: Path) -> None:
    src = Path("/proc/self/status")
    if not src.exists():
        pytest.skip("no procfs")
    dst = tmp_path / "status"
    n = _ladder_copy(src, dst, MethodLadder(use_reflink=False))
    assert n > 0
    assert dst.read_bytes().startswith(b"Name:")


def test_files_equal_detects_one_byte(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x" * 5000)
    b.write_bytes(b"x" * 4999 + b"y")
    assert not fastpaths.files_equal(str(a), str(b), buffer_size=4096)
    b.write_bytes(b"x" * 5000)
    assert fastpaths.files_equal(str(a), str(b), buffer_size=4096)


@pytest.mark.parametrize("method", ["copy_file_range", "sendfile", "buffered"])
def test_large_files_are_preallocated_and_keep_their_exact_size(tmp_path: Path, method: str) -> None:
    # From PREALLOCATE_MIN on, the destination's blocks are reserved first; the size must still
    # come from the bytes copied, whatever method copies them.
    src = tmp_path / "big"
    src.write_bytes(os.urandom(fastpaths.PREALLOCATE_MIN + 12345))
    ladder = MethodLadder(use_reflink=False, buffer_size=1 << 16)
    ladder.use_copy_file_range = method == "copy_file_range"
    ladder.use_sendfile = method == "sendfile"
    dst = tmp_path / "dst"
    assert _ladder_copy(src, dst, ladder) == src.stat().st_size
    assert ladder.counts == {method: 1}
    assert dst.stat().st_size == src.stat().st_size
    assert dst.read_bytes() == src.read_bytes()


def test_a_size_hint_larger_than_the_file_never_grows_the_destination(tmp_path: Path) -> None:
    # The file shrank between the stat and the copy: the reservation for the old size must not
    # show up as size (fallocate keeps the size) and the copy ends at the real end of file.
    src = tmp_path / "shrunk"
    data = os.urandom(fastpaths.PREALLOCATE_MIN // 2)
    src.write_bytes(data)
    dst = tmp_path / "dst"
    sfd = os.open(src, os.O_RDONLY)
    dfd = os.open(dst, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        st = os.fstat(sfd)
        n = MethodLadder(use_reflink=False).copy(
            sfd,
            dfd,
            size=4 * fastpaths.PREALLOCATE_MIN,
            blocks=st.st_blocks,
            src_dev=st.st_dev,
            dst_dev=st.st_dev,
            sparse=False,
        )
    finally:
        os.close(sfd)
        os.close(dfd)
    assert n == len(data)
    assert dst.read_bytes() == data


def _learnt(tmp_path: Path, ladder: MethodLadder) -> None:
    """One whole copy_file_range copy: the ladder now knows the device pair (its direct path)."""
    first = tmp_path / "first.bin"
    first.write_bytes(b"x" * 5000)
    _ladder_copy(first, tmp_path / "first.copy", ladder)


def test_a_learnt_pair_copies_a_small_file_with_one_call(
    payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ladder = MethodLadder(use_reflink=False)
    _learnt(tmp_path, ladder)
    real = os.copy_file_range
    calls: list[int] = []

    def counting(src: int, dst: int, count: int, *a: object) -> int:
        calls.append(count)
        return real(src, dst, count, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "copy_file_range", counting)
    dst = tmp_path / "dst.bin"
    assert _ladder_copy(payload, dst, ladder) == payload.stat().st_size
    assert dst.read_bytes() == payload.read_bytes()
    assert calls == [payload.stat().st_size]


@pytest.mark.parametrize("fault", ["short", "error"])
def test_a_learnt_pair_that_copies_short_or_fails_goes_down_the_ladder(
    payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """The direct call answers less than the file (or fails as unsupported): the ladder copies
    the rest from where it stands, and the copy is whole."""
    ladder = MethodLadder(use_reflink=False)
    _learnt(tmp_path, ladder)
    real = os.copy_file_range
    calls = {"n": 0}

    def faulty(src: int, dst: int, count: int, *a: object) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            if fault == "short":
                return real(src, dst, 100)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(src, dst, count, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "copy_file_range", faulty)
    dst = tmp_path / "dst.bin"
    assert _ladder_copy(payload, dst, ladder) == payload.stat().st_size
    assert dst.read_bytes() == payload.read_bytes()
    assert calls["n"] >= 2


def test_a_learnt_pair_still_keeps_holes(tmp_path: Path) -> None:
    """The direct path is for dense files only: a sparse one still goes the sparse way."""
    ladder = MethodLadder(use_reflink=False)
    _learnt(tmp_path, ladder)
    src = tmp_path / "sparse.bin"
    with open(src, "wb") as fh:
        fh.seek(512 << 10)
        fh.write(b"data")
    if os.stat(src).st_blocks * 512 >= os.stat(src).st_size:
        pytest.fail("the test filesystem does not make sparse files")
    dst = tmp_path / "sparse.copy"
    _ladder_copy(src, dst, ladder)
    assert dst.read_bytes() == src.read_bytes()
    assert os.stat(dst).st_blocks <= os.stat(src).st_blocks
    assert ladder.counts.get("sparse") == 1


def test_a_pair_that_reflinks_never_takes_the_direct_path(payload: Path, tmp_path: Path) -> None:
    ladder = MethodLadder(use_reflink=True)
    ladder._no_reflink.clear()
    _learnt(tmp_path, ladder)
    st = payload.stat()
    learnt = (st.st_dev, st.st_dev) in ladder._direct
    # Learnt only when reflink was refused (ext4, tmpfs) and copy_file_range did the copy.
    assert learnt == ((st.st_dev, st.st_dev) in ladder._no_reflink and ladder.counts.get("copy_file_range") == 1)
