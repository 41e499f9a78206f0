"""The one place OS errors become S3 errors (the storage boundary).

Handlers never catch OSError; the store wraps filesystem work in :func:`translate_os_errors`.
ENOSPC/EDQUOT (and SQLite's "database or disk is full") become 507 InsufficientStorage, EIO an
InternalError that says so, ENAMETOOLONG KeyTooLongError; any other OS error goes on as it is.

Where one key's file fails inside a request that goes on with other keys (DeleteObjects: each
key is its own ``<Error>``), :func:`key_file_error` gives every OS error an S3 error: the
translations above, EACCES/EPERM AccessDenied (the server may not touch that file), anything
else InternalError. Messages never contain filesystem paths.
"""

from __future__ import annotations

import errno
import sqlite3
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Literal

from cargobay.s3.errors import AccessDenied, InsufficientStorage, InternalError, KeyTooLongError, S3Error

__all__ = ["key_file_error", "translate_os_errors"]


def _translated(exc: OSError | sqlite3.OperationalError) -> S3Error | None:
    """The S3 error ``exc`` stands for wherever it happens, or None (it goes on as it is)."""
    if isinstance(exc, sqlite3.OperationalError):
        # The metadata sidecar shares the data directory's filesystem, and its space.
        return InsufficientStorage() if "full" in str(exc).lower() else None
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage()
    if exc.errno == errno.ENAMETOOLONG:
        return KeyTooLongError()
    if exc.errno == errno.EIO:
        return InternalError("An I/O error occurred on the server's disk.")
    return None


class _Translating:
    """The context manager :func:`translate_os_errors` returns: a class, not a generator, since
    every store call enters a few of these (a generator-based one cost ~1 µs more each time)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        if isinstance(exc, OSError | sqlite3.OperationalError):
            translated = _translated(exc)
            if translated is not None:
                raise translated from exc
        return False  # no error, an S3Error, or one that goes on as it is


_TRANSLATING = _Translating()


def translate_os_errors() -> AbstractContextManager[None]:
    """Turn the OS errors raised in the block into S3 errors (see the module docstring)."""
    return _TRANSLATING


def key_file_error(exc: OSError, verb: str) -> S3Error:
    """The S3 error for one key whose file could not be ``verb``-ed (say "remove"): the key's own
    error, which fails neither the other keys of the request nor other requests."""
    translated = _translated(exc)
    if translated is None:
        if exc.errno in (errno.EACCES, errno.EPERM):
            translated = AccessDenied(f"The server is not permitted to {verb} this key's file.")
        else:
            translated = InternalError(f"The server could not {verb} this key's file.")
    translated.__cause__ = exc
    return translated
