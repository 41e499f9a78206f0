"""A large directory's names in sorted order, kept compactly (see :class:`SortedNames`).

A listing resumes each page by bisecting the sorted names of a directory, so a directory's names
are sorted once and kept (:mod:`cargobay.s3.store.dircache`). As a ``list`` of ``str`` the names
of a flat directory of 1,000,000 files cost about 72 MiB (a 12-character name is a 61-byte object
plus an 8-byte pointer), and sorting them needs every one alive at once. Here they cost their
characters plus one separator each (13 MiB for those 1,000,000), and building them holds at most
:data:`RUN` names as objects at a time: the names are sorted in runs of :data:`RUN`, each run kept
packed, and the runs merged a block at a time, each block of the result packed as it is made.

A block is :data:`BLOCK` names joined by ``"\\0"``, which no file name contains: ``str.join`` packs
it and ``str.split`` unpacks it, both in C. Order is Python's ``str`` order (code points), which is
UTF-8 byte order for the valid names a listing keeps.
"""

from __future__ import annotations

import bisect
import itertools
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

__all__ = ["BLOCK", "RUN", "SEPARATOR", "SortedNames"]

BLOCK = 1024  # names a block holds (a power of two: an index is a shift and a mask)
RUN = 65_536  # names sorted at once as objects while building (about 4.5 MiB of 12-character names)
SEPARATOR = "\0"  # between the names of a block: a file name never contains it


class SortedNames(Sequence[str]):
    """Sorted strings (none containing :data:`SEPARATOR`) in packed blocks of ``block`` names,
    every block full but the last. ``len``, indexing, iteration and :func:`bisect.bisect_right`
    behave as on the sorted ``list`` of the same strings; an item is a new ``str`` on each access.

    Indexing unpacks the item's block (the last block unpacked is kept, so neighbours are cheap);
    :meth:`bisect_right` and :meth:`iter_from` are what a listing uses: one probe per block, then
    one block unpacked. ``nbytes`` is what the blocks take."""

    __slots__ = ("_blocks", "_last", "_len", "_mask", "_shift", "nbytes")

    def __init__(self, blocks: list[str], length: int, block: int) -> None:
        if block <= 0 or block & (block - 1):
            raise ValueError(f"block must be a power of two, not {block}")
        self._blocks = blocks
        self._len = length
        self._shift = block.bit_length() - 1
        self._mask = block - 1
        self._last: tuple[int, list[str]] = (-1, [])
        self.nbytes = sys.getsizeof(blocks) + sum(map(sys.getsizeof, blocks))

    @classmethod
    def from_sorted(cls, names: Sequence[str], block: int | None = None) -> SortedNames:
        """Pack names already in order (``block``: :data:`BLOCK` unless given)."""
        block = block or BLOCK
        return cls(_packed(names, block), len(names), block)

    @classmethod
    def build(
        cls, names: Iterable[str], *, first: list[str] | None = None, run: int | None = None, block: int | None = None
    ) -> SortedNames:
        """Sort ``first`` (if given; the list is used up) then ``names``, in any order, duplicates
        kept, holding at most ``run`` of them as objects at a time (plus a block a run while merging).
        ``run`` and ``block`` are :data:`RUN` and :data:`BLOCK` unless given. A name holding
        :data:`SEPARATOR` is refused (ValueError)."""
        run = run or RUN
        block = block or BLOCK
        it = iter(names)
        chunk = first if first is not None else []
        first = None
        runs: list[deque[str]] = []
        while True:
            if len(chunk) < run:
                chunk.extend(itertools.islice(it, run - len(chunk)))
            chunk.sort()
            if len(chunk) < run and not runs:
                return cls.from_sorted(chunk, block)
            if chunk:
                runs.append(deque(_packed(chunk, block)))
            if len(chunk) < run:
                break
            chunk = []
        del chunk
        return _merge(runs, block)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("SortedNames index out of range")
        n = index >> self._shift
        last = self._last
        if last[0] != n:
            last = (n, self._blocks[n].split(SEPARATOR))
            self._last = last  # one tuple, replaced whole: safe to share between threads
        return last[1][index & self._mask]

    def __iter__(self) -> Iterator[str]:
        return self.iter_from(0)

    def iter_from(self, start: int) -> Iterator[str]:
        """The names from index ``start`` on, unpacked a block at a time."""
        start = max(0, start)
        first = start >> self._shift
        blocks = self._blocks
        if first < len(blocks):
            yield from blocks[first].split(SEPARATOR)[start & self._mask :]
        for n in range(first + 1, len(blocks)):
            yield from blocks[n].split(SEPARATOR)

    def bisect_right(self, name: str) -> int:
        """``bisect.bisect_right(self, name)``: a binary search on the first name of each block,
        then one block unpacked."""
        blocks = self._blocks
        lo, hi = 0, len(blocks)
        while lo < hi:  # the first block whose first name is > name
            mid = (lo + hi) // 2
            packed = blocks[mid]
            cut = packed.find(SEPARATOR)
            if name < (packed if cut < 0 else packed[:cut]):
                hi = mid
            else:
                lo = mid + 1
        if lo == 0:
            return 0
        return ((lo - 1) << self._shift) + bisect.bisect_right(blocks[lo - 1].split(SEPARATOR), name)


def _packed(names: Sequence[str], block: int) -> list[str]:
    packed = [SEPARATOR.join(names[i : i + block]) for i in range(0, len(names), block)]
    if sum(piece.count(SEPARATOR) for piece in packed) != len(names) - len(packed):
        raise ValueError(f"a name contains {SEPARATOR!r}")
    return packed


def _merge(runs: list[deque[str]], block: int) -> SortedNames:
    """Merge sorted runs of packed blocks into one :class:`SortedNames`.

    Each round holds one unpacked block per run. Every held name up to the smallest last name
    among the runs that have blocks left is final (a run's later names are at least its held
    block's last): those names are sorted together (the pieces are already sorted, so
    :meth:`list.sort` merges them) and packed into the result a full block at a time; the rest
    wait for the next round. The run whose held block ends with that smallest name is used up and
    takes its next block, so every round unpacks at least one block. A run's packed block is
    dropped as soon as it is unpacked, so the runs shrink as the result grows."""
    held: list[list[str]] = [[] for _ in runs]
    out: list[str] = []
    pending: list[str] = []
    total = 0
    while True:
        for k, blocks in enumerate(runs):
            if not held[k] and blocks:
                held[k] = blocks.popleft().split(SEPARATOR)
        live = [k for k in range(len(runs)) if held[k]]
        if not live:
            break
        bounded = [held[k][-1] for k in live if runs[k]]
        cut = min(bounded) if bounded else None
        for k in live:
            names = held[k]
            if cut is None:
                pending.extend(names)
                held[k] = []
            else:
                i = bisect.bisect_right(names, cut)
                pending.extend(names[:i])
                held[k] = names[i:]
        pending.sort()
        full = len(pending) - len(pending) % block
        out.extend(SEPARATOR.join(pending[i : i + block]) for i in range(0, full, block))
        total += full
        del pending[:full]
    if pending:
        out.append(SEPARATOR.join(pending))
        total += len(pending)
    return SortedNames(out, total, block)
