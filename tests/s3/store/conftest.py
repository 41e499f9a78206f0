from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cargobay.s3.store import ObjectStore, StoreConfig


@pytest.fixture
def store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ObjectStore]:
    """A non-durable store with bucket ``bkt``. A test module that sets ``MIN_PART_SIZE`` gets that
    multipart minimum, so its multipart tests write parts of a few bytes (pytest's documented way for a
    fixture to read its requesting module: ``request.module``)."""
    config = StoreConfig(durable=False)
    min_part_size = getattr(request.module, "MIN_PART_SIZE", None)
    if min_part_size is not None:
        config = StoreConfig(durable=False, min_part_size=min_part_size)
    s = ObjectStore(str(tmp_path / "data"), config)
    s.create_bucket("bkt")
    yield s
    s.close()
