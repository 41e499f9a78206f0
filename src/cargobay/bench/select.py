"""``cargobay bench select``: selection speed against ``find`` and a TimeLocker-style matcher.

This module owns the selection benchmark: a seeded synthetic project tree (cached between runs
under ``--tree-dir``), one set of 50 gitignore-style exclude patterns, and three ways to list
what they select, timed interleaved in the same run:

* ``cargobay``  - :func:`cargobay.select.walk` over :func:`cargobay.select.build_selection`
  (in-process, building the selection included), collecting the relative paths;
* ``fnmatch``   - the TimeLocker-style matcher: ``os.walk`` with no pruning and, for every
  file, ``fnmatch.fnmatch`` of its root-relative path against each of 50 equivalent fnmatch
  patterns (one per rule: ``*/node_modules/*`` for ``node_modules/``, ``*/name`` for ``name``);
* ``find``      - GNU ``find`` with the directory patterns as ``-prune`` and the file
  patterns as ``! -name``, its output captured through a pipe;
* ``find-prune-only`` - informational floor: the same ``find`` with only the prunes and no
  name tests (it selects more files, so it is not checked for equality and no ratio is
  targeted on it; it shows what the 38 name tests cost ``find``).

All three must select exactly the same files (checked on the first round; a mismatch is an
error, not a number). Reported: median seconds over ``--runs`` rounds, files/s (files in the
tree divided by the median) and the ratios the issue sets targets for: cargobay files/s
÷ fnmatch files/s (target ≥ 10) and cargobay time ÷ find time (target ≤ 2).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from cargobay.bench._output import (
    Speedup,
    add_check_argument,
    add_output_arguments,
    check_output_options,
    finish_targets,
    profile_call,
    write_plot,
)
from cargobay.errors import UsageError

DIR_PATTERNS = (
    "node_modules",
    ".git",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".venv",
    "target",
    ".cache",
    ".mypy_cache",
    ".pytest_cache",
    "coverage",
)
FILE_PATTERNS = (
    "*.pyc",
    "*.pyo",
    "*.o",
    "*.obj",
    "*.so",
    "*.dll",
    "*.exe",
    "*.class",
    "*.jar",
    "*.log",
    "*.tmp",
    "*.temp",
    "*.swp",
    "*.swo",
    "*~",
    "*.bak",
    "*.orig",
    "*.rej",
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    "*.egg",
    "*.whl",
    "*.min.js",
    "*.map",
    "*.lock",
    "*.pid",
    "*.sock",
    "core",
    "#*#",
    ".#*",
    "*.aux",
    "*.toc",
    "*.out",
    "*.idx",
    "*.part",
    "*.crdownload",
    "*.iso",
)
assert len(DIR_PATTERNS) + len(FILE_PATTERNS) == 50

GITIGNORE_PATTERNS = tuple(f"{d}/" for d in DIR_PATTERNS) + FILE_PATTERNS
# One fnmatch pattern per rule, matched against "/" + relative path (fnmatch's * crosses '/').
FNMATCH_PATTERNS = tuple(f"*/{d}/*" for d in DIR_PATTERNS) + tuple(f"*/{p}" for p in FILE_PATTERNS)

_DIR_NAMES = (
    "src",
    "lib",
    "pkg",
    "app",
    "utils",
    "models",
    "views",
    "tests",
    "docs",
    "assets",
    "data",
    "scripts",
    "include",
    "examples",
    "api",
    "internal",
    "cmd",
    "web",
    "static",
    "templates",
)
_KEEP_EXTS = (
    ".py",
    ".js",
    ".ts",
    ".c",
    ".h",
    ".go",
    ".rs",
    ".java",
    ".md",
    ".txt",
    ".json",
    ".html",
    ".css",
    ".yaml",
    ".toml",
    ".png",
    ".jpg",
    ".svg",
    ".sh",
    ".cfg",
)
_DROP_NAMES = (
    "x.pyc",
    "x.o",
    "x.log",
    "x.tmp",
    "x.swp",
    "x~",
    "x.bak",
    "x.class",
    "x.min.js",
    "x.map",
    "x.lock",
    "x.so",
    "x.orig",
    "x.part",
)
_STAMP = ".cargobay-bench-tree-complete"


def build_tree(root: str, *, files: int, seed: int) -> None:
    """Write a seeded project-like tree of ``files`` empty files under ``root`` (must not exist).

    About 1 directory per 30 files; 12% of new directories have a name the rules prune
    (``node_modules``, ``.git``, ``build``, ...), and about 25% of file names are excluded by a
    file pattern. No directory name matches a file pattern and no file name matches a directory
    pattern, so find's ``-prune``/``-name`` split is exactly equivalent to the gitignore rules.
    """
    rng = random.Random(seed)
    dirs: list[tuple[str, int]] = [("", 0)]
    created: set[str] = {""}
    os.makedirs(root)
    for serial in range(1, files + 1):
        if rng.random() < 1 / 30 or len(dirs) < 8:
            parent, depth = rng.choice(dirs)
            if depth < 9:
                if rng.random() < 0.12:
                    name = rng.choice(DIR_PATTERNS)
                else:
                    name = f"{rng.choice(_DIR_NAMES)}{rng.randrange(40)}"
                path = f"{parent}/{name}" if parent else name
                if path not in created:
                    created.add(path)
                    dirs.append((path, depth + 1))
                    os.mkdir(os.path.join(root, path))
        parent, _ = rng.choice(dirs)
        if rng.random() < 0.25:
            drop = rng.choice(_DROP_NAMES)
            name = drop.replace("x", f"f{serial}", 1)
            if rng.random() < 0.05:
                name = rng.choice((".DS_Store", "Thumbs.db", "core", f"#f{serial}#", f".#f{serial}"))
        else:
            name = f"f{serial}{rng.choice(_KEEP_EXTS)}"
        path = os.path.join(root, parent, name)
        if not os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
    with open(os.path.join(root, _STAMP), "w") as fh:
        fh.write(f"files={files} seed={seed}\n")


def ensure_tree(tree_dir: str, *, files: int, seed: int) -> str:
    """The cached tree for (files, seed) under ``tree_dir``, built if missing or incomplete."""
    root = os.path.join(tree_dir, f"select-tree-{files}-{seed}")
    if os.path.exists(os.path.join(root, _STAMP)):
        return root
    if os.path.exists(root):
        shutil.rmtree(root)
    tmp = root + ".building"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    build_tree(tmp, files=files, seed=seed)
    os.rename(tmp, root)
    return root


def count_files(root: str) -> int:
    return sum(len(fs) for _, _, fs in os.walk(root))


def run_cargobay(root: str) -> list[str]:
    from cargobay.select import build_selection, walk

    selection = build_selection(exclude=GITIGNORE_PATTERNS)
    return [e.path for e in walk(root, selection)]


def run_fnmatch(root: str) -> list[str]:
    """TimeLocker-style: walk everything, fnmatch every relative path against every pattern."""
    out: list[str] = []
    patterns = FNMATCH_PATTERNS
    match = fnmatch.fnmatch
    start = len(root) + 1
    for dirpath, _dirnames, filenames in os.walk(root):
        rel_dir = dirpath[start:]
        for name in filenames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            slashed = "/" + rel
            if not any(match(slashed, p) for p in patterns):
                out.append(rel)
    return out


def find_command(root: str) -> list[str]:
    cmd = ["find", root, "("]
    for i, d in enumerate(DIR_PATTERNS):
        cmd += (["-o"] if i else []) + ["-name", d]
    cmd += [")", "-type", "d", "-prune", "-o", "!", "-type", "d"]
    for p in FILE_PATTERNS:
        cmd += ["!", "-name", p]
    cmd += ["-print0"]
    return cmd


def run_find_prune_only(root: str) -> list[str]:
    """Informational floor: find with only the directory prunes (no name tests; selects more)."""
    cmd = find_command(root)
    cut = cmd.index("!", cmd.index("-prune") + 3)
    done = subprocess.run([*cmd[:cut], "-print0"], stdout=subprocess.PIPE, check=True)
    return [os.fsdecode(p) for p in done.stdout.split(b"\0") if p]


def run_find(root: str) -> list[str]:
    done = subprocess.run(find_command(root), stdout=subprocess.PIPE, check=True)
    start = len(root) + 1
    return [os.fsdecode(p[start:]) for p in done.stdout.split(b"\0") if p]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=100_000, help="files in the tree (default 100000)")
    parser.add_argument("--runs", type=int, default=7, help="interleaved rounds, median reported (>= 5)")
    parser.add_argument("--seed", type=int, default=20240601, help="tree generator seed")
    parser.add_argument(
        "--tree-dir",
        default=os.path.join(tempfile.gettempdir(), "cargobay-bench"),
        help="where the generated tree is cached between runs",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        choices=["find", "fnmatch"],
        help="skip a peer (e.g. find when it is not installed)",
    )
    add_output_arguments(parser)
    add_check_argument(parser)


TARGETS = {"fnmatch": 10.0, "find": 0.5}  # >= 10x fnmatch's files/s; at most 2x find's time


def _bars(files: int, medians: dict[str, float]) -> list[Speedup]:
    return [
        Speedup(f"{files:,} files, 50 patterns", peer, medians[peer] / medians["cargobay"], TARGETS.get(peer))
        for peer in medians
        if peer != "cargobay"
    ]


def _write_extras(args: argparse.Namespace, root: str, files: int, medians: dict[str, float]) -> None:
    """--plot and --profile (after the timed rounds, so they never distort them); notes go to stderr."""
    if args.plot is not None:
        bars = _bars(files, medians)
        write_plot(args.plot, "cargobay select: speed-up over each peer", bars)
        print(f"plot written to {args.plot}", file=sys.stderr)
    if args.profile is not None:
        profile_call(args.profile, args.profile_output, lambda: run_cargobay(root))
        print(f"{args.profile} profile of cargobay's selection written to {args.profile_output}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.runs < 5:
        raise UsageError("--runs must be at least 5 (medians of fewer runs are noise)")
    if args.files < 1:
        raise UsageError("--files must be positive")
    check_output_options(args, name="select")
    tools: dict[str, Callable[[str], list[str]]] = {"cargobay": run_cargobay}
    if "fnmatch" not in args.without:
        tools["fnmatch"] = run_fnmatch
    if "find" not in args.without:
        if shutil.which("find") is None:
            raise UsageError("find is not installed; pass --without find")
        tools["find"] = run_find
        tools["find-prune-only"] = run_find_prune_only
    root = ensure_tree(args.tree_dir, files=args.files, seed=args.seed)
    total = count_files(root) - 1  # the stamp file is not part of the workload
    reference: list[str] | None = None
    times: dict[str, list[float]] = {name: [] for name in tools}
    for round_no in range(args.runs):
        for name, fn in tools.items():
            t0 = time.perf_counter()
            selected = fn(root)
            times[name].append(time.perf_counter() - t0)
            if round_no == 0 and name != "find-prune-only":
                got = sorted(p for p in selected if p != _STAMP)
                if reference is None:
                    reference = got
                elif got != reference:
                    missing = sorted(set(reference) - set(got))[:5]
                    extra = sorted(set(got) - set(reference))[:5]
                    raise UsageError(f"{name} selected a different set: missing {missing}, extra {extra}")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    result: dict[str, object] = {
        "tree": root,
        "files_in_tree": total,
        "selected": len(reference or []),
        "patterns": len(GITIGNORE_PATTERNS),
        "runs": args.runs,
        "median_seconds": medians,
        "files_per_second": {name: total / m for name, m in medians.items()},
    }
    ratios: dict[str, float] = {}
    if "fnmatch" in medians:
        ratios["cargobay_vs_fnmatch_speedup"] = medians["fnmatch"] / medians["cargobay"]
    if "find" in medians:
        ratios["cargobay_time_over_find_time"] = medians["cargobay"] / medians["find"]
        ratios["cargobay_time_over_find_prune_only_time"] = medians["cargobay"] / medians["find-prune-only"]
    result["ratios"] = ratios
    _write_extras(args, root, total, medians)
    missed = [b.describe() for b in _bars(total, medians) if b.missed]
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return finish_targets(missed, args.check, lambda line: print(line, file=sys.stderr))
    print(f"tree: {root}  files: {total}  selected: {result['selected']}  patterns: 50  runs: {args.runs}")
    print(f"{'tool':<16} {'median s':>10} {'files/s':>12}")
    for name, m in medians.items():
        print(f"{name:<16} {m:>10.4f} {total / m:>12,.0f}")
    for bar in _bars(total, medians):
        print(bar.describe() + ("" if bar.target is not None else " (informational)"))
    return finish_targets(missed, args.check)
