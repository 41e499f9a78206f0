"""Hypothesis strategies shared by tests/, conformance/ and asv_bench/.

Each strategy takes keyword-only options and says in its docstring which edge cases it aims at.
Sections: file trees (for the copy engine and sync). Other sections are added below by their owners.
"""

from __future__ import annotations

import posixpath

from hypothesis import strategies as st

from cargobay._fsutil import is_temp_name
from cargobay.testing.trees import (
    DirSpec,
    Edit,
    EditKind,
    FileSpec,
    HardLinkSpec,
    Spec,
    SymlinkSpec,
)

# --- file trees ---

_ODD_NAMES = (
    "-rf",
    " leading and trailing ",
    "new\nline",
    "tab\tname",
    ".hidden",
    "..dots",
    "back\\slash",
    "quote'\"",
    "*?[glob]",
    "ünïcödé",
    "日本語のファイル",
    "emoji-\U0001f600",
    "x" * 255,
    "é" * 127,  # 254 bytes of UTF-8
    "NUL-free\x01\x7f",
)


def file_names() -> st.SearchStrategy[str]:
    """One path component: unicode (no surrogates), control characters, odd punctuation, leading
    dashes and dots, and names exactly at the 255-byte limit; never '', '.', '..', '/', NUL or a
    cargobay temp name."""
    generated = st.text(
        alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"),
        min_size=1,
        max_size=16,
    )
    return (st.sampled_from(_ODD_NAMES) | generated).filter(
        lambda n: n not in (".", "..") and len(n.encode("utf-8")) <= 255 and not is_temp_name(n)
    )


def _mtimes() -> st.SearchStrategy[int]:
    """Nanosecond mtimes: the epoch, odd nanoseconds, pre-2038 and post-2038 seconds."""
    return st.one_of(
        st.just(0),
        st.integers(min_value=0, max_value=4_000_000_000 * 10**9),
        st.integers(min_value=1_500_000_000, max_value=1_800_000_000).map(lambda s: s * 10**9 + 123_456_789),
    )


def _xattr_sets(enabled: bool) -> st.SearchStrategy[tuple[tuple[str, bytes], ...]]:
    if not enabled:
        return st.just(())
    names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20).map(
        lambda s: "user." + s
    )
    return st.dictionaries(names, st.binary(max_size=64), max_size=2).map(lambda d: tuple(sorted(d.items())))


@st.composite
def file_trees(
    draw: st.DrawFn,
    *,
    max_entries: int = 12,
    max_depth: int = 3,
    max_file_size: int = 4096,
    symlinks: bool = True,
    hardlinks: bool = True,
    sparse: bool = True,
    xattrs: bool = True,
    modes: bool = True,
) -> dict[str, Spec]:
    """A tree model for :func:`cargobay.testing.trees.write_tree`.

    Aims at: unicode and odd names (:func:`file_names`), empty files, empty directories, nesting up
    to ``max_depth``, sparse files with holes before and after the data (up to 16 MiB of hole),
    symlinks to files and directories, dangling, relative and absolute (into the tree, written
    against the root, and outside it), hard-link groups, permission bits including set-uid/set-gid/
    sticky (owner bits always allow reading/traversal so non-root runs can copy; files and
    directories without the owner's write bit, which bind every user but root), nanosecond mtimes
    (epoch, far future), and user xattrs on files and directories.
    """
    model: dict[str, Spec] = {}
    dirs = [""]
    files: list[str] = []
    kinds = ["file", "file", "dir"]
    if symlinks:
        kinds.append("symlink")
    if hardlinks:
        kinds.append("hardlink")
    file_modes = st.integers(0, 0o7777).map(lambda m: m | 0o400) if modes else st.just(0o644)
    dir_modes = st.integers(0, 0o7777).map(lambda m: (m | 0o500) & ~0o6000) if modes else st.just(0o755)
    count = draw(st.integers(0, max_entries))
    for _ in range(count):
        parent = draw(st.sampled_from(dirs))
        rel = posixpath.join(parent, draw(file_names())) if parent else draw(file_names())
        if rel in model or len(rel.encode()) > 3000:
            continue
        kind = draw(st.sampled_from(kinds))
        if kind == "dir":
            if rel.count("/") + 1 > max_depth:
                continue
            model[rel] = DirSpec(mode=draw(dir_modes), mtime_ns=draw(_mtimes()), xattrs=draw(_xattr_sets(xattrs)))
            dirs.append(rel)
        elif kind == "file":
            data = draw(st.binary(max_size=max_file_size))
            before = after = 0
            if sparse and draw(st.booleans()):
                holes = st.sampled_from([0, 4096, 1 << 20, 16 << 20])
                before, after = draw(holes), draw(holes)
            model[rel] = FileSpec(
                data=data,
                mode=draw(file_modes),
                mtime_ns=draw(_mtimes()),
                xattrs=draw(_xattr_sets(xattrs)),
                hole_before=before,
                hole_after=after,
            )
            files.append(rel)
        elif kind == "symlink":
            choice = draw(st.sampled_from(["file", "dir", "dangling", "absolute-in", "absolute-out"]))
            pool = files if choice == "file" else [d for d in dirs if d]
            if choice in ("file", "dir") and pool:
                target = posixpath.relpath(draw(st.sampled_from(pool)), parent or ".")
                model[rel] = SymlinkSpec(target, mtime_ns=draw(_mtimes()))
            elif choice == "absolute-in" and files:
                model[rel] = SymlinkSpec(draw(st.sampled_from(files)), absolute=True, mtime_ns=draw(_mtimes()))
            elif choice == "absolute-out":
                model[rel] = SymlinkSpec("/nonexistent/cargobay-test/" + draw(file_names()), mtime_ns=draw(_mtimes()))
            else:
                model[rel] = SymlinkSpec("missing-" + draw(file_names()), mtime_ns=draw(_mtimes()))
        elif kind == "hardlink" and files:
            model[rel] = HardLinkSpec(draw(st.sampled_from(files)))
    return model


