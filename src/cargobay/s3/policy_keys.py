"""Which S3 condition keys the request context of an action holds (pure data and one filter).

The Service Authorization Reference gives each S3 condition key the actions it is available for
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html, "Condition
keys for Amazon S3" and the actions table). A key a request carries but its action is not given is
absent from that action's context, so a condition on it is false (true for a negated operator):
s3:prefix in a ListMultipartUploads, s3:x-amz-copy-source in the GetObject a copy's source is read
with, s3:ExistingObjectTag in a DeleteObject. The global ``aws:`` keys and the keys of the
signature and connection (s3:authType, s3:signatureversion, s3:signatureAge, s3:TlsVersion,
s3:x-amz-content-sha256) are in every action's context and are not listed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["ACTIONS_OF_KEY", "EXISTING_TAG_ACTIONS", "for_action"]

_LISTINGS = frozenset({"s3:ListBucket", "s3:ListBucketVersions"})
_PUT = frozenset({"s3:PutObject", "s3:BypassGovernanceRetention"})
_ACL_WRITES = _PUT | {"s3:PutObjectAcl", "s3:PutObjectVersionAcl", "s3:PutBucketAcl", "s3:CreateBucket"}
_TAG_WRITES = _PUT | {"s3:PutObjectTagging", "s3:PutObjectVersionTagging"}

# The actions whose context holds s3:ExistingObjectTag/<key>: not PutObject, DeleteObject or the
# lock operations, for which a condition on the key sees it absent.
EXISTING_TAG_ACTIONS = frozenset(
    {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectAcl",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectAttributes",
        "s3:GetObjectVersionAttributes",
        "s3:GetObjectTagging",
        "s3:GetObjectVersionTagging",
        "s3:PutObjectAcl",
        "s3:PutObjectVersionAcl",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:DeleteObjectTagging",
        "s3:DeleteObjectVersionTagging",
    }
)

# key (lower case) -> the actions whose context has it; a tag key by its prefix.
ACTIONS_OF_KEY: Mapping[str, frozenset[str]] = {
    "s3:prefix": _LISTINGS,
    "s3:delimiter": _LISTINGS,
    "s3:max-keys": _LISTINGS,
    "s3:x-amz-copy-source": _PUT,
    "s3:x-amz-metadata-directive": _PUT,
    "s3:x-amz-server-side-encryption": _PUT,
    "s3:x-amz-server-side-encryption-aws-kms-key-id": _PUT,
    "s3:x-amz-server-side-encryption-customer-algorithm": _PUT,
    "s3:x-amz-website-redirect-location": _PUT,
    "s3:x-amz-storage-class": _PUT | {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
    "s3:x-amz-acl": _ACL_WRITES,
    "s3:x-amz-grant-read": _ACL_WRITES,
    "s3:x-amz-grant-write": _ACL_WRITES,
    "s3:x-amz-grant-read-acp": _ACL_WRITES,
    "s3:x-amz-grant-write-acp": _ACL_WRITES,
    "s3:x-amz-grant-full-control": _ACL_WRITES,
    "s3:if-match": frozenset({"s3:PutObject"}),
    "s3:if-none-match": frozenset({"s3:PutObject"}),
    "s3:objectcreationoperation": frozenset({"s3:PutObject"}),
    "s3:object-lock-mode": _PUT | {"s3:PutObjectRetention"},
    "s3:object-lock-retain-until-date": _PUT | {"s3:PutObjectRetention"},
    "s3:object-lock-remaining-retention-days": _PUT | {"s3:PutObjectRetention"},
    "s3:object-lock-legal-hold": _PUT | {"s3:PutObjectLegalHold"},
    "s3:requestobjecttagkeys": _TAG_WRITES,
    "s3:requestobjecttag/": _TAG_WRITES,
    "s3:existingobjecttag/": EXISTING_TAG_ACTIONS,
    "s3:versionid": frozenset(
        {
            "s3:GetObjectVersion",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionAttributes",
            "s3:GetObjectVersionTagging",
            "s3:GetObjectVersionTorrent",
            "s3:PutObjectVersionAcl",
            "s3:PutObjectVersionTagging",
            "s3:DeleteObjectVersion",
            "s3:DeleteObjectVersionTagging",
        }
    ),
}


def _actions(key: str) -> frozenset[str] | None:
    found = ACTIONS_OF_KEY.get(key)
    if found is None and "/" in key:
        found = ACTIONS_OF_KEY.get(key.split("/", 1)[0] + "/")
    return found


def for_action(values: Mapping[str, Sequence[str]], action: str) -> dict[str, Sequence[str]]:
    """``values`` without the keys ``action``'s request context does not hold."""
    out: dict[str, Sequence[str]] = {}
    for key, value in values.items():
        actions = _actions(key)
        if actions is None or action in actions:
            out[key] = value
    return out
