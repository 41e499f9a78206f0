"""Which handler serves a request: a table keyed by (method, scope, subresource).

``scope`` is ``service`` (no bucket), ``bucket`` or ``object``. The subresource is the first
query parameter found in :data:`SUBRESOURCES` (``?uploads``, ``?delete``, ``?location``...). A
known subresource without a handler is 501 NotImplemented; a method a scope does not take is 405.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from aiohttp import web

from cargobay.s3.errors import MethodNotAllowed, NotImplementedError_
from cargobay.s3.http import (
    acl,
    attributes,
    bucket_policy,
    bucket_tagging,
    buckets,
    cors,
    deletes,
    lifecycle,
    logging_config,
    multipart,
    object_lock,
    objects,
    ownership,
    post_object,
    service,
    tagging,
    unconfigured,
    versions,
)
from cargobay.s3.http.context import RequestContext

Handler = Callable[[RequestContext], Awaitable[web.StreamResponse]]
Scope = Literal["service", "bucket", "object"]

# Order matters only when a request carries several (``?uploadId&partNumber``: uploadId wins).
SUBRESOURCES = (
    "uploadId",
    "uploads",
    "delete",
    "location",
    "versions",
    "versioning",
    "acl",
    "cors",
    "tagging",
    "policy",
    "lifecycle",
    "website",
    "logging",
    "notification",
    "encryption",
    "replication",
    "ownershipControls",
    "publicAccessBlock",
    "object-lock",
    "legal-hold",
    "retention",
    "attributes",
    "restore",
    "select",
    "requestPayment",
    "accelerate",
    "analytics",
    "inventory",
    "metrics",
    "intelligent-tiering",
    "torrent",
    "policyStatus",
)

ROUTES: dict[tuple[str, Scope, str | None], Handler] = {
    ("GET", "service", None): service.list_buckets,
    ("PUT", "bucket", None): buckets.create_bucket,
    ("DELETE", "bucket", None): buckets.delete_bucket,
    ("HEAD", "bucket", None): buckets.head_bucket,
    ("GET", "bucket", None): buckets.list_objects,
    ("GET", "bucket", "location"): buckets.get_bucket_location,
    ("GET", "bucket", "versioning"): versions.get_bucket_versioning,
    ("PUT", "bucket", "versioning"): versions.put_bucket_versioning,
    ("PUT", "bucket", "object-lock"): object_lock.put_object_lock_configuration,
    ("GET", "bucket", "object-lock"): object_lock.get_object_lock_configuration,
    ("PUT", "object", "retention"): object_lock.put_object_retention,
    ("GET", "object", "retention"): object_lock.get_object_retention,
    ("PUT", "object", "legal-hold"): object_lock.put_object_legal_hold,
    ("GET", "object", "legal-hold"): object_lock.get_object_legal_hold,
    ("GET", "bucket", "acl"): acl.get_bucket_acl,
    ("POST", "bucket", "delete"): deletes.delete_objects,
    ("POST", "bucket", None): post_object.post_object,
    ("PUT", "bucket", "cors"): cors.put_bucket_cors,
    ("GET", "bucket", "cors"): cors.get_bucket_cors,
    ("DELETE", "bucket", "cors"): cors.delete_bucket_cors,
    ("PUT", "object", None): objects.put_object,
    ("GET", "object", None): objects.get_object,
    ("HEAD", "object", None): objects.head_object,
    ("DELETE", "object", None): deletes.delete_object,
    ("GET", "object", "acl"): acl.get_object_acl,
    ("PUT", "object", "acl"): acl.put_object_acl,
    ("GET", "object", "torrent"): objects.get_object_torrent,
    ("POST", "object", "uploads"): multipart.create_multipart_upload,
    ("PUT", "object", "uploadId"): multipart.upload_part,
    ("POST", "object", "uploadId"): multipart.complete_multipart_upload,
    ("DELETE", "object", "uploadId"): multipart.abort_multipart_upload,
    ("GET", "object", "uploadId"): multipart.list_parts,
    ("GET", "bucket", "uploads"): multipart.list_multipart_uploads,
    ("PUT", "object", "tagging"): tagging.put_object_tagging,
    ("GET", "object", "tagging"): tagging.get_object_tagging,
    ("DELETE", "object", "tagging"): tagging.delete_object_tagging,
    ("GET", "bucket", "versions"): versions.list_object_versions,
    ("PUT", "bucket", "acl"): acl.put_bucket_acl,
    ("PUT", "bucket", "policy"): bucket_policy.put_bucket_policy,
    ("GET", "bucket", "policy"): bucket_policy.get_bucket_policy,
    ("DELETE", "bucket", "policy"): bucket_policy.delete_bucket_policy,
    ("PUT", "bucket", "ownershipControls"): ownership.put_ownership_controls,
    ("GET", "bucket", "ownershipControls"): ownership.get_ownership_controls,
    ("DELETE", "bucket", "ownershipControls"): ownership.delete_ownership_controls,
    ("PUT", "bucket", "publicAccessBlock"): ownership.put_public_access_block,
    ("GET", "bucket", "publicAccessBlock"): ownership.get_public_access_block,
    ("DELETE", "bucket", "publicAccessBlock"): ownership.delete_public_access_block,
    ("GET", "bucket", "policyStatus"): ownership.get_policy_status,
    ("GET", "object", "attributes"): attributes.get_object_attributes,
    ("PUT", "bucket", "tagging"): bucket_tagging.put_bucket_tagging,
    ("GET", "bucket", "tagging"): bucket_tagging.get_bucket_tagging,
    ("DELETE", "bucket", "tagging"): bucket_tagging.delete_bucket_tagging,
    ("PUT", "bucket", "lifecycle"): lifecycle.put_bucket_lifecycle,
    ("GET", "bucket", "lifecycle"): lifecycle.get_bucket_lifecycle,
    ("DELETE", "bucket", "lifecycle"): lifecycle.delete_bucket_lifecycle,
    # Configurations cargobay does not keep: read as "none", deleted as a no-op, refused on PUT.
    ("GET", "bucket", "website"): unconfigured.get_bucket_website,
    ("PUT", "bucket", "website"): unconfigured.refused("website"),
    ("DELETE", "bucket", "website"): unconfigured.delete_nothing,
    ("GET", "bucket", "replication"): unconfigured.get_bucket_replication,
    ("PUT", "bucket", "replication"): unconfigured.refused("replication"),
    ("DELETE", "bucket", "replication"): unconfigured.delete_nothing,
    ("GET", "bucket", "logging"): logging_config.get_bucket_logging,
    ("PUT", "bucket", "logging"): logging_config.put_bucket_logging,
    ("GET", "bucket", "notification"): unconfigured.get_bucket_notification,
    ("PUT", "bucket", "notification"): unconfigured.put_bucket_notification,
    ("GET", "bucket", "requestPayment"): unconfigured.get_bucket_request_payment,
    ("PUT", "bucket", "requestPayment"): unconfigured.put_bucket_request_payment,
    ("GET", "bucket", "accelerate"): unconfigured.get_bucket_accelerate,
    ("PUT", "bucket", "accelerate"): unconfigured.put_bucket_accelerate,
    ("GET", "bucket", "encryption"): unconfigured.get_bucket_encryption,
    ("PUT", "bucket", "encryption"): unconfigured.put_bucket_encryption,
    ("DELETE", "bucket", "encryption"): unconfigured.delete_nothing,
    **{("GET", "bucket", sub): unconfigured.id_configuration(sub) for sub in unconfigured.ID_CONFIGURATIONS},
    **{("PUT", "bucket", sub): unconfigured.refused(sub) for sub in unconfigured.ID_CONFIGURATIONS},
    **{("DELETE", "bucket", sub): unconfigured.id_configuration(sub) for sub in unconfigured.ID_CONFIGURATIONS},
}

# The IAM action each route performs, for authorization (s3/access.py). None: decided elsewhere
# (CORS preflights carry no credentials; form POSTs authorize inside their handler).
ACTIONS: dict[tuple[str, Scope, str | None], str | None] = {
    ("GET", "service", None): "s3:ListAllMyBuckets",
    ("PUT", "bucket", None): "s3:CreateBucket",
    ("DELETE", "bucket", None): "s3:DeleteBucket",
    ("HEAD", "bucket", None): "s3:ListBucket",
    ("GET", "bucket", None): "s3:ListBucket",
    ("GET", "bucket", "location"): "s3:GetBucketLocation",
    ("GET", "bucket", "versioning"): "s3:GetBucketVersioning",
    ("PUT", "bucket", "versioning"): "s3:PutBucketVersioning",
    ("PUT", "bucket", "object-lock"): "s3:PutBucketObjectLockConfiguration",
    ("GET", "bucket", "object-lock"): "s3:GetBucketObjectLockConfiguration",
    ("PUT", "object", "retention"): "s3:PutObjectRetention",
    ("GET", "object", "retention"): "s3:GetObjectRetention",
    ("PUT", "object", "legal-hold"): "s3:PutObjectLegalHold",
    ("GET", "object", "legal-hold"): "s3:GetObjectLegalHold",
    ("GET", "bucket", "acl"): "s3:GetBucketAcl",
    ("PUT", "bucket", "acl"): "s3:PutBucketAcl",
    ("POST", "bucket", "delete"): "s3:DeleteObject",
    ("POST", "bucket", None): None,
    ("PUT", "bucket", "cors"): "s3:PutBucketCORS",
    ("GET", "bucket", "cors"): "s3:GetBucketCORS",
    ("DELETE", "bucket", "cors"): "s3:PutBucketCORS",
    ("PUT", "object", None): "s3:PutObject",
    ("GET", "object", None): "s3:GetObject",
    ("HEAD", "object", None): "s3:GetObject",
    ("DELETE", "object", None): "s3:DeleteObject",
    ("GET", "object", "acl"): "s3:GetObjectAcl",
    ("PUT", "object", "acl"): "s3:PutObjectAcl",
    ("GET", "object", "torrent"): "s3:GetObjectTorrent",
    ("POST", "object", "uploads"): "s3:PutObject",
    ("PUT", "object", "uploadId"): "s3:PutObject",
    ("POST", "object", "uploadId"): "s3:PutObject",
    ("DELETE", "object", "uploadId"): "s3:AbortMultipartUpload",
    ("GET", "object", "uploadId"): "s3:ListMultipartUploadParts",
    ("GET", "bucket", "uploads"): "s3:ListBucketMultipartUploads",
    ("PUT", "object", "tagging"): "s3:PutObjectTagging",
    ("GET", "object", "tagging"): "s3:GetObjectTagging",
    ("DELETE", "object", "tagging"): "s3:DeleteObjectTagging",
    ("GET", "bucket", "versions"): "s3:ListBucketVersions",
    ("PUT", "bucket", "policy"): "s3:PutBucketPolicy",
    ("GET", "bucket", "policy"): "s3:GetBucketPolicy",
    ("DELETE", "bucket", "policy"): "s3:DeleteBucketPolicy",
    ("PUT", "bucket", "ownershipControls"): "s3:PutBucketOwnershipControls",
    ("GET", "bucket", "ownershipControls"): "s3:GetBucketOwnershipControls",
    ("DELETE", "bucket", "ownershipControls"): "s3:PutBucketOwnershipControls",
    ("PUT", "bucket", "publicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("GET", "bucket", "publicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("DELETE", "bucket", "publicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("GET", "bucket", "policyStatus"): "s3:GetBucketPolicyStatus",
    ("GET", "object", "attributes"): "s3:GetObjectAttributes",
    ("PUT", "bucket", "tagging"): "s3:PutBucketTagging",
    ("GET", "bucket", "tagging"): "s3:GetBucketTagging",
    ("DELETE", "bucket", "tagging"): "s3:PutBucketTagging",
    ("PUT", "bucket", "lifecycle"): "s3:PutLifecycleConfiguration",
    ("GET", "bucket", "lifecycle"): "s3:GetLifecycleConfiguration",
    ("DELETE", "bucket", "lifecycle"): "s3:PutLifecycleConfiguration",
    ("GET", "bucket", "website"): "s3:GetBucketWebsite",
    ("PUT", "bucket", "website"): "s3:PutBucketWebsite",
    ("DELETE", "bucket", "website"): "s3:DeleteBucketWebsite",
    ("GET", "bucket", "replication"): "s3:GetReplicationConfiguration",
    ("PUT", "bucket", "replication"): "s3:PutReplicationConfiguration",
    ("DELETE", "bucket", "replication"): "s3:PutReplicationConfiguration",
    ("GET", "bucket", "logging"): "s3:GetBucketLogging",
    ("PUT", "bucket", "logging"): "s3:PutBucketLogging",
    ("GET", "bucket", "notification"): "s3:GetBucketNotification",
    ("PUT", "bucket", "notification"): "s3:PutBucketNotification",
    ("GET", "bucket", "requestPayment"): "s3:GetBucketRequestPayment",
    ("PUT", "bucket", "requestPayment"): "s3:PutBucketRequestPayment",
    ("GET", "bucket", "accelerate"): "s3:GetAccelerateConfiguration",
    ("PUT", "bucket", "accelerate"): "s3:PutAccelerateConfiguration",
    ("GET", "bucket", "encryption"): "s3:GetEncryptionConfiguration",
    ("PUT", "bucket", "encryption"): "s3:PutEncryptionConfiguration",
    ("DELETE", "bucket", "encryption"): "s3:PutEncryptionConfiguration",
    # The id-based configurations: List and Get need s3:Get<X>Configuration, Put and Delete
    # s3:Put<X>Configuration (API_DeleteBucketMetricsConfiguration.html and its siblings).
    **{
        (method, "bucket", sub): f"s3:{verb}{name}Configuration"
        for sub, name in (
            ("analytics", "Analytics"),
            ("inventory", "Inventory"),
            ("metrics", "Metrics"),
            ("intelligent-tiering", "IntelligentTiering"),
        )
        for method, verb in (("GET", "Get"), ("PUT", "Put"), ("DELETE", "Put"))
    },
}


def scope_of(ctx: RequestContext) -> Scope:
    if ctx.bucket is None:
        return "service"
    return "bucket" if ctx.key is None else "object"


def subresource_of(query: dict[str, str]) -> str | None:
    if not query:
        return None  # most object requests (asked four times per request: route, gate, extras, log)
    for name in SUBRESOURCES:
        if name in query:
            return name
    return None


# A request naming a version needs the version's own action (API_GetObject.html: "you must have the
# s3:GetObjectVersion permission to access a specific version ... The s3:GetObject permission is not
# required"; API_DeleteObject.html: s3:DeleteObjectVersion; the ACL, tagging and attributes APIs alike).
VERSION_ACTIONS: dict[str, str] = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
    "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
    "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}

# Routes whose handler authorizes each object it touches (DeleteObjects: API_DeleteObjects.html reports
# a key the caller may not delete as its own AccessDenied <Error>), so the gate before the handler
# does not decide for the whole request.
AUTHORIZED_PER_KEY = frozenset({("POST", "bucket", "delete")})
# Routes on one multipart upload that its initiator may use whoever they are (mpuoverview.html,
# "Multipart upload API and permissions"): their handler authorizes once it has found the upload.
AUTHORIZED_BY_UPLOAD = frozenset({("DELETE", "object", "uploadId"), ("GET", "object", "uploadId")})
# Routes whose document carries condition values (s3:object-lock-mode and -retain-until-date of a
# PutObjectRetention, s3:object-lock-legal-hold of a PutObjectLegalHold, s3:RequestObjectTag/<key> and
# s3:RequestObjectTagKeys of a PutObjectTagging: amazon-s3-policy-keys.html), so their handler
# authorizes once it has read it.
AUTHORIZED_WITH_DOCUMENT = frozenset(
    {("PUT", "object", "retention"), ("PUT", "object", "legal-hold"), ("PUT", "object", "tagging")}
)


# Writes whose headers can also set an ACL or tags, and the action each of those needs
# (API_PutObject.html, Permissions: s3:PutObjectAcl, s3:PutObjectTagging).
WRITES = frozenset({("PUT", "object", None), ("POST", "object", "uploads")})
# Requests that write an object's bytes (PutObject, CopyObject, UploadPart(Copy), Create- and
# CompleteMultipartUpload): what SSE-C would encrypt (guarantees.py).
DATA_WRITES = frozenset(
    {
        ("PUT", "object", None),
        ("POST", "object", "uploads"),
        ("PUT", "object", "uploadId"),
        ("POST", "object", "uploadId"),
    }
)


def writes_object_data(ctx: RequestContext) -> bool:
    return (ctx.method, scope_of(ctx), subresource_of(ctx.query)) in DATA_WRITES


# GetObject and HeadObject, where an encryption request header is refused (API_GetObject.html).
DATA_READS = frozenset({("GET", "object", None), ("HEAD", "object", None)})


def reads_object_data(ctx: RequestContext) -> bool:
    return (ctx.method, scope_of(ctx), subresource_of(ctx.query)) in DATA_READS


# The answers that name an object's server-side encryption (x-amz-server-side-encryption in the
# responses of API_PutObject.html, API_CopyObject.html, API_CreateMultipartUpload.html,
# API_UploadPart.html, API_UploadPartCopy.html, API_CompleteMultipartUpload.html, API_GetObject.html,
# API_HeadObject.html and RESTObjectPOST.html): the data writes and reads.
ENCRYPTION_REPORTED = DATA_WRITES | {("GET", "object", None), ("HEAD", "object", None), ("POST", "bucket", None)}


def reports_encryption(ctx: RequestContext) -> bool:
    return (ctx.method, scope_of(ctx), subresource_of(ctx.query)) in ENCRYPTION_REPORTED


ACL_HEADERS = (
    "x-amz-acl",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
)


def write_extras(ctx: RequestContext) -> tuple[str, ...]:
    """The actions a write needs besides s3:PutObject for what its headers set on the new object:
    s3:PutObjectAcl for an ACL, s3:PutObjectTagging for tags (a copy sets tags only with
    x-amz-tagging-directive REPLACE), s3:PutObjectRetention for a retention and s3:PutObjectLegalHold
    for a legal hold (userguide/object-lock-overview.html: a Deny of retention settings "rejects any
    request to put an object that includes a retention mode and setting")."""
    if (ctx.method, scope_of(ctx), subresource_of(ctx.query)) not in WRITES:
        return ()
    headers = ctx.headers
    extras: list[str] = []
    if any(name in headers for name in ACL_HEADERS):
        extras.append("s3:PutObjectAcl")
    copy = ctx.method == "PUT" and "x-amz-copy-source" in headers
    if "x-amz-tagging" in headers and (not copy or headers.get("x-amz-tagging-directive", "").upper() == "REPLACE"):
        extras.append("s3:PutObjectTagging")
    if "x-amz-object-lock-mode" in headers or "x-amz-object-lock-retain-until-date" in headers:
        extras.append("s3:PutObjectRetention")
    if "x-amz-object-lock-legal-hold" in headers:
        extras.append("s3:PutObjectLegalHold")
    return tuple(extras)


def action_of(ctx: RequestContext) -> str | None:
    """The IAM action of a routed request (owner-only "s3:*" for a route missing from the table)."""
    if ctx.method == "OPTIONS":
        return None  # every preflight, whatever its parameters (see resolve)
    key = (ctx.method, scope_of(ctx), subresource_of(ctx.query))
    action = ACTIONS.get(key, "s3:*")
    if action is not None and "versionId" in ctx.query and key[1] == "object":
        return VERSION_ACTIONS.get(action, action)
    return action


def gate_action_of(ctx: RequestContext) -> str | None:
    """The action checked before the handler runs: :func:`action_of`, or None where the handler
    authorizes per object or once it has read the request's document."""
    route = (ctx.method, scope_of(ctx), subresource_of(ctx.query))
    if route in AUTHORIZED_PER_KEY or route in AUTHORIZED_WITH_DOCUMENT or route in AUTHORIZED_BY_UPLOAD:
        return None
    return action_of(ctx)


def resolve(ctx: RequestContext) -> Handler:
    if ctx.method == "OPTIONS":
        # A preflight goes to the actual request's URL, parameters and all (RESTOPTIONSobject.html:
        # it "may contain any request parameters that are required by the actual request"):
        # ``?uploads``, ``?uploadId``, ``?delete``... are the request previewed, not a subresource.
        return cors.preflight
    scope = scope_of(ctx)
    sub = subresource_of(ctx.query)
    handler = ROUTES.get((ctx.method, scope, sub))
    if handler is not None:
        return handler
    if sub is not None and any(key[1] == scope and key[2] == sub for key in ROUTES):
        raise MethodNotAllowed(Method=ctx.method, ResourceType=scope.upper())
    if sub is not None:
        raise NotImplementedError_(f"The {sub} subresource is not implemented by cargobay.")
    raise MethodNotAllowed(Method=ctx.method, ResourceType=scope.upper())
