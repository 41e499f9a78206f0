"""ACLs, third pass: the grants each canned ACL expands to on a bucket and on an object, grant
headers on buckets, and what an anonymous caller, any signed caller (AuthenticatedUsers) and a
second account may do on a private, public-read and public-read-write bucket, object by object and
version by version; bucket-owner-full-control from another account under Bucket owner enforced; the
ACL a re-created us-east-1 bucket is reset to; and that every write (and version) has its own ACL.

References (expected values are taken from these pages):
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html (canned ACLs and the
  grants they stand for; who is a grantee; the mapping of ACL permissions to actions)
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html (x-amz-acl, x-amz-grant-*)
- https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (AccessDenied, 403)
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/VersionedObjectPermissionsandACLs.html

Buckets that are to hold a public ACL are made with ACLs enabled (ObjectOwnership ObjectWriter) and
without a public access block, as on AWS, whose new buckets have both switched the other way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

pytestmark = [pytest.mark.s3_requires("acl"), pytest.mark.aws_doc(_GUIDE + "acl-overview.html")]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def _my_id(s3: Any) -> str:
    return str(s3.list_buckets()["Owner"]["ID"])


def _owner_id(s3: Any, bucket: str) -> str:
    """The bucket's owner as its ACL names it (the canonical id every grant to the owner carries)."""
    return str(s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"])


def _grants(acl: dict[str, Any]) -> set[tuple[str, str]]:
    """(ID or URI, permission) of each grant."""
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI") or "", g["Permission"]) for g in acl["Grants"]}


def _acl_bucket(s3: Any, new_bucket_name: Callable[[str], str], hint: str, acl: str | None = None) -> str:
    """A bucket with ACLs enabled and no public access block, with canned ``acl`` when given."""
    name = new_bucket_name(hint)
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=name)
    if acl is not None:
        s3.put_bucket_acl(Bucket=name, ACL=acl)
    return name


# -- what each canned ACL stands for ---------------------------------------------------------------
# acl-overview.html#canned-acl: private "Owner gets FULL_CONTROL. No one else has access rights";
# public-read adds "The AllUsers group gets READ access"; public-read-write READ and WRITE;
# authenticated-read "The AuthenticatedUsers group gets READ access"; log-delivery-write (bucket)
# "The LogDelivery group gets WRITE and READ_ACP permissions on the bucket".

