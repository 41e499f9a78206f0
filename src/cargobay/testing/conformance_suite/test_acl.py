"""ACLs and identity: canned ACLs and grants on buckets and objects, who the owner is, and what
anonymous callers and a second user may do because of an ACL.

References (expected values are taken from these pages):
- canned ACLs and their grants: https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html
- owner fields: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (FetchOwner),
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
- browser POST: https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._forms import form_post
from cargobay.testing.conformance_suite._http import RawS3, key_path

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"),
]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def _grants(acl: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(grantee type, ID or URI, permission) of each grant."""
    out = set()
    for grant in acl["Grants"]:
        grantee = grant["Grantee"]
        who = grantee.get("ID") or grantee.get("URI") or ""
        out.add((grantee["Type"], who, grant["Permission"]))
    return out


def _my_id(s3: Any) -> str:
    return str(s3.list_buckets()["Owner"]["ID"])


@pytest.mark.parametrize(
    ("canned", "extra"),
    [
        ("private", set()),
        ("public-read", {("Group", ALL_USERS, "READ")}),
        ("public-read-write", {("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE")}),
        ("authenticated-read", {("Group", AUTHENTICATED_USERS, "READ")}),
    ],
)
def test_put_object_canned_acl_is_kept(s3: Any, bucket: str, canned: str, extra: set[tuple[str, str, str]]) -> None:
    # acl-overview.html#canned-acl: the owner gets FULL_CONTROL plus the canned grants.
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    me = _my_id(s3)
    assert acl["Owner"]["ID"] == me
    assert _grants(acl) == {("CanonicalUser", me, "FULL_CONTROL")} | extra


def test_copy_object_canned_acl_is_kept(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, ACL="public-read")
    assert ("Group", ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=bucket, Key="dst"))
    # The copy gets its own ACL (private by default), not the source's (API_CopyObject.html).
    s3.put_object_acl(Bucket=bucket, Key="src", ACL="public-read")
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource={"Bucket": bucket, "Key": "src"})
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="dst2")) == {("CanonicalUser", _my_id(s3), "FULL_CONTROL")}


@pytest.mark.s3_requires("multipart")
def test_create_multipart_upload_canned_acl_is_kept(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"x")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert ("Group", ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=bucket, Key="mp"))


def test_put_object_acl_canned_then_grant_headers_then_body(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    me = _my_id(s3)
    assert s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert ("Group", ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=bucket, Key="k"))
    # x-amz-grant-* headers replace the ACL (API_PutObjectAcl.html, "Access permissions").
    s3.put_object_acl(Bucket=bucket, Key="k", GrantFullControl=f'id="{me}"', GrantRead=f'uri="{AUTHENTICATED_USERS}"')
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == {
        ("CanonicalUser", me, "FULL_CONTROL"),
        ("Group", AUTHENTICATED_USERS, "READ"),
    }
    policy = {
        "Owner": {"ID": me},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": me}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ_ACP"},
        ],
    }
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=policy)
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == {
        ("CanonicalUser", me, "FULL_CONTROL"),
        ("Group", ALL_USERS, "READ_ACP"),
    }


def test_put_object_acl_missing_key_is_404_no_such_key(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="none", ACL="public-read")) == (404, "NoSuchKey")


def test_put_object_acl_unknown_canned_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="bogus-acl")) == (400, "InvalidArgument")


def test_put_object_canned_acl_header_not_utf8_is_400_invalid_argument(raw: RawS3, s3: Any, bucket: str) -> None:
    """An x-amz-acl holding the byte 0xFC (not UTF-8) names no canned ACL: 400 InvalidArgument
    like any unknown one, as an error document (the value it echoes is not UTF-8), nothing stored."""
    not_utf8 = b"\xfc".decode("utf-8", "surrogateescape")
    answer = raw.request("PUT", key_path(bucket, "k"), headers={"x-amz-acl": not_utf8}, body=b"x")
    refused(answer, 400, "InvalidArgument", accepted="x-amz-acl that is not UTF-8 accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_put_object_acl_unknown_canonical_id_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    # A grant to a canonical user that does not exist: 400 InvalidArgument ("Invalid id").
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    nobody = "0" * 64
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=f'id="{nobody}"')) == (
        400,
        "InvalidArgument",
    )


def test_put_bucket_acl_grant_headers_and_body(s3: Any, bucket: str) -> None:
    me = _my_id(s3)
    s3.put_bucket_acl(
        Bucket=bucket,
        GrantFullControl=f'id="{me}"',
        GrantRead=f'uri="{ALL_USERS}"',
        GrantWriteACP=f'uri="{AUTHENTICATED_USERS}"',
    )
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == {
        ("CanonicalUser", me, "FULL_CONTROL"),
        ("Group", ALL_USERS, "READ"),
        ("Group", AUTHENTICATED_USERS, "WRITE_ACP"),
    }
    policy = {
        "Owner": {"ID": me},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": me}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"},
        ],
    }
    assert s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == {
        ("CanonicalUser", me, "FULL_CONTROL"),
        ("Group", ALL_USERS, "WRITE"),
    }


