"""THE mapping from exceptions to S3 error responses.

An :class:`~cargobay.s3.errors.S3Error` becomes its status and the S3 error XML (Code, Message,
the extra fields, Resource, RequestId). Any other exception is a bug: it is logged with its
traceback and answered as a plain InternalError, so no traceback or path ever reaches the wire.
"""

from __future__ import annotations

import logging

from aiohttp import web

from cargobay.s3.errors import InternalError, MethodNotAllowed, S3Error
from cargobay.s3.http import xml

log = logging.getLogger("cargobay.s3.http")


def error_body(error: S3Error, *, resource: str, request_id: str) -> bytes:
    # well_formed: a key with a control character XML 1.0 cannot carry must not make the whole
    # document unreadable (the client would lose the error code with it).
    parts = [xml.element("Code", error.code), xml.element("Message", xml.well_formed(error.detail))]
    parts += [xml.element(name, xml.well_formed(value)) for name, value in error.extra.items()]
    parts += [xml.element("Resource", xml.well_formed(resource)), xml.element("RequestId", request_id)]
    return xml.document("Error", parts, namespace=False)


def error_response(
    error: S3Error, *, resource: str, request_id: str, head: bool = False, method: str | None = None
) -> web.Response:
    if method is not None and isinstance(error, MethodNotAllowed) and "Method" not in error.extra:
        # The Method element names the request's method; an error raised below the HTTP layer (a
        # delete marker refusing everything but DELETE) cannot know it.
        error.extra = {"Method": method, **error.extra}
    headers = {"x-amz-request-id": request_id, **error.headers}
    if error.status == 304:
        return web.Response(status=304, headers=headers)
    body = error_body(error, resource=resource, request_id=request_id)
    if head:
        # HEAD responses carry no body; clients read the status (and AWS sends no error code).
        headers["Content-Type"] = "application/xml"
        return web.Response(status=error.status, headers=headers)
    return web.Response(status=error.status, body=body, headers=headers, content_type="application/xml")


def unexpected_response(exc: BaseException, *, resource: str, request_id: str, head: bool = False) -> web.Response:
    log.error("internal error on %s (request %s)", resource, request_id, exc_info=exc)
    return error_response(InternalError(), resource=resource, request_id=request_id, head=head)
