"""Storage for the local S3 server: plain files, a SQLite sidecar, an internal area for odd keys,
and a version area for noncurrent versions.

Module graph (no cycles): base, layout, metadb, dirsync, dircache, oserrors ->
keyspace -> pending, parts, listing, deletes -> multipart, versioning, buckets -> objects.
Knows nothing of HTTP. Errors are typed :class:`cargobay.s3.errors.S3Error` subclasses.
"""

from __future__ import annotations

from cargobay.s3.store.base import (
    BucketInfo,
    ListEntry,
    ListPage,
    ObjectInfo,
    ObjectMeta,
    PutChecks,
)
from cargobay.s3.store.objects import ObjectStore, OpenObject, PendingPut, StoreConfig

__all__ = [
    "BucketInfo",
    "ListEntry",
    "ListPage",
    "ObjectInfo",
    "ObjectMeta",
    "ObjectStore",
    "OpenObject",
    "PendingPut",
    "PutChecks",
    "StoreConfig",
]