BUCKET_CANNED = {
    "private": set(),
    "public-read": {(ALL_USERS, "READ")},
    "public-read-write": {(ALL_USERS, "READ"), (ALL_USERS, "WRITE")},
    "authenticated-read": {(AUTHENTICATED_USERS, "READ")},
    "log-delivery-write": {(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")},
}


@pytest.mark.aws_doc(_API + "API_PutBucketAcl.html")
@pytest.mark.parametrize("canned", list(BUCKET_CANNED))
def test_put_bucket_acl_canned_acl_expands_to_its_grants(s3: Any, new_bucket_name: Any, canned: str) -> None:
    name = _acl_bucket(s3, new_bucket_name, "canned", canned)
    acl = s3.get_bucket_acl(Bucket=name)
    me = acl["Owner"]["ID"]
    assert _grants(acl) == {(me, "FULL_CONTROL")} | BUCKET_CANNED[canned]


@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
@pytest.mark.parametrize("canned", ["private", "log-delivery-write"])
def test_create_bucket_canned_acl_expands_to_its_grants(s3: Any, new_bucket_name: Any, canned: str) -> None:
    """CreateBucket x-amz-acl: "The canned ACL to apply to the bucket" (the non-public ones here:
    a public ACL at creation meets a new AWS bucket's public access block)."""
    name = new_bucket_name("cbcanned")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", ACL=canned)
    me = _owner_id(s3, name)
    assert _grants(s3.get_bucket_acl(Bucket=name)) == {(me, "FULL_CONTROL")} | BUCKET_CANNED[canned]


@pytest.mark.parametrize("canned", ["bucket-owner-read", "bucket-owner-full-control"])
def test_create_bucket_with_a_bucket_owner_canned_acl_ignores_it(s3: Any, new_bucket_name: Any, canned: str) -> None:
    """acl-overview.html#canned-acl, bucket-owner-read and bucket-owner-full-control: "If you specify
    this canned ACL when creating a bucket, Amazon S3 ignores it": the bucket is its owner's alone."""
    name = new_bucket_name("cbowner")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", ACL=canned)
    assert _grants(s3.get_bucket_acl(Bucket=name)) == {(_owner_id(s3, name), "FULL_CONTROL")}


@pytest.mark.s3_requires("multi_user")
@pytest.mark.parametrize(
    ("canned", "bucket_owner_gets"),
    [("bucket-owner-read", "READ"), ("bucket-owner-full-control", "FULL_CONTROL")],
)
def test_object_bucket_owner_canned_acl_grants_the_bucket_owner(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, canned: str, bucket_owner_gets: str
) -> None:
    """acl-overview.html#canned-acl: bucket-owner-read "Object owner gets FULL_CONTROL. Bucket owner
    gets READ access"; bucket-owner-full-control "Both the object owner and the bucket owner get
    FULL_CONTROL over the object". A second account writes into the bucket (WRITE granted to it):
    the object is its own, and the bucket owner holds exactly the canned grant: with READ it may
    read the object but not its ACL (READ_ACP), with FULL_CONTROL both."""
    name = _acl_bucket(s3, new_bucket_name, "bo")
    alt = s3_endpoint.alt_client()
    me, alt_id = _my_id(s3), _my_id(alt)
    s3.put_bucket_acl(Bucket=name, GrantFullControl=f'id="{me}"', GrantWrite=f'id="{alt_id}"')
    alt.put_object(Bucket=name, Key="k", Body=b"from alt", ACL=canned)
    acl = alt.get_object_acl(Bucket=name, Key="k")
    assert acl["Owner"]["ID"] == alt_id
    assert _grants(acl) == {(alt_id, "FULL_CONTROL"), (me, bucket_owner_gets)}
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"from alt"
    if bucket_owner_gets == "READ":
        assert error_of(lambda: s3.get_object_acl(Bucket=name, Key="k")) == (403, "AccessDenied")
    else:
        assert _grants(s3.get_object_acl(Bucket=name, Key="k")) == _grants(acl)


# -- grant headers on buckets ------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_grant_headers_are_its_acl(s3: Any, new_bucket_name: Any) -> None:
    """CreateBucket x-amz-grant-full-control / -read / -read-acp / -write / -write-acp: "Allows
    grantee ..."; grantees as id=, uri=, several in one header, comma separated."""
    name = new_bucket_name("cbgrant")
    me = _my_id(s3)
    s3.create_bucket(
        Bucket=name,
        ObjectOwnership="ObjectWriter",
        GrantFullControl=f'id="{me}"',
        GrantWrite=f'uri="{LOG_DELIVERY}"',
        GrantReadACP=f'uri="{LOG_DELIVERY}", id="{me}"',
    )
    assert _grants(s3.get_bucket_acl(Bucket=name)) == {
        (me, "FULL_CONTROL"),
        (LOG_DELIVERY, "WRITE"),
        (LOG_DELIVERY, "READ_ACP"),
        (me, "READ_ACP"),
    }


@pytest.mark.aws_doc(_API + "API_PutBucketAcl.html")
@pytest.mark.parametrize("request_name", ["create-bucket", "put-bucket-acl"])
def test_bucket_canned_acl_and_grant_headers_together_is_400_invalid_request(
    s3: Any, new_bucket_name: Any, request_name: str
) -> None:
    """API_PutBucketAcl.html: "You can use either a canned ACL or specify access permissions
    explicitly. You cannot do both." (400 InvalidRequest); the ACL stays, no bucket is made."""
    me = _my_id(s3)
    both = {"ACL": "private", "GrantRead": f'id="{me}"'}
    if request_name == "create-bucket":
        name = new_bucket_name("both")
        assert error_of(lambda: s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", **both)) == (
            400,
            "InvalidRequest",
        )
        assert error_of(lambda: s3.head_bucket(Bucket=name))[0] == 404
        return
    name = _acl_bucket(s3, new_bucket_name, "both")
    assert error_of(lambda: s3.put_bucket_acl(Bucket=name, **both)) == (400, "InvalidRequest")
    assert _grants(s3.get_bucket_acl(Bucket=name)) == {(me, "FULL_CONTROL")}


@pytest.mark.aws_doc(_API + "API_PutBucketAcl.html")
@pytest.mark.parametrize(
    "grant",
    ["bogus", 'name="x"', 'uri="http://example.com/not-a-group"', "id"],
    ids=["no-type", "unknown-type", "unknown-group", "no-value"],
)
def test_put_bucket_acl_malformed_grant_header_is_400_invalid_argument(
    s3: Any, new_bucket_name: Any, grant: str
) -> None:
    """API_PutBucketAcl.html: a grantee is type=value with type id, uri or emailAddress; anything
    else names no grantee: 400 InvalidArgument, and the bucket's ACL stays as it was."""
    name = _acl_bucket(s3, new_bucket_name, "badgrant", "public-read")
    before = _grants(s3.get_bucket_acl(Bucket=name))
    assert error_of(lambda: s3.put_bucket_acl(Bucket=name, GrantRead=grant)) == (400, "InvalidArgument")
    assert _grants(s3.get_bucket_acl(Bucket=name)) == before


# -- anonymous callers -------------------------------------------------------------------------------


def _anonymous_calls(anonymous: Any, bucket: str) -> dict[str, Callable[[], Any]]:
    return {
        "get-object": lambda: anonymous.get_object(Bucket=bucket, Key="k"),
        "head-object": lambda: anonymous.head_object(Bucket=bucket, Key="k"),
        "put-object": lambda: anonymous.put_object(Bucket=bucket, Key="k", Body=b"overwritten"),
        "delete-object": lambda: anonymous.delete_object(Bucket=bucket, Key="k"),
        "list-objects": lambda: anonymous.list_objects(Bucket=bucket),
        "list-objects-v2": lambda: anonymous.list_objects_v2(Bucket=bucket),
        "list-object-versions": lambda: anonymous.list_object_versions(Bucket=bucket),
        "head-bucket": lambda: anonymous.head_bucket(Bucket=bucket),
        "get-bucket-acl": lambda: anonymous.get_bucket_acl(Bucket=bucket),
        "get-object-acl": lambda: anonymous.get_object_acl(Bucket=bucket, Key="k"),
        "put-object-acl": lambda: anonymous.put_object_acl(Bucket=bucket, Key="k", ACL="public-read"),
        "put-bucket-acl": lambda: anonymous.put_bucket_acl(Bucket=bucket, ACL="public-read-write"),
    }


ANONYMOUS_CALLS = list(_anonymous_calls(None, ""))


@pytest.mark.s3_requires("multi_user")
@pytest.mark.parametrize("call", ANONYMOUS_CALLS)
def test_anonymous_request_on_a_private_bucket_is_403_access_denied(
    s3_endpoint: S3Target, s3: Any, bucket: str, call: str
) -> None:
    """acl-overview.html: a private bucket and object grant nothing to anyone but the owner, so every
    unsigned request is 403 AccessDenied (HEAD: the status alone, it has no body), and nothing
    changes: the object, its ACL and the bucket's are as they were."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"private")
    status, code = error_of(_anonymous_calls(s3_endpoint.anonymous_client(), bucket)[call])
    assert status == 403
    assert code == (None if call.startswith("head-") else "AccessDenied")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"private"
    me = _owner_id(s3, bucket)
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == {(me, "FULL_CONTROL")}
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == {(me, "FULL_CONTROL")}


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_anonymous_access_denied_is_an_error_document(raw: RawS3, s3: Any, bucket: str, method: str) -> None:
    """ErrorResponses.html: an error is an XML document, ``<Error>`` with Code AccessDenied, a
    Message ("Access Denied") and the RequestId also sent as x-amz-request-id."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"private")
    answer = raw.send(key_path(bucket, "k"), method=method, body=b"x" if method == "PUT" else b"")
    refused(answer, 403, "AccessDenied", accepted=f"anonymous {method} of a private object accepted")
    assert answer.headers.get("content-type", "").startswith("application/xml")
    root = answer.xml()
    assert root.tag == "Error"
    assert root.findtext("Message") == "Access Denied"
    assert root.findtext("RequestId") and root.findtext("RequestId") == answer.headers.get("x-amz-request-id")


# What an unsigned caller gets on a public-read bucket holding a private object: READ on the bucket
# is s3:ListBucket and s3:ListBucketVersions (acl-overview.html, "Mapping of ACL permissions and
# access policy permissions"); the object's own ACL decides its reads; WRITE was not granted.
PUBLIC_READ_ALLOWS = {"list-objects", "list-objects-v2", "list-object-versions", "head-bucket"}


@pytest.mark.s3_requires("multi_user")
@pytest.mark.parametrize("call", ANONYMOUS_CALLS)
def test_anonymous_request_on_a_public_read_bucket(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, call: str
) -> None:
    """acl-overview.html: a bucket ACL grants on the bucket, an object ACL on the object; a
    public-read bucket lets anyone list it (the private key is listed) but not read that object,
    write, delete, or read either ACL (READ is not READ_ACP)."""
    name = _acl_bucket(s3, new_bucket_name, "pubread", "public-read")
    s3.put_object(Bucket=name, Key="k", Body=b"private")
    do = _anonymous_calls(s3_endpoint.anonymous_client(), name)[call]
    if call in PUBLIC_READ_ALLOWS:
        got = do()
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
        if call != "head-bucket":
            listed = got.get("Contents") or got.get("Versions") or []
            assert [o["Key"] for o in listed] == ["k"]
    else:
        assert error_of(do)[0] == 403
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"private"
    assert (ALL_USERS, "WRITE") not in _grants(s3.get_bucket_acl(Bucket=name))


@pytest.mark.s3_requires("multi_user")
def test_anonymous_put_and_list_on_a_public_read_write_bucket(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """acl-overview.html: public-read-write grants AllUsers READ and WRITE on the bucket: an unsigned
    caller may write a new object and list; the bucket owner's private object stays unreadable to
    it, and the bucket's ACL stays closed to it (no READ_ACP or WRITE_ACP)."""
    name = _acl_bucket(s3, new_bucket_name, "pubrw", "public-read-write")
    s3.put_object(Bucket=name, Key="owners", Body=b"private")
    anonymous = s3_endpoint.anonymous_client()
    anonymous.put_object(Bucket=name, Key="dropped", Body=b"from nobody")
    assert s3.get_object(Bucket=name, Key="dropped")["Body"].read() == b"from nobody"
    assert sorted(o["Key"] for o in anonymous.list_objects_v2(Bucket=name)["Contents"]) == ["dropped", "owners"]
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="owners")) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.get_bucket_acl(Bucket=name)) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.put_bucket_acl(Bucket=name, ACL="private")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user")
def test_public_read_object_is_readable_and_headable_but_its_acl_is_not(
    s3_endpoint: S3Target, s3: Any, bucket: str
) -> None:
    """acl-overview.html: an object's READ grant to AllUsers lets anyone GET and HEAD it (in a
    private bucket); READ_ACP granted to AllUsers lets anyone read its ACL; neither lets anyone
    change it (WRITE_ACP)."""
    anonymous = s3_endpoint.anonymous_client()
    s3.put_object(Bucket=bucket, Key="k", Body=b"open", ACL="public-read")
    head = anonymous.head_object(Bucket=bucket, Key="k")
    assert (head["ResponseMetadata"]["HTTPStatusCode"], head["ContentLength"]) == (200, 4)
    assert error_of(lambda: anonymous.get_object_acl(Bucket=bucket, Key="k")) == (403, "AccessDenied")
    me = _my_id(s3)
    s3.put_object_acl(Bucket=bucket, Key="k", GrantFullControl=f'id="{me}"', GrantReadACP=f'uri="{ALL_USERS}"')
    assert _grants(anonymous.get_object_acl(Bucket=bucket, Key="k")) == {(me, "FULL_CONTROL"), (ALL_USERS, "READ_ACP")}
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")) == (
        403,
        "AccessDenied",
    )


