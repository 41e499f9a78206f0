"""Path traversal, judged from the filesystem: the S3 API is not trusted to tell.

Runs where the server's data directory is known: the in-process cargobay server (the suite starts it
in ``<tmp>/outer/data``), or a URL endpoint given ``--s3-data-dir``. Sentinel files are planted in
the directory around the data directory (and in a sibling directory); then keys built to climb out
— literal ``..``, percent-encoded dots and slashes, backslashes, absolute paths, a symlink planted
inside the bucket's directory — are written and read at every depth from 1 to 6. A 4xx refusal is a
pass (AWS keeps such keys as keys, https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html,
but refusing them is safe); a 5xx is not (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
After every request: the sentinels hold their bytes, no file the attack named exists outside the
data directory, and a read never returns a sentinel's bytes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from cargobay.testing.conformance_suite._http import RawS3

pytestmark = [
    pytest.mark.s3_requires("objects", "traversal"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"),
]

SENTINEL = b"cargobay sentinel: must never change or be served"
DEPTHS = range(1, 7)


@dataclass(frozen=True)
class Ground:
    """The data directory and the sentinels planted around it."""

    data_dir: Path
    outer: Path
    sentinels: tuple[Path, ...]
    marker: str  # a name no legitimate file outside the data directory has


@pytest.fixture
def ground(s3_endpoint: Any) -> Iterator[Ground]:
    data_dir = Path(str(s3_endpoint.data_dir)).resolve()
    outer = data_dir.parent
    marker = f"cbescape{uuid.uuid4().hex[:8]}"
    sibling = outer / f"{marker}-sibling"
    sibling.mkdir()
    sentinels = (outer / f"{marker}-SENTINEL", sibling / f"{marker}-SENTINEL")
    for path in sentinels:
        path.write_bytes(SENTINEL)
    try:
        yield Ground(data_dir, outer, sentinels, marker)
    finally:
        for path in sentinels:
            path.unlink(missing_ok=True)
        for leftover in _escapes(Ground(data_dir, outer, sentinels, marker)):
            if leftover.is_file() or leftover.is_symlink():
                leftover.unlink()
        if sibling.is_dir() and not any(sibling.iterdir()):
            sibling.rmdir()


def _escapes(ground: Ground) -> list[Path]:
    """Files named by an attack that exist outside the data directory (its parent tree, and the
    landing points above it: ``..`` clamps at ``/``)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(ground.outer):
        here = Path(root)
        if here == ground.data_dir:
            dirs.clear()
            continue
        dirs[:] = [d for d in dirs if here / d != ground.data_dir]
        found += [here / f for f in files if f.startswith(ground.marker) and "SENTINEL" not in f]
    for above in [*ground.outer.parents]:
        found += [p for p in above.glob(ground.marker + "*") if p.is_file()]
    return found


def _check(ground: Ground, what: str) -> None:
    for path in ground.sentinels:
        assert path.read_bytes() == SENTINEL, f"{what}: overwrote {path} outside the data directory"
    escaped = _escapes(ground)
    assert not escaped, f"{what}: wrote {[str(p) for p in escaped]} outside the data directory"


def _attempt(raw: RawS3, ground: Ground, path: str, what: str) -> None:
    """PUT then GET one raw path; a 4xx is a refusal (pass); judge the filesystem after each."""
    put = raw.send(raw.sign_v4("PUT", path, body=ground.marker.encode() + b" escaped"))
    assert put.status < 500, f"{what}: PUT answered {put.status} (a 5xx is never right)"
    _check(ground, f"{what} (PUT {path})")
    got = raw.send(raw.sign_v4("GET", path))
    assert got.status < 500, f"{what}: GET answered {got.status} (a 5xx is never right)"
    assert SENTINEL not in got.body, f"{what}: GET {path} served a file outside the data directory"
    _check(ground, f"{what} (GET {path})")


def _wire(key: str, style: str) -> str:
    if style == "literal":
        return key
    if style == "encoded":  # every dot and slash percent-encoded
        return quote(key, safe="").replace(".", "%2E")
    if style == "encoded-dots":  # %2E%2E/ : the dots hidden from a path normaliser, the slashes not
        return key.replace("..", "%2E%2E")
    raise ValueError(style)


@pytest.mark.parametrize("style", ["literal", "encoded", "encoded-dots"])
@pytest.mark.parametrize("target", ["new-file", "sentinel", "sibling-sentinel"])
def test_traversal_dotdot_never_leaves_the_data_dir(
    raw: RawS3, bucket: str, ground: Ground, style: str, target: str
) -> None:
    names = {
        "new-file": f"{ground.marker}-new",
        "sentinel": ground.sentinels[0].name,
        "sibling-sentinel": f"{ground.sentinels[1].parent.name}/{ground.sentinels[1].name}",
    }
    for depth in DEPTHS:
        key = "../" * depth + names[target]
        _attempt(raw, ground, f"/{bucket}/{_wire(key, style)}", f"{style} '..' x{depth}")


@pytest.mark.parametrize("target", ["new-file", "sentinel"])
def test_traversal_backslash_never_leaves_the_data_dir(raw: RawS3, bucket: str, ground: Ground, target: str) -> None:
    name = f"{ground.marker}-new" if target == "new-file" else ground.sentinels[0].name
    for depth in DEPTHS:
        for sep in ("%5C", "\\"):
            key = (".." + sep) * depth + name
            _attempt(raw, ground, f"/{bucket}/{key}", f"backslash '..{sep}' x{depth}")


def test_traversal_absolute_path_key_never_leaves_the_data_dir(raw: RawS3, bucket: str, ground: Ground) -> None:
    for target in (ground.sentinels[0], ground.outer / f"{ground.marker}-absolute"):
        absolute = str(target)
        for path in (f"/{bucket}/{absolute}", f"/{bucket}/{quote(absolute, safe='')}", f"/{bucket}{absolute}"):
            _attempt(raw, ground, path, f"absolute key {absolute}")


def test_traversal_symlink_in_bucket_dir_is_not_followed_out(raw: RawS3, bucket: str, ground: Ground) -> None:
    """A symlink planted where the bucket's files live, pointing at the sibling directory: writes
    through it must not land outside the data directory, reads must not serve the sentinel."""
    bucket_dir = ground.data_dir / bucket
    if not bucket_dir.is_dir():
        pytest.skip(f"layout: {bucket_dir} is not a directory (no place to plant a symlink)")
    link = bucket_dir / f"{ground.marker}-lnk"
    link.symlink_to(ground.sentinels[1].parent, target_is_directory=True)
    try:
        _attempt(raw, ground, f"/{bucket}/{link.name}/{ground.marker}-through-link", "symlinked directory")
        _attempt(raw, ground, f"/{bucket}/{link.name}/{ground.sentinels[1].name}", "symlinked directory")
    finally:
        link.unlink()
