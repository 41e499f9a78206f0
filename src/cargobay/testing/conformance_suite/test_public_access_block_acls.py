"""Block Public Access and ACLs, request by request: which requests BlockPublicAcls refuses (every
way an ACL can be sent, AuthenticatedUsers counting as public), that it leaves existing ACLs as they
are, and that IgnorePublicAcls ignores a public bucket ACL as well as an object's.

Reference: https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
("BlockPublicAcls ... PUT Bucket acl and PUT Object acl calls fail if the specified ACL is public.
PUT Object calls fail if the request includes a public ACL"; "existing policies and ACLs for
buckets and objects aren't modified"; IgnorePublicAcls "causes Amazon S3 to ignore all public ACLs
on a bucket and any objects that it contains"; "The meaning of public": an ACL granting anything to
AllUsers or AuthenticatedUsers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    ),
]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def _block(**on: bool) -> dict[str, bool]:
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    return {flag: on.get(flag, False) for flag in flags}


def _acl_bucket(s3: Any, new_bucket_name: Callable[[str], str], hint: str) -> str:
    name = new_bucket_name(hint)
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=name)
    return name


def _grants(acl: dict[str, Any]) -> set[tuple[str, str]]:
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI") or "", g["Permission"]) for g in acl["Grants"]}


REQUESTS = [
    "put-canned",
    "put-grant-authenticated",
    "copy-canned",
    "multipart-canned",
    "multipart-grant",
    "put-object-acl-grant",
    "put-object-acl-document",
    "put-bucket-acl-grant-authenticated",
    "put-bucket-acl-document",
]


@pytest.mark.s3_requires("multipart", "copy")
@pytest.mark.parametrize("request_name", REQUESTS)
def test_block_public_acls_refuses_every_request_carrying_a_public_acl(
    s3: Any, new_bucket_name: Any, request_name: str
) -> None:
    """BlockPublicAcls: a public ACL (to AllUsers or AuthenticatedUsers), sent as a canned ACL, a
    grant header or an AccessControlPolicy document, with PutObject, CopyObject,
    CreateMultipartUpload, PutObjectAcl or PutBucketAcl, is 403 AccessDenied; nothing is written
    and no ACL changes."""
    name = _acl_bucket(s3, new_bucket_name, "bpa")
    s3.put_object(Bucket=name, Key="src", Body=b"x")
    owner = s3.get_bucket_acl(Bucket=name)["Owner"]["ID"]
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_block(BlockPublicAcls=True))
    source = {"Bucket": name, "Key": "src"}
    document = {
        "Owner": {"ID": owner},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
        ],
    }
    to_all = {"GrantFullControl": f'id="{owner}"', "GrantRead": f'uri="{ALL_USERS}"'}
    to_members = {"GrantFullControl": f'id="{owner}"', "GrantRead": f'uri="{AUTHENTICATED_USERS}"'}
    calls: dict[str, Callable[[], Any]] = {
        "put-canned": lambda: s3.put_object(Bucket=name, Key="k", Body=b"x", ACL="public-read"),
        "put-grant-authenticated": lambda: s3.put_object(Bucket=name, Key="k", Body=b"x", **to_members),
        "copy-canned": lambda: s3.copy_object(Bucket=name, Key="k", CopySource=source, ACL="authenticated-read"),
        "multipart-canned": lambda: s3.create_multipart_upload(Bucket=name, Key="k", ACL="public-read-write"),
        "multipart-grant": lambda: s3.create_multipart_upload(Bucket=name, Key="k", **to_all),
        "put-object-acl-grant": lambda: s3.put_object_acl(Bucket=name, Key="src", **to_all),
        "put-object-acl-document": lambda: s3.put_object_acl(Bucket=name, Key="src", AccessControlPolicy=document),
        "put-bucket-acl-grant-authenticated": lambda: s3.put_bucket_acl(Bucket=name, **to_members),
        "put-bucket-acl-document": lambda: s3.put_bucket_acl(Bucket=name, AccessControlPolicy=document),
    }
    assert error_of(calls[request_name]) == (403, "AccessDenied")
    assert error_of(lambda: s3.head_object(Bucket=name, Key="k")) == (404, None)
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    assert _grants(s3.get_object_acl(Bucket=name, Key="src")) == {(owner, "FULL_CONTROL")}
    assert _grants(s3.get_bucket_acl(Bucket=name)) == {(owner, "FULL_CONTROL")}


@pytest.mark.s3_requires("multi_user")
def test_block_public_acls_leaves_existing_public_acls_in_force(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """BlockPublicAcls refuses new public ACLs, but "existing policies and ACLs for buckets and
    objects aren't modified": an object made public-read before is still public-read, and still
    readable by anyone (only IgnorePublicAcls stops that); a private ACL may still be set."""
    name = _acl_bucket(s3, new_bucket_name, "bpakeep")
    s3.put_object(Bucket=name, Key="k", Body=b"open", ACL="public-read")
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_block(BlockPublicAcls=True))
    assert (ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=name, Key="k"))
    assert s3_endpoint.anonymous_client().get_object(Bucket=name, Key="k")["Body"].read() == b"open"
    s3.put_object_acl(Bucket=name, Key="k", ACL="private")
    assert (ALL_USERS, "READ") not in _grants(s3.get_object_acl(Bucket=name, Key="k"))


@pytest.mark.s3_requires("multi_user")
@pytest.mark.parametrize("group", ["AllUsers", "AuthenticatedUsers"])
def test_ignore_public_acls_ignores_a_public_bucket_acl(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, group: str
) -> None:
    """IgnorePublicAcls ignores "all public ACLs on a bucket and any objects that it contains": a
    bucket ACL letting AllUsers (anonymous) or AuthenticatedUsers (a second account) list and write
    grants neither any more; the ACL itself stays as it was, and works again once the setting is off."""
    name = _acl_bucket(s3, new_bucket_name, "ignore")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write" if group == "AllUsers" else "authenticated-read")
    caller = s3_endpoint.anonymous_client() if group == "AllUsers" else s3_endpoint.alt_client()
    assert caller.list_objects_v2(Bucket=name)["KeyCount"] == 0
    before = _grants(s3.get_bucket_acl(Bucket=name))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_block(IgnorePublicAcls=True))
    assert error_of(lambda: caller.list_objects_v2(Bucket=name)) == (403, "AccessDenied")
    if group == "AllUsers":
        assert error_of(lambda: caller.put_object(Bucket=name, Key="k", Body=b"x")) == (403, "AccessDenied")
    assert _grants(s3.get_bucket_acl(Bucket=name)) == before
    s3.delete_public_access_block(Bucket=name)
    assert caller.list_objects_v2(Bucket=name)["KeyCount"] == 0
