"""PUT of a new key through an unnamed (O_TMPFILE) file (store/unnamed.py); overwrites keep a temp name."""

from __future__ import annotations

import hashlib
import os

import pytest

from cargobay._fsutil import HAS_O_TMPFILE, AtomicFile
from cargobay.s3.store import ObjectMeta, ObjectStore
from cargobay.s3.store.unnamed import UnnamedFile

pytestmark = pytest.mark.skipif(not HAS_O_TMPFILE, reason="no O_TMPFILE on this platform")


def test_a_new_key_is_written_without_a_name_until_published(store: ObjectStore) -> None:
    directory = os.path.join(store.layout.bucket_dir("bkt"), "d")
    pending = store.begin_put("bkt", "d/new")
    if not isinstance(pending.file, UnnamedFile):
        pytest.skip("this filesystem refuses O_TMPFILE (the store fell back to a temp name)")
    pending.write(b"hello")
    assert os.listdir(directory) == []  # nothing visible, not even a temp name
    info = pending.commit(ObjectMeta())
    assert info.etag == hashlib.md5(b"hello").hexdigest()
    assert os.listdir(directory) == ["new"]
    with store.open("bkt", "d/new") as obj:
        assert os.pread(obj.fd, 10, 0) == b"hello"


def test_an_aborted_new_key_leaves_nothing(store: ObjectStore) -> None:
    pending = store.begin_put("bkt", "gone")
    pending.write(b"x")
    pending.abort()
    assert os.listdir(store.layout.bucket_dir("bkt")) == []


def test_an_existing_key_is_replaced_through_a_temp_name(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k", b"one")
    pending = store.begin_put("bkt", "k")
    assert type(pending.file) is AtomicFile
    pending.abort()


def test_a_key_that_appears_meanwhile_is_replaced(store: ObjectStore) -> None:
    pending = store.begin_put("bkt", "race")
    pending.write(b"second")
    store.put_bytes("bkt", "race", b"first")  # another writer published first

    pending.commit(ObjectMeta())
    assert store.head("bkt", "race").etag == hashlib.md5(b"second").hexdigest()
    assert sorted(os.listdir(store.layout.bucket_dir("bkt"))) == ["race"]
