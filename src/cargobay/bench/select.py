"""``cargobay bench select``: the ``cargobay select`` command against ``find`` and a TimeLocker-style matcher.

This module owns the selection benchmark: a seeded synthetic project tree (cached between runs
under ``--tree-dir``), one set of 50 gitignore-style exclude patterns (12 directory names, 38
file patterns), and the ways to list what they select, each a whole process as a user runs it
(issue 18), timed interleaved in the same run with the order rotated each round:

* ``cargobay``  - ``cargobay select TREE --exclude-from RULES`` (the installed console script,
  output read from a pipe);
* ``fnmatch``   - the TimeLocker-style matcher as a ``python -c`` process: ``os.walk`` with no
  pruning and, for every file, ``fnmatch.fnmatch`` of its root-relative path against each of 50
  equivalent fnmatch patterns (one per rule: ``*/node_modules/*`` for ``node_modules/``);
* ``find -prune`` - the anchor's ``find``: ``find TREE ( -name D1 -o ... ) -prune -o -type f
  -print`` with the 12 directory rules as prunes and no name tests (it selects a superset: the
  files the 38 file patterns drop are printed too; that is the departure the target is set on);
* ``find, all 50 rules`` - informational: the same prunes plus ``! -name P`` for every file
  pattern, which selects exactly cargobay's set.

By default the tree has no directory any rule prunes (``--prunable`` adds them, 12% of the
directories): every tool must then read every directory, as in the anchor's tree, and nothing is
won by a rule that skips a subtree by construction. Every process's selection is checked on the
first round (cargobay, fnmatch and find with all rules must select the same files; a mismatch is
an error, not a number). The in-process functions (``cargobay.select.walk``, the fnmatch loop)
are separate rows labelled ``(in-process)``. Reported: medians, files/s, and the two targets:
cargobay ≥ 10x the fnmatch matcher's files/s, cargobay ≤ 2x the time of ``find -prune``.
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
    speed_words,
    write_plot,
)
from cargobay.bench._wholeproc import bytecode_cache, cargobay_command, load_average, rotated, timed
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


def build_tree(root: str, *, files: int, seed: int, prunable: bool = False) -> None:
    """Write a seeded project-like tree of ``files`` empty files under ``root`` (must not exist).

    About 1 directory per 30 files; with ``prunable``, 12% of new directories have a name the
    rules prune (``node_modules``, ``.git``, ``build``, ...), otherwise none; about 25% of file
    names are excluded by a file pattern. No directory name matches a file pattern and no file name matches a directory
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
                if rng.random() < 0.12 and prunable:
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


def ensure_tree(tree_dir: str, *, files: int, seed: int, prunable: bool = False) -> str:
    """The cached tree for (files, seed, prunable) under ``tree_dir``, built if missing or incomplete."""
    root = os.path.join(tree_dir, f"select-tree-{files}-{seed}{'-prunable' if prunable else ''}")
    if os.path.exists(os.path.join(root, _STAMP)):
        return root
    if os.path.exists(root):
        shutil.rmtree(root)
    tmp = root + ".building"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    build_tree(tmp, files=files, seed=seed, prunable=prunable)
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


def run_find(root: str) -> list[str]:
    done = subprocess.run(find_command(root), stdout=subprocess.PIPE, check=True)
    start = len(root) + 1
    return [os.fsdecode(p[start:]) for p in done.stdout.split(b"\0") if p]


FNMATCH_PROCESS = """
import fnmatch, os, sys
root = sys.argv[1]
patterns = tuple(sys.argv[2:])
match = fnmatch.fnmatch
start = len(root) + 1
out = []
for dirpath, _dirnames, filenames in os.walk(root):
    rel_dir = dirpath[start:]
    for name in filenames:
        rel = f"{rel_dir}/{name}" if rel_dir else name
        if not any(match("/" + rel, p) for p in patterns):
            out.append(rel)
sys.stdout.write("".join(r + "\\n" for r in out))
"""


def find_prune_command(root: str) -> list[str]:
    """The anchor's find: the directory rules as prunes, every other file printed."""
    cmd = ["find", root, "("]
    for i, d in enumerate(DIR_PATTERNS):
        cmd += (["-o"] if i else []) + ["-name", d]
    return [*cmd, ")", "-prune", "-o", "-type", "f", "-print"]


def process_commands(root: str, rules_file: str) -> dict[str, list[str]]:
    """Each tool's whole command line, as a user types it (relative paths come out of each)."""
    return {
        "cargobay": [*cargobay_command(), "select", root, "--exclude-from", rules_file],
        "fnmatch": [sys.executable, "-c", FNMATCH_PROCESS, root, *FNMATCH_PATTERNS],
        "find -prune": find_prune_command(root),
        "find, all 50 rules": [*find_command(root)[:-1], "-print"],
    }


def _selected(tool: str, root: str, out: bytes) -> list[str]:
    lines = [os.fsdecode(p) for p in out.split(b"\n") if p]
    if tool.startswith("find"):
        start = len(root) + 1
        return [p[start:] for p in lines]
    return lines


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
    parser.add_argument(
        "--prunable", action="store_true", help="a tree where 12%% of directories are pruned by the rules"
    )
    add_output_arguments(parser)
    add_check_argument(parser)


TARGETS = {"fnmatch": 10.0, "find -prune": 0.5}  # >= 10x fnmatch's files/s; at most 2x find -prune's time


