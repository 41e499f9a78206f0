"""Browser form uploads (POST Object): the signed policy document and its conditions (pure).

A form carries a base64 ``policy`` (JSON: ``expiration`` and ``conditions``) signed with SigV4
(``x-amz-algorithm``, ``x-amz-credential``, ``x-amz-date``, ``x-amz-signature`` = hex HMAC of the
base64 policy with the SigV4 signing key) or SigV2 (``AWSAccessKeyId``, ``signature`` = base64
HMAC-SHA1 of the base64 policy). Every form field except the signature fields, ``file``,
``policy`` and ``x-ignore-*`` must be allowed by a condition (AWS: "Extra input fields").
The bucket counts as such a field: a policy without a condition on it is refused.
Conditions: ``{"field": "value"}`` and ``["eq", "$field", "value"]`` (exact), ``["starts-with",
"$field", "prefix"]`` (an empty prefix allows anything), ``["content-length-range", min, max]``;
several on one field must all hold.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cargobay.s3.errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidAccessKeyId,
    InvalidArgument,
    SignatureDoesNotMatch,
)
from cargobay.s3.signing import derive_signing_key

_UNCHECKED = {"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file", "x-amz-security-token"}


@dataclass(frozen=True)
class Policy:
    """The conditions as (field, value) pairs in the policy's order: a field may have several, and
    each must hold (a dict would keep only the last one of a field)."""

    expiration: _dt.datetime
    exact: tuple[tuple[str, str], ...]
    prefixes: tuple[tuple[str, str], ...]
    length_range: tuple[int, int] | None


def _denied(reason: str) -> AccessDenied:
    return AccessDenied(f"Invalid according to Policy: {reason}")


def parse_policy(policy_b64: str) -> Policy:
    try:
        doc: Any = json.loads(base64.b64decode(policy_b64, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidArgument("Invalid Policy: Invalid JSON.", ArgumentName="policy") from None
    if not isinstance(doc, dict) or "expiration" not in doc or not isinstance(doc.get("conditions"), list):
        raise InvalidArgument("Invalid Policy: missing expiration or conditions.", ArgumentName="policy")
    try:
        expiration = _dt.datetime.fromisoformat(str(doc["expiration"]).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument("Invalid Policy: Invalid 'expiration' value.", ArgumentName="policy") from None
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=_dt.UTC)
    exact: list[tuple[str, str]] = []
    prefixes: list[tuple[str, str]] = []
    length: tuple[int, int] | None = None
    for cond in doc["conditions"]:
        if isinstance(cond, dict) and len(cond) == 1:
            ((name, value),) = cond.items()
            exact.append((str(name).lower(), str(value)))
        elif isinstance(cond, list) and len(cond) == 3:
            op = str(cond[0]).lower()
            if op == "content-length-range":
                try:
                    length = (int(cond[1]), int(cond[2]))
                except (TypeError, ValueError):
                    raise InvalidArgument("Invalid Policy: bad content-length-range.", ArgumentName="policy") from None
                continue
            field = str(cond[1])
            if not field.startswith("$"):
                raise InvalidArgument(
                    f"Invalid Policy: condition field {field!r} must start with $.", ArgumentName="policy"
                )
            name = field[1:].lower()
            if op == "eq":
                exact.append((name, str(cond[2])))
            elif op == "starts-with":
                prefixes.append((name, str(cond[2])))
            else:
                raise InvalidArgument(f"Invalid Policy: unknown condition {op!r}.", ArgumentName="policy")
        else:
            raise InvalidArgument("Invalid Policy: malformed condition.", ArgumentName="policy")
    return Policy(expiration, tuple(exact), tuple(prefixes), length)


def verify_signature(fields: Mapping[str, str], *, lookup_secret: Callable[[str], str | None], region: str) -> str:
    """The access key whose secret signed the form's policy; raises the AWS error otherwise."""
    policy = fields.get("policy")
    if policy is None:
        raise AccessDenied("Bucket POST must contain a field named 'policy'.")
    if "x-amz-signature" in fields:
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise InvalidArgument("Only AWS4-HMAC-SHA256 is supported.", ArgumentName="x-amz-algorithm")
        parts = fields.get("x-amz-credential", "").split("/")
        if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
            raise InvalidArgument("Invalid credential in the form.", ArgumentName="x-amz-credential")
        access_key, datestamp, cred_region = parts[0], parts[1], parts[2]
        if cred_region != region:
            raise InvalidArgument(
                f"the region '{cred_region}' is wrong; expecting '{region}'", ArgumentName="x-amz-credential"
            )
        secret = lookup_secret(access_key)
        if secret is None:
            raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
        key = derive_signing_key(secret, datestamp, region)
        expected = hmac.new(key, policy.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["x-amz-signature"].lower()):
            raise SignatureDoesNotMatch(AWSAccessKeyId=access_key, StringToSign=policy)
        return access_key
    if "signature" in fields and "awsaccesskeyid" in fields:
        access_key = fields["awsaccesskeyid"]
        secret = lookup_secret(access_key)
        if secret is None:
            raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
        digest = hmac.new(secret.encode("utf-8"), policy.encode("utf-8"), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode("ascii"), fields["signature"]):
            raise SignatureDoesNotMatch(AWSAccessKeyId=access_key, StringToSign=policy)
        return access_key
    raise AccessDenied("Bucket POST must be signed (x-amz-signature or signature field).")


def check_fields(policy: Policy, fields: Mapping[str, str], *, bucket: str, now: _dt.datetime) -> None:
    """Every condition holds and every field is covered by one (content length is checked later)."""
    if now >= policy.expiration:
        raise _denied("Policy expired.")
    values = {**fields, "bucket": bucket}
    for name, value in policy.exact:
        if values.get(name) != value:
            raise _denied(f'Policy Condition failed: ["eq", "${name}", "{value}"]')
    for name, prefix in policy.prefixes:
        if not values.get(name, "").startswith(prefix):
            raise _denied(f'Policy Condition failed: ["starts-with", "${name}", "{prefix}"]')
    covered = {name for name, _ in policy.exact} | {name for name, _ in policy.prefixes}
    # The bucket is an input too: a policy must say which bucket it allows (AWS answers "Extra
    # input fields: bucket" to one that does not).
    extra = [
        name
        for name in [*fields, "bucket"]
        if name not in _UNCHECKED
        and not name.startswith("x-ignore-")
        and name not in covered
        and not (name.startswith("x-amz-") and name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date"))
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
