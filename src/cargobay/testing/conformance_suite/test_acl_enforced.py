"""ACLs as enforced, third pass: what a bucket's WRITE grant allows (new objects; another's object,
which AWS documents both ways, see below) and does not allow (deleting another's version, stopping or
listing another's multipart upload), READ and
ListMultipartUploads, each group grantee (AllUsers, AuthenticatedUsers, LogDelivery) against a
signed second account and an unsigned caller, the grants of one version, and who owns what a second
account copies or uploads in parts under BucketOwnerPreferred and ObjectWriter.

References (expected values are taken from these pages):
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html ("ACL permissions": WRITE on a
  bucket "Allows grantee to create new objects in the bucket. For the bucket and object owners of
  existing objects, also allows deletions and overwrites of those objects"; the All Users warning:
  "WRITE permissions do not allow non-owners to overwrite or delete existing objects"; "Mapping of ACL
  permissions and access policy permissions"; the predefined groups)
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html (x-amz-grant-write, same words)
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/VersionedObjectPermissionsandACLs.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html

Buckets here have ACLs enabled (ObjectOwnership ObjectWriter) and no public access block, as on AWS,
whose new buckets have both switched the other way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._forms import form_post
from cargobay.testing.normalize import status_and_code

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

pytestmark = [pytest.mark.s3_requires("acl", "multi_user"), pytest.mark.aws_doc(_GUIDE + "acl-overview.html")]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def _id(client: Any) -> str:
    return str(client.list_buckets()["Owner"]["ID"])


def _acl_bucket(s3: Any, new_bucket_name: Callable[[str], str], hint: str, ownership: str = "ObjectWriter") -> str:
    name = new_bucket_name(hint)
    s3.create_bucket(Bucket=name, ObjectOwnership=ownership)
    s3.delete_public_access_block(Bucket=name)
    return name


def _grant_alt(s3: Any, bucket: str, alt_id: str, *permissions: str) -> None:
    """The bucket owner keeps FULL_CONTROL; the second account gets ``permissions`` on the bucket."""
    args = {"READ": "GrantRead", "WRITE": "GrantWrite", "READ_ACP": "GrantReadACP"}
    s3.put_bucket_acl(
        Bucket=bucket, GrantFullControl=f'id="{_id(s3)}"', **{args[p]: f'id="{alt_id}"' for p in permissions}
    )


def _body(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


# -- WRITE on a bucket: new objects, not another's ------------------------------------------------------


def _write_calls(client: Any, bucket: str, key: str) -> dict[str, Callable[[], Any]]:
    """Each way a caller with WRITE on ``bucket`` may try to replace or remove ``key``."""
    return {
        "put": lambda: client.put_object(Bucket=bucket, Key=key, Body=b"replaced"),
        "copy": lambda: client.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": "alt-src"}),
        "multipart": lambda: client.create_multipart_upload(Bucket=bucket, Key=key),
        "delete": lambda: client.delete_object(Bucket=bucket, Key=key),
    }


WRITE_CALLS = list(_write_calls(None, "", ""))


# AWS's pages disagree on whether WRITE lets a grantee replace or delete an object another account
# owns: acl-overview.html says "WRITE permissions do not allow non-owners to overwrite or delete existing
# objects", the S3 Control API's x-amz-grant-write "Allows grantee to create, overwrite, and delete any
# object in the bucket" (S3-compatible servers and their suites keep that one). A server may do either,
# so these tests accept both, and check that what it answered is what it did: refused (403
# AccessDenied) and the object untouched, or done.
_CONTROL_API = _API + "API_control_CreateBucket.html"


def _refused_or_done(call: Callable[[], Any]) -> bool:
    """Run a write or delete AWS documents both ways: True if it was done (a 2xx), False if it was
    refused with 403 AccessDenied; any other answer fails the test."""
    from botocore.exceptions import ClientError

    try:
        answer = call()
    except ClientError as exc:
        assert status_and_code(exc) == (403, "AccessDenied")
        return False
    assert 200 <= answer["ResponseMetadata"]["HTTPStatusCode"] < 300
    return True


def _exists(client: Any, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        assert status_and_code(exc)[0] == 404
        return False
    return True


@pytest.mark.s3_requires("copy")
@pytest.mark.aws_doc(_API + "API_PutBucketAcl.html")
@pytest.mark.aws_doc(_CONTROL_API)
@pytest.mark.parametrize("call", ["put", "copy", "delete"])
def test_bucket_write_grantee_on_the_owners_object_is_refused_or_done(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, call: str
) -> None:
    """A second account granted WRITE (and READ) writes a new key; replacing the bucket owner's object
    (PUT, a copy onto it) or deleting it is documented both ways (see above): either 403 AccessDenied
    and the object stays as it was, or done, and the object is the new one (or gone)."""
    name = _acl_bucket(s3, new_bucket_name, "wnoover")
    alt = s3_endpoint.alt_client()
    _grant_alt(s3, name, _id(alt), "READ", "WRITE")
    s3.put_object(Bucket=name, Key="owners", Body=b"the owner's")
    alt.put_object(Bucket=name, Key="alt-src", Body=b"new object", ACL="bucket-owner-read")
    assert _body(s3, name, "alt-src") == b"new object"
    if not _refused_or_done(_write_calls(alt, name, "owners")[call]):
        assert _body(s3, name, "owners") == b"the owner's"
    elif call == "delete":
        assert not _exists(s3, name, "owners")
    else:  # the replacement is the writer's (ObjectWriter): it reads what it wrote
        assert _body(alt, name, "owners") == (b"replaced" if call == "put" else b"new object")


@pytest.mark.s3_requires("copy", "multipart")
@pytest.mark.aws_doc(_API + "API_PutBucketAcl.html")
@pytest.mark.parametrize("call", WRITE_CALLS)
def test_bucket_write_grantee_overwrites_and_deletes_its_own_object(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, call: str
) -> None:
    """acl-overview.html, WRITE on a bucket: for "object owners of existing objects" it "also allows
    deletions and overwrites of those objects": the second account replaces or deletes an object it
    wrote itself."""
    name = _acl_bucket(s3, new_bucket_name, "wown")
    alt = s3_endpoint.alt_client()
    _grant_alt(s3, name, _id(alt), "READ", "WRITE")
    alt.put_object(Bucket=name, Key="alt-src", Body=b"copied")
    alt.put_object(Bucket=name, Key="mine", Body=b"first")
    got = _write_calls(alt, name, "mine")[call]()
    assert got["ResponseMetadata"]["HTTPStatusCode"] == (204 if call == "delete" else 200)
    if call == "multipart":
        alt.abort_multipart_upload(Bucket=name, Key="mine", UploadId=got["UploadId"])
    elif call == "delete":
        assert error_of(lambda: alt.head_object(Bucket=name, Key="mine"))[0] == 404
    else:
        assert _body(alt, name, "mine") == (b"replaced" if call == "put" else b"copied")


@pytest.mark.s3_requires("delete_objects")
@pytest.mark.aws_doc(_API + "API_DeleteObjects.html")
@pytest.mark.aws_doc(_CONTROL_API)
def test_bucket_write_grantee_delete_objects_reports_the_owners_object_as_it_treated_it(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """API_DeleteObjects.html reports each key the caller may not delete as its own Error. A WRITE
    grantee deletes its own object; the bucket owner's is documented both ways (see above): either
    an AccessDenied entry and the object stays, or Deleted and it is gone."""
    name = _acl_bucket(s3, new_bucket_name, "wmulti")
    alt = s3_endpoint.alt_client()
    _grant_alt(s3, name, _id(alt), "WRITE")
    s3.put_object(Bucket=name, Key="owners", Body=b"kept")
    alt.put_object(Bucket=name, Key="mine", Body=b"x")
    answer = alt.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "owners"}, {"Key": "mine"}]})
    deleted = sorted(d["Key"] for d in answer.get("Deleted", []))
    errors = [(e["Key"], e["Code"]) for e in answer.get("Errors", [])]
    assert (deleted, errors) in ((["mine"], [("owners", "AccessDenied")]), (["mine", "owners"], []))
    assert _exists(s3, name, "owners") == bool(errors)
    assert not _exists(s3, name, "mine")


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_GUIDE + "VersionedObjectPermissionsandACLs.html")
def test_bucket_write_grantee_does_not_delete_a_version_of_the_owners_object(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """acl-overview.html, mapping of WRITE: "when the grantee is the bucket owner, granting WRITE
    permission in a bucket ACL allows the s3:DeleteObjectVersion action to be performed on any version
    in that bucket" — not when it is another account: a second account with WRITE deleting a version
    the bucket owner wrote is 403 AccessDenied, and the version stays; one it wrote it may delete."""
    name = _acl_bucket(s3, new_bucket_name, "wver")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    alt = s3_endpoint.alt_client()
    _grant_alt(s3, name, _id(alt), "READ", "WRITE")
    owners = s3.put_object(Bucket=name, Key="k", Body=b"owner's")["VersionId"]
    mine = alt.put_object(Bucket=name, Key="mine", Body=b"alt's")["VersionId"]
    assert error_of(lambda: alt.delete_object(Bucket=name, Key="k", VersionId=owners)) == (403, "AccessDenied")
    assert s3.get_object(Bucket=name, Key="k", VersionId=owners)["Body"].read() == b"owner's"
    assert alt.delete_object(Bucket=name, Key="mine", VersionId=mine)["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.aws_doc(_GUIDE + "acl-overview.html")
@pytest.mark.aws_doc(_CONTROL_API)
@pytest.mark.parametrize("who", ["anonymous", "alt"])
@pytest.mark.parametrize("call", ["put", "delete"])
def test_public_read_write_lets_anyone_add_and_replaces_or_refuses_whole(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, who: str, call: str
) -> None:
    """acl-overview.html, All Users group: WRITE "still allow[s] anyone to store objects in your
    bucket": on a public-read-write bucket an unsigned caller and a second account store new keys.
    PUT over or DELETE of an object another wrote is documented both ways (see above): either 403
    AccessDenied and the object stays, or done. Deleting a missing key is the usual 204."""
    name = _acl_bucket(s3, new_bucket_name, "prwnoover")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    s3.put_object(Bucket=name, Key="owners", Body=b"kept")
    caller = s3_endpoint.anonymous_client() if who == "anonymous" else s3_endpoint.alt_client()
    # What an unsigned write leaves, the bucket owner reads; what the second account writes, it reads.
    reader = s3 if who == "anonymous" else caller
    caller.put_object(Bucket=name, Key="new", Body=b"added")
    assert _body(reader, name, "new") == b"added"
    if call == "put":
        done = _refused_or_done(lambda: caller.put_object(Bucket=name, Key="owners", Body=b"x"))
        assert (_body(reader, name, "owners") == b"x") if done else (_body(s3, name, "owners") == b"kept")
    else:
        done = _refused_or_done(lambda: caller.delete_object(Bucket=name, Key="owners"))
        assert _exists(s3, name, "owners") != done
    assert caller.delete_object(Bucket=name, Key="missing")["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.aws_doc(_API + "RESTObjectPOST.html")
@pytest.mark.aws_doc(_CONTROL_API)
def test_anonymous_browser_post_adds_and_replaces_or_refuses_whole(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """RESTObjectPOST.html: a POST needs no signed policy "if the bucket is publicly writable"; what it
    writes is a PutObject: an unsigned form adds a new key (204); one naming the owner's object is
    documented both ways (see above): 403 AccessDenied and the object stays, or 204 and replaced."""
    if s3_endpoint.endpoint.url.startswith("https"):
        pytest.skip("capability: this form helper speaks plain HTTP")
    name = _acl_bucket(s3, new_bucket_name, "postnoover")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    s3.put_object(Bucket=name, Key="owners", Body=b"kept")
    assert form_post(s3_endpoint.endpoint.url, name, {"key": "new"}, b"posted")[0] == 204
    assert _body(s3, name, "new") == b"posted"
    status, body = form_post(s3_endpoint.endpoint.url, name, {"key": "owners"}, b"posted")
    if status == 204:
        assert _body(s3, name, "owners") == b"posted"
    else:
        assert status == 403 and b"<Code>AccessDenied</Code>" in body
        assert _body(s3, name, "owners") == b"kept"


# -- multipart uploads: listing them is READ, stopping or listing one is its initiator's -------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_GUIDE + "mpuoverview.html")
@pytest.mark.parametrize("permission", ["READ", "WRITE", "READ_ACP"])
def test_list_multipart_uploads_is_granted_by_read_on_the_bucket(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, permission: str
) -> None:
    """acl-overview.html, mapping: READ on a bucket is "s3:ListBucket, s3:ListBucketVersions, and
    s3:ListBucketMultipartUploads"; ListMultipartUploads needs s3:ListBucketMultipartUploads
    (mpuoverview.html, "Multipart upload API and permissions"). A second account granted READ lists
    the owner's upload; granted WRITE or READ_ACP it is 403 AccessDenied."""
    name = _acl_bucket(s3, new_bucket_name, "lmu")
    alt = s3_endpoint.alt_client()
    _grant_alt(s3, name, _id(alt), permission)
    upload = s3.create_multipart_upload(Bucket=name, Key="mp")["UploadId"]
    try:
        if permission == "READ":
            assert [u["UploadId"] for u in alt.list_multipart_uploads(Bucket=name)["Uploads"]] == [upload]
        else:
            assert error_of(lambda: alt.list_multipart_uploads(Bucket=name)) == (403, "AccessDenied")
    finally:
        s3.abort_multipart_upload(Bucket=name, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_GUIDE + "mpuoverview.html")
