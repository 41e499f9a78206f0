"""The lifecycle configuration document a client PUTs: its shape, against the schema and the rules
of the API reference (a third pass; test_lifecycle.py holds the first two).

A refused document changes nothing: the configuration the bucket had stays, so each test puts a
known one first and checks it is still there after the refusal.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import refused
from cargobay.testing.conformance_suite._http import RawS3, md5_b64

pytestmark = [
    pytest.mark.s3_requires("lifecycle"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html"),
]

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_KEPT = {"ID": "kept", "Filter": {"Prefix": "kept/"}, "Status": "Enabled", "Expiration": {"Days": 9}}
_EXPIRE = b"<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"


def _put_body(raw: RawS3, bucket: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [("lifecycle", "")], headers={"content-md5": md5_b64(body)}, body=body)


def _put_rules(raw: RawS3, bucket: str, *rules: bytes) -> Any:
    inner = b"".join(b"<Rule>" + r + b"</Rule>" for r in rules)
    return _put_body(raw, bucket, b"<LifecycleConfiguration>" + inner + b"</LifecycleConfiguration>")


def _keep(s3: Any, bucket: str) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [_KEPT]})


def _still_kept(s3: Any, bucket: str) -> None:
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [(r["ID"], r["Expiration"]) for r in rules] == [("kept", {"Days": 9})], rules


_TAG = b"<Tag><Key>k</Key><Value>v</Value></Tag>"

# Each rule repeats one element its schema allows once (API_LifecycleRule.html and the types it
# names: LifecycleRuleFilter, LifecycleRuleAndOperator, Tag, LifecycleExpiration,
# NoncurrentVersionExpiration, AbortIncompleteMultipartUpload).
_REPEATED = {
    "two-ids": b"<ID>a</ID><ID>b</ID><Filter></Filter>" + _EXPIRE,
    "two-statuses": (
        b"<ID>r</ID><Filter></Filter><Status>Disabled</Status><Status>Enabled</Status>"
        b"<Expiration><Days>1</Days></Expiration>"
    ),
    "two-rule-prefixes": b"<ID>r</ID><Prefix>a/</Prefix><Prefix>b/</Prefix>" + _EXPIRE,
    "two-filters": b"<ID>r</ID><Filter><Prefix>a/</Prefix></Filter><Filter><Prefix>b/</Prefix></Filter>" + _EXPIRE,
    "two-filter-prefixes": b"<ID>r</ID><Filter><Prefix>a/</Prefix><Prefix>b/</Prefix></Filter>" + _EXPIRE,
    "two-and-prefixes": (b"<ID>r</ID><Filter><And><Prefix>a/</Prefix><Prefix>b/</Prefix>" + _TAG + b"</And></Filter>")
    + _EXPIRE,
    "two-sizes-greater": (
        b"<ID>r</ID><Filter><And><Prefix>a/</Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan>"
        b"<ObjectSizeGreaterThan>2</ObjectSizeGreaterThan></And></Filter>"
    )
    + _EXPIRE,
    "two-sizes-less": (
        b"<ID>r</ID><Filter><ObjectSizeLessThan>10</ObjectSizeLessThan>"
        b"<ObjectSizeLessThan>20</ObjectSizeLessThan></Filter>"
    )
    + _EXPIRE,
    "tag-with-two-keys": b"<ID>r</ID><Filter><Tag><Key>a</Key><Key>b</Key><Value>v</Value></Tag></Filter>" + _EXPIRE,
    "and-tag-with-two-values": (
        b"<ID>r</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>1</Value><Value>2</Value></Tag>"
        b"</And></Filter>"
    )
    + _EXPIRE,
    "two-expirations": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
        b"<Expiration><Days>2</Days></Expiration>"
    ),
    "two-days": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>1</Days><Days>2</Days></Expiration>"
    ),
    "two-dates": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date>"
        b"<Date>2031-01-01T00:00:00Z</Date></Expiration>"
    ),
    "two-delete-marker-flags": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><Expiration>"
        b"<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
        b"<ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>"
    ),
    "two-noncurrent-days": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><NoncurrentVersionExpiration>"
        b"<NoncurrentDays>1</NoncurrentDays><NoncurrentDays>2</NoncurrentDays></NoncurrentVersionExpiration>"
    ),
    "two-newer-noncurrent-versions": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><NoncurrentVersionExpiration>"
        b"<NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions>"
        b"<NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
    ),
    "two-days-after-initiation": (
        b"<ID>r</ID><Filter></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload>"
        b"<DaysAfterInitiation>1</DaysAfterInitiation><DaysAfterInitiation>2</DaysAfterInitiation>"
        b"</AbortIncompleteMultipartUpload>"
    ),
}


@pytest.mark.aws_doc(_API + "API_LifecycleRule.html")
@pytest.mark.parametrize("rule", list(_REPEATED.values()), ids=list(_REPEATED))
def test_lifecycle_element_given_twice_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str, rule: bytes) -> None:
    """API_LifecycleRule.html and the types it names: a rule has one ID, one Status, one Filter (or
    one legacy Prefix), and each of Filter, And, Tag, Expiration, NoncurrentVersionExpiration and
    AbortIncompleteMultipartUpload holds each of its elements at most once (a Filter's or And's Tag
    aside). A document repeating one does not validate against the schema: 400 MalformedXML
    (ErrorResponses.html), and the configuration the bucket had stays. Reading the first occurrence
    would apply half of what the client sent (a rule Disabled then Enabled, a prefix a/ then b/)."""
    _keep(s3, bucket)
    answer = _put_rules(raw, bucket, rule)
    refused(answer, 400, "MalformedXML", accepted="a lifecycle rule repeating an element accepted")
    _still_kept(s3, bucket)


@pytest.mark.aws_doc(_API + "API_LifecycleRule.html")
def test_lifecycle_rule_with_neither_filter_nor_prefix_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_LifecycleRule.html, Filter: "Filter is required if the LifecycleRule does not contain a
    Prefix element". A rule with neither does not validate: 400 MalformedXML, nothing changed. (An
    empty Filter, or an empty Prefix, is the way to name every object.)"""
    _keep(s3, bucket)
    answer = _put_rules(raw, bucket, b"<ID>r</ID>" + _EXPIRE)
    refused(answer, 400, "MalformedXML", accepted="a lifecycle rule with neither Filter nor Prefix accepted")
    _still_kept(s3, bucket)
    assert _put_rules(raw, bucket, b"<ID>legacy</ID><Prefix></Prefix>" + _EXPIRE).status == 200
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["ID"] == "legacy", rule


