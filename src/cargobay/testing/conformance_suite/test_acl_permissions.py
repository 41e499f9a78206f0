"""What each ACL permission lets its grantee do: a second account granted READ, WRITE, READ_ACP,
WRITE_ACP or FULL_CONTROL on a bucket, or READ, READ_ACP, WRITE_ACP or FULL_CONTROL on an object,
tries each request those permissions are about; exactly the granted ones succeed.

Reference: https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html ("Permissions
you can grant": READ on a bucket "Allows grantee to list the objects in the bucket", on an object
"to read the object data and its metadata"; WRITE on a bucket "to create new objects in the
bucket"; READ_ACP / WRITE_ACP "to read / write the ACL"; FULL_CONTROL all of them; and "Mapping of
ACL permissions and access policy permissions").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl", "multi_user"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"),
]

_GRANT_ARG = {
    "READ": "GrantRead",
    "WRITE": "GrantWrite",
    "READ_ACP": "GrantReadACP",
    "WRITE_ACP": "GrantWriteACP",
    "FULL_CONTROL": "GrantFullControl",
}


def _owner_id(s3: Any, bucket: str) -> str:
    return str(s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"])


def _alt_id(alt: Any) -> str:
    return str(alt.list_buckets()["Owner"]["ID"])


def _grant_headers(owner: str, grantee: str, permission: str) -> dict[str, str]:
    """Grant-header arguments: FULL_CONTROL to ``owner``, ``permission`` to ``grantee``."""
    headers = {"GrantFullControl": f'id="{owner}"'}
    arg = _GRANT_ARG[permission]
    headers[arg] = f'{headers[arg]}, id="{grantee}"' if arg in headers else f'id="{grantee}"'
    return headers


# (request the second account makes) -> the bucket permissions that allow it.
BUCKET_REQUESTS = {
    "list-objects": {"READ", "FULL_CONTROL"},
    "list-object-versions": {"READ", "FULL_CONTROL"},
    "put-object": {"WRITE", "FULL_CONTROL"},
    "get-bucket-acl": {"READ_ACP", "FULL_CONTROL"},
    "put-bucket-acl": {"WRITE_ACP", "FULL_CONTROL"},
}


@pytest.mark.parametrize("request_name", list(BUCKET_REQUESTS))
@pytest.mark.parametrize("permission", list(_GRANT_ARG))
def test_bucket_permission_grants_exactly_its_requests(
    s3_endpoint: S3Target, s3: Any, bucket: str, permission: str, request_name: str
) -> None:
    """A bucket ACL granting the second account ``permission`` (the owner keeping FULL_CONTROL):
    the request succeeds exactly when the permission covers it, else 403 AccessDenied and nothing
    changes."""
    alt = s3_endpoint.alt_client()
    owner, alt_id = _owner_id(s3, bucket), _alt_id(alt)
    s3.put_bucket_acl(Bucket=bucket, **_grant_headers(owner, alt_id, permission))
    before = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    calls: dict[str, Callable[[], Any]] = {
        "list-objects": lambda: alt.list_objects_v2(Bucket=bucket),
        "list-object-versions": lambda: alt.list_object_versions(Bucket=bucket),
        "put-object": lambda: alt.put_object(Bucket=bucket, Key="by-alt", Body=b"x"),
        "get-bucket-acl": lambda: alt.get_bucket_acl(Bucket=bucket),
        "put-bucket-acl": lambda: alt.put_bucket_acl(
            Bucket=bucket, GrantFullControl=f'id="{owner}"', GrantRead=f'id="{alt_id}"'
        ),
    }
    call = calls[request_name]
    if permission in BUCKET_REQUESTS[request_name]:
        assert call()["ResponseMetadata"]["HTTPStatusCode"] == 200
        return
    assert error_of(call) == (403, "AccessDenied")
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"] == before
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# (request the second account makes on the owner's object) -> the object permissions that allow it.
OBJECT_REQUESTS = {
    "get-object": {"READ", "FULL_CONTROL"},
    "get-object-acl": {"READ_ACP", "FULL_CONTROL"},
    "put-object-acl": {"WRITE_ACP", "FULL_CONTROL"},
    # Deleting is the bucket's WRITE, not any permission on the object (acl-overview.html: WRITE is
    # "Not applicable" to objects; the bucket's WRITE allows deletions).
    "delete-object": set(),
}


@pytest.mark.parametrize("request_name", list(OBJECT_REQUESTS))
@pytest.mark.parametrize("permission", ["READ", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"])
def test_object_permission_grants_exactly_its_requests(
    s3_endpoint: S3Target, s3: Any, bucket: str, permission: str, request_name: str
) -> None:
    """An object ACL granting the second account ``permission`` (in a private bucket): the request
    succeeds exactly when the permission covers it, else 403 AccessDenied and the object and its
    ACL stay."""
    alt = s3_endpoint.alt_client()
    owner, alt_id = _owner_id(s3, bucket), _alt_id(alt)
    s3.put_object(Bucket=bucket, Key="k", Body=b"owned", **_grant_headers(owner, alt_id, permission))
    before = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    calls: dict[str, Callable[[], Any]] = {
        "get-object": lambda: alt.get_object(Bucket=bucket, Key="k"),
        "get-object-acl": lambda: alt.get_object_acl(Bucket=bucket, Key="k"),
        "put-object-acl": lambda: alt.put_object_acl(
            Bucket=bucket, Key="k", GrantFullControl=f'id="{owner}"', GrantRead=f'id="{alt_id}"'
        ),
        "delete-object": lambda: alt.delete_object(Bucket=bucket, Key="k"),
    }
    call = calls[request_name]
    if permission in OBJECT_REQUESTS[request_name]:
        got = call()
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
        if request_name == "get-object":
            assert got["Body"].read() == b"owned"
        return
    assert error_of(call) == (403, "AccessDenied")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"owned"
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Grants"] == before


def test_write_acp_lets_the_grantee_grant_itself_read(s3_endpoint: S3Target, s3: Any, bucket: str) -> None:
    """WRITE_ACP "Allows grantee to write the ACL for the applicable object", and so to give itself
    any permission: a second account with only WRITE_ACP cannot read the object, grants itself READ,
    then can."""
    alt = s3_endpoint.alt_client()
    owner, alt_id = _owner_id(s3, bucket), _alt_id(alt)
    s3.put_object(
        Bucket=bucket, Key="k", Body=b"owned", GrantFullControl=f'id="{owner}"', GrantWriteACP=f'id="{alt_id}"'
    )
    assert error_of(lambda: alt.get_object(Bucket=bucket, Key="k")) == (403, "AccessDenied")
    alt.put_object_acl(Bucket=bucket, Key="k", GrantFullControl=f'id="{owner}"', GrantRead=f'id="{alt_id}"')
    assert alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"owned"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html")
def test_anonymous_get_bucket_acl_with_read_acp_granted_to_all_users(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """API_GetBucketAcl.html: "If READ_ACP permission is granted to the anonymous user, you can return
    the ACL of the bucket without using an authorization header"; READ_ACP lets it read the ACL only
    (listing stays 403), and without the grant the same request is 403."""
    name = new_bucket_name("anonacp")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=name)
    anonymous = s3_endpoint.anonymous_client()
    assert error_of(lambda: anonymous.get_bucket_acl(Bucket=name)) == (403, "AccessDenied")
    owner = _owner_id(s3, name)
    all_users = "http://acs.amazonaws.com/groups/global/AllUsers"
    s3.put_bucket_acl(Bucket=name, GrantFullControl=f'id="{owner}"', GrantReadACP=f'uri="{all_users}"')
    got = anonymous.get_bucket_acl(Bucket=name)
    assert got["Owner"]["ID"] == owner
    assert {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in got["Grants"]} == {
        (owner, "FULL_CONTROL"),
        (all_users, "READ_ACP"),
    }
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=name)) == (403, "AccessDenied")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html")
def test_bucket_owner_enforced_makes_existing_object_acls_grant_nothing(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """about-object-ownership.html, Bucket owner enforced: "ACLs are disabled ... ACLs no longer affect
    permissions to data in the S3 bucket", and reading an ACL "always return[s] a response that shows
    full control for the bucket owner" (object-ownership-error-responses.html): an object made
    public-read and shared with a second account before the switch is readable by neither after it,
    and its ACL reads as the bucket owner's FULL_CONTROL alone."""
    name = new_bucket_name("enfexisting")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket=name)
    alt = s3_endpoint.alt_client()
    owner, alt_id = _owner_id(s3, name), _alt_id(alt)
    s3.put_object(Bucket=name, Key="public", Body=b"x", ACL="public-read")
    s3.put_object(Bucket=name, Key="shared", Body=b"x", **_grant_headers(owner, alt_id, "READ"))
    anonymous = s3_endpoint.anonymous_client()
    assert anonymous.get_object(Bucket=name, Key="public")["Body"].read() == b"x"
    assert alt.get_object(Bucket=name, Key="shared")["Body"].read() == b"x"
    s3.put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="public")) == (403, "AccessDenied")
    assert error_of(lambda: alt.get_object(Bucket=name, Key="shared")) == (403, "AccessDenied")
    for key in ("public", "shared"):
        grants = s3.get_object_acl(Bucket=name, Key=key)["Grants"]
        assert [(g["Grantee"].get("ID"), g["Permission"]) for g in grants] == [(owner, "FULL_CONTROL")]