@pytest.mark.parametrize("call", ["abort", "list-parts"])
def test_only_the_initiator_and_the_bucket_owner_stop_or_list_an_upload(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, call: str
) -> None:
    """mpuoverview.html, "Multipart upload API and permissions": AbortMultipartUpload needs
    s3:AbortMultipartUpload, "By default, the bucket owner and the initiator of the multipart upload
    are allowed to perform this action"; ListParts needs s3:ListMultipartUploadParts, "the bucket owner
    has permission to list parts for any multipart upload to the bucket. The initiator of the multipart
    upload has the permission to list parts of the specific multipart upload". No ACL permission maps
    to either (acl-overview.html, mapping). On a public-read-write bucket the second account may stop
    and list its own upload; the bucket owner's upload it may not, nor may an unsigned caller stop or
    list the second account's (403 AccessDenied, the upload stays); the bucket owner may do both to the
    second account's."""
    name = _acl_bucket(s3, new_bucket_name, "mpuinit")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    alt, anonymous = s3_endpoint.alt_client(), s3_endpoint.anonymous_client()
    owners = s3.create_multipart_upload(Bucket=name, Key="owners")["UploadId"]
    s3.upload_part(Bucket=name, Key="owners", UploadId=owners, PartNumber=1, Body=b"part")
    alts = alt.create_multipart_upload(Bucket=name, Key="alts")["UploadId"]
    alt.upload_part(Bucket=name, Key="alts", UploadId=alts, PartNumber=1, Body=b"part")

    def do(client: Any, key: str, upload: str) -> Any:
        if call == "abort":
            return client.abort_multipart_upload(Bucket=name, Key=key, UploadId=upload)
        return client.list_parts(Bucket=name, Key=key, UploadId=upload)

    try:
        assert error_of(lambda: do(alt, "owners", owners)) == (403, "AccessDenied")
        assert error_of(lambda: do(anonymous, "alts", alts)) == (403, "AccessDenied")
        listed = {u["UploadId"] for u in s3.list_multipart_uploads(Bucket=name)["Uploads"]}
        assert listed == {owners, alts}
        done = 204 if call == "abort" else 200
        assert do(s3, "alts", alts)["ResponseMetadata"]["HTTPStatusCode"] == done
        own = alts if call == "list-parts" else alt.create_multipart_upload(Bucket=name, Key="alts")["UploadId"]
        assert do(alt, "alts", own)["ResponseMetadata"]["HTTPStatusCode"] == done
        if call == "list-parts":
            alt.abort_multipart_upload(Bucket=name, Key="alts", UploadId=alts)
    finally:
        s3.abort_multipart_upload(Bucket=name, Key="owners", UploadId=owners)


