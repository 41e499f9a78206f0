"""``cargobay bench copy``: cargobay's tree copy against ``cp -a``, ``rsync -a`` and ``shutil.copytree``.

Builds the reference trees of issue 5 in a temp directory (fixed seed), then times every tool on
the same source, interleaved (A B C D A B C D ...), and prints medians and ratios against each peer.
Every tool runs as a child process (cargobay and shutil through ``python -c``, so the interpreter
start-up is counted as a user of the command would pay it); its peak RSS comes from ``wait4``,
the kernel's own record, which no sampling can miss. The source stays in the page cache (it was
just written and read), and ``sync`` runs before every timed copy so one run's write-back does not
slow the next.

Two conditions, reported separately because ext4 makes them differ tenfold for small files:
``fresh`` (no deletion before the run; copies are kept until the round ends) and ``after-delete``
(the previous copy is removed right before each run). Fresh rounds of all trees run before any
deletion. Large trees are measured only after delete (keeping 20 copies of them would fill the disk).

Python tools run with compiled bytecode, as an installed package does: ``PYTHONDONTWRITEBYTECODE``
is lifted for the children and ``PYTHONPYCACHEPREFIX`` points into the work directory (nothing is
written into the source tree), and one untimed import fills that cache before the first timed run.
Without it every cargobay start compiles the package's sources again (about 10 ms here).

The mixed tree's copies are checked for an exact result with ``cargobay.testing.trees`` (imported
lazily, only here).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from cargobay.bench._output import (
    Speedup,
    add_check_argument,
    add_output_arguments,
    check_output_options,
    finish_targets,
    profile_call,
    speed_words,
    write_plot,
)

MiB = 1 << 20
NOCHANGE = "no-change mirror of the small tree"
# Issue 5's targets as speed-ups over a peer (peer time / cargobay time), in the issue's condition
# (after a delete, as its reference table): "within 1.1x of cp -a" is 1/1.1, "0.5x the time" is 2.
LARGE = (("cp -a", 1 / 1.1),)
SMALL = (("cp -a", 2.0), ("rsync -a", 1.0))
MIXED = (("cp -a", 1.0),)

TOOLS = ("cargobay", "cp -a", "rsync -a", "shutil.copytree")


@dataclass(frozen=True)
class Tree:
    name: str
    build: Callable[[str, random.Random], None]
    fresh: bool  # measure the fresh-space condition too
    check_exact: bool = False
    targets: tuple[tuple[str, float], ...] = ()  # (peer, speed-up the issue asks for) after delete


@dataclass
class Result:
    tree: str
    condition: str
    tool: str
    seconds: list[float] = field(default_factory=list)
    peak_rss_mib: list[float] = field(default_factory=list)
    exact: bool | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _write(path: str, size: int, rnd: random.Random, chunk: bytes) -> None:
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            n = min(left, len(chunk))
            off = rnd.randrange(0, len(chunk) - n + 1)
            fh.write(chunk[off : off + n])
            left -= n


def _chunk(rnd: random.Random) -> bytes:
    return rnd.randbytes(16 * MiB)


def _files(count: int, size: int, dirs: int) -> Callable[[str, random.Random], None]:
    def build(root: str, rnd: random.Random) -> None:
        chunk = _chunk(rnd)
        per_dir = max(1, count // max(1, dirs))
        for i in range(count):
            d = os.path.join(root, f"d{i // per_dir:04}") if dirs > 1 else root
            os.makedirs(d, exist_ok=True)
            _write(os.path.join(d, f"f{i:06}.bin"), size, rnd, chunk)

    return build


def _mixed(count: int) -> Callable[[str, random.Random], None]:
    """Log-uniform sizes 0-8 MiB in a 3-level tree, with symlinks, hard links and empty dirs."""

    def build(root: str, rnd: random.Random) -> None:
        chunk = _chunk(rnd)
        dirs = [os.path.join(root, f"a{i:02}", f"b{j:02}") for i in range(20) for j in range(10)]
        for d in dirs:
            os.makedirs(d)
        files: list[str] = []
        for i in range(count):
            size = 0 if rnd.random() < 0.05 else int(math.exp(rnd.uniform(0, math.log(8 * MiB))))
            path = os.path.join(rnd.choice(dirs), f"file-{i:05}.dat")
            _write(path, size, rnd, chunk)
            files.append(path)
        for i in range(max(1, count // 100)):
            d = rnd.choice(dirs)
            os.symlink(os.path.relpath(rnd.choice(files), d), os.path.join(d, f"link-{i}"))
            os.symlink("../../a00", os.path.join(d, f"dirlink-{i}"))
            os.symlink("missing-target", os.path.join(d, f"dangling-{i}"))
            os.link(rnd.choice(files), os.path.join(rnd.choice(dirs), f"hard-{i}"))
            os.makedirs(os.path.join(d, f"empty-{i}"), exist_ok=True)

    return build


def build_files_tree(root: str, *, count: int, size: int, dirs: int, seed: int) -> None:
    """``count`` files of ``size`` random bytes spread over ``dirs`` directories (fixed seed)."""
    os.makedirs(root, exist_ok=True)
    _files(count, size, dirs)(root, random.Random(seed))


def build_mixed_tree(root: str, *, count: int, seed: int) -> None:
    """The mixed tree: log-uniform sizes 0-8 MiB, symlinks, hard links, empty dirs (fixed seed)."""
    os.makedirs(root, exist_ok=True)
    _mixed(count)(root, random.Random(seed))


def _trees(quick: bool) -> list[Tree]:
    if quick:
        return [
            Tree("1 file of 64 MiB", _files(1, 64 * MiB, 1), fresh=False, targets=LARGE),
            Tree("20 files of 4 MiB", _files(20, 4 * MiB, 1), fresh=False, targets=LARGE),
            Tree("2,000 files of 4 KiB in 20 dirs", _files(2000, 4096, 20), fresh=True, targets=SMALL),
            Tree(
                "500 files log-sized 0-8 MiB, links, empty dirs",
                _mixed(500),
                fresh=False,
                check_exact=True,
                targets=MIXED,
            ),
        ]
    return [
        Tree("1 file of 1 GiB", _files(1, 1024 * MiB, 1), fresh=False, targets=LARGE),
        Tree("100 files of 10 MiB", _files(100, 10 * MiB, 1), fresh=False, targets=LARGE),
        Tree("10,000 files of 4 KiB in 100 dirs", _files(10_000, 4096, 100), fresh=True, targets=SMALL),
        Tree(
            "20,000 files log-sized 0-8 MiB, links, empty dirs",
            _mixed(20_000),
            fresh=False,
            check_exact=True,
            targets=MIXED,
        ),
    ]


def _command(tool: str, src: str, dst: str, workers: int | None, mirror: bool) -> list[str]:
    py = sys.executable
    if tool == "cargobay":
        w = "None" if workers is None else str(workers)
        fn = "mirror" if mirror else "copytree"
        code = (
            "import sys; from cargobay.copy import " + fn + " as f; "
            f"r = f(sys.argv[1], sys.argv[2], workers={w}); sys.exit(0 if r.ok else 1)"
        )
        return [py, "-c", code, src, dst]
    if tool == "cp -a":
        return ["cp", "-a", src, dst]
    if tool == "rsync -a":
        return ["rsync", "-a", *(["--delete"] if mirror else []), src + "/", dst + "/"]
    if tool == "shutil.copytree":
        code = "import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2])"
        return [py, "-c", code, src, dst]
    raise ValueError(tool)


def _timed(cmd: list[str], *, allow_failure: bool = False) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS MiB of the command, or NaN if unknown).

    The peak comes from GNU ``time`` (``/usr/bin/time -f %M``), which forks from a small process:
    a child forked from this (large) benchmark process would carry our RSS into its own
    ``ru_maxrss`` until it execs, so ``wait4`` on it over-reports.
    """
    gnu_time = "/usr/bin/time"
    use_time = os.access(gnu_time, os.X_OK)
    with tempfile.NamedTemporaryFile(prefix="cargobay-bench-rss-") as out:
        full = [gnu_time, "-q", "-f", "%M", "-o", out.name, *cmd] if use_time else cmd
        os.sync()
        t0 = time.perf_counter()
        proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0 and not allow_failure:
            err = proc.stderr.decode(errors="replace").strip()[:300]
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err}")
        rss = float("nan")
        if use_time:
            with open(out.name, encoding="ascii") as fh:
                text = fh.read().split()
            rss = int(text[-1]) / 1024 if text else rss
    return elapsed, rss


