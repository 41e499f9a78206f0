"""Authorization of each request: principal + action + bucket (and object) settings → allowed, or
AccessDenied.

The decision itself is pure (:mod:`cargobay.s3.access`); this module gathers its inputs: who the
caller is (from authentication), which action the route performs (the table in routing.py), the
bucket's owner, ACL, ownership controls, public access block and policy (from the buckets'
``config`` JSON, cached per bucket until changed), the object's owner and ACL (from its ``meta``,
read only when the decision can depend on them: see :func:`_permits_in`), and the policy
condition values of the request. It also decides the ACL and owner a new object gets, and checks
``x-amz-expected-bucket-owner``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from cargobay.s3 import access, object_lock, policy_keys
from cargobay.s3 import acl as acls
from cargobay.s3 import policy as policies
from cargobay.s3.errors import (
    AccessControlListNotSupported,
    AccessDenied,
    InvalidRequest,
    NoSuchKey,
    S3Error,
)
from cargobay.s3.http import request_keys
from cargobay.s3.http.context import RequestContext, ServeConfig, Services
from cargobay.s3.identity import ANONYMOUS, Identity, current_id
from cargobay.s3.store import ObjectInfo


def principal_of(ctx: RequestContext) -> access.Principal:
    """The caller, built once per access key and server (a Principal is frozen: one serves every
    request with that key; building it each time was ~1.5% of a 4 KiB HEAD)."""
    known = ctx.services.principals
    found = known.get(ctx.access_key)
    if found is None:
        found = known[ctx.access_key] = _principal(ctx.services.config, ctx.access_key)
    return found


def _principal(config: ServeConfig, access_key: str | None) -> access.Principal:
    if access_key is None:
        if not config.auth:
            ident = config.identity(None)
            return access.Principal(None, ident.name, ident.canonical_id)
        # The anonymous user: its canonical id is what grants to it and objects it wrote name.
        return access.Principal(None, None, ANONYMOUS.canonical_id)
    user = config.user_of(access_key)
    return access.Principal(access_key, user, config.directory.by_name(user).canonical_id)


def caller_identity(ctx: RequestContext) -> Identity:
    config = ctx.services.config
    if ctx.access_key is None:
        return config.identity(None) if not config.auth else ANONYMOUS
    return config.directory.by_name(config.user_of(ctx.access_key))


def stored_acl(raw: Any, owner_id: str) -> acls.Acl:
    """An ACL as kept in a bucket's config: grant triples, or (older data) a canned name."""
    if isinstance(raw, str):
        try:
            return acls.canned(raw, owner_id)
        except S3Error:
            return acls.owner_only(owner_id)
    decoded = acls.decode(raw)
    return decoded if decoded is not None else acls.owner_only(owner_id)


def bucket_settings(services: Services, bucket: str) -> access.BucketSettings:
    """Owner, ACL, ownership, public access block and policy of a bucket (blocking: call on the
    I/O pool)."""
    cache: dict[str, access.BucketSettings] = services.cache.setdefault("access", {})
    found = cache.get(bucket)
    if found is None:
        store = services.store
        owner = store.bucket_owner(bucket) or services.config.default_owner
        owner_id = services.config.identity(owner).canonical_id
        text: Any = store.bucket_setting(bucket, "policy")
        statements = policies.parse(text, bucket=bucket, stored=True) if text else ()
        block_raw: Any = store.bucket_setting(bucket, "public_access_block") or {}
        block = access.PublicAccessBlock(
            **{k: bool(v) for k, v in block_raw.items() if k in access.PublicAccessBlock.__dataclass_fields__}
        )
        ownership: Any = store.bucket_setting(bucket, "ownership")
        found = access.BucketSettings(
            owner=owner,
            owner_id=owner_id,
            acl=stored_acl(store.bucket_setting(bucket, "acl"), owner_id),
            ownership=ownership if isinstance(ownership, str) else None,
            block=block,
            policy=statements,
            policy_text=text,
            policy_public=policies.is_public(statements),
            needs_object_tags=any(s.needs_object_tags for s in statements),
            foreign_objects=bool(store.bucket_setting(bucket, FOREIGN_OBJECTS)),
        )
        cache[bucket] = found
    return found


def cached_settings(services: Services, bucket: str) -> access.BucketSettings | None:
    """The settings :func:`bucket_settings` read for ``bucket`` and has not forgotten, if any."""
    found: access.BucketSettings | None = services.cache.get("access", {}).get(bucket)
    return found


