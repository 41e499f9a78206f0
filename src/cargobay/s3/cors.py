"""Bucket CORS configuration: parsing its XML rules and matching a request against them (pure).

AWS rules: a rule matches when the request's Origin matches one of its AllowedOrigin patterns
(at most one ``*`` wildcard each), its method (for a preflight, Access-Control-Request-Method) is
one of AllowedMethod, and, for a preflight, every header in Access-Control-Request-Headers matches
an AllowedHeader pattern (case-insensitive, ``*`` wildcard). The first matching rule wins.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cargobay.s3.errors import InvalidArgument, InvalidRequest, MalformedXML

METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
MAX_RULES = 100
MAX_ID_LENGTH = 255


@dataclass(frozen=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None
    rule_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "origins": list(self.allowed_origins),
            "methods": list(self.allowed_methods),
            "headers": list(self.allowed_headers),
            "expose": list(self.expose_headers),
            "max_age": self.max_age_seconds,
            "id": self.rule_id,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CorsRule:
        return cls(
            tuple(doc["origins"]),
            tuple(doc["methods"]),
            tuple(doc.get("headers", ())),
            tuple(doc.get("expose", ())),
            doc.get("max_age"),
            doc.get("id"),
        )


def validate(rules: Sequence[CorsRule]) -> None:
    """Raise the error AWS gives for an unacceptable configuration."""
    if not rules:
        raise MalformedXML()
    if len(rules) > MAX_RULES:
        raise InvalidRequest(f"A CORS configuration may hold at most {MAX_RULES} rules.")
    for rule in rules:
        if not rule.allowed_origins or not rule.allowed_methods:
            raise MalformedXML()
        # API_CORSRule.html, ID: "The value cannot be longer than 255 characters."
        if rule.rule_id is not None and len(rule.rule_id) > MAX_ID_LENGTH:
            raise InvalidArgument(
                f"ID length should not exceed allowed limit of {MAX_ID_LENGTH}",
                ArgumentName="ID",
                ArgumentValue=rule.rule_id,
            )
        for method in rule.allowed_methods:
            if method not in METHODS:
                raise InvalidRequest(f"Found unsupported HTTP method in CORS config. Unsupported method is {method}")
        for origin in rule.allowed_origins:
            if origin.count("*") > 1:
                raise InvalidRequest(f'AllowedOrigin "{origin}" can not have more than one wildcard.')
        # cors.html: "Each AllowedHeader string in the rule can contain at most one * wildcard character."
        for header in rule.allowed_headers:
            if header.count("*") > 1:
                raise InvalidRequest(f'AllowedHeader "{header}" can not have more than one wildcard.')
        # An ExposeHeader names a header, never a pattern: S3 refuses any "*" in one (noobaa/noobaa-core#8954).
        for header in rule.expose_headers:
            if "*" in header:
                raise InvalidRequest(
                    f'ExposeHeader "{header}" contains wildcard. We currently do not support wildcard for ExposeHeader.'
                )


def _match(pattern: str, value: str, *, fold: bool) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    if "*" not in pattern:
        return pattern == value
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]").replace("?", "[?]"))


def find_rule(
    rules: Sequence[CorsRule], *, origin: str, method: str, request_headers: Sequence[str] = ()
) -> CorsRule | None:
    for rule in rules:
        if not any(_match(p, origin, fold=False) for p in rule.allowed_origins):
            continue
        if method not in rule.allowed_methods:
            continue
        if all(any(_match(p, h, fold=True) for p in rule.allowed_headers) for h in request_headers):
            return rule
    return None


def response_headers(
    rule: CorsRule, *, origin: str, request_headers: Sequence[str] = (), preflight: bool
) -> dict[str, str]:
    """The Access-Control-* headers for a request a rule allowed. An origin only the rule's ``*``
    matches is answered ``*``, without credentials (RESTCommonResponseHeaders.html: "If the request
    origin matches '*' ... the '*' is returned ... instead of the original origin"); one a named
    origin or pattern matches is echoed, with credentials."""
    wildcard = "*" in rule.allowed_origins and not any(
        p != "*" and _match(p, origin, fold=False) for p in rule.allowed_origins
    )
    headers = {
        "Access-Control-Allow-Origin": "*" if wildcard else origin,
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if not wildcard:
        headers["Access-Control-Allow-Credentials"] = "true"
    # The matching rule's methods and max age go on actual responses too, as AWS sends them.
    headers["Access-Control-Allow-Methods"] = ", ".join(rule.allowed_methods)
    if preflight and request_headers:
        headers["Access-Control-Allow-Headers"] = ", ".join(h.lower() for h in request_headers)
    if rule.max_age_seconds is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    if rule.expose_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.expose_headers)
    return headers
