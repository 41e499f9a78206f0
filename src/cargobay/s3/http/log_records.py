"""The server access log record of one request (LogFormat.html), begun before its response is sent
and completed once it was: the bytes sent, the object size and the times are known only then.

Asked only for a request on a bucket with logging on (app.py: a dict lookup first); the records go to
:class:`~cargobay.s3.http.log_delivery.ServerLogs`, which delivers them. Turn-around time is the time
until the response was ready to send, counted from the request's arrival: for a request with a body
it includes receiving the body, which AWS leaves out ("from the time the last byte of your request
was received"); the server does not note that moment for every request, only to log a few.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from cargobay.s3 import server_log
from cargobay.s3.http.access import principal_of
from cargobay.s3.http.log_delivery import PendingRecord

if TYPE_CHECKING:
    from aiohttp import web

    from cargobay.s3.http.context import RequestContext

_SIGNATURES = {
    "sigv4-header": ("SigV4", "AuthHeader"),
    "sigv4-query": ("SigV4", "QueryString"),
    "sigv2-header": ("SigV2", "AuthHeader"),
    "sigv2-query": ("SigV2", "QueryString"),
}


def pending(ctx: RequestContext, error_code: str | None, operation_sub: str | None) -> PendingRecord | None:
    """What is known of a request on a logged bucket before its response is sent; the record is
    completed and buffered by the returned callable once it was (None: logging was turned off
    meanwhile, by a request answered on an I/O thread)."""
    logs = ctx.services.server_logs
    target = logs.targets.get(ctx.bucket or "")
    if target is None or ctx.bucket is None:
        return None
    request = ctx.request
    noted = time.monotonic()
    # The caller's canonical id, from the per-access-key Principal access decisions already cache.
    requester = principal_of(ctx).canonical_id if ctx.access_key else None
    signature, auth_type = _SIGNATURES.get(ctx.auth.method if ctx.auth else "", (None, None))
    cipher = tls = None
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is not None:
        cipher, tls = ssl_object.cipher()[0], ssl_object.version()
    copy = "x-amz-copy-source" in ctx.headers
    record = server_log.Record(
        bucket_owner=target.owner,
        bucket=ctx.bucket,
        time=0.0,
        remote_ip=request.remote,
        requester=requester,
        request_id=ctx.request_id,
        operation=server_log.operation(ctx.method, ctx.key, operation_sub, copy=copy),
        key=ctx.key,
        request_uri=f"{request.method} {request.raw_path} HTTP/{request.version.major}.{request.version.minor}",
        status=0,
        error_code=error_code,
        bytes_sent=0,
        object_size=None,
        total_ms=0,
        turnaround_ms=None,
        referer=ctx.headers.get("referer"),
        user_agent=ctx.headers.get("user-agent"),
        version_id=ctx.query.get("versionId"),
        host_id=ctx.request_id,  # x-amz-id-2 (app.py sends the request id there)
        signature_version=signature,
        cipher_suite=cipher,
        auth_type=auth_type,
        host_header=ctx.headers.get("host"),
        tls_version=tls,
    )
    source = ctx.bucket

    def complete(req: web.BaseRequest, response: web.StreamResponse, seconds: float) -> None:
        now = time.monotonic()
        record.time = time.time() - seconds
        record.status = response.status
        record.total_ms = round(seconds * 1000)
        record.turnaround_ms = max(0, round((seconds - (now - noted)) * 1000))
        record.bytes_sent = _body_bytes(req, response)
        record.object_size = _object_size(req, response)
        record.version_id = response.headers.get("x-amz-version-id") or record.version_id
        logs.add(source, target, record.time, server_log.format_record(record))

    return complete


def _body_bytes(request: web.BaseRequest, response: web.StreamResponse) -> int:
    """Response body bytes sent ("excluding HTTP protocol overhead")."""
    if request.method == "HEAD":
        return 0
    length = response.content_length
    if length is not None:
        return length
    return response.body_length


def _object_size(request: web.BaseRequest, response: web.StreamResponse) -> int | None:
    """The size of the object read or written, when the request had one."""
    whole = response.headers.get("content-range", "").rpartition("/")[2]
    if whole.isdigit():
        return int(whole)
    if response.status >= 300:
        return None
    if request.method in ("GET", "HEAD") and response.headers.get("etag") is not None:
        return response.content_length
    if request.method in ("PUT", "POST") and response.headers.get("etag") is not None:
        decoded = request.headers.get("x-amz-decoded-content-length", "")  # aws-chunked: the object's size
        return int(decoded) if decoded.isdigit() else request.content_length
    return None
