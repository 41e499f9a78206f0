"""Bucket operations at their edges: the naming rules' reserved prefixes and suffixes, the request
headers and body of CreateBucket, a name another account holds, the headers and bodies of
HeadBucket, and DeleteBucket of a bucket that holds only versions or delete markers."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3
from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("buckets"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html"),
]

_NAMING = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"


@pytest.mark.parametrize(
    "name",
    [
        "sthree-bucket",
        "amzn-s3-demo-bucket",
        "bucket-s3alias",
        "bucket--ol-s3",
        "bucket.mrap",
        "bucket--x-s3",
        "bucket--table-s3",
    ],
    ids=[
        "sthree-prefix",
        "amzn-s3-demo-prefix",
        "s3alias-suffix",
        "ol-s3-suffix",
        "mrap-suffix",
        "x-s3-suffix",
        "table-s3-suffix",
    ],
)
@pytest.mark.aws_doc(_NAMING)
def test_create_bucket_reserved_prefix_or_suffix_is_400_invalid_bucket_name(raw: RawS3, name: str) -> None:
    """bucketnamingrules.html: a general purpose bucket name must not start with ``xn--``,
    ``sthree-`` or ``amzn-s3-demo-`` nor end with ``-s3alias``, ``--ol-s3``, ``.mrap``, ``--x-s3``
    or ``--table-s3`` (reserved for access point aliases, Object Lambda, Multi-Region Access Points,
    directory and table buckets)."""
    answer = raw.request("PUT", "/" + name)
    refused(answer, 400, "InvalidBucketName", accepted=f"reserved bucket name {name!r} accepted")


@pytest.mark.aws_doc(_NAMING)
def test_create_bucket_of_63_characters_is_accepted(s3: Any, new_bucket_name: Any) -> None:
    """bucketnamingrules.html: "Bucket names must be between 3 (min) and 63 (max) characters long"."""
    base = new_bucket_name("long")
    name = (base + "-" + "x" * 63)[:63]
    assert len(name) == 63
    try:
        assert s3.create_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        _delete_quietly(s3, name)  # the fixture removes only the names it made


def _delete_quietly(s3: Any, name: str) -> None:
    from botocore.exceptions import ClientError

    with contextlib.suppress(ClientError):
        s3.delete_bucket(Bucket=name)


@pytest.mark.parametrize(
    "body",
    [
        b"<CreateBucketConfiguration><LocationConstraint>",
        b"<NotACreateBucketConfiguration/>",
        b"plain text, not XML",
    ],
    ids=["truncated", "wrong-root", "not-xml"],
)
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucketConfiguration.html")
def test_create_bucket_malformed_configuration_is_400_malformed_xml(
    raw: RawS3, s3: Any, new_bucket_name: Any, body: bytes
) -> None:
    """The body of CreateBucket is a CreateBucketConfiguration document (API_CreateBucket.html,
    Request Syntax); a body that is not one is 400 MalformedXML ("The XML you provided was not
    well-formed or did not validate against our published schema", ErrorResponses.html), and no
    bucket is made."""
    name = new_bucket_name("badcfg")
    answer = raw.request("PUT", "/" + name, body=body)
    refused(answer, 400, "MalformedXML", accepted="a CreateBucket body that is no CreateBucketConfiguration accepted")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucketConfiguration.html")
def test_create_bucket_unknown_location_constraint_is_400_invalid_location_constraint(
    s3: Any, new_bucket_name: Any
) -> None:
    """A LocationConstraint that names no Region (not among the Valid Values of
    API_CreateBucketConfiguration.html) is 400 InvalidLocationConstraint, "The specified location
    (Region) constraint is not valid" (ErrorResponses.html), not IllegalLocationConstraintException
    (a real Region other than the endpoint's); no bucket is made."""
    name = new_bucket_name("mars")
    got = error_of(
        lambda: s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "mars-north-9"})
    )
    assert got == (400, "InvalidLocationConstraint")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