# -- the predefined groups, as grantees of each permission -------------------------------------------------

GROUPS = {"all-users": ALL_USERS, "authenticated-users": AUTHENTICATED_USERS, "log-delivery": LOG_DELIVERY}
# Who each group stands for (acl-overview.html, "Amazon S3 predefined groups"): All Users "anyone in
# the world ... signed (authenticated) or unsigned (anonymous)"; Authenticated Users "all AWS
# accounts ... all requests must be signed"; Log Delivery the service that writes server access logs,
# neither a second account nor an unsigned caller.
MEMBERS = {"all-users": {"alt", "anonymous"}, "authenticated-users": {"alt"}, "log-delivery": set()}
# (request on the bucket) -> the bucket permissions that allow it (acl-overview.html, mapping).
BUCKET_GRANTS = {
    "list-objects": {"READ", "FULL_CONTROL"},
    "list-object-versions": {"READ", "FULL_CONTROL"},
    "list-multipart-uploads": {"READ", "FULL_CONTROL"},
    "head-bucket": {"READ", "FULL_CONTROL"},
    "put-object": {"WRITE", "FULL_CONTROL"},
    "get-bucket-acl": {"READ_ACP", "FULL_CONTROL"},
    "put-bucket-acl": {"WRITE_ACP", "FULL_CONTROL"},
}
_GRANT_ARG = {
    "READ": "GrantRead",
    "WRITE": "GrantWrite",
    "READ_ACP": "GrantReadACP",
    "WRITE_ACP": "GrantWriteACP",
    "FULL_CONTROL": "GrantFullControl",
}


