"""A fresh copy split with a forked second process (``copy/split.py``): the same tree, the same
report, hard-link groups across both halves linked, and a child that fails or is interrupted
changes nothing but the speed."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cargobay import copy as cb
from cargobay.copy import fresh
from cargobay.copy.split import Claims, Split
from cargobay.errors import Interrupted
from cargobay.select import build_selection
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
    "": DirSpec(mode=0o755, mtime_ns=1_400_000_000_000_000_000),
    **{f"d{i}": DirSpec(mode=0o750, mtime_ns=1_000_000_000 + i) for i in range(6)},
    **{f"d{i}/f{k}": FileSpec(b"%d-%d" % (i, k), mode=0o640) for i in range(6) for k in range(20)},
    "d0/sub/deep": FileSpec(b"deep"),
    "d1/empty": DirSpec(),
    "d1/link": SymlinkSpec("f1"),
    "d2/hl-of-d1": HardLinkSpec("d1/f0"),  # a link group across the two processes' halves
    "d3/hl-of-d3": HardLinkSpec("d3/f0"),  # and one inside the child's half
    "d4/hl-of-d5": HardLinkSpec("d5/f0"),
    "top-file": FileSpec(b"at the root"),
}
FILES = sum(isinstance(s, FileSpec) for s in MODEL.values())
HARDLINKS = sum(isinstance(s, HardLinkSpec) for s in MODEL.values())


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    write_tree(MODEL, str(root))
    return root


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Split every fresh copy, whatever the load; records the child's pid (proof it forked)."""
    pids: list[int] = []
    real_start = Split.start

    def subdirs(src_root: str) -> list[str]:
        return sorted(p for p in os.listdir(src_root) if os.path.isdir(os.path.join(src_root, p)))

    def start(run: Any) -> Split | None:
        started = real_start(run)
        assert started is not None
        pids.append(started.pid)
        return started

    monkeypatch.setattr(fresh, "subdirs_for_a_second_process", subdirs)
    # A command's process has one thread when it forks; pytest's may hold threads of session-wide
    # test servers (their output readers), which made the fork decline in some test orders.
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(Split, "start", staticmethod(start))
    return pids


@pytest.mark.parametrize("workers", [1, 2])
def test_a_split_copy_is_exact_and_reports_like_one_process(
    src: Path, tmp_path: Path, split: list[int], workers: int
) -> None:
    report = cb.copytree(src, tmp_path / "dst", workers=workers)
    assert len(split) == 1
    assert report.ok, report.errors
    assert not compare_trees(str(src), str(tmp_path / "dst"))  # hard links, modes, times, the root's too
    assert (report.files, report.hardlinks, report.symlinks) == (FILES, HARDLINKS, 1)
    assert report.dirs == 1 + 6 + 2  # the root, d0-d5, d0/sub, d1/empty
    assert report.bytes == sum(len(s.data) for s in MODEL.values() if isinstance(s, FileSpec))


def test_a_selection_that_excludes_a_subdirectory_keeps_it_out_of_both_processes(
    src: Path, tmp_path: Path, split: list[int]
) -> None:
    """The second process used to make every root subdirectory it was given, excluded or not: an
    excluded one appeared in the destination as an empty directory (one process never made it)."""
    select = build_selection(exclude=["d1", "/d2", "d4/"], ignore_file_name=None)
    report = cb.copytree(src, tmp_path / "dst", select=select)
    assert len(split) == 1
    assert report.ok, report.errors
    assert sorted(os.listdir(tmp_path / "dst")) == ["d0", "d3", "d5", "top-file"]


def in_the_child(
    on_source: Callable[[Path, str, object], None], src: Path, tmp_path: Path, name: str, act: Callable[[str], None]
) -> Path:
    """Run ``act(rel)`` in the child as it is about to copy ``d<i>/<name>``, for every i; return
    the log of those ``rel``. The processes claim subdirectories as they go, so which ones the
    child copies is not fixed: the engine waits at the root's file (copied before it claims any
    subdirectory) until the child has acted once, so the child surely claims one."""
    parent = os.getpid()
    log = tmp_path / "child-acted"

    def wait_for_the_child() -> None:
        deadline = time.monotonic() + 30
        while os.getpid() == parent and not log.exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    def acting(rel: str) -> Callable[[], None]:
        def action() -> None:
            if os.getpid() != parent:
                with open(log, "a") as fh:
                    fh.write(rel + "\n")
                act(rel)

        return action

    on_source(src, "top-file", wait_for_the_child)
    for i in range(6):
        on_source(src, f"d{i}/{name}", acting(f"d{i}/{name}"))
    return log