def _warm(path: str) -> None:
    """Read every file once so the source is in the page cache, as the issue's figures assume."""
    for dirpath, _dirs, names in os.walk(path):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    while fh.read(8 * MiB):
                        pass


def _measure(
    tree: Tree,
    src: str,
    work: str,
    condition: str,
    runs: int,
    workers: int | None,
    tools: tuple[str, ...],
    log: Callable[[str], None],
) -> list[Result]:
    results = {t: Result(tree.name, condition, t) for t in tools}
    kept: list[str] = []
    for run in range(runs):
        # The order rotates each round: after a delete, each tool's run follows another's
        # delete, and none always goes first.
        for tool in tools[run % len(tools) :] + tools[: run % len(tools)]:
            dst = os.path.join(work, f"copy-{condition}-{tools.index(tool)}-{run}")
            if condition == "after-delete":
                prev = os.path.join(work, "copy-after-delete")
                if os.path.exists(prev):
                    shutil.rmtree(prev)
                dst = prev
            # shutil.copytree follows symlinks and raises at the end on dangling ones: it still
            # produced a (wrong) tree, which the exactness check below reports.
            seconds, rss = _timed(_command(tool, src, dst, workers, mirror=False), allow_failure=tree.check_exact)
            results[tool].seconds.append(seconds)
            results[tool].peak_rss_mib.append(rss)
            if tree.check_exact and run == 0:
                from cargobay.testing.trees import compare_trees  # lazy: only the bench verifies

                results[tool].exact = not compare_trees(src, dst, ownership=False)
            kept.append(dst)
        log(f"  {tree.name} [{condition}] run {run + 1}/{runs}")
    for d in kept:
        shutil.rmtree(d, ignore_errors=True)
    return list(results.values())


