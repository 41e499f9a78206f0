"""ACLs, third pass: the AccessControlPolicy document of PutObjectAcl and PutBucketAcl grant by grant (the
grantee's xsi:type, an unknown canonical ID, a permission outside the five, a document that is not one,
an empty grant list, more than 100 grants), a document sent with grant headers, the ACL of a version
that does not exist, the owner-only document under BucketOwnerEnforced, a WRITE_ACP grantee's document,
and the shape of the document GetObjectAcl and GetBucketAcl answer.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grant.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (MalformedACLError, InvalidArgument),
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("acl"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html"),
]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_S3NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NS = f'xmlns="{_S3NS}" xmlns:xsi="{_XSI}"'
TARGETS = ["object", "bucket"]


def _my_id(s3: Any) -> str:
    return str(s3.list_buckets()["Owner"]["ID"])


def _user(who: str, permission: str = "FULL_CONTROL") -> str:
    grantee = f'<Grantee xsi:type="CanonicalUser"><ID>{who}</ID></Grantee>'
    return f"<Grant>{grantee}<Permission>{permission}</Permission></Grant>"


def _group(uri: str, permission: str) -> str:
    return f'<Grant><Grantee xsi:type="Group"><URI>{uri}</URI></Grantee><Permission>{permission}</Permission></Grant>'


def _policy(owner: str, grants: str) -> bytes:
    owner_xml = f"<Owner><ID>{owner}</ID></Owner>"
    acl = f"<AccessControlList>{grants}</AccessControlList>"
    return f"<AccessControlPolicy {_NS}>{owner_xml}{acl}</AccessControlPolicy>".encode()


def _path(bucket: str, target: str) -> str:
    return key_path(bucket, "k") if target == "object" else "/" + bucket


def _put(raw: RawS3, bucket: str, target: str, body: bytes, headers: dict[str, str] | None = None) -> Any:
    sent = {"content-md5": md5_b64(body), **(headers or {})}
    return raw.request("PUT", _path(bucket, target), [("acl", "")], headers=sent, body=body)


def _grants(s3: Any, bucket: str, target: str) -> list[tuple[str, str]]:
    got = s3.get_object_acl(Bucket=bucket, Key="k") if target == "object" else s3.get_bucket_acl(Bucket=bucket)
    return [(g["Grantee"].get("ID") or g["Grantee"].get("URI") or "", g["Permission"]) for g in got["Grants"]]


def _setup(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")


# -- a grant the document cannot hold -------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html")
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "grantee",
    [
        '<Grantee xsi:type="Person"><ID>{me}</ID></Grantee>',
        "<Grantee><ID>{me}</ID></Grantee>",
        '<Grantee xsi:type="canonicaluser"><ID>{me}</ID></Grantee>',
    ],
    ids=["unknown-type", "no-type", "type-in-lower-case"],
)
def test_acl_document_grantee_of_no_known_type_is_400_malformed_acl_error(
    raw: RawS3, s3: Any, bucket: str, target: str, grantee: str
) -> None:
    """API_Grantee.html Type: "Valid Values: CanonicalUser | AmazonCustomerByEmail | Group", "Required:
    Yes" (the xsi:type attribute of the XML form); a grantee of another type, or none, does not validate
    against the schema: 400 MalformedACLError (ErrorResponses.html: "The XML you provided was not
    well-formed or did not validate against our published schema"). The ACL stays."""
    _setup(s3, bucket)
    me = _my_id(s3)
    before = _grants(s3, bucket, target)
    grant = f"<Grant>{grantee.format(me=me)}<Permission>READ</Permission></Grant>"
    refused(_put(raw, bucket, target, _policy(me, _user(me) + grant)), 400, "MalformedACLError", accepted=f"{grantee}")
    assert _grants(s3, bucket, target) == before


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grant.html")
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "permission",
    ["READ_WRITE", "read", "", "FULL CONTROL", None],
    ids=["unknown", "lower-case", "empty", "space", "missing"],
)
def test_acl_document_permission_outside_the_five_is_400_malformed_acl_error(
    raw: RawS3, s3: Any, bucket: str, target: str, permission: str | None
) -> None:
    """API_Grant.html Permission: "Valid Values: FULL_CONTROL | WRITE | WRITE_ACP | READ | READ_ACP"; any
    other value, or a grant without one, is 400 MalformedACLError. The ACL stays."""
    _setup(s3, bucket)
    me = _my_id(s3)
    before = _grants(s3, bucket, target)
    perm = "" if permission is None else f"<Permission>{permission}</Permission>"
    grant = f'<Grant><Grantee xsi:type="Group"><URI>{ALL_USERS}</URI></Grantee>{perm}</Grant>'
    answer = _put(raw, bucket, target, _policy(me, _user(me) + grant))
    refused(answer, 400, "MalformedACLError", accepted=f"permission {permission!r} accepted")
    assert _grants(s3, bucket, target) == before