async def settings_of(services: Services, bucket: str) -> access.BucketSettings:
    """:func:`bucket_settings` without a thread hop when they are cached (every request after the
    first to a bucket): a PUT then makes one hop in all, the one that writes it."""
    cached = cached_settings(services, bucket)
    return cached if cached is not None else await services.run(bucket_settings, services, bucket)


def forget(services: Services, bucket: str) -> None:
    services.cache.setdefault("access", {}).pop(bucket, None)


def object_acl_of(info: ObjectInfo, settings: access.BucketSettings) -> access.ObjectAcl:
    """An object's owner and ACL from its meta (older objects: the bucket owner, private)."""
    owner_id = current_id(info.meta.owner) if info.meta.owner else settings.owner_id
    grants = acls.decode(list(info.meta.acl)) if info.meta.acl is not None else None
    if grants is not None and owner_id == ANONYMOUS.canonical_id:  # written with the anonymous user's old id
        grants = tuple(acls.Grant(g.kind, current_id(g.who), g.permission) for g in grants)
    return access.ObjectAcl(owner_id, grants if grants is not None else acls.owner_only(owner_id))


_HEADER_KEYS = (
    "x-amz-acl",
    "x-amz-copy-source",
    "x-amz-metadata-directive",
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
    "x-amz-content-sha256",
)


# The Object Lock condition keys of a write (amazon-s3-policy-keys.html), from its headers.
_LOCK_KEYS = (
    ("x-amz-object-lock-mode", "s3:object-lock-mode"),
    ("x-amz-object-lock-retain-until-date", "s3:object-lock-retain-until-date"),
    ("x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold"),
)

# s3:authType and s3:signatureversion of each way a request authenticates
# (bucket-policy-s3-sigv4-conditions.html), from what authentication decided.
_AUTH_KEYS: dict[str, tuple[str, str]] = {
    "sigv4-header": ("REST-HEADER", "AWS4-HMAC-SHA256"),
    "sigv4-query": ("REST-QUERY-STRING", "AWS4-HMAC-SHA256"),
    "sigv2-header": ("REST-HEADER", "AWS"),
    "sigv2-query": ("REST-QUERY-STRING", "AWS"),
}


def _context(ctx: RequestContext, info: ObjectInfo | None) -> dict[str, Sequence[str]]:
    """Condition values of this request (s3/policy.py lists the keys)."""
    values: dict[str, Sequence[str]] = {}
    peer = ctx.request.remote
    if peer:
        values["aws:sourceip"] = (peer,)
    values["aws:securetransport"] = ("true" if ctx.request.secure else "false",)
    now = time.time()
    values["aws:currenttime"] = (datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),)
    values["aws:epochtime"] = (str(int(now)),)
    if ctx.access_key is not None:
        user = ctx.services.config.user_of(ctx.access_key)
        values["aws:username"] = (user,)
        values["aws:userid"] = (ctx.access_key,)
    for header, key in (("user-agent", "aws:useragent"), ("referer", "aws:referer")):
        if header in ctx.headers:
            values[key] = (ctx.headers[header],)
    for header in _HEADER_KEYS:
        if header in ctx.headers:
            values[f"s3:{header}"] = (ctx.headers[header],)
    method = ctx.auth.method if ctx.auth is not None else None
    if method in _AUTH_KEYS:
        auth_type, signature_version = _AUTH_KEYS[method]
        values["s3:authtype"], values["s3:signatureversion"] = (auth_type,), (signature_version,)
    elif ctx.access_key is not None and ctx.method == "POST" and ctx.key is None:
        values["s3:authtype"] = ("POST",)  # a browser form, signed in its fields
    if "x-amz-tagging" in ctx.headers:
        values.update(request_tag_values(parse_qsl(ctx.headers["x-amz-tagging"], keep_blank_values=True)))
    for header, key in _LOCK_KEYS:
        if header in ctx.headers:
            values[key] = (ctx.headers[header],)
    values.update(object_lock.remaining_days_value(ctx.headers.get(object_lock.HEADER_RETAIN_UNTIL), now=now))
    if ctx.key is None:
        for param in ("prefix", "delimiter", "max-keys"):
            if param in ctx.query:
                values[f"s3:{param}"] = (ctx.query[param],)
    elif "versionId" in ctx.query:
        values["s3:versionid"] = (ctx.query["versionId"],)
    if info is not None:
        for tag, value in info.meta.tags.items():
            values[f"s3:existingobjecttag/{tag.lower()}"] = (value,)
    values.update(request_keys.request_values(ctx, now))
    return values


