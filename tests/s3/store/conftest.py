from __future__ import annotations

from collections.abc import Iterator

import pytest

from cargobay.s3.store import ObjectStore, StoreConfig


@pytest.fixture
def store(tmp_path) -> Iterator[ObjectStore]:  # type: ignore[no-untyped-def]
    s = ObjectStore(str(tmp_path / "data"), StoreConfig(durable=False))
    s.create_bucket("bkt")
    yield s
    s.close()
