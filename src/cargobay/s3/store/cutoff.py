"""Completions a crash cut off between renaming the upload's assembly file onto its key and
forgetting the upload: the one rule that recognises them.

The store applies it when it opens (it forgets such uploads) and when a completion finds a part
gone (it answers with the object), both in :mod:`.upkeep`; fsck applies it offline (kind
``upload-completed``). Each brings its own way to the key's object (the store's reader, or the
data directory's rows and paths); the rule is here:

1. a file that a part row names a region of is gone from the upload's staging directory (only
   a completion renames an assembly file away; a lost file with another object at the key
   stays a lost part), and
2. the object at the key is what completing parts 1..N published: its row's ETag is their
   multipart ETag, or, when the crash also beat the object's row, its bytes are exactly theirs,
   part by part (each range's MD5 is its part's ETag).

This module knows nothing of HTTP.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager

from cargobay.s3.etag import multipart_count, multipart_etag
from cargobay.s3.store.metadb import PartRow
from cargobay.s3.store.parts import split_ref
from cargobay.s3.store.pending import md5_of_fd

# The object at the key, opened only when step 1 holds: (its row's ETag or None, descriptors of
# the files that may hold it).
KeyObject = Callable[[], AbstractContextManager[tuple[str | None, Sequence[int]]]]


def cut_off(staging: str, rows: Sequence[PartRow], key: KeyObject) -> bool:
    """Whether the upload with part ``rows`` and staging directory ``staging`` is a completion
    cut off after its rename (the rule in the module docs)."""
    if not assembly_gone(staging, rows):
        return False
    with key() as (etag, fds):
        return published(rows, etag, fds)


def assembly_gone(staging: str, rows: Sequence[PartRow]) -> bool:
    """Whether a file a row names a region of is no regular file in ``staging`` any more."""
    names = {split_ref(row.file)[0] for row in rows if split_ref(row.file)[0] != row.file}
    return not all(os.path.isfile(os.path.join(staging, name)) for name in names)


def published(rows: Sequence[PartRow], etag: str | None, fds: Iterable[int]) -> bool:
    """Whether the object with ``etag`` (its row's), or in one of the files ``fds``, is what
    completing parts 1..N of ``rows`` published."""
    return (etag is not None and completed_with(rows, etag)) or any(holds_parts(fd, rows) for fd in fds)


def completed_with(rows: Sequence[PartRow], etag: str) -> bool:
    """Whether ``etag`` is the multipart ETag of parts 1..N of ``rows`` (N from its ``-N``). (A
    completion that renamed the assembly file onto the key chose parts 1..N: each at its stride
    offset.)"""
    count = multipart_count(etag)
    if count is None:
        return False
    ordered = sorted(rows, key=lambda row: row.part_number)[:count]
    if [row.part_number for row in ordered] != list(range(1, count + 1)):
        return False
    return multipart_etag(row.etag for row in ordered) == etag


def holds_parts(fd: int, rows: Sequence[PartRow]) -> bool:
    """Whether the file ``fd`` is exactly parts 1..N of ``rows`` one after another (the N whose
    sizes add up to the file's): each range's MD5 is its part's ETag. For an object whose row a
    crash left stale, so its ETag cannot tell."""
    size = os.fstat(fd).st_size
    chosen: list[PartRow] = []
    total = 0
    for row in sorted(rows, key=lambda row: row.part_number):
        if total >= size or row.part_number != len(chosen) + 1:
            break
        chosen.append(row)
        total += row.size
    if not chosen or total != size:
        return False
    offset = 0
    for row in chosen:
        if md5_of_fd(fd, offset, row.size) != row.etag:
            return False
        offset += row.size
    return True
