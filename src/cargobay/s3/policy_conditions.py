"""Bucket policy conditions and policy variables (pure): parsing and evaluating a Condition block.

Operators: ``String(Not)Equals(IgnoreCase)``, ``String(Not)Like``, ``Numeric*``, ``Date*``,
``Bool``, ``(Not)IpAddress``, ``Arn(Not)Equals``, ``Arn(Not)Like`` and ``Null``, each optionally
``…IfExists`` and ``ForAnyValue:``/``ForAllValues:``. Several values of one key match if any does,
several keys of one operator and several operators must all hold, and a key absent from the request
makes a positive operator false and a negated one true (reference_policies_elements_condition_operators.html,
reference_policies_condition-logic-multiple-context-keys-or-values.html).

Keys: those of :data:`KEYS` and ``s3:ExistingObjectTag/<key>``, ``s3:RequestObjectTag/<key>``;
the VPC, access point, organization, MFA, ``aws:CalledVia*`` and ``aws:Source*`` keys among them are
never present here
(so ``StringEquals`` on them is false and ``StringNotEquals`` true, as for an AWS request that did
not come that way).
A key cargobay cannot evaluate is refused when the policy is set (MalformedPolicy naming it): a
condition we cannot evaluate must not silently allow or deny.

Policy variables (reference_policies_variables.html; Version 2012-10-17 only): ``${key}`` and
``${key, 'default'}`` in a resource or a string condition value take the request's value of the key;
``${*}``, ``${?}`` and ``${$}`` are the characters themselves. A variable whose key the request lacks
(and without a default) matches nothing.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cargobay.s3.errors import MalformedPolicy

# Condition values of one request: key (lower-cased) -> its values; a key absent = not present.
Context = Mapping[str, Sequence[str]]

KEYS = (
    "aws:sourceip",
    "aws:securetransport",
    "aws:currenttime",
    "aws:epochtime",
    "aws:username",
    "aws:userid",
    "aws:useragent",
    "aws:referer",
    "aws:principalisawsservice",
    "aws:viaawsservice",
    "aws:requestedregion",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:versionid",
    "s3:x-amz-acl",
    "s3:x-amz-copy-source",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write-acp",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-server-side-encryption-customer-algorithm",
    "s3:x-amz-storage-class",
    "s3:x-amz-website-redirect-location",
    "s3:x-amz-content-sha256",
    "s3:if-match",
    "s3:if-none-match",
    "s3:objectcreationoperation",
    "s3:tlsversion",
    "s3:signatureage",
    "s3:object-lock-mode",
    "s3:object-lock-retain-until-date",
    "s3:object-lock-legal-hold",
    "s3:object-lock-remaining-retention-days",
    "s3:requestobjecttagkeys",
    "s3:authtype",
    "s3:signatureversion",
    *(
        # Keys no request to this server has, evaluated as absent: it is never reached through a
        # VPC endpoint, and no AWS service calls it on a resource's behalf (the aws:Source* keys).
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        # Nor is it reached through an access point, and its users are no organization's members
        # and sign with long-term keys, never after MFA (reference_policies_condition-keys.html:
        # the MFA keys are not present for long-term credentials).
        "s3:accesspointnetworkorigin",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:multifactorauthage",
        "aws:multifactorauthpresent",
        "aws:tokenissuetime",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:resourceorgid",
        "aws:resourceorgpaths",
        # No AWS service calls it on a principal's behalf (reference_policies_condition-keys.html).
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
    ),
)
TAG_KEYS = ("s3:existingobjecttag/", "s3:requestobjecttag/")


def like(value: str, pattern: str, *, fold: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run, ``?`` one character, everything else literal."""
    if fold:
        value, pattern = value.lower(), pattern.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def arn_like(value: str, pattern: str) -> bool:
    """ArnEquals / ArnLike: "Each of the six colon-delimited components of the ARN is checked
    separately and each can include" ``*`` and ``?`` (reference_policies_elements_condition_operators.html),
    so a wildcard never reaches across a colon; the last component keeps the colons it has."""
    values, patterns = value.split(":", 5), pattern.split(":", 5)
    return len(values) == len(patterns) == 6 and all(like(v, p) for v, p in zip(values, patterns, strict=True))


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULTED = re.compile(r"\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*")
# ${*}, ${?}, ${$}: the character itself; in a wildcard pattern "*" and "?" are then literal.
_LITERAL_IN_PATTERN = {"*": "[*]", "?": "[?]", "$": "$"}


