"""Bucket lifecycle configuration: Put/Get/DeleteBucketLifecycleConfiguration and its validation.
(That the rules are carried out is tested against the server's sweeper with a test clock, in
tests/s3/http/test_lifecycle_sweeper.py: no endpoint can be made to wait days.)

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refuses_a_body_without_digest
from cargobay.testing.conformance_suite._http import RawS3, md5_b64

pytestmark = [
    pytest.mark.s3_requires("lifecycle"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html"),
]


def _put(s3: Any, bucket: str, *rules: dict[str, Any]) -> Any:
    return s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": list(rules)})


def test_lifecycle_round_trip(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == (
        404,
        "NoSuchLifecycleConfiguration",
    )
    rules = [
        {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}},
        {
            "ID": "uploads",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        },
        {
            "ID": "tagged",
            "Filter": {
                "And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}], "ObjectSizeGreaterThan": 10}
            },
            "Status": "Disabled",
            "Expiration": {"Date": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)},
        },
    ]
    assert _put(s3, bucket, *rules)["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    by_id = {r["ID"]: r for r in got}
    assert set(by_id) == {"logs", "uploads", "tagged"}
    assert by_id["logs"]["Expiration"] == {"Days": 30}
    assert by_id["logs"]["Filter"] == {"Prefix": "logs/"}
    assert by_id["logs"]["Status"] == "Enabled"
    assert by_id["uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert by_id["tagged"]["Status"] == "Disabled"
    assert by_id["tagged"]["Expiration"]["Date"] == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert by_id["tagged"]["Filter"]["And"]["Tags"] == [{"Key": "kind", "Value": "scratch"}]
    assert by_id["tagged"]["Filter"]["And"]["ObjectSizeGreaterThan"] == 10
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == (
        404,
        "NoSuchLifecycleConfiguration",
    )


def test_lifecycle_zero_days_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    # "'Days' for Expiration action must be a positive integer".
    rule = {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 0}}
    assert error_of(lambda: _put(s3, bucket, rule)) == (400, "InvalidArgument")


def test_lifecycle_duplicate_rule_ids_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    rule = {"ID": "same", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}
    assert error_of(lambda: _put(s3, bucket, rule, dict(rule))) == (400, "InvalidArgument")


def test_lifecycle_date_not_at_midnight_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    rule = {
        "ID": "r",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "Expiration": {"Date": dt.datetime(2030, 1, 1, 12, 30, tzinfo=dt.UTC)},
    }
    assert error_of(lambda: _put(s3, bucket, rule)) == (400, "InvalidArgument")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html")
@pytest.mark.parametrize(
    "date",
    [
        "20300101",
        "2030-W01-2",
        "2030001",
        "01/01/2030",
        "tomorrow",
        "\u0662\u0660\u0663\u0660-\u0660\u0661-\u0660\u0661T00:00:00Z",  # Arabic-Indic digits: no xs:dateTime
    ],
)
def test_lifecycle_date_not_in_the_iso_8601_timestamp_form_is_400(raw: RawS3, s3: Any, bucket: str, date: str) -> None:
    """API_LifecycleExpiration.html: Date "must be in ISO 8601 format", the XML timestamp form
    (2030-01-01T00:00:00Z); the compact, week and ordinal forms some parsers also take are not a
    timestamp. Refused with 400 (AWS validates the document: InvalidArgument or MalformedXML)."""
    body = (
        b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
        b"<Expiration><Date>" + date.encode() + b"</Date></Expiration></Rule></LifecycleConfiguration>"
    )
    answer = raw.request("PUT", "/" + bucket, [("lifecycle", "")], headers={"content-md5": md5_b64(body)}, body=body)
    assert (answer.status, answer.code in ("InvalidArgument", "MalformedXML")) == (400, True), answer
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == (
        404,
        "NoSuchLifecycleConfiguration",
    )


def test_lifecycle_bad_status_is_400_malformed_xml(raw: Any, bucket: str) -> None:
    body = (
        b'<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>r</ID>'
        b"<Filter><Prefix></Prefix></Filter><Status>Maybe</Status><Expiration><Days>1</Days></Expiration>"
        b"</Rule></LifecycleConfiguration>"
    )
    import base64
    import hashlib

    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    response = raw.request("PUT", f"/{bucket}", [("lifecycle", "")], headers={"Content-MD5": md5}, body=body)
    assert (response.status, response.code) == (400, "MalformedXML")


LIFECYCLE_XML = (
    b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
    b"<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>"
)


def test_lifecycle_put_without_content_md5_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """The PUT of this configuration needs a digest of its body: without Content-MD5 (or an
    x-amz-checksum-* header) AWS answers 400 InvalidRequest "Missing required header for this
    request: Content-MD5"; a Content-MD5 that does not match is 400 BadDigest (see
    :func:`._expect.refuses_a_body_without_digest`); nothing is stored either way."""
    refuses_a_body_without_digest(raw, bucket, "lifecycle", LIFECYCLE_XML, "lifecycle configuration")
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == (
        404,
        "NoSuchLifecycleConfiguration",
    )
    right = raw.request(
        "PUT", "/" + bucket, [("lifecycle", "")], headers={"content-md5": md5_b64(LIFECYCLE_XML)}, body=LIFECYCLE_XML
    )
    assert right.status == 200, right


# -- validation at the edges (bucket-level hunt) ------------------------------------------------

_FILTER = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRuleFilter.html"
_EXPIRATION = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html"


def _put_xml(raw: RawS3, bucket: str, *rules: bytes) -> Any:
    body = (
        b"<LifecycleConfiguration>" + b"".join(b"<Rule>" + r + b"</Rule>" for r in rules) + b"</LifecycleConfiguration>"
    )
    return raw.request("PUT", "/" + bucket, [("lifecycle", "")], headers={"content-md5": md5_b64(body)}, body=body)


def _nothing_stored(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == (
        404,
        "NoSuchLifecycleConfiguration",
    )


_EXPIRE = b"<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"


@pytest.mark.aws_doc(_FILTER)
@pytest.mark.parametrize(
    "predicates",
    [
        b"<Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>",
        b"<Prefix>logs/</Prefix><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>",
        b"<Tag><Key>k</Key><Value>v</Value></Tag><And><Prefix>a</Prefix><ObjectSizeLessThan>9</ObjectSizeLessThan></And>",
    ],
    ids=["prefix-and-tag", "prefix-and-size", "tag-beside-and"],
)
def test_lifecycle_filter_with_two_predicates_outside_and_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, predicates: bytes
) -> None:
    """API_LifecycleRuleFilter.html: "A Filter can have exactly one of Prefix, Tag,
    ObjectSizeGreaterThan, ObjectSizeLessThan, or And specified"; predicates are combined only
    inside And. Two of them side by side do not validate against the schema: 400 MalformedXML.
    (A size range without And is left out: intro-lifecycle-filters.html says a range can be given
    "in the same filter", which reads against the API reference.)"""
    answer = _put_xml(raw, bucket, b"<ID>r</ID><Filter>" + predicates + b"</Filter>" + _EXPIRE)
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer
    _nothing_stored(s3, bucket)


@pytest.mark.aws_doc(_FILTER)
def test_lifecycle_empty_filter_is_accepted(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_LifecycleRuleFilter.html: "If the Filter element is left empty, the Lifecycle Rule
    applies to all objects in the bucket"."""
    answer = _put_xml(raw, bucket, b"<ID>all</ID><Filter></Filter>" + _EXPIRE)
    assert answer.status == 200, answer
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["ID"] == "all" and rule["Expiration"] == {"Days": 1}


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html")
def test_lifecycle_rules_without_an_id_are_accepted_and_given_distinct_ids(s3: Any, bucket: str) -> None:
    """API_LifecycleRule.html: ID, "Unique identifier for the rule", is not required. Rules sent
    without one are accepted (two of them are not "the same ID"), and each comes back with an
    identifier of its own of at most 255 characters."""
    rules = [
        {"Filter": {"Prefix": "a/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
        {"Filter": {"Prefix": "b/"}, "Status": "Enabled", "Expiration": {"Days": 2}},
    ]
    assert _put(s3, bucket, *rules)["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    ids = [r.get("ID") for r in got]
    assert len(ids) == 2 and all(ids) and len(set(ids)) == 2, ids
    assert all(len(i) <= 255 for i in ids)


@pytest.mark.parametrize("days", [-1, -30])
def test_lifecycle_negative_days_is_400_invalid_argument(s3: Any, bucket: str, days: int) -> None:
    """API_LifecycleExpiration.html: Days "The value must be a non-zero positive integer"."""
    rule = {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": days}}
    assert error_of(lambda: _put(s3, bucket, rule)) == (400, "InvalidArgument")
    _nothing_stored(s3, bucket)


@pytest.mark.aws_doc(_EXPIRATION)
def test_lifecycle_expired_object_delete_marker_with_days_is_400_malformed_xml(s3: Any, bucket: str) -> None:
    """API_LifecycleExpiration.html, ExpiredObjectDeleteMarker: "This cannot be specified with Days
    or Date in a Lifecycle Expiration Policy"."""
    rule = {
        "ID": "r",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True},
    }
    assert error_of(lambda: _put(s3, bucket, rule)) == (400, "MalformedXML")
    _nothing_stored(s3, bucket)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html")
def test_lifecycle_noncurrent_days_zero_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    """API_NoncurrentVersionExpiration.html: NoncurrentDays "must be a non-zero positive integer"."""
    rule = {
        "ID": "r",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 0},
    }
    assert error_of(lambda: _put(s3, bucket, rule)) == (400, "InvalidArgument")
    _nothing_stored(s3, bucket)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html")
def test_lifecycle_newer_noncurrent_versions_over_100_is_400(s3: Any, bucket: str) -> None:
    """API_NoncurrentVersionExpiration.html, NewerNoncurrentVersions: "You can specify up to 100
    noncurrent versions to retain"; 101 is refused (400; the page names no code) and nothing is
    stored. 100 is accepted."""
    rule: dict[str, Any] = {
        "ID": "r",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 101},
    }
    status, code = error_of(lambda: _put(s3, bucket, rule))
    assert (status, code in ("InvalidArgument", "MalformedXML", "InvalidRequest")) == (400, True), (status, code)
    _nothing_stored(s3, bucket)
    rule["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] = 100
    assert _put(s3, bucket, rule)["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html")
def test_lifecycle_id_over_255_characters_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    """API_LifecycleRule.html, ID: "The value cannot be longer than 255 characters"; 255 is accepted."""
    rule = {"ID": "i" * 256, "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}
    assert error_of(lambda: _put(s3, bucket, rule)) == (400, "InvalidArgument")
    _nothing_stored(s3, bucket)
    rule["ID"] = "i" * 255
    assert _put(s3, bucket, rule)["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html")
def test_lifecycle_over_1000_rules_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """intro-lifecycle-rules.html: "A lifecycle configuration can have up to 1,000 rules"; 1,001 is
    refused (400; the page names no code) and nothing is stored."""
    rules = [b"<ID>r%d</ID><Filter><Prefix>p%d/</Prefix></Filter>" % (i, i) + _EXPIRE for i in range(1001)]
    answer = _put_xml(raw, bucket, *rules)
    assert (answer.status, answer.code in ("MalformedXML", "InvalidArgument", "InvalidRequest")) == (400, True), answer
    _nothing_stored(s3, bucket)


@pytest.mark.aws_doc(_EXPIRATION)
@pytest.mark.parametrize("element", ["Expiration/Days", "AbortIncompleteMultipartUpload/DaysAfterInitiation"])
def test_lifecycle_days_beyond_32_bits_is_400(raw: RawS3, s3: Any, bucket: str, element: str) -> None:
    """Days and DaysAfterInitiation are of type Integer (API_LifecycleExpiration.html,
    API_AbortIncompleteMultipartUpload.html): 2147483648 is no such value and does not validate
    against the schema (400), and nothing is stored."""
    action, field = element.split("/")
    rule = (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status>"
        + f"<{action}><{field}>2147483648</{field}></{action}>".encode()
    )
    answer = _put_xml(raw, bucket, rule)
    assert (answer.status, answer.code in ("MalformedXML", "InvalidArgument")) == (400, True), answer
    _nothing_stored(s3, bucket)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
@pytest.mark.parametrize("days", [3_000_000, 2147483647])
def test_lifecycle_abort_rule_far_in_the_future_leaves_uploads_working(s3: Any, bucket: str, days: int) -> None:
    """A valid DaysAfterInitiation (any positive Integer) whose abort date lies past the year 9999
    must not break the uploads it names: CreateMultipartUpload and ListParts answer 200 (with an
    x-amz-abort-date when they send one), and the upload completes."""
    rule = {
        "ID": "far",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": days},
    }
    assert _put(s3, bucket, rule)["ResponseMetadata"]["HTTPStatusCode"] == 200
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"x")
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload)["ResponseMetadata"]["HTTPStatusCode"] == 200
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    )
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html")
def test_lifecycle_and_filter_with_a_repeated_tag_key_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """intro-lifecycle-filters.html: "if you specify multiple tags each tag key must be unique". A
    filter naming one key twice is refused (400; the page names no code) and nothing is stored."""
    tags = b"<Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag>"
    answer = _put_xml(raw, bucket, b"<ID>r</ID><Filter><And><Prefix>a/</Prefix>" + tags + b"</And></Filter>" + _EXPIRE)
    assert (answer.status, answer.code in ("InvalidRequest", "InvalidArgument", "MalformedXML")) == (400, True), answer
    _nothing_stored(s3, bucket)