@pytest.mark.aws_doc(_API + "API_LifecycleRule.html")
def test_lifecycle_prefix_beside_filter_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_LifecycleRule.html: Prefix is the legacy form of Filter ("This parameter is deprecated.
    Use Filter instead"); a rule holding both names its objects twice: 400 MalformedXML."""
    _keep(s3, bucket)
    answer = _put_rules(raw, bucket, b"<ID>r</ID><Prefix>a/</Prefix><Filter><Prefix>b/</Prefix></Filter>" + _EXPIRE)
    refused(answer, 400, "MalformedXML", accepted="a lifecycle rule with Prefix beside Filter accepted")
    _still_kept(s3, bucket)


@pytest.mark.aws_doc(_API + "API_LifecycleExpiration.html")
def test_lifecycle_expiration_with_days_and_date_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_LifecycleExpiration.html: an Expiration gives Date or Days (or ExpiredObjectDeleteMarker),
    one of them; both do not validate: 400 MalformedXML."""
    _keep(s3, bucket)
    expiration = b"<Expiration><Date>2030-01-01T00:00:00Z</Date><Days>1</Days></Expiration>"
    answer = _put_rules(raw, bucket, b"<ID>r</ID><Filter></Filter><Status>Enabled</Status>" + expiration)
    refused(answer, 400, "MalformedXML", accepted="an Expiration with Days and Date accepted")
    _still_kept(s3, bucket)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html")
@pytest.mark.parametrize(("greater", "less"), [(100, 100), (200, 100)], ids=["equal", "inverted"])
def test_lifecycle_size_range_that_holds_no_size_is_400(
    raw: RawS3, s3: Any, bucket: str, greater: int, less: int
) -> None:
    """intro-lifecycle-filters.html: "the ObjectSizeGreaterThan value must be less than the
    ObjectSizeLessThan value"; a range no object fits is refused (400; the page names no code)."""
    _keep(s3, bucket)
    sizes = f"<ObjectSizeGreaterThan>{greater}</ObjectSizeGreaterThan><ObjectSizeLessThan>{less}</ObjectSizeLessThan>"
    answer = _put_rules(
        raw, bucket, b"<ID>r</ID><Filter><And><Prefix></Prefix>" + sizes.encode() + b"</And></Filter>" + _EXPIRE
    )
    assert (answer.status, answer.code in ("InvalidArgument", "InvalidRequest", "MalformedXML")) == (400, True), answer
    _still_kept(s3, bucket)


_LONE_AND = {
    "empty": b"<And></And>",
    "prefix-only": b"<And><Prefix>logs/</Prefix></And>",
    "tag-only": b"<And>" + _TAG + b"</And>",
    "size-only": b"<And><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></And>",
}


@pytest.mark.aws_doc(_API + "API_LifecycleRuleAndOperator.html")
@pytest.mark.parametrize("conjunction", list(_LONE_AND.values()), ids=list(_LONE_AND))
def test_lifecycle_and_with_fewer_than_two_predicates_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, conjunction: bytes
) -> None:
    """API_LifecycleRuleAndOperator.html: And is "used in a Lifecycle Rule Filter to apply a logical
    AND to two or more predicates"; one predicate goes in the Filter itself. An And holding fewer does
    not validate: AWS answers 400 MalformedXML (hashicorp/terraform-provider-aws#23882: an and block
    with only a prefix, or only object_size_greater_than), and the configuration stays."""
    _keep(s3, bucket)
    answer = _put_rules(raw, bucket, b"<ID>r</ID><Filter>" + conjunction + b"</Filter>" + _EXPIRE)
    refused(answer, 400, "MalformedXML", accepted="an And with fewer than two predicates accepted")
    _still_kept(s3, bucket)
    both = b"<And><Prefix>logs/</Prefix><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></And>"
    assert _put_rules(raw, bucket, b"<ID>r</ID><Filter>" + both + b"</Filter>" + _EXPIRE).status == 200


