"""The typed rows of the metadata sidecar and the JSON form of an object's metadata.

Values only: :mod:`.metadb` alone holds the SQL that stores and reads them (STYLE rule 9). The
``meta`` column is compact JSON (``h`` content headers, ``u`` user metadata, ``c`` checksums, ``t``
tags, ``p`` part sizes, ``l`` object lock, ``pc`` part checksums, ``o`` owner, ``a`` ACL grants);
absent fields are omitted, so a row written before a field existed decodes with its default.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from cargobay._types import Fingerprint
from cargobay.s3.store.base import ObjectMeta


@dataclass(frozen=True)
class ObjectRow:
    bucket: str
    key: str
    internal: bool
    fingerprint: Fingerprint
    etag: str
    meta: ObjectMeta | None  # None: never recorded (an out-of-band file)
    version_id: str | None = None  # None: the ``null`` version
    seq: int = 0  # creation order of the version (0: written before versioning; see versioning.py)


@dataclass(frozen=True)
class VersionRow:
    """A version that is not the current one, or a delete marker (see versioning.py).

    Its bytes are ``Layout.version_path(bucket, key, seq)``; ``size, mtime_ns, ino`` are what they
    were when it was current (the inode survives the move, the ctime does not)."""

    bucket: str
    key: str
    seq: int
    version_id: str  # "null" for the null version
    marker: bool
    size: int
    mtime_ns: int
    ino: int
    etag: str
    meta: ObjectMeta | None
    # As listings name it (base.listed_checksum of ``meta.checksums``), read from the row's columns
    # (schema 5) so a listing does not look into the metadata; written from ``meta``, never from these.
    checksum_algorithm: str | None = field(default=None, compare=False)
    checksum_type: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class UploadRow:
    """A multipart upload in progress."""

    upload_id: str
    bucket: str
    key: str
    initiated_ns: int
    owner: str | None
    meta: ObjectMeta
    checksum_algorithm: str | None  # x-amz-checksum-algorithm given at creation (lower-case)
    checksum_type: str | None  # COMPOSITE or FULL_OBJECT


@dataclass(frozen=True)
class PartRow:
    """One uploaded part; ``file`` is its name in the upload's staging directory."""

    upload_id: str
    part_number: int
    size: int
    etag: str
    last_modified_ns: int
    checksum: str | None  # base64 of the upload's checksum algorithm over the part
    file: str


def encode_meta(meta: ObjectMeta | None) -> str | None:
    if meta is None:
        return None
    doc: dict[str, Any] = {}
    if meta.headers:
        doc["h"] = dict(meta.headers)
    if meta.user:
        doc["u"] = dict(meta.user)
    if meta.checksums:
        doc["c"] = dict(meta.checksums)
    if meta.tags:
        doc["t"] = dict(meta.tags)
    if meta.parts:
        doc["p"] = list(meta.parts)
    if meta.lock_mode or meta.legal_hold is not None:
        doc["l"] = {"m": meta.lock_mode, "u": meta.lock_until, "h": meta.legal_hold}
    if meta.part_checksums:
        doc["pc"] = list(meta.part_checksums)
    if meta.owner is not None:
        doc["o"] = meta.owner
    if meta.acl is not None:
        doc["a"] = [list(grant) for grant in meta.acl]
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def decode_meta(text: str | None) -> ObjectMeta | None:
    """The metadata a ``meta`` column holds. Objects often share it byte for byte (same content
    type and owner, no user metadata), so decodings are cached: ObjectMeta is frozen and typed
    read-only, so one instance may serve every row with that text."""
    if text is None:
        return None
    return _decoded(text)


@functools.lru_cache(maxsize=4096)
def _decoded(text: str) -> ObjectMeta:
    doc = json.loads(text)
    lock = doc.get("l") or {}
    return ObjectMeta(
        headers=doc.get("h", {}),
        user=doc.get("u", {}),
        checksums=doc.get("c", {}),
        tags=doc.get("t", {}),
        parts=tuple(doc.get("p", ())),
        part_checksums=tuple(doc.get("pc", ())),
        owner=doc.get("o"),
        acl=tuple((str(k), str(w), str(p)) for k, w, p in doc["a"]) if "a" in doc else None,
        lock_mode=lock.get("m"),
        lock_until=lock.get("u"),
        legal_hold=None if lock.get("h") is None else bool(lock["h"]),
    )
