"""DeleteObject and DeleteObjects: markers, permanent deletes of versions, the governance bypass and
the If-Match / ETag conditions (conditional-deletes.html: they apply to the current version only).

The store decides what a delete does to a key's versions (store/objects.py, store/versioning.py);
this module reads the requests and writes the answers: a DeleteObjects key that cannot be deleted is
an ``<Error>`` entry (AccessDenied for a version under object lock, PreconditionFailed for an ETag
that is not the current one's, NoSuchVersion for a version id that is no id) and the others proceed.
"""

from __future__ import annotations

from aiohttp import web

from cargobay.s3 import object_lock
from cargobay.s3.errors import AccessDenied, MalformedXML, NoSuchVersion, NotImplementedError_, S3Error
from cargobay.s3.http import xml
from cargobay.s3.http.access import deletable, governance_bypass
from cargobay.s3.http.common import read_small_body, require_body_digest, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.objects import WriteCondition
from cargobay.s3.store import DeleteOutcome

_MAX_DELETE_BODY = 2 << 20
_MAX_DELETE_KEYS = 1000
# API_ObjectIdentifier.html: LastModifiedTime and Size make a delete conditional "only ... for directory
# buckets"; cargobay does not evaluate them, so a request naming one is refused, as the headers
# x-amz-if-match-last-modified-time / -size of DeleteObject are (guarantees.py).
_DIRECTORY_BUCKET_CONDITIONS = ("LastModifiedTime", "Size")


async def delete_object(ctx: RequestContext) -> web.StreamResponse:
    assert ctx.bucket is not None and ctx.key is not None
    bucket, key = ctx.bucket, ctx.key
    version = ctx.query.get("versionId")
    bypass = await governance_bypass(ctx)
    # If-Match: delete only that object (API_DeleteObject); If-None-Match means nothing here.
    match = ctx.headers.get("if-match")
    precondition = None if match is None else WriteCondition({"if-match": match}, key)
    outcome = await ctx.services.run(
        lambda: ctx.store.delete(bucket, key, version, bypass_governance=bypass, precondition=precondition)
    )
    headers = {}
    if outcome.version_id is not None and (version is not None or outcome.delete_marker):
        headers["x-amz-version-id"] = outcome.version_id
    if outcome.delete_marker:
        headers["x-amz-delete-marker"] = "true"
    return web.Response(status=204, headers=headers)


async def delete_objects(ctx: RequestContext) -> web.StreamResponse:
    """DeleteObjects: up to 1000 keys; per-key errors in the body; Quiet reports errors only."""
    assert ctx.bucket is not None
    body = await read_small_body(ctx, limit=_MAX_DELETE_BODY)
    require_body_digest(ctx)
    root = xml.parse(body)
    if xml.local_name(root) != "Delete":
        raise MalformedXML()
    quiet = (xml.child_text(root, "Quiet") or "").strip().lower() == "true"
    keys: list[tuple[str, str | None]] = []
    etags: list[str | None] = []  # API_ObjectIdentifier.html ETag: "makes the request method conditional"
    for node in xml.children(root, "Object"):
        key = xml.only_text(node, "Key")  # API_ObjectIdentifier.html: one Key, at most one VersionId
        if key is None:
            raise MalformedXML()
        for condition in _DIRECTORY_BUCKET_CONDITIONS:
            if xml.child_text(node, condition) is not None:  # refused, never ignored (guarantees.py)
                raise NotImplementedError_(
                    f"{condition} conditions are not supported (directory buckets only); use ETag.",
                )
        # An empty VersionId names no version (NoSuchVersion below), never "no version": read as absent,
        # it would delete the current object or add a marker (AWS: amazonka issue 160).
        keys.append((key, xml.only_text(node, "VersionId")))
        etags.append(xml.child_text(node, "ETag") or None)
    if not keys or len(keys) > _MAX_DELETE_KEYS:
        raise MalformedXML()
    bucket = ctx.bucket
    store = ctx.store
    allowed = await deletable(ctx, keys)
    refused = {i for i, ok in enumerate(allowed) if not ok}
    bypass = (
        [await governance_bypass(ctx, key) for key, _version in keys]
        if object_lock.bypass_requested(dict(ctx.headers))
        else [False] * len(keys)
    )

    def delete_all() -> list[tuple[str, str | None, DeleteOutcome | S3Error]]:
        batch = all(version is None for _key, version in keys) and not any(etags)
        if not refused and batch and not store.versioning(bucket):
            # Never versioned: the batched path (one metadata transaction for the request).
            done = store.delete_many(bucket, [key for key, _version in keys])
            return [(key, None, DeleteOutcome() if error is None else error) for key, error in done]
        results: list[tuple[str, str | None, DeleteOutcome | S3Error]] = []
        for i, (key, version) in enumerate(keys):
            if i in refused:
                results.append((key, version, AccessDenied()))
                continue
            etag = etags[i]
            condition = None if etag is None else WriteCondition({"if-match": etag}, key)
            try:
                outcome = store.delete(bucket, key, version, bypass_governance=bypass[i], precondition=condition)
                results.append((key, version, outcome))
            except S3Error as exc:  # an id that is no id: this key's NoSuchVersion (AWS), not a 400
                bad_id = version is not None and exc.extra.get("ArgumentName") == "versionId"
                results.append((key, version, NoSuchVersion(Key=key, VersionId=str(version)) if bad_id else exc))
        return results

    parts = []
    for key, version, result in await ctx.services.run(delete_all):
        version_part = xml.element("VersionId", version) if version is not None else ""
        if isinstance(result, DeleteOutcome):
            if not quiet:
                extra = ""
                if result.delete_marker:
                    extra = xml.element("DeleteMarker", True)
                    if result.version_id is not None:
                        extra += xml.element("DeleteMarkerVersionId", result.version_id)
                parts.append(f"<Deleted>{xml.element('Key', key)}{version_part}{extra}</Deleted>")
        else:
            parts.append(
                f"<Error>{xml.element('Key', key)}{version_part}{xml.element('Code', result.code)}"
                f"{xml.element('Message', result.detail)}</Error>"
            )
    return xml_response(xml.document("DeleteResult", parts))
