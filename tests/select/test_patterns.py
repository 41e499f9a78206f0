"""Example tests of pattern syntax and of the directory patterns used for pruning."""

from __future__ import annotations

import pytest

from cargobay.select.patterns import PatternError, directory_patterns, parse_pattern

# (pattern, directory globs) - the cargobay version of rclone's TestGlobToDirGlobs.
DIR_GLOBS = [
    ("*.py", ("**",)),
    ("node_modules/", ("**",)),
    ("**/x", ("**",)),
    ("/top", ()),
    ("/top/", ()),
    ("a/b", ("a",)),
    ("/a/b/c.txt", ("a", "a/b")),
    ("a/*/c/*.py", ("a", "a/*", "a/*/c")),
    ("a/**/c", ("a", "a/**")),
    ("a/**", ("a", "a/**")),
    ("a/b/**/c/d", ("a", "a/b", "a/b/**")),
    ("**/a/b", ("**",)),
    ("src/[ab]*/x", ("src", "src/[ab]*")),
]


@pytest.mark.parametrize(("pattern", "expected"), DIR_GLOBS, ids=[p for p, _ in DIR_GLOBS])
def test_directory_patterns_table(pattern: str, expected: tuple[str, ...]) -> None:
    assert directory_patterns(parse_pattern(pattern)) == expected


MATCHES = [
    # pattern, path, is_dir, expected
    ("*.py", "a.py", False, True),
    ("*.py", "d/e/a.py", False, True),
    ("*.py", "a.pyc", False, False),
    ("/a.py", "a.py", False, True),
    ("/a.py", "d/a.py", False, False),
    ("d/a.py", "d/a.py", False, True),
    ("d/a.py", "x/d/a.py", False, False),
    ("build/", "build", True, True),
    ("build/", "build", False, False),
    ("build/", "x/build", True, True),
    ("a/**/b", "a/b", False, True),
    ("a/**/b", "a/x/y/b", False, True),
    ("a/**", "a", True, False),
    ("a/**", "a/x", False, True),
    ("a/**", "a/x/y", False, True),
    ("a/**/", "a/x", False, False),  # as git check-ignore (pathspec 1.1 says True)
    ("a/**/", "a/x", True, True),
    ("**/b", "b", False, True),
    ("**/b", "x/y/b", False, True),
    ("a**b", "axxb", False, True),
    ("a**b", "ax/xb", False, False),
    ("?.c", "x.c", False, True),
    ("?.c", "xy.c", False, False),
    ("[ab].c", "b.c", False, True),
    ("[!ab].c", "b.c", False, False),
    ("[^ab].c", "c.c", False, True),
    ("[a-c]x", "bx", False, True),
    ("[]]x", "]x", False, True),
    ("[[:digit:]]*", "7up", False, True),
    ("[[:digit:]]*", "up", False, False),
    ("\\*x", "*x", False, True),
    ("\\*x", "ax", False, False),
    ("\\#a", "#a", False, True),
    ("\\!a", "!a", False, True),
    ("a\\ ", "a ", False, True),
    ("a  ", "a", False, True),
    ("*", ".hidden", False, True),
    ("Foo", "foo", False, False),
    ("[&&]x", "&x", False, True),
    ("[a-]x", "-x", False, True),
]


@pytest.mark.parametrize(("pattern", "path", "is_dir", "expected"), MATCHES, ids=[f"{p}~{q}" for p, q, _, _ in MATCHES])
def test_pattern_matches_table(pattern: str, path: str, is_dir: bool, expected: bool) -> None:
    assert parse_pattern(pattern).matches(path, is_dir=is_dir) is expected


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "/", "!", "a//b", "a[", "[z-a]", "x\\", "[[:nope:]]", "a/[b"],
)
def test_parse_pattern_rejects_malformed(bad: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(bad)


def test_parse_pattern_reports_negation_and_anchoring() -> None:
    p = parse_pattern("!/a/b/")
    assert (p.negated, p.anchored, p.dir_only) == (True, True, True)
    q = parse_pattern("name")
    assert (q.negated, q.anchored, q.dir_only, q.is_name_only) == (False, False, False, True)
