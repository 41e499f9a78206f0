"""Condition keys of the AWS pages that the earlier policy tests did not use: the conditional-write
keys (s3:if-none-match, s3:if-match, s3:ObjectCreationOperation), s3:TlsVersion, s3:signatureAge,
the SSE-KMS key id, and the keys of credentials a request signed with long-term access keys
lacks (MFA, organizations). Each is taken by PutBucketPolicy and evaluated.

As in test_policy_conditions, most tests deny the bucket owner under a condition: "An explicit deny
in any of these policies overrides the allow" (reference_policies_evaluation-logic.html), so the
answer (403 or success) shows whether the condition held.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._policies import DENIED as _DENIED
from cargobay.testing.conformance_suite._policies import deny as _deny
from cargobay.testing.conformance_suite._policies import policy_in_place as _policy

_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
_ENFORCE_DOC = f"{_GUIDE}conditional-writes-enforce.html"
_KEYS_DOC = f"{_GUIDE}amazon-s3-policy-keys.html"
pytestmark = [pytest.mark.s3_requires("acl"), pytest.mark.aws_doc(_KEYS_DOC)]
_PART = b"p" * (5 * 1024 * 1024)


def _multipart(s3: Any, bucket: str, key: str, **complete: Any) -> Any:
    """Create an upload of ``key``, send one part and complete it with ``complete`` (its
    conditional headers); the CompleteMultipartUpload answer, or its error as raised."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=_PART)["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    try:
        return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload=parts, **complete)
    except Exception:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        raise


@pytest.mark.s3_requires("multipart", "copy")
@pytest.mark.aws_doc(_ENFORCE_DOC)
def test_if_none_match_condition_enforces_conditional_writes(s3: Any, bucket: str) -> None:
    """conditional-writes-enforce.html: a bucket policy can make every write carry If-None-Match
    (the key ``s3:if-none-match``), with ``s3:ObjectCreationOperation`` exempting
    CreateMultipartUpload, UploadPart and UploadPartCopy, "as these APIs don't accept conditional
    headers". A Deny of s3:PutObject when s3:if-none-match is absent (Null "true") and the request
    creates the object (Bool s3:ObjectCreationOperation "true") refuses a PutObject and a
    CompleteMultipartUpload without the header, and takes them with ``If-None-Match: *``; the
    upload's create and part go through; "CopyObject requests without an If-None-Match or If-Match
    HTTP header fail with a 403 Access Denied error"."""
    s3.put_object(Bucket=bucket, Key="source", Body=b"s")
    condition = {"Null": {"s3:if-none-match": "true"}, "Bool": {"s3:ObjectCreationOperation": "true"}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", condition)):
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="plain", Body=b"x")) == _DENIED
        s3.put_object(Bucket=bucket, Key="guarded", Body=b"x", IfNoneMatch="*")
        assert error_of(lambda: _multipart(s3, bucket, "mpu-plain")) == _DENIED
        _multipart(s3, bucket, "mpu-guarded", IfNoneMatch="*")
        copy = {"Bucket": bucket, "Key": "source"}
        assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="copy", CopySource=copy)) == _DENIED
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["guarded", "mpu-guarded", "source"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.aws_doc(_ENFORCE_DOC)
def test_if_match_condition_and_its_value(s3: Any, bucket: str) -> None:
    """s3:if-match is the If-Match header of a write (conditional-writes-enforce.html, example 2):
    a Deny of writes without it refuses a plain overwrite and takes one naming the current ETag.
    The key's value is the header's: a Deny of If-None-Match values other than "*" (StringNotEquals)
    lets ``If-None-Match: *`` through and refuses a write without the header (on an absent key a
    negated operator is true)."""
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"Null": {"s3:if-match": "true"}})):
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"v2")) == _DENIED
        s3.put_object(Bucket=bucket, Key="k", Body=b"v3", IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v3"
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"StringNotEquals": {"s3:if-none-match": "*"}})):
        s3.put_object(Bucket=bucket, Key="new", Body=b"n", IfNoneMatch="*")
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="other", Body=b"o")) == _DENIED


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_ENFORCE_DOC)
def test_object_creation_operation_tells_uploads_from_writes(s3: Any, bucket: str) -> None:
    """s3:ObjectCreationOperation is false for the multipart steps that do not create the object
    (CreateMultipartUpload, UploadPart) and true for those that do (PutObject,
    CompleteMultipartUpload): a Deny of s3:PutObject on "false" refuses starting an upload and
    lets a PutObject through."""
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", {"Bool": {"s3:ObjectCreationOperation": "false"}})):
        s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
        assert error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="mpu")) == _DENIED
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.s3_requires("tls")
@pytest.mark.aws_doc(f"{_GUIDE}amazon-s3-policy-keys.html#example-object-tls-version")
def test_tls_version_condition(tls_target: Any) -> None:
    """s3:TlsVersion is the TLS version of the connection, compared as a number (the user guide's
    example: Deny when NumericLessThan 1.2). A client on TLS 1.2 or later reads through that Deny,
    and is refused by one on NumericGreaterThanEquals 1.2."""
    client = tls_target.client()
    name = tls_target.new_bucket_name("tls-version")
    client.create_bucket(Bucket=name)
    try:
        client.put_object(Bucket=name, Key="k", Body=b"v")
        with _policy(client, name, _deny(name, "s3:GetObject", {"NumericLessThan": {"s3:TlsVersion": "1.2"}})):
            assert client.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
        newer = {"NumericGreaterThanEquals": {"s3:TlsVersion": 1.2}}
        with _policy(client, name, _deny(name, "s3:GetObject", newer)):
            assert error_of(lambda: client.get_object(Bucket=name, Key="k")) == _DENIED
    finally:
        tls_target.empty_and_delete(name)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html")
