"""The lock-step merge: every path once, in order, on the right callback; unsorted input refused."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.sync.march import ListingOrderError, march
from cargobay.sync.model import Entry

paths = st.lists(st.text(alphabet="ab/é\U0001f600", min_size=1, max_size=4), unique=True).map(sorted)


def _run(src: list[str], dst: list[str]) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    march(
        [Entry(p, 0) for p in src],
        [Entry(p, 1) for p in dst],
        on_src_only=lambda s: calls.append(("src", s.path)),
        on_dst_only=lambda d: calls.append(("dst", d.path)),
        on_both=lambda s, d: calls.append(("both", s.path)) if (s.size, d.size) == (0, 1) else None,
    )
    return calls


@given(paths, paths)
def test_march_reports_each_path_once_in_order(src: list[str], dst: list[str]) -> None:
    calls = _run(src, dst)
    assert [p for _, p in calls] == sorted(set(src) | set(dst))
    for side, p in calls:
        assert side == ("both" if p in src and p in dst else "src" if p in src else "dst")


@pytest.mark.parametrize(
    ("src", "dst"), [(["b", "a"], []), ([], ["a", "a"]), (["a", "c", "b"], ["a"])], ids=["src", "dst-dup", "late"]
)
def test_march_refuses_unsorted_listing(src: list[str], dst: list[str]) -> None:
    with pytest.raises(ListingOrderError):
        _run(src, dst)


any_paths = st.lists(st.text(alphabet="ab/", min_size=1, max_size=3), max_size=8)


@given(any_paths, any_paths)
def test_march_raises_exactly_when_a_listing_is_not_strictly_sorted(src: list[str], dst: list[str]) -> None:
    def strictly_sorted(xs: list[str]) -> bool:
        return all(a < b for a, b in itertools.pairwise(xs))

    if strictly_sorted(src) and strictly_sorted(dst):
        assert [p for _, p in _run(src, dst)] == sorted(set(src) | set(dst))
    else:
        with pytest.raises(ListingOrderError):
            _run(src, dst)
