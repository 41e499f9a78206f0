"""Forking a helper process that can only end in ``os._exit``.

The copy engine's second process and prober, and sync's hashing workers and early listing, are
forked from the command's own process. A Ctrl-C that reached such a child before it was inside
its own handler raised ``KeyboardInterrupt`` out of ``os.fork()`` in the child, which then ran on
as a second copy of the caller (under pytest-xdist: a second worker, "node down"). :func:`fork`
holds SIGINT back across the fork and lets it through in the child only inside a handler that
always ends the child with ``os._exit`` (no ``atexit`` handlers, no buffers of the parent).
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["fork"]


def fork(child: Callable[[], object]) -> int:
    """Fork; the child runs ``child()`` and exits (status 0 when it returned, 1 when it raised,
    or whatever ``os._exit`` it called itself), the parent gets the child's pid. ``OSError``
    when the fork failed."""
    import signal  # here, not at the top: its enums are ~0.5 ms of every command's start-up

    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    if pid == 0:  # pragma: no cover - the child; coverage does not follow it
        code = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a Ctrl-C held back is raised here
            child()
            code = 0
        except BaseException:
            pass
        finally:
            os._exit(code)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pid
