"""Browser form uploads (POST Object): the signed policy document and its conditions (pure).

A form carries a base64 ``policy`` (JSON: ``expiration`` and ``conditions``) signed with SigV4
(``x-amz-algorithm``, ``x-amz-credential``, ``x-amz-date``, ``x-amz-signature`` = hex HMAC of the
base64 policy with the SigV4 signing key) or SigV2 (``AWSAccessKeyId``, ``signature`` = base64
HMAC-SHA1 of the base64 policy). Every form field except the signature fields, ``file``,
``policy`` and ``x-ignore-*`` must be allowed by a condition (AWS: "Extra input fields"); the
SigV4 credential fields are no exception. The bucket counts as such a field: a policy without a
condition on it is refused. Conditions: ``{"field": "value"}`` and ``["eq", "$field", "value"]``
(exact), ``["starts-with", "$field", "prefix"]`` (an empty prefix allows anything; a
Content-Type holding commas is a list, each entry of which must start with the prefix; an operand
without its ``$`` is text compared as written, not a field),
``["content-length-range", min, max]``; several on one field must all hold. A document of any
other shape is InvalidPolicyDocument (400); a condition that fails is AccessDenied (403). A SigV4
form must carry x-amz-date in ISO 8601 basic form (400 InvalidArgument naming it otherwise).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cargobay.s3.auth.request import hex_dump
from cargobay.s3.auth.shared import parse_amz_date
from cargobay.s3.errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidPolicyDocument,
    SignatureDoesNotMatch,
)
from cargobay.s3.numbers import decimal
from cargobay.s3.signing import derive_signing_key

# The fields no condition needs to name: the signature fields (SigV4 and SigV2), the file and the
# policy itself (sigv4-HTTPPOSTConstructPolicy.html, HTTPPOSTForms.html "Conditions"); and any
# x-ignore-* field. x-amz-algorithm, x-amz-credential and x-amz-date are NOT among them: "The POST
# policy must include" them (sigv4-authentication-HTTPPOST.html).
_EXEMPT = {"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"}


#: The extended ISO 8601 form of a time in GMT: date, optionally a time (seconds and fractions
#: optional), optionally Z; no offset, no space.
_EXPIRATION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?Z?")


@dataclass(frozen=True)
class Policy:
    """The conditions as (field, value) pairs in the policy's order: a field may have several, and
    each must hold (a dict would keep only the last one of a field)."""

    expiration: _dt.datetime
    exact: tuple[tuple[str, str], ...]
    prefixes: tuple[tuple[str, str], ...]
    length_range: tuple[int, int] | None
    #: ["eq" | "starts-with", text, value] whose text is no $variable: compared as written.
    literals: tuple[tuple[str, str, str], ...] = ()


def _denied(reason: str) -> AccessDenied:
    return AccessDenied(f"Invalid according to Policy: {reason}")


def _invalid(reason: str) -> InvalidPolicyDocument:
    """AWS's 400 for a document that is not a policy; its messages start "Invalid Policy: "."""
    return InvalidPolicyDocument(f"Invalid Policy: {reason}")


