"""Lazy exports (PEP 562): a package names what it exports and the module each name lives in,
and the module is imported on first use.

So importing a package, or a light module inside it, stays cheap for start-up paths that need
little of it (``cargobay copy`` never imports typing; ``cargobay sync`` starts listing before the
sync model is imported). One helper instead of a hand-written ``__getattr__``/``__dir__`` pair in
each package. It imports nothing beyond ``importlib``, which every interpreter has loaded.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_exports(
    module: str, sources: Mapping[str, str], namespace: dict[str, object]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``module``: ``sources`` maps each exported name to the module
    that defines it; a name is imported on first access and kept in ``namespace`` (the package's
    ``globals()``), so the second access costs nothing."""

    def __getattr__(name: str) -> object:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(sources))

    return __getattr__, __dir__
