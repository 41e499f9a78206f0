"""Object tagging (header, Put/Get/Delete, limits, copy directive) and ListObjectVersions for an
unversioned bucket, against the real ``cargobay serve`` with boto3."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cargobay.testing.servers import Endpoint


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def _tags(s3: Any, bucket: str, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def test_tagging_header_on_put_and_tag_count(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=two%20words&empty=")
    assert _tags(s3, bucket, "k") == {"a": "1", "b": "two words", "empty": ""}
    assert s3.get_object(Bucket=bucket, Key="k")["TagCount"] == 3
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key="plain")
    assert s3.get_object_tagging(Bucket=bucket, Key="plain")["TagSet"] == []


def test_put_get_delete_object_tagging(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    # "<&>" would test the XML escaping, but AWS refuses those characters in a tag (InvalidTag)
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "x", "Value": "a/b=c+d @e"}]})
    assert _tags(s3, bucket, "k") == {"x": "a/b=c+d @e"}
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["ETag"] == put["ETag"]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "y", "Value": "2"}]})
    assert _tags(s3, bucket, "k") == {"y": "2"}  # replaced, not merged
    assert s3.delete_object_tagging(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert _tags(s3, bucket, "k") == {}
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"body"
    with pytest.raises(ClientError) as caught:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert error_of(caught) == (404, "NoSuchKey")


@pytest.mark.parametrize(
    "tag_set",
    [
        [{"Key": "k" * 129, "Value": "v"}],
        [{"Key": "k", "Value": "v" * 257}],
        [{"Key": "aws:reserved", "Value": "v"}],
        [{"Key": "same", "Value": "1"}, {"Key": "same", "Value": "2"}],
    ],
    ids=["long-key", "long-value", "aws-prefix", "duplicate-key"],
)
def test_tag_limits_are_invalid_tag(s3: Any, bucket: str, tag_set: list[dict[str, str]]) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=1")
    with pytest.raises(ClientError) as caught:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tag_set})
    assert error_of(caught) == (400, "InvalidTag")
    assert _tags(s3, bucket, "k") == {"keep": "1"}


def test_more_than_ten_tags_is_invalid_tag(s3: Any, bucket: str) -> None:
    """More than 10 tags breaks a tag rule: 400 InvalidTag (issue 19; was BadRequest)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=1")
    with pytest.raises(ClientError) as caught:
        s3.put_object_tagging(
            Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]}
        )
    assert error_of(caught) == (400, "InvalidTag")
    assert _tags(s3, bucket, "k") == {"keep": "1"}


def test_limits_at_the_boundary_are_accepted(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    tag_set = [{"Key": f"{i}" + "k" * 127, "Value": "v" * 256} for i in range(10)]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tag_set})
    assert len(_tags(s3, bucket, "k")) == 10


def test_bad_tagging_header_on_put(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&a=2")
    assert error_of(caught) == (400, "InvalidArgument")
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11)))
    assert error_of(caught) == (400, "InvalidTag")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")


def test_copy_object_tagging_directive(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="from=src")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource=f"{bucket}/src")
    assert _tags(s3, bucket, "copied") == {"from": "src"}
    s3.copy_object(
        Bucket=bucket, Key="replaced", CopySource=f"{bucket}/src", TaggingDirective="REPLACE", Tagging="new=1"
    )
    assert _tags(s3, bucket, "replaced") == {"new": "1"}
    s3.copy_object(Bucket=bucket, Key="cleared", CopySource=f"{bucket}/src", TaggingDirective="REPLACE")
    assert _tags(s3, bucket, "cleared") == {}
    # metadata REPLACE alone keeps the tags (the two directives are independent)
    s3.copy_object(
        Bucket=bucket, Key="meta", CopySource=f"{bucket}/src", MetadataDirective="REPLACE", Metadata={"m": "1"}
    )
    assert _tags(s3, bucket, "meta") == {"from": "src"}


# -- ListObjectVersions ------------------------------------------------------------------------


def test_list_object_versions_lists_each_object_once_as_null_latest(s3: Any, bucket: str) -> None:
    keys = ["a", "b/1", "b/2", "c", "d/e/f"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    response = s3.list_object_versions(Bucket=bucket)
    versions = response["Versions"]
    assert [v["Key"] for v in versions] == keys
    assert all(v["VersionId"] == "null" and v["IsLatest"] for v in versions)
    assert [v["Size"] for v in versions] == [len(k) for k in keys]
    assert "DeleteMarkers" not in response
    pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert [v["Key"] for page in pages for v in page.get("Versions", [])] == keys
    assert len(pages) == 3
    grouped = s3.list_object_versions(Bucket=bucket, Delimiter="/", Prefix="")
    assert [v["Key"] for v in grouped["Versions"]] == ["a", "c"]
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["b/", "d/"]
    grouped_pages = list(
        s3.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}
        )
    )
    items = [v["Key"] for p in grouped_pages for v in p.get("Versions", [])]
    items += [c["Prefix"] for p in grouped_pages for c in p.get("CommonPrefixes", [])]
    assert sorted(items) == ["a", "b/", "c", "d/"]
    resumed = s3.list_object_versions(Bucket=bucket, KeyMarker="b/1", VersionIdMarker="null")
    assert [v["Key"] for v in resumed["Versions"]] == keys[2:]


def test_list_object_versions_marker_errors(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="null")
    assert error_of(caught) == (400, "InvalidArgument")
    with pytest.raises(ClientError) as caught:
        s3.list_object_versions(Bucket=bucket, KeyMarker="a", VersionIdMarker="3HL4kqtJlcpXroDTDmjVBH40Nrjfkd")
    assert error_of(caught) == (400, "InvalidArgument")


def test_object_versions_collection_empties_a_bucket(endpoint: Endpoint, s3: Any, bucket: str) -> None:
    for i in range(25):
        s3.put_object(Bucket=bucket, Key=f"k/{i:02d}", Body=b"x")
    resource = boto3.resource(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
    )
    resource.Bucket(bucket).object_versions.delete()
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
