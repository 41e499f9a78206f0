"""A reader never pairs one write's bytes with another write's metadata.

Writers overwrite, copy and delete a few keys while readers open them; each PUT tags its user
metadata with the MD5 of its body, so every read (and every copy, which stores what it read) can be
checked. Before the fix a reader that opened a file just before it was replaced re-hashed the old
bytes and took the newer row's metadata: several hundred such reads in 15 s here, and CopyObject
stored the pair for good.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import threading
import time

from cargobay.s3.errors import S3Error
from cargobay.s3.store import ObjectMeta, ObjectStore, StoreConfig

KEYS = ["a", "b", "c/d", "p", "p/q", "odd//x", "folder/"]


def test_reads_and_copies_never_mix_bytes_and_metadata(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=False))
    store.create_bucket("bkt")
    deadline = time.monotonic() + 4.0
    mixed: list[str] = []
    reads = [0]

    def check(key: str) -> None:
        with store.open("bkt", key) as obj:
            data = os.pread(obj.fd, obj.info.size + 1, 0)
            tag = obj.info.meta.user.get("tag")
            reads[0] += 1
            if tag is not None and tag != hashlib.md5(data).hexdigest():
                mixed.append(f"{key}: bytes {hashlib.md5(data).hexdigest()} with the metadata of {tag}")

    def worker(n: int) -> None:
        rng = random.Random(n)
        i = 0
        while time.monotonic() < deadline:
            key = rng.choice(KEYS)
            i += 1
            try:
                op = rng.random()
                if op < 0.4:
                    body = f"{n}-{i}-".encode() * rng.choice([1, 10, 300])
                    store.put_bytes("bkt", key, body, ObjectMeta(user={"tag": hashlib.md5(body).hexdigest()}))
                elif op < 0.6:
                    source = rng.choice(KEYS)
                    if source != key:
                        store.copy("bkt", source, "bkt", key)
                elif op < 0.7:
                    store.delete("bkt", key)
                else:
                    check(key)
            except (S3Error, FileNotFoundError):
                # FileNotFoundError: a PUT racing a delete that prunes the parent directory (a
                # known, separate problem: see the writepath report), not what this test is about.
                pass

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in KEYS:
        with contextlib.suppress(S3Error):
            check(key)
    store.close()
    assert reads[0] > 100
    assert mixed == [], f"{len(mixed)} mixed reads, e.g. {mixed[:3]}"