def parse_policy(policy_b64: str) -> Policy:
    """The base64 JSON document of a form, checked for shape: anything that is not a policy is
    InvalidPolicyDocument, never read loosely (a number where a string belongs is not "201")."""
    try:
        doc: Any = json.loads(base64.b64decode(policy_b64, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise _invalid("Invalid JSON.") from None
    if not isinstance(doc, dict):
        raise _invalid("Invalid JSON.")
    for element in ("expiration", "conditions"):
        if element not in doc:
            raise _invalid(f"Policy missing {element}.")
    expiration = _expiration(doc["expiration"])
    if not isinstance(doc["conditions"], list):
        raise _invalid("Invalid 'conditions' value: must be a List.")
    exact: list[tuple[str, str]] = []
    prefixes: list[tuple[str, str]] = []
    length: tuple[int, int] | None = None
    literals: list[tuple[str, str, str]] = []
    for cond in doc["conditions"]:
        if isinstance(cond, dict):
            exact.append(_simple_condition(cond))
        elif isinstance(cond, list) and cond and isinstance(cond[0], str):
            op = cond[0].lower()
            if op == "content-length-range":
                low, high = _length_range(cond)
                # Several ranges all hold: their intersection (an empty one allows no upload).
                length = (low, high) if length is None else (max(length[0], low), min(length[1], high))
            elif op in ("eq", "starts-with"):
                field, value = _field_condition(op, cond)
                if field.startswith("$"):
                    (exact if op == "eq" else prefixes).append((field[1:].lower(), value))
                else:
                    literals.append((op, field, value))
            else:
                raise _invalid(f"Invalid Condition: unknown operation {cond[0]!r}.")
        else:
            raise _invalid("Invalid Condition: a condition must be an Object or a List.")
    return Policy(expiration, tuple(exact), tuple(prefixes), length, tuple(literals))


def _expiration(value: Any) -> _dt.datetime:
    """ISO 8601 in UTC ("2013-08-01T12:00:00.000Z"); a time without a zone is taken as UTC. A zone
    offset or a space for the T is not "ISO8601 GMT date format": S3 refuses both ("Invalid
    'expiration' value: '2011-09-13T07:52:58+02:00'", dwilkie/carrierwave_direct#2)."""
    try:
        if not isinstance(value, str) or not _EXPIRATION.fullmatch(value):
            raise ValueError(value)
        expiration = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("Invalid 'expiration' value.") from None
    return expiration if expiration.tzinfo is not None else expiration.replace(tzinfo=_dt.UTC)


def _simple_condition(cond: dict[Any, Any]) -> tuple[str, str]:
    """{"field": "value"}: exactly one property, whose value is a string."""
    if len(cond) != 1:
        raise _invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
    ((name, value),) = cond.items()
    if not isinstance(value, str):
        raise _invalid("Invalid Simple-Condition: value must be a string.")
    return str(name).lower(), value


def _field_condition(op: str, cond: list[Any]) -> tuple[str, str]:
    """["eq" | "starts-with", "$field", "value"]: three strings. An operand without its $ is no
    variable but text compared as written: S3 answers ["eq", "success_action_redirect", "http://..."]
    with 403 "Policy Condition failed" (LocalStack's recordings of S3), not InvalidPolicyDocument."""
    if len(cond) != 3 or not all(isinstance(item, str) for item in cond):
        raise _invalid(f"Invalid '{op}' condition: it takes a field and a string value.")
    return cond[1], cond[2]


def _length_range(cond: list[Any]) -> tuple[int, int]:
    """["content-length-range", min, max]: two whole numbers (a JSON integer, or a string of digits
    as some SDKs write it); a fraction or a word is not a size."""
    if len(cond) != 3:
        raise _invalid("Invalid content-length-range condition: it takes a minimum and a maximum.")
    bounds: list[int] = []
    for bound in cond[1:]:
        if isinstance(bound, int) and not isinstance(bound, bool):
            bounds.append(bound)
        elif isinstance(bound, str) and bound.isascii() and bound.isdigit():
            bounds.append(decimal(bound))
        else:
            raise _invalid("Invalid content-length-range condition: the bounds must be integers.")
    return bounds[0], bounds[1]


def expand_filename(fields: Mapping[str, str], filename: str | None) -> dict[str, str]:
    """Every field with ``${filename}`` replaced by the file's name without any directory, as the
    browser sent it (HTTPPOSTForms.html: "recognized by all form fields ... only the text
    following the last slash (/) or backslash (\\) will be used"; "" without a file name). The
    policy is checked against the expanded fields: "All variables within the form are expanded
    before the policy is validated"."""
    name = re.split(r"[/\\]", filename or "")[-1]
    return {field: value.replace("${filename}", name) for field, value in fields.items()}


def verify_signature(fields: Mapping[str, str], *, lookup_secret: Callable[[str], str | None], region: str) -> str:
    """The access key whose secret signed the form's policy; raises the AWS error otherwise."""
    policy = fields.get("policy")
    if policy is None:
        raise AccessDenied("Bucket POST must contain a field named 'policy'.")
    if any(name in fields for name in ("x-amz-signature", "x-amz-algorithm", "x-amz-credential")):
        _require(fields, ("x-amz-algorithm", "X-Amz-Algorithm"), ("x-amz-credential", "X-Amz-Credential"))
        _require(fields, ("x-amz-signature", "X-Amz-Signature"))
        if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
            raise InvalidArgument(
                "Only AWS4-HMAC-SHA256 is supported.",
                ArgumentName="X-Amz-Algorithm",
                ArgumentValue=fields["x-amz-algorithm"],
            )
        parts = fields.get("x-amz-credential", "").split("/")
        if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
            raise InvalidArgument(
                "Invalid credential in the form.",
                ArgumentName="X-Amz-Credential",
                ArgumentValue=fields["x-amz-credential"],
            )
        access_key, datestamp, cred_region = parts[0], parts[1], parts[2]
        if not access_key:
            raise InvalidArgument(
                "a non-empty Access Key (AKID) must be provided in the credential.",
                ArgumentName="X-Amz-Credential",
                ArgumentValue=fields["x-amz-credential"],
            )
        _check_form_date(fields)
        if cred_region != region:
            raise InvalidArgument(  # S3's answer also names the region expected (aws/aws-sdk-js#2529)
                f"the region '{cred_region}' is wrong; expecting '{region}'",
                ArgumentName="X-Amz-Credential",
                ArgumentValue=fields["x-amz-credential"],
                Region=region,
            )
        secret = lookup_secret(access_key)
        if secret is None:
            raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
        key = derive_signing_key(secret, datestamp, region)
        expected = hmac.new(key, policy.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["x-amz-signature"].lower()):
            raise _mismatch(access_key, policy, fields["x-amz-signature"])
        return access_key
    if "signature" in fields or "awsaccesskeyid" in fields:
        _require(fields, ("awsaccesskeyid", "AWSAccessKeyId"), ("signature", "Signature"))
        access_key = fields["awsaccesskeyid"]
        secret = lookup_secret(access_key)
        if secret is None:
            raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
        digest = hmac.new(secret.encode("utf-8"), policy.encode("utf-8"), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode("ascii"), fields["signature"]):
            raise _mismatch(access_key, policy, fields["signature"])
        return access_key
    raise AccessDenied("Bucket POST must be signed (x-amz-signature or signature field).")


def _require(fields: Mapping[str, str], *names: tuple[str, str]) -> None:
    """The signature fields come together: the first of ``names`` (field, as S3 spells it) the form
    lacks is 400 InvalidArgument naming it, as S3 answers (LocalStack's recordings of S3)."""
    for name, spelled in names:
        if name not in fields:
            raise InvalidArgument(
                f"Bucket POST must contain a field named '{spelled}'.  "
                "If it is specified, please check the order of the fields.",
                ArgumentName=spelled,
                ArgumentValue="",
            )


def _check_form_date(fields: Mapping[str, str]) -> None:
    """A SigV4 form's x-amz-date is required and "in ISO8601 format. For example, 20130728T000000Z"
    (sigv4-HTTPPOSTForms.html); S3 names the field it lacks or cannot read (400 InvalidArgument)."""
    _require(fields, ("x-amz-date", "X-Amz-Date"))
    value = fields["x-amz-date"]
    if parse_amz_date(value) is None:
        raise InvalidArgument(
            "X-Amz-Date must be formated via ISO8601 Long format", ArgumentName="X-Amz-Date", ArgumentValue=value
        )


def _mismatch(access_key: str, policy: str, provided: str) -> SignatureDoesNotMatch:
    """A form's string to sign is its base64 policy as sent: the answer names it, its bytes and the
    signature that did not match it, as S3's does."""
    return SignatureDoesNotMatch(
        AWSAccessKeyId=access_key,
        StringToSign=policy,
        SignatureProvided=provided,
        StringToSignBytes=hex_dump(policy),
    )


def _starts_with(name: str, value: str, prefix: str) -> bool:
    """starts-with; a Content-Type holding commas is a list whose every entry must start with the
    prefix ("Matching Content-Types in a Comma-Separated List"; other fields are plain strings)."""
    if name == "content-type" and "," in value:
        return all(item.strip().startswith(prefix) for item in value.split(","))
    return value.startswith(prefix)


def check_fields(policy: Policy, fields: Mapping[str, str], *, bucket: str, now: _dt.datetime) -> None:
    """Every condition holds and every field is covered by one (content length is checked later)."""
    if now >= policy.expiration:
        raise _denied("Policy expired.")
    values = {**fields, "bucket": bucket}
    for op, text, value in policy.literals:
        if not (text == value if op == "eq" else text.startswith(value)):
            raise _denied(f'Policy Condition failed: ["{op}", "{text}", "{value}"]')
    for name, value in policy.exact:
        if values.get(name) != value:
            raise _denied(f'Policy Condition failed: ["eq", "${name}", "{value}"]')
    for name, prefix in policy.prefixes:
        if not _starts_with(name, values.get(name, ""), prefix):
            raise _denied(f'Policy Condition failed: ["starts-with", "${name}", "{prefix}"]')
    covered = {name for name, _ in policy.exact} | {name for name, _ in policy.prefixes}
    # The bucket is an input too: a policy must say which bucket it allows (AWS answers "Extra
    # input fields: bucket" to one that does not).
    extra = [
        name
        for name in [*fields, "bucket"]
        if name not in _EXEMPT and not name.startswith("x-ignore-") and name not in covered
    ]
    if extra:
        raise _denied(f"Extra input fields: {', '.join(sorted(extra))}")


def check_length(policy: Policy, size: int) -> None:
    if policy.length_range is None:
        return
    low, high = policy.length_range
    if size < low:
        raise EntityTooSmall(ProposedSize=str(size), MinSizeAllowed=str(low))
    if size > high:
        raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(high))
