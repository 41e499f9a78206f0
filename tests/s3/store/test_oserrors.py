"""OS errors at the storage boundary (store/oserrors.py): what each becomes, in a request and for one key."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from cargobay.s3.errors import S3Error
from cargobay.s3.store.oserrors import key_file_error, translate_os_errors

# (error, S3 code inside translate_os_errors or None when it goes on as it is, code for one key's file)
CASES = [
    (OSError(errno.ENOSPC, "No space left on device"), "InsufficientStorage", "InsufficientStorage"),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), "InsufficientStorage", "InsufficientStorage"),
    (OSError(errno.ENAMETOOLONG, "File name too long"), "KeyTooLongError", "KeyTooLongError"),
    (OSError(errno.EIO, "Input/output error"), "InternalError", "InternalError"),
    (PermissionError(errno.EACCES, "Permission denied"), None, "AccessDenied"),
    (PermissionError(errno.EPERM, "Operation not permitted"), None, "AccessDenied"),
    (OSError(errno.EBUSY, "Device or resource busy"), None, "InternalError"),
]


@pytest.mark.parametrize(("exc", "in_request", "for_key"), CASES, ids=[errno.errorcode[c[0].errno or 0] for c in CASES])
def test_os_error_translation(exc: OSError, in_request: str | None, for_key: str) -> None:
    if in_request is None:
        with pytest.raises(type(exc)), translate_os_errors():
            raise exc
    else:
        with pytest.raises(S3Error) as caught, translate_os_errors():
            raise exc
        assert caught.value.code == in_request and caught.value.__cause__ is exc
    error = key_file_error(exc, "remove")
    assert error.code == for_key and error.__cause__ is exc


def test_key_file_error_says_what_the_server_could_not_do() -> None:
    denied = key_file_error(PermissionError(errno.EACCES, "Permission denied", "/srv/data/b/k"), "remove")
    assert denied.detail == "The server is not permitted to remove this key's file."
    other = key_file_error(OSError(errno.EBUSY, "busy", "/srv/data/b/k"), "remove")
    assert other.detail == "The server could not remove this key's file."  # no path in a message


def test_a_full_sidecar_is_insufficient_storage_other_sqlite_errors_go_on() -> None:
    with pytest.raises(S3Error) as caught, translate_os_errors():
        raise sqlite3.OperationalError("database or disk is full")
    assert caught.value.code == "InsufficientStorage"
    with pytest.raises(sqlite3.OperationalError), translate_os_errors():
        raise sqlite3.OperationalError("database is locked")
