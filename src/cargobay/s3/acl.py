"""Access control lists (pure): grants, canned ACLs, ``x-amz-grant-*`` headers, and what a grant
permits.

An ACL is a tuple of :class:`Grant` (grantee kind ``user`` with a canonical id, or ``group`` with
a group URI; a permission). It is stored as JSON-ready triples (``[kind, who, permission]``) in
the bucket's ``config`` and in each object's ``meta``, so it travels with every version of an
object. The owner is stored beside it, never inferred from a grant.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html (grantees,
permissions, canned ACLs), https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html
(the grant headers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from cargobay.s3.errors import InvalidArgument, UnresolvableGrantByEmailAddress

GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS = GROUPS + "global/AllUsers"
AUTHENTICATED_USERS = GROUPS + "global/AuthenticatedUsers"
LOG_DELIVERY = GROUPS + "s3/LogDelivery"
KNOWN_GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
PUBLIC_GROUPS = (ALL_USERS, AUTHENTICATED_USERS)

PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
# acl-overview.html: "An ACL can have up to 100 grants."
MAX_GRANTS = 100
CANNED_ACLS = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
)
GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}


@dataclass(frozen=True)
class Grant:
    kind: str  # "user" (who = canonical id) | "group" (who = group URI)
    who: str
    permission: str


Acl = tuple[Grant, ...]


def owner_only(owner_id: str) -> Acl:
    return (Grant("user", owner_id, "FULL_CONTROL"),)


def canned(name: str, owner_id: str, bucket_owner_id: str | None = None) -> Acl:
    """The grants of a canned ACL (acl-overview.html#canned-acl). InvalidArgument if unknown."""
    grants = list(owner_only(owner_id))
    if name == "public-read":
        grants.append(Grant("group", ALL_USERS, "READ"))
    elif name == "public-read-write":
        grants += [Grant("group", ALL_USERS, "READ"), Grant("group", ALL_USERS, "WRITE")]
    elif name == "authenticated-read":
        grants.append(Grant("group", AUTHENTICATED_USERS, "READ"))
    elif name in ("bucket-owner-read", "bucket-owner-full-control"):
        if bucket_owner_id is not None and bucket_owner_id != owner_id:
            permission = "READ" if name == "bucket-owner-read" else "FULL_CONTROL"
            grants.append(Grant("user", bucket_owner_id, permission))
    elif name == "log-delivery-write":
        grants += [Grant("group", LOG_DELIVERY, "WRITE"), Grant("group", LOG_DELIVERY, "READ_ACP")]
    elif name not in ("private", "aws-exec-read"):
        raise InvalidArgument(None, ArgumentName="x-amz-acl", ArgumentValue=name)
    return tuple(grants)


_GRANTEE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*', re.IGNORECASE)


def check_grantee(kind: str, who: str, known_id: Callable[[str], bool]) -> None:
    if kind == "group" and who not in KNOWN_GROUPS:
        raise InvalidArgument("Invalid group uri", ArgumentName="uri", ArgumentValue=who)
    if kind == "user" and not known_id(who):
        raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=who)


def from_headers(
    headers: Mapping[str, str], *, known_id: Callable[[str], bool], id_of_email: Callable[[str], str | None]
) -> Acl | None:
    """The grants named by ``x-amz-grant-*`` headers (``id="…", uri="…", emailAddress="…"``, comma
    separated), or None when the request has none."""
    grants: list[Grant] = []
    present = False
    for header, permission in GRANT_HEADERS.items():
        value = headers.get(header)
        if value is None:
            continue
        present = True
        for item in value.split(","):
            if not item.strip():
                continue
            match = _GRANTEE.fullmatch(item)
            if match is None:
                raise InvalidArgument("Invalid grant header", ArgumentName=header, ArgumentValue=value)
            kind, who = match.group(1).lower(), match.group(2).strip()
            if kind == "emailaddress":
                found = id_of_email(who)
                if found is None:
                    raise UnresolvableGrantByEmailAddress(EmailAddress=who)
                grants.append(Grant("user", found, permission))
                continue
            grant = Grant("user" if kind == "id" else "group", who, permission)
            check_grantee(grant.kind, grant.who, known_id)
            grants.append(grant)
    return tuple(grants) if present else None


def is_public(acl: Iterable[Grant]) -> bool:
    """Grants to AllUsers or AuthenticatedUsers make an ACL public (access-control-block-public-access.html)."""
    return any(g.kind == "group" and g.who in PUBLIC_GROUPS for g in acl)


def permits(
    acl: Iterable[Grant], permission: str, *, canonical_id: str | None, authenticated: bool, ignore_public: bool = False
) -> bool:
    """Whether a grant of ``permission`` (or FULL_CONTROL) reaches this caller."""
    for grant in acl:
        if grant.permission != permission and grant.permission != "FULL_CONTROL":
            continue
        if grant.kind == "user":
            if canonical_id is not None and grant.who == canonical_id:
                return True
        elif not ignore_public and (grant.who == ALL_USERS or (grant.who == AUTHENTICATED_USERS and authenticated)):
            return True
    return False


def encode(acl: Sequence[Grant]) -> list[list[str]]:
    return [[g.kind, g.who, g.permission] for g in acl]


def decode(raw: object) -> Acl | None:
    if not isinstance(raw, list):
        return None
    return tuple(Grant(str(k), str(w), str(p)) for k, w, p in raw)
