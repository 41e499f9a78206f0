"""A stop-gap :class:`~cargobay.copy.model.Selector`: gitignore-style ``--exclude`` patterns via pathspec.

``cargobay.select`` will provide the real rule engine (include/exclude, pattern groups, pruning
derived from the patterns); this adapter exists so ``cargobay copy --exclude`` works today and is
meant to be swapped out. Paths are matched relative to the tree root, directories with a trailing
'/', so ``build/`` excludes directories named build and ``*.tmp`` any file ending in .tmp.
"""

from __future__ import annotations

import os
from collections.abc import Iterable


class ExcludePatterns:
    """Exclude what gitignore semantics would ignore; an excluded directory is never opened."""

    def __init__(self, patterns: Iterable[str]) -> None:
        import pathspec  # imported on first use: it costs ~17 ms, a third of `import cargobay.copy`

        self.patterns = tuple(patterns)
        self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)

    def includes_file(self, rel: str, st: os.stat_result) -> bool:
        return not self._spec.match_file(rel)

    def may_descend(self, rel_dir: str) -> bool:
        return not self._spec.match_file(rel_dir + "/")
