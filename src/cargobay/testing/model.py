"""A pure-Python reference model of S3 (dicts), small enough to be obviously right.

It answers the operations the differential state machine drives with the same normalised
:class:`~cargobay.testing.normalize.Outcome` a real server gives, spelled from AWS's documented
behaviour (never from cargobay's code):

* ETag = quoted hex MD5 of the bytes; multipart ETag = MD5 of the concatenated binary part MD5s,
  ``-N``; CopyObject writes a new single-part object, so its ETag is the MD5 of the bytes (a copy
  of a multipart object loses the ``-N``).
* GET preconditions: If-Match false → 412 PreconditionFailed; else If-None-Match matching → 304;
  both are evaluated before Range; a missing bucket or key wins over both (404).
* Range: ``bytes=a-b`` (b clamped to size-1), ``bytes=a-``, ``bytes=-n`` (last n bytes); a range that
  starts at or past the end, or any range on an empty object, is 416 InvalidRange.
* DeleteObject of a missing key is 204; DeleteObjects reports every key it was asked for as deleted.
* Listing order is UTF-8 byte order; a delimiter rolls keys up into common prefixes.

It must not import cargobay.s3: the point is an independent second opinion.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cargobay.testing.normalize import Listing, Outcome, s3_sorted

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ModelObject:
    body: bytes
    etag: str  # quoted
    user: Mapping[str, str] = field(default_factory=dict)


def md5_etag(body: bytes) -> str:
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


def multipart_etag(parts: Iterable[bytes]) -> str:
    digests = [hashlib.md5(p, usedforsecurity=False).digest() for p in parts]
    joined = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
    return f'"{joined}-{len(digests)}"'


def parts_of(body: bytes, sizes: Iterable[int]) -> list[bytes]:
    """``body`` cut into consecutive parts of ``sizes`` bytes, as an upload of it sends them."""
    parts, offset = [], 0
    for size in sizes:
        parts.append(body[offset : offset + size])
        offset += size
    return parts


def _etag_matches(condition: str, etag: str) -> bool:
    wanted = [c.strip() for c in condition.split(",")]
    return "*" in wanted or etag in wanted or etag.strip('"') in [w.strip('"') for w in wanted]


def resolve_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) for a satisfiable single range; None when it is unsatisfiable."""
    m = _RANGE.match(header)
    if m is None or (not m.group(1) and not m.group(2)):
        raise ValueError(f"the model only takes single byte ranges, not {header!r}")
    first, last = m.group(1), m.group(2)
    if size == 0:
        return None
    if not first:
        n = int(last)
        if n == 0:
            return None
        return max(0, size - n), size - 1
    start = int(first)
    end = size - 1 if not last else min(int(last), size - 1)
    if start >= size:
        return None
    return start, end