def test_put_bucket_acl_malformed_body_is_400_malformed_acl_error(s3: Any, bucket: str) -> None:
    # API_PutBucketAcl.html / ErrorResponses: MalformedACLError for a document that is not an ACL.
    def put() -> Any:
        return s3.put_bucket_acl(
            Bucket=bucket,
            AccessControlPolicy={
                "Owner": {"ID": _my_id(s3)},
                "Grants": [
                    {"Grantee": {"Type": "Group", "URI": "http://example.com/not-a-group"}, "Permission": "READ"}
                ],
            },
        )

    status, code = error_of(put)
    assert status == 400 and code in ("MalformedACLError", "InvalidArgument")


def test_owner_id_is_one_64_hex_id_everywhere(s3: Any, bucket: str) -> None:
    """ListBuckets, GetBucketAcl, GetObjectAcl, ListObjectsV2 FetchOwner and ListObjects (v1) name the
    same canonical user (a 64-hex-digit ID, acl-overview.html#specifying-grantee)."""
    me = _my_id(s3)
    assert re.fullmatch(r"[0-9a-f]{64}", me)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"] == me
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]["ID"] == me
    assert s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"]["ID"] == me
    assert "Owner" not in s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert s3.list_objects(Bucket=bucket)["Contents"][0]["Owner"]["ID"] == me


@pytest.mark.s3_requires("multipart")
def test_multipart_initiator_and_owner_are_the_caller(s3: Any, bucket: str) -> None:
    me = _my_id(s3)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]
    assert (listed["Initiator"]["ID"], listed["Owner"]["ID"]) == (me, me)
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)
    assert (parts["Initiator"]["ID"], parts["Owner"]["ID"]) == (me, me)
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


def test_expected_bucket_owner(s3: Any, bucket: str) -> None:
    me = _my_id(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ExpectedBucketOwner=me)
    assert s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=me)["Body"].read() == b"x"
    other = "1" * 64 if me != "1" * 64 else "2" * 64
    # bucket-owner-condition.html: a mismatch fails with 403 Access Denied.
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=other)) == (403, "AccessDenied")
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x", ExpectedBucketOwner=other)) == (
        403,
        "AccessDenied",
    )
    assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=other)) == (403, "AccessDenied")


# -- what an ACL lets others do ------------------------------------------------------------------


