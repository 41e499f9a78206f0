"""ListObjectVersions: every version of every key under a prefix, keys in UTF-8 byte order and each
key's versions newest first, current versions from the objects table (through the store's own
listing) merged with older ones from the versions table (see versioning.py for where they live).

A mixin of :class:`~cargobay.s3.store.objects.ObjectStore` (the attributes below are the store's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cargobay.s3.errors import InvalidArgument, NoSuchKey, NoSuchVersion
from cargobay.s3.store.base import ListPage, ObjectInfo, VersionEntry, VersionPage, listed_checksum
from cargobay.s3.store.metadb import MetaDB
from cargobay.s3.store.versioning import NULL, is_version_id, seq_of


class VersionListing:
    """ListObjectVersions (mixed into ObjectStore)."""

    db: MetaDB
    require_bucket: Callable[[str], None]
    head: Callable[..., ObjectInfo]
    list_page: Callable[..., ListPage]  # ObjectStore.list

    def list_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = 1000,
    ) -> VersionPage:
        """One page of ListObjectVersions (keys in UTF-8 byte order, versions newest first)."""
        self.require_bucket(bucket)
        if version_id_marker and not is_version_id(version_id_marker):
            raise InvalidArgument(
                "Invalid version id specified", ArgumentName="version-id-marker", ArgumentValue=version_id_marker
            )
        if max_keys <= 0:  # nothing fits: not truncated, as ListObjects (no marker to go on from)
            return self._page([], [], False)
        entries: list[VersionEntry] = []
        prefixes: list[str] = []
        last_group: str | None = None
        count = 0
        # The key-marker's own older versions come first, when it is a key of this listing: a
        # version-id-marker naming a key outside the prefix lists none of that key.
        start_key = key_marker if version_id_marker and key_marker.startswith(prefix) else None
        for key in self._version_keys(bucket, prefix, key_marker, include=start_key):
            group, rolled = key, False
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    group, rolled = key[: cut + len(delimiter)], True
            if rolled:
                if group == last_group or group <= key_marker:
                    continue
                if count == max_keys:
                    return self._page(entries, prefixes, True)
                prefixes.append(group)
                entries.append(VersionEntry(group, "", False, False, -1, "", 0))
                last_group = group
                count += 1
                continue
            room = max_keys - count + 1  # one more than fits says whether the page is truncated
            versions = self._versions_of_key(
                bucket, key, after=version_id_marker if key == start_key else None, limit=room
            )
            for v in versions:
                if count == max_keys:
                    return self._page(entries, prefixes, True)
                entries.append(v)
                count += 1
        return self._page(entries, prefixes, False)

    @staticmethod
    def _page(entries: list[VersionEntry], prefixes: list[str], truncated: bool) -> VersionPage:
        last = entries[-1] if entries else None
        versions = tuple(e for e in entries if e.size >= 0)
        next_key = last.key if truncated and last is not None else None
        next_vid = last.version_id if truncated and last is not None and last.size >= 0 else None
        return VersionPage(versions, tuple(prefixes), truncated, next_key, next_vid)

    def _versions_of_key(self, bucket: str, key: str, *, after: str | None, limit: int) -> list[VersionEntry]:
        """Up to ``limit`` versions of ``key``, newest first: all, or those after the version
        ``after`` (a version-id-marker). ``after`` is a place in the stack: a version deleted since
        the page that named it was cut still has one (its id carries its creation order), and the
        versions older than it follow, the current one too when it was promoted from below; a
        ``null`` this key no longer has leaves nothing to list."""
        try:
            info = self.head(bucket, key)
        except (NoSuchKey, NoSuchVersion):
            info = None
        current = info.version_id or NULL if info is not None else None
        out: list[VersionEntry] = []
        below: int | None = None
        include_current = after is None
        if after is not None and after != current:
            marked = self.db.version(bucket, key, after)
            below = marked.seq if marked is not None else seq_of(after)
            if below is None:
                return out
            row = self.db.get(bucket, key) if marked is None and info is not None else None
            include_current = row is not None and row.seq < below
        if info is not None and include_current:
            entry = (key, current or NULL, True, False, info.size, info.etag, info.last_modified_ns)
            out.append(VersionEntry(*entry, None, info.meta.storage_class, *listed_checksum(info.meta.checksums)))
        # With no current version (a marker is latest), the newest row is the latest: the first one
        # listed, unless the page starts below it.
        newest = None
        if info is None and below is not None:
            top = self.db.versions_of(bucket, key, limit=1)
            newest = top[0].seq if top else None
        for v in self.db.versions_of(bucket, key, below_seq=below, limit=max(limit - len(out), 0)):
            latest = info is None and (v.seq == newest if below is not None else not out)
            owner, sc = (v.meta.owner, v.meta.storage_class) if v.meta is not None else (None, None)
            size = 0 if v.marker else v.size
            entry = (key, v.version_id, latest, v.marker, size, v.etag, v.mtime_ns)
            out.append(VersionEntry(*entry, owner or None, sc, v.checksum_algorithm, v.checksum_type))
        return out

    def _version_keys(self, bucket: str, prefix: str, after: str, *, include: str | None) -> Iterator[str]:
        """Every key with a current or older version, in key order, after ``after`` (and
        ``include`` itself when given)."""
        if include is not None:
            yield include
        current = self._current_keys(bucket, prefix, after)
        older = self._older_keys(bucket, prefix, after)
        nxt_c = next(current, None)
        nxt_o = next(older, None)
        while nxt_c is not None or nxt_o is not None:
            if nxt_o is None or (nxt_c is not None and nxt_c < nxt_o):
                key, nxt_c = nxt_c, next(current, None)
            elif nxt_c is None or nxt_o < nxt_c:
                key, nxt_o = nxt_o, next(older, None)
            else:
                key, nxt_c, nxt_o = nxt_c, next(current, None), next(older, None)
            assert key is not None
            yield key

    def _current_keys(self, bucket: str, prefix: str, after: str) -> Iterator[str]:
        while True:
            page = self.list_page(bucket, prefix=prefix, after=after, max_keys=1000)
            for entry in page.entries:
                yield entry.key
            if not page.is_truncated or not page.entries:
                return
            after = page.entries[-1].key

    def _older_keys(self, bucket: str, prefix: str, after: str) -> Iterator[str]:
        lower, inclusive = (prefix, True) if prefix > after else (after, False)
        while True:
            keys = self.db.version_keys(bucket, lower=lower, inclusive=inclusive, prefix=prefix, limit=1000)
            yield from keys
            if len(keys) < 1000:
                return
            lower, inclusive = keys[-1], False
