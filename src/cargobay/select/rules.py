"""Rule lines and rule sources → :class:`Rule` objects; every syntax error names file and line.

This module owns the *syntax of rule sources*: command-line patterns, ``--exclude-from`` /
``--include-from`` files, rclone-style ``--filter-from`` files and gitignore-style
``.cargobayignore`` files. It decides nothing about which file is selected (that is
:mod:`cargobay.select.selection`) and does no walking. It may import only
:mod:`cargobay.select.patterns` and :mod:`cargobay.errors`.

Line formats:

``--exclude-from`` / ``--include-from`` FILE
    one pattern per line; blank lines and lines starting with ``#`` or ``;`` are skipped
    (write ``\\#`` for a pattern that starts with ``#``).
``--filter-from`` FILE (rclone's format)
    ``+ PATTERN`` includes, ``- PATTERN`` excludes (exactly one space after the sign), ``!`` on
    its own clears every rule collected so far (including earlier command-line rules, as
    rclone), blank lines and ``#`` / ``;`` comments are skipped. Anything else is an error.
``.cargobayignore`` (gitignore's format)
    one pattern per line, ``#`` comments, ``!PATTERN`` re-includes what an earlier line of the
    same or a shallower ignore file excluded.

A leading ``!`` is a negation only in ignore files; elsewhere it is an error, because a
first-match-wins list already expresses "except" by order (write ``\\!`` for a literal ``!``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cargobay._record import Record
from cargobay.errors import RuleSyntaxError, UsageError
from cargobay.select.patterns import Pattern, PatternError, parse_pattern

if TYPE_CHECKING:  # pathlib is 2 ms to import, and a type hint is all it is needed for here
    from pathlib import Path

__all__ = [
    "CLEAR",
    "Clear",
    "Rule",
    "RuleAction",
    "parse_filter_lines",
    "parse_ignore_lines",
    "parse_pattern_lines",
    "read_rule_file",
    "rule_from_pattern",
]

ARGUMENTS = "<arguments>"


class RuleAction(enum.Enum):
    """What a matching rule does to a path."""

    INCLUDE = "+"
    EXCLUDE = "-"


class Rule(Record):
    """One pattern with its action and where it came from (for error messages and ``--explain``)."""

    _fields = ("action", "pattern", "source", "line")
    __slots__ = _fields
    action: RuleAction
    pattern: Pattern
    source: str
    line: int | None

    def __init__(self, action: RuleAction, pattern: Pattern, source: str = ARGUMENTS, line: int | None = None) -> None:
        self._set(action, pattern, source, line)

    def __str__(self) -> str:
        return f"{self.action.value} {self.pattern.text}"

    @property
    def where(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"


class Clear(Record):
    """The ``!`` line of a filter file: forget every rule collected before it."""

    __slots__ = ()


CLEAR = Clear()


def _compile(text: str, *, source: str, line: int | None, allow_negation: bool) -> Pattern:
    try:
        pattern = parse_pattern(text)
    except PatternError as exc:
        raise RuleSyntaxError(str(exc), source=source, line=line) from None
    if pattern.negated and not allow_negation:
        raise RuleSyntaxError(
            f"'!' negation is only allowed in ignore files ({text!r}); order rules instead, "
            "or write '\\!' for a literal '!'",
            source=source,
            line=line,
        )
    return pattern


def rule_from_pattern(text: str, action: RuleAction, *, source: str = ARGUMENTS, line: int | None = None) -> Rule:
    """One ``--include`` / ``--exclude`` pattern (or a group member) → a :class:`Rule`."""
    return Rule(action, _compile(text, source=source, line=line, allow_negation=False), source, line)


def _is_blank_or_comment(raw: str, comments: str) -> bool:
    return not raw.strip() or raw[0] in comments


def parse_pattern_lines(lines: Iterable[str], *, action: RuleAction, source: str) -> list[Rule]:
    """Lines of an ``--exclude-from`` / ``--include-from`` file → rules, all with ``action``."""
    rules: list[Rule] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if _is_blank_or_comment(text, "#;"):
            continue
        rules.append(rule_from_pattern(text, action, source=source, line=number))
    return rules


def parse_filter_lines(lines: Iterable[str], *, source: str) -> list[Rule | Clear]:
    """Lines of a ``--filter-from`` file (``+ p`` / ``- p`` / ``!``) → rules and clear markers."""
    items: list[Rule | Clear] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if _is_blank_or_comment(text, "#;"):
            continue
        if text.rstrip() == "!":
            items.append(CLEAR)
            continue
        sign, rest = text[:2], text[2:]
        if sign == "+ ":
            action = RuleAction.INCLUDE
        elif sign == "- ":
            action = RuleAction.EXCLUDE
        else:
            raise RuleSyntaxError(
                f"expected '+ PATTERN', '- PATTERN', '!' or a comment, got {text!r}",
                source=source,
                line=number,
            )
        items.append(rule_from_pattern(rest, action, source=source, line=number))
    return items


def parse_ignore_lines(lines: Iterable[str], *, source: str) -> list[Rule]:
    """Lines of a gitignore-style ignore file → rules: EXCLUDE, or INCLUDE for ``!pattern``.

    The rules keep the file's order; in an ignore file the *last* matching line wins, which
    the caller implements by evaluating them in reverse.
    """
    rules: list[Rule] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip() or text.startswith("#"):
            continue
        pattern = _compile(text, source=source, line=number, allow_negation=True)
        action = RuleAction.INCLUDE if pattern.negated else RuleAction.EXCLUDE
        rules.append(Rule(action, pattern, source, number))
    return rules


def read_rule_file(path: str | Path) -> list[str]:
    """The lines of a rule file (UTF-8, any newline convention); unreadable → :class:`UsageError`."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline=None) as fh:
            return fh.read().splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read rule file {str(path)!r}: {exc.strerror or exc}") from None