@pytest.mark.s3_requires("multi_user")
@pytest.mark.parametrize("target", ["object", "bucket"])
def test_authenticated_users_is_every_signed_caller_not_anonymous(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, target: str
) -> None:
    """acl-overview.html, Amazon S3 predefined groups: Authenticated Users "represents all AWS
    accounts. Access permission to this group allows any AWS account to access the resource ...
    all requests must be signed (authenticated)". authenticated-read lets a second account read
    (the object) or list (the bucket); an unsigned request is still 403."""
    name = _acl_bucket(s3, new_bucket_name, "authread")
    s3.put_object(
        Bucket=name, Key="k", Body=b"for members", ACL="authenticated-read" if target == "object" else "private"
    )
    alt, anonymous = s3_endpoint.alt_client(), s3_endpoint.anonymous_client()
    if target == "object":
        assert alt.get_object(Bucket=name, Key="k")["Body"].read() == b"for members"
        assert error_of(lambda: anonymous.get_object(Bucket=name, Key="k")) == (403, "AccessDenied")
        assert error_of(lambda: alt.list_objects_v2(Bucket=name)) == (403, "AccessDenied")
    else:
        s3.put_bucket_acl(Bucket=name, ACL="authenticated-read")
        assert [o["Key"] for o in alt.list_objects_v2(Bucket=name)["Contents"]] == ["k"]
        assert error_of(lambda: anonymous.list_objects_v2(Bucket=name)) == (403, "AccessDenied")
        assert error_of(lambda: alt.get_object(Bucket=name, Key="k")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user", "versioning")
@pytest.mark.aws_doc(_API + "API_PutObjectAcl.html")
def test_anonymous_read_follows_the_acl_of_the_version_it_names(
    s3_endpoint: S3Target, s3: Any, versioned_bucket: str
) -> None:
    """API_PutObjectAcl.html versionId: the ACL is set on that version; a public-read old version
    is readable (GET and its ACL's READ need the grant on that version) while the current one stays
    private, and the other way round."""
    bucket = versioned_bucket
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"new")["VersionId"]
    s3.put_object_acl(Bucket=bucket, Key="k", VersionId=old, ACL="public-read")
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="k", VersionId=old)["Body"].read() == b"old"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k", VersionId=new)) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
    s3.put_object_acl(Bucket=bucket, Key="k", VersionId=old, ACL="private")
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"new"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k", VersionId=old)) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
def test_anonymous_list_buckets_and_create_bucket_are_403_access_denied(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """API_ListBuckets.html: "you must have the s3:ListAllMyBuckets permission", and creating a
    bucket makes the caller its owner (API_CreateBucket.html): an unsigned caller is no account, so
    both are 403 AccessDenied, and no bucket is made."""
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.list_buckets()) == (403, "AccessDenied")
    name = new_bucket_name("anonmade")
    assert error_of(lambda: anonymous.create_bucket(Bucket=name)) == (403, "AccessDenied")
    assert error_of(lambda: s3.head_bucket(Bucket=name))[0] == 404


