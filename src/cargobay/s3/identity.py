"""Who a user is to S3 clients: display name, email and 64-hex canonical id (pure).

Every user named in ``--users`` (and the server's own key) has one :class:`Identity`. A users-file
entry may give ``display_name``, ``email`` and ``canonical_id``; what it leaves out is generated
from the user name, so it is the same on every start (kept without storing anything). The id is
the one every Owner/Initiator/Grantee element shows, and the one grants and
``x-amz-expected-bucket-owner`` name. Unsigned callers are the anonymous user, whose canonical id is
AWS's own ``65a011a29cdf8ec533ec3d1ccaae921c`` (access-control-overview.html, "Ownership and request
authentication": "This user is represented in ACLs by the specific canonical user ID
65a011a29cdf8ec533ec3d1ccaae921c"); data written before kept a derived 64-hex id for it, which
:meth:`Directory.by_id` and :func:`current_id` still read as the anonymous user.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ANONYMOUS_NAME = "anonymous"
_CANONICAL_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Identity:
    name: str  # the user name (bucket owners are stored by name)
    display_name: str
    email: str
    canonical_id: str


def derived_id(name: str) -> str:
    """The canonical id of a user who was given none: stable across restarts."""
    return hashlib.sha256(b"cargobay canonical user\0" + name.encode("utf-8")).hexdigest()


def is_canonical_id(text: str) -> bool:
    return _CANONICAL_ID.fullmatch(text) is not None


def make_identity(
    name: str, *, display_name: str | None = None, email: str | None = None, canonical_id: str | None = None
) -> Identity:
    if canonical_id is not None and not is_canonical_id(canonical_id):
        raise ValueError(f"canonical_id of {name!r} must be 64 lower-case hex digits")
    return Identity(name, display_name or name, email or f"{name}@cargobay.invalid", canonical_id or derived_id(name))


ANONYMOUS = Identity(
    ANONYMOUS_NAME, ANONYMOUS_NAME, f"{ANONYMOUS_NAME}@cargobay.invalid", "65a011a29cdf8ec533ec3d1ccaae921c"
)
# The id the anonymous user had in data written by cargobay before it took AWS's.
LEGACY_ANONYMOUS_ID = derived_id(ANONYMOUS_NAME)


def current_id(canonical_id: str) -> str:
    """A stored canonical id as it is now: the anonymous user's old id is its AWS id."""
    return ANONYMOUS.canonical_id if canonical_id == LEGACY_ANONYMOUS_ID else canonical_id


class Directory:
    """The known identities, found by user name, canonical id or email."""

    def __init__(self, identities: Iterable[Identity]) -> None:
        self._by_name: dict[str, Identity] = {}
        self._by_id: dict[str, Identity] = {}
        self._by_email: dict[str, Identity] = {}
        for ident in identities:
            self._by_name[ident.name] = ident
            self._by_id[ident.canonical_id] = ident
            self._by_email[ident.email.lower()] = ident

    def by_name(self, name: str | None) -> Identity:
        """The identity of a user name (generated for a name not in the directory)."""
        if name is None:
            return ANONYMOUS
        found = self._by_name.get(name)
        return found if found is not None else make_identity(name)

    def by_id(self, canonical_id: str) -> Identity | None:
        if current_id(canonical_id) == ANONYMOUS.canonical_id:
            return ANONYMOUS
        return self._by_id.get(canonical_id)

    def by_email(self, email: str) -> Identity | None:
        return self._by_email.get(email.lower())


def directory_of(names: Iterable[str], profiles: Mapping[str, Identity]) -> Directory:
    """Every user name's identity: its profile if it has one, else a generated one."""
    return Directory([profiles.get(name) or make_identity(name) for name in dict.fromkeys(names)])
