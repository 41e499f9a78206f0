"""Bucket operations at their edges (a fourth pass): the naming rules not pinned before, the
CreateBucketConfiguration document element by element, what HeadBucket answers about a general
purpose bucket and to a request signed for another region, and GetBucketLocation's document.
``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, uri_encode
from cargobay.testing.s3_target import S3Target

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

pytestmark = [pytest.mark.s3_requires("buckets"), pytest.mark.aws_doc(_API + "API_CreateBucket.html")]


# -- naming rules ---------------------------------------------------------------------------------


@pytest.mark.aws_doc(_GUIDE + "bucketnamingrules.html")
@pytest.mark.parametrize(
    "name",
    [".leading-dot", "trailing-dot.", "with space", "percent%20", "tab\tname", "unicode-\u00e9"],
    ids=["leading-dot", "trailing-dot", "space", "percent", "tab", "non-ascii"],
)
def test_create_bucket_name_breaking_a_character_rule_is_400_invalid_bucket_name(raw: RawS3, name: str) -> None:
    """bucketnamingrules.html: "Bucket names can consist only of lowercase letters, numbers, periods
    (.), and hyphens (-)" and "must begin and end with a letter or number": 400 InvalidBucketName."""
    answer = raw.request("PUT", "/" + uri_encode(name))
    refused(answer, 400, "InvalidBucketName", accepted=f"invalid bucket name {name!r} accepted")


