"""The two kinds of sync endpoint behind one protocol, and turning a location string into one.

:class:`Endpoint` is what the planner needs from either side: a sorted listing of
:class:`~cargobay.sync.model.Entry` and a way to fetch a fact the comparison asks for. The
concrete classes live in :mod:`cargobay.sync.local` (:class:`LocalDir`) and
:mod:`cargobay.sync.s3` (:class:`S3Prefix`); the executor uses their transfer methods directly,
per pair of kinds. A location is ``s3://bucket/prefix`` or a local path.

Capabilities, declared once per class (rclone's ``fstests.Opt`` idea):

============================  =========  ========
capability                    LocalDir   S3Prefix
============================  =========  ========
content hash without reading  cache      ETag/MD5 metadata
can compute a hash            yes        no
file and directory same name  no         yes (``a`` and ``a/b``)
mtime in listing              yes        no (HEAD: ``X-Amz-Meta-Mtime``)
============================  =========  ========
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from cargobay.select import Selection
from cargobay.sync.local import LocalDir
from cargobay.sync.model import DEFAULT_PART_SIZE, Entry, Need
from cargobay.sync.s3 import ListingSpec, S3Prefix, parse_s3_url
from cargobay.sync.state import StateCache

__all__ = ["Endpoint", "LocalDir", "S3Prefix", "is_s3_location", "open_endpoint"]


class Endpoint(Protocol):
    kind: str
    holds_file_and_dir_at_same_name: bool
    unsupported: list[str]

    def describe(self) -> str: ...

    def list(self, selection: Selection, *, errors: list[str]) -> Iterator[Entry]: ...

    def fetch(self, entry: Entry, need: Need) -> Entry: ...


def is_s3_location(text: str) -> bool:
    return text.startswith("s3://")


def open_endpoint(
    location: str,
    *,
    client: Any = None,
    state: StateCache | None = None,
    trust_cache: bool = True,
    part_size: int = DEFAULT_PART_SIZE,
    listing: ListingSpec | None = None,
) -> LocalDir | S3Prefix:
    """``s3://bucket/prefix`` (needs ``client``; ``listing``: how to list without it) or a local
    directory (with its hash cache)."""
    if is_s3_location(location):
        bucket, prefix = parse_s3_url(location)
        if client is None:
            raise ValueError("an S3 location needs a client")
        return S3Prefix(client, bucket, prefix, part_size=part_size, listing=listing)
    local = LocalDir(location, trust_cache=trust_cache)
    if state is not None and state.available:
        local.state = state.root(local.root)
    return local