class S3Model:
    """Buckets of objects in dicts; every method returns a normalised Outcome."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, ModelObject]] = {}

    # -- buckets ---------------------------------------------------------------------------
    def create_bucket(self, bucket: str) -> Outcome:
        if bucket in self.buckets:
            return Outcome(409, "BucketAlreadyOwnedByYou")
        self.buckets[bucket] = {}
        return Outcome(200)

    def delete_bucket(self, bucket: str) -> Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        if self.buckets[bucket]:
            return Outcome(409, "BucketNotEmpty")
        del self.buckets[bucket]
        return Outcome(204)

    # -- objects ---------------------------------------------------------------------------
    def put(self, bucket: str, key: str, body: bytes, user: Mapping[str, str]) -> Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        obj = ModelObject(body, md5_etag(body), dict(user))
        self.buckets[bucket][key] = obj
        return Outcome(200, headers=(("etag", obj.etag),))

    def complete_multipart(self, bucket: str, key: str, parts: list[bytes], user: Mapping[str, str]) -> Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        obj = ModelObject(b"".join(parts), multipart_etag(parts), dict(user))
        self.buckets[bucket][key] = obj
        return Outcome(200, headers=(("etag", obj.etag),))

    def _lookup(self, bucket: str, key: str) -> ModelObject | Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        obj = self.buckets[bucket].get(key)
        if obj is None:
            return Outcome(404, "NoSuchKey")
        return obj

    def get(
        self,
        bucket: str,
        key: str,
        *,
        byte_range: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        head: bool = False,
    ) -> Outcome:
        found = self._lookup(bucket, key)
        if isinstance(found, Outcome):
            return Outcome(found.status, None) if head else found
        obj = found
        if if_match is not None and not _etag_matches(if_match, obj.etag):
            return Outcome(412, None if head else "PreconditionFailed")
        if if_none_match is not None and _etag_matches(if_none_match, obj.etag):
            return Outcome(304, None)
        headers: dict[str, str] = {"etag": obj.etag}
        headers.update({f"x-amz-meta-{k}": v for k, v in obj.user.items()})
        body = obj.body
        status = 200
        if byte_range is not None:
            span = resolve_range(byte_range, len(obj.body))
            if span is None:
                return Outcome(416, None if head else "InvalidRange")
            start, end = span
            body = obj.body[start : end + 1]
            headers["content-range"] = f"bytes {start}-{end}/{len(obj.body)}"
            status = 206
        headers["content-length"] = str(len(body))
        return Outcome(status, headers=tuple(sorted(headers.items())), body=None if head else body)

    def copy(
        self, src_bucket: str, src_key: str, bucket: str, key: str, *, replace_user: Mapping[str, str] | None
    ) -> Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        found = self._lookup(src_bucket, src_key)
        if isinstance(found, Outcome):
            return found
        if (src_bucket, src_key) == (bucket, key) and replace_user is None:
            return Outcome(400, "InvalidRequest")
        user = found.user if replace_user is None else dict(replace_user)
        copied = ModelObject(found.body, md5_etag(found.body), user)
        self.buckets[bucket][key] = copied
        return Outcome(200, headers=(("etag", copied.etag),))

    def delete(self, bucket: str, key: str) -> Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        self.buckets[bucket].pop(key, None)
        return Outcome(204)

    def delete_objects(self, bucket: str, keys: list[str]) -> Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        for key in keys:
            self.buckets[bucket].pop(key, None)
        return Outcome(200, data=(tuple(sorted(set(keys))), ()))

    # -- listing ---------------------------------------------------------------------------
    def list(self, bucket: str, *, prefix: str = "", delimiter: str = "") -> Listing | Outcome:
        if bucket not in self.buckets:
            return Outcome(404, "NoSuchBucket")
        objects: list[tuple[str, int, str]] = []
        prefixes: set[str] = set()
        for key in s3_sorted(self.buckets[bucket]):
            if not key.startswith(prefix):
                continue
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    prefixes.add(key[: cut + len(delimiter)])
                    continue
            obj = self.buckets[bucket][key]
            objects.append((key, len(obj.body), obj.etag))
        return Listing(tuple(objects), tuple(s3_sorted(prefixes)))


# -- versions ------------------------------------------------------------------------------------
#
# AWS rules (S3 user guide, "Retaining multiple versions of objects with S3 Versioning"; API
# reference PutObject, DeleteObject, ListObjectVersions):
#
# * a bucket is unversioned until versioning is first Enabled; after that it is Enabled or
#   Suspended, never unversioned again;
# * unversioned: every key has at most the one version ``null``, which a PUT replaces and a
#   DELETE removes;
# * Enabled: a PUT adds a version with a new id on top; DELETE without an id adds a delete marker
#   (with a new id) on top; the latest version is the top one; GET of a key whose latest version
#   is a marker is 404;
# * Suspended: a PUT or a DELETE without an id removes the ``null`` version (wherever it is in
#   the stack) and puts a new ``null`` version (a marker for DELETE) on top;
# * DELETE with a version id removes that version for good; the next newest becomes the latest;
# * ListObjectVersions: keys in UTF-8 byte order, each key's versions newest first.

MARKER = None  # the body of a delete marker


@dataclass(frozen=True)
class ModelVersion:
    version_id: str
    body: bytes | None  # None: a delete marker

    @property
    def is_marker(self) -> bool:
        return self.body is None


class VersionsModel:
    """Versioned buckets as stacks of versions (newest first). The server assigns version ids;
    the model takes the id the server gave and says which id it should have been (``null`` or a
    fresh one), so a test compares the two."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}  # bucket -> "" (never versioned), "Enabled", "Suspended"
        self.keys: dict[str, dict[str, list[ModelVersion]]] = {}
        self.seen_ids: set[str] = set()

    def create_bucket(self, bucket: str) -> None:
        self.status[bucket] = ""
        self.keys[bucket] = {}

    def set_versioning(self, bucket: str, status: str) -> None:
        if status not in ("Enabled", "Suspended"):
            raise ValueError(f"a bucket can only be Enabled or Suspended, not {status!r}")
        self.status[bucket] = status

    def _new_id(self, bucket: str, given: str | None) -> str:
        """The id a new version must have; raises if the server's ``given`` id is not it."""
        if self.status[bucket] != "Enabled":
            expected = "null"
            if given not in (None, "null"):
                raise AssertionError(f"an unversioned or suspended bucket writes the null version, not {given!r}")
            return expected
        if given is None or given == "null" or given in self.seen_ids:
            raise AssertionError(f"a versioned write needs a fresh version id, got {given!r}")
        self.seen_ids.add(given)
        return given

    def _push(self, bucket: str, key: str, version: ModelVersion) -> None:
        stack = self.keys[bucket].setdefault(key, [])
        if version.version_id == "null":
            stack[:] = [v for v in stack if v.version_id != "null"]
        stack.insert(0, version)

    def put(self, bucket: str, key: str, body: bytes, given_id: str | None) -> str:
        vid = self._new_id(bucket, given_id)
        self._push(bucket, key, ModelVersion(vid, body))
        return vid

    def delete(self, bucket: str, key: str, given_marker_id: str | None) -> str | None:
        """DELETE without a version id; the marker's id (None: nothing was versioned)."""
        if self.status[bucket] == "":
            self.keys[bucket].pop(key, None)
            return None
        vid = self._new_id(bucket, given_marker_id)
        self._push(bucket, key, ModelVersion(vid, MARKER))
        return vid

    def delete_version(self, bucket: str, key: str, version_id: str) -> ModelVersion | None:
        stack = self.keys[bucket].get(key, [])
        for index, version in enumerate(stack):
            if version.version_id == version_id:
                del stack[index]
                if not stack:
                    del self.keys[bucket][key]
                return version
        return None

    def latest(self, bucket: str, key: str) -> ModelVersion | None:
        stack = self.keys[bucket].get(key)
        return stack[0] if stack else None

    def get(self, bucket: str, key: str, version_id: str | None = None) -> Outcome:
        """GET: 200 with the body; 404 NoSuchKey (latest is a marker or nothing); by id 404
        NoSuchVersion, or 405 MethodNotAllowed for a delete marker."""
        if version_id is None:
            latest = self.latest(bucket, key)
            if latest is None or latest.body is None:
                return Outcome(404, "NoSuchKey")
            return Outcome(200, body=latest.body, data=latest.version_id)
        for version in self.keys[bucket].get(key, []):
            if version.version_id == version_id:
                if version.body is None:
                    return Outcome(405, "MethodNotAllowed", data=version_id)
                return Outcome(200, body=version.body, data=version_id)
        return Outcome(404, "NoSuchVersion")

    def current(self, bucket: str) -> dict[str, bytes]:
        """What ListObjects shows: keys whose latest version is not a marker."""
        out: dict[str, bytes] = {}
        for key, stack in self.keys[bucket].items():
            if stack and stack[0].body is not None:
                out[key] = stack[0].body
        return out

    def list_versions(self, bucket: str) -> list[tuple[str, str, bool, bool]]:
        """(key, version id, is latest, is delete marker) in ListObjectVersions order."""
        out = []
        for key in s3_sorted(self.keys[bucket]):
            for index, version in enumerate(self.keys[bucket][key]):
                out.append((key, version.version_id, index == 0, version.is_marker))
        return out
