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

    def get(self, bucket: str, key: str, *, byte_range: str | None = None, if_match: str | None = None,
            if_none_match: str | None = None, head: bool = False) -> Outcome:
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

    def copy(self, src_bucket: str, src_key: str, bucket: str, key: str, *, replace_user: Mapping[str, str] | None
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
