"""Bucket policies (pure): parsing, validation, conditions, and whether a policy is public.

Policies are the JSON documents AWS uses (Version, Statement[Effect, Principal, Action, Resource,
Condition]). ``Principal`` is ``"*"``, ``{"AWS": "*"}`` or ``{"AWS": [names, access keys, ARNs,
canonical ids]}`` (``{"CanonicalUser": id}`` too); ``Action`` and ``Resource`` accept ``*``/``?``
wildcards (``s3:Get*``, ``arn:aws:s3:::bucket/prefix*``).

Conditions: the operators ``String(Not)Equals(IgnoreCase)``, ``String(Not)Like``,
``(Not)IpAddress``, ``Bool``, ``Null`` and ``Numeric*``, each optionally ``…IfExists`` and
``ForAnyValue:``/``ForAllValues:``; the keys ``aws:SourceIp``, ``aws:SecureTransport``,
``aws:username``, ``aws:userid``, ``aws:UserAgent``, ``aws:Referer``, ``s3:prefix``,
``s3:delimiter``, ``s3:max-keys``, the request-header keys (``s3:x-amz-acl``, ``s3:x-amz-grant-*``,
``s3:x-amz-copy-source``, ``s3:x-amz-metadata-directive``, ``s3:x-amz-server-side-encryption``,
``s3:x-amz-storage-class``, ``s3:x-amz-content-sha256``), ``s3:authType``, ``s3:signatureversion``,
``s3:ExistingObjectTag/<key>`` and ``s3:RequestObjectTag/<key>``. Anything else is refused when
the policy is set (MalformedPolicy naming it): a condition we cannot evaluate must not silently
allow or deny.

References: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cargobay.s3.errors import MalformedPolicy

# Condition values of one request: key (lower-cased) -> its values; a key absent = not present.
Context = Mapping[str, Sequence[str]]

_KEYS = (
    "aws:sourceip",
    "aws:securetransport",
    "aws:username",
    "aws:userid",
    "aws:useragent",
    "aws:referer",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:x-amz-acl",
    "s3:x-amz-copy-source",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write-acp",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-storage-class",
    "s3:x-amz-content-sha256",
    "s3:authtype",
    "s3:signatureversion",
)
_TAG_KEYS = ("s3:existingobjecttag/", "s3:requestobjecttag/")


def _like(value: str, pattern: str, *, fold: bool = False) -> bool:
    if fold:
        value, pattern = value.lower(), pattern.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _ip_in(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "numericequals": lambda a, b: a == b,
    "numericnotequals": lambda a, b: a != b,
    "numericlessthan": lambda a, b: a < b,
    "numericlessthanequals": lambda a, b: a <= b,
    "numericgreaterthan": lambda a, b: a > b,
    "numericgreaterthanequals": lambda a, b: a >= b,
}

# operator (lower-case, no IfExists/set prefix) -> (value, pattern) -> match; negated operators
# are the positive one inverted (see _evaluate).
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda v, p: v == p,
    "stringequalsignorecase": lambda v, p: v.lower() == p.lower(),
    "stringlike": _like,
    "ipaddress": _ip_in,
    "bool": lambda v, p: v.lower() == p.lower(),
    "arnequals": lambda v, p: v == p,
    "arnlike": _like,
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "notipaddress": "ipaddress",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}


@dataclass(frozen=True)
class Condition:
    operator: str  # lower-case, without IfExists and set prefix
    key: str  # lower-case
    values: tuple[str, ...]
    if_exists: bool = False
    quantifier: str = ""  # "" | "forany" | "forall"

    def holds(self, context: Context) -> bool:
        present = self.key in context
        found = list(context.get(self.key, ()))
        if self.operator == "null":
            want_absent = any(v.lower() == "true" for v in self.values)
            return (not present) == want_absent
        if not present:
            if self.if_exists:
                return True
            # A negated operator on a missing key matches (the key is "not equal"); AWS does the same.
            return self.operator in _NEGATED and self.quantifier != "forany"
        if self.operator in _NUMERIC:
            compare = _NUMERIC[self.operator]
            nums = [_number(v) for v in found]
            limits = [_number(v) for v in self.values]
            return any(a is not None and b is not None and compare(a, b) for a in nums for b in limits)
        negated = self.operator in _NEGATED
        test = _POSITIVE[_NEGATED.get(self.operator, self.operator)]

        def one(value: str) -> bool:
            hit = any(test(value, pattern) for pattern in self.values)
            return not hit if negated else hit

        if self.quantifier == "forall":
            return all(one(v) for v in found)
        if negated and self.quantifier != "forany":
            return all(one(v) for v in found)
        return any(one(v) for v in found)


def _parse_condition(raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise MalformedPolicy("Policy has an invalid condition: expected an object of operators.")
    out: list[Condition] = []
    for op_name, block in raw.items():
        name = str(op_name)
        quantifier = ""
        lowered = name.lower()
        if lowered.startswith("foranyvalue:"):
            quantifier, lowered = "forany", lowered[len("foranyvalue:") :]
        elif lowered.startswith("forallvalues:"):
            quantifier, lowered = "forall", lowered[len("forallvalues:") :]
        if_exists = lowered.endswith("ifexists")
        operator = lowered.removesuffix("ifexists")
        if operator not in _POSITIVE and operator not in _NEGATED and operator not in _NUMERIC and operator != "null":
            raise MalformedPolicy(f"Policy has an invalid condition operator: {name}")
        if not isinstance(block, dict):
            raise MalformedPolicy(f"Policy has an invalid condition block for {name}.")
        for key_name, value in block.items():
            key = str(key_name).lower()
            if key not in _KEYS and not key.startswith(_TAG_KEYS):
                raise MalformedPolicy(
                    f"Policy has an unsupported condition key: {key_name} "
                    f"(cargobay evaluates {', '.join(_KEYS)}, s3:ExistingObjectTag/* and "
                    "s3:RequestObjectTag/*)"
                )
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, (str, bool, int, float)) for v in values):
                raise MalformedPolicy(f"Policy has an invalid condition value for {key_name}.")
            texts = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
            if operator in ("ipaddress",) or operator == "notipaddress":
                for text in texts:
                    try:
                        ipaddress.ip_network(text, strict=False)
                    except ValueError:
                        raise MalformedPolicy(f"Policy has an invalid IP address or range: {text}") from None
            out.append(Condition(operator, key, texts, if_exists, quantifier))
    return tuple(out)


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    principals: tuple[str, ...]  # "*" or user names / access keys / canonical ids
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()

    @property
    def needs_object_tags(self) -> bool:
        return any(c.key.startswith("s3:existingobjecttag/") for c in self.conditions)

    def applies_to(self, names: Sequence[str], action: str, resource: str) -> bool:
        """Principal, action and resource match (conditions aside)."""
        if "*" not in self.principals and not any(n in self.principals for n in names):
            return False
        if not any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions):
            return False
        return any(fnmatch.fnmatchcase(resource, pattern) for pattern in self.resources)

    def matches(self, names: Sequence[str], action: str, resource: str, context: Context) -> bool:
        return self.applies_to(names, action, resource) and all(c.holds(context) for c in self.conditions)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedPolicy(f"Policy has an invalid {what}: expected a string or a list of strings.")


def _principals(principal: Any) -> tuple[str, ...]:
    if principal == "*":
        return ("*",)
    if isinstance(principal, dict) and principal and set(principal) <= {"AWS", "CanonicalUser"}:
        names: list[str] = []
        for value in principal.values():
            for p in _strings(value, "principal"):
                names.append("*" if p == "*" else p.rsplit(":", 1)[-1].removeprefix("user/"))
        return tuple(names)
    raise MalformedPolicy("Invalid principal in policy.")


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


def parse(text: str | bytes, *, bucket: str) -> tuple[Statement, ...]:
    """Parse and validate a bucket policy; MalformedPolicy (with the reason) on what we cannot honour."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise MalformedPolicy("Policies must be valid JSON.") from None
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise MalformedPolicy("Missing required field Statement")
    # reference_policies_elements_version.html: 2012-10-17 or 2008-10-17 (the default when absent).
    if doc.get("Version", "2008-10-17") not in ("2012-10-17", "2008-10-17"):
        raise MalformedPolicy("The policy must contain a valid version string")
    raw = doc["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    statements = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedPolicy("Statement must be an object.")
        for unsupported in ("NotAction", "NotPrincipal", "NotResource"):
            if unsupported in item:
                raise MalformedPolicy(f"{unsupported} is not supported by cargobay.")
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise MalformedPolicy("Invalid effect: must be Allow or Deny.")
        if "Principal" not in item:
            raise MalformedPolicy("Missing required field Principal")
        actions = _strings(item.get("Action"), "Action")
        for action in actions:
            if action != "*" and not action.lower().startswith("s3:"):
                raise MalformedPolicy(f"Policy has invalid action: {action}")
        resources = _strings(item.get("Resource"), "Resource")
        for resource in resources:
            if not resource.startswith("arn:aws:s3:::"):
                raise MalformedPolicy("Policy has invalid resource")
            name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
            if not fnmatch.fnmatchcase(bucket, name):
                raise MalformedPolicy("Policy has invalid resource")
        _check_resource_types(actions, resources)
        conditions = _parse_condition(item["Condition"]) if "Condition" in item else ()
        statements.append(Statement(effect, _principals(item["Principal"]), actions, resources, conditions))
    return tuple(statements)


def is_public(statements: Sequence[Statement]) -> bool:
    """A policy is public when an Allow reaches everyone ("*") without a condition that pins it to
    fixed source addresses (access-control-block-public-access.html, "The meaning of public")."""
    for s in statements:
        if s.effect != "Allow" or "*" not in s.principals:
            continue
        fixing = any(
            c.key == "aws:sourceip"
            and c.operator == "ipaddress"
            and not c.if_exists
            and all(not v.endswith(("/0",)) for v in c.values)
            for c in s.conditions
        )
        if not fixing:
            return True
    return False