def test_signature_age_condition(s3: Any, bucket: str) -> None:
    """s3:signatureAge is the time in milliseconds since the request was signed
    (bucket-policy-s3-sigv4-conditions.html): a request signed just now is younger than ten minutes
    (a Deny on NumericGreaterThan 600000 lets it read; one on NumericLessThan 600000 refuses it)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", {"NumericGreaterThan": {"s3:signatureAge": "600000"}})):
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", {"NumericLessThan": {"s3:signatureAge": "600000"}})):
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED


@pytest.mark.aws_doc(f"{_GUIDE}example-bucket-policies.html")
def test_sse_kms_key_id_condition(s3: Any, bucket: str) -> None:
    """s3:x-amz-server-side-encryption-aws-kms-key-id is the KMS key a write asks for: the usual
    Deny of writes not naming the expected key (StringNotEquals) refuses a write that names none
    (an absent key satisfies a negated operator), and a Deny on StringEquals of that key does not
    refuse it."""
    key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    not_ours = {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", not_ours)):
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x")) == _DENIED
    ours = {"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}}
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", ours)):
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")


@pytest.mark.aws_doc(f"{_IAM}reference_policies_condition-keys.html", f"{_GUIDE}example-bucket-policies.html")
def test_mfa_and_organization_keys_of_long_term_credentials(s3: Any, bucket: str) -> None:
    """reference_policies_condition-keys.html: aws:MultiFactorAuthAge and aws:MultiFactorAuthPresent
    are not in the request context of a request signed with long-term access keys. So the user
    guide's "require MFA" Deny (Null aws:MultiFactorAuthAge "true"), and a Deny on BoolIfExists
    aws:MultiFactorAuthPresent "false", refuse the suite's read; a Deny for an organization the
    caller is in no way part of (StringEquals aws:PrincipalOrgID) does not."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    refusing: list[dict[str, Any]] = [
        {"Null": {"aws:MultiFactorAuthAge": "true"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
    ]
    for condition in refusing:
        with _policy(s3, bucket, _deny(bucket, "s3:GetObject", condition)):
            assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED, condition
    passing: list[dict[str, Any]] = [
        {"StringEquals": {"aws:PrincipalOrgID": "o-cargobay0none"}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-cargobay0none/*"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    ]
    for condition in passing:
        with _policy(s3, bucket, _deny(bucket, "s3:GetObject", condition)):
            assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v", condition


def test_policies_with_these_keys_are_returned_as_put(s3: Any, bucket: str) -> None:
    """A policy naming the keys above is taken and returned as it was put (compared as JSON)."""
    statement = _deny(
        bucket,
        "s3:PutObject",
        {
            "Null": {"s3:if-none-match": "true", "s3:if-match": "true"},
            "Bool": {"s3:ObjectCreationOperation": "true"},
            "NumericLessThan": {"s3:TlsVersion": "1.2", "s3:signatureAge": "600000"},
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-cargobay0none"},
        },
    )
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(text)


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html",
    f"{_GUIDE}tagging-and-policies.html",
)
def test_existing_object_tag_is_a_key_of_the_actions_that_list_it(s3: Any, bucket: str) -> None:
    """s3:ExistingObjectTag/<key> is in the request context of the actions the Service Authorization
    Reference lists it for (list_amazons3.html: GetObject, GetObjectTagging, PutObjectTagging,
    DeleteObjectTagging, GetObjectAcl, PutObjectAcl, GetObjectAttributes and their Version forms) and
    not in that of the others, DeleteObject and PutObject among them. So a Deny on an object tagged
    keep=yes refuses reading it and changing its tags, and does not refuse overwriting it (without
    tags) or deleting such an object (the key being absent there, StringEquals is false)."""
    for key in ("k", "d"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"v", Tagging="keep=yes")
    actions = ["s3:GetObject", "s3:PutObjectTagging", "s3:PutObject", "s3:DeleteObject"]
    statement = _deny(bucket, "s3:GetObject", {"StringEquals": {"s3:ExistingObjectTag/keep": "yes"}})
    statement["Action"] = actions
    tags = {"TagSet": [{"Key": "keep", "Value": "no"}]}
    with _policy(s3, bucket, statement):
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED
        assert error_of(lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tags)) == _DENIED
        s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
        assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"


@pytest.mark.aws_doc(f"{_IAM}reference_policies_condition-keys.html")
def test_service_and_region_keys_of_a_direct_request(s3: Any, bucket: str) -> None:
    """reference_policies_condition-keys.html: aws:PrincipalIsAWSService is in the context of every
    signed request, false unless an AWS service principal made it; aws:ViaAWSService likewise false
    for a request a principal makes itself; aws:CalledVia is absent then; aws:RequestedRegion is the
    Region the request was sent to. So a Deny on PrincipalIsAWSService "false", on ViaAWSService
    "false" or on the client's own Region refuses the suite's read, and one on PrincipalIsAWSService
    "true", on any aws:CalledVia value or on another Region does not."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    region = s3.meta.region_name
    other = "eu-west-3" if region != "eu-west-3" else "ap-south-2"
    refusing: list[dict[str, Any]] = [
        {"Bool": {"aws:PrincipalIsAWSService": "false"}},
        {"BoolIfExists": {"aws:ViaAWSService": "false"}},
        {"StringEquals": {"aws:RequestedRegion": region}},
    ]
    for condition in refusing:
        with _policy(s3, bucket, _deny(bucket, "s3:GetObject", condition)):
            assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k")) == _DENIED, condition
    passing: list[dict[str, Any]] = [
        {"Bool": {"aws:PrincipalIsAWSService": "true"}},
        {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}},
        {"StringEquals": {"aws:RequestedRegion": other}},
    ]
    for condition in passing:
        with _policy(s3, bucket, _deny(bucket, "s3:GetObject", condition)):
            assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v", condition


@pytest.mark.s3_requires("multipart", "copy")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html")
def test_request_keys_belong_to_the_actions_that_list_them(s3: Any, bucket: str) -> None:
    """list_amazons3.html gives each S3 condition key the actions whose context has it: s3:prefix
    those of ListBucket and ListBucketVersions, not ListBucketMultipartUploads; s3:x-amz-copy-source
    that of PutObject, not the GetObject a copy's source is read with. So a Deny on s3:prefix
    refuses a ListObjectsV2 with that prefix and not a ListMultipartUploads with it, and a Deny of
    s3:GetObject when the copy-source header is present (Null "false") leaves copies alone while
    the same Deny of s3:PutObject refuses them."""
    s3.put_object(Bucket=bucket, Key="secret/a", Body=b"v")
    secret = {"StringEquals": {"s3:prefix": "secret/"}}
    statement = _deny(bucket, "s3:ListBucket", secret, resource="")
    statement["Action"] = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    with _policy(s3, bucket, statement):
        assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="secret/")) == _DENIED
        assert s3.list_multipart_uploads(Bucket=bucket, Prefix="secret/").get("Uploads", []) == []
    copying = {"Null": {"s3:x-amz-copy-source": "false"}}
    source = {"Bucket": bucket, "Key": "secret/a"}
    with _policy(s3, bucket, _deny(bucket, "s3:GetObject", copying)):
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=source)
        assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"v"
    with _policy(s3, bucket, _deny(bucket, "s3:PutObject", copying)):
        assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="copy2", CopySource=source)) == _DENIED
