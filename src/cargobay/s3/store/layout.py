"""Key ↔ path mapping: where the bytes of ``(bucket, key)`` live on disk.

Two places, decided per key:

* **verbatim** — ``<root>/<bucket>/<key>``: the key split on ``/`` is the relative path. Used when
  the key can be a plain file: it does not end in ``/``, has no empty, ``.`` or ``..`` segment, no
  segment longer than NAME_MAX (255 bytes), no NUL, and no segment that looks like one of our temp
  files; and, at write time, nothing else is in the way (a file where a directory is needed, or a
  directory where the file goes: ``a`` beside ``a/b``).
* **versions** — ``<root>/.cargobay/versions/<bucket>/<h[:2]>/<h>/<seq>``: the noncurrent versions
  of a key in a versioned bucket (``seq``: the version's creation order; see versioning.py).
* **internal** — ``<root>/.cargobay/keys/<bucket>/<h[:2]>/<h>`` with ``h = sha256(key)``: every
  other key. The key itself lives in the metadata row (``internal = 1``).

Both maps are injective (distinct segment lists give distinct paths; distinct keys give distinct
hashes), verbatim paths never contain ``.``/``..``/``/`` inside a segment so they never leave the
bucket directory, and bucket names cannot be ``.cargobay``. A key whose row says ``internal`` is
always read from the internal area, even if a file later appears at its verbatim path.

This module decides names only; it performs no writes.
"""

from __future__ import annotations

import hashlib
import os
import stat

from cargobay._fsutil import is_temp_name

STATE_DIR = ".cargobay"
NAME_MAX = 255


def verbatim_segments(key: str) -> list[str] | None:
    """The path segments of ``key`` if it can be stored as a plain file, else None."""
    if not key or key.endswith("/") or "\x00" in key:
        return None
    segments = key.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            return None
        if len(segment.encode("utf-8")) > NAME_MAX or is_temp_name(segment):
            return None
    return segments


class Layout:
    """Path arithmetic for one data directory."""

    def __init__(self, root: str, *, follow_symlinks: bool = False) -> None:
        self.root = os.path.realpath(root)
        self.follow_symlinks = follow_symlinks
        self.state_dir = os.path.join(self.root, STATE_DIR)
        self.internal_root = os.path.join(self.state_dir, "keys")
        self.versions_root = os.path.join(self.state_dir, "versions")
        # Every HEAD, GET and PUT builds these paths: concatenation costs a fifth of os.path.join,
        # which re-checks separators the names here cannot hold (bucket names have no "/"; a
        # verbatim key's segments are the key split on "/", none empty).
        self._prefix = os.path.join(self.root, "")

    def bucket_dir(self, bucket: str) -> str:
        return self._prefix + bucket

    def verbatim_path(self, bucket: str, key: str) -> str | None:
        if verbatim_segments(key) is None:
            return None
        return f"{self._prefix}{bucket}/{key}"

    def internal_dir(self, bucket: str, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return os.path.join(self.internal_root, bucket, digest[:2])

    def internal_path(self, bucket: str, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return os.path.join(self.internal_root, bucket, digest[:2], digest)

    def version_dir(self, bucket: str, key: str) -> str:
        """Where the noncurrent versions of ``key`` are kept (see versioning.py)."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return os.path.join(self.versions_root, bucket, digest[:2], digest)

    def version_path(self, bucket: str, key: str, seq: int) -> str:
        return os.path.join(self.version_dir(bucket, key), f"{seq:020d}")

    def internal_bucket_dir(self, bucket: str) -> str:
        return os.path.join(self.internal_root, bucket)

    def in_internal_area(self, path: str) -> bool:
        """Whether ``path`` (as this layout builds paths) lies inside the internal area."""
        return path.startswith(self.internal_root + os.sep)

    def verbatim_parent_is_safe(self, bucket: str, path: str, *, reading: bool = False) -> bool:
        """True if no directory between the bucket directory and ``path`` is a symlink or a file.

        Symlinks inside a served tree are not followed: a link to ``/etc`` must not turn a key
        into a way out of the data directory. ``serve --follow-symlinks`` opts in for *reading*
        only: writes and deletes never pass through a symlink, whatever the option.
        """
        if reading and self.follow_symlinks:
            return True
        return self.verbatim_parents(bucket, path) is not None

    def verbatim_parents(self, bucket: str, path: str) -> bool | None:
        """The check of :meth:`verbatim_parent_is_safe` for a writer: None if a directory between
        the bucket directory and ``path`` is a symlink or a file, else whether they all exist
        (True: nothing to make before creating a file beside ``path``)."""
        base = self.bucket_dir(bucket)
        parent = os.path.dirname(path)
        if parent == base:
            return True
        if parent.startswith(base + os.sep):
            # A path this layout made: its segments hold no "." or "..", so the relative part is
            # the rest of the string (os.path.relpath costs more than the lstats below).
            segments = parent[len(base) + 1 :].split(os.sep)
        else:
            rel = os.path.relpath(parent, base)
            if rel == ".":
                return True
            segments = rel.split(os.sep)
        current = base
        for segment in segments:
            current = os.path.join(current, segment)
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                return False
            if not stat.S_ISDIR(st.st_mode):
                return None
        return True
