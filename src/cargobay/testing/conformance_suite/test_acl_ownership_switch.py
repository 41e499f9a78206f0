"""ACLs across Object Ownership changes and copies: what turning ACLs off and on again keeps, what a
second account keeps of an object the bucket owner took under Bucket owner preferred, and the read
grant a copy of one version needs.

References (expected values are taken from these pages):
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html ("Re-enabling ACLs",
  "Object Ownership settings")
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html (mapping: READ on an object is
  s3:GetObject and s3:GetObjectVersion)
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (Permissions: read access to the
  source object; s3:GetObjectVersion for a source version)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

pytestmark = [
    pytest.mark.s3_requires("acl", "multi_user"),
    pytest.mark.aws_doc(_GUIDE + "about-object-ownership.html"),
]


def _id(client: Any) -> str:
    return str(client.list_buckets()["Owner"]["ID"])


def _grants(acl: dict[str, Any]) -> set[tuple[str, str]]:
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI") or "", g["Permission"]) for g in acl["Grants"]}


def _set_ownership(s3: Any, bucket: str, setting: str) -> None:
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": setting}]})


def _acl_bucket(s3: Any, new_bucket_name: Any, hint: str, ownership: str = "ObjectWriter") -> str:
    name: str = new_bucket_name(hint)
    s3.create_bucket(Bucket=name, ObjectOwnership=ownership)
    s3.delete_public_access_block(Bucket=name)
    return name


def test_re_enabling_acls_restores_the_object_acls(s3_endpoint: S3Target, s3: Any, new_bucket_name: Any) -> None:
    """about-object-ownership.html, "Re-enabling ACLs": "If you used object ACLs for permissions
    management before you applied the bucket owner enforced setting ... after you re-enable ACLs,
    these permissions are restored". A public-read object and one shared with a second account are
    readable by neither while ACLs are off, and by each again once Object writer is back; GetObjectAcl
    shows the grants again."""
    name = _acl_bucket(s3, new_bucket_name, "reenable")
    alt, anonymous = s3_endpoint.alt_client(), s3_endpoint.anonymous_client()
    owner, alt_id = _id(s3), _id(alt)
    s3.put_object(Bucket=name, Key="public", Body=b"p", ACL="public-read")
    s3.put_object(Bucket=name, Key="shared", Body=b"s", GrantFullControl=f'id="{owner}"', GrantRead=f'id="{alt_id}"')
    _set_ownership(s3, name, "BucketOwnerEnforced")
    assert error_of(lambda: anonymous.get_object(Bucket=name, Key="public")) == (403, "AccessDenied")
    assert error_of(lambda: alt.get_object(Bucket=name, Key="shared")) == (403, "AccessDenied")
    _set_ownership(s3, name, "ObjectWriter")
    assert anonymous.get_object(Bucket=name, Key="public")["Body"].read() == b"p"
    assert alt.get_object(Bucket=name, Key="shared")["Body"].read() == b"s"
    all_users = "http://acs.amazonaws.com/groups/global/AllUsers"
    assert _grants(s3.get_object_acl(Bucket=name, Key="public")) == {(owner, "FULL_CONTROL"), (all_users, "READ")}
    assert _grants(s3.get_object_acl(Bucket=name, Key="shared")) == {(owner, "FULL_CONTROL"), (alt_id, "READ")}


def test_objects_written_while_acls_were_off_stay_the_bucket_owners(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """about-object-ownership.html, "Re-enabling ACLs": "objects written to the bucket while the bucket
    owner enforced setting was applied are still owned by the bucket owner ... These objects are not
    owned by the object writer, even if you re-enable ACLs", while an object the second account wrote
    under Object writer before is its own again. GetObjectAcl and the listing name the owners."""
    name = _acl_bucket(s3, new_bucket_name, "offowned")
    alt = s3_endpoint.alt_client()
    owner, alt_id = _id(s3), _id(alt)
    statement = {
        "Effect": "Allow",
        "Principal": {"CanonicalUser": alt_id},
        "Action": ["s3:PutObject", "s3:GetObject", "s3:GetObjectAcl"],
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    alt.put_object(Bucket=name, Key="before", Body=b"x")
    _set_ownership(s3, name, "BucketOwnerEnforced")
    alt.put_object(Bucket=name, Key="during", Body=b"x")
    _set_ownership(s3, name, "ObjectWriter")
    owners = {o["Key"]: o["Owner"]["ID"] for o in s3.list_objects_v2(Bucket=name, FetchOwner=True)["Contents"]}
    assert owners == {"before": alt_id, "during": owner}
    assert s3.get_object_acl(Bucket=name, Key="during")["Owner"]["ID"] == owner
    assert alt.get_object_acl(Bucket=name, Key="before")["Owner"]["ID"] == alt_id


@pytest.mark.s3_requires("copy", "multipart")
@pytest.mark.parametrize("request_name", ["put", "copy", "multipart"])
def test_bucket_owner_preferred_leaves_the_writer_no_grant(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, request_name: str
) -> None:
    """about-object-ownership.html, Object Ownership settings, Bucket owner preferred: "If an object
    upload includes the bucket-owner-full-control canned ACL, the bucket owner has full control access,
    and the object writer no longer has full control access". A second account writing so (PUT, copy,
    multipart) leaves an ACL of the bucket owner's FULL_CONTROL alone, and may no longer read the
    object or its ACL (403 AccessDenied)."""
    name = _acl_bucket(s3, new_bucket_name, "prefnogrant", "BucketOwnerPreferred")
    alt = s3_endpoint.alt_client()
    owner, alt_id = _id(s3), _id(alt)
    s3.put_bucket_acl(Bucket=name, GrantFullControl=f'id="{owner}"', GrantWrite=f'id="{alt_id}"')
    full = {"ACL": "bucket-owner-full-control"}
    if request_name == "put":
        alt.put_object(Bucket=name, Key="k", Body=b"given", **full)
    elif request_name == "copy":
        alt.put_object(Bucket=name, Key="src", Body=b"given")
        alt.copy_object(Bucket=name, Key="k", CopySource={"Bucket": name, "Key": "src"}, **full)
    else:
        upload = alt.create_multipart_upload(Bucket=name, Key="k", **full)["UploadId"]
        etag = alt.upload_part(Bucket=name, Key="k", UploadId=upload, PartNumber=1, Body=b"given")["ETag"]
        alt.complete_multipart_upload(
            Bucket=name, Key="k", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
        )
    acl = s3.get_object_acl(Bucket=name, Key="k")
    assert acl["Owner"]["ID"] == owner
    assert _grants(acl) == {(owner, "FULL_CONTROL")}
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"given"
    assert error_of(lambda: alt.get_object(Bucket=name, Key="k")) == (403, "AccessDenied")
    assert error_of(lambda: alt.get_object_acl(Bucket=name, Key="k")) == (403, "AccessDenied")


@pytest.mark.s3_requires("copy", "versioning")
@pytest.mark.aws_doc(_API + "API_CopyObject.html")
def test_a_copy_of_a_version_needs_the_read_grant_of_that_version(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """API_CopyObject.html (Permissions): "You must have read access to the source object"; for a
    source version, s3:GetObjectVersion, which READ on that version's ACL grants (acl-overview.html,
    mapping; VersionedObjectPermissionsandACLs.html: permissions are per version). A second account
    with WRITE on the target bucket and READ on the old version only copies the old version, and is
    403 AccessDenied copying the current one (by id or without)."""
    source = _acl_bucket(s3, new_bucket_name, "cpvsrc")
    s3.put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Enabled"})
    target = _acl_bucket(s3, new_bucket_name, "cpvdst")
    alt = s3_endpoint.alt_client()
    owner, alt_id = _id(s3), _id(alt)
    s3.put_bucket_acl(Bucket=target, GrantFullControl=f'id="{owner}"', GrantWrite=f'id="{alt_id}"')
    old = s3.put_object(Bucket=source, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=source, Key="k", Body=b"new")["VersionId"]
    s3.put_object_acl(
        Bucket=source, Key="k", VersionId=old, GrantFullControl=f'id="{owner}"', GrantRead=f'id="{alt_id}"'
    )
    alt.copy_object(Bucket=target, Key="copied", CopySource={"Bucket": source, "Key": "k", "VersionId": old})
    assert alt.get_object(Bucket=target, Key="copied")["Body"].read() == b"old"

    def copy_of(copy_source: dict[str, str]) -> Callable[[], Any]:
        return lambda: alt.copy_object(Bucket=target, Key="refused", CopySource=copy_source)

    for copy_source in ({"Bucket": source, "Key": "k", "VersionId": new}, {"Bucket": source, "Key": "k"}):
        assert error_of(copy_of(copy_source)) == (403, "AccessDenied")
    assert error_of(lambda: s3.head_object(Bucket=target, Key="refused"))[0] == 404


@pytest.mark.aws_doc(_API + "API_PutObjectAcl.html")
@pytest.mark.parametrize("ownership", ["ObjectWriter", "BucketOwnerPreferred"])
@pytest.mark.parametrize(
    ("canned", "bucket_owner_gets"), [("bucket-owner-read", "READ"), ("bucket-owner-full-control", "FULL_CONTROL")]
)
def test_put_object_acl_bucket_owner_canned_acl_grants_but_does_not_give_the_object(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, ownership: str, canned: str, bucket_owner_gets: str
) -> None:
    """acl-overview.html#canned-acl: bucket-owner-read "Object owner gets FULL_CONTROL. Bucket owner
    gets READ access", bucket-owner-full-control "Both the object owner and the bucket owner get
    FULL_CONTROL"; set by PutObjectAcl on an object a second account owns, it adds that grant. It does
    not change the owner, under Bucket owner preferred either: that setting takes "new objects that
    are written with the bucket-owner-full-control canned ACL" (about-object-ownership.html)."""
    name = _acl_bucket(s3, new_bucket_name, "poacanned", ownership)
    alt = s3_endpoint.alt_client()
    owner, alt_id = _id(s3), _id(alt)
    s3.put_bucket_acl(Bucket=name, GrantFullControl=f'id="{owner}"', GrantWrite=f'id="{alt_id}"')
    alt.put_object(Bucket=name, Key="k", Body=b"theirs")
    assert error_of(lambda: s3.get_object(Bucket=name, Key="k")) == (403, "AccessDenied")
    alt.put_object_acl(Bucket=name, Key="k", ACL=canned)
    acl = alt.get_object_acl(Bucket=name, Key="k")
    assert acl["Owner"]["ID"] == alt_id
    assert _grants(acl) == {(alt_id, "FULL_CONTROL"), (owner, bucket_owner_gets)}
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"theirs"
