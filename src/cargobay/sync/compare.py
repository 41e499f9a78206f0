"""Change detection, pure: ``(source entry, destination entry, options) -> Decision``.

No I/O, no logging, no mutation. When the answer depends on a fact that costs I/O (an S3 HEAD
for metadata, reading a local file for its MD5 or multipart ETag), :func:`compare` returns
``SyncAction.NEED`` naming the side and the fact; the planner fetches it and asks again with the
richer entry. The decision rule, in order (rclone's ``Equal`` with content first):

1. No destination: **copy** ("new").
2. Sizes differ: **copy**.
3. Both MD5s known: equal -> **skip**, else **copy**. An entry's MD5 is known when its S3 ETag
   is an MD5 (:func:`cargobay.s3.etag.is_md5_etag`: 32 lowercase hex digits after unquoting;
   multipart ETags ``<hex>-N`` and anything else are not), when its metadata holds
   ``md5chksum`` (rclone's ``metaMD5Hash``), or when the local state cache trusts it.
4. An S3 side whose MD5 is unknown and whose metadata was not read yet: **need META** (one HEAD;
   it only happens for objects whose ETag is not an MD5, i.e. multipart uploads).
5. Each side has or can compute an MD5 (local files can): **need MD5** for the side that lacks
   it (the source first).
6. One side is an S3 object with a multipart ETag ``<hex>-N`` and no MD5, the other a local
   file: the local file's multipart ETag for part sizes that give ``N`` parts is compared
   (**need MULTIPART** with those sizes until computed). A match -> **skip**. The part size is
   not recorded by S3, so it is guessed from the configured one and common tool defaults
   (:func:`part_size_candidates`); no match means "not comparable", not "different".
   Two S3 objects with the same multipart ETag -> **skip**.
7. Content not comparable: with ``checksum`` -> **copy**; otherwise fall back to mtimes (the
   ``X-Amz-Meta-Mtime`` metadata for S3): equal -> **skip**, different or unknown -> **copy**.

Note what is *not* used: the mtime when content can be compared. A same-size edit whose mtime
was put back is caught by step 3 (the local fingerprint changed with the write, so the state
cache does not vouch for the old MD5 and the file is hashed again); a ``touch`` that changes
nothing but the mtime transfers nothing.
"""

from __future__ import annotations

from cargobay.s3.etag import multipart_count
from cargobay.sync.model import DEFAULT_PART_SIZE, Decision, Entry, Fact, MiB, Need, Side, SyncAction

# Part sizes other tools use by default: rclone 5 MiB, AWS CLI/boto3 8 MiB, s3cmd 15 MiB,
# then powers of two. Only sizes that yield the observed part count are tried.
_COMMON_PART_SIZES = (5 * MiB, 8 * MiB, 15 * MiB, 16 * MiB, 32 * MiB, 64 * MiB, 100 * MiB, 128 * MiB, 256 * MiB)
_MAX_CANDIDATES = 4


def part_size_candidates(size: int, parts: int, *, configured: int = DEFAULT_PART_SIZE) -> tuple[int, ...]:
    """Part sizes ``p`` with ``ceil(size / p) == parts``, most likely first, at most four.

    Tried: the configured part size, common tool defaults, and the smallest whole-MiB size that
    fits (what a tool that grows the part size to stay under 10,000 parts would pick).
    """
    if parts < 1 or size < 0:
        return ()
    fitted = -(-size // parts)
    fitted_mib = -(-fitted // MiB) * MiB
    out: list[int] = []
    for p in (configured, *_COMMON_PART_SIZES, fitted_mib):
        if p > 0 and p not in out and (parts - 1) * p < size <= parts * p:
            out.append(p)
        if len(out) == _MAX_CANDIDATES:
            break
    if size == 0 and parts == 1 and not out:
        out.append(configured)
    return tuple(out)


# The decisions a no-change re-sync makes 10,000 times, made once.
_NEW = Decision(SyncAction.COPY, "new file")
SAME_MD5 = Decision(SyncAction.SKIP, "same size and MD5")


def _need(side: Side, fact: Fact, reason: str, part_sizes: tuple[int, ...] = ()) -> Decision:
    return Decision(SyncAction.NEED, reason, Need(side, fact, part_sizes))


def _meta_pending(e: Entry) -> bool:
    return e.etag is not None and not e.meta_known


def compare(src: Entry, dst: Entry | None, *, checksum: bool = False, part_size: int = DEFAULT_PART_SIZE) -> Decision:
    """Decide whether ``src`` must be copied over ``dst``; see the module docstring for the rule."""
    if dst is None:
        return _NEW
    if src.size != dst.size:
        return Decision(SyncAction.COPY, f"size differs ({dst.size} -> {src.size} bytes)")
    if src.md5 is not None and dst.md5 is not None:
        if src.md5 == dst.md5:
            return SAME_MD5
        return Decision(SyncAction.COPY, f"content differs (MD5 {dst.md5} -> {src.md5})")
    for side, e in ((Side.SRC, src), (Side.DST, dst)):
        if e.md5 is None and _meta_pending(e):
            return _need(side, Fact.META, "object metadata needed (ETag is not an MD5)")
    src_md5_ok = src.md5 is not None or src.hashable
    dst_md5_ok = dst.md5 is not None or dst.hashable
    if src_md5_ok and dst_md5_ok:
        side = Side.SRC if src.md5 is None else Side.DST
        return _need(side, Fact.MD5, "same size: content hash needed")
    # One side is an S3 object known only by a non-MD5 ETag.
    if src.etag is not None and dst.etag is not None and src.md5 is None and dst.md5 is None:
        if src.etag == dst.etag and multipart_count(src.etag) is not None:
            return Decision(SyncAction.SKIP, "same size and multipart ETag")
    else:
        src_is_remote = src.md5 is None and not src.hashable
        remote, local, local_side = (src, dst, Side.DST) if src_is_remote else (dst, src, Side.SRC)
        parts = multipart_count(remote.etag)
        if parts is not None and local.hashable:
            sizes = part_size_candidates(local.size, parts, configured=part_size)
            known = dict(local.multipart)
            for p in sizes:
                if known.get(p) == remote.etag:
                    return Decision(SyncAction.SKIP, f"same size and multipart ETag (part size {p // MiB} MiB)")
            missing = tuple(p for p in sizes if p not in known)
            if missing:
                return _need(local_side, Fact.MULTIPART, "multipart ETag needed", missing)
    if checksum:
        return Decision(SyncAction.COPY, "content cannot be compared (no MD5; --checksum copies)")
    if src.mtime_ns is not None and dst.mtime_ns is not None:
        if src.mtime_ns == dst.mtime_ns:
            return Decision(SyncAction.SKIP, "same size and mtime (content not comparable)")
        return Decision(SyncAction.COPY, "mtime differs (content not comparable)")
    return Decision(SyncAction.COPY, "content not comparable and mtime unknown")
