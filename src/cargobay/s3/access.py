"""Who may do what (pure): the one access decision every handler uses.

The decision rule, in order (AWS's evaluation logic, reduced to what this server stores):

1. An explicit ``Deny`` in the bucket policy that matches (principal, action, resource and its
   conditions) denies — the bucket owner included, except for the policy operations themselves
   (:data:`POLICY_ACTIONS`): "To ensure that bucket owners don't inadvertently lock themselves out
   of their own buckets", the owner's account may always get, put and delete the policy
   (API_PutBucketPolicy.html, API_GetBucketPolicy.html, API_DeleteBucketPolicy.html).
2. An action on an existing object another account owns while ACLs are enabled (a *foreign*
   object) is decided by :func:`_on_foreign_object`: the object's owner grants, the bucket's
   policy grants nothing on it and its owner keeps only deleting (access-control-overview.html,
   bucket and object ownership: the bucket owner "does not have permissions on the objects that
   other accounts own" beyond denying, deleting and archiving; about-object-ownership.html:
   "Objects owned by other accounts use ACLs for permissions, so you can't use policies to grant
   permissions to these objects"; access-control-auth-workflow-object-operation.html).
3. The bucket's owner may do everything else on the bucket and its objects.
4. A matching ``Allow`` in the policy allows — unless the public access block's
   RestrictPublicBuckets is on and the policy is public: then the policy grants nothing.
5. The initiator of a multipart upload may stop it and list its parts (mpuoverview.html).
6. ACLs, unless Object Ownership is BucketOwnerEnforced (ACLs disabled): for object actions the
   object's owner may read and change its ACL, and the object's ACL grants READ (GetObject),
   READ_ACP (GetObjectAcl) and WRITE_ACP (PutObjectAcl); for bucket actions the bucket's ACL
   grants READ (list objects, versions and uploads), WRITE (put and delete objects; delete versions
   only of the caller's own), READ_ACP and WRITE_ACP. IgnorePublicAcls makes grants to
   AllUsers/AuthenticatedUsers count for nothing.
7. Otherwise: AccessDenied.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-overview.html#about-resource-owner,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cargobay.s3 import acl as acls
from cargobay.s3 import policy as policies
from cargobay.s3.identity import ANONYMOUS

OWNERSHIP_SETTINGS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")

# The ACL permission each action needs, on the bucket's ACL or on the object's.
BUCKET_PERMISSION = {
    "s3:ListBucket": "READ",
    "s3:ListBucketVersions": "READ",
    "s3:ListBucketMultipartUploads": "READ",
    "s3:PutObject": "WRITE",
    "s3:DeleteObject": "WRITE",
    "s3:DeleteObjectVersion": "WRITE",
    "s3:GetBucketAcl": "READ_ACP",
    "s3:PutBucketAcl": "WRITE_ACP",
}
OBJECT_PERMISSION = {
    "s3:GetObject": "READ",
    "s3:GetObjectVersion": "READ",
    "s3:GetObjectAttributes": "READ",
    "s3:GetObjectAcl": "READ_ACP",
    "s3:PutObjectAcl": "WRITE_ACP",
    "s3:GetObjectVersionAcl": "READ_ACP",
    "s3:PutObjectVersionAcl": "WRITE_ACP",
    "s3:GetObjectVersionAttributes": "READ",
}
# The bucket policy operations, which a Deny cannot refuse the bucket owner (rule 1) and which
# another account, even allowed, is answered 405 MethodNotAllowed (the handlers' part).
POLICY_ACTIONS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})
DELETE_ACTIONS = frozenset({"s3:DeleteObject", "s3:DeleteObjectVersion"})
# What the bucket's WRITE grants on an object that exists only to that object's owner: deleting one
# of its versions (acl-overview.html, mapping: WRITE allows s3:DeleteObjectVersion "when the grantee
# is the bucket owner"). Replacing or deleting the current object stays WRITE's, whoever owns it:
# AWS's pages disagree there (acl-overview.html: "WRITE permissions do not allow non-owners to
# overwrite or delete existing objects"; the S3 Control API's x-amz-grant-write: "Allows grantee to
# create, overwrite, and delete any object in the bucket"), and S3-compatible servers and their test
# suites keep the second reading, which this server kept before; the conformance suite accepts both.
OWN_VERSION_ACTIONS = frozenset({"s3:DeleteObjectVersion"})
# The multipart actions no ACL permission maps to (acl-overview.html, mapping): by default the bucket
# owner's and the upload's initiator's (mpuoverview.html, "Multipart upload API and permissions").
UPLOAD_ACTIONS = frozenset({"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"})
# Every action on an object that exists: when another account owns it, that owner's to grant (step
# 2 of the rule). Writes and uploads (s3:PutObject, s3:AbortMultipartUpload) make objects and are
# the bucket's.
OBJECT_ACTIONS = frozenset(
    {
        *OBJECT_PERMISSION,
        *DELETE_ACTIONS,
        "s3:GetObjectTagging",
        "s3:PutObjectTagging",
        "s3:DeleteObjectTagging",
        "s3:GetObjectVersionTagging",
        "s3:PutObjectVersionTagging",
        "s3:DeleteObjectVersionTagging",
        "s3:GetObjectRetention",
        "s3:PutObjectRetention",
        "s3:GetObjectLegalHold",
        "s3:PutObjectLegalHold",
        "s3:BypassGovernanceRetention",
        "s3:GetObjectTorrent",
        "s3:RestoreObject",
    }
)


@dataclass(frozen=True)
class Principal:
    """The caller: access key, user name and canonical id; access key and user None when unsigned (the
    anonymous user, whose canonical id is still its own: grants may name it)."""

    access_key: str | None
    user: str | None
    canonical_id: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.access_key is None

    @property
    def names(self) -> tuple[str, ...]:
        """What a policy Principal may call this caller by."""
        return tuple(n for n in (self.user, self.access_key, self.canonical_id) if n is not None)


@dataclass(frozen=True)
class PublicAccessBlock:
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


@dataclass(frozen=True)
class BucketSettings:
    """Everything the decision reads about a bucket."""

    owner: str | None  # user name
    owner_id: str
    acl: acls.Acl
    ownership: str | None = None  # None: no ownership controls (ACLs enabled, ObjectWriter behaviour)
    block: PublicAccessBlock = PublicAccessBlock()
    policy: tuple[policies.Statement, ...] = ()
    policy_text: str | None = None
    policy_public: bool = False
    needs_object_tags: bool = field(default=False)
    # An object here was written owned by another account: the owner's reads then need its ACL.
    foreign_objects: bool = False

    @property
    def acls_enabled(self) -> bool:
        return self.ownership != "BucketOwnerEnforced"


@dataclass(frozen=True)
class ObjectAcl:
    owner_id: str
    acl: acls.Acl


# What an object's owner may always do with its ACL, whatever the ACL says (acl-overview.html).
_OWNER_ACP = frozenset({"s3:GetObjectAcl", "s3:PutObjectAcl", "s3:GetObjectVersionAcl", "s3:PutObjectVersionAcl"})


def resource_arn(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def is_allowed(
    principal: Principal,
    action: str,
    *,
    bucket: str,
    key: str | None,
    settings: BucketSettings,
    obj: ObjectAcl | None = None,
    context: policies.Context | None = None,
    initiator: bool = False,
) -> bool:
    """Apply the decision rule in the module docstring. ``obj``: the object (version) the action is
    on, when it exists and the decision may depend on it; ``initiator``: the caller started the
    multipart upload an action of :data:`UPLOAD_ACTIONS` is on."""
    resource = resource_arn(bucket, key)
    ctx = context or {}
    names = principal.names
    bucket_owner = settings.owner is not None and principal.user == settings.owner
    if bucket_owner and action in POLICY_ACTIONS:
        return True
    if _denied(principal, action, resource, settings, ctx):
        return False
    if obj is not None and action in OBJECT_ACTIONS and owned_by_another(obj.owner_id, settings):
        return _on_foreign_object(principal, action, resource, settings, obj, bucket_owner=bucket_owner, context=ctx)
    if bucket_owner or (settings.policy and _policy_allows(names, action, resource, settings, ctx)):
        return True
    if initiator and action in UPLOAD_ACTIONS:
        return True
    if not settings.acls_enabled:
        return False
    if obj is not None and action in OBJECT_PERMISSION:
        return _object_acl_allows(principal, action, settings, obj)
    if obj is not None and action in OWN_VERSION_ACTIONS and not owns(principal, obj):
        return False
    return _bucket_acl_allows(principal, action, settings)


def owns(principal: Principal, obj: ObjectAcl) -> bool:
    """Whether the caller owns the object: its account's canonical id, or for an unsigned caller the
    anonymous user's, which an unsigned write leaves as owner (access-control-overview.html)."""
    return principal.canonical_id is not None and principal.canonical_id == obj.owner_id


