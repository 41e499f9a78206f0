"""Pick files by rules: include/exclude patterns, ignore files, groups, size and age; walk pruned.

The public API used by the copy and sync engines::

    sel = build_selection(include=["src/**/*.py"], exclude=["__pycache__/"])
    sel.includes_file("src/pkg/mod.py")        # True
    sel.may_descend("docs")                    # False: nothing under docs/ can be selected
    for entry in walk("/data/project", sel):   # pruned, sorted, symlinks not followed
        ...

Module map (dependencies point down the list; nothing here imports ``copy``, ``sync``,
``s3`` or ``testing``):

* :mod:`.walk`       - the pruned ``os.scandir`` walk (:func:`walk`, :class:`SelectedEntry`)
* :mod:`.selection`  - decision semantics: rule order, inheritance, ignore files, size/age
                       (:class:`Selection`, :func:`build_selection`); read its docstring for
                       the exact rules
* :mod:`.rules`      - rule sources and line formats → :class:`Rule`; errors carry file:line
* :mod:`.groups`     - named pattern groups (office, media, source, temporary, ...)
* :mod:`.patterns`   - gitignore pattern syntax → segment NFA; directory patterns for pruning
"""

from __future__ import annotations

from cargobay.select.groups import GROUPS, group_names
from cargobay.select.rules import Rule, RuleAction
from cargobay.select.selection import RULE_KINDS, Selection, build_selection
from cargobay.select.walk import SelectedEntry, walk

__all__ = [
    "GROUPS",
    "RULE_KINDS",
    "Rule",
    "RuleAction",
    "SelectedEntry",
    "Selection",
    "build_selection",
    "group_names",
    "walk",
]
