"""asv benchmarks of selection: cargobay's pruned walk against ``find`` and an fnmatch matcher.

Same workload as ``cargobay bench select`` (its seeded tree and 50 patterns, imported from
``cargobay.bench.select`` rather than copied), parametrised by
pattern count and tree size. ``setup_cache`` builds the trees once per benchmark run with a
fixed seed; every class times cargobay and its peers on the same tree, so ratios within one
run are meaningful even on a noisy machine. Only the public API (``cargobay.select``) and the
benchmark's own workload definition are used.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import tempfile

try:
    from cargobay.bench.select import DIR_PATTERNS, FILE_PATTERNS, ensure_tree
    from cargobay.select import build_selection, walk
except ImportError:  # an old commit without cargobay.select
    build_selection = walk = ensure_tree = None  # type: ignore[assignment]
    DIR_PATTERNS = FILE_PATTERNS = ()  # type: ignore[assignment]

SEED = 20240601
SIZES = (10_000, 100_000)
PATTERN_COUNTS = (10, 50)


def _split(count: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The first ``count`` patterns, keeping the 12:38 mix of directory and file patterns."""
    dirs = DIR_PATTERNS[: max(1, count * len(DIR_PATTERNS) // 50)]
    return dirs, FILE_PATTERNS[: count - len(dirs)]


def _tree(base: str, size: int) -> str:
    return os.path.join(base, f"select-tree-{size}-{SEED}")


class SelectTree:
    params = (PATTERN_COUNTS, SIZES)
    param_names = ("patterns", "files")
    timeout = 600

    def setup_cache(self) -> str:
        base = os.path.join(tempfile.gettempdir(), "cargobay-asv-select")
        if ensure_tree is None:
            return base
        for size in SIZES:
            ensure_tree(base, files=size, seed=SEED)
        return base

    def setup(self, base: str, patterns: int, files: int) -> None:
        if build_selection is None:
            raise NotImplementedError("cargobay.select is not available at this commit")
        self.root = _tree(base, files)
        dirs, names = _split(patterns)
        self.gitignore = tuple(f"{d}/" for d in dirs) + names
        self.fnmatch_patterns = tuple(f"*/{d}/*" for d in dirs) + tuple(f"*/{p}" for p in names)
        cmd = ["find", self.root, "("]
        for i, d in enumerate(dirs):
            cmd += (["-o"] if i else []) + ["-name", d]
        cmd += [")", "-type", "d", "-prune", "-o", "!", "-type", "d"]
        for p in names:
            cmd += ["!", "-name", p]
        self.find_cmd = [*cmd, "-print0"]

    def time_cargobay(self, base: str, patterns: int, files: int) -> None:
        selection = build_selection(exclude=self.gitignore)
        for _ in walk(self.root, selection):
            pass

    def time_find(self, base: str, patterns: int, files: int) -> None:
        subprocess.run(self.find_cmd, stdout=subprocess.PIPE, check=True)

    def time_fnmatch(self, base: str, patterns: int, files: int) -> None:
        start = len(self.root) + 1
        pats = self.fnmatch_patterns
        for dirpath, _dirs, names in os.walk(self.root):
            rel_dir = dirpath[start:]
            for name in names:
                rel = f"/{rel_dir}/{name}" if rel_dir else f"/{name}"
                any(fnmatch.fnmatch(rel, p) for p in pats)

    def peakmem_cargobay(self, base: str, patterns: int, files: int) -> None:
        selection = build_selection(exclude=self.gitignore)
        for _ in walk(self.root, selection):
            pass

    def peakmem_reference(self, base: str, patterns: int, files: int) -> None:
        """Baseline for peakmem_cargobay: the interpreter with the tree set up, doing nothing."""
