"""A PUT racing a DELETE that prunes the directory the PUT just made for its temp file.

``KeySpace.open_temp`` makes the key's parent directories, then creates the temp file in them;
a DELETE of the last key under that prefix removes emptied parents (S3 has no empty prefixes)
and can do so in between. The PUT must still succeed (it makes the directory again), never fail
with a raw FileNotFoundError (a 500 over HTTP). The race is forced deterministically here: the
directory is removed right before the temp file is created, as the pruning DELETE would.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from cargobay._fsutil import AtomicFile
from cargobay.s3.store import ObjectStore, keyspace


def _pruned_first(times: int) -> type[AtomicFile]:
    left = [times]

    class Pruned(AtomicFile):
        def __init__(self, final_path: str, *, mode: int = 0o644) -> None:
            if left[0] > 0 and f"{os.sep}.cargobay{os.sep}" not in final_path:  # deletes prune verbatim dirs
                left[0] -= 1
                os.rmdir(os.path.dirname(final_path))  # the concurrent DELETE's prune
            super().__init__(final_path, mode=mode)

    return Pruned


@pytest.mark.parametrize("times", [1, 3])
def test_put_whose_new_directory_is_pruned_before_its_temp_file_succeeds(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch, times: int
) -> None:
    monkeypatch.setattr(keyspace, "AtomicFile", _pruned_first(times))
    info = store.put_bytes("bkt", "dir/sub/key", b"body")
    assert info.etag == hashlib.md5(b"body").hexdigest()
    with store.open("bkt", "dir/sub/key") as obj:
        assert os.pread(obj.fd, 10, 0) == b"body"
    assert [e.key for e in store.list("bkt").entries] == ["dir/sub/key"]


def test_put_whose_directory_keeps_being_pruned_lands_in_the_internal_area(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyspace, "AtomicFile", _pruned_first(1000))
    store.put_bytes("bkt", "dir/key", b"body")
    assert store.space.is_internal("bkt", "dir/key")
    assert store.head("bkt", "dir/key").etag == hashlib.md5(b"body").hexdigest()
    assert [e.key for e in store.list("bkt").entries] == ["dir/key"]
