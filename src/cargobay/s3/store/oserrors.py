"""The one place OS errors become S3 errors (the storage boundary).

Handlers never catch OSError; the store wraps filesystem work in :func:`translate_os_errors`.
ENOSPC/EDQUOT (and SQLite's "database or disk is full") become 507 InsufficientStorage, EIO an
InternalError that says so, ENAMETOOLONG KeyTooLongError. Messages never contain filesystem paths.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from cargobay.s3.errors import InsufficientStorage, InternalError, KeyTooLongError, S3Error


@contextmanager
def translate_os_errors() -> Iterator[None]:
    try:
        yield
    except S3Error:
        raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise InsufficientStorage() from exc
        if exc.errno == errno.ENAMETOOLONG:
            raise KeyTooLongError() from exc
        if exc.errno == errno.EIO:
            raise InternalError("An I/O error occurred on the server's disk.") from exc
        raise
    except sqlite3.OperationalError as exc:
        # The metadata sidecar shares the data directory's filesystem, and its space.
        if "full" in str(exc).lower():
            raise InsufficientStorage() from exc
        raise
