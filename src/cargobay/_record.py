"""Frozen, slotted value classes without :mod:`dataclasses`, for modules on the CLI's start-up path.

``import dataclasses`` pulls in ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``), and every
``@dataclass`` compiles its methods at import: together ~15 ms of each ``cargobay copy`` start on
the 2-core reference machine, a third of what a no-change mirror of 10,000 files costs in all
(issue 18). :class:`Record` gives what the copy engine's public value types used from
``@dataclass(frozen=True, slots=True)``: equality and hashing over the fields, a readable
``repr``, no assignment after ``__init__``, pickling. Subclasses list their fields in ``_fields``
(in ``__init__``'s order; ``__slots__ = _fields``) and write an ``__init__`` that calls
:meth:`Record._set` once; defaults, types and validation stay plain Python a reader and mypy both
see.

This module imports nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar


class Record:
    """Base of a frozen value class whose fields are ``_fields`` (also its ``__slots__``)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def _set(self, *values: object) -> None:
        """Set every field, in ``_fields`` order (for ``__init__`` only)."""
        setter = object.__setattr__
        name: str
        for name, value in zip(self._fields, values, strict=True):
            setter(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        return type(self), self._values()
