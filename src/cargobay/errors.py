"""The non-S3 error hierarchy of cargobay.

S3 protocol errors live in :mod:`cargobay.s3.errors`; they derive from :class:`CargobayError` too,
so the CLI can turn any of them into one line on stderr::

    CargobayError
    ├── UsageError          bad arguments or configuration (exit 2)
    ├── CopyError           a copy could not be done as asked
    ├── RuleSyntaxError     a selection rule does not parse (carries file and line)
    ├── SyncError           a sync could not be planned or finished
    ├── ServerError         the S3 server could not start (port busy, directory locked)
    └── S3Error             (cargobay.s3.errors) one subclass per AWS error code

    KeyboardInterrupt
    └── Interrupted         Ctrl-C stopped a copy or a sync; ``report`` says what was done
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class CargobayError(Exception):
    """Root of every error cargobay raises on purpose; anything else is a bug."""

    exit_code: int = 1


class UsageError(CargobayError):
    """The user asked for something that cannot be done as stated."""

    exit_code = 2


class CopyError(CargobayError):
    """A copy could not be started or finished."""


class RuleSyntaxError(CargobayError):
    """A selection rule is malformed; ``source`` and ``line`` say where it came from."""

    exit_code = 2

    def __init__(self, message: str, *, source: str = "<arguments>", line: int | None = None) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line


class SyncError(CargobayError):
    """A sync could not be planned or completed."""


class ServerError(CargobayError):
    """The S3 server could not start or keep running (port in use, data directory locked)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a long operation cleanly; ``report`` (a CopyReport or SyncReport, with
    ``interrupted`` set) says what was done. Still a KeyboardInterrupt: a program that does not
    look for it stops as it would on any Ctrl-C."""

    def __init__(self, report: Any) -> None:
        super().__init__("interrupted")
        self.report = report