def request_tag_values(tags: Sequence[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys of the tags a request sends (in
    x-amz-tagging, or in a PutObjectTagging document)."""
    values: dict[str, tuple[str, ...]] = {f"s3:requestobjecttag/{tag.lower()}": (value,) for tag, value in tags}
    values["s3:requestobjecttagkeys"] = tuple(tag for tag, _ in tags)
    return values


def form_values(fields: Mapping[str, str], tags: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The condition values of a browser form (POST Object), whose fields stand for the headers of a
    PutObject (``acl`` for x-amz-acl, RESTObjectPOST.html) and whose ``tagging`` gives its tags."""
    # A form creates the object as a PutObject does (conditional-writes-enforce.html's key).
    values: dict[str, tuple[str, ...]] = {"s3:objectcreationoperation": ("true",)}
    for field, header in (("acl", "x-amz-acl"), *((h, h) for h in _HEADER_KEYS)):
        if field in fields:
            values[f"s3:{header}"] = (fields[field],)
    for header, key in _LOCK_KEYS:
        if header in fields:
            values[key] = (fields[header],)
    values.update(object_lock.remaining_days_value(fields.get(object_lock.HEADER_RETAIN_UNTIL), now=time.time()))
    if tags:
        values.update(request_tag_values(list(tags.items())))
    return values


# (bucket, key) of what a request acts on, when not its own bucket and key (a copy's source).
Target = tuple[str, str | None] | None


def check_expected_owner(ctx: RequestContext, settings: access.BucketSettings, *, header: str) -> None:
    expected = ctx.headers.get(header)
    if expected is not None and expected not in (settings.owner_id, settings.owner):
        raise AccessDenied()


async def authorize(
    ctx: RequestContext,
    action: str | None,
    *,
    target: Target = None,
    version: str | None = None,
    document: policies.Context | None = None,
    initiator: bool = False,
) -> None:
    """Raise AccessDenied unless the caller may perform ``action`` (on ``target`` = (bucket, key)
    and its ``version``, default the request's own), with the condition values its ``document``
    carries. With authentication off, everyone may do everything (but
    ``x-amz-expected-bucket-owner`` is still checked)."""
    if not await permits(ctx, action, target=target, version=version, document=document, initiator=initiator):
        raise AccessDenied()


async def permits(
    ctx: RequestContext,
    action: str | None,
    *,
    target: Target = None,
    version: str | None = None,
    document: policies.Context | None = None,
    initiator: bool = False,
) -> bool:
    """Whether the caller may perform ``action`` (see :func:`authorize`; ``initiator``: the caller
    started the multipart upload the action is on); a wrong ``x-amz-expected-bucket-owner`` still
    raises AccessDenied."""
    services = ctx.services
    if action is None:
        return True
    principal = principal_of(ctx)
    if target is None:
        bucket, key, version = ctx.bucket, ctx.key, ctx.query.get("versionId")
    else:
        bucket, key = target
        if version:  # a version named elsewhere than the query (a copy's source): its s3:VersionId
            document = {**(document or {}), "s3:versionid": (version,)}
    if bucket is None or action in ("s3:CreateBucket", "s3:ListAllMyBuckets"):
        return not (services.config.auth and principal.anonymous)
    own = (bucket, key) == (ctx.bucket, ctx.key)
    header = "x-amz-expected-bucket-owner" if own else "x-amz-source-expected-bucket-owner"
    settings = await _bucket_gate(ctx, bucket, header)
    if settings is None:
        return True
    allowed = await _permits_in(
        ctx, principal, settings, action, bucket, key, version, document=document, initiator=initiator
    )
    return allowed or _gone(ctx, bucket)


async def _bucket_gate(ctx: RequestContext, bucket: str, header: str) -> access.BucketSettings | None:
    """What every check on ``bucket`` does first: its settings, or None when the decision is
    already yes (no such bucket: the handler answers NoSuchBucket; authentication off). A wrong
    expected-owner ``header`` raises AccessDenied.

    A bucket whose settings are cached existed when they were read and is not looked at on disk
    again: an ``lstat`` on the event loop's thread releases the GIL, which the I/O threads of a
    write load then take, and that one call cost 13-15% of the server's CPU per 4 KiB PUT. A
    bucket removed behind the server's back since is still answered as missing: the handler
    finds it gone (NoSuchBucket), and a refusal looks again (:func:`_gone`) before it stands."""
    services = ctx.services
    cached = cached_settings(services, bucket)
    if cached is None:
        # One lstat, done inline: a thread hop would cost more than the call.
        if not services.store.bucket_exists(bucket):
            return None  # the handler answers NoSuchBucket (or InvalidBucketName)
        settings = await settings_of(services, bucket)
    else:
        settings = cached
    try:
        check_expected_owner(ctx, settings, header=header)
    except AccessDenied:
        if cached is not None and _gone(ctx, bucket):
            return None
        raise
    return settings if services.config.auth else None


def _gone(ctx: RequestContext, bucket: str) -> bool:
    """Whether ``bucket`` is no longer there (removed behind the server's back after its settings
    were cached): a refusal then gives way to the handler's NoSuchBucket, as for any missing bucket."""
    return not ctx.services.store.bucket_exists(bucket)


async def _permits_in(
    ctx: RequestContext,
    principal: access.Principal,
    settings: access.BucketSettings,
    action: str,
    bucket: str,
    key: str | None,
    version: str | None = None,
    *,
    document: policies.Context | None = None,
    initiator: bool = False,
) -> bool:
    """The decision for one object (or the bucket) once :func:`_bucket_gate` has passed: the
    object's (``version``'s) owner, ACL and tags are read only when the decision can depend on
    them. In a bucket where no other account ever wrote an object (``foreign_objects`` unset: every
    bucket with ACLs disabled, and most others) that is a caller other than the bucket owner
    reading or changing an ACL or the object (the object's ACL may grant it), a caller the
    bucket's ACL lets delete versions deleting one (only the version's owner may), or a
    policy that names object tags for an action whose context has them (``EXISTING_TAG_ACTIONS``);
    there the owner's requests and every lock request are decided without a look. Where another
    account wrote one, every action on an existing object looks, since that object's owner decides
    (:func:`cargobay.s3.access.is_allowed`, step 2)."""
    is_owner = settings.owner is not None and principal.user == settings.owner
    if is_owner and not settings.policy and not settings.foreign_objects and not settings.needs_object_tags:
        # What is_allowed decides without a look for the owner of a plain bucket (no policy to
        # deny, no object another account owns): yes. Most requests, so decided here, first.
        return True
    info: ObjectInfo | None = None
    missing = False
    tagged = settings.needs_object_tags and action in policy_keys.EXISTING_TAG_ACTIONS
    looks = (
        tagged
        or (
            action in access.OBJECT_ACTIONS
            if settings.foreign_objects
            else (not is_owner and action in access.OBJECT_PERMISSION)
        )
        # A version delete the bucket's ACL grants: the version's owner alone may do it
        # (access.OWN_VERSION_ACTIONS), so look whose it is.
        or (not is_owner and settings.acls_enabled and access.acl_may_delete_version(principal, action, settings))
    )
    if key is not None and looks:
        services = ctx.services
        try:
            info = await services.run(services.store.head, bucket, key, version)
        except NoSuchKey:
            missing = True
        except S3Error:
            info = None
    obj = object_acl_of(info, settings) if info is not None else None
    context = _context(ctx, info if tagged else None) if settings.policy else None
    if context is not None and document:
        context.update(document)
    if context is not None:
        context = policy_keys.for_action(context, action)  # the keys this action's context holds
    if access.is_allowed(
        principal, action, bucket=bucket, key=key, settings=settings, obj=obj, context=context, initiator=initiator
    ):
        return True
    # A missing key: the handler's NoSuchKey, if the caller may list the bucket (else 403).
    return (
        missing
        and key is not None
        and access.may_learn_missing(principal, action, bucket=bucket, key=key, settings=settings, context=context)
    )


async def hidden_if_unlistable(ctx: RequestContext, exc: S3Error) -> S3Error:
    """The error a caller who may not list the bucket gets instead of NoSuchKey: AccessDenied
    (API_GetObject.html, API_HeadObject.html: without s3:ListBucket "Amazon S3 returns an HTTP
    status code 403 Access Denied error"), so reading rights alone do not tell which keys exist.
    Only for requests that read the key they name (GET and HEAD of an object or its subresources);
    a copy's missing source is another bucket's business."""
    if not isinstance(exc, NoSuchKey) or ctx.bucket is None or ctx.key is None:
        return exc
    if ctx.method not in ("GET", "HEAD"):
        return exc
    try:
        listable = await permits(ctx, "s3:ListBucket", target=(ctx.bucket, None))
    except S3Error as refused:  # a wrong x-amz-expected-bucket-owner
        return refused
    return exc if listable else AccessDenied()


async def authorize_write_extras(
    ctx: RequestContext,
    actions: Sequence[str],
    *,
    key: str | None = None,
    document: policies.Context | None = None,
) -> None:
    """Raise AccessDenied unless the caller may also do ``actions`` (see
    ``routing.write_extras``) to the object its write creates (``key``, default the request's), with
    the condition values of its ``document`` (a form's fields): a policy must grant them, or the
    bucket's ACL let the caller write (:func:`cargobay.s3.access.writer_may`)."""
    services, bucket, key = ctx.services, ctx.bucket, key if key is not None else ctx.key
    if not actions or not services.config.auth or bucket is None or key is None:
        return
    if not services.store.bucket_exists(bucket):
        return  # the handler answers NoSuchBucket
    settings = await settings_of(services, bucket)
    principal = principal_of(ctx)
    context = _context(ctx, None) if settings.policy else None
    if context is not None and document:
        context.update(document)
    for action in actions:
        held = policy_keys.for_action(context, action) if context is not None else None
        if not access.writer_may(principal, action, bucket=bucket, key=key, settings=settings, context=held):
            raise AccessDenied()


async def authorize_copy_source(ctx: RequestContext, bucket: str, key: str, version: str | None) -> None:
    """CopyObject and UploadPartCopy need read access to their source: s3:GetObject, or
    s3:GetObjectVersion for a named version (API_CopyObject.html, API_UploadPartCopy.html)."""
    await authorize(ctx, "s3:GetObjectVersion" if version else "s3:GetObject", target=(bucket, key), version=version)


async def governance_bypass(ctx: RequestContext, key: str | None = None) -> bool:
    """Whether ``x-amz-bypass-governance-retention: true`` counts for this request: only for a caller
    who also holds s3:BypassGovernanceRetention on the object (object-lock-managing.html, "Bypassing
    governance mode"); from anyone else the header is ignored, so a GOVERNANCE lock refuses as usual."""
    if not object_lock.bypass_requested(dict(ctx.headers)):
        return False
    if key is None or ctx.bucket is None:
        return await permits(ctx, "s3:BypassGovernanceRetention")
    return await permits(ctx, "s3:BypassGovernanceRetention", target=(ctx.bucket, key))


async def deletable(ctx: RequestContext, keys: Sequence[tuple[str, str | None]]) -> list[bool]:
    """DeleteObjects is authorized key by key (s3:DeleteObject, or s3:DeleteObjectVersion for a
    named version, on each object's ARN): a refused key becomes its own AccessDenied <Error>
    (API_DeleteObjects.html). A caller refused every key is refused the request, as before the body
    mattered."""
    assert ctx.bucket is not None
    bucket = ctx.bucket
    # The bucket's part of the decision (existence, settings, expected owner) once per request;
    # then each key is decided on its own ARN, as :func:`permits` would.
    settings = await _bucket_gate(ctx, bucket, "x-amz-expected-bucket-owner")
    if settings is None:
        return [True] * len(keys)
    principal = principal_of(ctx)
    if not settings.policy and settings.owner is not None and principal.user == settings.owner:
        # No statement can name a key and the caller owns the bucket: every key gets the same
        # yes (access.is_allowed; no object ACL or tag is read for the owner without a policy).
        # As in AWS, whoever owns the objects: with ACLs enabled (ObjectWriter) another account
        # may own an object in the bucket, and "the bucket owner can deny access to any objects,
        # or delete any objects in the bucket, regardless of who owns them" (userguide/
        # access-management.html, Identities); only a bucket policy's Deny can refuse the owner,
        # and with a policy each key is decided below. Conformance:
        # test_bucket_owner_deletes_objects_another_account_owns.
        return [True] * len(keys)
    # Each entry is a DeleteObject of its key and version: the version id its s3:VersionId.
    allowed = [
        await _permits_in(
            ctx,
            principal,
            settings,
            "s3:DeleteObjectVersion" if version else "s3:DeleteObject",
            bucket,
            key,
            version,
            document={"s3:versionid": (version,)} if version else None,
        )
        for key, version in keys
    ]
    if keys and not any(allowed):
        if _gone(ctx, bucket):
            return [True] * len(keys)  # the handler answers NoSuchBucket
        raise AccessDenied()
    return allowed


# -- the ACL a request asks for ---------------------------------------------------------------


def requested_acl(ctx: RequestContext, *, owner_id: str, bucket_owner_id: str | None = None) -> acls.Acl | None:
    """The ACL named by ``x-amz-acl`` or ``x-amz-grant-*`` headers (not both), or None."""
    directory = ctx.services.config.directory
    grants = acls.from_headers(
        ctx.headers,
        known_id=lambda cid: directory.by_id(cid) is not None,
        id_of_email=lambda email: found.canonical_id if (found := directory.by_email(email)) else None,
    )
    canned = ctx.headers.get("x-amz-acl")
    if canned is not None and grants is not None:
        raise InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
    if canned is not None:
        return acls.canned(canned.strip(), owner_id, bucket_owner_id)
    return grants


def check_acl_allowed(
    settings: access.BucketSettings, grants: acls.Acl | None, *, owner_id: str, canned: str | None = None
) -> None:
    """An ACL may be set only where ACLs are enabled, and a public one only when BlockPublicAcls is
    off. BucketOwnerEnforced takes "bucket owner full control ACLs" (API_PutObject.html, x-amz-acl):
    FULL_CONTROL grants to the bucket owner and the writer (``owner_id``) and nothing else — the
    bucket-owner-full-control canned ACL a second account sends, its XML or grant-header form, and
    the owner-only ACL; of the canned ACLs only bucket-owner-full-control (``x-amz-acl: private`` is
    refused although its grants are the same, as real S3 does, hashicorp/terraform-provider-aws#34079).
    ``canned``: the request's x-amz-acl."""
    if grants is None:
        return
    if not settings.acls_enabled:
        full_control = {owner_id, settings.owner_id}
        if (
            not grants
            or any(g.kind != "user" or g.permission != "FULL_CONTROL" or g.who not in full_control for g in grants)
            or (canned is not None and canned.strip() != "bucket-owner-full-control")
        ):
            raise AccessControlListNotSupported()
    if settings.block.block_public_acls and acls.is_public(grants):
        raise AccessDenied()


Triples = tuple[tuple[str, str, str], ...]

_ACL_REQUEST_HEADERS = ("x-amz-acl", *acls.GRANT_HEADERS)


@functools.lru_cache(maxsize=256)
def _owner_only_triples(owner_id: str) -> Triples:
    return tuple((g.kind, g.who, g.permission) for g in acls.owner_only(owner_id))


# The bucket setting that says an object in the bucket is owned by another account than its owner.
FOREIGN_OBJECTS = "foreign_objects"


async def note_object_owner(ctx: RequestContext, settings: access.BucketSettings, owner: str) -> None:
    """Record, before an object owned by ``owner`` is written, that the bucket holds objects of
    another account when ``owner`` is not the bucket's: from then on the bucket owner's reads look
    at each object's ACL (:func:`_permits_in`). Set once and kept (a later delete does not clear
    it: the cost is only the look)."""
    if settings.foreign_objects or not access.owned_by_another(owner, settings):
        return
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.set_bucket_setting, ctx.bucket, FOREIGN_OBJECTS, True)
    forget(ctx.services, ctx.bucket)


def new_object_acl(ctx: RequestContext, settings: access.BucketSettings) -> tuple[str, Triples]:
    """(owner canonical id, ACL triples) of an object this request writes, per Object Ownership
    (about-object-ownership.html): BucketOwnerEnforced → the bucket owner; BucketOwnerPreferred →
    the bucket owner when the writer grants it bucket-owner-full-control; else the writer."""
    writer = caller_identity(ctx).canonical_id
    if not any(name in ctx.headers for name in _ACL_REQUEST_HEADERS):
        # No ACL asked for (most writes): the owner-only ACL of the owner the ownership setting
        # names, decided without parsing or checking grants (what the full path below gives).
        owner = settings.owner_id if settings.ownership == "BucketOwnerEnforced" else writer
        return owner, _owner_only_triples(owner)
    grants = requested_acl(ctx, owner_id=writer, bucket_owner_id=settings.owner_id)
    check_acl_allowed(settings, grants, owner_id=writer, canned=ctx.headers.get("x-amz-acl"))
    owner = writer
    preferred = (
        settings.ownership == "BucketOwnerPreferred" and ctx.headers.get("x-amz-acl") == "bucket-owner-full-control"
    )
    if settings.ownership == "BucketOwnerEnforced" or preferred:
        owner = settings.owner_id
    if grants is None or not settings.acls_enabled:
        grants = acls.owner_only(owner)
    elif owner != writer:
        grants = tuple(acls.Grant(g.kind, owner if g.who == writer else g.who, g.permission) for g in grants)
    return owner, tuple(dict.fromkeys((g.kind, g.who, g.permission) for g in grants))
