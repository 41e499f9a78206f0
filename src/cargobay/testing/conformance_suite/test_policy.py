"""Bucket policies: prefix-pattern resources and conditions (aws:SourceIp, aws:SecureTransport,
s3:prefix, s3:ExistingObjectTag), evaluated for anonymous callers.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._policies import policy_document

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl", "multi_user"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html"),
]


_policy = policy_document


def test_policy_prefix_resource_with_source_ip_condition(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b", Body=b"b")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/public*",
                "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}},
            }
        ),
    )
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="public/a")["Body"].read() == b"a"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="private/b")) == (403, "AccessDenied")


def test_policy_source_ip_condition_that_does_not_match_denies(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            }
        ),
    )
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="public/a")) == (403, "AccessDenied")


def test_policy_s3_prefix_condition_on_list_bucket(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="home/a", Body=b"a")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": ["home/*"]}},
            }
        ),
    )
    anonymous = s3_endpoint.anonymous_client()
    assert [o["Key"] for o in anonymous.list_objects_v2(Bucket=bucket, Prefix="home/")["Contents"]] == ["home/a"]
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket, Prefix="other/")) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket)) == (403, "AccessDenied")


def test_policy_existing_object_tag_condition(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"a", Tagging="share=yes")
    s3.put_object(Bucket=bucket, Key="b", Body=b"b", Tagging="share=no")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/share": "yes"}},
            }
        ),
    )
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="a")["Body"].read() == b"a"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="b")) == (403, "AccessDenied")


def test_policy_deny_insecure_transport(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    # example-bucket-policies.html: deny when aws:SecureTransport is false. The owner is denied too.
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    )
    if s3_endpoint.endpoint.url.startswith("https"):
        assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"a"
    else:
        assert error_of(lambda: s3.get_object(Bucket=bucket, Key="a")) == (403, "AccessDenied")


def test_policy_unknown_condition_operator_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    text = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"NoSuchOperator": {"aws:SourceIp": "10.0.0.0/8"}},
        }
    )
    assert error_of(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=text)) == (400, "MalformedPolicy")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html")
def test_policy_action_that_applies_to_no_resource_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """Each S3 action has its resource type (list_amazons3.html: s3:ListBucket a bucket, s3:GetObject
    an object): a statement naming an action none of its resources can be is refused, 400
    MalformedPolicy "Action does not apply to any resource(s) in statement" (the answer to the usual
    slip, ListBucket on "bucket/*"). With both resources, or a wildcard action, it is taken."""
    objects, whole = f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}"
    cases: list[tuple[str | list[str], str]] = [
        ("s3:ListBucket", objects),
        (["s3:GetObject", "s3:ListBucket"], objects),
        ("s3:GetObject", whole),
    ]
    for action, resource in cases:
        text = _policy({"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource})
        assert error_of(functools.partial(s3.put_bucket_policy, Bucket=bucket, Policy=text)) == (
            400,
            "MalformedPolicy",
        ), action
    assert error_of(lambda: s3.get_bucket_policy(Bucket=bucket)) == (404, "NoSuchBucketPolicy")
    both = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [whole, objects],
        },
        {"Effect": "Allow", "Principal": "*", "Action": "s3:Get*", "Resource": objects},
    )
    assert s3.put_bucket_policy(Bucket=bucket, Policy=both)["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html")
def test_policy_version_other_than_2012_or_2008_is_400_malformed_policy(s3: Any, bucket: str) -> None:
    """The Version element takes 2012-10-17 or 2008-10-17 (absent: 2008-10-17); any other value
    is 400 MalformedPolicy ("The policy must contain a valid version string")."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    for version in ("2017-06-20", ""):
        text = json.dumps({"Version": version, "Statement": [statement]})
        assert error_of(functools.partial(s3.put_bucket_policy, Bucket=bucket, Policy=text)) == (
            400,
            "MalformedPolicy",
        ), version
    assert error_of(lambda: s3.get_bucket_policy(Bucket=bucket)) == (404, "NoSuchBucketPolicy")
    for accepted in ({"Version": "2008-10-17"}, {}):
        text = json.dumps({**accepted, "Statement": [statement]})
        assert s3.put_bucket_policy(Bucket=bucket, Policy=text)["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)


def test_policy_request_object_tag_condition_on_put(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    # amazon-s3-policy-keys.html: s3:RequestObjectTag/<key> is the tag sent with the PUT (x-amz-tagging).
    # API_PutObject.html (Permissions): a PUT that sets tags needs s3:PutObjectTagging beside s3:PutObject.
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:PutObject", "s3:PutObjectTagging"],
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"s3:RequestObjectTag/upload": "ok"}},
            }
        ),
    )
    anonymous = s3_endpoint.anonymous_client()
    anonymous.put_object(Bucket=bucket, Key="tagged", Body=b"t", Tagging="upload=ok")
    assert error_of(lambda: anonymous.put_object(Bucket=bucket, Key="untagged", Body=b"u")) == (403, "AccessDenied")
    assert s3.get_object(Bucket=bucket, Key="tagged")["Body"].read() == b"t"


