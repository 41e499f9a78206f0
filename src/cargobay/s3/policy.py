"""Bucket policies (pure): parsing and validating the document, matching statements, and whether a
policy is public.

Policies are the JSON documents AWS uses (Version, Id, Statement[Sid, Effect, Principal or
NotPrincipal, Action or NotAction, Resource or NotResource, Condition]). ``Principal`` is ``"*"``,
``{"AWS": "*"}`` or ``{"AWS": [names, access keys, ARNs, canonical ids]}``, ``{"CanonicalUser": id}``
too; ``Service`` and ``Federated`` principals are taken and match no caller of this server (it has
no service or federated identities). ``Action`` and ``Resource`` accept ``*``/``?`` wildcards
(``s3:Get*``, ``arn:aws:s3:::bucket/prefix*``) and, in Version 2012-10-17, resources hold policy
variables. Conditions: :mod:`cargobay.s3.policy_conditions`.

References: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cargobay.s3.errors import MalformedPolicy
from cargobay.s3.policy_actions import is_s3_action
from cargobay.s3.policy_conditions import Condition, Context, expand, has_variables, like, parse_conditions

__all__ = ["Condition", "Context", "Statement", "is_public", "parse", "size_without_white_space"]

# Principal types (reference_policies_elements_principal.html). Service and Federated principals
# are kept with their type, so that they match no caller of this server.
_PRINCIPAL_TYPES = ("AWS", "CanonicalUser", "Service", "Federated")


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    principals: tuple[str, ...]  # "*" or user names / access keys / canonical ids
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    # NotPrincipal / NotAction / NotResource: the element matches what it does not name.
    not_principal: bool = False
    not_action: bool = False
    not_resource: bool = False
    variables: bool = False  # a resource holds a policy variable (Version 2012-10-17)

    @property
    def needs_object_tags(self) -> bool:
        return any(c.key.startswith("s3:existingobjecttag/") for c in self.conditions)

    def _resource_matches(self, resource: str, context: Context) -> bool:
        if not self.variables:
            return any(like(resource, pattern) for pattern in self.resources)
        patterns = (expand(p, context, pattern=True) for p in self.resources)
        # A pattern already expanded has its literal characters bracketed: match it as fnmatch does.
        return any(p is not None and fnmatch.fnmatchcase(resource, p) for p in patterns)

    def applies_to(self, names: Sequence[str], action: str, resource: str, context: Context | None = None) -> bool:
        """Principal, action and resource match (conditions aside)."""
        named = "*" in self.principals or any(n in self.principals for n in names)
        if named == self.not_principal:
            return False
        acts = any(like(action, pattern, fold=True) for pattern in self.actions)
        if acts == self.not_action:
            return False
        return self._resource_matches(resource, context or {}) != self.not_resource

    def matches(self, names: Sequence[str], action: str, resource: str, context: Context) -> bool:
        return self.applies_to(names, action, resource, context) and all(c.holds(context) for c in self.conditions)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedPolicy(f"Policy has an invalid {what}: expected a string or a list of strings.")


def _principals(principal: Any, *, strict: bool = True) -> tuple[str, ...]:
    """The names a Principal element gives; MalformedPolicy for what it cannot name, a wildcard
    inside a name or ARN among them ("You cannot use a wildcard to match part of a principal name or
    ARN", reference_policies_elements_principal.html)."""
    if principal == "*":
        return ("*",)
    if isinstance(principal, dict) and principal and set(principal) <= set(_PRINCIPAL_TYPES):
        names: list[str] = []
        for kind, value in principal.items():
            for p in _strings(value, "principal"):
                if strict and p != "*" and ("*" in p or "?" in p):
                    raise MalformedPolicy("Invalid principal in policy")
                if kind in ("Service", "Federated"):
                    names.append(f"{kind}:{p}")
                else:
                    names.append("*" if p == "*" else p.rsplit(":", 1)[-1].removeprefix("user/"))
        return tuple(names)
    raise MalformedPolicy("Invalid principal in policy.")


def _one_of(item: dict[str, Any], name: str) -> tuple[Any, bool]:
    """The value of element ``name`` or of ``Not<name>`` (exactly one must be there, as the grammar
    has it), and whether it was the Not form."""
    positive, negative = name in item, f"Not{name}" in item
    if positive == negative:
        which = "both" if positive else "neither"
        raise MalformedPolicy(f"Policy statement has {which} of {name} and Not{name}.")
    return (item[name], False) if positive else (item[f"Not{name}"], True)


# Resource types of S3 actions (Service Authorization Reference, list_amazons3.html), by name
# pattern: an action named here that none of a statement's resources can be is refused. Names not
# matched (and wildcards) are not judged.
_OBJECT_ACTIONS = re.compile(
    r"s3:((Get|Put|Delete)Object\w*|AbortMultipartUpload|ListMultipartUploadParts|RestoreObject"
    r"|BypassGovernanceRetention|Replicate(Object|Delete|Tags)|ObjectOwnerOverrideToBucketOwner)",
    re.IGNORECASE,
)
_BUCKET_ACTIONS = re.compile(
    r"s3:(ListBucket\w*|(Get|Put|Delete)Bucket\w*|CreateBucket|DeleteBucket"
    r"|(Get|Put)(Lifecycle|Encryption|Replication|Accelerate|Inventory|Metrics|Analytics|IntelligentTiering)"
    r"Configuration)",
    re.IGNORECASE,
)


def _check_resource_types(actions: Sequence[str], resources: Sequence[str]) -> None:
    """MalformedPolicy "Action does not apply to any resource(s) in statement" (AWS's words) for an
    object action without a resource that can be an object, or a bucket action without one that
    can be a bucket (a resource with "/" is objects only; "*" in a name may reach past a "/")."""
    paths = [resource.removeprefix("arn:aws:s3:::") for resource in resources]
    can_be_object = any("/" in path or "*" in path for path in paths)
    can_be_bucket = any("/" not in path for path in paths)
    for action in actions:
        if "*" in action or "?" in action:
            continue
        if (_OBJECT_ACTIONS.fullmatch(action) and not can_be_object) or (
            _BUCKET_ACTIONS.fullmatch(action) and not can_be_bucket
        ):
            raise MalformedPolicy("Action does not apply to any resource(s) in statement")


# The elements of a policy and of a statement (reference_policies_grammar.html).
_POLICY_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)


