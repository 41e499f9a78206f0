"""Who may do what: bucket ownership, canned ACLs and bucket policies (pure decisions).

The decision rule, in order (AWS's evaluation logic, reduced to what this server stores):

1. An explicit ``Deny`` in the bucket policy that matches the principal, action and resource
   denies.
2. The bucket's owner is allowed everything on it.
3. An ``Allow`` in the bucket policy that matches allows.
4. The bucket's canned ACL: ``public-read`` lets anyone (anonymous included) list the bucket and
   read its objects; ``public-read-write`` also lets anyone write and delete objects;
   ``authenticated-read`` lets any signed-in user read. ``private`` (the default) adds nothing.
5. Otherwise: AccessDenied.

Policies are the JSON documents AWS uses (Version, Statement[Effect, Principal, Action,
Resource]); ``Principal`` is ``"*"``, ``{"AWS": "*"}`` or ``{"AWS": [names or access keys]}``;
``Action`` and ``Resource`` accept ``*`` wildcards (``s3:Get*``, ``arn:aws:s3:::bucket/*``).
Conditions are not supported: a statement with a ``Condition`` is refused when the policy is set.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cargobay.s3.errors import InvalidArgument, MalformedPolicy

CANNED_ACLS = ("private", "public-read", "public-read-write", "authenticated-read")

_READ_ACTIONS = ("s3:GetObject", "s3:ListBucket", "s3:GetObjectTagging", "s3:GetBucketLocation",
                 "s3:ListBucketVersions", "s3:GetObjectVersion")
_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
                  "s3:ListBucketMultipartUploads", "s3:PutObjectTagging", "s3:DeleteObjectTagging")


@dataclass(frozen=True)
class Principal:
    """The caller: an access key and the user name it belongs to; both None when anonymous."""

    access_key: str | None
    user: str | None

    @property
    def anonymous(self) -> bool:
        return self.access_key is None


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    principals: tuple[str, ...]  # "*" or user names / access keys
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def matches(self, principal: Principal, action: str, resource: str) -> bool:
        if "*" not in self.principals and not (
            (principal.user is not None and principal.user in self.principals)
            or (principal.access_key is not None and principal.access_key in self.principals)
        ):
            return False
        if not any(fnmatch.fnmatchcase(action, pattern) for pattern in self.actions):
            return False
        return any(fnmatch.fnmatchcase(resource, pattern) for pattern in self.resources)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedPolicy("Policy has an invalid value: expected a string or a list of strings.")


def parse_policy(text: str | bytes, *, bucket: str) -> list[Statement]:
    """Parse and validate a bucket policy document; MalformedPolicy on anything we cannot honour."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise MalformedPolicy("Policies must be valid JSON.") from None
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise MalformedPolicy("Missing required field Statement")
    raw = doc["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    statements = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedPolicy("Statement must be an object.")
        if "Condition" in item or "NotAction" in item or "NotPrincipal" in item or "NotResource" in item:
            raise MalformedPolicy("Condition, NotAction, NotPrincipal and NotResource are not supported.")
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise MalformedPolicy("Invalid effect: must be Allow or Deny.")
        principal = item.get("Principal")
        if principal == "*":
            principals: tuple[str, ...] = ("*",)
        elif isinstance(principal, dict) and "AWS" in principal:
            principals = tuple(p.rsplit(":", 1)[-1].removeprefix("user/") if p != "*" else "*"
                               for p in _strings(principal["AWS"]))
        else:
            raise MalformedPolicy("Invalid principal in policy.")
        actions = _strings(item.get("Action"))
        resources = _strings(item.get("Resource"))
        for resource in resources:
            name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
            if not fnmatch.fnmatchcase(bucket, name):
                raise MalformedPolicy("Policy has invalid resource", )
        statements.append(Statement(effect, principals, actions, resources))
    return statements


def check_canned_acl(value: str) -> str:
    if value not in CANNED_ACLS:
        raise InvalidArgument(f"Canned ACL {value!r} is not supported.", ArgumentName="x-amz-acl",
                              ArgumentValue=value)
    return value


def resource_arn(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def is_allowed(
    principal: Principal,
    action: str,
    *,
    bucket: str,
    key: str | None,
    owner: str | None,
    acl: str = "private",
    policy: Sequence[Statement] = (),
) -> bool:
    """Apply the decision rule in the module docstring."""
    resource = resource_arn(bucket, key)
    if any(s.effect == "Deny" and s.matches(principal, action, resource) for s in policy):
        return False
    if owner is not None and principal.user == owner:
        return True
    if any(s.effect == "Allow" and s.matches(principal, action, resource) for s in policy):
        return True
    if acl in ("public-read", "public-read-write") and action in _READ_ACTIONS:
        return True
    if acl == "public-read-write" and action in _WRITE_ACTIONS:
        return True
    return acl == "authenticated-read" and not principal.anonymous and action in _READ_ACTIONS
