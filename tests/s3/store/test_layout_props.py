"""The key → path mapping: injective, and never outside the bucket directory."""

from __future__ import annotations

import os

from hypothesis import given

from cargobay.s3.store.layout import Layout, verbatim_segments
from cargobay.testing.strategies import object_keys

# Every valid key, control characters (NUL above all) included: the layout sees them all.
keys = object_keys(control_characters=True)


def _within(path: str, directory: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), directory]) == directory


@given(keys)
def test_layout_key_path_stays_in_bucket_for_any_key(key: str) -> None:
    layout = Layout("/srv/data")
    bucket_dir = layout.bucket_dir("bkt")
    verbatim = layout.verbatim_path("bkt", key)
    if verbatim is not None:
        assert _within(verbatim, bucket_dir)
        assert os.path.normpath(verbatim) == verbatim  # nothing to normalise away: no . or ..
        assert os.path.relpath(verbatim, bucket_dir).replace(os.sep, "/") == key
    internal = layout.internal_path("bkt", key)
    assert _within(internal, layout.internal_bucket_dir("bkt"))


@given(keys, keys)
def test_layout_mapping_is_injective(a: str, b: str) -> None:
    layout = Layout("/srv/data")
    if a == b:
        return
    assert layout.internal_path("bkt", a) != layout.internal_path("bkt", b)
    va, vb = layout.verbatim_path("bkt", a), layout.verbatim_path("bkt", b)
    if va is not None and vb is not None:
        assert va != vb


def test_layout_verbatim_segments_rejects_unstorable_keys() -> None:
    for key in ["a/", "a//b", "./a", "a/..", "x" * 256, "a\x00b", ".cargobay-tmp-1234"]:
        assert verbatim_segments(key) is None, key
    assert verbatim_segments("photos/2024/a.jpg") == ["photos", "2024", "a.jpg"]
    assert verbatim_segments("x" * 255) == ["x" * 255]


@given(keys)
def test_layout_in_internal_area_tells_internal_paths_from_verbatim_ones(key: str) -> None:
    layout = Layout("/srv/data")
    assert layout.in_internal_area(layout.internal_path("bkt", key))
    verbatim = layout.verbatim_path("bkt", key)
    assert verbatim is None or not layout.in_internal_area(verbatim)
    assert not layout.in_internal_area(layout.internal_root)  # the area's own directory holds no key
    assert not layout.in_internal_area(layout.internal_root + "-beside")
