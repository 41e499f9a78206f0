"""ListObjectVersions equals a model of version stacks for any history of puts and deletes, prefix,
delimiter, starting markers and page size (the rules in API_ListObjectVersions.html: keys in UTF-8
byte order, each key's versions newest first, a common prefix once and only when it sorts after the
key-marker, a version-id-marker resuming inside its key), with versioning enabled and suspended (the
``null`` version anywhere in a stack)."""

from __future__ import annotations

import tempfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cargobay.s3.store import ObjectStore, StoreConfig

B = "bkt"
# Few keys, chosen so that prefixes and delimiters meet: nested, sharing leading text, "/" and "-" runs.
KEYS = ["a", "a/b", "a/c/d", "a-b", "a--c", "b", "b/", "b//c", "\u00e4/x"]
Item = tuple[Any, ...]  # ("V", key, version id, is latest, is marker) or ("P", common prefix)

# 60 in the default and CI profiles (more than their budget: this is the store's core), the
# loaded profile's count when it is larger (``long``: 2,000), so a deep run goes deeper here too.
EXAMPLES = max(60, settings().max_examples)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def model_items(
    stacks: dict[str, list[tuple[str, bool]]], prefix: str, delimiter: str, key_marker: str, version_marker: str
) -> list[Item]:
    """What a listing from the markers to the end returns, in order."""
    out: list[Item] = []
    seen: set[str] = set()
    for key in sorted((k for k, stack in stacks.items() if stack), key=_utf8):
        if not key.startswith(prefix):
            continue
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        if cut >= 0:
            group = key[: cut + len(delimiter)]
            if group not in seen and _utf8(group) > _utf8(key_marker):
                seen.add(group)
                out.append(("P", group))
            continue
        versions = stacks[key]
        if _utf8(key) < _utf8(key_marker) or (key == key_marker and not version_marker):
            continue
        if key == key_marker:
            ids = [vid for vid, _ in versions]
            versions = versions[ids.index(version_marker) + 1 :]
        out += [
            ("V", key, vid, i == 0 and vid == stacks[key][0][0], marker) for i, (vid, marker) in enumerate(versions)
        ]
    return out


def store_items(
    store: ObjectStore, prefix: str, delimiter: str, key_marker: str, version_marker: str, page_size: int
) -> list[Item]:
    """Every page from the markers on, following NextKeyMarker / NextVersionIdMarker."""
    out: list[Item] = []
    for _ in range(500):
        page = store.list_versions(
            B,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            version_id_marker=version_marker,
            max_keys=page_size,
        )
        entries: list[Item] = [("V", e.key, e.version_id, e.is_latest, e.is_marker) for e in page.entries]
        groups: list[Item] = [("P", p) for p in page.common_prefixes]
        items = sorted(entries + groups, key=lambda item: _utf8(item[1]))  # stable: versions keep their order
        assert len(items) <= page_size
        out += items
        if not page.is_truncated:
            return out
        assert page.next_key_marker is not None and items, "a truncated page names no next key-marker"
        key_marker, version_marker = page.next_key_marker, page.next_version_id_marker or ""
    raise AssertionError("the listing did not terminate")


_OPS = st.lists(
    st.tuples(
        st.sampled_from(KEYS),
        st.sampled_from(["put", "put", "delete", "remove", "suspend", "enable"]),
        st.integers(0, 9),
    )
)


def _push(stack: list[tuple[str, bool]], version: str, marker: bool) -> None:
    """A new version on top; a new ``null`` one replaces the null version wherever it is in the stack
    (AddingObjectstoVersionSuspendedBuckets.html, DeletingObjectsfromVersioningSuspendedBuckets.html)."""
    if version == "null":
        stack[:] = [entry for entry in stack if entry[0] != "null"]
    stack.insert(0, (version, marker))


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    _OPS,
    st.sampled_from(["", "a", "a/", "a-", "b/", "\u00e4"]),
    st.sampled_from(["", "/", "-", "--", "/c"]),
    st.integers(1, 5),
    st.one_of(st.none(), st.sampled_from(["", "a", "a/", "a/b", "a-", "b/", "z"]), st.integers(0, 30)),
)
def test_version_listing_matches_the_model(
    ops: list[tuple[str, str, int]], prefix: str, delimiter: str, page_size: int, start: str | int | None
) -> None:
    with tempfile.TemporaryDirectory() as root:
        store = ObjectStore(root, StoreConfig(durable=False))
        try:
            store.create_bucket(B)
            store.set_versioning(B, "Enabled")
            stacks: dict[str, list[tuple[str, bool]]] = {}
            for key, op, pick in ops:
                stack = stacks.setdefault(key, [])
                if op in ("suspend", "enable"):
                    store.set_versioning(B, "Suspended" if op == "suspend" else "Enabled")
                elif op == "put":
                    version = store.put_bytes(B, key, b"x").version_id
                    assert version is not None
                    _push(stack, version, False)
                elif op == "delete":
                    made = store.delete(B, key)
                    assert made.version_id is not None
                    _push(stack, made.version_id, True)
                elif stack:  # remove one version (or marker) by id
                    vid, _ = stack.pop(pick % len(stack))
                    store.delete(B, key, vid)
            # where to start: nothing, a key-marker alone, or a key-marker with one of its version ids
            key_marker, version_marker = "", ""
            if isinstance(start, str):
                key_marker = start
            elif isinstance(start, int):
                versioned = [(k, vid) for k in sorted(stacks) for vid, _ in stacks[k]]
                if versioned:
                    key_marker, version_marker = versioned[start % len(versioned)]
            expected = model_items(stacks, prefix, delimiter, key_marker, version_marker)
            assert store_items(store, prefix, delimiter, key_marker, version_marker, page_size) == expected
        finally:
            store.close()