@pytest.mark.parametrize("target", TARGETS)
def test_acl_document_grant_to_an_unknown_canonical_id_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, target: str
) -> None:
    """A CanonicalUser grantee whose ID names no account: 400 InvalidArgument "Invalid id" (ArgumentName
    CanonicalUser/ID), the answer AWS gives the same grant in an x-amz-grant-* header (test_acl.py). The
    ACL stays."""
    _setup(s3, bucket)
    me = _my_id(s3)
    before = _grants(s3, bucket, target)
    nobody = "0" * 64 if me != "0" * 64 else "1" * 64
    answer = _put(raw, bucket, target, _policy(me, _user(me) + _user(nobody, "READ")))
    refused(answer, 400, "InvalidArgument", accepted="a grant to an unknown canonical ID accepted")
    assert _grants(s3, bucket, target) == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "uri",
    [
        "http://acs.amazonaws.com/groups/global/Authenticated",
        "http://example.com/not-a-group",
        "http://acs.amazonaws.com/groups/global/allusers",
    ],
    ids=["near-miss", "other-host", "lower-case"],
)
def test_acl_document_group_that_is_not_one_of_the_three_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, target: str, uri: str
) -> None:
    """acl-overview.html names three predefined groups (AllUsers, AuthenticatedUsers, LogDelivery); a Group
    grantee with another URI is 400 InvalidArgument "Invalid group uri" in a PutObjectAcl document
    (aws/aws-sdk-ruby#826, which sets the ACL through AccessControlPolicy, and marcel/aws-s3#39, whose XML
    named .../global/Authenticated). The ACL stays."""
    _setup(s3, bucket)
    me = _my_id(s3)
    before = _grants(s3, bucket, target)
    answer = _put(raw, bucket, target, _policy(me, _user(me) + _group(uri, "READ")))
    refused(answer, 400, "InvalidArgument", accepted=f"group {uri!r} accepted")
    assert _grants(s3, bucket, target) == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "body",
    [
        b"<AccessControlPolicy><Owner><ID>x</ID></Owner>",
        b"not xml",
        b"<Other/>",
        b"<AccessControlPolicy xmlns='http://s3.amazonaws.com/doc/2006-03-01/'><Owner><ID>{me}</ID></Owner>"
        b"<Owner><ID>{me}</ID></Owner><AccessControlList/></AccessControlPolicy>",
        b'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>{me}</ID></Owner>'
        b"<AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
        b'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Owner><ID>{me}</ID></Owner><AccessControlList>'
        b'<Grant><Grantee xsi:type="CanonicalUser"><ID>{me}</ID></Grantee><Permission>READ</Permission>'
        b"<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>",
        b'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Owner><ID>{me}</ID></Owner><AccessControlList>'
        b'<Grant><Grantee xsi:type="CanonicalUser"><ID>{me}</ID><ID>{me}</ID></Grantee><Permission>READ</Permission>'
        b"</Grant></AccessControlList></AccessControlPolicy>",
        b'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>{me}</ID><ID>{me}</ID>'
        b"</Owner><AccessControlList/></AccessControlPolicy>",
    ],
    ids=[
        "unclosed",
        "not-xml",
        "wrong-root",
        "two-owners",
        "grant-without-grantee",
        "two-permissions",
        "grantee-with-two-ids",
        "owner-with-two-ids",
    ],
)
def test_acl_document_that_is_no_policy_is_400_malformed_acl_error(
    raw: RawS3, s3: Any, bucket: str, target: str, body: bytes
) -> None:
    """ErrorResponses.html MalformedACLError (400): "The XML you provided was not well-formed or did not
    validate against our published schema"; API_Grant.html: a Grant is one Grantee and one Permission,
    API_Grantee.html / API_Owner.html one ID each. The ACL stays."""
    _setup(s3, bucket)
    before = _grants(s3, bucket, target)
    sent = body.replace(b"{me}", _my_id(s3).encode())
    refused(_put(raw, bucket, target, sent), 400, "MalformedACLError", accepted=f"{body[:60]!r} accepted")
    assert _grants(s3, bucket, target) == before


