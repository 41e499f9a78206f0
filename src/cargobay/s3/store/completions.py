"""Finished multipart completions, remembered so a retried CompleteMultipartUpload is answered again.

A client whose connection drops after the server completed an upload retries the completion
(API_CompleteMultipartUpload.html tells clients to retry). AWS answers the retry with the same
result instead of NoSuchUpload; so does cargobay, while the object at the key is still the one that
completion wrote (same ETag): a later write or delete makes the upload unknown again, as an id
that was never completed. Kept in memory, the newest 10,000 completions for at most the upload
expiry (7 days by default); a restart forgets them (a retry then gets NoSuchUpload).

This module knows nothing of HTTP.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from cargobay.s3.store.base import ObjectInfo

_LIMIT = 10_000


@dataclass(frozen=True)
class Completion:
    bucket: str
    key: str
    info: ObjectInfo
    at: float  # time.monotonic() of the completion


class CompletionLog:
    """upload id -> the answer its completion gave (bounded, oldest dropped first)."""

    def __init__(self, ttl: float, limit: int = _LIMIT) -> None:
        self._ttl = ttl
        self._limit = limit
        self._done: OrderedDict[str, Completion] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, upload_id: str, info: ObjectInfo) -> None:
        with self._lock:
            self._done[upload_id] = Completion(info.bucket, info.key, info, time.monotonic())
            while len(self._done) > self._limit:
                self._done.popitem(last=False)

    def find(self, upload_id: str, bucket: str, key: str) -> ObjectInfo | None:
        """The answer of a completion of ``upload_id`` for ``bucket/key``, if still remembered."""
        with self._lock:
            done = self._done.get(upload_id)
            if done is None:
                return None
            if time.monotonic() - done.at > self._ttl:
                del self._done[upload_id]
                return None
        return done.info if (done.bucket, done.key) == (bucket, key) else None

    def forget_bucket(self, bucket: str) -> None:
        with self._lock:
            for upload_id in [u for u, done in self._done.items() if done.bucket == bucket]:
                del self._done[upload_id]
