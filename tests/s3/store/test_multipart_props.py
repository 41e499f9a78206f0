"""Property: whatever the part sizes, upload order and overwrites, a completed upload is the
concatenation of the last body sent for each listed part, with the AWS multipart ETag; an aborted
upload leaves the previous object as it was."""

from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.errors import EntityTooSmall, NoSuchKey
from cargobay.s3.store import ObjectStore, StoreConfig
from cargobay.s3.store.multipart import CompletedPart

MIN = 16

part_numbers = st.integers(min_value=1, max_value=10_000)
bodies = st.binary(min_size=0, max_size=3 * MIN)


@st.composite
def uploads(draw: st.DrawFn) -> tuple[list[tuple[int, bytes]], list[int], bool, bytes | None, int]:
    """(part uploads in the order sent, with repeats; part numbers to complete; abort?; old object;
    after how many sends the store is closed and re-opened, as a server restart)."""
    numbers = draw(st.lists(part_numbers, min_size=1, max_size=6, unique=True))
    sends = [(n, draw(bodies)) for n in numbers]
    overwrites = draw(st.lists(st.tuples(st.sampled_from(numbers), bodies), max_size=4))
    sends += overwrites
    order = draw(st.permutations(sends))
    chosen = sorted(draw(st.lists(st.sampled_from(numbers), min_size=1, unique=True)))
    old = draw(st.none() | st.binary(max_size=20))
    return list(order), chosen, draw(st.booleans()), old, draw(st.integers(0, len(sends) + 1))


@given(case=uploads())
def test_completed_object_is_concatenation_with_aws_etag(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[list[tuple[int, bytes]], list[int], bool, bytes | None, int]
) -> None:
    sends, chosen, abort, old, restart_at = case
    root = tmp_path_factory.mktemp("mp")
    store = ObjectStore(str(root), StoreConfig(durable=False, min_part_size=MIN))
    try:
        store.create_bucket("bkt")
        if old is not None:
            store.put_bytes("bkt", "key", old)
        upload = store.multipart.create("bkt", "key")
        latest: dict[int, bytes] = {}
        for index, (number, body) in enumerate(sends):
            if index == restart_at:
                store.close()
                store = ObjectStore(str(root), StoreConfig(durable=False, min_part_size=MIN))
            store.multipart.put_part_bytes("bkt", "key", upload.upload_id, number, body)
            latest[number] = body
        if abort:
            store.multipart.abort("bkt", "key", upload.upload_id)
            expected_old = old
        else:
            listed = [CompletedPart(n, hashlib.md5(latest[n]).hexdigest()) for n in chosen]
            too_small = any(len(latest[n]) < MIN for n in chosen[:-1])
            if too_small:
                with pytest.raises(EntityTooSmall):
                    store.multipart.complete("bkt", "key", upload.upload_id, listed)
                expected_old = old
            else:
                info = store.multipart.complete("bkt", "key", upload.upload_id, listed)
                whole = b"".join(latest[n] for n in chosen)
                md5s = b"".join(hashlib.md5(latest[n]).digest() for n in chosen)
                assert info.etag == f"{hashlib.md5(md5s).hexdigest()}-{len(chosen)}"
                assert info.size == len(whole)
                assert info.meta.parts == tuple(len(latest[n]) for n in chosen)
                with store.open("bkt", "key") as obj:
                    assert os.pread(obj.fd, len(whole) + 1, 0) == whole
                    assert obj.info.etag == info.etag
                return
        if expected_old is None:
            with pytest.raises(NoSuchKey):
                store.head("bkt", "key")
        else:
            with store.open("bkt", "key") as obj:
                assert os.pread(obj.fd, len(expected_old) + 1, 0) == expected_old
    finally:
        store.close()