def acl_may_delete_version(principal: Principal, action: str, settings: BucketSettings) -> bool:
    """Whether the bucket's ACL grants the caller ``action`` of :data:`OWN_VERSION_ACTIONS` on some
    version: then whose that version is decides (:func:`is_allowed`)."""
    return action in OWN_VERSION_ACTIONS and _bucket_acl_allows(principal, action, settings)


def _policy_allows(
    names: tuple[str, ...], action: str, resource: str, settings: BucketSettings, context: policies.Context
) -> bool:
    """Whether a policy statement allows the caller called ``names``; the policy grants nothing when
    it is public and RestrictPublicBuckets is on."""
    if settings.block.restrict_public_buckets and settings.policy_public:
        return False
    return any(s.effect == "Allow" and s.matches(names, action, resource, context) for s in settings.policy)


def _on_foreign_object(
    principal: Principal,
    action: str,
    resource: str,
    settings: BucketSettings,
    obj: ObjectAcl,
    *,
    bucket_owner: bool,
    context: policies.Context,
) -> bool:
    """Step 2 of the rule, for an existing object another account owns (ACLs enabled; a policy
    Deny has already refused). Permission comes from the object's owner ("The requester must have
    permissions from the object owner", access-control-auth-workflow-object-operation.html), so:

    - a delete is the bucket owner's own right, whoever owns the object; the object's owner deletes
      by the bucket's grants (policy or WRITE); anyone else by the bucket's ACL WRITE, and a version
      not even so (:data:`OWN_VERSION_ACTIONS`) — the policy's grants "don't apply to objects that are
      owned by other AWS accounts" (bucket-policies.html);
    - reads and ACL operations: the object's ACL decides (its owner may always read and change it);
    - anything else (tagging, retention, legal hold, ...) no ACL can grant: the object's owner
      only."""
    owner = owns(principal, obj)
    if action in DELETE_ACTIONS:
        if bucket_owner or (action not in OWN_VERSION_ACTIONS and _bucket_acl_allows(principal, action, settings)):
            return True
        return owner and (
            _bucket_acl_allows(principal, action, settings)
            or _policy_allows(principal.names, action, resource, settings, context)
        )
    if action in OBJECT_PERMISSION:
        return _object_acl_allows(principal, action, settings, obj)
    return owner