# -- documents that are accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_acl_document_without_grants_leaves_the_owner_its_acl(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """API_AccessControlPolicy.html Grants: "Required: No"; an empty AccessControlList is an ACL of no
    grants. GetObjectAcl/GetBucketAcl then answer no grant, and the owner still reads and writes the ACL
    (acl-overview.html: the resource owner keeps READ_ACP and WRITE_ACP whatever the ACL says)."""
    _setup(s3, bucket)
    me = _my_id(s3)
    assert _put(raw, bucket, target, _policy(me, "")).status == 200
    assert _grants(s3, bucket, target) == []
    assert _put(raw, bucket, target, _policy(me, _user(me))).status == 200
    assert _grants(s3, bucket, target) == [(me, "FULL_CONTROL")]


@pytest.mark.parametrize("target", TARGETS)
def test_acl_document_every_group_and_permission_round_trips(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """acl-overview.html: the three predefined groups (AllUsers, AuthenticatedUsers, LogDelivery) and the
    five permissions; GetObjectAcl/GetBucketAcl answer every grant the document set."""
    _setup(s3, bucket)
    me = _my_id(s3)
    grants = [
        (me, "FULL_CONTROL"),
        (ALL_USERS, "READ"),
        (AUTHENTICATED_USERS, "READ_ACP"),
        (LOG_DELIVERY, "WRITE"),
        (LOG_DELIVERY, "WRITE_ACP"),
        (me, "READ"),
    ]
    body = "".join(_user(who, p) if who == me else _group(who, p) for who, p in grants)
    assert _put(raw, bucket, target, _policy(me, body)).status == 200
    assert sorted(_grants(s3, bucket, target)) == sorted(grants)


@pytest.mark.parametrize("target", TARGETS)
def test_acl_document_grants_are_kept_in_order_and_repeated(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """API_GetObjectAcl.html / API_GetBucketAcl.html answer the ACL's grants; S3 keeps them as the document
    gave them, a grant sent twice twice (real GetBucketAcl output listing one LogDelivery READ_ACP grant
    many times, vmware-samples/secureclouds-remediation-jobs#14; "Amazon wasn't deduplicating",
    jakobmattsson/bucketful#2, whose growing list then met the 100-grant limit)."""
    _setup(s3, bucket)
    me = _my_id(s3)
    sent = [(me, "FULL_CONTROL"), (LOG_DELIVERY, "READ_ACP"), (ALL_USERS, "READ"), (LOG_DELIVERY, "READ_ACP")]
    body = "".join(_user(who, p) if who == me else _group(who, p) for who, p in sent)
    assert _put(raw, bucket, target, _policy(me, body)).status == 200
    assert _grants(s3, bucket, target) == sent


@pytest.mark.parametrize("target", TARGETS)
def test_acl_document_with_a_grant_header_is_400_unexpected_content(
    raw: RawS3, s3: Any, bucket: str, target: str
) -> None:
    """API_PutObjectAcl.html / API_PutBucketAcl.html: the ACL is set "either using the request body or the
    headers", not both; with an x-amz-grant-* header and a body S3 answers 400 UnexpectedContent "This
    request does not support content" (as with x-amz-acl, test_settled.py). The ACL stays."""
    _setup(s3, bucket)
    me = _my_id(s3)
    before = _grants(s3, bucket, target)
    answer = _put(raw, bucket, target, _policy(me, _user(me)), headers={"x-amz-grant-read": f'uri="{ALL_USERS}"'})
    refused(answer, 400, "UnexpectedContent", accepted="a grant header with a body accepted")
    assert _grants(s3, bucket, target) == before


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_OwnershipControlsRule.html")
@pytest.mark.parametrize("target", TARGETS)
def test_bucket_owner_enforced_takes_the_owner_full_control_document(
    raw: RawS3, s3: Any, bucket: str, target: str
) -> None:
    """API_OwnershipControlsRule.html BucketOwnerEnforced: the bucket "only accepts PUT requests that don't
    specify an ACL or specify bucket owner full control ACLs (such as the predefined
    bucket-owner-full-control canned ACL or a custom ACL in XML format that grants the same permissions)".
    A document granting the bucket owner FULL_CONTROL and nothing else is accepted; reads show it."""
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    me = _my_id(s3)
    answer = _put(raw, bucket, target, _policy(me, _user(me)))
    assert answer.status == 200, answer
    assert _grants(s3, bucket, target) == [(me, "FULL_CONTROL")]


# -- versions ----------------------------------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
@pytest.mark.parametrize("operation", ["get", "put"])
def test_object_acl_of_a_version_that_does_not_exist_is_404_no_such_version(
    s3: Any, versioned_bucket: str, operation: str
) -> None:
    """API_GetObjectAcl.html / API_PutObjectAcl.html versionId names one version; ErrorResponses.html
    NoSuchVersion (404): "Indicates that the version ID specified in the request does not match an existing
    version". The id is one the bucket gave and then deleted."""
    b = versioned_bucket
    s3.put_object(Bucket=b, Key="k", Body=b"1")
    gone = s3.put_object(Bucket=b, Key="k", Body=b"2")["VersionId"]
    s3.delete_object(Bucket=b, Key="k", VersionId=gone)
    calls: dict[str, Callable[[], Any]] = {
        "get": lambda: s3.get_object_acl(Bucket=b, Key="k", VersionId=gone),
        "put": lambda: s3.put_object_acl(Bucket=b, Key="k", VersionId=gone, ACL="public-read"),
    }
    assert error_of(calls[operation]) == (404, "NoSuchVersion")
    assert [g["Permission"] for g in s3.get_object_acl(Bucket=b, Key="k")["Grants"]] == ["FULL_CONTROL"]


# -- the document GetObjectAcl / GetBucketAcl answer -------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html")
@pytest.mark.parametrize("target", TARGETS)
def test_get_acl_answers_an_access_control_policy_document(raw: RawS3, s3: Any, bucket: str, target: str) -> None:
    """API_GetObjectAcl.html / API_GetBucketAcl.html response: an AccessControlPolicy (S3 namespace) with
    Owner/ID and an AccessControlList of Grant elements, each a Grantee carrying its xsi:type
    (API_Grantee.html: CanonicalUser with an ID, Group with a URI) and a Permission. The canned
    public-read-write ACL is the owner's FULL_CONTROL and AllUsers READ and WRITE (acl-overview.html)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read-write")
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    me = _my_id(s3)
    answer = raw.request("GET", _path(bucket, target), [("acl", "")])
    assert answer.status == 200, answer
    assert answer.headers.get("content-type", "").startswith("application/xml"), answer.headers
    root = answer.xml()
    assert root.tag == f"{{{_S3NS}}}AccessControlPolicy"
    owner_ids = [e.text for e in root.findall(f"{{{_S3NS}}}Owner/{{{_S3NS}}}ID")]
    assert owner_ids == [me]
    found = []
    for grant in root.findall(f"{{{_S3NS}}}AccessControlList/{{{_S3NS}}}Grant"):
        grantees = grant.findall(f"{{{_S3NS}}}Grantee")
        assert len(grantees) == 1, answer
        kind = grantees[0].get(f"{{{_XSI}}}type")
        who = grantees[0].findtext(f"{{{_S3NS}}}ID" if kind == "CanonicalUser" else f"{{{_S3NS}}}URI")
        if kind == "Group":
            assert grantees[0].find(f"{{{_S3NS}}}ID") is None, answer
        found.append((kind, who, grant.findtext(f"{{{_S3NS}}}Permission")))
    assert sorted(found) == sorted(
        [("CanonicalUser", me, "FULL_CONTROL"), ("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE")]
    )


# -- the grant limit ---------------------------------------------------------------------------------------


def _many_grants(me: str, count: int) -> str:
    """``count`` Grant elements cycling over the 20 distinct grants one account can make."""
    distinct = [_user(me, p) for p in _PERMISSIONS] + [
        _group(uri, p) for uri in (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY) for p in _PERMISSIONS
    ]
    return "".join(distinct[i % len(distinct)] for i in range(count))


_PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html")
@pytest.mark.parametrize("target", TARGETS)
def test_acl_document_of_more_than_100_grants_is_400_malformed_acl_error(
    raw: RawS3, s3: Any, bucket: str, target: str
) -> None:
    """acl-overview.html: "An ACL can have up to 100 grants." A document of 101 Grant elements does not
    validate: AWS answers 400 MalformedACLError "The XML you provided was not well-formed or did not
    validate against our published schema" (the answer recorded from S3 when Ceph RGW adopted the limit,
    ceph commit "rgw: acl grants num limit"). 100 are accepted; the refused document changes nothing."""
    _setup(s3, bucket)
    me = _my_id(s3)
    before = _grants(s3, bucket, target)
    answer = _put(raw, bucket, target, _policy(me, _many_grants(me, 101)))
    refused(answer, 400, "MalformedACLError", accepted="an ACL of 101 grants accepted")
    assert _grants(s3, bucket, target) == before
    accepted = _put(raw, bucket, target, _policy(me, _many_grants(me, 100)))
    assert accepted.status == 200, accepted
    assert (LOG_DELIVERY, "READ_ACP") in _grants(s3, bucket, target)


# -- a grantee writing the document ---------------------------------------------------------------------------


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html")
def test_write_acp_grantee_writes_a_document_naming_the_owner_not_itself(
    s3_endpoint: S3Target, s3: Any, bucket: str
) -> None:
    """acl-overview.html: WRITE_ACP "Allows grantee to write the ACL for the applicable object", and the
    owner of an object is the account that wrote it: a second account holding WRITE_ACP may put a
    document whose Owner is the object's owner (granting itself READ by canonical ID), but one naming
    itself as Owner is 403 AccessDenied, as for the owner (test_acl_requests.py)."""
    alt = s3_endpoint.alt_client()
    me, alt_id = _my_id(s3), _my_id(alt)
    s3.put_object(Bucket=bucket, Key="k", Body=b"owned", GrantFullControl=f'id="{me}"', GrantWriteACP=f'id="{alt_id}"')
    assert error_of(
        lambda: alt.put_object_acl(
            Bucket=bucket,
            Key="k",
            AccessControlPolicy={
                "Owner": {"ID": alt_id},
                "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": alt_id}, "Permission": "FULL_CONTROL"}],
            },
        )
    ) == (403, "AccessDenied")
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]["ID"] == me
    alt.put_object_acl(
        Bucket=bucket,
        Key="k",
        AccessControlPolicy={
            "Owner": {"ID": me},
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": me}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": alt_id}, "Permission": "READ"},
            ],
        },
    )
    assert alt.get_object(Bucket=bucket, Key="k")["Body"].read() == b"owned"
    assert sorted(_grants(s3, bucket, "object")) == sorted([(me, "FULL_CONTROL"), (alt_id, "READ")])