def _group_grant(owner: str, uri: str, permission: str) -> dict[str, str]:
    """Grant-header arguments: FULL_CONTROL to ``owner``, ``permission`` to the group ``uri``."""
    headers = {"GrantFullControl": f'id="{owner}"'}
    arg = _GRANT_ARG[permission]
    headers[arg] = f'{headers[arg]}, uri="{uri}"' if arg in headers else f'uri="{uri}"'
    return headers


@pytest.mark.parametrize("caller", ["alt", "anonymous"])
@pytest.mark.parametrize("permission", list(_GRANT_ARG))
@pytest.mark.parametrize("group", list(GROUPS))
def test_a_group_grant_on_a_bucket_reaches_exactly_its_members(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, group: str, permission: str, caller: str
) -> None:
    """acl-overview.html, "Amazon S3 predefined groups" and "Mapping of ACL permissions": a bucket ACL
    granting ``permission`` to a group lets the caller list, write a new object, read or write the
    bucket's ACL exactly when the caller is a member of the group and the permission covers the
    request (READ: list objects, versions and multipart uploads, HeadBucket); otherwise 403
    AccessDenied, and nothing is written."""
    name = _acl_bucket(s3, new_bucket_name, "grp")
    owner = _id(s3)
    grants = _group_grant(owner, GROUPS[group], permission)
    s3.put_bucket_acl(Bucket=name, **grants)
    client = s3_endpoint.alt_client() if caller == "alt" else s3_endpoint.anonymous_client()
    calls: dict[str, Callable[[], Any]] = {
        "list-objects": lambda: client.list_objects_v2(Bucket=name),
        "list-object-versions": lambda: client.list_object_versions(Bucket=name),
        "list-multipart-uploads": lambda: client.list_multipart_uploads(Bucket=name),
        "head-bucket": lambda: client.head_bucket(Bucket=name),
        "put-object": lambda: client.put_object(Bucket=name, Key="by-caller", Body=b"x"),
        "get-bucket-acl": lambda: client.get_bucket_acl(Bucket=name),
        "put-bucket-acl": lambda: client.put_bucket_acl(Bucket=name, **grants),
    }
    member = caller in MEMBERS[group]
    for request, allowed_by in BUCKET_GRANTS.items():
        if member and permission in allowed_by:
            assert calls[request]()["ResponseMetadata"]["HTTPStatusCode"] == 200, request
        else:
            code = None if request == "head-bucket" else "AccessDenied"  # a HEAD answer has no body
            assert error_of(calls[request]) == (403, code), request
    written = [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]
    assert written == (["by-caller"] if member and permission in BUCKET_GRANTS["put-object"] else [])


