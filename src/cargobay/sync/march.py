"""Lock-step traversal of two sorted listings, reported through three callbacks (rclone's Marcher).

This module owns the merge and nothing else: it does not compare entries, decide actions or do
I/O. Both listings must come in strictly increasing path order (code-point order of ``str``,
which for UTF-8 is the byte order S3 lists keys in); an out-of-order or duplicate path is an
error, never a guess, because a merge of unsorted listings would report files as missing on one
side - and a missing file is what a sync deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from cargobay.errors import SyncError
from cargobay.sync.model import Entry


class ListingOrderError(SyncError):
    """A listing was not strictly sorted; the sync stops before deciding anything."""


def _checked(entries: Iterable[Entry], side: str) -> Iterator[Entry]:
    prev: str | None = None
    for e in entries:
        if prev is not None and e.path <= prev:
            raise ListingOrderError(f"the {side} listing is not sorted: {e.path!r} came after {prev!r}")
        prev = e.path
        yield e


def march(
    src: Iterable[Entry],
    dst: Iterable[Entry],
    *,
    on_src_only: Callable[[Entry], None],
    on_dst_only: Callable[[Entry], None],
    on_both: Callable[[Entry, Entry], None],
) -> None:
    """Walk both listings once, calling one callback per distinct path, in path order."""
    s_it, d_it = _checked(src, "source"), _checked(dst, "destination")
    s, d = next(s_it, None), next(d_it, None)
    while s is not None or d is not None:
        if d is None or (s is not None and s.path < d.path):
            assert s is not None
            on_src_only(s)
            s = next(s_it, None)
        elif s is None or d.path < s.path:
            on_dst_only(d)
            d = next(d_it, None)
        else:
            on_both(s, d)
            s, d = next(s_it, None), next(d_it, None)
