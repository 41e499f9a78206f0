"""Bucket operations: CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation,
GetBucketVersioning, GetBucketAcl, and the configurations a bucket never had (website, logging,
notification, replication, request payment, acceleration, default encryption)."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, refused

pytestmark = [
    pytest.mark.s3_requires("buckets"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html"),
]


def test_create_bucket_then_head_and_list(s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("create")
    made = s3.create_bucket(Bucket=name)
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 200
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "UPPERCASE",
        "under_score",
        "-leading-dash",
        "trailing-dash-",
        "192.168.5.4",
        "two..dots",
        "xn--prefixed",
        "bad!char",
    ],
    ids=[
        "too-short",
        "too-long",
        "uppercase",
        "underscore",
        "leading-dash",
        "trailing-dash",
        "ip-address",
        "double-dot",
        "xn-prefix",
        "bang",
    ],
)
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html")
def test_create_bucket_invalid_name_is_400_invalid_bucket_name(raw: Any, name: str) -> None:
    # boto3 validates names client-side; a raw request shows what the server does. The path is
    # signed as AWS canonicalises it (``!`` as %21), so a verifying server reaches the name check.
    answer = raw.request("PUT", "/" + name)
    refused(answer, 400, "InvalidBucketName", accepted=f"invalid bucket name {name!r} accepted")


def test_create_bucket_again_in_us_east_1_is_200_or_owned(s3: Any, s3_endpoint: Any, new_bucket_name: Any) -> None:
    """Re-creating your own bucket (API_CreateBucket.html, BucketAlreadyOwnedByYou): 409 in every
    Region; us-east-1 may also answer 200 (legacy behaviour), so there both are accepted. The bucket
    must survive either way."""
    name = new_bucket_name("again")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="kept", Body=b"x")
    if s3_endpoint.endpoint.region == "us-east-1":
        from botocore.exceptions import ClientError

        try:
            status: tuple[int, str | None] = (s3.create_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"], None)
        except ClientError as exc:
            status = (exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"].get("Code"))
        assert status in ((200, None), (409, "BucketAlreadyOwnedByYou")), (
            f"expected 200 or 409 BucketAlreadyOwnedByYou, got {status}"
        )
        assert s3.get_object(Bucket=name, Key="kept")["Body"].read() == b"x", "re-creating the bucket emptied it"
    else:
        assert error_of(
            lambda: s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": s3_endpoint.endpoint.region}
            )
        ) == (409, "BucketAlreadyOwnedByYou")


def test_create_bucket_foreign_location_constraint_is_400(s3: Any, s3_endpoint: Any, new_bucket_name: Any) -> None:
    other = "eu-west-1" if s3_endpoint.endpoint.region != "eu-west-1" else "us-west-2"
    status, code = error_of(
        lambda: s3.create_bucket(Bucket=new_bucket_name("loc"), CreateBucketConfiguration={"LocationConstraint": other})
    )
    assert (status, code) == (400, "IllegalLocationConstraintException")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucketConfiguration.html")
def test_create_bucket_location_constraint_us_east_1_is_400_invalid_location_constraint(
    s3: Any, s3_endpoint: Any, new_bucket_name: Any
) -> None:
    """us-east-1 is not among the valid values of LocationConstraint (API_CreateBucketConfiguration.html;
    "If you don't specify a Region, the bucket is created in the US East (N. Virginia) Region"): naming
    it is 400 InvalidLocationConstraint, "The specified location-constraint is not valid", the error
    every SDK user meets once; nothing is created. (An endpoint of another region may instead call
    it incompatible with itself: IllegalLocationConstraintException.)"""
    name = new_bucket_name("use1")
    got = error_of(lambda: s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-1"}))
    if s3_endpoint.endpoint.region == "us-east-1":
        assert got == (400, "InvalidLocationConstraint")
    else:
        assert got in ((400, "InvalidLocationConstraint"), (400, "IllegalLocationConstraintException"))
    assert error_of(lambda: s3.head_bucket(Bucket=name))[0] == 404


def test_delete_bucket_empty_is_204_then_gone(s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("del")
    s3.create_bucket(Bucket=name)
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_delete_bucket_missing_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.delete_bucket(Bucket=new_bucket_name("missing"))) == (404, "NoSuchBucket")


def test_delete_bucket_not_empty_is_409_bucket_not_empty(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_of(lambda: s3.delete_bucket(Bucket=bucket)) == (409, "BucketNotEmpty")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_delete_bucket_with_only_a_folder_marker_is_not_empty(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="dir/", Body=b"")
    assert error_of(lambda: s3.delete_bucket(Bucket=bucket)) == (409, "BucketNotEmpty")


def test_head_bucket_missing_is_404(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.head_bucket(Bucket=new_bucket_name("nohead"))) == (404, None)


def test_list_objects_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.list_objects_v2(Bucket=new_bucket_name("nolist"))) == (404, "NoSuchBucket")


def test_get_bucket_location_us_east_1_is_empty(s3: Any, s3_endpoint: Any, bucket: str) -> None:
    location = s3.get_bucket_location(Bucket=bucket)
    expected = None if s3_endpoint.endpoint.region == "us-east-1" else s3_endpoint.endpoint.region
    assert location.get("LocationConstraint") == expected


def test_get_bucket_versioning_never_enabled_has_no_status(s3: Any, bucket: str) -> None:
    answer = s3.get_bucket_versioning(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Status" not in answer


def test_get_bucket_acl_owner_has_full_control(s3: Any, bucket: str) -> None:
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"]
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]


def test_list_buckets_has_owner_and_creation_dates(s3: Any, bucket: str) -> None:
    listing = s3.list_buckets()
    assert listing["Owner"]["ID"]
    mine = [b for b in listing["Buckets"] if b["Name"] == bucket]
    assert len(mine) == 1 and mine[0]["CreationDate"] is not None


def test_head_bucket_reports_region(s3: Any, s3_endpoint: Any, bucket: str) -> None:
    head = s3.head_bucket(Bucket=bucket)
    assert header(head, "x-amz-bucket-region") == s3_endpoint.endpoint.region


# A bucket that never had the configuration, as every tool that manages buckets reads it
# (Terraform's aws_s3_bucket reads them all on every refresh): the documented "none" answer.
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketWebsite.html")
def test_get_bucket_website_never_set_is_404_no_such_website_configuration(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_website(Bucket=bucket)) == (404, "NoSuchWebsiteConfiguration")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html")
def test_get_bucket_replication_never_set_is_404_not_found(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_replication(Bucket=bucket)) == (404, "ReplicationConfigurationNotFoundError")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLogging.html")
def test_get_bucket_logging_never_set_has_no_logging_enabled(s3: Any, bucket: str) -> None:
    answer = s3.get_bucket_logging(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "LoggingEnabled" not in answer


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketNotificationConfiguration.html")
def test_get_bucket_notification_never_set_is_empty(s3: Any, bucket: str) -> None:
    """ "If notifications are not enabled on the bucket, the action returns an empty
    NotificationConfiguration element.\""""
    answer = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    kinds = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations", "EventBridgeConfiguration")
    assert not any(answer.get(kind) for kind in kinds)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketRequestPayment.html")
def test_get_bucket_request_payment_is_bucket_owner(s3: Any, bucket: str) -> None:
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAccelerateConfiguration.html")
def test_get_bucket_accelerate_never_set_has_no_status(s3: Any, bucket: str) -> None:
    """ "A GET accelerate request does not return a state value for a bucket that has no transfer
    acceleration state.\""""
    answer = s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Status" not in answer


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html")
def test_get_bucket_encryption_is_the_default_or_none(s3: Any, bucket: str) -> None:
    """AWS has applied SSE-S3 to every bucket since January 2023 (default-bucket-encryption.html):
    200 with an AES256 (or KMS) default. A server that does not encrypt at rest must say it has no
    configuration, 404 ServerSideEncryptionConfigurationNotFoundError (the documented error of this
    call); anything else (501, an empty 200) leaves a client unable to tell."""
    from botocore.exceptions import ClientError

    try:
        answer = s3.get_bucket_encryption(Bucket=bucket)
    except ClientError as exc:
        got = (exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"].get("Code"))
        assert got == (404, "ServerSideEncryptionConfigurationNotFoundError")
        return
    rules = answer["ServerSideEncryptionConfiguration"]["Rules"]
    algorithms = {r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules}
    assert algorithms and algorithms <= {"AES256", "aws:kms", "aws:kms:dsse"}


@pytest.mark.parametrize("call", ["delete_bucket_website", "delete_bucket_replication", "delete_bucket_encryption"])
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketWebsite.html")
def test_delete_of_a_configuration_never_set_is_204(s3: Any, bucket: str, call: str) -> None:
    assert getattr(s3, call)(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


# The id-based configurations (analytics, inventory, metrics, S3 Intelligent-Tiering): a bucket that
# never had one lists none (IsTruncated false) and has no configuration under any id.
_ID_CONFIGURATIONS = {
    # family: (its List call, its Get call)
    "analytics": ("list_bucket_analytics_configurations", "get_bucket_analytics_configuration"),
    "inventory": ("list_bucket_inventory_configurations", "get_bucket_inventory_configuration"),
    "metrics": ("list_bucket_metrics_configurations", "get_bucket_metrics_configuration"),
    "intelligent-tiering": (
        "list_bucket_intelligent_tiering_configurations",
        "get_bucket_intelligent_tiering_configuration",
    ),
}


@pytest.mark.parametrize("family", sorted(_ID_CONFIGURATIONS))
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketMetricsConfigurations.html")
def test_list_id_configurations_never_set_is_an_empty_untruncated_list(s3: Any, bucket: str, family: str) -> None:
    """ "If there are no more configurations to list, IsTruncated is set to false" (each List page);
    the answer's root is the one the SDKs parse (API_ListBucketAnalyticsConfigurations.html,
    API_ListBucketInventoryConfigurations.html, API_ListBucketIntelligentTieringConfigurations.html)."""
    answer = getattr(s3, _ID_CONFIGURATIONS[family][0])(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["IsTruncated"] is False
    listed = [v for k, v in answer.items() if k.endswith("ConfigurationList")]
    assert not any(listed)


@pytest.mark.parametrize("family", sorted(_ID_CONFIGURATIONS))
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
def test_get_id_configuration_never_set_is_404_no_such_configuration(s3: Any, bucket: str, family: str) -> None:
    """ErrorResponses.html: NoSuchConfiguration, "The specified configuration does not exist.", 404."""
    get = getattr(s3, _ID_CONFIGURATIONS[family][1])
    assert error_of(lambda: get(Bucket=bucket, Id="none")) == (404, "NoSuchConfiguration")


@pytest.mark.parametrize("family", sorted(_ID_CONFIGURATIONS))
def test_id_configurations_of_a_missing_bucket_are_404_no_such_bucket(
    s3: Any, new_bucket_name: Any, family: str
) -> None:
    missing = new_bucket_name("none")
    assert error_of(lambda: getattr(s3, _ID_CONFIGURATIONS[family][0])(Bucket=missing)) == (404, "NoSuchBucket")