# (request on the object) -> the object permissions that allow it.
OBJECT_GRANTS = {
    "get-object": {"READ", "FULL_CONTROL"},
    "head-object": {"READ", "FULL_CONTROL"},
    "get-object-acl": {"READ_ACP", "FULL_CONTROL"},
    "put-object-acl": {"WRITE_ACP", "FULL_CONTROL"},
}


@pytest.mark.parametrize("caller", ["alt", "anonymous"])
@pytest.mark.parametrize("permission", ["READ", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"])
@pytest.mark.parametrize("group", list(GROUPS))
def test_a_group_grant_on_an_object_reaches_exactly_its_members(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any, group: str, permission: str, caller: str
) -> None:
    """As for buckets: an object ACL granting ``permission`` to a group lets the caller read the
    object (GET, HEAD), read or write its ACL exactly when the caller is a member and the permission
    covers it (acl-overview.html: on an object FULL_CONTROL is READ, READ_ACP and WRITE_ACP)."""
    name = _acl_bucket(s3, new_bucket_name, "grpobj")
    owner = _id(s3)
    grants = _group_grant(owner, GROUPS[group], permission)
    s3.put_object(Bucket=name, Key="k", Body=b"data", **grants)
    client = s3_endpoint.alt_client() if caller == "alt" else s3_endpoint.anonymous_client()
    calls: dict[str, Callable[[], Any]] = {
        "get-object": lambda: client.get_object(Bucket=name, Key="k"),
        "head-object": lambda: client.head_object(Bucket=name, Key="k"),
        "get-object-acl": lambda: client.get_object_acl(Bucket=name, Key="k"),
        "put-object-acl": lambda: client.put_object_acl(Bucket=name, Key="k", **grants),
    }
    member = caller in MEMBERS[group]
    for request, allowed_by in OBJECT_GRANTS.items():
        if member and permission in allowed_by:
            assert calls[request]()["ResponseMetadata"]["HTTPStatusCode"] == 200, request
        else:
            status, code = error_of(calls[request])
            assert (status, code) == (403, None if request == "head-object" else "AccessDenied"), request


# -- the grants of one version -----------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_GUIDE + "VersionedObjectPermissionsandACLs.html")
@pytest.mark.parametrize("permission", ["READ", "READ_ACP", "WRITE_ACP"])
def test_a_grant_on_one_version_reaches_that_version_only(
    s3_endpoint: S3Target, s3: Any, versioned_bucket: str, permission: str
) -> None:
    """VersionedObjectPermissionsandACLs.html: "Permissions for objects in Amazon S3 are set at the
    version level"; acl-overview.html maps READ to s3:GetObjectVersion, READ_ACP to
    s3:GetObjectVersionAcl, WRITE_ACP to s3:PutObjectVersionAcl. A second account granted
    ``permission`` on the old version (PutObjectAcl with versionId) may use it on that version by its
    id, and is 403 AccessDenied on the current version, by id or without one."""
    bucket = versioned_bucket
    alt = s3_endpoint.alt_client()
    owner, alt_id = _id(s3), _id(alt)
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"new")["VersionId"]
    s3.put_object_acl(
        Bucket=bucket,
        Key="k",
        VersionId=old,
        GrantFullControl=f'id="{owner}"',
        **{_GRANT_ARG[permission]: f'id="{alt_id}"'},
    )

    def use(version: str | None) -> Any:
        by = {"VersionId": version} if version else {}
        if permission == "READ":
            return alt.get_object(Bucket=bucket, Key="k", **by)
        if permission == "READ_ACP":
            return alt.get_object_acl(Bucket=bucket, Key="k", **by)
        return alt.put_object_acl(
            Bucket=bucket, Key="k", GrantFullControl=f'id="{owner}"', GrantRead=f'id="{alt_id}"', **by
        )

    assert use(old)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error_of(lambda: use(new)) == (403, "AccessDenied")
    assert error_of(lambda: use(None)) == (403, "AccessDenied")
    current = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in current] == [(owner, "FULL_CONTROL")]


