"""Headers that ask for a guarantee cargobay does not give are refused, never accepted and ignored.

cargobay stores every object as a plain file (DESIGN.md): it does not encrypt at rest, so a
request for server-side encryption (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C) would be a lie if it were
answered 200 and the bytes stored in clear. Implementing SSE properly (encrypted bytes at rest,
keys never stored in clear, the key's MD5 checked on every read of an SSE-C object, ranged reads
over ciphertext) would make such objects stop being plain files, which is the product; so every
encryption header is refused with a message that says so. The AWS rules kept: SSE-C over plain
HTTP is 400 InvalidRequest, as AWS answers before anything else
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html); a
write asking for SSE-C over HTTPS is 403 AccessDenied, as on an AWS bucket that blocks SSE-C (the
default for new buckets since April 2026, blocking-unblocking-s3-c-encryption-gpb.html);
everything else is 501 NotImplemented, the AWS code for "a header you provided implies
functionality that is not implemented" (ErrorResponses.html).

``serve --sse-s3`` is the one exception, for a data directory on an encrypted disk (LUKS, an
encrypted volume): the disk is then the encryption at rest that SSE-S3 promises ("Amazon S3
encrypts each object with a unique key" is AWS's own way; the promise to the client is that the
bytes are encrypted where they are stored), so ``x-amz-server-side-encryption: AES256`` is accepted,
and every object is reported as SSE-S3, as AWS reports every object since it made SSE-S3 the
default for all buckets (default-bucket-encryption.html). SSE-KMS, DSSE-KMS and SSE-C stay refused:
they promise keys the client controls, which a disk's encryption does not give.

Other guarantees audited (issue 19): ``x-amz-write-offset-bytes`` (append at an offset; ignoring
it would replace the object), DeleteObject's ``x-amz-if-match-last-modified-time`` /
``x-amz-if-match-size`` and AbortMultipartUpload's ``x-amz-if-match-initiated-time`` (ignoring it
would abort an upload the caller meant to keep) are refused the same way. Honoured elsewhere:
If-Match / If-None-Match on PutObject, CopyObject, CompleteMultipartUpload and (If-Match)
DeleteObject, Content-MD5, x-amz-checksum-*, x-amz-mp-object-size.
"""

from __future__ import annotations

from collections.abc import Mapping

from cargobay.s3.errors import AccessDenied, InvalidArgument, InvalidRequest, NotImplementedError_

SSE_S3 = "AES256"  # x-amz-server-side-encryption's value for SSE-S3 (API_PutObject.html)
# API_PutObject.html, x-amz-server-side-encryption: "Valid Values: AES256 | aws:kms | aws:kms:dsse".
_SSE_METHODS = frozenset({SSE_S3, "aws:kms", "aws:kms:dsse"})
_SSE_C_PREFIXES = ("x-amz-server-side-encryption-customer-", "x-amz-copy-source-server-side-encryption-customer-")
_SSE = (
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
)
# Prefixes of every header looked at below (a quick pass over the request's header names).
_WATCHED = (
    "x-amz-server-side-encryption",
    "x-amz-copy-source-server-side-encryption-customer-",
    "x-amz-write-offset-bytes",
    "x-amz-if-match-",
)
# blocking-unblocking-s3-c-encryption-gpb.html: on a bucket whose default encryption blocks SSE-C (every
# new AWS bucket since April 2026) a write asking for SSE-C is 403 AccessDenied; cargobay's buckets are such.
_SSE_C_BLOCKED = (
    "SSE-C is blocked for this bucket: cargobay stores objects as plain files and does not encrypt them "
    "at rest, so a write asking for server-side encryption with a customer key is refused."
)
_NOT_ENCRYPTED = (
    "cargobay stores objects as plain files and does not encrypt them at rest; "
    "server-side encryption ({what}) is not supported, so the request is refused "
    "rather than stored unencrypted."
)


def asks_anything_refusable(headers: Mapping[str, str]) -> bool:
    """Whether any header is one :func:`refuse_unkept_guarantees` looks at: every request is
    asked, almost none carries one, so the caller skips the rest of the check cheaply."""
    for name in headers:  # noqa: SIM110 (any() over a generator costs twice as much: 1.2 µs against 0.5)
        if name.startswith(_WATCHED):
            return True
    return False


def refuse_unkept_guarantees(
    headers: Mapping[str, str], *, secure: bool, write: bool = False, read: bool = False, sse_s3: bool = False
) -> None:
    """Raise the S3 error for the first header asking for something cargobay does not do.

    ``write``: the request writes object data (:func:`routing.writes_object_data`), so SSE-C headers
    ask to encrypt what it writes. ``read``: it is GetObject or HeadObject, where an encryption
    request header is a bad argument. ``sse_s3``: the server runs with ``--sse-s3`` (SSE-S3 is kept)."""
    if not asks_anything_refusable(headers):
        return
    if any(name.startswith(_SSE_C_PREFIXES) for name in headers):
        if not secure:
            raise InvalidRequest(
                "Requests specifying Server Side Encryption with Customer provided keys "
                "must be made over a secure connection."
            )
        if write and any(name.startswith(_SSE_C_PREFIXES[0]) for name in headers):
            raise AccessDenied(_SSE_C_BLOCKED)
        raise NotImplementedError_(_NOT_ENCRYPTED.format(what="SSE-C"))
    if read:
        for name in _SSE:
            if name in headers:
                # API_GetObject.html / API_HeadObject.html: sent for an object encrypted with SSE-S3 (as
                # every object is on S3) it is "an HTTP 400 Bad Request error" (s3cmd#276 quotes S3).
                raise InvalidArgument(
                    f"{name} header is not supported for this operation.",
                    ArgumentName=name,
                    ArgumentValue=headers[name],
                )
    method = headers.get("x-amz-server-side-encryption")
    if method is not None and method not in _SSE_METHODS:
        # A value naming no method is a bad argument, as S3 answers it (s4cmd#63: "The encryption
        # method specified is not supported", 400), not a method cargobay lacks (501).
        raise InvalidArgument(
            "The encryption method specified is not supported",
            ArgumentName="x-amz-server-side-encryption",
            ArgumentValue=method,
        )
    for name in _SSE:
        if name in headers:
            if sse_s3 and name == "x-amz-server-side-encryption" and headers[name] == SSE_S3:
                continue
            raise NotImplementedError_(_NOT_ENCRYPTED.format(what=f"{name}: {headers[name]}"))
    if "x-amz-write-offset-bytes" in headers:
        raise NotImplementedError_("cargobay does not append to objects: x-amz-write-offset-bytes is not supported.")
    for name in ("x-amz-if-match-last-modified-time", "x-amz-if-match-size"):
        if name in headers:  # conditional deletes of directory buckets; If-Match is honoured
            raise NotImplementedError_(f"{name} is not supported; use If-Match with the object's ETag.")
    if "x-amz-if-match-initiated-time" in headers:  # AbortMultipartUpload of directory buckets
        raise NotImplementedError_("x-amz-if-match-initiated-time is not supported: the upload was not aborted.")
