"""Storage for the local S3 server: plain files, a SQLite sidecar, an internal area for odd keys,
and a version area for noncurrent versions.

Module graph (no cycles): base, layout, metadb, dirsync, dircache, oserrors, release ->
keyspace -> pending, parts, listing, deletes -> multipart, versioning, buckets -> reads -> objects.
Knows nothing of HTTP. Errors are typed :class:`cargobay.s3.errors.S3Error` subclasses.

This package's namespace is the store's whole public surface: the HTTP layer imports from here and
never from a submodule (an import-linter contract in pyproject.toml), so the inside can move.
"""

from __future__ import annotations

from cargobay.s3.store.base import (
    CONTENT_HEADERS,
    STORAGE_CLASS,
    BucketInfo,
    DeleteOutcome,
    ListEntry,
    ListPage,
    ObjectInfo,
    ObjectMeta,
    PutChecks,
    VersionEntry,
)
from cargobay.s3.store.multipart import CompletedPart, PartInfo, PendingPart, UploadInfo
from cargobay.s3.store.objects import ObjectStore, OpenObject, PendingPut, Precondition, StoreConfig
from cargobay.s3.store.versioning import lock_state

__all__ = [
    "CONTENT_HEADERS",
    "STORAGE_CLASS",
    "BucketInfo",
    "CompletedPart",
    "DeleteOutcome",
    "ListEntry",
    "ListPage",
    "ObjectInfo",
    "ObjectMeta",
    "ObjectStore",
    "OpenObject",
    "PartInfo",
    "PendingPart",
    "PendingPut",
    "Precondition",
    "PutChecks",
    "StoreConfig",
    "UploadInfo",
    "VersionEntry",
    "lock_state",
]