# -- who owns what a second account copies or uploads in parts ---------------------------------------------


def _write_as(alt: Any, bucket: str, request: str, acl: str | None) -> None:
    extra = {"ACL": acl} if acl else {}
    if request == "put":
        alt.put_object(Bucket=bucket, Key="k", Body=b"by alt", **extra)
    elif request == "copy":
        alt.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "alt-src"}, **extra)
    else:
        upload = alt.create_multipart_upload(Bucket=bucket, Key="k", **extra)["UploadId"]
        etag = alt.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"by alt")["ETag"]
        alt.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
        )


@pytest.mark.s3_requires("copy", "multipart")
@pytest.mark.aws_doc(_GUIDE + "about-object-ownership.html")
@pytest.mark.parametrize("request_name", ["put", "copy", "multipart"])
@pytest.mark.parametrize(
    ("ownership", "acl", "owned_by"),
    [
        ("BucketOwnerPreferred", "bucket-owner-full-control", "bucket-owner"),
        ("BucketOwnerPreferred", None, "writer"),
        ("BucketOwnerPreferred", "bucket-owner-read", "writer"),
        ("ObjectWriter", "bucket-owner-full-control", "writer"),
    ],
    ids=["preferred-full-control", "preferred-no-acl", "preferred-owner-read", "writer-full-control"],
)
def test_who_owns_what_another_account_writes(
    s3_endpoint: S3Target,
    s3: Any,
    new_bucket_name: Any,
    request_name: str,
    ownership: str,
    acl: str | None,
    owned_by: str,
) -> None:
    """about-object-ownership.html: with Bucket owner preferred "The bucket owner owns and has full
    control over new objects that other accounts write to the bucket with the
    bucket-owner-full-control canned ACL"; otherwise (and always with Object writer) "The AWS account
    that uploads an object owns the object". That holds for a PUT, a copy and a multipart upload
    from a second account granted WRITE: GetObjectAcl names the owner, and an object the writer keeps
    and wrote without an ACL is private to it."""
    name = _acl_bucket(s3, new_bucket_name, "owns", ownership)
    alt = s3_endpoint.alt_client()
    owner, alt_id = _id(s3), _id(alt)
    _grant_alt(s3, name, alt_id, "WRITE")
    alt.put_object(Bucket=name, Key="alt-src", Body=b"by alt")
    _write_as(alt, name, request_name, acl)
    expected = owner if owned_by == "bucket-owner" else alt_id
    reader = s3 if owned_by == "bucket-owner" else alt
    assert reader.get_object_acl(Bucket=name, Key="k")["Owner"]["ID"] == expected
    listed = s3.list_objects_v2(Bucket=name, FetchOwner=True)["Contents"]
    assert {o["Key"]: o["Owner"]["ID"] for o in listed}["k"] == expected
    if acl is None:
        assert error_of(lambda: s3.get_object(Bucket=name, Key="k")) == (403, "AccessDenied")
    else:
        assert _body(s3, name, "k") == b"by alt"


