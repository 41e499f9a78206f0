"""ACLs, second pass: the AccessControlPolicy document (its Owner, its digest), every grantee form of
the x-amz-grant-* headers on PutObject, CopyObject, CreateMultipartUpload and PutObjectAcl, canned
and explicit ACLs together, ACLs of one version, and AccessControlListNotSupported for each request
that carries an ACL into a bucket whose Object Ownership is BucketOwnerEnforced.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html (grantee forms),
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html"),
]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def _my_id(s3: Any) -> str:
    return str(s3.list_buckets()["Owner"]["ID"])


def _policy(owner: str | None, grantee_id: str, permission: str = "FULL_CONTROL") -> bytes:
    """An AccessControlPolicy with ``owner`` (None: no Owner element) and one canonical-user grant."""
    owner_xml = "" if owner is None else f"<Owner><ID>{owner}</ID></Owner>"
    grant = (
        f'<Grant><Grantee xsi:type="CanonicalUser"><ID>{grantee_id}</ID></Grantee>'
        f"<Permission>{permission}</Permission></Grant>"
    )
    document = f"<AccessControlPolicy {_NS}>{owner_xml}<AccessControlList>{grant}</AccessControlList>"
    return (document + "</AccessControlPolicy>").encode()


def _acl_path(bucket: str, target: str) -> str:
    return key_path(bucket, "k") if target == "object" else "/" + bucket


def _grants(acl: dict[str, Any]) -> set[tuple[str, str]]:
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI") or "", g["Permission"]) for g in acl["Grants"]}


def _current_grants(s3: Any, bucket: str, target: str) -> set[tuple[str, str]]:
    got = s3.get_object_acl(Bucket=bucket, Key="k") if target == "object" else s3.get_bucket_acl(Bucket=bucket)
    return _grants(got)


# -- the AccessControlPolicy document -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["object", "bucket"])
def test_acl_document_without_owner_is_400_malformed_acl_error(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """API_AccessControlPolicy.html: the policy is an Owner and an AccessControlList (the published
    schema, AmazonS3.xsd, makes Owner a required element); AWS answers a document without one with
    400 MalformedACLError "The XML you provided was not well-formed or did not validate against our
    published schema" (boto/boto3#180, aws/aws-sdk-java-v2#3478). The ACL stays as it was."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    before = _current_grants(s3, bucket, target)
    body = _policy(None, _my_id(s3))
    answer = raw.request(
        "PUT", _acl_path(bucket, target), [("acl", "")], headers={"content-md5": md5_b64(body)}, body=body
    )
    refused(answer, 400, "MalformedACLError", accepted=f"a {target} ACL without Owner accepted")
    assert _current_grants(s3, bucket, target) == before


