"""Listing in S3 order: a merge of the file walk and the internal area.

Order is UTF-8 byte order, which equals Python's code-point order for valid strings. Within one
directory the walk sorts a directory ``d`` as ``d/`` (all its keys start with that) and a file ``f``
as ``f``, which interleaves the two exactly as their keys sort. Keys kept in the internal area come
from the metadata rows in key order; ``heapq.merge`` joins the two sorted streams.

Grouping follows S3: with a delimiter, a key whose remainder after the prefix contains it is
reported once as the common prefix up to and including the delimiter. An item (key or common
prefix) is returned only if it sorts after ``after`` (StartAfter, Marker or the continuation
token), so a page never repeats a common prefix reported by the page before.

Pruning: only directories that can hold keys with the prefix and after ``after`` are opened; with
the ``/`` delimiter a directory wholly inside the prefix is reported as a common prefix without
being listed (only checked for containing at least one object).

Names that are not valid UTF-8, symlinks and temp files are not objects and are skipped.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from cargobay._fsutil import TEMP_PREFIX, is_temp_name
from cargobay.s3.store.base import ListEntry, ListPage, ObjectInfo, listed_checksum
from cargobay.s3.store.dircache import DirectoryCache
from cargobay.s3.store.sortednames import SortedNames

if TYPE_CHECKING:
    from cargobay.s3.store.keyspace import KeySpace

# Fresh info for a file a walk found whose row is stale (ObjectStore.refresh_listed).
Refresh = Callable[[str, str, str, os.stat_result, Any, bool], "ObjectInfo | None"]

# A directory of at least this many names is kept as SortedNames (below, a list costs little).
COMPACT_FROM = 4096

_FILE, _PREFIX, _INTERNAL = 0, 1, 2
# Items are (key, kind, payload); heapq.merge keeps the order of equal keys by stream index,
# and the internal stream goes first, so a key in both places is reported from the internal area.
_Item = tuple[str, int, object]


def _valid_name(name: str) -> bool:
    if not name.isascii():
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes arrive as surrogate escapes
            return False
    return not is_temp_name(name)


def _contains_object(path: str, follow: bool = False, seen: frozenset[tuple[int, int]] = frozenset()) -> bool:
    try:
        if follow:
            st = os.stat(path)
            if (st.st_dev, st.st_ino) in seen:
                return False  # a symlink loop
            seen = seen | {(st.st_dev, st.st_ino)}
        with os.scandir(path) as entries:
            subdirs = []
            for entry in entries:
                if not _valid_name(entry.name):
                    continue
                if entry.is_file(follow_symlinks=follow):
                    return True
                if entry.is_dir(follow_symlinks=follow):
                    subdirs.append(entry.path)
    except OSError:
        return False
    return any(_contains_object(sub, follow, seen) for sub in subdirs)


def _scan(directory: str, follow: bool) -> Iterator[str]:
    """The names of ``directory`` in the order the filesystem gives them, a directory ``d`` as
    ``d/`` (so it sorts as its keys do, and a trailing ``/`` is what says it is one: a file's name
    cannot end in ``/``)."""
    with os.scandir(directory) as it:
        for entry in it:
            name = entry.name
            # _valid_name(), inlined: this loop runs once per listed file.
            if name.startswith(TEMP_PREFIX) or (not name.isascii() and not _valid_name(name)):
                continue
            try:
                if entry.is_dir(follow_symlinks=follow):
                    yield name + "/"
                elif entry.is_file(follow_symlinks=follow):
                    yield name
            except OSError:
                continue


def _sorted_names(directory: str, follow: bool, cache: DirectoryCache | None) -> Sequence[str]:
    """The names of a directory (see :func:`_scan`) in S3 order: a ``list`` for a directory of
    fewer than :data:`COMPACT_FROM` names, else :class:`SortedNames` (a flat directory of
    1,000,000 files is listed from these: 13 MiB of names instead of 72, and never all of them
    as objects at once)."""
    mtime = os.stat(directory).st_mtime_ns if cache is not None else 0
    if cache is not None:
        found = cache.get(directory, mtime, follow)
        if found is not None:
            return found
    names: Sequence[str]
    scan = _scan(directory, follow)
    head = list(itertools.islice(scan, COMPACT_FROM))
    if len(head) < COMPACT_FROM:
        head.sort()
        names = head
    else:
        names = SortedNames.build(scan, first=head)
    if cache is not None:
        cache.put(directory, mtime, follow, names)
    return names


def walk_keys(
    directory: str,
    rel: str,
    *,
    prefix: str,
    after: str,
    collapse: bool,
    follow: bool = False,
    seen: frozenset[tuple[int, int]] = frozenset(),
    cache: DirectoryCache | None = None,
) -> Iterator[_Item]:
    """Files below ``directory`` as (key, kind, path) in S3 order, pruned by prefix/after.

    ``follow`` (``serve --follow-symlinks``) treats symlinks as what they point to; ``seen``
    holds the (device, inode) of the directories above, so a symlink loop ends the descent."""
    try:
        if follow:
            st = os.stat(directory)
            if (st.st_dev, st.st_ino) in seen:
                return
            seen = seen | {(st.st_dev, st.st_ino)}
        suffixes = _sorted_names(directory, follow, cache)
    except OSError:
        return
    start = 0
    if after.startswith(rel) and after != rel:
        local = after[len(rel) :]
        if isinstance(suffixes, SortedNames):
            start = suffixes.bisect_right(local)
        else:
            start = bisect.bisect_right(suffixes, local)
        if start > 0 and suffixes[start - 1][-1] == "/" and local.startswith(suffixes[start - 1]):
            start -= 1  # ``after`` lies inside this directory: resume within it
    elif after > rel and not after.startswith(rel):
        return  # everything here sorts before ``after``
    base = directory if directory.endswith(os.sep) else directory + os.sep  # os.path.join, without its cost
    names = suffixes.iter_from(start) if isinstance(suffixes, SortedNames) else itertools.islice(suffixes, start, None)
    for name in names:
        sortkey = rel + name
        if sortkey[-1] == "/":
            if not (sortkey.startswith(prefix) or prefix.startswith(sortkey)):
                if sortkey > prefix:
                    break
                continue
            if sortkey < after and not after.startswith(sortkey):
                continue
            path = base + name[:-1]
            if collapse and len(sortkey) > len(prefix) and sortkey.startswith(prefix):
                if _contains_object(path, follow, seen):
                    yield (sortkey, _PREFIX, None)
                continue
            yield from walk_keys(
                path, sortkey, prefix=prefix, after=after, collapse=collapse, follow=follow, seen=seen, cache=cache
            )
        else:
            if sortkey <= after:
                continue
            if not sortkey.startswith(prefix):
                if sortkey > prefix:
                    break
                continue
            yield (sortkey, _FILE, base + name)


def list_page(
    store: KeySpace,
    refresh: Refresh,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    after: str,
    max_keys: int,
) -> ListPage:
    """One page of ``bucket``'s listing (see the module docstring for the rules)."""
    if max_keys <= 0:
        return ListPage((), (), False, None, False)
    layout, db = store.layout, store.db
    collapse = delimiter == "/"
    files = walk_keys(
        layout.bucket_dir(bucket),
        "",
        prefix=prefix,
        after=after,
        collapse=collapse,
        follow=layout.follow_symlinks,
        cache=store.directory_cache,
    )
    rows = db.internal_rows(bucket, after=after, prefix=prefix)
    first = next(rows, None)
    merged: Iterator[_Item]
    if first is None:  # the usual case: no key of this listing lives in the internal area
        merged = files
    else:
        internal = ((row.key, _INTERNAL, row) for row in itertools.chain((first,), rows))
        merged = heapq.merge(internal, files, key=_first)

    picked: list[_Item] = []
    prefixes: list[str] = []
    last_group: str | None = None
    last_key: str | None = None
    truncated = False
    count = 0
    for key, kind, payload in merged:
        if key == last_key:
            continue  # the same key in both places: the internal copy (seen first) wins
        last_key = key
        group = key
        is_prefix = kind == _PREFIX
        if delimiter and not is_prefix:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                group = key[: cut + len(delimiter)]
                is_prefix = True
        if group <= after or (is_prefix and group == last_group):
            continue
        if count == max_keys:
            truncated = True
            break
        count += 1
        last_group = group
        if is_prefix:
            prefixes.append(group)
            picked.append((group, _PREFIX, None))
        else:
            picked.append((key, kind, payload))

    entries = _entries(store, refresh, bucket, picked)
    last_item = picked[-1][0] if picked else None
    last_is_prefix = bool(picked) and picked[-1][1] == _PREFIX
    return ListPage(tuple(entries), tuple(prefixes), truncated, last_item, last_is_prefix)


