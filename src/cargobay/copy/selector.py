"""The selection protocol the copy engine asks (``cargobay.select`` implements it).

Kept apart from ``model.py`` because a ``typing.Protocol`` needs ``typing`` at import, which the
start-up path of ``cargobay copy`` does without (issue 18); ``cargobay.copy.Selector`` and
``cargobay.copy.model.Selector`` load it on first use.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable


@runtime_checkable
class Selector(Protocol):
    """What the copy engine asks of a selection (``cargobay.select`` implements it).

    ``rel`` / ``rel_dir`` are '/'-joined paths relative to the tree root, never starting with '/'.
    """

    def includes_file(self, rel: str, st: os.stat_result) -> bool:
        """Whether a non-directory entry (file, symlink, special file) is selected."""
        ...

    def may_descend(self, rel_dir: str) -> bool:
        """Whether the directory could hold a selected entry; a False prunes it unopened."""
        ...
