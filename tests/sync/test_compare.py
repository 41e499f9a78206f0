"""The pure change-detection rule (cargobay.sync.compare): a table of cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay._types import Fingerprint
from cargobay.s3.etag import MD5_HEX, is_md5_etag, multipart_count, multipart_etag, unquote
from cargobay.sync.compare import compare, part_size_candidates
from cargobay.sync.model import Entry, Fact, MiB, Side, SyncAction

MD5_A = "a" * 32
MD5_B = "b" * 32
MP = multipart_etag([MD5_A, MD5_B])  # "<hex>-2"
FP = Fingerprint(10, 1, 2, 3)


def local(size: int = 10, md5: str | None = None, mtime: int = 5, multipart: tuple[tuple[int, str], ...] = ()) -> Entry:
    return Entry("p", size, mtime, md5, None, FP, True, False, multipart)


def remote(
    size: int = 10, etag: str = MD5_A, *, meta: bool = False, md5: str | None = None, mtime: int | None = None
) -> Entry:
    md5 = md5 if md5 is not None else (etag if multipart_count(etag) is None and len(etag) == 32 else None)
    return Entry("p", size, mtime, md5, etag, None, False, meta)


CASES = [
    ("new", local(), None, SyncAction.COPY, None),
    ("size-differs", local(11), remote(), SyncAction.COPY, None),
    ("same-md5", local(md5=MD5_A), remote(), SyncAction.SKIP, None),
    ("md5-differs-same-size-same-mtime", local(md5=MD5_B, mtime=7), remote(mtime=7, meta=True), SyncAction.COPY, None),
    ("local-needs-hash", local(), remote(), SyncAction.NEED, (Side.SRC, Fact.MD5)),
    ("multipart-needs-head", local(md5=MD5_A), remote(etag=MP), SyncAction.NEED, (Side.DST, Fact.META)),
    ("multipart-md5chksum-equal", local(md5=MD5_A), remote(etag=MP, meta=True, md5=MD5_A), SyncAction.SKIP, None),
    ("multipart-md5chksum-differs", local(md5=MD5_B), remote(etag=MP, meta=True, md5=MD5_A), SyncAction.COPY, None),
    (
        "multipart-no-md5-needs-local-multipart",
        local(md5=MD5_A),
        remote(etag=MP, meta=True),
        SyncAction.NEED,
        (Side.SRC, Fact.MULTIPART),
    ),
    (
        "multipart-etag-equal",
        local(md5=MD5_A, multipart=((8 * MiB, MP),)),
        remote(etag=MP, meta=True),
        SyncAction.SKIP,
        None,
    ),
    ("touch-only-is-not-a-change", local(md5=MD5_A, mtime=99), remote(mtime=1, meta=True), SyncAction.SKIP, None),
]


@pytest.mark.parametrize(("src", "dst", "action", "need"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compare_table(src: Entry, dst: Entry | None, action: SyncAction, need: tuple[Side, Fact] | None) -> None:
    if src.multipart or (dst is not None and multipart_count(dst.etag) is not None):
        # the multipart cases need a size that gives 2 parts at the default 8 MiB part size
        src = Entry(src.path, 12 * MiB, src.mtime_ns, src.md5, None, src.fingerprint, True, False, src.multipart)
        if dst is not None:
            dst = Entry(dst.path, 12 * MiB, dst.mtime_ns, dst.md5, dst.etag, None, False, dst.meta_known)
    d = compare(src, dst)
    assert d.action is action, d
    assert d.reason
    if need is not None:
        assert d.need is not None and (d.need.side, d.need.fact) == need


def test_unknown_part_size_falls_back_to_mtime_unless_checksum() -> None:
    size = 12 * MiB
    computed = tuple((p, "0" * 32 + "-2") for p in part_size_candidates(size, 2))
    src = Entry("p", size, 5, MD5_A, None, FP, True, False, computed)
    dst = Entry("p", size, 5, None, MP, None, False, True)
    assert compare(src, dst).action is SyncAction.SKIP
    assert compare(src, Entry("p", size, 6, None, MP, None, False, True)).action is SyncAction.COPY
    assert compare(src, dst, checksum=True).action is SyncAction.COPY


def test_s3_to_s3_same_multipart_etag_skips() -> None:
    a = Entry("p", 12 * MiB, None, None, MP, None, False, True)
    assert compare(a, a).action is SyncAction.SKIP


@given(st.integers(0, 10**12), st.integers(1, 10_000), st.sampled_from([5 * MiB, 8 * MiB, 64 * MiB]))
def test_part_size_candidates_give_the_part_count(size: int, parts: int, configured: int) -> None:
    for p in part_size_candidates(size, parts, configured=configured):
        assert -(-size // p) == parts or (size == 0 and parts == 1)


hexes = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


@given(st.integers(0, 100), st.integers(0, 100), hexes, hexes, st.integers(0, 10), st.integers(0, 10))
def test_compare_never_skips_different_known_content(
    size_a: int, size_b: int, a: str, b: str, ma: int, mb: int
) -> None:
    src = Entry("p", size_a, ma, a, None, FP, True)
    dst = Entry("p", size_b, mb, b, b, None, False, True)
    d = compare(src, dst)
    assert (d.action is SyncAction.SKIP) == (size_a == size_b and a == b)


@pytest.mark.parametrize(
    ("etag", "n"),
    [(MP, 2), (MD5_A, None), ("x" * 32 + "-3", None), (MD5_A + "-0", None), (None, None)],
    ids=["multipart", "md5", "not-hex", "zero-parts", "none"],
)
def test_multipart_count(etag: str | None, n: int | None) -> None:
    assert multipart_count(etag) == n


@given(
    st.one_of(
        st.text(max_size=40),
        st.text(alphabet="0123456789abcdefABCDEF", min_size=31, max_size=33),
    ).flatmap(lambda core: st.sampled_from([core, f'"{core}"', f'W/"{core}"', f' "{core}" ']))
)
def test_the_listing_md5_check_agrees_with_is_md5_etag(etag: str) -> None:
    # The S3 listing unquotes once, then asks MD5_HEX (sync/s3.py): the same answer as is_md5_etag.
    assert bool(MD5_HEX.fullmatch(unquote(etag))) == is_md5_etag(etag)


@pytest.mark.parametrize("tail", ["²", "٣", "1_0", "0", ""])
def test_multipart_count_of_an_etag_whose_count_is_no_ascii_number_is_none(tail: str) -> None:
    """An ETag comes from whatever server is the other side: '²' passes ``str.isdigit`` and fails
    ``int``, which made a sync with such a server fail with a traceback."""
    assert multipart_count(f"{MD5_A}-{tail}") is None