def tree_edits(*, max_edits: int = 6) -> st.SearchStrategy[list[Edit]]:
    """Edit sequences for :func:`cargobay.testing.trees.apply_edits`, which picks the entry each edit
    applies to at apply time (``index`` modulo the candidates), so any sequence fits any tree.

    Aims at: content changed with size and mtime kept (invisible to a size+mtime comparison),
    truncate, append, mtime-only change, rename, delete (files, links, whole directories), chmod
    (taking the owner's write bit away too; edits open read-only entries as a user would),
    an extended attribute set or removed (only ctime shows it), a file replaced by a directory and
    vice versa, symlinks and hard links added and removed,
    new files in any directory.
    """
    edit = st.builds(
        Edit,
        kind=st.sampled_from(list(EditKind)),
        index=st.integers(0, 1000),
        data=st.binary(max_size=64),
        mode=st.integers(0, 0o777),
        name=file_names().filter(lambda n: len(n.encode()) < 200),
        mtime_ns=_mtimes(),
    )
    return st.lists(edit, max_size=max_edits)


# --- S3 ---
# Bucket names, adversarial object keys, bodies and user metadata for the S3 conformance suite
# and the server's property tests. Keys aim at what breaks a filesystem-backed store: empty,
# ``.`` and ``..`` segments, 1024-byte keys, keys that are also prefixes, folder markers, and
# characters that need escaping in URLs, XML and file names.

_KEY_ALPHABET = st.characters(
    codec="utf-8",
    # Surrogates are not UTF-8; control characters do not survive XML 1.0 request bodies
    # (DeleteObjects, CompleteMultipartUpload): AWS documents them as characters to avoid.
    exclude_categories=("Cs", "Cc"),
)

# Characters AWS documents as "may require special handling" or "to avoid", plus what URL,
# XML, shell and file-system layers treat specially.
S3_SPECIAL_KEY_CHARACTERS = "!-_.*'()&$@=;:+ ,?\\{}^%`[]\"<>~#|\t/\x7f\u00e9\u4e2d\U0001f600"

# Segments the server's own file layout gives a meaning to: its sidecar directory and its temp-file
# prefix (both must stay plain keys), and spellings of ``..`` a decoder might turn into one.
_LAYOUT_SEGMENTS = [".cargobay", ".cargobay-tmp-x", "%2E%2E", "\\", "~"]

# Segments whose keys sort just before and after ``a/...`` in UTF-8 byte order ("-" < "/" < "0"),
# and a non-ASCII one that sorts after every ASCII letter: the traps of listing with a delimiter.
_ORDER_SEGMENTS = ["a-b", "a0", "\u00e4", "z"]

_S3_SEGMENT_WORDS = st.sampled_from(
    ["", ".", "..", "a", "b", "ab", "a.b", "...", "dir", "%2F", "%", "+", " ", *_LAYOUT_SEGMENTS, *_ORDER_SEGMENTS]
)
_S3_SEGMENT_SPECIALS = st.text(alphabet=st.sampled_from("ab." + S3_SPECIAL_KEY_CHARACTERS.replace("/", "")), max_size=4)
_S3_SEGMENTS = st.one_of(
    _S3_SEGMENT_WORDS, _S3_SEGMENT_SPECIALS, st.text(alphabet=_KEY_ALPHABET.filter(lambda c: c != "/"), max_size=6)
)
_S3_SEGMENTS_WITH_CONTROLS = st.one_of(
    _S3_SEGMENT_WORDS,
    _S3_SEGMENT_SPECIALS,
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="/"), max_size=6),
)


def bucket_names(*, prefix: str = "") -> st.SearchStrategy[str]:
    """Valid S3 bucket names (3-63 chars: lowercase letters, digits, ``-``; no dots, which keeps
    TLS and virtual-host addressing simple), optionally under a run-unique ``prefix``."""
    room = 63 - len(prefix)
    if room < 3:
        raise ValueError("prefix leaves no room for a bucket name")
    inner = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=min(room, 20) - 2)
    edge = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789")
    return st.builds(lambda a, b, c: prefix + a + b + c, edge, inner, edge)