def has_variables(text: str) -> bool:
    return _VARIABLE.search(text) is not None


def expand(text: str, context: Context, *, pattern: bool) -> str | None:
    """``text`` with its policy variables replaced by the request's values (reference_policies_variables.html);
    None when one names a key the request lacks (or has several values of) and gives no default.
    In a wildcard ``pattern`` the values and the ``${*}``/``${?}`` characters are matched literally."""
    missing = False

    def one(found: re.Match[str]) -> str:
        nonlocal missing
        inner = found.group(1)
        if inner in _LITERAL_IN_PATTERN:
            return _LITERAL_IN_PATTERN[inner] if pattern else inner
        defaulted = _DEFAULTED.fullmatch(inner)
        key, default = (
            (defaulted.group(1), defaulted.group(2).replace("''", "'")) if defaulted else (inner.strip(), None)
        )
        values = context.get(key.lower(), ())
        value = values[0] if len(values) == 1 else default
        if value is None:
            missing = True
            return ""
        return value.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]") if pattern else value

    expanded = _VARIABLE.sub(one, text)
    return None if missing else expanded


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


def parse_date(text: str) -> float | None:
    """Seconds since the epoch of a policy date: ISO 8601 (UTC when no offset is given) or epoch
    seconds (reference_policies_elements_condition_operators.html, Date condition operators)."""
    number = _number(text)
    if number is not None:
        return number
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).timestamp()


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "equals": lambda a, b: a == b,
    "notequals": lambda a, b: a != b,
    "lessthan": lambda a, b: a < b,
    "lessthanequals": lambda a, b: a <= b,
    "greaterthan": lambda a, b: a > b,
    "greaterthanequals": lambda a, b: a >= b,
}
_ORDERED: dict[str, tuple[Callable[[str], float | None], Callable[[float, float], bool]]] = {
    **{f"numeric{name}": (_number, compare) for name, compare in _COMPARE.items()},
    **{f"date{name}": (parse_date, compare) for name, compare in _COMPARE.items()},
}

# operator (lower-case, no IfExists/set prefix) -> (value, pattern) -> match; negated operators
# are the positive one inverted (see Condition.holds).
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda v, p: v == p,
    "stringequalsignorecase": lambda v, p: v.lower() == p.lower(),
    "stringlike": like,
    "ipaddress": _ip_in,
    "bool": lambda v, p: v.lower() == p.lower(),
    "arnequals": arn_like,
    "arnlike": arn_like,
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "notipaddress": "ipaddress",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
# Operators whose values may hold policy variables (string and ARN comparisons).
_TAKES_VARIABLES = frozenset(
    {*(op for op in _POSITIVE if op.startswith(("string", "arn"))), *_NEGATED} - {"notipaddress"}
)
# Negated operators: true when the key is absent ("If the policy condition requires that the key is
# not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true").
_NOT_MATCHED = frozenset({*_NEGATED, "numericnotequals", "datenotequals"})


