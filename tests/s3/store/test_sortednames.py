"""SortedNames behaves as the sorted list it replaces, and building it never holds every name."""

from __future__ import annotations

import bisect
import random
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.store.sortednames import SEPARATOR, SortedNames

# File names as a listing keeps them: any text but NUL (a file name cannot hold it) and lone
# surrogates (undecodable names are skipped), with a small alphabet too so duplicates and shared
# prefixes are common.
names = st.one_of(
    st.text(st.characters(exclude_characters=SEPARATOR, exclude_categories=["Cs"]), max_size=6),
    st.text("ab/", max_size=4),
)
powers_of_two = st.sampled_from([1, 2, 4, 8, 1024])


def _check_like(compact: SortedNames, model: list[str], probes: list[str]) -> None:
    n = len(model)
    assert len(compact) == n
    assert list(compact) == model
    assert [compact[i] for i in range(n)] == model
    assert [compact[i] for i in range(-n, 0)] == model
    for bad in (n, -n - 1):
        with pytest.raises(IndexError):
            compact[bad]
    assert compact[1:-1] == model[1:-1]
    assert compact[::3] == model[::3]
    for start in range(-1, n + 2):
        assert list(compact.iter_from(start)) == model[max(0, start) :]
    for probe in probes + model:
        want = bisect.bisect_right(model, probe)
        assert compact.bisect_right(probe) == want
        assert bisect.bisect_right(compact, probe) == want  # the plain Sequence protocol
        assert bisect.bisect_left(compact, probe) == bisect.bisect_left(model, probe)
    if n:  # Sequence's mixins agree too
        assert model[n // 2] in compact
        assert compact.index(model[n // 2]) == model.index(model[n // 2])


@given(st.lists(names, max_size=120), st.lists(names, max_size=8), powers_of_two, st.integers(1, 40))
def test_build_behaves_as_the_sorted_list(unsorted: list[str], probes: list[str], block: int, run: int) -> None:
    compact = SortedNames.build(iter(unsorted), run=run, block=block)
    _check_like(compact, sorted(unsorted), probes)


@given(st.lists(names, max_size=60), st.lists(names, max_size=60), powers_of_two, st.integers(1, 20))
def test_build_takes_a_first_chunk_then_the_rest(first: list[str], rest: list[str], block: int, run: int) -> None:
    compact = SortedNames.build(iter(rest), first=list(first), run=run, block=block)
    _check_like(compact, sorted(first + rest), [])


@given(st.lists(names, max_size=80), powers_of_two)
def test_from_sorted_behaves_as_the_list(unsorted: list[str], block: int) -> None:
    model = sorted(unsorted)
    _check_like(SortedNames.from_sorted(model, block), model, ["", "a", "\U0010ffff"])


def test_a_name_holding_the_separator_is_refused() -> None:
    with pytest.raises(ValueError, match="contains"):
        SortedNames.build(["a", "b\0c", "d"], run=2, block=2)
    with pytest.raises(ValueError, match="contains"):
        SortedNames.from_sorted(["a\0"])


def test_block_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        SortedNames.from_sorted(["a", "b"], 3)


def test_building_holds_a_fraction_of_a_list_of_the_names() -> None:
    """200,000 12-character names: a sorted list of str takes ~14 MiB; the build's peak stays
    near the packed result (~2.5 MiB), since only a run of names exists as objects at a time."""
    order = list(range(200_000))
    random.Random(7).shuffle(order)
    source = (f"obj-{i:08d}" for i in order)  # new objects one by one, as os.scandir makes them
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        compact = SortedNames.build(source, run=16_384)
        kept, peak = (m - baseline for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    list_bytes = 200_000 * (8 + 61)
    assert kept <= compact.nbytes * 1.1
    assert compact.nbytes < list_bytes / 4
    assert peak < list_bytes / 2, (peak, kept)
    assert list(compact) == [f"obj-{i:08d}" for i in range(200_000)]