_NO_ACTION = {
    "no-action": b"",
    "empty-expiration": b"<Expiration></Expiration>",
}


@pytest.mark.aws_doc(_API + "API_LifecycleRule.html")
@pytest.mark.parametrize("action", list(_NO_ACTION.values()), ids=list(_NO_ACTION))
def test_lifecycle_rule_without_an_action_is_400(raw: RawS3, s3: Any, bucket: str, action: bytes) -> None:
    """A rule says what to do (API_LifecycleRule.html: Expiration, Transition,
    NoncurrentVersionExpiration, AbortIncompleteMultipartUpload...); one with no action, or an
    Expiration naming none of Date, Days and ExpiredObjectDeleteMarker, is refused: AWS answers 400
    InvalidRequest "At least one action needs to be specified in a rule" (MalformedXML for the
    empty element would also be a schema answer)."""
    _keep(s3, bucket)
    answer = _put_rules(raw, bucket, b"<ID>r</ID><Filter></Filter><Status>Enabled</Status>" + action)
    assert (answer.status, answer.code in ("InvalidRequest", "MalformedXML")) == (400, True), answer
    _still_kept(s3, bucket)


_WITH_TAGS = {
    "abort-with-tag": (
        b"<Filter>" + _TAG + b"</Filter><Status>Enabled</Status>"
        b"<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
    ),
    "abort-with-and-tag": (
        b"<Filter><And><Prefix>a/</Prefix>" + _TAG + b"</And></Filter><Status>Enabled</Status>"
        b"<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
    ),
    "delete-marker-with-tag": (
        b"<Filter>" + _TAG + b"</Filter><Status>Enabled</Status>"
        b"<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"
    ),
}


@pytest.mark.aws_doc(_API + "API_LifecycleRule.html")
@pytest.mark.parametrize("rule", list(_WITH_TAGS.values()), ids=list(_WITH_TAGS))
def test_lifecycle_tag_filter_with_an_action_that_cannot_have_one_is_400(
    raw: RawS3, s3: Any, bucket: str, rule: bytes
) -> None:
    """API_AbortIncompleteMultipartUpload.html / intro-lifecycle-rules.html: an upload has no tags
    yet, so AbortIncompleteMultipartUpload "cannot be specified with Tags", nor can
    ExpiredObjectDeleteMarker (a delete marker has none): 400 InvalidRequest, nothing changed."""
    _keep(s3, bucket)
    answer = _put_rules(raw, bucket, b"<ID>r</ID>" + rule)
    assert (answer.status, answer.code in ("InvalidRequest", "MalformedXML")) == (400, True), answer
    _still_kept(s3, bucket)


@pytest.mark.aws_doc(_API + "API_AbortIncompleteMultipartUpload.html")
@pytest.mark.parametrize("days", ["0", "-1"])
def test_lifecycle_days_after_initiation_not_positive_is_400(raw: RawS3, s3: Any, bucket: str, days: str) -> None:
    """API_AbortIncompleteMultipartUpload.html: DaysAfterInitiation, the days after which an upload
    is aborted; AWS refuses one that is not a positive integer (400 InvalidArgument
    "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")."""
    _keep(s3, bucket)
    abort = f"<DaysAfterInitiation>{days}</DaysAfterInitiation>".encode()
    action = b"<AbortIncompleteMultipartUpload>" + abort + b"</AbortIncompleteMultipartUpload>"
    answer = _put_rules(raw, bucket, b"<ID>r</ID><Filter></Filter><Status>Enabled</Status>" + action)
    assert (answer.status, answer.code in ("InvalidArgument", "MalformedXML")) == (400, True), answer
    _still_kept(s3, bucket)