def _bars(files: int, medians: dict[str, float]) -> list[Speedup]:
    return [
        Speedup(f"{files:,} files, 50 patterns", peer, medians[peer] / medians["cargobay"], TARGETS.get(peer))
        for peer in medians
        if peer != "cargobay" and not peer.endswith(IN_PROCESS)
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


IN_PROCESS = " (in-process)"
DEPARTURES = (
    "cargobay: `cargobay select TREE --exclude-from RULES` (the 50 gitignore-style rules, one a line)",
    "fnmatch: the TimeLocker-style loop as `python -c` (os.walk, fnmatch of each path against 50 patterns)",
    "find -prune: `find TREE ( -name D1 -o ... -name D12 ) -prune -o -type f -print` (no name tests: "
    "prints a superset, the files the 38 file patterns drop as well)",
    "find, all 50 rules: the same plus `! -name P` for the 38 file patterns (same set as cargobay; informational)",
    "(in-process) rows: the function called inside the benchmark process, no start-up; no ratio",
)


def run(args: argparse.Namespace) -> int:
    if args.runs < 5:
        raise UsageError("--runs must be at least 5 (medians of fewer runs are noise)")
    if args.files < 1:
        raise UsageError("--files must be positive")
    check_output_options(args, name="select")
    if "find" not in args.without and shutil.which("find") is None:
        raise UsageError("find is not installed; pass --without find")
    root = ensure_tree(args.tree_dir, files=args.files, seed=args.seed, prunable=args.prunable)
    total = count_files(root) - 1  # the stamp file is not part of the workload
    work = tempfile.mkdtemp(prefix="cargobay-bench-select-")
    loads = [load_average()]
    try:
        rules_file = os.path.join(work, "rules")
        with open(rules_file, "w", encoding="utf-8") as fh:
            # In a rules file, a line starting with # is a comment: "\\#*#" is the pattern "#*#".
            fh.write("".join(("\\" + p if p.startswith("#") else p) + "\n" for p in GITIGNORE_PATTERNS))
        commands = {
            name: cmd
            for name, cmd in process_commands(root, rules_file).items()
            if not any(name.startswith(w) for w in args.without)
        }
        in_process: dict[str, Callable[[str], list[str]]] = {"cargobay" + IN_PROCESS: run_cargobay}
        if "fnmatch" not in args.without:
            in_process["fnmatch" + IN_PROCESS] = run_fnmatch
        times: dict[str, list[float]] = {name: [] for name in [*commands, *in_process]}
        with bytecode_cache(work, "cargobay.cli, cargobay.cli.select, cargobay.select") as env:
            for tool in commands:  # untimed warm-up: page cache and bytecode for everyone
                timed(commands[tool], env=env)
            reference: list[str] | None = None
            for round_no in range(args.runs):
                for name in rotated(list(times), round_no):
                    if name in in_process:
                        t0 = time.perf_counter()
                        selected = in_process[name](root)
                        times[name].append(time.perf_counter() - t0)
                    else:
                        seconds, _rss, out = timed(commands[name], env=env, capture=True)
                        times[name].append(seconds)
                        selected = _selected(name, root, out)
                    if round_no == 0 and name != "find -prune":
                        got = sorted(p for p in selected if p != _STAMP)
                        if reference is None:
                            reference = got
                        elif got != reference:
                            missing = sorted(set(reference) - set(got))[:5]
                            extra = sorted(set(got) - set(reference))[:5]
                            raise UsageError(f"{name} selected a different set: missing {missing}, extra {extra}")
        loads.append(load_average())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    result: dict[str, object] = {
        "tree": root,
        "prunable": args.prunable,
        "files_in_tree": total,
        "selected": len(reference or []),
        "patterns": len(GITIGNORE_PATTERNS),
        "runs": args.runs,
        "load_averages": loads,
        "departures": DEPARTURES,
        "median_seconds": medians,
        "files_per_second": {name: total / m for name, m in medians.items()},
    }
    ratios: dict[str, float] = {}
    if "fnmatch" in medians:
        ratios["cargobay_vs_fnmatch_speedup"] = medians["fnmatch"] / medians["cargobay"]
    if "find -prune" in medians:
        ratios["cargobay_time_over_find_prune_time"] = medians["cargobay"] / medians["find -prune"]
        ratios["cargobay_time_over_find_all_rules_time"] = medians["cargobay"] / medians["find, all 50 rules"]
    result["ratios"] = ratios
    _write_extras(args, root, total, medians)
    missed = [b.describe() for b in _bars(total, medians) if b.missed]
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return finish_targets(missed, args.check, lambda line: print(line, file=sys.stderr))
    kind = "with prunable directories" if args.prunable else "no directory pruned by any rule"
    print(f"tree: {root} ({kind})  files: {total}  selected: {result['selected']}  patterns: 50")
    print(f"whole processes unless marked; {args.runs} rounds, order rotated; load averages: {'; '.join(loads)}")
    for line in DEPARTURES:
        print(f"  - {line}")
    print(f"{'tool':<28} {'median s':>10} {'files/s':>12}")
    for name, m in medians.items():
        mine = name == "cargobay" or IN_PROCESS in name
        words = "" if mine else f"  cargobay {speed_words(m / medians['cargobay'])}"
        print(f"{name:<28} {m:>10.4f} {total / m:>12,.0f}{words}")
    for bar in _bars(total, medians):
        print(bar.describe() + ("" if bar.target is not None else " (informational)"))
    return finish_targets(missed, args.check)
