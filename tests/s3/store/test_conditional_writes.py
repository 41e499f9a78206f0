"""Conditional writes in the store: the precondition is decided at the moment of publishing.

The HTTP layer checks If-Match / If-None-Match twice (conditional-writes.html): early, when the
request arrives, and as the store's ``precondition``, called under the key's lock with the ETag of
what is at the key right then. Only the second check closes the race with a writer that publishes
between the two; these tests drive the store directly, so a store that stops calling the
precondition (on PUT, copy or completion) fails here, not only in a conformance race test.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import pytest

from cargobay.s3.errors import PreconditionFailed
from cargobay.s3.store import ObjectMeta, ObjectStore
from cargobay.s3.store.multipart import CompletedPart
from cargobay.testing.trees import temp_files

MIN_PART_SIZE = 16  # the multipart minimum of the conftest's ``store`` here
Check = Callable[[str | None], None]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def if_none_match_star(current: str | None) -> None:
    if current is not None:
        raise PreconditionFailed(Condition="If-None-Match")


def if_match(etag: str) -> Check:
    def check(current: str | None) -> None:
        if current != etag:
            raise PreconditionFailed(Condition="If-Match")

    return check


def _read(store: ObjectStore, key: str) -> bytes:
    with store.open("bkt", key) as obj:
        return os.pread(obj.fd, obj.info.size + 1, 0)


def _no_temp_files(store: ObjectStore) -> bool:
    return temp_files(store.layout.root) == []


def _put(store: ObjectStore, data: bytes, check: Check) -> object:
    return store.put_bytes("bkt", "k", data, precondition=check)


def _streamed_put(store: ObjectStore, data: bytes, check: Check) -> object:
    pending = store.begin_put("bkt", "k")
    pending.write(data)
    return pending.commit(ObjectMeta(), precondition=check)


def _copy(store: ObjectStore, data: bytes, check: Check) -> object:
    store.put_bytes("bkt", "src", data)
    return store.copy("bkt", "src", "bkt", "k", precondition=check)


def _complete(store: ObjectStore, data: bytes, check: Check) -> object:
    parts = [data * MIN_PART_SIZE, data]
    upload = store.multipart.create("bkt", "k")
    for number, body in enumerate(parts, 1):
        store.multipart.put_part_bytes("bkt", "k", upload.upload_id, number, body)
    listed = [CompletedPart(n, _md5(p)) for n, p in enumerate(parts, 1)]
    return store.multipart.complete("bkt", "k", upload.upload_id, listed, precondition=check)


WRITERS = [_put, _streamed_put, _copy, _complete]
WRITER_IDS = ["put", "streamed-put", "copy", "complete-multipart"]


@pytest.mark.parametrize("write", WRITERS, ids=WRITER_IDS)
def test_conditional_write_precondition_sees_the_current_etag(
    store: ObjectStore, write: Callable[[ObjectStore, bytes, Check], object]
) -> None:
    seen: list[str | None] = []
    write(store, b"first", seen.append)
    first = store.head("bkt", "k").etag
    write(store, b"second", seen.append)
    assert seen == [None, first]


@pytest.mark.parametrize("write", WRITERS, ids=WRITER_IDS)
@pytest.mark.parametrize("condition", ["if-none-match", "if-match"])
def test_conditional_write_refused_leaves_the_object_and_no_temp_file(
    store: ObjectStore, write: Callable[[ObjectStore, bytes, Check], object], condition: str
) -> None:
    store.put_bytes("bkt", "k", b"old")
    check = if_none_match_star if condition == "if-none-match" else if_match(_md5(b"not the old body"))
    with pytest.raises(PreconditionFailed):
        write(store, b"new", check)
    assert _read(store, "k") == b"old" and store.head("bkt", "k").etag == _md5(b"old")
    assert _no_temp_files(store)


def test_conditional_put_loses_to_a_writer_that_published_after_the_early_check(store: ObjectStore) -> None:
    # If-None-Match: * held when the request arrived (no object); a concurrent PUT publishes while
    # the body streams in; at publish the condition no longer holds, and the first writer wins.
    pending = store.begin_put("bkt", "k")
    pending.write(b"mine")
    store.put_bytes("bkt", "k", b"theirs")
    with pytest.raises(PreconditionFailed):
        pending.commit(ObjectMeta(), precondition=if_none_match_star)
    assert _read(store, "k") == b"theirs"
    assert _no_temp_files(store)


def test_conditional_completion_loses_to_a_writer_that_published_after_the_early_check(store: ObjectStore) -> None:
    # If-Match: <etag of "old"> held when CompleteMultipartUpload arrived; a PUT replaced the
    # object before the parts were assembled, so the completion must not overwrite it.
    store.put_bytes("bkt", "k", b"old")
    check = if_match(store.head("bkt", "k").etag)
    parts = [b"p" * MIN_PART_SIZE, b"q"]
    upload = store.multipart.create("bkt", "k")
    for number, body in enumerate(parts, 1):
        store.multipart.put_part_bytes("bkt", "k", upload.upload_id, number, body)
    store.put_bytes("bkt", "k", b"theirs")
    listed = [CompletedPart(n, _md5(p)) for n, p in enumerate(parts, 1)]
    with pytest.raises(PreconditionFailed):
        store.multipart.complete("bkt", "k", upload.upload_id, listed, precondition=check)
    assert _read(store, "k") == b"theirs" and store.head("bkt", "k").etag == _md5(b"theirs")
    assert _no_temp_files(store)
