"""A streamed PUT's digests (store/pending.py): hashed slice by slice across pieces of any size,
they equal the digests of the whole body, and a wrong one is refused."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargobay.s3.errors import BadDigest, NoSuchKey, XAmzContentSHA256Mismatch
from cargobay.s3.store import ObjectMeta, ObjectStore, PutChecks


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode("ascii")


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300_000), min_size=1, max_size=5))
def test_digests_of_pieces_equal_those_of_the_whole(tmp_path_factory: pytest.TempPathFactory, sizes: list[int]) -> None:
    store = ObjectStore(str(tmp_path_factory.mktemp("data")))
    try:
        store.create_bucket("bkt")
        pieces = [os.urandom(n) for n in sizes]
        whole = b"".join(pieces)
        pending = store.begin_put("bkt", "k", algorithms=["crc32"])
        pending.want_sha256()
        pending.write_many(pieces)
        checks = PutChecks(
            content_md5=hashlib.md5(whole).digest(),
            sha256_hex=hashlib.sha256(whole).hexdigest(),
            expected_size=len(whole),
            checksums={"crc32": _crc32(whole)},
        )
        info = pending.commit(ObjectMeta(), checks)
        assert info.etag == hashlib.md5(whole).hexdigest()
        with store.open("bkt", "k") as obj:
            assert obj.info.size == len(whole)
    finally:
        store.close()


def test_wrong_sha256_or_checksum_is_refused(store: ObjectStore) -> None:
    pieces = [os.urandom(200_000), os.urandom(70_001)]
    for checks, error in (
        (PutChecks(sha256_hex=hashlib.sha256(b"other").hexdigest()), XAmzContentSHA256Mismatch),
        (PutChecks(checksums={"crc32": _crc32(b"other")}), BadDigest),
    ):
        pending = store.begin_put("bkt", "k", algorithms=["crc32"])
        pending.want_sha256()
        pending.write_many(pieces)
        with pytest.raises(error):
            pending.commit(ObjectMeta(), checks)
    with pytest.raises(NoSuchKey):  # nothing was published
        store.head("bkt", "k")
