"""Clean-up on a failure path: the failure that called for it is the one that propagates.

``except BaseException: temp.abort(); raise`` lets an exception raised by the clean-up (a close
that reports EIO, an unlink on a filesystem gone read-only) replace the one that made it
necessary: a client that sent a wrong Content-MD5 would get InternalError instead of BadDigest,
and the log would name the clean-up instead of the cause. :func:`abort_after` runs the clean-up
for an error in hand; if the clean-up fails, its failure is logged (with its traceback) and noted
on the original (``add_note``), and the caller re-raises the original. An interrupt raised by the
clean-up (KeyboardInterrupt, a cancellation) is not swallowed: it propagates, with the original
as its context.

:func:`abort_quietly` is for a clean-up after success: its failure is logged and nothing raised.

Used wherever a temp file, a part's region or a streamed body's sink is given up because
something failed: :mod:`cargobay._fsutil`, :mod:`cargobay.s3.store` and the HTTP body streaming.
This module imports nothing from cargobay, and :mod:`logging` only when a clean-up fails (it sits
on the copy command's start-up path through ``_fsutil``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["abort_after", "abort_quietly"]


def abort_after(error: BaseException, abort: Callable[[], object]) -> None:
    """Run ``abort()`` because of ``error``; a failure of ``abort`` is logged and noted on
    ``error`` instead of raised (the caller goes on to raise ``error``)."""
    failure = _attempt(abort, f" after {type(error).__name__}")
    if failure is not None:
        error.add_note(f"The clean-up {_name(abort)} that followed failed too: {failure!r}")


def abort_quietly(abort: Callable[[], object]) -> None:
    """Run a clean-up on a path that has succeeded (a placeholder that only held a name): its
    failure is logged, never raised, so it cannot turn work already done and answered for into
    an error the client would retry. What it leaves behind is debris the sweep removes."""
    _attempt(abort, "")


def _attempt(abort: Callable[[], object], context: str) -> Exception | None:
    """Run ``abort``; its ``Exception`` is logged (with its traceback) and returned, not raised."""
    try:
        abort()
    except Exception as failure:
        import logging

        logging.getLogger(__name__).warning("clean-up %s%s failed", _name(abort), context, exc_info=failure)
        return failure
    return None


def _name(fn: Callable[[], object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
