"""What a write request says about its object besides the bytes: content headers, user metadata
(x-amz-meta-*, 2 KB at most), tags, storage class and website redirect location, checked as AWS
checks them. PutObject, CopyObject (REPLACE), CreateMultipartUpload and browser forms share it."""

from __future__ import annotations

from cargobay.s3 import checksums
from cargobay.s3.errors import InvalidArgument, InvalidRedirectLocation, InvalidRequest, MetadataTooLarge
from cargobay.s3.http.context import RequestContext
from cargobay.s3.http.headertext import request_text
from cargobay.s3.http.tagging import tags_from_header
from cargobay.s3.names import check_storage_class
from cargobay.s3.store import CONTENT_HEADERS, STORAGE_CLASS, ObjectMeta

MAX_USER_METADATA = 2048
# Stored with the object's headers and returned on GET/HEAD (API_PutObject.html, API_HeadObject.html).
REDIRECT = "x-amz-website-redirect-location"
_MAX_REDIRECT = 2048


def meta_from_headers(ctx: RequestContext) -> ObjectMeta:
    """Content headers and x-amz-meta-* from a PUT/COPY request (user metadata ≤ 2 KB, as AWS)."""
    headers = {name: request_text(ctx.headers[name]) for name in CONTENT_HEADERS if name in ctx.headers}
    encoding = headers.get("content-encoding")
    if encoding is not None:
        # aws-chunked is transfer framing, not a property of the stored object; the rest is kept
        # as sent, spacing included ("deflate, gzip" stays "deflate, gzip", as in AWS).
        if "aws-chunked" in encoding.lower():
            kept = [e for e in encoding.split(",") if e.strip() and e.strip().lower() != "aws-chunked"]
            encoding = ",".join(kept).strip()
        if encoding:
            headers["content-encoding"] = encoding
        else:
            del headers["content-encoding"]
    redirect = website_redirect(ctx)
    if redirect is not None:
        headers[REDIRECT] = redirect
    storage_class = requested_storage_class(ctx.headers.get(STORAGE_CLASS))
    if storage_class is not None:
        headers[STORAGE_CLASS] = storage_class
    user = {
        name[len("x-amz-meta-") :]: request_text(value)
        for name, value in ctx.headers.items()
        if name.startswith("x-amz-meta-")
    }
    check_user_metadata_size(user)
    return ObjectMeta(headers=headers, user=user, tags=tags_from_header(ctx.headers.get("x-amz-tagging")))


def requested_storage_class(value: str | None) -> str | None:
    """The class to keep for a request's x-amz-storage-class (None: absent or STANDARD, the
    default, which is not recorded); InvalidStorageClass for one AWS does not know."""
    check_storage_class(value)
    return None if value == "STANDARD" else value


def requested_checksum_algorithm(ctx: RequestContext) -> str | None:
    """x-amz-checksum-algorithm of CreateMultipartUpload and CopyObject, lower-case (None: not
    sent); one AWS does not know is InvalidRequest."""
    algorithm = ctx.headers.get("x-amz-checksum-algorithm")
    if not algorithm:
        return None
    if algorithm.lower() not in checksums.ALGORITHMS:
        raise InvalidRequest(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid "
            "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    return algorithm.lower()


def website_redirect(ctx: RequestContext) -> str | None:
    """The request's x-amz-website-redirect-location, checked (None: not sent)."""
    return checked_website_redirect(ctx.headers.get(REDIRECT))


def checked_website_redirect(value: str | None) -> str | None:
    """An x-amz-website-redirect-location (header or form field), checked (RESTObjectPOST.html: "The
    value must be prefixed by /, http://, or https://. The length of the value is limited to 2 KB"):
    another prefix is InvalidRedirectLocation, as AWS answers; a longer value InvalidArgument (the
    AWS pages name no code for it)."""
    if value is None:
        return None
    if not value.startswith(("/", "http://", "https://")):
        raise InvalidRedirectLocation()
    if len(value.encode("utf-8", "surrogateescape")) > _MAX_REDIRECT:
        raise InvalidArgument(
            "The website redirect location is limited to 2 KB.", ArgumentName=REDIRECT, ArgumentValue=value
        )
    return value


def check_user_metadata_size(user: dict[str, str]) -> None:
    """MetadataTooLarge past 2 KB. UsingMetadata.html: the 2 KB are "the sum of the number of bytes
    in the UTF-8 encoding of each key and value" (of a PUT's headers or a POST form's fields)."""
    size = sum(
        len(k.encode("utf-8", "surrogateescape")) + len(v.encode("utf-8", "surrogatepass")) for k, v in user.items()
    )
    if size > MAX_USER_METADATA:
        raise MetadataTooLarge(Size=str(size), MaxSizeAllowed=str(MAX_USER_METADATA))
