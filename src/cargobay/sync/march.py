"""Lock-step traversal of two sorted listings, reported through three callbacks (rclone's Marcher).

This module owns the merge and nothing else: it does not compare entries, decide actions or do
I/O. Both listings must come in strictly increasing path order (code-point order of ``str``,
which for UTF-8 is the byte order S3 lists keys in); an out-of-order or duplicate path is an
error, never a guess, because a merge of unsorted listings would report files as missing on one
side - and a missing file is what a sync deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cargobay.errors import SyncError
from cargobay.sync.model import Entry


class ListingOrderError(SyncError):
    """A listing was not strictly sorted; the sync stops before deciding anything."""


def _order_error(side: str, path: str, prev: str) -> ListingOrderError:
    return ListingOrderError(f"the {side} listing is not sorted: {path!r} came after {prev!r}")


def march(
    src: Iterable[Entry],
    dst: Iterable[Entry],
    *,
    on_src_only: Callable[[Entry], None],
    on_dst_only: Callable[[Entry], None],
    on_both: Callable[[Entry, Entry], None],
) -> None:
    """Walk both listings once, calling one callback per distinct path, in path order.

    The order of each listing is checked as it is read (each path against the one before it on
    its side), inline rather than through a wrapping generator: this loop runs once per file.
    """
    s_it, d_it = iter(src), iter(dst)
    s, d = next(s_it, None), next(d_it, None)
    while s is not None and d is not None:
        sp, dp = s.path, d.path
        if sp < dp:
            on_src_only(s)
            s = next(s_it, None)
            if s is not None and s.path <= sp:
                raise _order_error("source", s.path, sp)
        elif dp < sp:
            on_dst_only(d)
            d = next(d_it, None)
            if d is not None and d.path <= dp:
                raise _order_error("destination", d.path, dp)
        else:
            on_both(s, d)
            s, d = next(s_it, None), next(d_it, None)
            if s is not None and s.path <= sp:
                raise _order_error("source", s.path, sp)
            if d is not None and d.path <= dp:
                raise _order_error("destination", d.path, dp)
    while s is not None:
        on_src_only(s)
        sp = s.path
        s = next(s_it, None)
        if s is not None and s.path <= sp:
            raise _order_error("source", s.path, sp)
    while d is not None:
        on_dst_only(d)
        dp = d.path
        d = next(d_it, None)
        if d is not None and d.path <= dp:
            raise _order_error("destination", d.path, dp)