def _first(item: _Item) -> str:
    return item[0]


def _entries(store: KeySpace, refresh: Refresh, bucket: str, picked: list[_Item]) -> list[ListEntry]:
    """Attach size, ETag and mtime to the page's keys, refreshing rows that went stale.

    The metadata rows of the page come in one query; a row is current when its stat fingerprint
    ``(size, mtime_ns, ctime_ns, ino)`` equals the file's (one ``lstat`` per key, no other call)."""
    keys = [key for key, kind, _ in picked if kind != _PREFIX]
    if not keys:
        return []
    rows = store.db.etags_between(bucket, keys[0], keys[-1])
    stat = os.stat if store.layout.follow_symlinks else os.lstat
    out: list[ListEntry] = []
    append = out.append
    make = tuple.__new__  # the named tuple without its Python-level __new__ (once per key)
    for key, kind, payload in picked:
        if kind == _PREFIX:
            continue
        row = rows.get(key)
        if kind == _FILE:
            path = str(payload)
            internal = False
            if row is not None and row[1]:
                continue  # shadowed by the internal copy
            try:
                st = stat(path)
            except (FileNotFoundError, NotADirectoryError):
                continue
        else:
            internal = True
            path = store.layout.internal_path(bucket, key)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
        if (
            row is not None
            and row[2] == st.st_size
            and row[3] == st.st_mtime_ns
            and row[4] == st.st_ctime_ns
            and row[5] == st.st_ino
        ):
            append(make(ListEntry, (key, st.st_size, row[6], st.st_mtime_ns, None, row[7], row[8])))
            continue
        full = store.db.get(bucket, key)
        info = refresh(bucket, key, path, st, full, internal)
        if info is not None:
            meta = info.meta
            append(
                ListEntry(
                    key,
                    info.size,
                    info.etag,
                    info.last_modified_ns,
                    meta.storage_class,
                    *listed_checksum(meta.checksums),
                )
            )
    # Storage classes other than STANDARD, from a partial index (empty for most buckets).
    classes = store.db.classes_between(bucket, keys[0], keys[-1])
    if classes:
        out = [e._replace(storage_class=classes[e.key]) if e.key in classes else e for e in out]
    return out
