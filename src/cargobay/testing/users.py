"""Run a test body as a user the permission bits bind: here when not root, else a forked ``nobody``.

Root ignores a directory's missing write bit, so a suite run as root (containers, this project's
own machines) cannot see a failure every other user meets: a mirror that cannot change a read-only
directory it copied. :func:`as_user` runs the body in a child that dropped to ``nobody`` when the
process is root, in a scratch directory that user owns, and reports the child's traceback.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import traceback
from collections.abc import Callable

from cargobay.copy import _platform

NOBODY = 65534


def as_user(fn: Callable[[str], None]) -> None:
    """Run ``fn(work_dir)`` with ``work_dir`` a fresh scratch directory the user owns: in this
    process when it is not root, else in a forked child that became uid/gid ``nobody`` (an
    exception there is raised here as an ``AssertionError`` holding its traceback). The child
    tells the copy engine it is not root (its platform probe ran as root, at import)."""
    work = tempfile.mkdtemp(prefix="cargobay-as-user-")
    try:
        if os.geteuid() != 0:
            fn(work)
            return
        os.chown(work, NOBODY, NOBODY)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller (pytest, Hypothesis)
            code = 1
            try:
                os.close(read_fd)
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                _platform.IS_ROOT, _platform.EUID, _platform.EGID = False, NOBODY, NOBODY
                fn(work)
                code = 0
            except BaseException:
                os.write(write_fd, traceback.format_exc().encode())
            finally:
                os._exit(code)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            failure = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise AssertionError(failure or f"the child ended with status {status}")
    finally:
        for dirpath, dirnames, _ in os.walk(work):  # a user must open read-only directories up
            for d in dirnames:
                path = os.path.join(dirpath, d)
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
        shutil.rmtree(work)