def test_a_failure_in_the_child_is_reported(
    src: Path, tmp_path: Path, split: list[int], on_source: Callable[[Path, str, object], None]
) -> None:
    def failing(rel: str) -> None:
        raise PermissionError(13, "Permission denied")

    log = in_the_child(on_source, src, tmp_path, "f3", failing)
    report = cb.copytree(src, tmp_path / "dst")
    failed = log.read_text().split()
    assert failed
    assert [(e.rel, e.operation, e.message) for e in report.errors] == [
        (rel, "copy", "Permission denied") for rel in failed
    ]
    assert report.files == FILES - len(failed)
    for i in range(6):
        assert (tmp_path / "dst" / f"d{i}" / "f3").exists() == (f"d{i}/f3" not in failed)
        assert (tmp_path / "dst" / f"d{i}" / "f4").exists()


def test_a_child_that_dies_changes_nothing_but_the_speed(
    src: Path, tmp_path: Path, split: list[int], on_source: Callable[[Path, str, object], None]
) -> None:
    log = in_the_child(on_source, src, tmp_path, "f5", lambda rel: os._exit(9))  # half way through a subdirectory
    report = cb.copytree(src, tmp_path / "dst")
    assert len(log.read_text().split()) == 1
    assert report.ok, report.errors
    assert not compare_trees(str(src), str(tmp_path / "dst"))
    assert report.hardlinks == HARDLINKS
    assert report.files == FILES


def test_ctrl_c_in_the_child_interrupts_the_run_and_a_rerun_finishes(
    src: Path,
    tmp_path: Path,
    split: list[int],
    monkeypatch: pytest.MonkeyPatch,
    on_source: Callable[[Path, str, object], None],
) -> None:
    def interrupted(rel: str) -> None:
        raise KeyboardInterrupt

    log = in_the_child(on_source, src, tmp_path, "f5", interrupted)
    dst = tmp_path / "dst"
    with pytest.raises(Interrupted) as caught:
        cb.copytree(src, dst)
    assert len(log.read_text().split()) == 1
    assert caught.value.report.interrupted
    assert temp_files(str(dst)) == [] and sorted(os.listdir(tmp_path)) == ["child-acted", "dst", "src"]
    for path in dst.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert path.read_bytes() == (src / path.relative_to(dst)).read_bytes()
    monkeypatch.undo()
    assert cb.copytree(src, dst, dirs_exist_ok=True).ok
    assert not compare_trees(str(src), str(dst))


_CTRL_C_AT_FORK = """
import os, signal, sys
from cargobay import copy as cb
from cargobay.copy import split

real_fork = os.fork
def fork():
    pid = real_fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C reaches the child as soon as it exists
    return pid
split.os.fork = fork
split.other_runnable = lambda: 0.0
report = cb.copytree(sys.argv[1], sys.argv[2])
print("finished", os.getpid(), report.ok, report.files, flush=True)
"""


def test_ctrl_c_as_the_child_is_forked_never_lets_it_run_the_parents_code(src: Path, tmp_path: Path) -> None:
    """A SIGINT delivered to the child before it is inside its own error handling made it raise
    KeyboardInterrupt out of ``fork()`` and carry on as a second copy of the caller (under
    pytest-xdist: a second worker, "node down"). The child must always end in ``os._exit``; the
    engine then does the child's part itself."""
    dst = tmp_path / "dst"
    proc = subprocess.run(
        [sys.executable, "-c", _CTRL_C_AT_FORK, str(src), str(dst)], capture_output=True, text=True, timeout=120
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("finished "), (proc.stdout, proc.stderr[-2000:])
    assert lines[0].split()[2:] == ["True", str(FILES)], lines
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert not compare_trees(str(src), str(dst))


# Run in a fresh interpreter: a split forks only when the process has one thread, and a thread
# another test left behind in this pytest worker would make it refuse.
_CLAIMS_PROBE = """
import json, sys
from cargobay.copy.split import Claims, Split

names = [f"n{i}" for i in range(int(sys.argv[1]))]
claims = Claims.open(names)
assert claims is not None

def take_all():
    taken = []
    while got := claims.take():
        taken.extend(got)
    return taken

split = Split.start(take_all)
assert split is not None, "a process with one thread did not split"
mine = take_all()
theirs = split.collect()
claims.close()
print(json.dumps({"mine": mine, "theirs": theirs, "after": claims.take()}))
"""


@pytest.mark.parametrize("count", [2, 101, 300_000])  # 300,000 indices outgrow a 1 MiB pipe: runs of 2
def test_claims_give_every_name_to_exactly_one_process(count: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CLAIMS_PROBE, str(count)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert isinstance(seen["theirs"], list)
    assert sorted(seen["mine"] + seen["theirs"]) == sorted(f"n{i}" for i in range(count))  # each once, none lost
    assert seen["after"] == []


def test_claims_where_the_pipe_size_cannot_be_asked_take_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without F_GETPIPE_SZ (macOS) a pipe is assumed to hold 4 KiB: 3,000 names go in runs of 3."""
    monkeypatch.delattr(fcntl, "F_GETPIPE_SZ")
    names = [f"n{i}" for i in range(3000)]
    claims = Claims.open(names)
    assert claims is not None
    runs = []
    while got := claims.take():
        runs.append(got)
    claims.close()
    assert [name for run in runs for name in run] == names
    assert {len(run) for run in runs} == {3}
