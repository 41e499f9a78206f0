"""Clean-up on a failure path: the failure that called for it is the one that propagates.

``except BaseException: temp.abort(); raise`` lets an exception raised by the clean-up (a close
that reports EIO, an unlink on a filesystem gone read-only) replace the one that made it
necessary: a client that sent a wrong Content-MD5 would get InternalError instead of BadDigest,
and the log would name the clean-up instead of the cause. :func:`abort_after` runs the clean-up
for an error in hand; if the clean-up fails, its failure is logged (with its traceback) and noted
on the original (``add_note``), and the caller re-raises the original. An interrupt raised by the
clean-up (KeyboardInterrupt, a cancellation) is not swallowed: it propagates, with the original
as its context.

Used wherever a temp file, a part's region or a streamed body's sink is given up because
something failed: :mod:`cargobay._fsutil`, :mod:`cargobay.s3.store` and the HTTP body streaming.
This module imports nothing from cargobay, and :mod:`logging` only when a clean-up fails (it sits
on the copy command's start-up path through ``_fsutil``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["abort_after"]


def abort_after(error: BaseException, abort: Callable[[], object]) -> None:
    """Run ``abort()`` because of ``error``; a failure of ``abort`` is logged and noted on
    ``error`` instead of raised (the caller goes on to raise ``error``)."""
    try:
        abort()
    except Exception as failure:
        import logging

        logging.getLogger(__name__).warning(
            "clean-up %s after %s failed", _name(abort), type(error).__name__, exc_info=failure
        )
        error.add_note(f"The clean-up {_name(abort)} that followed failed too: {failure!r}")


def _name(fn: Callable[[], object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