@pytest.mark.s3_requires("multi_user")
def test_anonymous_get_of_public_read_object_in_private_bucket(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    anonymous = s3_endpoint.anonymous_client()
    s3.put_object(Bucket=bucket, Key="public", Body=b"open", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private", Body=b"closed")
    assert anonymous.get_object(Bucket=bucket, Key="public")["Body"].read() == b"open"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="private")) == (403, "AccessDenied")
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket)) == (403, "AccessDenied")
    # READ on the object is not READ_ACP.
    assert error_of(lambda: anonymous.get_object_acl(Bucket=bucket, Key="public")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("ResponseContentType", "text/plain"),
        ("ResponseContentDisposition", "attachment"),
        ("ResponseCacheControl", "no-cache"),
        ("ResponseContentLanguage", "fr"),
        ("ResponseContentEncoding", "identity"),
        ("ResponseExpires", "Thu, 01 Dec 1994 16:00:00 GMT"),
    ],
    ids=["content-type", "content-disposition", "cache-control", "content-language", "content-encoding", "expires"],
)
def test_anonymous_get_with_response_override_is_400_invalid_request(
    s3_endpoint: S3Target, s3: Any, bucket: str, param: str, value: str
) -> None:
    """API_GetObject.html ("Overriding response header values through the request"): the response-*
    parameters need a signed request (Authorization header or presigned URL); "They cannot be used
    with an unsigned (anonymous) request", even on an object anyone may read."""
    anonymous = s3_endpoint.anonymous_client()
    s3.put_object(Bucket=bucket, Key="public", Body=b"open", ACL="public-read")
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="public", **{param: value})) == (
        400,
        "InvalidRequest",
    )
    assert anonymous.get_object(Bucket=bucket, Key="public")["Body"].read() == b"open"
    signed = s3.get_object(Bucket=bucket, Key="public", **{param: value})
    assert signed["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_anonymous_get_of_missing_key_in_public_read_bucket_is_404(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """API_GetObject.html, API_HeadObject.html (Permissions): for a key that does not exist, "If you
    have the s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP status code 404 Not
    Found error". A public-read bucket ACL gives everyone READ on the bucket, that is s3:ListBucket
    (acl-overview.html, "Mapping of ACL permissions and access policy permissions"); an object that
    exists but is private stays 403."""
    name = new_bucket_name("pubr")
    s3.create_bucket(Bucket=name, ACL="public-read")
    s3.put_object(Bucket=name, Key="private", Body=b"closed")
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="missing")) == (404, "NoSuchKey")
    assert error_of(lambda: anonymous.head_object(Bucket=name, Key="missing"))[0] == 404
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="private")) == (403, "AccessDenied")
    s3.put_object(Bucket=name, Key="gone", Body=b"x", ACL="public-read")
    assert anonymous.get_object(Bucket=name, Key="gone")["Body"].read() == b"x"
    s3.delete_object(Bucket=name, Key="gone")
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="gone")) == (404, "NoSuchKey")


@pytest.mark.s3_requires("multi_user")
def test_anonymous_put_into_public_read_write_bucket(s3_endpoint: S3Target, s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("prw")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    anonymous = s3_endpoint.anonymous_client()
    anonymous.put_object(Bucket=name, Key="dropped", Body=b"hello")
    assert s3.get_object(Bucket=name, Key="dropped")["Body"].read() == b"hello"


@pytest.mark.s3_requires("multi_user")
def test_bucket_grant_by_header_lets_the_second_user_list(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    alt = s3_endpoint.alt_client()
    alt_id = _my_id(alt)
    assert error_of(lambda: alt.list_objects_v2(Bucket=bucket)) == (403, "AccessDenied")
    me = _my_id(s3)
    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantRead=f'id="{alt_id}"')
    assert alt.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert error_of(lambda: alt.put_object(Bucket=bucket, Key="k", Body=b"x")) == (403, "AccessDenied")
    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantWrite=f'id="{alt_id}"')
    alt.put_object(Bucket=bucket, Key="k", Body=b"x")


@pytest.mark.s3_requires("multi_user")
def test_object_grant_lets_the_second_user_read(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    alt = s3_endpoint.alt_client()
    alt_id = _my_id(alt)
    s3.put_object(Bucket=bucket, Key="k", Body=b"shared", GrantRead=f'id="{alt_id}"')
    assert alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"shared"
    assert ("CanonicalUser", alt_id, "READ") in _grants(s3.get_object_acl(Bucket=bucket, Key="k"))
    s3.put_object(Bucket=bucket, Key="k2", Body=b"mine")
    assert error_of(lambda: alt.get_object(Bucket=bucket, Key="k2")) == (403, "AccessDenied")


@pytest.mark.s3_requires("multi_user", "multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html")
def test_copies_need_read_on_the_source(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """API_UploadPartCopy.html (Permissions): "You must have READ access to the source object" — as for
    CopyObject (API_CopyObject.html: "you must have read access to the source object"). A second user
    allowed to write into the bucket (a WRITE grant) but not to read a private object may copy it
    neither way: 403 AccessDenied, and nothing of it reaches the target."""
    alt = s3_endpoint.alt_client()
    me = _my_id(s3)
    s3.put_object(Bucket=bucket, Key="secret", Body=b"private bytes")
    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantWrite=f'id="{_my_id(alt)}"')
    source = {"Bucket": bucket, "Key": "secret"}
    assert error_of(lambda: alt.copy_object(Bucket=bucket, Key="stolen", CopySource=source)) == (403, "AccessDenied")
    upload = alt.create_multipart_upload(Bucket=bucket, Key="stolen")["UploadId"]
    try:
        assert error_of(
            lambda: alt.upload_part_copy(Bucket=bucket, Key="stolen", UploadId=upload, PartNumber=1, CopySource=source)
        ) == (403, "AccessDenied")
        assert alt.list_parts(Bucket=bucket, Key="stolen", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="stolen", UploadId=upload)


@pytest.mark.s3_requires("multi_user")
def test_listing_names_the_writer_as_owner(s3_endpoint: S3Target, s3: Any, new_bucket_name: Any) -> None:
    """Objects written by another account into a bucket with ACLs enabled (ObjectWriter) are owned
    by the writer (about-object-ownership.html); listings must not show the requester instead."""
    name = new_bucket_name("writer")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    alt = s3_endpoint.alt_client()
    alt.put_object(Bucket=name, Key="by-alt", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=name, Key="by-owner", Body=b"x")
    owners = {o["Key"]: o["Owner"]["ID"] for o in s3.list_objects_v2(Bucket=name, FetchOwner=True)["Contents"]}
    assert owners == {"by-alt": _my_id(alt), "by-owner": _my_id(s3)}
    assert s3.get_object_acl(Bucket=name, Key="by-alt")["Owner"]["ID"] == _my_id(alt)


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-management.html")
def test_bucket_owner_deletes_objects_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """access-management.html (Identities): with ACLs enabled the account that uploads an object
    owns it, and "the bucket owner can deny access to any objects, or delete any objects in the
    bucket, regardless of who owns them". Objects a second account wrote as ``private`` (no grant to
    the bucket owner) are deleted by the bucket owner, one by DeleteObject (204) and one by
    DeleteObjects (listed as Deleted, no Errors)."""
    name = new_bucket_name("owner-del")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    alt = s3_endpoint.alt_client()
    for key in ("one", "many"):
        alt.put_object(Bucket=name, Key=key, Body=b"x", ACL="private")
        assert alt.get_object_acl(Bucket=name, Key=key)["Owner"]["ID"] == _my_id(alt)
    assert s3.delete_object(Bucket=name, Key="one")["ResponseMetadata"]["HTTPStatusCode"] == 204
    answer = s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "many"}]})
    assert [d["Key"] for d in answer.get("Deleted", [])] == ["many"] and "Errors" not in answer
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-management.html")
def test_bucket_owner_cannot_read_a_private_object_another_account_owns(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """access-management.html (Identities): with ACLs enabled the account that uploads an object owns
    it, and "the bucket owner does not have permissions on the objects owned by another account"
    beyond denying access, deleting and archiving. An object a second account wrote as ``private``
    (no grant to the bucket owner) is 403 AccessDenied to the bucket owner's GetObject, HeadObject
    and GetObjectAcl; once its owner grants the bucket owner READ, GetObject succeeds."""
    name = new_bucket_name("owner-read")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    alt = s3_endpoint.alt_client()
    alt.put_object(Bucket=name, Key="theirs", Body=b"not yours", ACL="private")
    assert error_of(lambda: s3.get_object(Bucket=name, Key="theirs")) == (403, "AccessDenied")
    assert error_of(lambda: s3.head_object(Bucket=name, Key="theirs"))[0] == 403
    assert error_of(lambda: s3.get_object_acl(Bucket=name, Key="theirs")) == (403, "AccessDenied")
    alt.put_object_acl(Bucket=name, Key="theirs", GrantRead=f'id="{_my_id(s3)}"')
    assert s3.get_object(Bucket=name, Key="theirs")["Body"].read() == b"not yours"


@pytest.mark.s3_requires("multi_user")
def test_anonymous_browser_post_into_public_read_write_bucket(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    # RESTObjectPOST.html: the policy and signature are required "if the bucket is not publicly writable".
    if s3_endpoint.endpoint.url.startswith("https"):
        pytest.skip("capability: this form helper speaks plain HTTP")
    name = new_bucket_name("post")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    status, _ = form_post(s3_endpoint.endpoint.url, name, {"key": "form.txt", "acl": "public-read"}, b"posted")
    assert status == 204
    assert s3.get_object(Bucket=name, Key="form.txt")["Body"].read() == b"posted"
    # The form's acl field is the object's canned ACL (RESTObjectPOST.html, "acl").
    assert ("Group", ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=name, Key="form.txt"))
    private = new_bucket_name("postpriv")
    s3.create_bucket(Bucket=private)
    status, body = form_post(s3_endpoint.endpoint.url, private, {"key": "form.txt"}, b"posted")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    # A bucket policy that lets everyone s3:PutObject but not s3:PutObjectAcl: a form that sets an
    # ACL is refused and writes nothing, the same form without it is taken (API_PutObject.html,
    # Permissions: changing the object's ACL needs s3:PutObjectAcl).
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{private}/*"}
    s3.put_bucket_policy(Bucket=private, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    fields = {"key": "with-acl.txt", "acl": "public-read"}
    status, body = form_post(s3_endpoint.endpoint.url, private, fields, b"posted")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert error_of(lambda: s3.head_object(Bucket=private, Key="with-acl.txt")) == (404, None)
    status, _ = form_post(s3_endpoint.endpoint.url, private, {"key": "plain.txt"}, b"posted")
    assert status == 204


@pytest.mark.s3_requires("multi_user", "versioning")
def test_version_listing_names_the_owner_not_the_requester(
    s3_endpoint: S3Target, s3: Any, versioned_bucket: str
) -> None:
    """ListObjectVersions' Owner is who owns each version (API_ListObjectVersions.html, Owner),
    not the caller: a second user allowed to list sees the bucket owner's id."""
    bucket = versioned_bucket
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"2")
    me = _my_id(s3)
    alt = s3_endpoint.alt_client()
    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantRead=f'id="{_my_id(alt)}"')
    listed = alt.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["Owner"]["ID"] for v in listed] == [me, me]
