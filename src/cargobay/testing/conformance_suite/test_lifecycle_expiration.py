"""x-amz-expiration: the answer that tells a client when a lifecycle rule will expire an object.

API_PutObject.html, API_GetObject.html, API_HeadObject.html, API_CopyObject.html and
API_CompleteMultipartUpload.html: "If the expiration is configured for the object (see
PutBucketLifecycleConfiguration), the response includes this header. It includes the expiry-date
and rule-id key-value pairs that provide information about object expiration. The value of the
rule-id is URL-encoded." The form is ``expiry-date="<HTTP-date>", rule-id="<id>"``.

When: lifecycle-expire-general-considerations.html, an expiration time is the object's creation
time plus the rule's days, rounded to the next midnight UTC; a ``Date`` rule expires on that date.
Overlapping rules: the earliest expiration wins (lifecycle-conflicts.html). A rule that is
Disabled, whose filter does not match (prefix, tags, object size), or that only removes expired
delete markers gives no header.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import urllib.parse
from typing import Any

import pytest

pytestmark = [pytest.mark.s3_requires("lifecycle")]

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_FORM = re.compile(r'^expiry-date="([^"]+)", rule-id="([^"]+)"$')


def _rules(s3: Any, bucket: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": list(rules)})


def _days(rule_id: str, days: int, prefix: str = "", **extra: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"ID": rule_id, "Status": "Enabled", "Filter": {"Prefix": prefix}}
    rule["Expiration"] = {"Days": days}
    rule.update(extra)
    return rule


def _parsed(value: str | None) -> tuple[dt.datetime, str]:
    """(expiry date, rule id as sent) of an x-amz-expiration value; fails on any other form."""
    assert value is not None, "no x-amz-expiration"
    found = _FORM.match(value)
    assert found is not None, value
    return email.utils.parsedate_to_datetime(found.group(1)), found.group(2)


def _expected(written: dt.datetime, days: int) -> dt.datetime:
    """The creation time plus ``days``, rounded up to the next midnight UTC."""
    due = written.astimezone(dt.UTC) + dt.timedelta(days=days)
    midnight = due.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == due else midnight + dt.timedelta(days=1)


def _written(s3: Any, bucket: str, key: str) -> dt.datetime:
    modified: dt.datetime = s3.head_object(Bucket=bucket, Key=key)["LastModified"]
    return modified


@pytest.mark.aws_doc(_API + "API_PutObject.html")
def test_put_get_and_head_name_the_expiring_rule_and_its_date(s3: Any, bucket: str) -> None:
    _rules(s3, bucket, _days("logs-30d", 30, prefix="logs/"))
    put = s3.put_object(Bucket=bucket, Key="logs/a.txt", Body=b"x")
    expected = _expected(_written(s3, bucket, "logs/a.txt"), 30)
    for name, answer in (
        ("PutObject", put),
        ("HeadObject", s3.head_object(Bucket=bucket, Key="logs/a.txt")),
        ("GetObject", s3.get_object(Bucket=bucket, Key="logs/a.txt")),
        ("GetObject with a Range", s3.get_object(Bucket=bucket, Key="logs/a.txt", Range="bytes=0-0")),
    ):
        when, rule_id = _parsed(answer.get("Expiration"))
        assert (when, rule_id) == (expected, "logs-30d"), (name, answer.get("Expiration"))
        assert (when.hour, when.minute, when.second) == (0, 0, 0), name


@pytest.mark.aws_doc(_API + "API_HeadObject.html")
def test_no_header_where_no_enabled_rule_expires_the_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="plain"), "no lifecycle configuration"
    _rules(
        s3,
        bucket,
        _days("other-prefix", 5, prefix="logs/"),
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}},
        {
            "ID": "markers",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        },
        {
            "ID": "uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    )
    put = s3.put_object(Bucket=bucket, Key="data/b", Body=b"x")
    assert "Expiration" not in put, put.get("Expiration")
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="data/b")
    assert "Expiration" not in s3.get_object(Bucket=bucket, Key="data/b")


@pytest.mark.aws_doc(_GUIDE + "lifecycle-conflicts.html")
def test_overlapping_rules_name_the_earliest_expiration(s3: Any, bucket: str) -> None:
    _rules(s3, bucket, _days("long", 90), _days("short", 7, prefix="tmp/"), _days("middle", 30, prefix="tmp/x"))
    s3.put_object(Bucket=bucket, Key="tmp/x1", Body=b"x")
    when, rule_id = _parsed(s3.head_object(Bucket=bucket, Key="tmp/x1").get("Expiration"))
    assert (when, rule_id) == (_expected(_written(s3, bucket, "tmp/x1"), 7), "short")
    s3.put_object(Bucket=bucket, Key="keep/y", Body=b"x")
    assert _parsed(s3.head_object(Bucket=bucket, Key="keep/y").get("Expiration"))[1] == "long"


@pytest.mark.aws_doc(_API + "API_LifecycleExpiration.html")
def test_a_date_rule_names_its_date(s3: Any, bucket: str) -> None:
    date = dt.datetime(2031, 3, 4, tzinfo=dt.UTC)
    _rules(s3, bucket, {"ID": "on-a-date", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": date}})
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert _parsed(put.get("Expiration")) == (date, "on-a-date")


@pytest.mark.aws_doc(_API + "API_HeadObject.html")
def test_the_rule_id_is_url_encoded(s3: Any, bucket: str) -> None:
    rule_id = "expire scratch/ files & more"
    _rules(s3, bucket, _days(rule_id, 3))
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    sent = _parsed(s3.head_object(Bucket=bucket, Key="k").get("Expiration"))[1]
    assert sent != rule_id and urllib.parse.unquote(sent) == rule_id, sent
    assert " " not in sent and "&" not in sent, sent


@pytest.mark.aws_doc(_API + "API_LifecycleRuleFilter.html")
def test_tag_and_size_filters_decide_which_objects_get_the_header(s3: Any, bucket: str) -> None:
    _rules(
        s3,
        bucket,
        {
            "ID": "scratch-tagged",
            "Status": "Enabled",
            "Filter": {"And": {"Prefix": "", "Tags": [{"Key": "kind", "Value": "scratch"}]}},
            "Expiration": {"Days": 2},
        },
        {"ID": "big", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 100}, "Expiration": {"Days": 4}},
    )
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"x", Tagging="kind=scratch")
    s3.put_object(Bucket=bucket, Key="other-tag", Body=b"x", Tagging="kind=keep")
    s3.put_object(Bucket=bucket, Key="big", Body=b"x" * 101)
    assert _parsed(s3.head_object(Bucket=bucket, Key="tagged").get("Expiration"))[1] == "scratch-tagged"
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="other-tag")
    assert _parsed(s3.head_object(Bucket=bucket, Key="big").get("Expiration"))[1] == "big"
    # Tags set after the write count: the header follows the object's tags as they are now.
    s3.put_object_tagging(Bucket=bucket, Key="other-tag", Tagging={"TagSet": [{"Key": "kind", "Value": "scratch"}]})
    assert _parsed(s3.head_object(Bucket=bucket, Key="other-tag").get("Expiration"))[1] == "scratch-tagged"


@pytest.mark.aws_doc(_API + "API_PutBucketLifecycleConfiguration.html")
def test_the_header_follows_the_configuration_as_it_changes(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="k")  # read before any rule exists
    _rules(s3, bucket, _days("first", 10))
    assert _parsed(s3.head_object(Bucket=bucket, Key="k").get("Expiration"))[1] == "first"
    _rules(s3, bucket, _days("second", 20))
    assert _parsed(s3.head_object(Bucket=bucket, Key="k").get("Expiration"))[1] == "second"
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="k")


@pytest.mark.aws_doc(_API + "API_CopyObject.html")
def test_copy_object_names_the_rule_that_expires_the_copy(s3: Any, bucket: str) -> None:
    _rules(s3, bucket, _days("copies", 12, prefix="copies/"))
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    copied = s3.copy_object(Bucket=bucket, Key="copies/dst", CopySource={"Bucket": bucket, "Key": "src"})
    when, rule_id = _parsed(copied.get("Expiration"))
    assert (when, rule_id) == (_expected(_written(s3, bucket, "copies/dst"), 12), "copies")
    uncovered = s3.copy_object(Bucket=bucket, Key="elsewhere", CopySource={"Bucket": bucket, "Key": "src"})
    assert "Expiration" not in uncovered, uncovered.get("Expiration")


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_CompleteMultipartUpload.html")
def test_complete_multipart_upload_names_the_expiring_rule(s3: Any, bucket: str) -> None:
    _rules(s3, bucket, _days("assembled", 6, prefix="mp/"))
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp/obj")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp/obj", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp/obj", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    when, rule_id = _parsed(done.get("Expiration"))
    assert (when, rule_id) == (_expected(_written(s3, bucket, "mp/obj"), 6), "assembled")


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_HeadObject.html")
def test_a_versioned_bucket_names_the_expiration_of_the_current_version(s3: Any, versioned_bucket: str) -> None:
    _rules(s3, versioned_bucket, _days("current", 8))
    put = s3.put_object(Bucket=versioned_bucket, Key="v", Body=b"x")
    assert _parsed(put.get("Expiration"))[1] == "current"
    assert _parsed(s3.head_object(Bucket=versioned_bucket, Key="v").get("Expiration"))[1] == "current"
