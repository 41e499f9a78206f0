"""The selection decision: which paths a set of rules selects, and which directories can be pruned.

This module owns the *semantics* of rule lists (order, inheritance, defaults, size and age
filters) and the per-directory matching state that makes them cheap; it does no I/O except
reading rule files named by the caller (``--exclude-from`` and friends). The walker
(:mod:`cargobay.select.walk`) drives it. It may import :mod:`cargobay.select.patterns`,
:mod:`cargobay.select.rules`, :mod:`cargobay.select.groups` and :mod:`cargobay.errors` only.

Decision rules, in the order they are applied to a file at relative path ``p``
(``'/'``-joined, relative to the walk root, never with a leading ``/``):

1. **Command-line rules, first match wins** (rclone's model). ``--include``, ``--exclude``,
   ``--include-from``, ``--exclude-from``, ``--filter-from``, ``--include-group`` and
   ``--exclude-group`` form ONE ordered list, in command-line order (rclone itself orders by
   flag kind and warns that mixing is ambiguous; cargobay keeps the order you wrote). A rule
   matches ``p`` if its pattern matches ``p`` or any directory above ``p`` (so ``--exclude
   build/`` excludes everything in every ``build`` directory and ``--include src/`` includes
   everything under ``src``). The first matching rule decides. If no rule matches: when the
   final list contains at least one rule from ``--include``, ``--include-from`` or
   ``--include-group``, the file is excluded (rclone's implicit ``- **``: naming what to
   include means "only these"); otherwise it is included. ``+`` lines of a filter file do
   not make the list exclusive (as rclone): end the file with ``- **`` for that.
   Through :func:`build_selection`'s keyword arguments (no command line to order by) the
   order is: ``rules`` as given, then ``include``, ``include_groups``, ``include_from``,
   ``exclude``, ``exclude_from``, ``exclude_groups``, ``filter_from`` - includes before
   excludes, filters last, as rclone adds them.
2. **Per-directory ignore files** (``.cargobayignore``, gitignore semantics): a file is
   dropped if an ignore file ignores it. Each ignore file applies to its own directory and
   everything below, with patterns anchored at that directory; within a file the last
   matching line wins, a deeper file overrides a shallower one, ``!pattern`` re-includes,
   and an ignored directory is never entered, so nothing inside it can be re-included (git's
   rule). Ignore files can only remove: a command-line ``--include`` does not resurrect what
   an ignore file drops (the tree's owner said it is junk); disable them with
   ``ignore_file_name=None``. Ignore files themselves are ordinary files and are selected
   unless a rule drops them.
3. **``--exclude-if-present NAME``**: a directory that directly contains an entry called
   ``NAME`` is skipped with everything below it, marker included (the root too).
4. **Size and age** apply to files and symlinks only, using ``lstat``: ``min_size <= size <=
   max_size`` (bytes, inclusive), ``min_age <= now - mtime <= max_age`` (seconds), where
   ``now`` is fixed when the selection is built.

Steps 2 and 3 depend on the tree's content, so only :func:`cargobay.select.walk.walk` applies
them; :meth:`Selection.includes_file` and :meth:`Selection.may_descend` answer for steps 1
and 4, which is what a caller listing an S3 prefix needs.

Pruning: a directory is never opened when every path below it is excluded by step 1 - it (or
a directory above it) matched an exclude rule, or nothing matched and the list is exclusive,
and no earlier rule could match anything below it. "Could match below" comes from each
pattern's NFA state (see :func:`cargobay.select.patterns.directory_patterns` for the same
idea written as globs): ``--include 'src/**/*.py'`` never opens ``docs/``.

Thread safety: a :class:`Selection` never changes after it is built. Its memo tables (one
state per distinct directory situation) are filled lazily with idempotent inserts, which is
safe under the GIL; two threads may at worst compute the same entry twice.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from collections.abc import Callable, Iterable, Sequence

from cargobay._record import Record
from cargobay.errors import UsageError
from cargobay.select.groups import group_names, group_patterns
from cargobay.select.patterns import NameSet, SegmentGlob
from cargobay.select.rules import (
    Clear,
    Rule,
    RuleAction,
    parse_filter_lines,
    parse_pattern_lines,
    read_rule_file,
    rule_from_pattern,
)

__all__ = ["RULE_KINDS", "DirState", "Selection", "build_selection"]

RULE_KINDS = (
    "include",
    "exclude",
    "include_from",
    "exclude_from",
    "filter_from",
    "include_group",
    "exclude_group",
)
_INCLUSIVE_KINDS = frozenset({"include", "include_from", "include_group"})

# A file decision for a whole directory: a constant, or a function of the file name.
FileDecider = Callable[[str], bool]

_MAX_CHILD_MEMO = 4096


class DirState:
    """The matching state of one ordered rule list at one directory.

    ``entries`` lists, in priority order, every rule that could still match a path below this
    directory, with its NFA state. With ``inherit`` (command-line rules) ``inherited`` is the
    action of the first rule that matched this directory or one above it: every path below is
    decided by it unless an entry (all of which come earlier in the list) matches first. Without
    ``inherit`` (ignore files) a directory match only decides the directory itself.
    """

    __slots__ = (
        "_children",
        "_dir_filter",
        "_file",
        "_file_filter",
        "_has_path_rules",
        "_intern",
        "_prunable",
        "default",
        "entries",
        "inherit",
        "inherited",
        "limit",
    )

    def __init__(
        self,
        entries: tuple[tuple[int, Rule, frozenset[int]], ...],
        *,
        inherited: RuleAction | None,
        default: RuleAction,
        inherit: bool,
        limit: int,
        intern: dict[object, DirState] | None,
    ) -> None:
        self.entries = entries
        self.inherited = inherited
        self.default = default
        self.inherit = inherit
        self.limit = limit
        self._intern = intern
        self._has_path_rules = any(not r.pattern.is_name_only for _, r, _ in entries)
        self._children: dict[str, tuple[RuleAction | None, DirState]] = {}
        self._file: tuple[bool | None, FileDecider | None] | None = None
        self._file_filter: tuple[Callable[[list[str]], list[str]] | None] | None = None
        self._dir_filter: NameSet | None = None
        self._prunable: bool | None = None

    @classmethod
    def root(
        cls, rules: Sequence[Rule], *, default: RuleAction, inherit: bool, intern: dict[object, DirState] | None
    ) -> DirState:
        entries = tuple((i, r, r.pattern.start) for i, r in enumerate(rules))
        return cls(entries, inherited=None, default=default, inherit=inherit, limit=len(rules), intern=intern)

    def with_rules_first(self, rules: Sequence[Rule]) -> DirState:
        """This state with ``rules`` (an ignore file found here, last line first) put in front."""
        new = tuple((-1, r, r.pattern.start) for r in rules)
        renumbered = tuple((i, r, s) for i, (_, r, s) in enumerate(new + self.entries))
        return DirState(
            renumbered,
            inherited=None,
            default=self.default,
            inherit=False,
            limit=len(renumbered),
            intern=None,
        )

    @property
    def fallback(self) -> RuleAction:
        return self.inherited if self.inherited is not None else self.default

    # -- files -------------------------------------------------------------------------------

    def file_decider(self) -> tuple[bool | None, FileDecider | None]:
        """``(constant, None)`` when every file here gets the same answer, else ``(None, fn)``.

        ``True`` means INCLUDE (for ignore files: not ignored).
        """
        cached = self._file
        if cached is None:
            cached = self._file = self._build_file_decider()
        return cached

    def file_filter(self) -> Callable[[list[str]], list[str]] | None:
        """The files of a directory's ``names`` that :meth:`decide_file` includes, as one call per
        directory (``None``: every file is included). Agrees with :meth:`decide_file` name by
        name; a single run of exclude rules filters without a Python call per name."""
        cached = self._file_filter
        if cached is None:
            cached = self._file_filter = (self._build_file_filter(),)
        return cached[0]

    def _build_file_filter(self) -> Callable[[list[str]], list[str]] | None:
        const, fn = self.file_decider()
        if fn is None:
            return None if const else _no_names
        single = self._single_exclude_run()
        if single is not None:
            return single.drop_matching
        return lambda names: [n for n in names if fn(n)]

    def _single_exclude_run(self) -> NameSet | None:
        """The NameSet of the file rules when they are one run of excludes over an INCLUDE
        fallback (the shape of ``--exclude`` lists), else None. Mirrors _build_file_decider."""
        if self.fallback is not RuleAction.INCLUDE:
            return None
        globs: list[SegmentGlob | None] = []
        for _, rule, state in self.entries:
            if rule.pattern.dir_only:
                continue
            tail = rule.pattern.tail(state)
            if not tail:
                continue
            if rule.action is RuleAction.INCLUDE:
                return None
            globs.extend(tail)
        return NameSet(globs) if globs else None

    def _build_file_decider(self) -> tuple[bool | None, FileDecider | None]:
        fallback = self.fallback is RuleAction.INCLUDE
        runs: list[tuple[bool, list[SegmentGlob | None]]] = []
        for _, rule, state in self.entries:
            if rule.pattern.dir_only:
                continue
            globs = rule.pattern.tail(state)
            if not globs:
                continue
            action = rule.action is RuleAction.INCLUDE
            if runs and runs[-1][0] == action:
                runs[-1][1].extend(globs)
            else:
                runs.append((action, globs))
        # A last run that agrees with the fallback changes nothing.
        while runs and runs[-1][0] == fallback:
            runs.pop()
        if not runs:
            return fallback, None
        compiled = [(action, NameSet(globs).matches) for action, globs in runs]
        if len(compiled) == 1:
            action, match = compiled[0]
            if action:
                return None, match

            def decide_one(name: str) -> bool:
                return not match(name)

            return None, decide_one

        def decide(name: str) -> bool:
            for action, match in compiled:
                if match(name):
                    return action
            return fallback

        return None, decide

    def decide_file(self, name: str) -> bool:
        const, fn = self.file_decider()
        return const if fn is None else fn(name)  # type: ignore[return-value]

    # -- directories -------------------------------------------------------------------------

    @property
    def prunable(self) -> bool:
        """True when every path strictly below this directory is excluded (never with ignore files)."""
        p = self._prunable
        if p is None:
            p = self._prunable = (
                self.inherit
                and self.fallback is RuleAction.EXCLUDE
                and all(rule.action is RuleAction.EXCLUDE for _, rule, _ in self.entries)
            )
        return p

    def child(self, name: str) -> tuple[RuleAction | None, DirState]:
        """Enter subdirectory ``name``: the action decided for the directory itself (``None`` if
        no rule matched it and nothing is inherited) and the state for its contents."""
        memo = self._children.get(name)
        if memo is not None:
            return memo
        result = self._child(name)
        if len(self._children) < _MAX_CHILD_MEMO:
            self._children[name] = result
        return result

    def _child(self, name: str) -> tuple[RuleAction | None, DirState]:
        entries = self.entries
        dir_filter = self._dir_filter
        if dir_filter is None:
            dir_filter = self._dir_filter = NameSet(
                glob for _, rule, state in entries for glob in rule.pattern.tail(state)
            )
        hit: int | None = None
        if dir_filter.matches(name):
            for k, (_, rule, state) in enumerate(entries):
                if rule.pattern.completes(state, name):
                    hit = k
                    break
        if self.inherit:
            decided = entries[hit][1].action if hit is not None else self.inherited
            inherited = decided
            keep = entries if hit is None else entries[:hit]
        else:
            decided = entries[hit][1].action if hit is not None else None
            inherited = None
            keep = entries
        if not self._has_path_rules and (hit is None or not self.inherit):
            return decided, self
        new_entries: list[tuple[int, Rule, frozenset[int]]] = []
        for prio, rule, state in keep:
            pattern = rule.pattern
            if pattern.is_name_only:
                new_entries.append((prio, rule, state))
                continue
            nxt = pattern.step(state, name)
            if pattern.may_match_below(nxt):
                new_entries.append((prio, rule, nxt))
        limit = self.limit if hit is None or not self.inherit else entries[hit][0]
        return decided, self._make(tuple(new_entries), inherited, limit)

    def _make(
        self, entries: tuple[tuple[int, Rule, frozenset[int]], ...], inherited: RuleAction | None, limit: int
    ) -> DirState:
        intern = self._intern
        if intern is None:
            return DirState(
                entries,
                inherited=inherited,
                default=self.default,
                inherit=self.inherit,
                limit=limit,
                intern=None,
            )
        key = (inherited, limit, tuple((p, s) for p, r, s in entries if not r.pattern.is_name_only))
        found = intern.get(key)
        if found is None:
            found = DirState(
                entries,
                inherited=inherited,
                default=self.default,
                inherit=self.inherit,
                limit=limit,
                intern=intern,
            )
            intern[key] = found
        return found


def _seconds(value: float | _dt.timedelta | None, name: str) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, _dt.timedelta) else float(value)
    if seconds < 0:
        raise UsageError(f"{name} must not be negative")
    return seconds


class Selection(Record):
    """Built rules: cheap to query, immutable, thread-safe. Build with :func:`build_selection`.

    ``newest_mtime`` / ``oldest_mtime`` are the age filters turned into mtime bounds at
    build time (``now - min_age`` / ``now - max_age``).
    """

    _fields = (
        "rules",
        "unmatched",
        "exclude_if_present",
        "ignore_file_name",
        "min_size",
        "max_size",
        "newest_mtime",
        "oldest_mtime",
    )
    __slots__ = (*_fields, "_intern", "_root", "_dir_memo")
    rules: tuple[Rule, ...]
    unmatched: RuleAction
    exclude_if_present: frozenset[str]
    ignore_file_name: str | None
    min_size: int | None
    max_size: int | None
    newest_mtime: float | None
    oldest_mtime: float | None
    # Not fields (not compared, not shown): the interned directory states and their memo.
    _intern: dict[object, DirState]
    _root: DirState
    _dir_memo: dict[str, DirState]

    def __init__(
        self,
        rules: tuple[Rule, ...] = (),
        unmatched: RuleAction = RuleAction.INCLUDE,
        exclude_if_present: frozenset[str] = frozenset(),
        ignore_file_name: str | None = ".cargobayignore",
        min_size: int | None = None,
        max_size: int | None = None,
        newest_mtime: float | None = None,
        oldest_mtime: float | None = None,
    ) -> None:
        self._set(
            rules, unmatched, exclude_if_present, ignore_file_name, min_size, max_size, newest_mtime, oldest_mtime
        )
        intern: dict[object, DirState] = {}
        object.__setattr__(self, "_intern", intern)
        object.__setattr__(self, "_dir_memo", {})
        object.__setattr__(self, "_root", DirState.root(rules, default=unmatched, inherit=True, intern=intern))

    __eq__ = object.__eq__  # equal only to itself, as before
    __hash__ = object.__hash__

    def __reduce__(self) -> tuple[type[Selection], tuple[object, ...]]:
        return Selection, self._values()

    @property
    def root_state(self) -> DirState:
        return self._root

    @property
    def needs_stat(self) -> bool:
        """Whether deciding a file needs its ``lstat`` (size or age filters are set)."""
        return not (
            self.min_size is None and self.max_size is None and self.newest_mtime is None and self.oldest_mtime is None
        )

    def _dir_state(self, rel_dir: str) -> DirState:
        if not rel_dir:
            return self._root
        state = self._dir_memo.get(rel_dir)
        if state is None:
            head, _, name = rel_dir.rpartition("/")
            state = self._dir_state(head).child(name)[1]
            if len(self._dir_memo) < _MAX_CHILD_MEMO * 4:
                self._dir_memo[rel_dir] = state
        return state

    def passes_stat(self, st: os.stat_result) -> bool:
        """Steps 4 of the decision: size and age bounds (all inclusive)."""
        size = st.st_size
        if self.min_size is not None and size < self.min_size:
            return False
        if self.max_size is not None and size > self.max_size:
            return False
        mtime = st.st_mtime
        if self.newest_mtime is not None and mtime > self.newest_mtime:
            return False
        return not (self.oldest_mtime is not None and mtime < self.oldest_mtime)

    def includes_file(self, rel: str, st: os.stat_result | None = None) -> bool:
        """Does the selection take the file (or symlink) at ``rel``? Steps 1 and 4 of the rules.

        ``st`` (an ``lstat`` result) is required when :attr:`needs_stat`; a ``ValueError``
        otherwise, because guessing would silently change what a backup contains.
        """
        if not rel or rel.startswith("/") or rel.endswith("/"):
            raise ValueError(f"expected a relative file path, got {rel!r}")
        head, _, name = rel.rpartition("/")
        if not self._dir_state(head).decide_file(name):
            return False
        if self.needs_stat:
            if st is None:
                raise ValueError("this selection has size or age filters: pass the file's lstat result")
            return self.passes_stat(st)
        return True

    def may_descend(self, rel_dir: str) -> bool:
        """False when no file below ``rel_dir`` can be selected: the walker never opens it."""
        rel_dir = rel_dir.strip("/")
        return not self._dir_state(rel_dir).prunable


def _group_rules(name: str, action: RuleAction) -> list[Rule]:
    try:
        patterns = group_patterns(name)
    except KeyError:
        raise UsageError(f"unknown pattern group {name!r}; known groups: {', '.join(group_names())}") from None
    return [rule_from_pattern(p, action, source=f"<group {name}>") for p in patterns]


def _expand(kind: str, value: str) -> list[tuple[Rule | Clear, bool]]:
    """One rule source → its rules, each flagged "comes from an inclusive flag"."""
    inclusive = kind in _INCLUSIVE_KINDS
    items: Sequence[Rule | Clear]
    if kind == "include":
        items = [rule_from_pattern(value, RuleAction.INCLUDE)]
    elif kind == "exclude":
        items = [rule_from_pattern(value, RuleAction.EXCLUDE)]
    elif kind == "include_from":
        items = parse_pattern_lines(read_rule_file(value), action=RuleAction.INCLUDE, source=value)
    elif kind == "exclude_from":
        items = parse_pattern_lines(read_rule_file(value), action=RuleAction.EXCLUDE, source=value)
    elif kind == "filter_from":
        items = parse_filter_lines(read_rule_file(value), source=value)
    elif kind == "include_group":
        items = _group_rules(value, RuleAction.INCLUDE)
    elif kind == "exclude_group":
        items = _group_rules(value, RuleAction.EXCLUDE)
    else:
        raise UsageError(f"unknown rule kind {kind!r}; expected one of {', '.join(RULE_KINDS)}")
    return [(item, inclusive) for item in items]


def build_selection(
    *,
    rules: Iterable[tuple[str, str]] = (),
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    include_from: Iterable[str] = (),
    exclude_from: Iterable[str] = (),
    filter_from: Iterable[str] = (),
    exclude_if_present: Iterable[str] = (),
    exclude_groups: Iterable[str] = (),
    include_groups: Iterable[str] = (),
    min_size: int | None = None,
    max_size: int | None = None,
    min_age: float | _dt.timedelta | None = None,
    max_age: float | _dt.timedelta | None = None,
    ignore_file_name: str | None = ".cargobayignore",
    now: float | None = None,
) -> Selection:
    """Build a :class:`Selection`; the decision rules are in this module's docstring.

    ``rules`` is the ordered form: ``(kind, value)`` pairs with ``kind`` in :data:`RULE_KINDS`
    (the CLI passes the command line here, in order). The other rule arguments follow it in a
    fixed order (see the module docstring). Raises
    :class:`~cargobay.errors.RuleSyntaxError` (with file and line) for a bad pattern and
    :class:`~cargobay.errors.UsageError` for an unknown group, an unreadable rule file or a
    negative bound.
    """
    specs: list[tuple[str, str]] = list(rules)
    specs += [("include", v) for v in include]
    specs += [("include_group", v) for v in include_groups]
    specs += [("include_from", v) for v in include_from]
    specs += [("exclude", v) for v in exclude]
    specs += [("exclude_from", v) for v in exclude_from]
    specs += [("exclude_group", v) for v in exclude_groups]
    specs += [("filter_from", v) for v in filter_from]

    collected: list[tuple[Rule, bool]] = []
    for kind, value in specs:
        for item, inclusive in _expand(kind, value):
            if isinstance(item, Clear):
                collected.clear()
            else:
                collected.append((item, inclusive))

    for name, bound in (("min_size", min_size), ("max_size", max_size)):
        if bound is not None and bound < 0:
            raise UsageError(f"{name} must not be negative")
    min_age_s = _seconds(min_age, "min_age")
    max_age_s = _seconds(max_age, "max_age")
    at = time.time() if now is None else now
    markers = frozenset(exclude_if_present)
    for marker in markers:
        if not marker or "/" in marker or marker in (".", ".."):
            raise UsageError(f"--exclude-if-present wants a plain file name, got {marker!r}")
    if ignore_file_name is not None and (not ignore_file_name or "/" in ignore_file_name):
        raise UsageError(f"ignore file name must be a plain file name, got {ignore_file_name!r}")

    return Selection(
        rules=tuple(rule for rule, _ in collected),
        unmatched=RuleAction.EXCLUDE if any(inc for _, inc in collected) else RuleAction.INCLUDE,
        exclude_if_present=markers,
        ignore_file_name=ignore_file_name,
        min_size=min_size,
        max_size=max_size,
        newest_mtime=None if min_age_s is None else at - min_age_s,
        oldest_mtime=None if max_age_s is None else at - max_age_s,
    )


def _no_names(names: list[str]) -> list[str]:
    return []
