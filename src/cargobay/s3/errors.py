"""The single table of S3 errors: one class per AWS error code.

Each class carries ``code``, ``status`` and a default ``message`` as class attributes; extra XML
fields (``BucketName``, ``Key``, ``Condition``...) are keyword-only ``extra`` values. Positional
arguments never change meaning. The storage layer raises these; only
:mod:`cargobay.s3.http.errors` turns them into bytes. Conformance tests spell codes literally and
never import this table, so a wrong entry here cannot pass on both sides.

Codes and statuses follow the AWS S3 "Error responses" reference.
"""

from __future__ import annotations

from typing import ClassVar

from cargobay.errors import CargobayError


class S3Error(CargobayError):
    """An S3 protocol error with its AWS code and HTTP status."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "We encountered an internal error. Please try again."
    registry: ClassVar[dict[str, type[S3Error]]] = {}

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None, **extra: str) -> None:
        self.detail = message or type(self).message
        self.extra: dict[str, str] = {k: str(v) for k, v in extra.items()}
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{self.code}: {self.detail}")

    def __reduce__(self) -> tuple[type[S3Error], tuple[str], dict[str, object]]:
        """Rebuilt from ``detail``, not from ``args`` (the formatted "Code: detail", which
        ``__init__`` would prefix again): a copy or an unpickled error says what this one says.
        The extra fields, the headers and any notes come back with the instance's ``__dict__``."""
        return type(self), (self.detail,), dict(vars(self))

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        S3Error.registry[cls.code] = cls


class AccessDenied(S3Error):
    code, status, message = "AccessDenied", 403, "Access Denied"


class AuthorizationHeaderMalformed(S3Error):
    code, status, message = "AuthorizationHeaderMalformed", 400, "The authorization header is malformed."


class AuthorizationQueryParametersError(S3Error):
    code, status, message = (
        "AuthorizationQueryParametersError",
        400,
        "Query-string authentication parameters are malformed.",
    )


class BadDigest(S3Error):
    code, status, message = "BadDigest", 400, "The Content-MD5 you specified did not match what we received."


class BucketAlreadyExists(S3Error):
    code, status, message = "BucketAlreadyExists", 409, "The requested bucket name is not available."


class BucketAlreadyOwnedByYou(S3Error):
    code, status, message = (
        "BucketAlreadyOwnedByYou",
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    )


class BucketNotEmpty(S3Error):
    code, status, message = "BucketNotEmpty", 409, "The bucket you tried to delete is not empty."


class EntityTooSmall(S3Error):
    code, status, message = "EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size."


class EntityTooLarge(S3Error):
    code, status, message = "EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size."


class IncompleteBody(S3Error):
    code, status, message = (
        "IncompleteBody",
        400,
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    )


class InternalError(S3Error):
    code, status, message = "InternalError", 500, "We encountered an internal error. Please try again."


class InsufficientStorage(S3Error):
    """Not an AWS code (AWS never runs out of space); used for ENOSPC/EDQUOT, as MinIO does."""

    code, status, message = "InsufficientStorage", 507, "The server has no space left to store this object."


class InvalidChunkSizeError(S3Error):
    code, status, message = (
        "InvalidChunkSizeError",
        403,
        "Only the last chunk is allowed to have a size less than 8192 bytes",
    )


class InvalidAccessKeyId(S3Error):
    code, status, message = (
        "InvalidAccessKeyId",
        403,
        "The AWS access key ID you provided does not exist in our records.",
    )


class InvalidArgument(S3Error):
    code, status, message = "InvalidArgument", 400, "Invalid Argument"


class InvalidBucketName(S3Error):
    code, status, message = "InvalidBucketName", 400, "The specified bucket is not valid."


class InvalidDigest(S3Error):
    code, status, message = "InvalidDigest", 400, "The Content-MD5 you specified is not valid."


class InvalidPart(S3Error):
    code, status, message = (
        "InvalidPart",
        400,
        "One or more of the specified parts could not be found. The part might not have been uploaded, "
        "or the specified entity tag might not have matched the part's entity tag.",
    )


class InvalidPartOrder(S3Error):
    code, status, message = (
        "InvalidPartOrder",
        400,
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
    )


class InvalidRange(S3Error):
    code, status, message = "InvalidRange", 416, "The requested range is not satisfiable"


