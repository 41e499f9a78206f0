"""The forked prober (``copy/prober.py``) pairs half the directories of a mirror in a second
process: the result must be the same as pairing every directory here, whatever the child does."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from cargobay import copy as cb
from cargobay.copy import prober, split
from cargobay.testing.trees import compare_trees


def _tree(root: Path, dirs: int = 12) -> None:
    for i in range(dirs):
        d = root / f"d{i:02}" / "inner"
        d.mkdir(parents=True)
        for j in range(6):
            (d.parent / f"f{j}").write_bytes(bytes([i, j]) * (j + 1))
            (d / f"g{j}").write_bytes(b"x" * j)
        os.symlink("f0", d.parent / "link")
    os.link(root / "d00" / "f1", root / "d01" / "hard")


def _change(src: Path, dst: Path) -> None:
    """A change of every kind in every directory: new, changed, extra, symlink retargeted, type swap."""
    for d in sorted(src.iterdir()):
        (d / "new").write_bytes(b"new")
        (d / "f2").write_bytes(b"changed, longer")
        (dst / d.name / "inner" / "extra").write_bytes(b"only in the destination")
        (d / "link").unlink()
        os.symlink("f3", d / "link")
        (d / "f4").unlink()
        (d / "f4").mkdir()
        os.chmod(d / "f5", 0o600)


@pytest.fixture(autouse=True)
def idle_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine starts a prober only with a CPU to spare (see ``model.other_runnable``), and
    only from a process with one thread: the command's is, but pytest's may hold threads of
    session-wide test servers (their output readers), so that is given here too."""
    monkeypatch.setattr(split, "other_runnable", lambda: 0.0)
    monkeypatch.setattr(threading, "active_count", lambda: 1)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The directories the child answered for (counted in the parent)."""
    seen: list[str] = []
    real = prober.Prober.result

    def counting(self: prober.Prober, rel: str) -> object:
        got = real(self, rel)
        if got is not None:
            seen.append(rel)
        return got

    monkeypatch.setattr(prober.Prober, "result", counting)
    return seen


def test_mirror_with_the_prober_is_exact(tmp_path: Path, answers: list[str]) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    _tree(src)
    assert cb.copytree(src, dst).ok
    assert not answers  # a fresh copy has nothing to pair
    nochange = cb.mirror(src, dst)
    assert nochange.ok and nochange.files == 0 and nochange.skipped >= 12 * 12
    assert answers, "the child answered for no directory: the prober did not run"
    _change(src, dst)
    answers.clear()
    report = cb.mirror(src, dst)
    assert report.ok, report.errors
    assert answers
    assert not compare_trees(str(src), str(dst))
    again = cb.mirror(src, dst)
    assert (again.files, again.deleted, again.attrs_updated) == (0, 0, 0)


def test_a_failing_child_changes_nothing_but_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers: list[str]
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    _tree(src)
    assert cb.copytree(src, dst).ok
    _change(src, dst)

    def dies(*args: object) -> None:
        raise OSError("the child cannot walk")

    monkeypatch.setattr(prober, "_child", dies)
    report = cb.mirror(src, dst)
    assert report.ok, report.errors
    assert not answers
    assert not compare_trees(str(src), str(dst))


def test_no_prober_in_a_threaded_process_or_a_fresh_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    _tree(src)
    started: list[object] = []
    real = prober.Prober.start

    def recording(*args: object) -> prober.Prober | None:
        got = real(*args)  # type: ignore[arg-type]
        started.append(got)
        return got

    monkeypatch.setattr(prober.Prober, "start", staticmethod(recording))
    assert cb.copytree(src, tmp_path / "dst").ok
    assert started == []  # fresh root: never asked
    busy = float(len(os.sched_getaffinity(0)) - 1)
    monkeypatch.setattr(split, "other_runnable", lambda: busy)
    assert cb.mirror(src, tmp_path / "dst").ok
    assert started == []  # no CPU free beside ours: a second process would only add work
    monkeypatch.setattr(split, "other_runnable", lambda: 0.0)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert cb.mirror(src, tmp_path / "dst").ok
    assert started == [None]  # asked, and declined: other threads could hold a lock across fork
