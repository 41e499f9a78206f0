"""A brand-new ext4 filesystem per timed run: the "fresh space" condition both tools meet alike.

How fast ext4 creates small files depends on its history: right after a large deletion it
skips recently freed inodes and costs ~10x more kernel time per file than on space never used
(see /work/shared/BENCHMARK-NOTES.md). Waiting a while after our own deletions cannot rule out
other deletions on a shared machine, and the tool that runs second sees the first one's copy.
Issue 18 asks that each condition be set up the same way for both sides; this module does it by
giving every timed run a filesystem made for it: a sparse image file in the benchmark's work
directory, ``mkfs.ext4`` with its inode tables and journal written at once (lazy init would
leave a kernel thread zeroing them during the run), mounted through a loop device. The source
tree is copied into it first (untimed, ``cp -a``, then ``sync``), so source and destination
share one filesystem as on the anchors' machine and the source is in the page cache.

Needs root (``mount``), ``mkfs.ext4`` and a loop device: :func:`available` says whether this
machine has them; the benchmark falls back to its settle-time condition and says so otherwise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

MKFS_OPTIONS = ("-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0")
DESCRIPTION = (
    "each run into a new ext4 filesystem (loop device; mkfs.ext4 -E lazy_itable_init=0,lazy_journal_init=0), "
    "the source copied into it first with cp -a (untimed) and synced"
)


def available() -> bool:
    """Whether loop-mounted scratch filesystems can be made here (root, mkfs.ext4, /dev/loop-control)."""
    return (
        hasattr(os, "geteuid")
        and os.geteuid() == 0
        and shutil.which("mkfs.ext4") is not None
        and shutil.which("mount") is not None
        and os.path.exists("/dev/loop-control")
    )


def tree_bytes(root: str) -> int:
    """Disk bytes a tree takes (allocated blocks, every inode counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512 + 4096
    return total


@contextlib.contextmanager
def fresh_filesystem(work: str, size: int) -> Iterator[str]:
    """Yield the mount point of a new ext4 filesystem of ``size`` bytes; unmount and delete it after."""
    image = os.path.join(work, "fresh-space.img")
    mount = os.path.join(work, "fresh-space")
    os.makedirs(mount, exist_ok=True)
    with open(image, "wb") as fh:
        fh.truncate(size)
    try:
        subprocess.run(["mkfs.ext4", *MKFS_OPTIONS, image], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["mount", "-o", "loop", image, mount], check=True)
        try:
            yield mount
        finally:
            subprocess.run(["umount", mount], check=True)
    finally:
        os.unlink(image)
