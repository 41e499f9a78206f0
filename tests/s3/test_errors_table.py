"""Every S3 error class against a literal (code, status) list from the AWS error-code reference."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import pytest

from cargobay.s3.errors import S3Error

AWS = {
    "AccessDenied": 403,
    "AuthorizationHeaderMalformed": 400,
    "AuthorizationQueryParametersError": 400,
    "BadDigest": 400,
    "BucketAlreadyExists": 409,
    "BucketAlreadyOwnedByYou": 409,
    "BucketNotEmpty": 409,
    "EntityTooSmall": 400,
    "EntityTooLarge": 400,
    "IncompleteBody": 400,
    "InvalidChunkSizeError": 403,
    "InternalError": 500,
    "InvalidAccessKeyId": 403,
    "InvalidArgument": 400,
    "InvalidBucketName": 400,
    "InvalidDigest": 400,
    "InvalidPart": 400,
    "InvalidPartOrder": 400,
    "InvalidRange": 416,
    "InvalidRequest": 400,
    "InvalidStorageClass": 400,
    "InvalidTargetBucketForLogging": 400,
    "InvalidURI": 400,
    "KeyTooLongError": 400,
    "MalformedXML": 400,
    "MaxMessageLengthExceeded": 400,
    "MetadataTooLarge": 400,
    "MethodNotAllowed": 405,
    "MissingContentLength": 411,
    "NoSuchBucket": 404,
    "NoSuchKey": 404,
    "NoSuchUpload": 404,
    "NotImplemented": 501,
    "ConditionalRequestConflict": 409,
    "PreconditionFailed": 412,
    "RequestTimeTooSkewed": 403,
    "RequestTimeout": 400,
    "SignatureDoesNotMatch": 403,
    "XAmzContentSHA256Mismatch": 400,
    "NoSuchCORSConfiguration": 404,
    "NoSuchTagSet": 404,
    "NoSuchWebsiteConfiguration": 404,
    "NoSuchConfiguration": 404,
    "ReplicationConfigurationNotFoundError": 404,
    "ServerSideEncryptionConfigurationNotFoundError": 404,
    "InvalidTag": 400,
    "SlowDown": 503,
    "RequestHeaderSectionTooLarge": 400,
    "IllegalLocationConstraintException": 400,
    "InvalidLocationConstraint": 400,
    "MissingRequestBodyError": 400,
    "AccessForbidden": 403,
    "MalformedPOSTRequest": 400,
    "InvalidPolicyDocument": 400,
    "IncorrectNumberOfFilesInPostRequest": 400,
    "MaxPostPreDataLengthExceeded": 400,
    "MalformedPolicy": 400,
    "NoSuchBucketPolicy": 404,
    "BadRequest": 400,
    "AccessControlListNotSupported": 400,
    "MalformedACLError": 400,
    "NoSuchLifecycleConfiguration": 404,
    "NoSuchPublicAccessBlockConfiguration": 404,
    "OwnershipControlsNotFoundError": 404,
    "UnresolvableGrantByEmailAddress": 400,
    "InvalidBucketAclWithObjectOwnership": 400,
    # Versioning and object lock (AWS "Error responses" list; NoSuchObjectLockConfiguration is the
    # 404 of GetObjectRetention on a version without retention).
    "NoSuchVersion": 404,
    "InvalidBucketState": 409,
    "IllegalVersioningConfigurationException": 400,
    "ObjectLockConfigurationNotFoundError": 404,
    "NoSuchObjectLockConfiguration": 404,
    "UnexpectedContent": 400,
    # Not in the list, but AWS's answer to a bad x-amz-website-redirect-location (quoted in
    # laurilehmijoki/s3_website#99: "Status Code: 400; Error Code: InvalidRedirectLocation").
    "InvalidRedirectLocation": 400,
    # Not AWS error codes, with the status cargobay uses and why:
    "NotModified": 304,  # a conditional GET's 304, raised like an error to end the request early
    "InsufficientStorage": 507,  # ENOSPC/EDQUOT; AWS never runs out of space (MinIO uses 507 too)
}


def test_every_error_class_has_the_aws_code_and_status() -> None:
    table = {code: cls.status for code, cls in S3Error.registry.items()}
    unknown = set(table) - set(AWS)
    assert not unknown, f"error classes without a reviewed AWS entry: {sorted(unknown)}"
    for code, cls in S3Error.registry.items():
        assert cls.code == code
        assert (code, cls.status) == (code, AWS[code])
        assert cls.message and not cls.message.startswith(" ")


def test_extra_fields_are_keyword_only_and_message_overrides() -> None:
    cls = S3Error.registry["NoSuchKey"]
    err = cls("custom text", Key="a/b")
    assert err.detail == "custom text" and err.extra == {"Key": "a/b"}
    assert cls().detail == "The specified key does not exist."


@pytest.mark.parametrize("how", [copy.copy, lambda e: pickle.loads(pickle.dumps(e))], ids=["copy", "pickle"])
def test_error_copy_and_pickle_give_an_equal_error(how: Callable[[S3Error], S3Error]) -> None:
    """A copy (a shared pass's error handed to each of its waiters) or a pickled error says what the
    original says: same class, message, detail, extra fields and headers."""
    cls = S3Error.registry["NoSuchKey"]
    err = cls("gone", headers={"x-amz-delete-marker": "true"}, Key="a/b")
    again = how(err)
    assert again is not err and type(again) is cls
    assert (str(again), again.args) == ("NoSuchKey: gone", ("NoSuchKey: gone",))
    assert (again.detail, again.extra, again.headers) == ("gone", {"Key": "a/b"}, {"x-amz-delete-marker": "true"})