@pytest.mark.aws_doc(_GUIDE + "bucketnamingrules.html")
def test_create_bucket_name_with_dots_and_digits_is_accepted(s3: Any, new_bucket_name: Any) -> None:
    """Periods and numbers are allowed anywhere inside a name (``www.example.com`` style names,
    bucketnamingrules.html examples), and a name of digits and dots that is not four numbers is no
    IP address: each is made and answers HeadBucket."""
    name = new_bucket_name("dots") + ".v2.0.1"
    made = s3.create_bucket(Bucket=name)
    try:
        assert made["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        s3.delete_bucket(Bucket=name)


# -- CreateBucketConfiguration ------------------------------------------------------------------


def _configuration(inner: str) -> bytes:
    return f"<CreateBucketConfiguration {_NS}>{inner}</CreateBucketConfiguration>".encode()


def _own_constraint(s3_endpoint: S3Target) -> str:
    """The LocationConstraint that names the endpoint's own region: none for us-east-1
    (API_CreateBucketConfiguration.html: us-east-1 is not among the valid values)."""
    region = s3_endpoint.endpoint.region
    return "" if region == "us-east-1" else region


@pytest.mark.aws_doc(_API + "API_CreateBucketConfiguration.html")
@pytest.mark.parametrize("form", ["empty-document", "empty-constraint"])
def test_create_bucket_configuration_naming_the_endpoints_region_is_accepted(
    raw: RawS3, s3: Any, s3_endpoint: S3Target, new_bucket_name: Any, form: str
) -> None:
    """A CreateBucketConfiguration whose LocationConstraint is the endpoint's own region (for
    us-east-1: none, or an empty element) makes the bucket there: 200, and GetBucketLocation answers
    that constraint."""
    name = new_bucket_name("cfg")
    own = _own_constraint(s3_endpoint)
    inner = "" if form == "empty-document" and not own else f"<LocationConstraint>{own}</LocationConstraint>"
    answer = raw.request("PUT", "/" + name, body=_configuration(inner))
    assert answer.status == 200, answer
    assert s3.get_bucket_location(Bucket=name).get("LocationConstraint") in ((own or None), own)


@pytest.mark.aws_doc(_API + "API_CreateBucketConfiguration.html")
@pytest.mark.parametrize(
    "inner",
    [
        "<LocationConstraint>{own}</LocationConstraint><LocationConstraint>{own}</LocationConstraint>",
        "<LocationConstraint>{own}</LocationConstraint><StorageClass>STANDARD</StorageClass>",
        "<Tags><Tag><Key>k</Key><Value>v</Value></Tag></Tags><Tags><Tag><Key>j</Key><Value>w</Value></Tag></Tags>",
    ],
    ids=["two-constraints", "unknown-element", "two-tag-lists"],
)
def test_create_bucket_configuration_outside_its_schema_is_400_malformed_xml(
    raw: RawS3, s3: Any, s3_endpoint: S3Target, new_bucket_name: Any, inner: str
) -> None:
    """API_CreateBucketConfiguration.html: LocationConstraint, Location, Bucket and Tags, each at
    most once. A document repeating one or holding another element does not validate against the
    schema: 400 MalformedXML ("did not validate against our published schema",
    ErrorResponses.html), and no bucket is made."""
    name = new_bucket_name("schema")
    body = _configuration(inner.format(own=_own_constraint(s3_endpoint)))
    answer = raw.request("PUT", "/" + name, body=body)
    refused(answer, 400, "MalformedXML", accepted="a CreateBucketConfiguration outside the schema accepted")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


@pytest.mark.aws_doc(_API + "API_CreateBucketConfiguration.html")
@pytest.mark.parametrize(
    "inner",
    [
        "<Location><Name>use1-az4</Name><Type>AvailabilityZone</Type></Location>"
        "<Bucket><DataRedundancy>SingleAvailabilityZone</DataRedundancy><Type>Directory</Type></Bucket>",
        "<Bucket><Type>Directory</Type></Bucket>",
    ],
    ids=["location-and-bucket", "bucket-type"],
)
def test_create_bucket_asking_for_a_directory_bucket_is_refused_and_makes_nothing(
    raw: RawS3, s3: Any, new_bucket_name: Any, inner: str
) -> None:
    """API_CreateBucketConfiguration.html: Location ("Specifies the location where the bucket will
    be created. Directory buckets ...") and Bucket (BucketInfo, Type "Valid Values: Directory") ask
    for a directory bucket in an Availability or Local Zone. An endpoint that makes general purpose
    buckets cannot give one: it refuses (400 InvalidArgument, InvalidRequest or InvalidBucketName -
    a directory bucket name ends in ``--x-s3`` - or 501 NotImplemented), never a 200 that makes a
    general purpose bucket instead."""
    name = new_bucket_name("dir")
    answer = raw.request("PUT", "/" + name, body=_configuration(inner))
    allowed = {(400, "InvalidArgument"), (400, "InvalidRequest"), (400, "InvalidBucketName"), (501, "NotImplemented")}
    assert (answer.status, answer.code) in allowed, f"a directory bucket asked for: {answer}"
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


# -- HeadBucket ---------------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_HeadBucket.html")
def test_head_bucket_of_a_general_purpose_bucket_names_no_zone_or_arn(raw: RawS3, bucket: str) -> None:
    """API_HeadBucket.html, Response Syntax: x-amz-bucket-location-type, x-amz-bucket-location-name
    and x-amz-bucket-arn are answered for directory buckets only ("This functionality is only
    supported by directory buckets"); a general purpose bucket's HeadBucket has none of them, and
    no body."""
    answer = raw.request("HEAD", "/" + bucket)
    assert (answer.status, answer.body) == (200, b""), answer
    for name in ("x-amz-bucket-location-type", "x-amz-bucket-location-name", "x-amz-bucket-arn"):
        assert name not in answer.headers, answer.headers


@pytest.mark.aws_doc(_API + "API_GetBucketLocation.html")
def test_head_bucket_signed_for_another_region_is_400_naming_the_buckets_region(
    raw: RawS3, s3_endpoint: S3Target, bucket: str
) -> None:
    """A HeadBucket signed for the wrong region is refused (400: AuthorizationHeaderMalformed, which
    a HEAD answers without a body, API_HeadBucket.html) and still names the bucket's region:
    "calls to the HeadBucket operation always return the bucket's location through an HTTP response
    header, whether access to the bucket is authorized or not" (API_GetBucketLocation.html). It is
    how an SDK that guessed the region wrong finds the right one (botocore's S3RegionRedirector
    reads x-amz-bucket-region from a HeadBucket's 400)."""
    region = s3_endpoint.endpoint.region
    other = "eu-west-1" if region != "eu-west-1" else "us-west-2"
    answer = raw.send(raw.sign_v4("HEAD", "/" + bucket, region=other), method="HEAD")
    assert (answer.status, answer.body) == (400, b""), answer
    assert answer.headers.get("x-amz-bucket-region") == region, answer.headers


# -- GetBucketLocation --------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_GetBucketLocation.html")
def test_get_bucket_location_document_is_one_location_constraint(
    raw: RawS3, s3_endpoint: S3Target, bucket: str
) -> None:
    """API_GetBucketLocation.html, Response Syntax: a LocationConstraint root in the S3 namespace,
    holding the Region; "Buckets in Region us-east-1 have a LocationConstraint of null" - an empty
    element, no child elements either way."""
    answer = raw.request("GET", "/" + bucket, [("location", "")])
    assert answer.status == 200, answer
    root = answer.xml()
    assert root.tag == _S3_NS + "LocationConstraint", answer.body
    assert list(root) == [], answer.body
    assert (root.text or "") == _own_constraint(s3_endpoint), answer.body


# -- DeleteBucket -------------------------------------------------------------------------------


@pytest.mark.s3_requires("objects")
@pytest.mark.aws_doc(_API + "API_DeleteBucket.html")
@pytest.mark.parametrize(
    "key",
    ["a//b", "..", ".", "k" * 300, "d/" + "s" * 300 + "/e", "back\\slash", "folder/"],
    ids=["empty-segment", "dotdot", "dot", "long-segment", "long-inner-segment", "backslash", "folder-marker"],
)
def test_delete_bucket_holding_only_one_awkward_key_is_409_bucket_not_empty(
    s3: Any, new_bucket_name: Any, key: str
) -> None:
    """API_DeleteBucket.html: "All objects ... in the bucket must be deleted before the bucket
    itself can be deleted". A bucket whose one object has a key no file system path could be
    (an empty segment, ``.``/``..``, a segment over 255 bytes) is not empty either: 409
    BucketNotEmpty, and the object is still there."""
    name = new_bucket_name("awk")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key=key, Body=b"x")
    assert error_of(lambda: s3.delete_bucket(Bucket=name)) == (409, "BucketNotEmpty")
    assert s3.get_object(Bucket=name, Key=key)["Body"].read() == b"x"


