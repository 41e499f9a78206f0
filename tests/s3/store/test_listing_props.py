"""Listing equals a sorted-dict model for any key set, prefix, delimiter and page size."""

from __future__ import annotations

import contextlib
import os
import tempfile
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargobay.s3.store import ObjectStore, StoreConfig, listing, sortednames
from cargobay.s3.store.dircache import DirectoryCache
from cargobay.testing.strategies import object_keys

# Valid keys only: the hand-made strategy this replaces joined up to four 256-byte segments, past
# the 1,024-byte limit (KeyTooLongError, found with HYPOTHESIS_PROFILE=ci).
keys = object_keys()

# 60 in the default and CI profiles (more than their budget: this is the store's core), the
# loaded profile's count when it is larger (``long``: 2,000), so a deep run goes deeper here too.
EXAMPLES = max(60, settings().max_examples)


def model_list(keys: set[str], prefix: str, delimiter: str) -> list[tuple[str, bool]]:
    """Everything one full listing returns, in order: (key or common prefix, is_prefix)."""
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for key in sorted(keys, key=lambda k: k.encode("utf-8")):
        if not key.startswith(prefix):
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                group = key[: cut + len(delimiter)]
                if group not in seen:
                    seen.add(group)
                    out.append((group, True))
                continue
        out.append((key, False))
    return out


def store_list(
    store: ObjectStore, prefix: str, delimiter: str, page_size: int, after: str = ""
) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for _ in range(1000):
        page = store.list("bkt", prefix=prefix, delimiter=delimiter, after=after, max_keys=page_size)
        items = [(e.key, False) for e in page.entries] + [(p, True) for p in page.common_prefixes]
        items.sort(key=lambda item: item[0].encode("utf-8"))
        assert len(items) <= page_size
        out += items
        if not page.is_truncated:
            return out
        assert page.last_item is not None and items
        assert page.last_item == items[-1][0]
        after = page.last_item
    raise AssertionError("listing did not terminate")


@settings(max_examples=EXAMPLES)
@given(
    st.sets(keys, max_size=25),
    st.sampled_from(["", "a", "a/", "a-", "b/", "ä", "./"]),
    st.sampled_from(["", "/", "-", "a/"]),
    st.integers(1, 7),
    st.booleans(),
    st.booleans(),
    keys,
)
def test_listing_matches_sorted_model(
    key_set: set[str], prefix: str, delimiter: str, page_size: int, cached: bool, compact: bool, extra: str
) -> None:
    with tempfile.TemporaryDirectory() as root, contextlib.ExitStack() as patches:
        if cached:  # every directory, however small or fresh, is served from the name cache
            patches.enter_context(mock.patch.object(DirectoryCache, "RACY_NS", 0))
            patches.enter_context(mock.patch.object(DirectoryCache, "MIN_ENTRIES", 1))
        if compact:  # every directory's names as SortedNames, merged from runs of 3 in blocks of 2
            patches.enter_context(mock.patch.object(listing, "COMPACT_FROM", 1))
            patches.enter_context(mock.patch.object(sortednames, "RUN", 3))
            patches.enter_context(mock.patch.object(sortednames, "BLOCK", 2))
        store = ObjectStore(root, StoreConfig(durable=False))
        try:
            store.create_bucket("bkt")
            for key in key_set:
                store.put_bytes("bkt", key, key.encode("utf-8"))
            assert store_list(store, prefix, delimiter, page_size) == model_list(key_set, prefix, delimiter)
            full = store.list("bkt", max_keys=1000)
            for entry in full.entries:
                with store.open("bkt", entry.key) as obj:
                    assert obj.info.etag == entry.etag  # listing agrees with GET
            # A key added after the directories were listed (and, when cached, cached) is seen.
            store.put_bytes("bkt", extra, b"later")
            assert store_list(store, prefix, delimiter, page_size) == model_list(key_set | {extra}, prefix, delimiter)
        finally:
            store.close()


@settings(max_examples=EXAMPLES)
@given(
    st.sets(keys, max_size=20),
    st.sampled_from(["", "a", "a/", "a-", "b/", "\u00e4"]),
    st.sampled_from(["", "/", "-", "a/"]),
    st.integers(1, 5),
    st.one_of(keys, st.sampled_from(["a", "a/", "a/b", "a-", "b", "b/", "\u00e4/"])),
    st.booleans(),
)
def test_listing_from_any_marker_matches_sorted_model(
    key_set: set[str], prefix: str, delimiter: str, page_size: int, after: str, marker_is_a_key: bool
) -> None:
    """StartAfter / Marker may be any text (API_ListObjectsV2.html: "StartAfter can be any key in the
    bucket"), a key or not, before, inside or past the prefix: the listing is the model's items that sort
    after it (a common prefix too, so a page ending on one never repeats it)."""
    listed = key_set | {after} if marker_is_a_key else key_set
    with tempfile.TemporaryDirectory() as root:
        store = ObjectStore(root, StoreConfig(durable=False))
        try:
            store.create_bucket("bkt")
            for key in listed:
                store.put_bytes("bkt", key, b"x")
            expected = [item for item in model_list(listed, prefix, delimiter) if item[0].encode() > after.encode()]
            assert store_list(store, prefix, delimiter, page_size, after) == expected
        finally:
            store.close()


@pytest.mark.parametrize("compact", [False, True])
def test_listing_large_directory_pages_through_cache_and_sees_changes(tmp_path, monkeypatch, compact) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(DirectoryCache, "RACY_NS", 0)  # cache even fresh directories, to exercise it
    if compact:  # the 600-name directory as SortedNames: 5 runs of 128 merged, blocks of 16
        monkeypatch.setattr(listing, "COMPACT_FROM", 100)
        monkeypatch.setattr(sortednames, "RUN", 128)
        monkeypatch.setattr(sortednames, "BLOCK", 16)
    store = ObjectStore(str(tmp_path), StoreConfig(durable=False))
    try:
        store.create_bucket("bkt")
        keys = {f"flat/k{i:04d}" for i in range(600)} | {f"flat/sub{i}/x" for i in range(3)} | {"flat-z", "a"}
        for key in keys:
            store.put_bytes("bkt", key, b"x")
        for prefix, delimiter in [("", ""), ("flat/", "/"), ("flat/k01", ""), ("flat/sub", "/")]:
            assert store_list(store, prefix, delimiter, 97) == model_list(keys, prefix, delimiter)
        flat = os.path.join(store.layout.bucket_dir("bkt"), "flat")
        cached = store.space.directory_cache.get(flat, os.stat(flat).st_mtime_ns, False)
        assert isinstance(cached, sortednames.SortedNames if compact else list)
        store.put_bytes("bkt", "flat/k9999", b"added after the directory was cached")
        store.delete("bkt", "flat/k0000")
        keys = (keys | {"flat/k9999"}) - {"flat/k0000"}
        assert store_list(store, "", "", 97) == model_list(keys, "", "")
    finally:
        store.close()
