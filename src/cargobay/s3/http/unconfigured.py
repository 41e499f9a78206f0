"""Bucket configurations cargobay does not keep: website, notifications, replication,
request payment, transfer acceleration, default encryption, and the id-based analytics, inventory,
metrics and S3 Intelligent-Tiering configurations.

Server access logging is kept and acted on: logging_config.py and log_delivery.py.

Tools that manage buckets read every configuration of a bucket (Terraform's ``aws_s3_bucket``,
Pulumi, the AWS console's SDK calls), so a 501 on any GET breaks them. Each GET here answers what
AWS answers for a bucket that has none of it, which is the truth for every cargobay bucket; each
DELETE succeeds (there is nothing to delete, as on AWS for a bucket without the configuration).
A PUT stays 501 NotImplemented: storing a configuration the server does not act on (no website
hosting, no events, no replication, no encryption at rest: objects are plain
files, and SSE request headers are refused the same way, see guarantees.py) would accept a
promise and ignore it. The exceptions set what is in force already, so nothing is ignored: a
request payment of BucketOwner, notifications turned off (an empty document), and under
``serve --sse-s3`` a default encryption of SSE-S3; their
bodies are validated first (400 MalformedXML), as AWS does before anything else, and so is the
body of a transfer acceleration PUT before its 501.

What AWS answers (https://docs.aws.amazon.com/AmazonS3/latest/API/):
API_GetBucketWebsite.html (404 NoSuchWebsiteConfiguration), API_GetBucketNotificationConfiguration.html ("If
notifications are not enabled on the bucket, the action returns an empty
NotificationConfiguration element"), API_GetBucketReplication.html (404
ReplicationConfigurationNotFoundError), API_GetBucketRequestPayment.html (``Payer`` BucketOwner
unless the bucket is Requester Pays), API_GetBucketAccelerateConfiguration.html (no ``Status``
for a bucket whose acceleration was never set), API_GetBucketEncryption.html (404
ServerSideEncryptionConfigurationNotFoundError: no default encryption; AWS itself has applied
SSE-S3 to every bucket since January 2023, which a server keeping plain files cannot claim).
The id-based ones (API_ListBucketMetricsConfigurations.html and its siblings): a List without
``id`` is an empty page, "IsTruncated is set to false", under the root each SDK parses; a Get or
Delete naming an ``id`` is 404 NoSuchConfiguration (ErrorResponses.html), as nothing has that id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from cargobay.s3.errors import (
    MalformedXML,
    NoSuchConfiguration,
    NoSuchWebsiteConfiguration,
    NotImplementedError_,
    ReplicationConfigurationNotFoundError,
    ServerSideEncryptionConfigurationNotFoundError,
)
from cargobay.s3.http import xml
from cargobay.s3.http.common import read_small_body, xml_response
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.guarantees import SSE_S3

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_MAX_CONFIGURATION = 64 * 1024


async def _existing_bucket(ctx: RequestContext) -> str:
    assert ctx.bucket is not None
    await ctx.services.run(ctx.store.require_bucket, ctx.bucket)
    return ctx.bucket


async def get_bucket_website(ctx: RequestContext) -> web.StreamResponse:
    raise NoSuchWebsiteConfiguration(BucketName=await _existing_bucket(ctx))


async def get_bucket_replication(ctx: RequestContext) -> web.StreamResponse:
    raise ReplicationConfigurationNotFoundError(BucketName=await _existing_bucket(ctx))


async def get_bucket_encryption(ctx: RequestContext) -> web.StreamResponse:
    bucket = await _existing_bucket(ctx)
    if not ctx.services.config.sse_s3:
        raise ServerSideEncryptionConfigurationNotFoundError(BucketName=bucket)
    # serve --sse-s3: AWS's default for every bucket, SSE-S3 without a bucket key (API_GetBucketEncryption.html)
    algorithm = xml.element("SSEAlgorithm", SSE_S3)
    by_default = f"<ApplyServerSideEncryptionByDefault>{algorithm}</ApplyServerSideEncryptionByDefault>"
    rule = f"<Rule>{by_default}{xml.element('BucketKeyEnabled', False)}</Rule>"
    return xml_response(xml.document("ServerSideEncryptionConfiguration", [rule]))


async def put_bucket_encryption(ctx: RequestContext) -> web.StreamResponse:
    """Under ``serve --sse-s3``, a default of SSE-S3 is what is in force already: accepted, nothing
    to keep; any other default (SSE-KMS, DSSE-KMS) is refused as without the option."""
    bucket = await _existing_bucket(ctx)
    if not ctx.services.config.sse_s3:
        raise _not_kept("encryption")
    root = xml.parse(await read_small_body(ctx, limit=_MAX_CONFIGURATION))
    rules = xml.children(root, "Rule")
    if xml.local_name(root) != "ServerSideEncryptionConfiguration" or not rules:
        raise MalformedXML()
    for rule in rules:
        defaults = xml.children(rule, "ApplyServerSideEncryptionByDefault")
        if len(defaults) != 1:
            raise MalformedXML()
        algorithm = xml.child_text(defaults[0], "SSEAlgorithm")
        if algorithm is None:
            raise MalformedXML()
        if algorithm != SSE_S3 or xml.child_text(defaults[0], "KMSMasterKeyID") is not None:
            raise NotImplementedError_(
                f"{bucket}: only SSE-S3 ({SSE_S3}: the encrypted disk of serve --sse-s3) is kept, not {algorithm}."
            )
    return web.Response(status=200)


async def get_bucket_notification(ctx: RequestContext) -> web.StreamResponse:
    await _existing_bucket(ctx)
    return xml_response(xml.document("NotificationConfiguration", []))


async def put_bucket_notification(ctx: RequestContext) -> web.StreamResponse:
    """An empty NotificationConfiguration turns notifications off (API_PutBucketNotificationConfiguration.html):
    accepted. Any Topic, Queue, CloudFunction or EventBridge configuration asks for events: refused."""
    await _off_or_refused(ctx, "NotificationConfiguration", "notification")
    return web.Response(status=200)


async def _off_or_refused(ctx: RequestContext, document: str, sub: str) -> None:
    """Read a ``document`` body: MalformedXML if it is not one, 501 unless it is empty (off)."""
    await _existing_bucket(ctx)
    root = xml.parse(await read_small_body(ctx, limit=_MAX_CONFIGURATION))
    if xml.local_name(root) != document:
        raise MalformedXML()
    if len(root):
        raise _not_kept(sub)


async def get_bucket_request_payment(ctx: RequestContext) -> web.StreamResponse:
    await _existing_bucket(ctx)
    return xml_response(xml.document("RequestPaymentConfiguration", [xml.element("Payer", "BucketOwner")]))


def _chosen(root: Element, document: str, element: str, values: tuple[str, ...], *, required: bool) -> str | None:
    """The value of ``element`` in a ``document`` body: one of ``values`` (the schema's Valid
    Values), else MalformedXML, as AWS validates before it acts."""
    found = [node.text or "" for node in xml.children(root, element)]
    if xml.local_name(root) != document or len(found) > 1 or (required and not found):
        raise MalformedXML()
    if found and found[0] not in values:
        raise MalformedXML()
    xml.known_children(root, frozenset({element}))
    return found[0] if found else None


async def put_bucket_request_payment(ctx: RequestContext) -> web.StreamResponse:
    """Payer BucketOwner is what every cargobay bucket is: accepted, nothing to keep (Terraform's
    aws_s3_bucket_request_payment_configuration sends it). Requester would make requesters pay, which
    nothing here does: refused. A body that is no RequestPaymentConfiguration with one Payer of
    ``Requester | BucketOwner`` (API_RequestPaymentConfiguration.html) is MalformedXML first."""
    await _existing_bucket(ctx)
    root = xml.parse(await read_small_body(ctx, limit=_MAX_CONFIGURATION))
    payer = _chosen(root, "RequestPaymentConfiguration", "Payer", ("BucketOwner", "Requester"), required=True)
    if payer == "Requester":
        raise _not_kept("requestPayment")
    return web.Response(status=200)


async def put_bucket_accelerate(ctx: RequestContext) -> web.StreamResponse:
    """Refused (no acceleration endpoint to turn on or off, and a Suspended state would be reported
    as never set), after the body is validated: an AccelerateConfiguration whose Status is ``Enabled
    | Suspended`` (API_AccelerateConfiguration.html), else MalformedXML."""
    await _existing_bucket(ctx)
    root = xml.parse(await read_small_body(ctx, limit=_MAX_CONFIGURATION))
    _chosen(root, "AccelerateConfiguration", "Status", ("Enabled", "Suspended"), required=False)
    raise _not_kept("accelerate")


async def get_bucket_accelerate(ctx: RequestContext) -> web.StreamResponse:
    await _existing_bucket(ctx)
    return xml_response(xml.document("AccelerateConfiguration", []))


async def delete_nothing(ctx: RequestContext) -> web.StreamResponse:
    """DeleteBucketWebsite, DeleteBucketReplication, DeleteBucketEncryption: nothing is configured,
    so nothing to delete."""
    await _existing_bucket(ctx)
    return web.Response(status=204)


def refused(sub: str) -> Callable[[RequestContext], Awaitable[web.StreamResponse]]:
    """The PUT of configuration ``sub``: one the server would keep without acting on it is
    refused (501), never accepted and ignored; a missing bucket is still NoSuchBucket."""

    async def refuse_put(ctx: RequestContext) -> web.StreamResponse:
        await _existing_bucket(ctx)
        raise _not_kept(sub)

    return refuse_put


# The root of each List answer: the SDKs parse these names (the AWS pages' response syntax).
_LIST_ROOTS = {
    "analytics": "ListBucketAnalyticsConfigurationResult",
    "intelligent-tiering": "ListBucketIntelligentTieringConfigurationsOutput",
    "inventory": "ListInventoryConfigurationsResult",
    "metrics": "ListMetricsConfigurationsResult",
}
ID_CONFIGURATIONS = tuple(_LIST_ROOTS)


def id_configuration(sub: str) -> Callable[[RequestContext], Awaitable[web.StreamResponse]]:
    """GET and DELETE of the id-based configuration ``sub``: List (no ``id``) answers none, and an
    ``id`` names nothing."""
    root = _LIST_ROOTS[sub]

    async def answer_none(ctx: RequestContext) -> web.StreamResponse:
        await _existing_bucket(ctx)
        if ctx.method == "DELETE" or "id" in ctx.query:
            raise NoSuchConfiguration()
        return xml_response(xml.document(root, [xml.element("IsTruncated", False)]))

    return answer_none


def _not_kept(sub: str) -> NotImplementedError_:
    return NotImplementedError_(f"cargobay does not keep a bucket {sub} configuration (it would not act on it).")