def _measure_nochange_mirror(
    src: str, work: str, runs: int, workers: int | None, log: Callable[[str], None]
) -> list[Result]:
    dst = os.path.join(work, "mirror-dst")
    subprocess.run(["cp", "-a", src, dst], check=True)
    results = {t: Result(NOCHANGE, "fresh", t) for t in ("cargobay", "rsync -a")}
    order = tuple(results)
    for run in range(runs):
        for tool in order[run % 2 :] + order[: run % 2]:  # rotated, as in _measure
            seconds, rss = _timed(_command(tool, src, dst, workers, mirror=True))
            results[tool].seconds.append(seconds)
            results[tool].peak_rss_mib.append(rss)
    log("  no-change mirror done")
    shutil.rmtree(dst)
    return list(results.values())


@contextlib.contextmanager
def _bytecode_cache(work: str) -> Iterator[None]:
    """Children compile once into ``work``/pycache and reuse it (restored on exit)."""
    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
    try:
        subprocess.run([sys.executable, "-c", "import cargobay.copy, shutil"], check=True)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="small trees (seconds, not minutes)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per tool (default 5)")
    parser.add_argument("--workers", type=int, default=None, help="cargobay workers (default: its own)")
    parser.add_argument("--tree", action="append", type=int, default=None, help="only tree number N (1-4, repeatable)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS))
    parser.add_argument("--dir", default=None, help="work directory (default: a temp dir)")
    add_output_arguments(parser)
    add_check_argument(parser)


def run(args: argparse.Namespace) -> int:
    if shutil.which("rsync") is None and "rsync -a" in args.tools:
        print("rsync not found: install it or pass --tools without it", file=sys.stderr)
        return 2
    check_output_options(args, name="copy")
    tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
    log: Callable[[str], None] = (lambda m: print(m, file=sys.stderr)) if args.json else print
    trees = _trees(args.quick)
    chosen = [t for i, t in enumerate(trees, 1) if not args.tree or i in args.tree]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cargobay-bench-copy-", dir=args.dir) as work, _bytecode_cache(work):
        sources: dict[str, str] = {}
        for i, tree in enumerate(chosen):
            src = os.path.join(work, f"src{i}")
            os.makedirs(src)
            log(f"building {tree.name} ...")
            tree.build(src, random.Random(5 + i))
            _warm(src)
            sources[tree.name] = src
        # Fresh-space rounds first: no deletion may precede them.
        for tree in chosen:
            if tree.fresh:
                results += _measure(tree, sources[tree.name], work, "fresh", args.runs, args.workers, tools, log)
                if "rsync -a" in tools:
                    results += _measure_nochange_mirror(sources[tree.name], work, args.runs, args.workers, log)
        for tree in chosen:
            results += _measure(tree, sources[tree.name], work, "after-delete", args.runs, args.workers, tools, log)
        if args.profile is not None:
            profile_call(args.profile, args.profile_output, lambda: _copy_each(chosen, sources, work))
            log(f"{args.profile} profile of cargobay's copies (one worker) written to {args.profile_output}")
    if args.plot is not None:
        write_plot(args.plot, "cargobay copy: speed-up over each peer", speedups(results, chosen))
        log(f"plot written to {args.plot}")
    if args.json:
        print(json.dumps([asdict(r) | {"median": r.median} for r in results], indent=2))
    else:
        _print_table(results)
    missed = [b.describe() for b in speedups(results, chosen) if b.missed]
    return finish_targets(missed, args.check, log if args.json else print)


def _copy_each(chosen: list[Tree], sources: dict[str, str], work: str) -> None:
    """The profiled run: each chosen tree copied once in this thread (``workers=1``: profilers see
    only the calling thread), then removed."""
    from cargobay.copy import copytree

    for i, tree in enumerate(chosen):
        dst = os.path.join(work, f"profiled-{i}")
        copytree(sources[tree.name], dst, workers=1)
        shutil.rmtree(dst)


def speedups(results: list[Result], chosen: list[Tree]) -> list[Speedup]:
    """One bar per (tree, condition, peer); targets only where the issue sets them (after delete,
    and the no-change mirror against rsync)."""
    targets = {t.name: dict(t.targets) for t in chosen}
    targets[NOCHANGE] = {"rsync -a": 1.0}
    bars: list[Speedup] = []
    for r in results:
        if r.tool == "cargobay":
            continue
        ours = next(o for o in results if o.tool == "cargobay" and (o.tree, o.condition) == (r.tree, r.condition))
        applies = r.condition == "after-delete" or r.tree == NOCHANGE
        target = targets.get(r.tree, {}).get(r.tool) if applies else None
        bars.append(Speedup(f"{r.tree} [{r.condition}]", r.tool, r.median / ours.median, target))
    return bars


def _print_table(results: list[Result]) -> None:
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.tree, r.condition), []).append(r)
    for (tree, condition), rs in groups.items():
        print(f"\n{tree} [{condition}]")
        ours = next((r for r in rs if r.tool == "cargobay"), None)
        for r in rs:
            words = f"cargobay {speed_words(r.median / ours.median)} than this" if ours and r is not ours else ""
            exact = "" if r.exact is None else ("  exact" if r.exact else "  NOT EXACT")
            print(
                f"  {r.tool:16} median {r.median:8.3f} s  peak RSS {max(r.peak_rss_mib):6.1f} MiB"
                f"  {words:<34}{exact}"
            )
