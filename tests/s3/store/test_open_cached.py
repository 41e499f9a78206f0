"""``open_cached``: the event-loop-safe open. It serves what ``open`` serves when the row is
current, and declines (None) exactly when ``open`` would have to hash the bytes."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargobay.s3.errors import NoSuchKey, S3Error
from cargobay.s3.store import ObjectMeta, ObjectStore


def _file(store: ObjectStore, key: str) -> str:
    path = store.layout.verbatim_path("bkt", key)
    assert path is not None
    return path


def test_current_row_is_served_like_open(store: ObjectStore) -> None:
    store.put_bytes("bkt", "a/b.txt", b"hello", ObjectMeta())
    cached = store.open_cached("bkt", "a/b.txt")
    assert cached is not None
    with cached, store.open("bkt", "a/b.txt") as full:
        assert cached.info == full.info
        assert os.pread(cached.fd, 100, 0) == b"hello"


def test_declines_out_of_band_files_and_edits(store: ObjectStore) -> None:
    os.makedirs(os.path.dirname(_file(store, "dropped")), exist_ok=True)
    with open(_file(store, "dropped"), "wb") as f:
        f.write(b"dropped in")
    assert store.open_cached("bkt", "dropped") is None  # no row: the ETag must be computed
    with store.open("bkt", "dropped"):
        pass
    assert store.open_cached("bkt", "dropped") is not None  # open() recorded the row
    store.put_bytes("bkt", "k", b"one", ObjectMeta())
    with open(_file(store, "k"), "ab") as f:
        f.write(b" more")
    assert store.open_cached("bkt", "k") is None  # stale row
    with store.open("bkt", "k") as obj:
        assert obj.info.size == len(b"one more")


def test_missing_things_raise_like_open(store: ObjectStore) -> None:
    with pytest.raises(NoSuchKey):
        store.open_cached("bkt", "nope")
    os.mkfifo(_file(store, "fifo"))
    with pytest.raises(NoSuchKey):  # never blocks on a FIFO, never serves it
        store.open_cached("bkt", "fifo")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40), body=st.binary(max_size=64))
def test_open_cached_agrees_with_open(store: ObjectStore, key: str, body: bytes) -> None:
    """For any key a PUT accepts, open_cached gives the same info as open() (one store is shared
    by the examples on purpose: earlier keys make later ones prefixes, files and internal keys)."""
    try:
        store.put_bytes("bkt", key, body, ObjectMeta())
    except S3Error:  # keys S3 refuses are refused the same way by both
        with pytest.raises(S3Error):
            store.open_cached("bkt", key)
        return
    cached = store.open_cached("bkt", key)
    with store.open("bkt", key) as full:
        assert os.pread(full.fd, 100, 0) == body
        assert cached is not None  # this store wrote the row: it is current
        with cached:
            assert cached.info == full.info
            assert os.pread(cached.fd, 100, 0) == body
