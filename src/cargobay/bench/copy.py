"""``cargobay bench copy``: the ``cargobay copy`` command against ``cp -a``, ``rsync -a`` and ``shutil.copytree``.

What is timed is what users run (issue 18): every tool is a whole child process, interpreter
start-up included, typed as a user types it:

* ``cargobay copy SRC DST`` and ``cargobay copy --mirror SRC DST`` (the installed console
  script; its summary line goes to /dev/null like every tool's output);
* ``cp -a SRC DST`` and ``rsync -a SRC/ DST/`` (no ``--delete``: a plain re-run is how a user
  brings a copy up to date with rsync; the trailing slashes make rsync fill DST as cp does);
* ``shutil.copytree`` through ``python -c`` (informational).

The in-process API (``cargobay.copy.copytree``/``mirror`` called inside this process: no start-up,
imports already done) is kept as separate rows labelled ``(in-process)``, never mixed into a ratio.

Conditions, each named in the report and set up the same way for every tool, the tool order
rotated each round:

* ``fresh space``: where root may loop-mount (:mod:`cargobay.bench._freshfs`), every timed run
  of every tool gets a new ext4 filesystem holding a copy of the source (made untimed): no tool
  ever follows a deletion or another tool's copy. Elsewhere (or with ``--no-fresh-fs``) no
  deletion before the run: the fresh rounds run first and wait until ``--settle`` seconds
  (default 40) have passed since this benchmark started or last deleted anything (ext4 keeps
  skipping recently freed inodes for about 30 s), their copies kept until the fresh rounds end;
  deletions by other processes on the machine cannot be seen then. The report names which.
* ``after a delete``: the previous copy is removed right before each run.
* ``no-change mirror``: the destination is an exact copy made once; each tool re-runs on it.
* cache: ``warm`` by default (the source was just written and read); ``--cold`` drops the page
  cache (``sync; echo 3 > /proc/sys/vm/drop_caches``, root only) before every timed run of every
  tool and names the condition ``cold cache``.

Every run's user+system CPU seconds (the command and every process it started) are reported next
to its wall seconds: they are less sensitive to other load on the machine.

After every timed run the result is compared with the source (:func:`cargobay.testing.trees.
compare_trees`: bytes, kinds, modes, ownership, ns mtimes, xattrs, hard-link groups, symlink
targets); a tool whose copy differs is reported ``NOT exact`` with the count of such runs, and its
ratio is printed all the same (never silently dropped). ``sync`` runs before every timed run so
one run's write-back does not slow the next. Python children run with compiled bytecode, as an
installed package does (see :mod:`cargobay.bench._wholeproc`).
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from cargobay.bench import _freshfs
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
from cargobay.bench._wholeproc import bytecode_cache, cargobay_command, load_average, measure, rotated

MiB = 1 << 20
NOCHANGE = "no-change mirror of the small tree"
FRESH, AFTER_DELETE, MIRROR = "fresh space", "after a delete", "no-change mirror"
# Targets as speed-ups over a peer (peer time / cargobay time), in the condition each applies to.
# Issue 18: fresh-space small files at or under cp -a; no-change mirror at or under rsync -a.
# Issue 5 (after a delete): within 1.1x of cp -a for large files, half cp -a's time for small ones.
LARGE = ((AFTER_DELETE, "cp -a", 1 / 1.1),)
SMALL = (
    (FRESH, "cp -a", 1.0),
    (AFTER_DELETE, "cp -a", 2.0),
    (AFTER_DELETE, "rsync -a", 1.0),
    (MIRROR, "rsync -a", 1.0),
)
MIXED = ((AFTER_DELETE, "cp -a", 1.0), (MIRROR, "rsync -a", 1.0))

TOOLS = ("cargobay", "cp -a", "rsync -a", "shutil.copytree")
MIRROR_TOOLS = ("cargobay", "rsync -a")
IN_PROCESS = "cargobay (in-process)"
DEPARTURES = (
    "cargobay: `cargobay copy SRC DST` / `cargobay copy --mirror SRC DST`, defaults, stdout to /dev/null",
    "cp -a: `cp -a SRC DST`, default",
    "rsync -a: `rsync -a SRC/ DST/`, default (no --delete, -H or -X: rsync -a keeps neither hard links nor xattrs)",
    "shutil.copytree: `python -c 'shutil.copytree(SRC, DST)'` (follows symlinks; informational)",
    f"{IN_PROCESS}: the API called inside the benchmark process (no start-up): separate rows, no ratio",
    "every command runs under /usr/bin/time -f %M (for its peak RSS), the same for every tool",
)


@dataclass(frozen=True)
class Tree:
    name: str
    build: Callable[[str, random.Random], None]
    conditions: tuple[str, ...]  # which of FRESH, AFTER_DELETE, MIRROR are measured
    targets: tuple[tuple[str, str, float], ...] = ()  # (condition, peer, speed-up the issues ask for)


@dataclass
class Result:
    tree: str
    condition: str
    tool: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of each run
    peak_rss_mib: list[float] = field(default_factory=list)
    inexact_runs: int = 0
    first_difference: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else math.nan

    @property
    def exact(self) -> bool:
        return self.inexact_runs == 0


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


def _mixed(count: int, *, sparse: bool = False) -> Callable[[str, random.Random], None]:
    """Log-uniform sizes 0-8 MiB in a 3-level tree, with symlinks, hard links and empty dirs.

    ``sparse``: every file is a hole of its size (same names, sizes, links and times, ~no disk):
    for a no-change mirror, where only metadata is read, the full tree's 9 GiB twice over may not
    fit the disk (``--sparse-mixed``; a departure the report prints)."""

    def build(root: str, rnd: random.Random) -> None:
        chunk = _chunk(rnd)
        dirs = [os.path.join(root, f"a{i:02}", f"b{j:02}") for i in range(20) for j in range(10)]
        for d in dirs:
            os.makedirs(d)
        files: list[str] = []
        for i in range(count):
            size = 0 if rnd.random() < 0.05 else int(math.exp(rnd.uniform(0, math.log(8 * MiB))))
            path = os.path.join(rnd.choice(dirs), f"file-{i:05}.dat")
            if sparse:
                with open(path, "wb") as fh:
                    fh.truncate(size)
            else:
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


def _trees(quick: bool, sparse_mixed: bool = False) -> list[Tree]:
    every = (FRESH, AFTER_DELETE, MIRROR)
    if quick:
        return [
            Tree("1 file of 64 MiB", _files(1, 64 * MiB, 1), (AFTER_DELETE,), LARGE),
            Tree("20 files of 4 MiB", _files(20, 4 * MiB, 1), (AFTER_DELETE,), LARGE),
            Tree("2,000 files of 4 KiB in 20 dirs", _files(2000, 4096, 20), every, SMALL),
            Tree("500 files log-sized 0-8 MiB, links, empty dirs", _mixed(500), (AFTER_DELETE, MIRROR), MIXED),
        ]
    return [
        Tree("1 file of 1 GiB", _files(1, 1024 * MiB, 1), (AFTER_DELETE,), LARGE),
        Tree("100 files of 10 MiB", _files(100, 10 * MiB, 1), (AFTER_DELETE,), LARGE),
        Tree("10,000 files of 4 KiB in 100 dirs", _files(10_000, 4096, 100), every, SMALL),
        Tree(
            "20,000 files log-sized 0-8 MiB, links, empty dirs" + (" (sparse)" if sparse_mixed else ""),
            _mixed(20_000, sparse=sparse_mixed),
            (MIRROR,) if sparse_mixed else (AFTER_DELETE, MIRROR),
            MIXED,
        ),
    ]


def _command(tool: str, src: str, dst: str, *, mirror: bool) -> list[str]:
    if tool == "cargobay":
        return [*cargobay_command(), "copy", *(["--mirror"] if mirror else []), src, dst]
    if tool == "cp -a":
        return ["cp", "-a", src, dst]
    if tool == "rsync -a":
        return ["rsync", "-a", src + "/", dst + "/"]
    if tool == "shutil.copytree":
        return [sys.executable, "-c", "import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2])", src, dst]
    raise ValueError(tool)


def _warm(path: str) -> None:
    """Read every file once so the source is in the page cache (the ``warm`` condition)."""
    for dirpath, _dirs, names in os.walk(path):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    while fh.read(8 * MiB):
                        pass


class _Bench:
    """One benchmark run: the work directory, the clock of the last deletion, the options."""

    def __init__(self, work: str, args: argparse.Namespace, env: dict[str, str], log: Callable[[str], None]):
        self.work, self.args, self.env, self.log = work, args, env, log
        self.fresh_fs = not args.no_fresh_fs and _freshfs.available()
        # Deletions just before the run (a previous benchmark's clean-up) count too: the start
        # of the run is taken as the last deletion.
        self.last_delete = time.monotonic()

    def delete(self, path: str) -> None:
        if os.path.lexists(path):
            shutil.rmtree(path)
            self.last_delete = time.monotonic()

    def settle(self) -> None:
        """Fresh space: wait until --settle seconds have passed since our last deletion."""
        left = self.args.settle - (time.monotonic() - self.last_delete)
        if left > 0:
            self.log(f"  waiting {left:.0f} s since the last deletion (fresh space)")
            time.sleep(left)

    def _prepare(self) -> None:
        os.sync()
        if self.args.cold:
            with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as fh:
                fh.write("3\n")

    def run_tool(self, tool: str, src: str, dst: str, res: Result, *, mirror: bool) -> None:
        self._prepare()
        if tool == IN_PROCESS:
            from cargobay.copy import copytree
            from cargobay.copy import mirror as mirror_api

            t0, c0 = time.perf_counter(), _cpu_so_far()
            report = mirror_api(src, dst) if mirror else copytree(src, dst)
            res.seconds.append(time.perf_counter() - t0)
            res.cpu.append(_cpu_so_far() - c0)
            if not report.ok:
                raise RuntimeError(f"cargobay (in-process) failed: {report.errors[:3]}")
        else:
            # shutil.copytree follows symlinks and raises at the end on dangling ones: it still
            # produced a (wrong) tree, which the check below reports.
            run = measure(
                _command(tool, src, dst, mirror=mirror), env=self.env, allow_failure=tool == "shutil.copytree"
            )
            res.seconds.append(run.seconds)
            res.cpu.append(run.cpu)
            res.peak_rss_mib.append(run.rss_mib)
        self.verify(src, dst, res)

    def verify(self, src: str, dst: str, res: Result) -> None:
        from cargobay.testing.trees import compare_trees  # lazy: only the bench verifies

        diff = compare_trees(src, dst)
        if diff:
            res.inexact_runs += 1
            res.first_difference = res.first_difference or str(diff).splitlines()[0][:200]


def _cpu_so_far() -> float:
    """CPU seconds of this process and its reaped children (the in-process rows' prober)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _tools_for(condition: str, tools: tuple[str, ...], in_process: bool) -> tuple[str, ...]:
    chosen = tuple(t for t in tools if condition != MIRROR or t in MIRROR_TOOLS)
    return chosen + ((IN_PROCESS,) if in_process and "cargobay" in chosen else ())


def _measure_copies(bench: _Bench, tree: Tree, src: str, condition: str, tools: tuple[str, ...]) -> list[Result]:
    results = {t: Result(tree.name, condition, t) for t in tools}
    if condition == FRESH and bench.fresh_fs:
        size = max(256 * MiB, 3 * _freshfs.tree_bytes(src) + 64 * MiB)
        for run in range(bench.args.runs):
            for tool in rotated(tools, run):
                with _freshfs.fresh_filesystem(bench.work, size) as mount:
                    fresh_src = os.path.join(mount, "src")
                    subprocess.run(["cp", "-a", src, fresh_src], check=True)
                    bench.run_tool(tool, fresh_src, os.path.join(mount, "dst"), results[tool], mirror=False)
            bench.log(f"  {tree.name} [{condition}] round {run + 1}/{bench.args.runs}")
        return list(results.values())
    kept: list[str] = []
    if condition == FRESH:
        bench.settle()
    for run in range(bench.args.runs):
        for tool in rotated(tools, run):
            if condition == AFTER_DELETE:
                dst = os.path.join(bench.work, "copy-after-delete")
                bench.delete(dst)
            else:
                dst = os.path.join(bench.work, f"copy-fresh-{tools.index(tool)}-{run}")
                kept.append(dst)
            bench.run_tool(tool, src, dst, results[tool], mirror=False)
        bench.log(f"  {tree.name} [{condition}] round {run + 1}/{bench.args.runs}")
    for d in kept:
        bench.delete(d)
    return list(results.values())


def _measure_mirror(bench: _Bench, tree: Tree, src: str, tools: tuple[str, ...]) -> list[Result]:
    dst = os.path.join(bench.work, "mirror-dst")
    bench.delete(dst)
    subprocess.run([*cargobay_command(), "copy", src, dst], env=bench.env, stdout=subprocess.DEVNULL, check=True)
    results = {t: Result(tree.name, MIRROR, t) for t in tools}
    warmup = Result(tree.name, MIRROR, "warm-up")
    for tool in tools:  # one untimed run each: every later run is a true no-change run
        bench.run_tool(tool, src, dst, warmup, mirror=True)
    if warmup.inexact_runs:
        raise RuntimeError(f"the mirror destination is not an exact copy: {warmup.first_difference}")
    for run in range(bench.args.runs):
        for tool in rotated(tools, run):
            bench.run_tool(tool, src, dst, results[tool], mirror=True)
        bench.log(f"  {tree.name} [{MIRROR}] round {run + 1}/{bench.args.runs}")
    bench.delete(dst)
    return list(results.values())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="small trees (seconds, not minutes)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds per condition (default 5)")
    parser.add_argument("--tree", action="append", type=int, default=None, help="only tree number N (1-4, repeatable)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS))
    parser.add_argument(
        "--condition",
        action="append",
        choices=(FRESH, AFTER_DELETE, MIRROR),
        default=None,
        help="only this condition (repeatable; default: each tree's own)",
    )
    parser.add_argument(
        "--no-fresh-fs",
        action="store_true",
        help="fresh space without a new filesystem per run (wait --settle seconds after deletions instead)",
    )
    parser.add_argument("--settle", type=float, default=40.0, help="seconds after a deletion before fresh rounds")
    parser.add_argument(
        "--sparse-mixed",
        action="store_true",
        help="tree 4's files as holes of their sizes (no-change mirror only; for disks without 2 x 9 GiB free)",
    )
    parser.add_argument("--cold", action="store_true", help="drop the page cache before every timed run (root)")
    parser.add_argument("--no-in-process", action="store_true", help="leave out the in-process API rows")
    parser.add_argument("--dir", default=None, help="work directory (default: a temp dir)")
    add_output_arguments(parser)
    add_check_argument(parser)


def run(args: argparse.Namespace) -> int:
    from cargobay.errors import UsageError

    if shutil.which("rsync") is None and "rsync -a" in args.tools:
        raise UsageError("rsync not found: install it or pass --tools without it")
    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.cold and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        raise UsageError("--cold needs write access to /proc/sys/vm/drop_caches (root)")
    check_output_options(args, name="copy")
    tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
    unknown = set(tools) - set(TOOLS)
    if unknown:
        raise UsageError(f"unknown tools: {', '.join(sorted(unknown))}")
    log: Callable[[str], None] = (lambda m: print(m, file=sys.stderr)) if args.json else print
    departures = DEPARTURES + (
        (
            "--sparse-mixed: tree 4's files are holes of their sizes (same names, sizes, links, times); "
            "only its no-change mirror is timed",
        )
        if args.sparse_mixed
        else ()
    )
    trees = _trees(args.quick, args.sparse_mixed)
    chosen = [t for i, t in enumerate(trees, 1) if not args.tree or i in args.tree]
    results: list[Result] = []
    loads = [load_average()]
    imports = "cargobay.cli, cargobay.cli.copy, cargobay.copy, shutil"
    with (
        tempfile.TemporaryDirectory(prefix="cargobay-bench-copy-", dir=args.dir) as work,
        bytecode_cache(work, imports) as env,
    ):
        bench = _Bench(work, args, env, log)
        fresh_words = (
            _freshfs.DESCRIPTION
            if bench.fresh_fs
            else f"no deletion by this benchmark in the {args.settle:.0f} s before the fresh rounds "
            "(others' deletions on the machine cannot be seen); the copies kept until the rounds end"
        )
        sources: dict[str, str] = {}
        for i, tree in enumerate(chosen):
            src = os.path.join(work, f"src{i}")
            os.makedirs(src)
            log(f"building {tree.name} ...")
            tree.build(src, random.Random(5 + i))
            _warm(src)
            sources[tree.name] = src

        def wanted(tree: Tree, condition: str) -> bool:
            return condition in tree.conditions and (not args.condition or condition in args.condition)

        # Fresh-space rounds first, then no-change mirrors (no deletion in either), then after-delete.
        for condition in (FRESH, MIRROR, AFTER_DELETE):
            for tree in chosen:
                if not wanted(tree, condition):
                    continue
                these = _tools_for(condition, tools, not args.no_in_process)
                src = sources[tree.name]
                if condition == MIRROR:
                    results += _measure_mirror(bench, tree, src, these)
                else:
                    results += _measure_copies(bench, tree, src, condition, these)
                loads.append(load_average())
        if args.profile is not None:
            profile_call(args.profile, args.profile_output, lambda: _copy_each(chosen, sources, work))
            log(f"{args.profile} profile of cargobay's copies (one worker) written to {args.profile_output}")
    if args.plot is not None:
        write_plot(args.plot, "cargobay copy: speed-up over each peer", speedups(results, chosen))
        log(f"plot written to {args.plot}")
    if args.json:
        doc = {
            "load_averages": loads,
            "departures": departures,
            "cache": "cold" if args.cold else "warm",
            "fresh_space": fresh_words,
            "results": [
                asdict(r) | {"median": r.median, "cpu_median": r.cpu_median, "exact": r.exact} for r in results
            ],
        }
        print(json.dumps(doc, indent=2))
    else:
        _print_table(results, chosen, loads, cold=args.cold, fresh_words=fresh_words, departures=departures)
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
    """One bar per (tree, condition, peer) among whole processes; a target only where an issue sets
    one for that condition. In-process rows get no bar."""
    targets = {(t.name, cond, peer): goal for t in chosen for cond, peer, goal in t.targets}
    bars: list[Speedup] = []
    for r in results:
        if r.tool in ("cargobay", IN_PROCESS):
            continue
        ours = next(
            (o for o in results if o.tool == "cargobay" and (o.tree, o.condition) == (r.tree, r.condition)), None
        )
        if ours is None:
            continue
        target = targets.get((r.tree, r.condition, r.tool))
        bars.append(Speedup(f"{r.tree} [{r.condition}]", r.tool, r.median / ours.median, target))
    return bars


def _print_table(
    results: list[Result],
    chosen: list[Tree],
    loads: list[str],
    *,
    cold: bool,
    fresh_words: str,
    departures: tuple[str, ...],
) -> None:
    print("\nwhole processes, as typed by a user (departures from each tool's default):")
    for line in departures:
        print(f"  - {line}")
    print(
        f"cache: {'cold (page cache dropped before every run)' if cold else 'warm'}; "
        f"load averages during the run: {'; '.join(loads)}"
    )
    print(f"{FRESH}: {fresh_words}")
    targets = {(t.name, cond, peer): goal for t in chosen for cond, peer, goal in t.targets}
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.tree, r.condition), []).append(r)
    for (tree, condition), rs in groups.items():
        print(f"\n{tree} [{condition}, {len(rs[0].seconds)} rounds, order rotated]")
        ours = next((r for r in rs if r.tool == "cargobay"), None)
        for r in rs:
            words = ""
            if ours is not None and r.tool not in ("cargobay", IN_PROCESS):
                words = f"cargobay {speed_words(r.median / ours.median)}"
                if r.cpu and ours.cpu:
                    words += f"; cpu {ours.cpu_median / r.cpu_median:.2f}x its cpu"
                goal = targets.get((tree, condition, r.tool))
                if goal is not None:
                    met = r.median / ours.median >= goal
                    words += f" (target: at most {1 / goal:.2f}x its time: {'met' if met else 'NOT met'})"
            exact = "exact" if r.exact else f"NOT exact in {r.inexact_runs} runs ({r.first_difference})"
            rss = f"{max(r.peak_rss_mib):6.1f} MiB" if r.peak_rss_mib else "     -    "
            cpu = f"cpu {r.cpu_median:7.3f} s" if r.cpu else ""
            spread = f"({min(r.seconds):.3f}-{max(r.seconds):.3f})"  # a bimodal tool shows here
            print(f"  {r.tool:22} median {r.median:8.3f} s {spread}  {cpu}  peak RSS {rss}  {exact}  {words}")