_NOT_A_CONFIGURATION = {
    "empty": b"",
    "wrong-root": b"<LifecycleRules><Rule><ID>r</ID><Filter></Filter>" + _EXPIRE + b"</Rule></LifecycleRules>",
    "legacy-root": b"<BucketLifecycleConfiguration><Rule><ID>r</ID><Filter></Filter>"
    + _EXPIRE
    + b"</Rule></BucketLifecycleConfiguration>",
    "no-rules": b"<LifecycleConfiguration></LifecycleConfiguration>",
    "rule-under-a-rule": b"<LifecycleConfiguration><Rules><Rule><ID>r</ID><Filter></Filter>"
    + _EXPIRE
    + b"</Rule></Rules></LifecycleConfiguration>",
}


@pytest.mark.aws_doc(_API + "API_PutBucketLifecycleConfiguration.html")
@pytest.mark.parametrize("body", list(_NOT_A_CONFIGURATION.values()), ids=list(_NOT_A_CONFIGURATION))
def test_lifecycle_document_that_is_no_configuration_is_400(raw: RawS3, s3: Any, bucket: str, body: bytes) -> None:
    """The body is a LifecycleConfiguration holding one or more Rule elements (Required: Yes). Any
    other root, none at all, or no Rule does not validate: 400 MalformedXML (an empty body may be
    MissingRequestBodyError, "Request body is empty"), and the configuration stays."""
    _keep(s3, bucket)
    answer = _put_body(raw, bucket, body)
    allowed = {"MalformedXML"} | ({"MissingRequestBodyError"} if not body else set())
    assert (answer.status, answer.code in allowed) == (400, True), answer
    _still_kept(s3, bucket)


# An element the schema does not have, in each place a lifecycle document can hold one. Ignoring it
# would run a rule other than the one sent: a filter predicate left out names more objects to expire.
_UNKNOWN = {
    "in-configuration": b"<LifecycleConfiguration><Owner>me</Owner><Rule><ID>r</ID><Filter></Filter>"
    + _EXPIRE
    + b"</Rule></LifecycleConfiguration>",
    "in-rule": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Priority>1</Priority>"
    + _EXPIRE
    + b"</Rule></LifecycleConfiguration>",
    "in-filter": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><Suffix>.log</Suffix></Filter>"
    + _EXPIRE
    + b"</Rule></LifecycleConfiguration>",
    "in-and": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>a/</Prefix>"
    + _TAG
    + b"<Suffix>.log</Suffix></And></Filter>"
    + _EXPIRE
    + b"</Rule></LifecycleConfiguration>",
    "in-tag": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><Tag><Key>k</Key><Value>v</Value><Op>ne</Op></Tag>"
    b"</Filter>" + _EXPIRE + b"</Rule></LifecycleConfiguration>",
    "in-expiration": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Status>Enabled</Status>"
    b"<Expiration><Days>1</Days><Hours>3</Hours></Expiration></Rule></LifecycleConfiguration>",
    "in-noncurrent-expiration": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Status>Enabled</Status>"
    b"<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><Days>2</Days></NoncurrentVersionExpiration>"
    b"</Rule></LifecycleConfiguration>",
    "in-abort": b"<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Status>Enabled</Status>"
    b"<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation><Days>2</Days>"
    b"</AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>",
}


@pytest.mark.aws_doc(_API + "API_LifecycleRule.html")
@pytest.mark.parametrize("body", list(_UNKNOWN.values()), ids=list(_UNKNOWN))
def test_lifecycle_element_the_schema_does_not_have_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, body: bytes
) -> None:
    """API_LifecycleConfiguration.html, API_LifecycleRule.html and the types they name list every
    element a lifecycle document holds; one they do not name does not validate against the schema:
    400 MalformedXML (ErrorResponses.html), and the configuration stays. Taking the rest would run a
    rule the client did not write (a Filter whose unknown predicate is dropped names every object)."""
    _keep(s3, bucket)
    answer = _put_body(raw, bucket, body)
    refused(answer, 400, "MalformedXML", accepted="a lifecycle document with an element of no schema accepted")
    _still_kept(s3, bucket)
