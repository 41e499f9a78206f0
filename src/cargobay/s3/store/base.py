"""The storage interface and the values it returns (frozen dataclasses and, for the per-key
listing record, a named tuple; no behaviour).

The HTTP layer programs against these types only; it never sees a filesystem path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

# Standard headers stored with an object and returned on GET/HEAD, lower-cased.
CONTENT_HEADERS = (
    "content-type",
    "content-encoding",
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
)

DEFAULT_CONTENT_TYPE = "binary/octet-stream"

# Kept in ObjectMeta.headers when a write names a class other than STANDARD: HEAD/GET answer it
# "for all objects except for S3 Standard storage class objects" (API_HeadObject.html) and the
# listings give it. Every class is a plain file served at once: archive classes (GLACIER,
# DEEP_ARCHIVE) are labels only, with no restore step.
STORAGE_CLASS = "x-amz-storage-class"


@dataclass(frozen=True)
class ObjectMeta:
    """What a client sends with an object besides its bytes."""

    headers: Mapping[str, str] = field(default_factory=dict)  # CONTENT_HEADERS subset, lower-cased
    user: Mapping[str, str] = field(default_factory=dict)  # x-amz-meta-* without the prefix
    checksums: Mapping[str, str] = field(default_factory=dict)  # algorithm -> base64 value
    tags: Mapping[str, str] = field(default_factory=dict)
    # Sizes of the parts of a multipart object, in order (empty: uploaded in one piece). Kept so
    # GET/HEAD ?partNumber=N can serve part N's byte range, as AWS does.
    parts: tuple[int, ...] = ()
    # Object lock of this version (see versioning.py): mode GOVERNANCE/COMPLIANCE with the
    # retain-until date as sent (ISO 8601), and the legal hold.
    lock_mode: str | None = None
    lock_until: str | None = None
    # None: the version never had a legal hold (GetObjectLegalHold answers 404); False: set OFF.
    legal_hold: bool | None = None
    # Per-part checksums of a multipart object (base64 of the upload's algorithm), when it had one.
    part_checksums: tuple[str, ...] = ()
    # Who owns the object (canonical id; None: the bucket owner) and its ACL as (grantee kind,
    # grantee, permission) triples (None: owner-only). Kept here so they travel with each version.
    owner: str | None = None
    acl: tuple[tuple[str, str, str], ...] | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", DEFAULT_CONTENT_TYPE)

    @property
    def storage_class(self) -> str | None:
        """The class a write named (None: STANDARD)."""
        return self.headers.get(STORAGE_CLASS)


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str  # unquoted: hex md5, or "<hex>-N" for multipart
    last_modified_ns: int
    meta: ObjectMeta = field(default_factory=ObjectMeta)
    # None: the bucket was never versioned (no x-amz-version-id); "null": the null version.
    version_id: str | None = None

    @property
    def last_modified(self) -> int:
        """Seconds since the epoch, the resolution of HTTP dates."""
        return self.last_modified_ns // 1_000_000_000


@dataclass(frozen=True)
class BucketInfo:
    name: str
    created_ns: int


class ListEntry(NamedTuple):
    """One object of a listing page (a named tuple, not a frozen dataclass: a listing makes a
    thousand per page, and a frozen dataclass's ``__init__`` - one ``object.__setattr__`` per
    field - cost ~0.6 ms of a page's ~8 ms on the server)."""

    key: str
    size: int
    etag: str
    last_modified_ns: int
    storage_class: str | None = None  # None: STANDARD
    checksum_algorithm: str | None = None  # e.g. "SHA256" (API_Object.html ChecksumAlgorithm), None: none kept
    checksum_type: str | None = None  # "FULL_OBJECT" or "COMPOSITE", with an algorithm


def listed_checksum(checksums: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(ChecksumAlgorithm, ChecksumType) of an object's kept checksums, as listings report them: a
    multipart object's composite value ends in ``-<parts>``."""
    for algorithm, value in checksums.items():
        return algorithm.upper(), "COMPOSITE" if "-" in value else "FULL_OBJECT"
    return None, None


@dataclass(frozen=True)
class ListPage:
    """One page of a listing, in S3 (UTF-8 byte) order."""

    entries: tuple[ListEntry, ...]
    common_prefixes: tuple[str, ...]
    is_truncated: bool
    last_item: str | None  # the last key or common prefix returned (NextMarker / continuation)
    last_is_prefix: bool


class VersionEntry(NamedTuple):
    """One version (or delete marker) of a ListObjectVersions page."""

    key: str
    version_id: str
    is_latest: bool
    is_marker: bool
    size: int
    etag: str
    last_modified_ns: int
    owner: str | None = None  # a noncurrent version's recorded owner (the current one's is in its row)
    storage_class: str | None = None  # None: STANDARD
    checksum_algorithm: str | None = None  # as ListEntry's
    checksum_type: str | None = None


@dataclass(frozen=True)
class VersionPage:
    """One page of ListObjectVersions: keys in UTF-8 byte order, versions newest first."""

    entries: tuple[VersionEntry, ...]
    common_prefixes: tuple[str, ...]
    is_truncated: bool
    next_key_marker: str | None
    next_version_id_marker: str | None


@dataclass(frozen=True)
class DeleteOutcome:
    """What a DELETE did: the version id it removed or created, and whether that is a marker."""

    version_id: str | None = None
    delete_marker: bool = False


@dataclass(frozen=True)
class PutChecks:
    """Integrity checks a PUT must pass before it replaces anything."""

    content_md5: bytes | None = None  # the decoded Content-MD5 header
    sha256_hex: str | None = None  # a signed x-amz-content-sha256
    expected_size: int | None = None
    checksums: Mapping[str, str] = field(default_factory=dict)  # x-amz-checksum-<alg> sent


@dataclass(frozen=True)
class StoreConfig:
    durable: bool = True  # fsync file and directory before acknowledging a write
    follow_symlinks: bool = False  # serve what symlinks in the tree point to (even outside it)
    min_part_size: int = 5 << 20  # EntityTooSmall below this, for every multipart part but the last
    upload_expiry: float = 7 * 86400.0  # seconds after which an unfinished multipart upload is removed
    upload_sweep_interval: float = 3600.0  # at most this long between sweeps of expired uploads
