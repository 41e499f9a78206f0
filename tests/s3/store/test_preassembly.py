"""The multipart head start (store/preassembly.py): whatever the part sizes, order, re-uploads
and restarts, a completion publishes exactly the concatenation of the chosen parts, and the
head-start temp file never outlives its upload. In the common case (equal parts, any order) the
completion uses it and copies nothing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargobay._fsutil import is_temp_name
from cargobay.s3.errors import EntityTooSmall
from cargobay.s3.store import ObjectStore, StoreConfig
from cargobay.s3.store import multipart as mp
from cargobay.s3.store.multipart import CompletedPart

MIN = 16


def _temps(root: str) -> list[str]:
    found = []
    for dirpath, _dirs, files in os.walk(os.path.join(root, "bkt")):
        found += [os.path.join(dirpath, f) for f in files if is_temp_name(f)]
    return found


@pytest.fixture
def small_head_start() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mp, "_PREASSEMBLE_MIN", 1)  # every part qualifies, so tiny parts exercise it
        yield


bodies = st.one_of(st.binary(min_size=MIN, max_size=MIN), st.binary(max_size=2 * MIN))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[tuple[int, bytes]], list[int], int, str]:
    numbers = draw(st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True))
    sends = [(n, draw(bodies)) for n in numbers]
    sends += draw(st.lists(st.tuples(st.sampled_from(numbers), bodies), max_size=3))
    order = list(draw(st.permutations(sends)))
    chosen = sorted(draw(st.lists(st.sampled_from(numbers), min_size=1, unique=True)))
    return order, chosen, draw(st.integers(0, len(order) + 1)), draw(st.sampled_from(["complete", "abort", "close"]))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the patch is the same for all
@given(case=cases())
def test_completion_is_the_concatenation_and_no_temp_file_is_left(
    small_head_start: None,
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[list[tuple[int, bytes]], list[int], int, str],
) -> None:
    sends, chosen, restart_at, ending = case
    root = str(tmp_path_factory.mktemp("pre"))
    config = StoreConfig(durable=False, min_part_size=MIN)
    store = ObjectStore(root, config)
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        latest: dict[int, bytes] = {}
        for index, (number, body) in enumerate(sends):
            if index == restart_at:
                store.close()
                assert _temps(root) == []
                store = ObjectStore(root, config)
            store.multipart.put_part_bytes("bkt", "key", upload.upload_id, number, body)
            latest[number] = body
        if ending == "abort":
            store.multipart.abort("bkt", "key", upload.upload_id)
        elif ending == "complete":
            listed = [CompletedPart(n, hashlib.md5(latest[n]).hexdigest()) for n in chosen]
            if any(len(latest[n]) < MIN for n in chosen[:-1]):
                with pytest.raises(EntityTooSmall):
                    store.multipart.complete("bkt", "key", upload.upload_id, listed)
            else:
                info = store.multipart.complete("bkt", "key", upload.upload_id, listed)
                whole = b"".join(latest[n] for n in chosen)
                assert info.size == len(whole)
                with store.open("bkt", "key") as obj:
                    assert os.pread(obj.fd, len(whole) + 1, 0) == whole
                assert _temps(root) == []
    finally:
        store.close()
    assert _temps(root) == []


def test_equal_parts_in_any_order_complete_without_a_copy(
    small_head_start: None, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=True, min_part_size=MIN))
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        parts = {1: os.urandom(MIN), 2: os.urandom(MIN), 3: os.urandom(5)}
        done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, parts[n]) for n in (3, 1, 2)}

        def no_copy(*args: object) -> None:
            raise AssertionError("the completion concatenated the parts instead of using the head start")

        monkeypatch.setattr(mp, "copy_range", no_copy)
        store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
        with store.open("bkt", "key") as obj:
            assert os.pread(obj.fd, 100, 0) == parts[1] + parts[2] + parts[3]
    finally:
        store.close()


def test_a_larger_part_after_a_short_one_moves_the_placed_parts(
    small_head_start: None, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=False, min_part_size=MIN))
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        parts = {3: os.urandom(5), 2: os.urandom(MIN), 1: os.urandom(MIN)}  # the short last part first
        done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, body) for n, body in parts.items()}

        def no_copy(*args: object) -> None:
            raise AssertionError("the completion concatenated the parts instead of using the head start")

        monkeypatch.setattr(mp, "copy_range", no_copy)
        store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
        with store.open("bkt", "key") as obj:
            assert os.pread(obj.fd, 100, 0) == parts[1] + parts[2] + parts[3]
    finally:
        store.close()


def test_too_many_moves_give_up_and_concatenate(small_head_start: None, tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(str(tmp_path), "data")
    store = ObjectStore(root, StoreConfig(durable=False, min_part_size=1))
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        # each part is larger than every earlier one: the stride changes until it is given up
        parts = {n: os.urandom(10 - n) for n in range(9, 0, -1)}
        done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, body) for n, body in parts.items()}
        assert _temps(root) == []  # given up: the head start is gone at once
        listed = [CompletedPart(n, done[n].etag) for n in sorted(parts)]
        store.multipart.complete("bkt", "key", upload.upload_id, listed)
        with store.open("bkt", "key") as obj:
            assert os.pread(obj.fd, 100, 0) == b"".join(parts[n] for n in sorted(parts))
    finally:
        store.close()