class InvalidRedirectLocation(S3Error):
    """An x-amz-website-redirect-location that is not "/...", "http://..." or "https://..." (not in
    ErrorResponses.html's list; the AWS answer is quoted in laurilehmijoki/s3_website#99)."""

    code, status = "InvalidRedirectLocation", 400
    message = "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."


class InvalidRequest(S3Error):
    code, status, message = "InvalidRequest", 400, "Invalid Request"


class InvalidTargetBucketForLogging(S3Error):
    # ErrorResponses.html: "The target bucket for logging doesn't exist, isn't owned by you, or doesn't
    # have the appropriate grants for the log-delivery group" (the grants are not checked here).
    code, status, message = "InvalidTargetBucketForLogging", 400, "The target bucket for logging does not exist"


class InvalidStorageClass(S3Error):
    code, status, message = "InvalidStorageClass", 400, "The storage class you specified is not valid"


class InvalidURI(S3Error):
    code, status, message = "InvalidURI", 400, "Couldn't parse the specified URI."


class KeyTooLongError(S3Error):
    code, status, message = "KeyTooLongError", 400, "Your key is too long"


class MalformedXML(S3Error):
    code, status, message = (
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


class MaxMessageLengthExceeded(S3Error):
    code, status, message = "MaxMessageLengthExceeded", 400, "Your request was too big."


class MetadataTooLarge(S3Error):
    code, status, message = (
        "MetadataTooLarge",
        400,
        "Your metadata headers exceed the maximum allowed metadata size.",
    )


class MethodNotAllowed(S3Error):
    code, status, message = "MethodNotAllowed", 405, "The specified method is not allowed against this resource."


class MissingContentLength(S3Error):
    code, status, message = "MissingContentLength", 411, "You must provide the Content-Length HTTP header."


class NoSuchBucket(S3Error):
    code, status, message = "NoSuchBucket", 404, "The specified bucket does not exist"


class NoSuchKey(S3Error):
    code, status, message = "NoSuchKey", 404, "The specified key does not exist."


class NoSuchUpload(S3Error):
    code, status, message = (
        "NoSuchUpload",
        404,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
        "aborted or completed.",
    )


class NotImplementedError_(S3Error):
    code, status, message = "NotImplemented", 501, "A header you provided implies functionality that is not implemented"


class NotModified(S3Error):
    """304 is not an error in AWS's table, but it ends a request early exactly like one (no body)."""

    code, status, message = "NotModified", 304, "Not Modified"


class ConditionalRequestConflict(S3Error):
    """A conditional write lost a race: its condition held when it began, not when it would publish."""

    code, status, message = (
        "ConditionalRequestConflict",
        409,
        "A conflicting conditional operation is currently in progress against this resource. Try again.",
    )


class PreconditionFailed(S3Error):
    code, status, message = (
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
    )


class RequestHeaderSectionTooLarge(S3Error):
    code, status, message = (
        "RequestHeaderSectionTooLarge",
        400,
        "Your request header section exceeds the maximum allowed size.",
    )


class RequestTimeTooSkewed(S3Error):
    code, status, message = (
        "RequestTimeTooSkewed",
        403,
        "The difference between the request time and the server's time is too large.",
    )


class RequestTimeout(S3Error):
    code, status, message = (
        "RequestTimeout",
        400,
        "Your socket connection to the server was not read from or written to within the timeout period.",
    )


class SignatureDoesNotMatch(S3Error):
    code, status, message = (
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )


class XAmzContentSHA256Mismatch(S3Error):
    code, status, message = (
        "XAmzContentSHA256Mismatch",
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )


class NoSuchCORSConfiguration(S3Error):
    code, status, message = "NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"


class NoSuchWebsiteConfiguration(S3Error):
    code, status, message = (
        "NoSuchWebsiteConfiguration",
        404,
        "The specified bucket does not have a website configuration",
    )


class NoSuchConfiguration(S3Error):
    """An analytics, inventory, metrics or Intelligent-Tiering configuration id that does not exist."""

    code, status, message = "NoSuchConfiguration", 404, "The specified configuration does not exist."


class ServerSideEncryptionConfigurationNotFoundError(S3Error):
    code, status, message = (
        "ServerSideEncryptionConfigurationNotFoundError",
        404,
        "The server side encryption configuration was not found",
    )


class ReplicationConfigurationNotFoundError(S3Error):
    code, status, message = "ReplicationConfigurationNotFoundError", 404, "The replication configuration was not found"


class NoSuchTagSet(S3Error):
    code, status, message = "NoSuchTagSet", 404, "The TagSet does not exist"


class InvalidTag(S3Error):
    code, status, message = "InvalidTag", 400, "The tag provided was not a valid tag."


class SlowDown(S3Error):
    code, status, message = "SlowDown", 503, "Please reduce your request rate."


class IllegalLocationConstraintException(S3Error):
    code, status, message = (
        "IllegalLocationConstraintException",
        400,
        "The location constraint is incompatible with the region of this endpoint.",
    )


class InvalidLocationConstraint(S3Error):
    code, status, message = "InvalidLocationConstraint", 400, "The specified location constraint is not valid."


class MissingRequestBodyError(S3Error):
    code, status, message = "MissingRequestBodyError", 400, "Request Body is empty"


class AccessForbidden(S3Error):
    """A CORS preflight no rule allows (AWS answers 403 AccessForbidden)."""

    code, status, message = "AccessForbidden", 403, "CORSResponse: This CORS request is not allowed."


class MalformedPOSTRequest(S3Error):
    code, status, message = (
        "MalformedPOSTRequest",
        400,
        "The body of your POST request is not well-formed multipart/form-data.",
    )


class InvalidPolicyDocument(S3Error):
    """A browser form's POST policy that is not a valid document (sigv4-HTTPPOSTConstructPolicy.html)."""

    code, status, message = (
        "InvalidPolicyDocument",
        400,
        "The content of the form does not meet the conditions specified in the policy document.",
    )


class IncorrectNumberOfFilesInPostRequest(S3Error):
    code, status, message = (
        "IncorrectNumberOfFilesInPostRequest",
        400,
        "POST requires exactly one file upload per request.",
    )


class MaxPostPreDataLengthExceeded(S3Error):
    code, status, message = (
        "MaxPostPreDataLengthExceeded",
        400,
        "Your POST request fields preceding the upload file were too large.",
    )


class MalformedPolicy(S3Error):
    code, status, message = "MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"


class NoSuchBucketPolicy(S3Error):
    code, status, message = "NoSuchBucketPolicy", 404, "The bucket policy does not exist"


class BadRequest(S3Error):
    """AWS's generic 400, used e.g. for more than 10 object tags."""

    code, status, message = "BadRequest", 400, "Bad Request"


class NoSuchVersion(S3Error):
    code, status, message = "NoSuchVersion", 404, "The specified version does not exist."


class InvalidBucketState(S3Error):
    code, status, message = "InvalidBucketState", 409, "The request is not valid with the current state of the bucket."


class IllegalVersioningConfigurationException(S3Error):
    code, status, message = (
        "IllegalVersioningConfigurationException",
        400,
        "The Versioning element must be specified",
    )


class ObjectLockConfigurationNotFoundError(S3Error):
    code, status, message = (
        "ObjectLockConfigurationNotFoundError",
        404,
        "Object Lock configuration does not exist for this bucket",
    )


class NoSuchObjectLockConfiguration(S3Error):
    code, status = "NoSuchObjectLockConfiguration", 404
    message = "The specified object does not have a ObjectLock configuration"


# -- ACLs, ownership, public access block, bucket configurations (issue 19) -----------------------


class MalformedACLError(S3Error):
    code, status, message = (
        "MalformedACLError",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


class UnresolvableGrantByEmailAddress(S3Error):
    code, status, message = (
        "UnresolvableGrantByEmailAddress",
        400,
        "The email address you provided does not match any account on record.",
    )


class UnexpectedContent(S3Error):
    code, status, message = "UnexpectedContent", 400, "This request does not support content"


class AccessControlListNotSupported(S3Error):
    code, status, message = "AccessControlListNotSupported", 400, "The bucket does not allow ACLs"


class OwnershipControlsNotFoundError(S3Error):
    code, status, message = (
        "OwnershipControlsNotFoundError",
        404,
        "The bucket ownership controls were not found",
    )


class NoSuchPublicAccessBlockConfiguration(S3Error):
    code, status, message = (
        "NoSuchPublicAccessBlockConfiguration",
        404,
        "The public access block configuration was not found",
    )


class NoSuchLifecycleConfiguration(S3Error):
    code, status, message = "NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist"


class InvalidBucketAclWithObjectOwnership(S3Error):
    code, status, message = (
        "InvalidBucketAclWithObjectOwnership",
        400,
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    )