# -- x-amz-transition-default-minimum-object-size ---------------------------------------------------
# API_PutBucketLifecycleConfiguration.html and API_GetBucketLifecycleConfiguration.html: the request
# may set it (all_storage_classes_128K or varies_by_storage_class), and both responses name the one
# the configuration has (all_storage_classes_128K when none was sent).
_MINIMUM_SIZE = "x-amz-transition-default-minimum-object-size"
_THREE_DAYS = {"ID": "e", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 3}}


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html")
def test_transition_default_minimum_object_size_is_answered(s3: Any, bucket: str) -> None:
    put = _put(s3, bucket, _THREE_DAYS)
    assert put.get("TransitionDefaultMinimumObjectSize") == "all_storage_classes_128K", put
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got.get("TransitionDefaultMinimumObjectSize") == "all_storage_classes_128K", got
    put = s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={"Rules": [_THREE_DAYS]},
        TransitionDefaultMinimumObjectSize="varies_by_storage_class",
    )
    assert put.get("TransitionDefaultMinimumObjectSize") == "varies_by_storage_class", put
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got.get("TransitionDefaultMinimumObjectSize") == "varies_by_storage_class", got
    assert got["Rules"][0]["ID"] == "e"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html")
def test_transition_default_minimum_object_size_of_another_value_is_refused(bucket: str, raw: RawS3) -> None:
    """Only the two documented values exist; another is a 400 (the pages name no error code for it)
    and the configuration is not stored."""
    body = (
        b"<LifecycleConfiguration><Rule><ID>e</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
        b"<Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>"
    )
    headers = {"Content-MD5": md5_b64(body), _MINIMUM_SIZE: "all_storage_classes_64K"}
    answer = raw.request("PUT", f"/{bucket}", [("lifecycle", "")], headers=headers, body=body)
    assert answer.status == 400, (answer.status, answer.body)
    assert raw.request("GET", f"/{bucket}", [("lifecycle", "")]).status == 404


def test_lifecycle_date_before_year_one_in_utc_is_400_not_500(raw: RawS3, s3: Any, bucket: str) -> None:
    """A Date in the timestamp form whose UTC moment is before year 1 (0001-01-01T00:00:00+14:00 is
    0000-12-31T10:00:00Z) is not at midnight GMT and names no date a datetime can hold: bad input, a 400
    (InvalidArgument "'Date' must be at midnight GMT", or MalformedXML), never a 500; nothing is set."""
    body = (
        b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
        b"<Expiration><Date>0001-01-01T00:00:00+14:00</Date></Expiration></Rule></LifecycleConfiguration>"
    )
    answer = raw.request("PUT", "/" + bucket, [("lifecycle", "")], headers={"content-md5": md5_b64(body)}, body=body)
    assert (answer.status, answer.code in ("InvalidArgument", "MalformedXML")) == (400, True), answer
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == (
        404,
        "NoSuchLifecycleConfiguration",
    )