def _only_known(item: dict[str, Any], known: frozenset[str], label: str) -> None:
    """MalformedPolicy for an element the grammar does not have (a misspelled Condition ignored
    would widen an Allow) or an ``label`` (Sid, Id) that is not a string."""
    for name in item:
        if name not in known:
            raise MalformedPolicy(f"Unknown field {name}")
    if label in item and not isinstance(item[label], str):
        raise MalformedPolicy(f"Policy has an invalid {label}: expected a string.")


def _statement(item: Any, *, bucket: str, variables: bool, strict: bool) -> Statement:
    """One statement of the document, validated."""
    if not isinstance(item, dict):
        raise MalformedPolicy("Statement must be an object.")
    if strict:
        _only_known(item, _STATEMENT_ELEMENTS, "Sid")
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy("Invalid effect: must be Allow or Deny.")
    if "Principal" not in item and "NotPrincipal" not in item:
        raise MalformedPolicy("Missing required field Principal")
    principal, not_principal = _one_of(item, "Principal")
    if strict and not_principal and effect == "Allow":
        # reference_policies_elements_notprincipal.html: "NotPrincipal must be used with
        # "Effect":"Deny". Using it with "Effect":"Allow" is not supported."
        raise MalformedPolicy("Policy has an invalid NotPrincipal: it may be used only with Deny.")
    raw_actions, not_action = _one_of(item, "Action")
    actions = _strings(raw_actions, "Action")
    for action in actions:
        if action != "*" and not action.lower().startswith("s3:"):
            raise MalformedPolicy(f"Policy has invalid action: {action}")
        name = action[len("s3:") :]
        if strict and action != "*" and "*" not in name and "?" not in name and not is_s3_action(name):
            raise MalformedPolicy(f"Policy has invalid action: {action}")
    raw_resources, not_resource = _one_of(item, "Resource")
    resources = _strings(raw_resources, "Resource")
    for resource in resources:
        if not resource.startswith("arn:aws:s3:::"):
            raise MalformedPolicy("Policy has invalid resource")
        name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
        if not like(bucket, name):
            raise MalformedPolicy("Policy has invalid resource")
    if not not_action and not not_resource:
        _check_resource_types(actions, resources)
    raw_conditions = item.get("Condition")
    conditions = parse_conditions(raw_conditions, variables=variables, strict=strict) if "Condition" in item else ()
    return Statement(
        effect,
        _principals(principal, strict=strict),
        actions,
        resources,
        conditions,
        not_principal=not_principal,
        not_action=not_action,
        not_resource=not_resource,
        variables=variables and any(has_variables(r) for r in resources),
    )