@dataclass(frozen=True)
class Condition:
    operator: str  # lower-case, without IfExists and set prefix
    key: str  # lower-case
    values: tuple[str, ...]
    if_exists: bool = False
    quantifier: str = ""  # "" | "forany" | "forall"
    variables: bool = False  # a value holds a policy variable

    def holds(self, context: Context) -> bool:
        present = self.key in context
        found = list(context.get(self.key, ()))
        if self.operator == "null":
            want_absent = any(v.lower() == "true" for v in self.values)
            return (not present) == want_absent
        if not present:
            # ...IfExists, and ForAllValues ("also returns true if there are no context keys in the
            # request"), hold on an absent key; ForAnyValue never does.
            if self.if_exists or self.quantifier == "forall":
                return True
            return self.operator in _NOT_MATCHED and self.quantifier != "forany"
        if self.operator in _ORDERED:
            return self._ordered(found)
        patterns = self.values
        if self.variables:
            pattern = self.operator.endswith("like")
            patterns = tuple(p for p in (expand(v, context, pattern=pattern) for v in self.values) if p is not None)
        negated = self.operator in _NEGATED
        test = _POSITIVE[_NEGATED.get(self.operator, self.operator)]

        def one(value: str) -> bool:
            hit = any(test(value, p) for p in patterns)
            return not hit if negated else hit

        if self.quantifier == "forall":
            return all(one(v) for v in found)
        if negated and self.quantifier != "forany":
            return all(one(v) for v in found)
        return any(one(v) for v in found)

    def _ordered(self, found: Sequence[str]) -> bool:
        """A Numeric or Date operator: NotEquals holds when the value equals none of the policy's."""
        negated = self.operator.endswith("notequals")
        convert, compare = _ORDERED[self.operator.replace("notequals", "equals")]
        limits = [b for b in (convert(v) for v in self.values) if b is not None]
        hits = []
        for text in found:
            a = convert(text)
            hit = a is not None and any(compare(a, b) for b in limits)
            hits.append(not hit if negated else hit)
        return all(hits) if negated or self.quantifier == "forall" else any(hits)


def _operator(name: str, *, strict: bool) -> tuple[str, str, bool]:
    """(quantifier, operator, if_exists) of an operator name; MalformedPolicy for an unknown one."""
    quantifier, lowered = "", name.lower()
    if lowered.startswith("foranyvalue:"):
        quantifier, lowered = "forany", lowered[len("foranyvalue:") :]
    elif lowered.startswith("forallvalues:"):
        quantifier, lowered = "forall", lowered[len("forallvalues:") :]
    if_exists = lowered.endswith("ifexists")
    operator = lowered.removesuffix("ifexists")
    known = operator in _POSITIVE or operator in _NEGATED or operator in _ORDERED or operator == "null"
    if not known or (strict and if_exists and operator == "null"):
        raise MalformedPolicy(f"Policy has an invalid condition operator: {name}")
    return quantifier, operator, if_exists


def _check_values(name: str, operator: str, texts: Sequence[str], *, strict: bool) -> None:
    """Values an operator can never match are refused, as the address of an IpAddress is."""
    for text in texts:
        if operator in ("ipaddress", "notipaddress"):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise MalformedPolicy(f"Policy has an invalid IP address or range: {text}") from None
        elif operator.startswith("date") and parse_date(text) is None:
            raise MalformedPolicy(f"Policy has an invalid date in {name}: {text}")
        elif strict and operator.startswith("numeric") and _number(text) is None:
            raise MalformedPolicy(f"Policy has an invalid number in {name}: {text}")


def parse_conditions(raw: Any, *, variables: bool, strict: bool = True) -> tuple[Condition, ...]:
    """The conditions of one statement's Condition block (``variables``: the policy's Version
    lets values hold policy variables; ``strict``: also refuse what cargobay took before 2026-12,
    off when a stored policy is read back, so that such a policy keeps working as it did)."""
    if not isinstance(raw, dict):
        raise MalformedPolicy("Policy has an invalid condition: expected an object of operators.")
    out: list[Condition] = []
    for op_name, block in raw.items():
        name = str(op_name)
        quantifier, operator, if_exists = _operator(name, strict=strict)
        if not isinstance(block, dict):
            raise MalformedPolicy(f"Policy has an invalid condition block for {name}.")
        for key_name, value in block.items():
            key = str(key_name).lower()
            if key not in KEYS and not key.startswith(TAG_KEYS):
                raise MalformedPolicy(
                    f"Policy has an unsupported condition key: {key_name} "
                    f"(cargobay evaluates {', '.join(KEYS)}, s3:ExistingObjectTag/* and "
                    "s3:RequestObjectTag/*)"
                )
            values = value if isinstance(value, list) else [value]
            if (strict and not values) or not all(isinstance(v, (str, bool, int, float)) for v in values):
                raise MalformedPolicy(f"Policy has an invalid condition value for {key_name}.")
            texts = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
            _check_values(name, operator, texts, strict=strict)
            uses = variables and operator in _TAKES_VARIABLES and any(has_variables(t) for t in texts)
            out.append(Condition(operator, key, texts, if_exists, quantifier, uses))
    return tuple(out)