def test_policy_deny_by_canned_acl_header_applies_to_the_owner(s3: Any, bucket: str) -> None:
    # An explicit Deny wins over everything, the bucket owner included (reference_policies_evaluation-logic.html).
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringLike": {"s3:x-amz-acl": "public*"}},
            }
        ),
    )
    s3.put_object(Bucket=bucket, Key="private", Body=b"p", ACL="private")
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="public", Body=b"p", ACL="public-read")) == (
        403,
        "AccessDenied",
    )


def _alt_policy(s3: Any, bucket: str, alt: Any, actions: list[str], resource: str) -> None:
    """Allow the second user (named by canonical id, so the policy is not public) ``actions``."""
    alt_id = alt.list_buckets()["Owner"]["ID"]
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": {"CanonicalUser": alt_id},
                "Action": actions,
                "Resource": f"arn:aws:s3:::{bucket}/{resource}",
            }
        ),
    )


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_is_authorized_per_key(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_DeleteObjects.html: the request deletes each object the caller may delete
    (s3:DeleteObject on that object's ARN) and reports each other key as an <Error> with Code
    AccessDenied, in a 200 response; the refused object stays."""
    for key in ("tmp/a", "keep/b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    alt = s3_endpoint.alt_client()
    _alt_policy(s3, bucket, alt, ["s3:DeleteObject"], "tmp/*")
    done = alt.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "tmp/a"}, {"Key": "keep/b"}]})
    assert [d["Key"] for d in done.get("Deleted", [])] == ["tmp/a"]
    assert [(e["Key"], e["Code"]) for e in done.get("Errors", [])] == [("keep/b", "AccessDenied")]
    assert s3.get_object(Bucket=bucket, Key="keep/b")["Body"].read() == b"x"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="tmp/a")) == (404, None)


def _deny_deletes_under_locked(s3: Any, bucket: str) -> None:
    """Objects ``locked/a`` and ``free/b``, and a policy denying everyone s3:DeleteObject on ``locked/*``."""
    for key in ("locked/a", "free/b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{bucket}/locked/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(deny))


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_by_the_owner_is_refused_per_key_by_a_deny(s3: Any, bucket: str) -> None:
    """An explicit Deny wins over everything, the bucket owner included
    (reference_policies_evaluation-logic.html); API_DeleteObjects.html: each key the caller may
    not delete is an <Error> with Code AccessDenied in a 200 response, the others are <Deleted>
    (a key that does not exist too), and the refused object stays."""
    _deny_deletes_under_locked(s3, bucket)
    try:
        done = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": "locked/a"}, {"Key": "free/b"}, {"Key": "free/missing"}]}
        )
        assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert sorted(d["Key"] for d in done.get("Deleted", [])) == ["free/b", "free/missing"]
        assert [(e["Key"], e["Code"]) for e in done.get("Errors", [])] == [("locked/a", "AccessDenied")]
    finally:
        s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="locked/a")["Body"].read() == b"x"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="free/b")) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
def test_delete_objects_quiet_still_reports_refused_keys(s3: Any, bucket: str) -> None:
    """API_DeleteObjects.html, Quiet: "In quiet mode the response includes only keys where the
    delete action encountered an error." A key refused by a Deny is that <Error> (AccessDenied);
    the deleted keys are not listed."""
    _deny_deletes_under_locked(s3, bucket)
    try:
        done = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": "free/b"}, {"Key": "locked/a"}], "Quiet": True}
        )
        assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert "Deleted" not in done
        assert [(e["Key"], e["Code"]) for e in done.get("Errors", [])] == [("locked/a", "AccessDenied")]
    finally:
        s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="locked/a")["Body"].read() == b"x"


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_reading_a_named_version_needs_get_object_version(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_GetObject.html (Versioning): "If you include a versionId in your request header, you must
    have the s3:GetObjectVersion permission to access a specific version of an object. The
    s3:GetObject permission is not required in this scenario." API_DeleteObject.html: removing a
    specific version needs s3:DeleteObjectVersion."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"v")["VersionId"]
    alt = s3_endpoint.alt_client()
    try:
        _alt_policy(s3, bucket, alt, ["s3:GetObject", "s3:DeleteObject"], "*")
        assert alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
        assert error_of(lambda: alt.get_object(Bucket=bucket, Key="k", VersionId=version)) == (403, "AccessDenied")
        assert error_of(lambda: alt.delete_object(Bucket=bucket, Key="k", VersionId=version)) == (403, "AccessDenied")
        _alt_policy(s3, bucket, alt, ["s3:GetObjectVersion", "s3:DeleteObjectVersion"], "*")
        assert alt.get_object(Bucket=bucket, Key="k", VersionId=version)["Body"].read() == b"v"
        assert error_of(lambda: alt.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
        assert alt.delete_object(Bucket=bucket, Key="k", VersionId=version)["ResponseMetadata"]["HTTPStatusCode"] == 204
    finally:
        for entry in s3.list_object_versions(Bucket=bucket).get("Versions", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html")
def test_writes_that_set_tags_or_an_acl_need_those_permissions(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_PutObject.html (Permissions): "s3:PutObjectAcl - To successfully change the objects ACL of
    your PutObject request, you must have the s3:PutObjectAcl", and "s3:PutObjectTagging - To
    successfully set the tag-set with your PutObject request, you must have the s3:PutObjectTagging".
    A caller a bucket policy allows only s3:PutObject (and s3:GetObject, to copy) is refused 403
    AccessDenied when a PutObject, a CopyObject that replaces the tags, or a CreateMultipartUpload sets
    tags or grants, and nothing is written; the same writes without them succeed, and once the policy
    adds the two actions they succeed with the tags and the grant in place."""
    # ObjectWriter, so that a grant header is accepted at all (about-object-ownership.html).
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    owner_id = s3.list_buckets()["Owner"]["ID"]
    s3.put_object(Bucket=bucket, Key="source", Body=b"s")
    alt = s3_endpoint.alt_client()
    _alt_policy(s3, bucket, alt, ["s3:PutObject", "s3:GetObject"], "*")
    tagged: dict[str, Any] = {"Tagging": "team=blue"}
    granted: dict[str, Any] = {"GrantRead": f'id="{owner_id}"'}
    copy_tagged: dict[str, Any] = {"TaggingDirective": "REPLACE", "Tagging": "team=blue"}
    source = {"Bucket": bucket, "Key": "source"}
    refused = {
        "put-tagged": lambda: alt.put_object(Bucket=bucket, Key="put-tagged", Body=b"x", **tagged),
        "put-granted": lambda: alt.put_object(Bucket=bucket, Key="put-granted", Body=b"x", **granted),
        "copy-tagged": lambda: alt.copy_object(Bucket=bucket, Key="copy-tagged", CopySource=source, **copy_tagged),
        "mpu-tagged": lambda: alt.create_multipart_upload(Bucket=bucket, Key="mpu-tagged", **tagged),
        "mpu-granted": lambda: alt.create_multipart_upload(Bucket=bucket, Key="mpu-granted", **granted),
    }
    for name, write in refused.items():
        assert error_of(write) == (403, "AccessDenied"), name
    for key in ("put-tagged", "put-granted", "copy-tagged"):
        assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key)) == (404, None), key  # noqa: B023
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    alt.put_object(Bucket=bucket, Key="plain", Body=b"x")
    alt.copy_object(Bucket=bucket, Key="plain-copy", CopySource=source)

    _alt_policy(
        s3,
        bucket,
        alt,
        ["s3:PutObject", "s3:GetObject", "s3:PutObjectTagging", "s3:PutObjectAcl", "s3:GetObjectTagging"],
        "*",
    )
    alt.put_object(Bucket=bucket, Key="put-tagged", Body=b"x", **tagged)
    alt.copy_object(Bucket=bucket, Key="copy-tagged", CopySource=source, **copy_tagged)
    for key in ("put-tagged", "copy-tagged"):
        assert alt.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [{"Key": "team", "Value": "blue"}], key
    alt.put_object(Bucket=bucket, Key="put-granted", Body=b"x", **granted)
    grants = alt.get_object_acl(Bucket=bucket, Key="put-granted")["Grants"]
    assert {"Grantee": {"ID": owner_id, "Type": "CanonicalUser"}, "Permission": "READ"} in [
        {"Grantee": {k: v for k, v in g["Grantee"].items() if k in ("ID", "Type")}, "Permission": g["Permission"]}
        for g in grants
    ]
    upload = alt.create_multipart_upload(Bucket=bucket, Key="mpu-tagged", **tagged)["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="mpu-tagged", UploadId=upload)


def _deny_get_object_when(s3: Any, bucket: str, condition: dict[str, Any]) -> None:
    """An object "k" and a policy denying everyone s3:GetObject under ``condition``."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy({**statement, "Condition": condition}))


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html")
def test_policy_auth_type_condition_refuses_presigned_urls(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """bucket-policy-s3-sigv4-conditions.html: s3:authType is REST-HEADER for a signed Authorization
    header and REST-QUERY-STRING for a presigned URL; a Deny on REST-QUERY-STRING refuses the
    presigned GET with 403 AccessDenied while the header-signed GET is served."""
    import urllib.error
    import urllib.request

    _deny_get_object_when(s3, bucket, {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300)
    try:
        with urllib.request.urlopen(url, timeout=30):
            raise AssertionError("the presigned GET was served despite the Deny on REST-QUERY-STRING")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403 and b"<Code>AccessDenied</Code>" in exc.read()


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html")
def test_policy_signature_version_condition_refuses_sigv2(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """bucket-policy-s3-sigv4-conditions.html: s3:signatureversion is "AWS" for Signature Version 2
    and "AWS4-HMAC-SHA256" for Signature Version 4; a Deny on "AWS" refuses a SigV2 request with 403
    AccessDenied while a SigV4 request is served."""
    _deny_get_object_when(s3, bucket, {"StringEquals": {"s3:signatureversion": "AWS"}})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    sigv2 = s3_endpoint.client(signature_version="s3")
    assert error_of(lambda: sigv2.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_missing_key_is_403_without_list_bucket(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_GetObject.html and API_HeadObject.html (Permissions): for an object that does not exist,
    "If you have the s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP status code 404
    Not Found error. If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status
    code 403 Access Denied error." So a caller a policy lets read objects but not list cannot learn
    which keys exist: GET and HEAD of a missing key are 403 AccessDenied; once s3:ListBucket is granted
    on the bucket they are 404 NoSuchKey (HEAD: no body, so no code)."""
    s3.put_object(Bucket=bucket, Key="there", Body=b"x")
    alt = s3_endpoint.alt_client()
    _alt_policy(s3, bucket, alt, ["s3:GetObject"], "*")
    assert alt.get_object(Bucket=bucket, Key="there")["Body"].read() == b"x"
    assert error_of(lambda: alt.get_object(Bucket=bucket, Key="missing")) == (403, "AccessDenied")
    assert error_of(lambda: alt.head_object(Bucket=bucket, Key="missing"))[0] == 403
    alt_id = alt.list_buckets()["Owner"]["ID"]
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {
                "Effect": "Allow",
                "Principal": {"CanonicalUser": alt_id},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
            {
                "Effect": "Allow",
                "Principal": {"CanonicalUser": alt_id},
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            },
        ),
    )
    assert error_of(lambda: alt.get_object(Bucket=bucket, Key="missing")) == (404, "NoSuchKey")
    assert error_of(lambda: alt.head_object(Bucket=bucket, Key="missing"))[0] == 404