def parse(text: str | bytes, *, bucket: str, stored: bool = False) -> tuple[Statement, ...]:
    """Parse and validate a bucket policy; MalformedPolicy (with the reason) on what we cannot honour.
    ``stored``: the policy is read back from the bucket, where an older cargobay may have put what is
    refused now (an empty Statement list, an element outside the grammar, a Numeric value that is
    no number): it is taken as then."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise MalformedPolicy("Policies must be valid JSON.") from None
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise MalformedPolicy("Missing required field Statement")
    if not stored:
        _only_known(doc, _POLICY_ELEMENTS, "Id")
    # reference_policies_elements_version.html: 2012-10-17 or 2008-10-17 (the default when absent);
    # policy variables exist only in 2012-10-17 (reference_policies_variables.html).
    version = doc.get("Version", "2008-10-17")
    if version not in ("2012-10-17", "2008-10-17"):
        raise MalformedPolicy("The policy must contain a valid version string")
    raw = doc["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items and not stored:
        raise MalformedPolicy("Could not parse the policy: Statement is empty!")
    variables = version == "2012-10-17"
    return tuple(_statement(item, bucket=bucket, variables=variables, strict=not stored) for item in items)


def size_without_white_space(text: str | bytes) -> int:
    """Bytes of a (valid JSON) policy written without white space between its tokens: what the 20 KB
    limit of bucket-policies.html is measured on."""
    compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    return len(compact.encode("utf-8"))


# Condition keys whose fixed values make a statement granting "*" non-public
# (access-control-block-public-access.html, "The meaning of public"), that cargobay evaluates.
_FIXING_KEYS = (
    "aws:sourceip",
    "aws:userid",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
)


def _fixes(condition: Condition) -> bool:
    """Whether ``condition`` pins a statement to fixed values: a set of CIDRs for aws:SourceIp (not
    /0: every address), values without wildcard or variable for the other keys."""
    if condition.if_exists or condition.key not in _FIXING_KEYS:
        return False
    if condition.key == "aws:sourceip":
        return condition.operator == "ipaddress" and all(not v.endswith("/0") for v in condition.values)
    exact = condition.operator in ("stringequals", "stringequalsignorecase")
    wildcard_free = condition.operator in ("stringlike", "arnlike", "arnequals") and not any(
        "*" in v or "?" in v for v in condition.values
    )
    return (exact or wildcard_free) and not condition.variables


def is_public(statements: Sequence[Statement]) -> bool:
    """A policy is public when an Allow reaches everyone ("*", or all but the NotPrincipal) without a
    condition that pins it to fixed values (access-control-block-public-access.html, "The meaning
    of public")."""
    for s in statements:
        if s.effect != "Allow" or ("*" not in s.principals and not s.not_principal):
            continue
        if not any(_fixes(c) for c in s.conditions):
            return True
    return False