@pytest.mark.parametrize("target", ["object", "bucket"])
def test_acl_document_naming_another_owner_is_403_access_denied(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """acl-overview.html: the owner of a bucket or object is the account that created it, and an ACL
    cannot hand it to another: AWS refuses a PutObjectAcl/PutBucketAcl whose Owner ID is not the
    resource's owner with 403 AccessDenied (the answer recorded by ceph/s3-tests' test_object_giveaway and
    scality/cloudserver#367, "AWS rejects overwriting Owner ID"). The ACL stays as it was."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    me = _my_id(s3)
    before = _current_grants(s3, bucket, target)
    other = "1" * 64 if me != "1" * 64 else "2" * 64
    body = _policy(other, me)
    answer = raw.request(
        "PUT", _acl_path(bucket, target), [("acl", "")], headers={"content-md5": md5_b64(body)}, body=body
    )
    refused(answer, 403, "AccessDenied", accepted=f"a {target} ACL naming another owner accepted")
    assert _current_grants(s3, bucket, target) == before
    owner = (s3.get_object_acl(Bucket=bucket, Key="k") if target == "object" else s3.get_bucket_acl(Bucket=bucket))[
        "Owner"
    ]["ID"]
    assert owner == me


@pytest.mark.parametrize("target", ["object", "bucket"])
def test_acl_document_with_a_wrong_content_md5_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """API_PutObjectAcl.html / API_PutBucketAcl.html Content-MD5: "used as a message integrity check to
    verify that the request body was not corrupted in transit" (BadDigest when it does not match)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    before = _current_grants(s3, bucket, target)
    refuses_a_wrong_digest(raw, _acl_path(bucket, target), [("acl", "")], _policy(_my_id(s3), _my_id(s3)), "an ACL")
    assert _current_grants(s3, bucket, target) == before


# -- x-amz-grant-* headers ---------------------------------------------------------------------------------


def _writers(s3: Any, bucket: str) -> dict[str, Callable[..., Any]]:
    """The four requests that take x-amz-acl / x-amz-grant-* for an object, keyword arguments passed on."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    return {
        "put": lambda **kw: s3.put_object(Bucket=bucket, Key="k", Body=b"x", **kw),
        "copy": lambda **kw: s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"}, **kw),
        "multipart": lambda **kw: s3.create_multipart_upload(Bucket=bucket, Key="k", **kw),
        "put-acl": lambda **kw: s3.put_object_acl(Bucket=bucket, Key="src", **kw),
    }


WRITERS = ["put", "copy", "multipart", "put-acl"]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html")
@pytest.mark.parametrize("operation", ["put", "copy", "put-acl"])
def test_grant_headers_every_grantee_form(s3: Any, bucket: str, operation: str) -> None:
    """API_PutObject.html x-amz-grant-read: "id - if the value specified is the canonical user ID of an AWS
    account; uri - if you are granting permissions to a predefined group; emailAddress - ...", several
    grantees comma-separated, e.g. x-amz-grant-read: id="11112222333", id="444455556666"."""
    me = _my_id(s3)
    write = _writers(s3, bucket)[operation]
    write(GrantRead=f'id="{me}", uri="{ALL_USERS}"', GrantReadACP=f"id={me}", GrantFullControl=f'id="{me}"')
    key = "src" if operation == "put-acl" else "k"
    assert _grants(s3.get_object_acl(Bucket=bucket, Key=key)) == {
        (me, "READ"),
        (ALL_USERS, "READ"),
        (me, "READ_ACP"),
        (me, "FULL_CONTROL"),
    }


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
@pytest.mark.parametrize("operation", WRITERS)
def test_grant_header_to_an_unknown_email_is_400_unresolvable_grant(s3: Any, bucket: str, operation: str) -> None:
    """ErrorResponses.html: UnresolvableGrantByEmailAddress (400) "The email address you provided does not
    match any account on record"."""
    write = _writers(s3, bucket)[operation]
    assert error_of(lambda: write(GrantRead='emailAddress="nobody@example.invalid"')) == (
        400,
        "UnresolvableGrantByEmailAddress",
    )
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


@pytest.mark.parametrize("operation", WRITERS)
@pytest.mark.parametrize(
    "grant",
    ["bogus", 'name="x"', 'uri="http://example.com/not-a-group"', 'id="', "id"],
    ids=["no-type", "unknown-type", "unknown-group", "unclosed-quote", "no-value"],
)
def test_grant_header_malformed_is_400_invalid_argument(s3: Any, bucket: str, operation: str, grant: str) -> None:
    """API_PutObjectAcl.html: a grantee is type=value with type one of id, uri, emailAddress; anything else
    names no grantee and is refused with 400 InvalidArgument, and nothing is written."""
    write = _writers(s3, bucket)[operation]
    assert error_of(lambda: write(GrantRead=grant)) == (400, "InvalidArgument")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


@pytest.mark.parametrize("operation", ["put", "multipart", "put-acl"])
def test_canned_acl_and_grant_headers_together_is_400_invalid_request(s3: Any, bucket: str, operation: str) -> None:
    """API_PutObjectAcl.html: "You can use either a canned ACL or specify access permissions explicitly.
    You cannot do both." AWS: 400 InvalidRequest "Specifying both Canned ACLs and Header Grants is not
    allowed"."""
    write = _writers(s3, bucket)[operation]
    assert error_of(lambda: write(ACL="public-read", GrantRead=f'uri="{ALL_USERS}"')) == (400, "InvalidRequest")


# -- ACLs of one version ---------------------------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
def test_object_acl_by_version_id_is_that_versions_own(s3: Any, versioned_bucket: str) -> None:
    """API_PutObjectAcl.html / API_GetObjectAcl.html versionId: "used to reference a specific version of
    the object"; another version's ACL is not touched."""
    old = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"1")["VersionId"]
    new = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"2")["VersionId"]
    s3.put_object_acl(Bucket=versioned_bucket, Key="k", VersionId=old, ACL="public-read")
    assert (ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=versioned_bucket, Key="k", VersionId=old))
    assert (ALL_USERS, "READ") not in _grants(s3.get_object_acl(Bucket=versioned_bucket, Key="k", VersionId=new))
    assert (ALL_USERS, "READ") not in _grants(s3.get_object_acl(Bucket=versioned_bucket, Key="k"))


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html")
@pytest.mark.parametrize("operation", ["get", "put"])
def test_object_acl_of_a_delete_marker_by_version_id_is_405(s3: Any, versioned_bucket: str, operation: str) -> None:
    """DeleteMarker.html: a delete marker "does not have data or an ACL associated with it"; a request
    naming it by versionId other than DELETE is 405 MethodNotAllowed."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    if operation == "get":
        got = error_of(lambda: s3.get_object_acl(Bucket=versioned_bucket, Key="k", VersionId=marker))
    else:
        got = error_of(lambda: s3.put_object_acl(Bucket=versioned_bucket, Key="k", VersionId=marker, ACL="private"))
    assert got == (405, "MethodNotAllowed")


# -- BucketOwnerEnforced: every request carrying an ACL ----------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html")
@pytest.mark.parametrize(
    "request_name",
    [
        "put-grant",
        "copy-canned",
        "copy-grant",
        "multipart-canned",
        "multipart-grant",
        "put-object-acl-grant",
        "put-object-acl-document",
        "put-bucket-acl-grant",
        "put-bucket-acl-document",
    ],
)
def test_bucket_owner_enforced_refuses_each_acl_carrying_request(s3: Any, bucket: str, request_name: str) -> None:
    """object-ownership-error-responses.html: with Bucket owner enforced "Requests to set ACLs or update
    ACLs fail with a 400 error and return the AccessControlListNotSupported error code"; a PUT must
    "either specify bucket owner full control ACLs or not specify an ACL". Grants to everyone are
    neither, in a canned ACL, a grant header or a document."""
    me = _my_id(s3)
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    source = {"Bucket": bucket, "Key": "src"}
    public = {
        "Owner": {"ID": me},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": me}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
        ],
    }
    grant = {"GrantRead": f'uri="{ALL_USERS}"'}
    calls: dict[str, Callable[[], Any]] = {
        "put-grant": lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", **grant),
        "copy-canned": lambda: s3.copy_object(Bucket=bucket, Key="k", CopySource=source, ACL="public-read"),
        "copy-grant": lambda: s3.copy_object(Bucket=bucket, Key="k", CopySource=source, **grant),
        "multipart-canned": lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", ACL="public-read"),
        "multipart-grant": lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", **grant),
        "put-object-acl-grant": lambda: s3.put_object_acl(Bucket=bucket, Key="src", **grant),
        "put-object-acl-document": lambda: s3.put_object_acl(Bucket=bucket, Key="src", AccessControlPolicy=public),
        "put-bucket-acl-grant": lambda: s3.put_bucket_acl(Bucket=bucket, **grant),
        "put-bucket-acl-document": lambda: s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=public),
    }
    assert error_of(calls[request_name]) == (400, "AccessControlListNotSupported")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == {(me, "FULL_CONTROL")}


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html")
def test_public_access_block_with_a_wrong_content_md5_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutPublicAccessBlock.html Content-MD5: "The MD5 hash of the PutPublicAccessBlock request body";
    one that does not match is BadDigest and the configuration stays."""
    keep = {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=keep)
    body = (
        b'<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>"
    )
    refuses_a_wrong_digest(raw, "/" + bucket, [("publicAccessBlock", "")], body, "public access block")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == keep


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html")
def test_ownership_controls_with_a_wrong_content_md5_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutBucketOwnershipControls.html Content-MD5: "The MD5 hash of the OwnershipControls request
    body"; one that does not match is BadDigest and the setting stays."""
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    body = (
        b'<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>'
        b"<ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule></OwnershipControls>"
    )
    refuses_a_wrong_digest(raw, "/" + bucket, [("ownershipControls", "")], body, "ownership controls")
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "ObjectWriter"}]
