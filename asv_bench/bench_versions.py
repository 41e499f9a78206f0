"""asv benchmarks of versions: what a request naming a version costs as one key gathers versions.

A HEAD by version id and a ListObjectVersions page resumed inside a key must cost the same at
5,000 versions of the key as at 10: both used to read and decode every version of the key (a HEAD
by id took 70 ms at 5,000 versions, and the HTTP listing did that once per listed entry, so a
200-round crash run's listing timed out). The store runs in-process (``ObjectStore``, fsync off:
the cost measured is the lookup, not the disk); ``setup_cache`` writes the versions once per run.
"""

from __future__ import annotations

import os
import tempfile

try:
    from cargobay.s3.store import ObjectStore
    from cargobay.s3.store.base import StoreConfig
except ImportError:  # an old commit without the store
    ObjectStore = StoreConfig = None  # type: ignore[assignment, misc]

BUCKET = "versions"
COUNTS = (10, 5000)
HEADS = 200


def _open(root: str) -> ObjectStore:
    return ObjectStore(root, StoreConfig(durable=False))


class VersionsOfOneKey:
    params = (list(COUNTS),)
    param_names = ("versions of the key",)
    timeout = 600

    def setup_cache(self) -> str:
        top = tempfile.mkdtemp(prefix="cargobay-asv-versions-")
        for count in COUNTS:
            store = _open(os.path.join(top, str(count)))
            store.create_bucket(BUCKET)
            store.set_versioning(BUCKET, "Enabled")
            for i in range(count):
                store.put_bytes(BUCKET, "k", b"v%d" % i)
            store.close()
        return top

    def setup(self, top: str, count: int) -> None:
        if ObjectStore is None:
            raise NotImplementedError("no versioned store at this commit")
        self.store = _open(os.path.join(top, str(count)))
        page = self.store.list_versions(BUCKET)
        self.ids = [e.version_id for e in page.entries][1:]  # noncurrent versions, newest first
        while page.is_truncated:
            page = self.store.list_versions(
                BUCKET, key_marker=page.next_key_marker or "", version_id_marker=page.next_version_id_marker or ""
            )
            self.ids += [e.version_id for e in page.entries]
        self.middle = self.ids[len(self.ids) // 2]

    def teardown(self, *args: object) -> None:
        self.store.close()

    def time_head_by_version_id(self, top: str, count: int) -> None:
        ids = self.ids
        for i in range(HEADS):
            self.store.head(BUCKET, "k", ids[(i * 7919) % len(ids)])

    def time_list_versions_page_inside_the_key(self, top: str, count: int) -> None:
        self.store.list_versions(BUCKET, key_marker="k", version_id_marker=self.middle, max_keys=100)