@pytest.mark.parametrize(
    ("header", "value"),
    [("x-amz-acl", "public-everything"), ("x-amz-object-ownership", "Anyone")],
    ids=["acl", "object-ownership"],
)
def test_create_bucket_unknown_header_value_is_400_invalid_argument(
    raw: RawS3, s3: Any, new_bucket_name: Any, header: str, value: str
) -> None:
    """x-amz-acl takes the canned ACLs (private | public-read | public-read-write |
    authenticated-read) and x-amz-object-ownership BucketOwnerPreferred | ObjectWriter |
    BucketOwnerEnforced (API_CreateBucket.html, Valid Values); another value is 400
    InvalidArgument and no bucket is made."""
    name = new_bucket_name("badhdr")
    answer = raw.request("PUT", "/" + name, headers={header: value})
    refused(answer, 400, "InvalidArgument", accepted=f"{header}: {value} accepted")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_create_bucket_another_account_holds_is_409_bucket_already_exists(
    s3_endpoint: S3Target, s3: Any, bucket: str
) -> None:
    """API_CreateBucket.html, Errors: BucketAlreadyExists, "The requested bucket name is not
    available. The bucket namespace is shared by all users of the system" (409); the owner's
    bucket and its objects are left as they were."""
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    alt = s3_endpoint.alt_client()
    assert error_of(lambda: alt.create_bucket(Bucket=bucket)) == (409, "BucketAlreadyExists")
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"x"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html")
def test_head_bucket_answers_access_point_alias_false(s3: Any, s3_endpoint: S3Target, bucket: str) -> None:
    """API_HeadBucket.html, Response Syntax: x-amz-bucket-region and x-amz-access-point-alias
    ("Indicates whether the bucket name used in the request is an access point alias"): a bucket
    named by its own name answers ``false``. The response has no body."""
    head = s3.head_bucket(Bucket=bucket)
    headers = head["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("x-amz-bucket-region") == s3_endpoint.endpoint.region
    assert headers.get("x-amz-access-point-alias") == "false", headers


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html")
def test_head_bucket_missing_is_404_without_a_body(raw: RawS3, new_bucket_name: Any) -> None:
    """API_HeadBucket.html: "If the bucket does not exist or you do not have permission to access
    it, the HEAD request returns a generic 400 Bad Request, 403 Forbidden or 404 Not Found code.
    A message body is not included"."""
    answer = raw.request("HEAD", "/" + new_bucket_name("nohead"))
    assert (answer.status, answer.body) == (404, b""), answer


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html")
def test_head_bucket_of_another_account_is_403_and_names_the_region(s3_endpoint: S3Target, bucket: str) -> None:
    """HeadBucket by a user with no access to the bucket: 403 with no body. The region is still
    answered: API_GetBucketLocation.html, "calls to the HeadBucket operation always return the
    bucket's location through an HTTP response header, whether access to the bucket is authorized
    or not"."""
    from botocore.exceptions import ClientError

    alt = s3_endpoint.alt_client()
    with pytest.raises(ClientError) as caught:
        alt.head_bucket(Bucket=bucket)
    meta = caught.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 403
    assert meta["HTTPHeaders"].get("x-amz-bucket-region") == s3_endpoint.endpoint.region, meta["HTTPHeaders"]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html")
def test_get_bucket_location_missing_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.get_bucket_location(Bucket=new_bucket_name("noloc"))) == (404, "NoSuchBucket")


@pytest.mark.s3_requires("versioning")
@pytest.mark.parametrize("left", ["noncurrent-version", "delete-marker-only"])
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html")
def test_delete_bucket_with_only_versions_or_markers_is_409_bucket_not_empty(
    s3: Any, versioned_bucket: str, left: str
) -> None:
    """API_DeleteBucket.html: "All objects (including all object versions and delete markers) in
    the bucket must be deleted before the bucket itself can be deleted". A versioned bucket whose
    every key is deleted still holds versions (or a lone delete marker): 409 BucketNotEmpty."""
    if left == "noncurrent-version":
        s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    assert s3.list_objects_v2(Bucket=versioned_bucket)["KeyCount"] == 0
    assert error_of(lambda: s3.delete_bucket(Bucket=versioned_bucket)) == (409, "BucketNotEmpty")
    assert s3.head_bucket(Bucket=versioned_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.s3_requires("cors", "lifecycle")
@pytest.mark.parametrize(
    "call",
    [
        "put_bucket_cors",
        "get_bucket_cors",
        "delete_bucket_cors",
        "put_bucket_lifecycle_configuration",
        "get_bucket_lifecycle_configuration",
        "delete_bucket_lifecycle",
    ],
)
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_bucket_configuration_of_a_missing_bucket_is_404_no_such_bucket(
    s3: Any, new_bucket_name: Any, call: str
) -> None:
    """A configuration call on a bucket that does not exist is 404 NoSuchBucket ("The specified
    bucket does not exist"), not the configuration's own "none set" code, and creates nothing."""
    name = new_bucket_name("nocfg")
    arguments: dict[str, Any] = {"Bucket": name}
    if call == "put_bucket_cors":
        arguments["CORSConfiguration"] = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}
    elif call == "put_bucket_lifecycle_configuration":
        rule = {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}
        arguments["LifecycleConfiguration"] = {"Rules": [rule]}
    assert error_of(lambda: getattr(s3, call)(**arguments)) == (404, "NoSuchBucket")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


@pytest.mark.s3_requires("multi_user", "cors", "lifecycle")
@pytest.mark.parametrize(
    "call",
    [
        "delete_bucket",
        "get_bucket_location",
        "put_bucket_cors",
        "get_bucket_cors",
        "delete_bucket_cors",
        "put_bucket_lifecycle_configuration",
        "get_bucket_lifecycle_configuration",
        "delete_bucket_lifecycle",
    ],
)
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html")
def test_bucket_operations_by_another_account_are_403_access_denied(
    s3_endpoint: S3Target, s3: Any, bucket: str, call: str
) -> None:
    """Each of these needs its own permission on the bucket (s3:DeleteBucket, s3:GetBucketLocation,
    s3:PutBucketCORS / s3:GetBucketCORS, s3:PutLifecycleConfiguration / s3:GetLifecycleConfiguration;
    the Permissions section of each API page), which only the owner holds on a private bucket:
    another account gets 403 AccessDenied, and the owner's bucket and configuration stay."""
    cors = {"CORSRules": [{"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET"]}]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    rule = {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    arguments: dict[str, Any] = {"Bucket": bucket}
    if call == "put_bucket_cors":
        arguments["CORSConfiguration"] = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"]}]}
    elif call == "put_bucket_lifecycle_configuration":
        arguments["LifecycleConfiguration"] = {"Rules": [dict(rule, ID="other")]}
    alt = s3_endpoint.alt_client()
    assert error_of(lambda: getattr(alt, call)(**arguments)) == (403, "AccessDenied")
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["https://app.example"]
    assert [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]] == ["r"]
