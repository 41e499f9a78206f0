"""One-time probes of what this platform offers the copy engine, as constants.

Everything here is decided once at import and never mutated later: which kernel copy calls exist
(``copy_file_range``, ``sendfile``, the ``FICLONE`` reflink ioctl), whether ``SEEK_DATA`` /
``SEEK_HOLE`` and extended attributes are available, and who we are (ownership can be preserved
only by root). Per-run discoveries ("this filesystem pair cannot reflink") live in
:class:`cargobay.copy.fastpaths.MethodLadder`, not here. Imports nothing from cargobay.
"""

from __future__ import annotations

import os
import sys

IS_LINUX = sys.platform.startswith("linux")

HAS_COPY_FILE_RANGE: bool = hasattr(os, "copy_file_range")
HAS_SENDFILE: bool = hasattr(os, "sendfile") and IS_LINUX  # macOS sendfile needs a socket
HAS_SEEK_HOLES: bool = hasattr(os, "SEEK_DATA") and hasattr(os, "SEEK_HOLE")
HAS_XATTR: bool = hasattr(os, "listxattr")
HAS_LCHMOD: bool = os.chmod in os.supports_follow_symlinks and not IS_LINUX

# FICLONE is _IOW(0x94, 9, int); fcntl.FICLONE only exists from Python 3.12.
FICLONE: int | None = 0x40049409 if IS_LINUX else None

# Linux: a file opened with it is read without its access time being updated (and written back).
# Refused (EPERM) on a file the caller neither owns nor has CAP_FOWNER over; 0 elsewhere.
O_NOATIME: int = getattr(os, "O_NOATIME", 0)

EUID: int = os.geteuid() if hasattr(os, "geteuid") else -1
EGID: int = os.getegid() if hasattr(os, "getegid") else -1
IS_ROOT: bool = EUID == 0

CPU_COUNT: int = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

O_BINARY_FLAGS: int = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