def object_keys(
    *, max_bytes: int = 1024, long_keys: bool = True, control_characters: bool = False
) -> st.SearchStrategy[str]:
    """Adversarial object keys (1..``max_bytes`` UTF-8 bytes).

    Aims at: empty segments (``a//b``, ``/a``), ``.`` and ``..`` segments (``../x``, ``a/../b``),
    keys ending in ``/`` (folder markers), keys that are also prefixes of other keys (``a`` and
    ``a/b`` come from one small segment vocabulary, so collisions are frequent), 1024-byte keys and
    segments longer than a file name may be (255 bytes), literal ``%2F`` (never to be aliased to
    ``/``), unicode (NFC/NFD pairs are distinct keys), URL/XML/shell specials, segments the
    server's file layout treats specially (``.cargobay``, its temp-file prefix, ``%2E%2E``), and
    segments that sort next to ``/`` (``a-b`` < ``a/b`` < ``a0`` in UTF-8 byte order).

    ``control_characters``: also NUL and other control characters, which a file name cannot always
    hold (NUL never) but a key may; off by default because XML 1.0 request bodies (DeleteObjects,
    CompleteMultipartUpload) cannot carry them, so a wire-level test could not round-trip them.
    """
    segments = _S3_SEGMENTS_WITH_CONTROLS if control_characters else _S3_SEGMENTS
    pieces = [
        st.lists(segments, min_size=1, max_size=5).map("/".join),
        st.sampled_from(
            [
                "a",
                "a/b",
                "a/b/c",
                "dir/",
                "dir/a",
                "a/",
                "/",
                "//",
                "./a",
                "../a",
                "a/../b",
                "a/./b",
                "..",
                ".",
                "a%2Fb",
                "a/b ",
                " a",
                "caf\u00e9",
                "cafe\u0301",
            ]
        ),
        st.text(alphabet=_KEY_ALPHABET, min_size=1, max_size=12),
    ]
    if long_keys and max_bytes >= 256:
        pieces.append(
            st.builds(
                lambda c, n, tail: c * n + tail,
                st.sampled_from("ab"),
                st.integers(250, 300),
                st.sampled_from(["", "/", "/x"]),
            )
        )
    if long_keys and max_bytes >= 1024:
        pieces.append(
            st.builds(
                lambda c, tail: (c * 1024)[: 1024 - len(tail)] + tail,
                st.sampled_from("ab/"),
                st.sampled_from(["", "z", "/"]),
            )
        )
    return st.one_of(pieces).filter(lambda k: 1 <= len(k.encode("utf-8")) <= max_bytes)


def bodies(*, max_size: int = 2048) -> st.SearchStrategy[bytes]:
    """Object bodies: empty, random bytes, and repeated short patterns (no structure assumed)."""
    return st.one_of(
        st.just(b""),
        st.binary(max_size=max_size),
        st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(1, max(1, max_size // 3))),
    )


def user_metadata(*, max_items: int = 3) -> st.SearchStrategy[dict[str, str]]:
    """``x-amz-meta-*`` maps that survive HTTP headers unchanged on AWS: lower-case names of
    letters, digits and ``-`` (AWS lower-cases names), printable ASCII values without spaces at
    the ends (HTTP trims them), in total far below the 2 KB limit."""
    names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10).filter(
        lambda n: n[0].isalnum()
    )
    values = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=16)
    return st.dictionaries(names, values, max_size=max_items)


# --- selection rules ---

_RULE_SEGMENTS = ("a", "b", "c.txt", "d.log", "build", "x y", "*", "*.txt", "?", "[ab]", "*.l?g", "**")


@st.composite
def rule_sets(draw: st.DrawFn, *, max_rules: int = 6, negation: bool = False) -> list[str]:
    """Lists of gitignore-style patterns over a small name alphabet (so they hit generated trees).

    Aims at: anchored (``/a``) and floating patterns, patterns with a slash in the middle (anchored
    by gitignore's rule), directory-only patterns (``build/``), ``*``, ``?`` and ``[ab]`` classes,
    ``**`` leading, in the middle and trailing, a name with a space, and with ``negation=True``
    ``!`` re-includes (gitignore semantics: the last matching line wins; meant for ignore files).
    Never: blank lines, comments, escapes or trailing spaces.
    """
    rules = []
    for _ in range(draw(st.integers(1, max_rules))):
        segments = draw(st.lists(st.sampled_from(_RULE_SEGMENTS), min_size=1, max_size=3))
        pattern = "/".join(segments)
        if draw(st.booleans()) and not pattern.startswith("**"):
            pattern = "/" + pattern
        if draw(st.booleans()) and not pattern.endswith("**"):
            pattern += "/"
        if negation and draw(st.integers(0, 3)) == 0:
            pattern = "!" + pattern
        rules.append(pattern)
    return rules