# -- CreateBucket of a bucket you own, with an ACL ----------------------------------------------

_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_GUIDE + "access-control-block-public-access.html")
@pytest.mark.parametrize("setting", ["block-public-acls", "bucket-owner-enforced"])
def test_create_bucket_again_with_a_public_acl_does_not_get_past_the_buckets_acl_settings(
    raw: RawS3, s3: Any, s3_endpoint: S3Target, new_bucket_name: Any, setting: str
) -> None:
    """Re-creating a bucket you own in us-east-1 "returns 200 OK and resets the bucket access control
    lists" (API_CreateBucket.html, BucketAlreadyOwnedByYou): with ``x-amz-acl: public-read`` that is a
    PutBucketAcl by another door, and the bucket's settings refuse it as they refuse PutBucketAcl:
    BlockPublicAcls ("PUT Bucket acl ... calls fail if the specified ACL is public",
    access-control-block-public-access.html: 403 AccessDenied) and BucketOwnerEnforced (ACLs
    disabled, "Requests to set ACLs or update ACLs fail with a 400 error" AccessControlListNotSupported,
    object-ownership-error-responses.html). Elsewhere the re-create is 409 BucketAlreadyOwnedByYou.
    Either way the bucket does not become public, not even once ACLs are enabled again."""
    name = new_bucket_name("again")
    block = setting == "block-public-acls"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter" if block else "BucketOwnerEnforced")
    flags = {flag: block and flag == "BlockPublicAcls" for flag in _PAB_FLAGS}
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=flags)
    own = _own_constraint(s3_endpoint)
    body = _configuration(f"<LocationConstraint>{own}</LocationConstraint>") if own else b""
    answer = raw.request("PUT", "/" + name, headers={"x-amz-acl": "public-read"}, body=body)
    refusal = (403, "AccessDenied") if block else (400, "AccessControlListNotSupported")
    allowed = {refusal, (409, "BucketAlreadyOwnedByYou")}
    if not block:
        allowed.add((400, "InvalidBucketAclWithObjectOwnership"))
    assert (answer.status, answer.code) in allowed, f"public-read slipped in by a re-create: {answer}"
    if not block:
        rules = {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=rules)
    uris = [g["Grantee"].get("URI") for g in s3.get_bucket_acl(Bucket=name)["Grants"]]
    assert _ALL_USERS not in uris, "the bucket became public by a re-create"


@pytest.mark.aws_doc(_API + "API_CreateBucketConfiguration.html")
def test_create_bucket_location_constraint_eu_is_eu_west_1(
    raw: RawS3, s3: Any, s3_endpoint: S3Target, new_bucket_name: Any
) -> None:
    """API_CreateBucketConfiguration.html, LocationConstraint: "Configurations using the value EU will
    create a bucket in eu-west-1" (API_GetBucketLocation.html: "Buckets with a LocationConstraint of
    EU reside in eu-west-1"). An eu-west-1 endpoint makes the bucket (its location reads EU or
    eu-west-1, HeadBucket names eu-west-1); any other endpoint refuses a Region not its own, 400
    IllegalLocationConstraintException, and makes nothing."""
    name = new_bucket_name("eu")
    answer = raw.request("PUT", "/" + name, body=_configuration("<LocationConstraint>EU</LocationConstraint>"))
    if s3_endpoint.endpoint.region == "eu-west-1":
        assert answer.status == 200, answer
        assert s3.get_bucket_location(Bucket=name).get("LocationConstraint") in ("EU", "eu-west-1")
        assert raw.request("HEAD", "/" + name).headers.get("x-amz-bucket-region") == "eu-west-1"
    else:
        refused(answer, 400, "IllegalLocationConstraintException", accepted="EU taken outside eu-west-1")
        assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)
