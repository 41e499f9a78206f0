"""asv benchmarks of the copy engine: cargobay against ``cp -a``, ``rsync -a`` and ``shutil.copytree``.

The trees are those of ``cargobay bench copy --quick`` (built by its public builders with a fixed
seed in ``setup_cache``), small enough for asv's repeats. Each class times cargobay and its peers
on the same input, so ratios within one run mean something on a noisy machine. Every timed copy
goes to a new destination (the "fresh space" condition; see the copy bench for the after-delete
one); ``teardown`` removes them. Only the public API ``cargobay.copy`` is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

try:
    from cargobay.bench.copy import build_files_tree, build_mixed_tree
    from cargobay.copy import copytree, mirror
except ImportError:  # a commit before the copy engine
    copytree = mirror = build_files_tree = build_mixed_tree = None  # type: ignore[assignment]
try:
    from cargobay.copy import CopyOptions
except ImportError:  # a commit before CopyOptions(spread=...)
    CopyOptions = None  # type: ignore[assignment,misc]

SEED = 5
TREES = {
    "large": {"count": 1, "size": 64 << 20, "dirs": 1},
    "medium": {"count": 20, "size": 4 << 20, "dirs": 1},
    "small": {"count": 2000, "size": 4096, "dirs": 20},
}


def _base() -> str:
    return os.path.join(tempfile.gettempdir(), f"cargobay-asv-copy-{SEED}")


def _setup_cache() -> str:
    base = _base()
    if build_files_tree is None:
        return base
    for name, spec in TREES.items():
        root = os.path.join(base, name)
        if not os.path.isdir(root):
            build_files_tree(root, seed=SEED, **spec)
    mixed = os.path.join(base, "mixed")
    if not os.path.isdir(mixed):
        build_mixed_tree(mixed, count=300, seed=SEED)
    return base


class _Copies:
    number = 1
    repeat = 5
    timeout = 600

    def _fresh_dst(self) -> str:
        self.n += 1
        return os.path.join(self.work, f"dst-{self.n}")

    def _setup(self, base: str, tree: str) -> None:
        if copytree is None:
            raise NotImplementedError("cargobay.copy is not available at this commit")
        self.src = os.path.join(base, tree)
        self.work = tempfile.mkdtemp(prefix="cargobay-asv-dst-")
        self.n = 0

    def teardown(self, *args: object) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


class CopyTree(_Copies):
    """Whole-tree copies per size class and worker count; peers in the same class."""

    params = ([*TREES, "mixed"], [1, 2, 4])
    param_names = ("tree", "workers")

    def setup_cache(self) -> str:
        return _setup_cache()

    def setup(self, base: str, tree: str, workers: int) -> None:
        self._setup(base, tree)

    def time_cargobay_copytree(self, base: str, tree: str, workers: int) -> None:
        copytree(self.src, self._fresh_dst(), workers=workers)

    def time_cp_a(self, base: str, tree: str, workers: int) -> None:
        subprocess.run(["cp", "-a", self.src, self._fresh_dst()], check=True)

    def time_shutil_copytree(self, base: str, tree: str, workers: int) -> None:
        shutil.copytree(self.src, self._fresh_dst(), symlinks=True)

    def peakmem_cargobay_copytree(self, base: str, tree: str, workers: int) -> None:
        copytree(self.src, self._fresh_dst(), workers=workers)

    def peakmem_reference(self, base: str, tree: str, workers: int) -> None:
        """The process without copying: subtract it from peakmem_cargobay_copytree."""


class CopyBufferSize(_Copies):
    """The buffer only matters when the kernel fast paths are refused; measured on the medium tree."""

    params = ([64 << 10, 1 << 20, 8 << 20],)
    param_names = ("buffer_size",)

    def setup_cache(self) -> str:
        return _setup_cache()

    def setup(self, base: str, buffer_size: int) -> None:
        self._setup(base, "medium")

    def time_cargobay_copytree(self, base: str, buffer_size: int) -> None:
        copytree(self.src, self._fresh_dst(), buffer_size=buffer_size)


class MirrorNoChange(_Copies):
    """An up-to-date destination: cargobay's mirror against ``rsync -a --delete`` doing nothing."""

    params = (["small", "mixed"],)
    param_names = ("tree",)

    def setup_cache(self) -> str:
        return _setup_cache()

    def setup(self, base: str, tree: str) -> None:
        self._setup(base, tree)
        self.dst = os.path.join(self.work, "mirror")
        subprocess.run(["cp", "-a", self.src, self.dst], check=True)
        if shutil.which("rsync") is None:
            raise NotImplementedError("rsync is not installed")

    def time_cargobay_mirror(self, base: str, tree: str) -> None:
        mirror(self.src, self.dst)

    def time_rsync_delete(self, base: str, tree: str) -> None:
        subprocess.run(["rsync", "-a", "--delete", self.src + "/", self.dst + "/"], check=True)


class CopyAfterDelete(_Copies):
    """The small tree copied right after a previous copy was deleted (ext4's slow condition).

    ``spread`` is the FS_TOPDIR_FL allocation hint of ``cargobay._placement``; cp -a is timed
    under the same condition. Each sample deletes a fresh ``cp -a`` copy in ``setup``.
    """

    params = ([True, False],)
    param_names = ("spread",)

    def setup_cache(self) -> str:
        return _setup_cache()

    def setup(self, base: str, spread: bool) -> None:
        self._setup(base, "small")
        if CopyOptions is None or "spread" not in getattr(CopyOptions, "__dataclass_fields__", {}):
            raise NotImplementedError("no spread option at this commit")
        prev = os.path.join(self.work, "prev")
        subprocess.run(["cp", "-a", self.src, prev], check=True)
        os.sync()
        shutil.rmtree(prev)
        os.sync()

    def time_cargobay_copytree(self, base: str, spread: bool) -> None:
        copytree(self.src, self._fresh_dst(), options=CopyOptions(spread=spread))

    def time_cp_a(self, base: str, spread: bool) -> None:
        subprocess.run(["cp", "-a", self.src, self._fresh_dst()], check=True)
