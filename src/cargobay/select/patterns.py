"""One gitignore-style pattern → a segment matcher, and the directories that could hold a match.

This module owns pattern *syntax and matching*; it knows nothing of include/exclude, rule order,
files on disk or the walker. It must not import :mod:`cargobay.select.rules` or anything above it.

Pattern syntax (the gitignore syntax, https://git-scm.com/docs/gitignore, checked against
``git check-ignore`` by the property tests):

* A pattern is split on ``/`` into segments; matching is segment by segment, so ``*``, ``?`` and
  ``[...]`` never match a ``/``.
* Anchoring: a pattern with a ``/`` at the start or in the middle is anchored to the directory
  the rule belongs to (the tree root for command-line rules, the ignore file's directory for
  ``.cargobayignore``). A pattern without one (``*.tmp``, ``node_modules/``) matches a name at
  any depth.
* A trailing ``/`` makes the pattern match directories only. Symlinks are never directories.
* ``**`` as a whole segment: leading ``**/x`` matches ``x`` at any depth, ``a/**/b`` matches zero
  or more directories between, trailing ``a/**`` matches everything *inside* ``a`` (not ``a``).
  ``**`` inside a segment (``a**b``) is an ordinary ``*``.
* ``*`` any run of characters, ``?`` one character, ``[abc]``, ``[a-z]``, ``[!a]`` / ``[^a]``,
  POSIX classes ``[[:digit:]]``; ``\\`` escapes the next character.
* Trailing spaces are stripped unless escaped (``foo\\ ``). Matching is case-sensitive.
* A leading ``!`` is reported as ``negated``; whether negation is allowed is the caller's rule.

Errors are :class:`PatternError` (a ``ValueError``) with a message but no location; the rule
parser adds the file and line. Unlike git, which silently drops a malformed pattern, every
malformed pattern is an error: a rule that silently matches nothing can leak files into a backup.

Why not pathspec's regexes: pathspec (evaluated, and used as a test oracle) compiles a whole
pattern to one regex with *prefix* semantics (``foo`` also matches ``foo/bar``) and a named group,
so its regexes cannot be combined into one alternation, and answering "could anything below
this directory match?" (needed to prune) is not expressible with them. Here a pattern is a
small NFA over segments: a directory's state is the set of segment positions still reachable,
which answers both "does this name complete a match?" and "can anything below match?" exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cargobay._record import Record

__all__ = [
    "NameSet",
    "Pattern",
    "PatternError",
    "SegmentGlob",
    "directory_patterns",
    "parse_pattern",
]


class PatternError(ValueError):
    """A pattern is malformed; the message says how (the caller adds file and line)."""


_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def _set_char(ch: str) -> str:
    """Escape one character for use inside a regex character set (no FutureWarning, ever)."""
    return ch if ch.isalnum() else "\\" + ch


def _bracket(glob: str, i: int) -> tuple[str, int]:
    """Translate the bracket expression starting after the ``[`` at ``glob[i-1]``."""
    n = len(glob)
    j = i
    negate = False
    if j < n and glob[j] in "!^":
        negate = True
        j += 1
    items: list[str] = []
    first = True
    while True:
        if j >= n:
            raise PatternError(f"unclosed '[' in {glob!r}")
        c = glob[j]
        if c == "]" and not first:
            j += 1
            break
        first = False
        if c == "[" and glob.startswith("[:", j):
            end = glob.find(":]", j + 2)
            if end != -1:
                name = glob[j + 2 : end]
                if name not in _POSIX_CLASSES:
                    raise PatternError(f"unknown character class [:{name}:] in {glob!r}")
                items.append(_POSIX_CLASSES[name])
                j = end + 2
                continue
        if c == "\\":
            j += 1
            if j >= n:
                raise PatternError(f"unclosed '[' in {glob!r}")
            c = glob[j]
        j += 1
        if j + 1 < n and glob[j] == "-" and glob[j + 1] != "]":
            hi = glob[j + 1]
            j += 2
            if hi == "\\":
                if j >= n:
                    raise PatternError(f"unclosed '[' in {glob!r}")
                hi = glob[j]
                j += 1
            if ord(hi) < ord(c):
                raise PatternError(f"reversed range {c}-{hi} in {glob!r}")
            items.append(f"{_set_char(c)}-{_set_char(hi)}")
        else:
            items.append(_set_char(c))
    return "[" + ("^" if negate else "") + "".join(items) + "]", j


class SegmentGlob(Record):
    """A glob for one path segment (a name), classified so common shapes avoid the regex engine.

    ``kind`` is ``literal`` (``Makefile``), ``suffix`` (``*.pyc``), ``prefix`` (``core.*``),
    ``any`` (``*``) or ``regex``; ``value`` is the literal part and ``regex`` the full
    translation, valid for every kind.
    """

    _fields = ("text", "kind", "value", "regex")
    __slots__ = (*_fields, "_compiled")
    text: str
    kind: str
    value: str
    regex: str
    _compiled: re.Pattern[str]  # not a field: not compared, not shown

    def __init__(self, text: str, kind: str, value: str, regex: str) -> None:
        self._set(text, kind, value, regex)
        object.__setattr__(self, "_compiled", re.compile(regex, re.DOTALL))

    def __reduce__(self) -> tuple[type[SegmentGlob], tuple[object, ...]]:
        return SegmentGlob, self._values()

    def matches(self, name: str) -> bool:
        return self._compiled.fullmatch(name) is not None

    @classmethod
    def parse(cls, glob: str) -> SegmentGlob:
        # Tokens: ("lit", text) | ("star", "") | ("re", regex) for ? and [...].
        tokens: list[tuple[str, str]] = []
        i, n = 0, len(glob)
        while i < n:
            c = glob[i]
            i += 1
            if c == "\\":
                if i >= n:
                    raise PatternError(f"trailing backslash escapes nothing in {glob!r}")
                tokens.append(("lit", glob[i]))
                i += 1
            elif c == "*":
                while i < n and glob[i] == "*":
                    i += 1
                tokens.append(("star", ""))
            elif c == "?":
                tokens.append(("re", "[^/]"))
            elif c == "[":
                expr, i = _bracket(glob, i)
                tokens.append(("re", expr))
            else:
                tokens.append(("lit", c))
        regex = "".join(re.escape(v) if k == "lit" else ("[^/]*" if k == "star" else v) for k, v in tokens)
        try:
            re.compile(regex)
        except re.error as exc:  # pragma: no cover - the translation above is meant to be total
            raise PatternError(f"cannot translate {glob!r}: {exc}") from None
        kinds = [k for k, _ in tokens]
        literal = "".join(v for k, v in tokens if k == "lit")
        if all(k == "lit" for k in kinds):
            return cls(glob, "literal", literal, regex)
        if kinds == ["star"]:
            return cls(glob, "any", "", regex)
        if kinds[0] == "star" and all(k == "lit" for k in kinds[1:]):
            return cls(glob, "suffix", literal, regex)
        if kinds[-1] == "star" and all(k == "lit" for k in kinds[:-1]):
            return cls(glob, "prefix", literal, regex)
        return cls(glob, "regex", "", regex)


class NameSet:
    """The union of several segment globs, answering "does this name match any?" fast.

    Literal names are a set lookup, ``*suffix`` and ``prefix*`` one ``str.endswith`` /
    ``str.startswith`` call with a tuple, and only the rest goes through one combined regex.
    """

    __slots__ = ("_any", "_literals", "_prefixes", "_regex", "_suffixes")

    def __init__(self, globs: Iterable[SegmentGlob | None]) -> None:
        """``None`` stands for ``**`` (matches every name)."""
        literals: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[str] = []
        regexes: list[str] = []
        self._any = False
        for g in globs:
            if g is None or g.kind == "any":
                self._any = True
            elif g.kind == "literal":
                literals.add(g.value)
            elif g.kind == "suffix":
                suffixes.append(g.value)
            elif g.kind == "prefix":
                prefixes.append(g.value)
            else:
                regexes.append(g.regex)
        self._literals = frozenset(literals)
        self._suffixes = tuple(dict.fromkeys(suffixes))
        self._prefixes = tuple(dict.fromkeys(prefixes))
        self._regex = (
            re.compile("(?:" + "|".join(dict.fromkeys(regexes)) + ")", re.DOTALL).fullmatch if regexes else None
        )

    def drop_matching(self, names: list[str]) -> list[str]:
        """``[n for n in names if not self.matches(n)]``, one C-level pass per kind of glob
        (no Python call per name: the selection walk filters a directory's files at once)."""
        if self._any:
            return []
        out = [n for n in names if n not in self._literals] if self._literals else names
        if self._suffixes:
            suffixes = self._suffixes
            out = [n for n in out if not n.endswith(suffixes)]
        if self._prefixes:
            prefixes = self._prefixes
            out = [n for n in out if not n.startswith(prefixes)]
        if self._regex is not None:
            regex = self._regex
            out = [n for n in out if regex(n) is None]
        return out if out is not names else list(names)

    def matches(self, name: str) -> bool:
        if self._any or name in self._literals:
            return True
        if self._suffixes and name.endswith(self._suffixes):
            return True
        if self._prefixes and name.startswith(self._prefixes):
            return True
        return self._regex is not None and self._regex(name) is not None


def _closure(segments: tuple[SegmentGlob | None, ...], positions: Iterable[int]) -> frozenset[int]:
    """Add the position after every ``**`` (``**`` may match zero segments)."""
    out = set(positions)
    n = len(segments)
    for j in list(out):
        if j < n and segments[j] is None:
            out.add(j + 1)
    return frozenset(out)


class Pattern(Record):
    """A parsed pattern: a sequence of segment globs (``None`` = ``**``) matched as an NFA.

    A *state* is the frozenset of segment positions reachable after consuming the segments of
    a directory path, starting from :attr:`start` at the directory the pattern is anchored to.
    Equal only to itself (patterns are compared by identity, as the selection interns them).
    """

    _fields = ("text", "negated", "dir_only", "anchored", "segments", "written")
    __slots__ = (*_fields, "start", "completing")
    text: str
    negated: bool
    dir_only: bool
    anchored: bool
    segments: tuple[SegmentGlob | None, ...]
    # The segment texts as written (before the "trailing ** needs one segment" rewrite); used
    # to derive directory patterns.
    written: tuple[str, ...]
    start: frozenset[int]
    # Positions from which consuming one name can complete a match, with the glob that name
    # must match (None = any name): the last segment, and the one before a trailing "**".
    completing: tuple[tuple[int, SegmentGlob | None], ...]

    def __init__(
        self,
        text: str,
        negated: bool,
        dir_only: bool,
        anchored: bool,
        segments: tuple[SegmentGlob | None, ...],
        written: tuple[str, ...],
    ) -> None:
        self._set(text, negated, dir_only, anchored, segments, written)
        n = len(segments)
        object.__setattr__(self, "start", _closure(segments, (0,)))
        completing = [
            (j, segments[j])
            for j in range(n)
            if n in (_closure(segments, (j,)) if segments[j] is None else _closure(segments, (j + 1,)))
        ]
        object.__setattr__(self, "completing", tuple(completing))

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __reduce__(self) -> tuple[type[Pattern], tuple[object, ...]]:
        return Pattern, self._values()

    @property
    def is_name_only(self) -> bool:
        """True for an unanchored one-segment pattern (``*.tmp``): its state never changes."""
        return len(self.segments) == 2 and self.segments[0] is None and self.segments[1] is not None

    def step(self, state: frozenset[int], name: str) -> frozenset[int]:
        """The state after descending into ``name`` from a directory in ``state``."""
        segs = self.segments
        n = len(segs)
        nxt: list[int] = []
        for j in state:
            if j >= n:
                continue
            g = segs[j]
            if g is None:
                nxt.append(j)
            elif g.matches(name):
                nxt.append(j + 1)
        return _closure(segs, nxt) if nxt else frozenset()

    def accepts(self, state: frozenset[int]) -> bool:
        return len(self.segments) in state

    def tail(self, state: frozenset[int]) -> list[SegmentGlob | None]:
        """The globs one of which a child's name must match for the child of a directory in
        ``state`` to match (``None`` = any name); empty if no child can match."""
        return [glob for j, glob in self.completing if j in state]

    def completes(self, state: frozenset[int], name: str) -> bool:
        """Does the child ``name`` of a directory in ``state`` match (exactly)?"""
        return any(j in state and (g is None or g.matches(name)) for j, g in self.completing)

    def may_match_below(self, state: frozenset[int]) -> bool:
        """Could some path strictly below a directory in ``state`` match this pattern?"""
        n = len(self.segments)
        return any(j < n for j in state)

    def matches(self, rel: str, *, is_dir: bool) -> bool:
        """Exact match of ``rel`` ('/'-joined, relative to the anchor); no ancestor extension."""
        if self.dir_only and not is_dir:
            return False
        state = self.start
        for name in rel.split("/"):
            state = self.step(state, name)
            if not state:
                return False
        return self.accepts(state)


def _strip_trailing_spaces(text: str) -> str:
    """Remove trailing spaces unless backslash-escaped (gitignore rule)."""
    end = len(text)
    while end > 0 and text[end - 1] == " ":
        # Count the backslashes before this space: an odd count escapes it.
        k = end - 1
        backslashes = 0
        while k > 0 and text[k - 1] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2 == 1:
            break
        end -= 1
    return text[:end]


def parse_pattern(text: str) -> Pattern:
    """Parse one gitignore-style pattern; raise :class:`PatternError` if it is malformed."""
    original = text
    body = _strip_trailing_spaces(text)
    negated = False
    if body.startswith("!"):
        negated = True
        body = body[1:]
    if not body:
        raise PatternError(f"empty pattern {original!r}")
    dir_only = body.endswith("/") and not body.endswith("\\/")
    if dir_only:
        body = body[:-1]
    anchored = "/" in body
    if body.startswith("/"):
        body = body[1:]
    if not body:
        raise PatternError(f"pattern {original!r} matches nothing")
    written = tuple(body.split("/"))
    if any(not seg for seg in written):
        raise PatternError(f"empty path segment ('//') in {original!r}")
    segs: list[SegmentGlob | None] = []
    for seg in written:
        if seg == "**":
            if not segs or segs[-1] is not None:  # collapse **/**
                segs.append(None)
        else:
            segs.append(SegmentGlob.parse(seg))
    if not anchored and segs[0] is not None:
        segs.insert(0, None)
    if len(segs) > 1 and segs[-1] is None:
        # A trailing "/**" matches everything inside, not the directory itself: one or more.
        segs[-1:] = [SegmentGlob.parse("*"), None]
    return Pattern(original, negated, dir_only, anchored, tuple(segs), written)


def directory_patterns(pattern: Pattern) -> tuple[str, ...]:
    """The anchored directory globs under which a match of ``pattern`` could lie.

    The idea of rclone's ``globToDirGlobs``: ``a/b/*.c`` can only match below ``a`` or
    ``a/b``, so a walker need not open any other directory for it; once a ``**`` appears, every
    directory below that point qualifies (``a/**/c`` → ``a``, ``a/**``). An unanchored pattern
    gives ``**``: any directory. The root is always opened and is not listed. Each returned
    glob is itself an anchored pattern, matched exactly against a directory path.
    """
    if not pattern.anchored or pattern.written[0] == "**":
        return ("**",)
    out: list[str] = []
    for k, seg in enumerate(pattern.written[:-1]):
        if seg == "**":
            out.append("/".join(pattern.written[: k + 1]))
            return tuple(out)
        out.append("/".join(pattern.written[: k + 1]))
    if pattern.written[-1] == "**":
        out.append("/".join(pattern.written))
    return tuple(out)