@pytest.mark.s3_requires("multi_user", "multipart")
@pytest.mark.aws_doc(_API + "API_CreateMultipartUpload.html")
def test_anonymous_multipart_upload_into_a_public_read_write_bucket(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """acl-overview.html: WRITE on the bucket is s3:PutObject, the permission CreateMultipartUpload,
    UploadPart and CompleteMultipartUpload need (API_CreateMultipartUpload.html, Permissions): an
    unsigned caller may upload in parts into a public-read-write bucket."""
    name = _acl_bucket(s3, new_bucket_name, "anonmp", "public-read-write")
    anonymous = s3_endpoint.anonymous_client()
    upload = anonymous.create_multipart_upload(Bucket=name, Key="mp")["UploadId"]
    etag = anonymous.upload_part(Bucket=name, Key="mp", UploadId=upload, PartNumber=1, Body=b"in parts")["ETag"]
    anonymous.complete_multipart_upload(
        Bucket=name, Key="mp", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.get_object(Bucket=name, Key="mp")["Body"].read() == b"in parts"


@pytest.mark.s3_requires("multi_user")
@pytest.mark.parametrize(
    "call",
    [
        "get-bucket-versioning",
        "get-bucket-location",
        "get-bucket-policy",
        "get-bucket-ownership-controls",
        "get-public-access-block",
        "put-bucket-versioning",
        "delete-bucket",
        "get-object-tagging",
        "put-object-tagging",
    ],
)
def test_bucket_and_object_acls_grant_nothing_beyond_their_permissions(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, call: str
) -> None:
    """acl-overview.html, "Mapping of ACL permissions and access policy permissions": READ and WRITE
    on a bucket grant listing and writing objects, READ on an object reading it; no ACL grants the
    bucket's configuration or an object's tags. An unsigned caller on a public-read-write bucket
    holding a public-read object is 403 AccessDenied for each of these, and nothing changes."""
    name = _acl_bucket(s3, new_bucket_name, "beyond", "public-read-write")
    s3.put_object(Bucket=name, Key="k", Body=b"x", ACL="public-read", Tagging="a=1")
    anonymous = s3_endpoint.anonymous_client()
    calls: dict[str, Callable[[], Any]] = {
        "get-bucket-versioning": lambda: anonymous.get_bucket_versioning(Bucket=name),
        "get-bucket-location": lambda: anonymous.get_bucket_location(Bucket=name),
        "get-bucket-policy": lambda: anonymous.get_bucket_policy(Bucket=name),
        "get-bucket-ownership-controls": lambda: anonymous.get_bucket_ownership_controls(Bucket=name),
        "get-public-access-block": lambda: anonymous.get_public_access_block(Bucket=name),
        "put-bucket-versioning": lambda: anonymous.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": "Enabled"}
        ),
        "delete-bucket": lambda: anonymous.delete_bucket(Bucket=name),
        "get-object-tagging": lambda: anonymous.get_object_tagging(Bucket=name, Key="k"),
        "put-object-tagging": lambda: anonymous.put_object_tagging(Bucket=name, Key="k", Tagging={"TagSet": []}),
    }
    assert error_of(calls[call]) == (403, "AccessDenied")
    assert s3.get_object_tagging(Bucket=name, Key="k")["TagSet"] == [{"Key": "a", "Value": "1"}]
    assert s3.get_bucket_versioning(Bucket=name).get("Status") is None


@pytest.mark.s3_requires("multi_user", "attributes")
@pytest.mark.aws_doc(_API + "API_GetObjectAttributes.html")
def test_anonymous_get_object_attributes_follows_the_objects_read_grant(
    s3_endpoint: S3Target, s3: Any, bucket: str
) -> None:
    """API_GetObjectAttributes.html (Permissions): "To use GetObjectAttributes, you must have READ
    access to the object": a public-read object's attributes are anyone's to read, a private one's
    are not."""
    s3.put_object(Bucket=bucket, Key="public", Body=b"four", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private", Body=b"four")
    anonymous = s3_endpoint.anonymous_client()
    got = anonymous.get_object_attributes(Bucket=bucket, Key="public", ObjectAttributes=["ObjectSize"])
    assert got["ObjectSize"] == 4
    assert error_of(
        lambda: anonymous.get_object_attributes(Bucket=bucket, Key="private", ObjectAttributes=["ObjectSize"])
    ) == (403, "AccessDenied")


# -- bucket-owner-full-control under Object Ownership ---------------------------------------------------


@pytest.mark.s3_requires("multi_user", "multipart", "copy")
@pytest.mark.aws_doc(_GUIDE + "object-ownership-error-responses.html")
@pytest.mark.parametrize("request_name", ["put", "copy", "multipart"])
@pytest.mark.parametrize("acl", ["canned", "grant-header"])
def test_bucket_owner_enforced_takes_bucket_owner_full_control_from_another_account(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, request_name: str, acl: str
) -> None:
    """API_PutObject.html x-amz-acl: buckets with Bucket owner enforced "only accept PUT requests
    that don't specify an ACL or PUT requests that specify bucket owner full control ACLs, such as
    the bucket-owner-full-control canned ACL or an equivalent form of this ACL"; that is what a
    second account writing into another's bucket sends (object-ownership-error-responses.html:
    "All S3 PUT requests must either specify the bucket-owner-full-control canned ACL or not specify
    an ACL"). PutObject, CopyObject and CreateMultipartUpload from a second account the policy lets
    write are taken, and the object is the bucket owner's, with its one FULL_CONTROL grant."""
    name = new_bucket_name("enfbofc")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced")
    alt = s3_endpoint.alt_client()
    owner, alt_id = _owner_id(s3, name), _my_id(alt)
    statement = {
        "Effect": "Allow",
        "Principal": {"CanonicalUser": alt_id},
        "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"],
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    s3.put_object(Bucket=name, Key="src", Body=b"copied")
    full = {"ACL": "bucket-owner-full-control"} if acl == "canned" else {"GrantFullControl": f'id="{owner}"'}
    if request_name == "put":
        alt.put_object(Bucket=name, Key="k", Body=b"copied", **full)
    elif request_name == "copy":
        alt.copy_object(Bucket=name, Key="k", CopySource={"Bucket": name, "Key": "src"}, **full)
    else:
        upload = alt.create_multipart_upload(Bucket=name, Key="k", **full)["UploadId"]
        etag = alt.upload_part(Bucket=name, Key="k", UploadId=upload, PartNumber=1, Body=b"copied")["ETag"]
        alt.complete_multipart_upload(
            Bucket=name, Key="k", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
        )
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"copied"
    got = s3.get_object_acl(Bucket=name, Key="k")
    assert got["Owner"]["ID"] == owner
    assert _grants(got) == {(owner, "FULL_CONTROL")}


@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_again_in_us_east_1_resets_the_bucket_acl(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """API_CreateBucket.html, BucketAlreadyOwnedByYou: "if you re-create an existing bucket that you
    already own in the North Virginia Region, Amazon S3 returns 200 OK and resets the bucket access
    control lists (ACLs)": a public-read bucket created again without an ACL is private. Elsewhere
    (and where us-east-1 answers 409 BucketAlreadyOwnedByYou) nothing changes."""
    name = _acl_bucket(s3, new_bucket_name, "reset", "public-read")
    public = _grants(s3.get_bucket_acl(Bucket=name))
    owner = _owner_id(s3, name)
    from botocore.exceptions import ClientError

    try:
        if s3_endpoint.endpoint.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": s3_endpoint.endpoint.region})
    except ClientError as exc:
        assert (exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"]) == (
            409,
            "BucketAlreadyOwnedByYou",
        )
        assert _grants(s3.get_bucket_acl(Bucket=name)) == public
        return
    assert s3_endpoint.endpoint.region == "us-east-1", "re-creating an owned bucket outside us-east-1 accepted"
    assert _grants(s3.get_bucket_acl(Bucket=name)) == {(owner, "FULL_CONTROL")}


# -- an ACL belongs to the object (version) a write makes ---------------------------------------------


@pytest.mark.s3_requires("multi_user", "copy")
@pytest.mark.parametrize("write", ["overwrite", "copy-onto-itself"])
def test_a_new_write_gets_its_own_acl_not_the_old_objects(
    s3_endpoint: S3Target, s3: Any, bucket: str, write: str
) -> None:
    """acl-overview.html: "When you create a bucket or an object, Amazon S3 creates a default ACL that
    grants the resource owner full control", and a PUT or a copy makes a new object
    (API_CopyObject.html: the copy's ACL is set by the request, not taken from the source). Writing
    a public-read object again without an ACL (an overwrite, or copying it onto itself to replace its
    metadata) leaves it private: anonymous GET is 403 afterwards."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v1", ACL="public-read")
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v1"
    if write == "overwrite":
        s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
    else:
        s3.copy_object(
            Bucket=bucket,
            Key="k",
            CopySource={"Bucket": bucket, "Key": "k"},
            MetadataDirective="REPLACE",
            Metadata={"edited": "yes"},
        )
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == {(_owner_id(s3, bucket), "FULL_CONTROL")}
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user", "versioning")
@pytest.mark.aws_doc(_GUIDE + "VersionedObjectPermissionsandACLs.html")
def test_each_version_keeps_the_acl_it_was_written_with(s3_endpoint: S3Target, s3: Any, versioned_bucket: str) -> None:
    """VersionedObjectPermissionsandACLs.html: "Permissions for objects in Amazon S3 are set at the
    version level": a version written public-read stays readable by anyone (GET and HEAD by its
    version id) after a private version is written over it; the current one is not."""
    bucket = versioned_bucket
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old", ACL="public-read")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=bucket, Key="k", VersionId=old)["Body"].read() == b"old"
    assert anonymous.head_object(Bucket=bucket, Key="k", VersionId=old)["ContentLength"] == 3
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
