"""Local MD5 and multipart ETags agree with the ETag rules in cargobay.s3.etag."""

from __future__ import annotations

import hashlib
import os
import tempfile

from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.etag import md5_hex, multipart_etag
from cargobay.sync.hashing import hash_path


@given(data=st.binary(max_size=3000), part_sizes=st.lists(st.integers(1, 1100), max_size=3))
def test_hash_path_matches_part_by_part_etag(data: bytes, part_sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "f")
        with open(path, "wb") as fh:
            fh.write(data)
        md5, multipart = hash_path(path, part_sizes=part_sizes)
    assert md5 == hashlib.md5(data).hexdigest()
    assert [p for p, _ in multipart] == sorted(set(part_sizes))
    for size, etag in multipart:
        parts = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        assert etag == multipart_etag(md5_hex(p) for p in parts)