def _object_acl_allows(principal: Principal, action: str, settings: BucketSettings, obj: ObjectAcl) -> bool:
    if owns(principal, obj) and action in _OWNER_ACP:
        return True
    return acls.permits(
        obj.acl,
        OBJECT_PERMISSION[action],
        canonical_id=principal.canonical_id,
        authenticated=not principal.anonymous,
        ignore_public=settings.block.ignore_public_acls,
    )


def _bucket_acl_allows(principal: Principal, action: str, settings: BucketSettings) -> bool:
    permission = BUCKET_PERMISSION.get(action)
    if permission is None or not settings.acls_enabled:
        return False
    return acls.permits(
        settings.acl,
        permission,
        canonical_id=principal.canonical_id,
        authenticated=not principal.anonymous,
        ignore_public=settings.block.ignore_public_acls,
    )


def _denied(
    principal: Principal, action: str, resource: str, settings: BucketSettings, context: policies.Context
) -> bool:
    """Rule 1: an explicit Deny of the policy matches."""
    names = principal.names
    return any(s.effect == "Deny" and s.matches(names, action, resource, context) for s in settings.policy)


def may_learn_missing(
    principal: Principal,
    action: str,
    *,
    bucket: str,
    key: str,
    settings: BucketSettings,
    context: policies.Context | None = None,
) -> bool:
    """Whether a GetObject/HeadObject of ``key``, which does not exist, goes on to its 404: for a
    missing object "If you have the s3:ListBucket permission on the bucket, Amazon S3 returns an
    HTTP status code 404 Not Found error" (API_GetObject.html, API_HeadObject.html), e.g. anyone
    on a public-read bucket. A policy that explicitly denies the read still refuses."""
    if action != "s3:GetObject" or _denied(principal, action, resource_arn(bucket, key), settings, context or {}):
        return False
    return is_allowed(principal, "s3:ListBucket", bucket=bucket, key=None, settings=settings, context=context)


def owned_by_another(owner_id: str, settings: BucketSettings) -> bool:
    """Whether an object owned by ``owner_id`` belongs to an account other than the bucket
    owner's while ACLs are enabled. Then the bucket owner has no permission on it beyond deny,
    delete and archive (userguide/access-management.html, Identities), and the bucket's policy
    grants nothing on it: "These permissions don't apply to objects that are owned by other AWS
    accounts" (userguide/bucket-policies.html); its owner and its object ACL decide
    (:func:`_on_foreign_object`; a policy Deny still refuses). An object written anonymously
    (into a bucket whose ACL grants AllUsers WRITE) is not counted: the pages speak of accounts,
    and the anonymous writer is none."""
    return settings.acls_enabled and owner_id not in (settings.owner_id, ANONYMOUS.canonical_id)


def writer_may(
    principal: Principal,
    action: str,
    *,
    bucket: str,
    key: str,
    settings: BucketSettings,
    context: policies.Context | None = None,
) -> bool:
    """Whether a write may also do ``action`` (s3:PutObjectAcl for ACL headers, s3:PutObjectTagging
    for tags: API_PutObject.html, Permissions) to the object it creates. The policy decides as in
    :func:`is_allowed`; without a policy grant, a caller the bucket's ACL lets write may still set
    them, since under ACLs the writer owns what it writes (acl-overview.html) — so a grantee of a
    public-read-write bucket can write with ``bucket-owner-full-control``."""
    if is_allowed(principal, action, bucket=bucket, key=key, settings=settings, context=context):
        return True
    resource = resource_arn(bucket, key)
    ctx = context or {}
    if any(s.effect == "Deny" and s.matches(principal.names, action, resource, ctx) for s in settings.policy):
        return False
    return settings.acls_enabled and acls.permits(
        settings.acl,
        BUCKET_PERMISSION["s3:PutObject"],
        canonical_id=principal.canonical_id,
        authenticated=not principal.anonymous,
        ignore_public=settings.block.ignore_public_acls,
    )
