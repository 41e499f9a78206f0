"""The one place OS errors become S3 errors (the storage boundary).

Handlers never catch OSError; the store wraps filesystem work in :func:`translate_os_errors`.
Error messages never contain filesystem paths.
"""

from __future__ import annotations

import errno
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