# -- the anonymous user ----------------------------------------------------------------------------------

# access-control-overview.html#about-resource-owner-requests: "All unauthenticated requests are made by the
# anonymous user. This user is represented in ACLs by the specific canonical user ID
# 65a011a29cdf8ec533ec3d1ccaae921c" (acl-overview.html, "Finding an AWS account canonical user ID", alike).
ANONYMOUS_ID = "65a011a29cdf8ec533ec3d1ccaae921c"


@pytest.mark.aws_doc(_GUIDE + "access-control-overview.html")
def test_the_anonymous_user_owns_what_it_writes(s3_endpoint: S3Target, s3: Any, new_bucket_name: Any) -> None:
    """access-control-overview.html: "If an object is uploaded to a bucket through an unauthenticated
    request, the anonymous user owns the object. The default object ACL grants FULL_CONTROL to the
    anonymous user as the object's owner. Therefore, Amazon S3 allows unauthenticated requests to
    retrieve the object or modify its ACL." An unsigned PUT into a public-read-write bucket: its ACL
    names 65a011a29cdf8ec533ec3d1ccaae921c as Owner and FULL_CONTROL grantee, so do the listing's
    Owner, and unsigned GET, GetObjectAcl and PutObjectAcl of it succeed."""
    name = _acl_bucket(s3, new_bucket_name, "anonowns")
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    anonymous = s3_endpoint.anonymous_client()
    anonymous.put_object(Bucket=name, Key="dropped", Body=b"unsigned")
    assert anonymous.get_object(Bucket=name, Key="dropped")["Body"].read() == b"unsigned"
    acl = anonymous.get_object_acl(Bucket=name, Key="dropped")
    assert acl["Owner"]["ID"] == ANONYMOUS_ID
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]] == [(ANONYMOUS_ID, "FULL_CONTROL")]
    listed = s3.list_objects_v2(Bucket=name, FetchOwner=True)["Contents"]
    assert [(o["Key"], o["Owner"]["ID"]) for o in listed] == [("dropped", ANONYMOUS_ID)]
    anonymous.put_object_acl(Bucket=name, Key="dropped", ACL="public-read")
    grants = {
        (g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"])
        for g in s3.get_object_acl(Bucket=name, Key="dropped")["Grants"]
    }
    assert grants == {(ANONYMOUS_ID, "FULL_CONTROL"), (ALL_USERS, "READ")}


@pytest.mark.aws_doc(_GUIDE + "access-control-overview.html")
def test_a_bucket_grant_to_the_anonymous_user_reaches_unsigned_requests_only(
    s3_endpoint: S3Target, s3: Any, new_bucket_name: Any
) -> None:
    """access-control-overview.html: "unauthenticated PUT Object requests are allowed when ... a bucket
    ACL grants WRITE or FULL_CONTROL access to the All Users group or the anonymous user
    specifically": WRITE granted to id 65a011a29cdf8ec533ec3d1ccaae921c lets an unsigned caller write a
    new object; a signed second account is not the anonymous user (403 AccessDenied)."""
    name = _acl_bucket(s3, new_bucket_name, "anongrant")
    s3.put_bucket_acl(Bucket=name, GrantFullControl=f'id="{_id(s3)}"', GrantWrite=f'id="{ANONYMOUS_ID}"')
    acl = s3.get_bucket_acl(Bucket=name)
    assert (ANONYMOUS_ID, "WRITE") in {(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]}
    s3_endpoint.anonymous_client().put_object(Bucket=name, Key="unsigned", Body=b"x")
    assert _body(s3, name, "unsigned") == b"x"
    alt = s3_endpoint.alt_client()
    assert error_of(lambda: alt.put_object(Bucket=name, Key="signed", Body=b"x")) == (403, "AccessDenied")
