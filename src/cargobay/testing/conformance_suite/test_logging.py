"""Server access logging: PutBucketLogging / GetBucketLogging, and the log records delivered.

The configuration (API_PutBucketLogging.html, API_GetBucketLogging.html, API_LoggingEnabled.html,
API_TargetObjectKeyFormat.html, API_PartitionedPrefix.html, API_TargetGrant.html): what was set reads
back, an empty BucketLoggingStatus turns logging off, a document that does not validate is 400
MalformedXML, a target bucket that does not exist or has another owner is 400
InvalidTargetBucketForLogging (enable-server-access-logging.html: "Both the source and destination
buckets must be in the same AWS Region and owned by the same account").

The delivery (ServerLogs.html, LogFormat.html, logging-key-format: ``[TargetPrefix]YYYY-mm-DD-HH-MM-SS-
UniqueString``, or with PartitionedPrefix ``[TargetPrefix][SourceAccountId]/[SourceRegion]/
[SourceBucket]/[YYYY]/[MM]/[DD]/[YYYY]-[MM]-[DD]-[hh]-[mm]-[ss]-[UniqueString]``): an endpoint that
delivers needs the ``server_logs`` capability, and the test waits for the records up to
``CARGOBAY_S3_LOG_WAIT`` seconds (default 30; the in-process cargobay delivers every second). AWS
delivers "within a few hours": run those tests against AWS with a long wait, or declare the gap
(``--s3-lacks server_logs``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3, md5_b64

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

pytestmark = [pytest.mark.s3_requires("buckets", "logging")]


def _permit_log_delivery(s3: Any, target: str) -> None:
    """The bucket policy enable-server-access-logging.html gives a target: the logging service
    principal may put objects into it (without it AWS delivers nothing, and some endpoints refuse the
    PutBucketLogging)."""
    statement = {
        "Sid": "S3ServerAccessLogsPolicy",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{target}/*",
    }
    s3.put_bucket_policy(Bucket=target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


def _log_target(s3: Any, new_bucket_name: Callable[[str], str], hint: str = "logs") -> str:
    """A new bucket that server access logs may be delivered to."""
    target = new_bucket_name(hint)
    s3.create_bucket(Bucket=target)
    _permit_log_delivery(s3, target)
    return target


def _put_logging(raw: RawS3, bucket: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [("logging", "")], headers={"content-md5": md5_b64(body)}, body=body)


def _enabled(target: str, prefix: str = "logs/", extra: str = "") -> bytes:
    inner = f"<TargetBucket>{target}</TargetBucket><TargetPrefix>{prefix}</TargetPrefix>{extra}"
    return f"<BucketLoggingStatus {_NS}><LoggingEnabled>{inner}</LoggingEnabled></BucketLoggingStatus>".encode()


# -- the configuration -------------------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_PutBucketLogging.html")
@pytest.mark.aws_doc(_API + "API_GetBucketLogging.html")
def test_logging_put_get_round_trip_and_off_again(s3: Any, bucket: str, new_bucket_name: Callable[[str], str]) -> None:
    target = _log_target(s3, new_bucket_name)
    answer = s3.put_bucket_logging(
        Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}}
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert (got["TargetBucket"], got["TargetPrefix"]) == (target, "logs/"), got
    # API_PutBucketLogging.html: "To disable logging, you use an empty BucketLoggingStatus request element"
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.aws_doc(_API + "API_TargetObjectKeyFormat.html")
@pytest.mark.aws_doc(_API + "API_PartitionedPrefix.html")
@pytest.mark.parametrize(
    "key_format",
    [{"SimplePrefix": {}}, {"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}}],
    ids=["simple", "partitioned-delivery-time"],
)
def test_logging_target_object_key_format_reads_back(
    s3: Any, bucket: str, new_bucket_name: Callable[[str], str], key_format: dict[str, Any]
) -> None:
    target = _log_target(s3, new_bucket_name)
    enabled = {"TargetBucket": target, "TargetPrefix": "p/", "TargetObjectKeyFormat": key_format}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    got = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert got.get("TargetObjectKeyFormat") == key_format, got


@pytest.mark.aws_doc(_API + "API_LoggingEnabled.html")
def test_logging_to_the_bucket_itself_is_accepted(s3: Any, bucket: str) -> None:
    """API_LoggingEnabled.html: "You can have your logs delivered to any bucket that you own, including
    the same bucket that is being logged"."""
    _permit_log_delivery(s3, bucket)
    enabled = {"TargetBucket": bucket, "TargetPrefix": ""}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    got = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert (got["TargetBucket"], got.get("TargetPrefix", "")) == (bucket, "")
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})


@pytest.mark.aws_doc(_GUIDE + "enable-server-access-logging.html")
def test_logging_target_bucket_missing_is_invalid_target_bucket(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    missing = new_bucket_name("nolog")
    refused(
        _put_logging(raw, bucket, _enabled(missing)),
        400,
        "InvalidTargetBucketForLogging",
        accepted="logging to a bucket that does not exist accepted",
    )
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(_GUIDE + "ServerLogs.html")
def test_logging_target_bucket_of_another_owner_is_invalid_target_bucket(
    raw: RawS3, s3_endpoint: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    """ServerLogs.html: "Both the source and destination buckets must be ... owned by the same account"
    (AWS answers InvalidTargetBucketForLogging "The owner for the bucket to be logged and the target
    bucket must be the same.")."""
    theirs = new_bucket_name("alt")
    s3_endpoint.alt_client().create_bucket(Bucket=theirs)
    refused(
        _put_logging(raw, bucket, _enabled(theirs)),
        400,
        "InvalidTargetBucketForLogging",
        accepted="logging to another owner's bucket accepted",
    )


@pytest.mark.aws_doc(_API + "API_GetBucketLogging.html")
def test_logging_of_a_missing_bucket_is_no_such_bucket(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    missing = new_bucket_name("gone")
    assert error_of(lambda: s3.get_bucket_logging(Bucket=missing)) == (404, "NoSuchBucket")
    refused(_put_logging(raw, missing, _enabled(bucket)), 404, "NoSuchBucket", accepted="logging of no bucket")


_MALFORMED = {
    "no-target-bucket": "<TargetPrefix>p/</TargetPrefix>",
    "no-target-prefix": "<TargetBucket>{t}</TargetBucket>",
    "two-target-buckets": (
        "<TargetBucket>{t}</TargetBucket><TargetBucket>{t}</TargetBucket><TargetPrefix>p</TargetPrefix>"
    ),
    "unknown-element": "<TargetBucket>{t}</TargetBucket><TargetPrefix>p</TargetPrefix><Prefix>p</Prefix>",
    "bad-date-source": (
        "<TargetBucket>{t}</TargetBucket><TargetPrefix>p</TargetPrefix><TargetObjectKeyFormat><PartitionedPrefix>"
        "<PartitionDateSource>Yesterday</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>"
    ),
    "bad-permission": (
        "<TargetBucket>{t}</TargetBucket><TargetPrefix>p</TargetPrefix><TargetGrants><Grant>"
        '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">'
        "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>"
        "<Permission>EVERYTHING</Permission></Grant></TargetGrants>"
    ),
}


@pytest.mark.aws_doc(_API + "API_LoggingEnabled.html")
@pytest.mark.parametrize("case", sorted(_MALFORMED))
def test_logging_document_that_does_not_validate_is_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Callable[[str], str], case: str
) -> None:
    """API_LoggingEnabled.html: TargetBucket and TargetPrefix are required, once each;
    API_PartitionedPrefix.html: PartitionDateSource is ``EventTime | DeliveryTime``; API_TargetGrant.html:
    Permission is ``FULL_CONTROL | READ | WRITE``. A document outside the schema does not validate."""
    inner = _MALFORMED[case].format(t=_log_target(s3, new_bucket_name))
    body = f"<BucketLoggingStatus {_NS}><LoggingEnabled>{inner}</LoggingEnabled></BucketLoggingStatus>".encode()
    refused(_put_logging(raw, bucket, body), 400, "MalformedXML", accepted=f"a logging document with {case}")
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.aws_doc(_API + "API_TargetObjectKeyFormat.html")
def test_logging_both_key_formats_at_once_is_refused(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    """TargetObjectKeyFormat holds SimplePrefix or PartitionedPrefix ("Only one format, either
    PartitionedPrefix or SimplePrefix, is allowed", AWS::S3::Bucket LoggingConfiguration): both is a 400.
    The pages do not name the code; MalformedXML (schema) or InvalidArgument are both taken."""
    key_format = "<TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat>"
    answer = _put_logging(raw, bucket, _enabled(_log_target(s3, new_bucket_name), extra=key_format))
    assert answer.status == 400 and answer.code in ("MalformedXML", "InvalidArgument"), answer
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_API + "API_LoggingEnabled.html")
def test_logging_target_grants_on_a_bucket_owner_enforced_target_are_refused(
    s3: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    """API_LoggingEnabled.html: "Buckets that use the bucket owner enforced setting for Object Ownership
    don't support target grants" (AWS: 400 AccessControlListNotSupported "Target grants not allowed for
    bucket owner enforced buckets", hashicorp/terraform-provider-aws#31771)."""
    target = _log_target(s3, new_bucket_name, "enforced")
    s3.put_bucket_ownership_controls(
        Bucket=target, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    grant = {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "Permission": "READ",
    }
    enabled = {"TargetBucket": target, "TargetPrefix": "p/", "TargetGrants": [grant]}
    status = error_of(lambda: s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled}))
    assert status == (400, "AccessControlListNotSupported")
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_API + "API_TargetGrant.html")
def test_logging_target_grants_read_back(s3: Any, bucket: str, new_bucket_name: Callable[[str], str]) -> None:
    target = _log_target(s3, new_bucket_name, "grants")
    s3.put_bucket_ownership_controls(Bucket=target, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    grant = {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
        "Permission": "READ",
    }
    enabled = {"TargetBucket": target, "TargetPrefix": "p/", "TargetGrants": [grant]}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    (got,) = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetGrants"]
    assert (got["Grantee"]["Type"], got["Grantee"]["URI"], got["Permission"]) == (
        "Group",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        "READ",
    )


@pytest.mark.aws_doc(_API + "API_PutBucketLogging.html")
def test_logging_with_a_wrong_content_md5_is_refused_and_nothing_changes(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    """API_PutBucketLogging.html, Content-MD5: "The base64-encoded 128-bit MD5 digest of the data": one
    of other bytes is 400 BadDigest, one that is no MD5 400 InvalidDigest (ErrorResponses.html)."""
    body = _enabled(_log_target(s3, new_bucket_name))
    refuses_a_wrong_digest(raw, "/" + bucket, [("logging", "")], body, "a logging configuration")
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.aws_doc(_API + "API_PutBucketLogging.html")
def test_logging_configuration_replaced_by_the_next_put(
    s3: Any, bucket: str, new_bucket_name: Callable[[str], str]
) -> None:
    """A PUT sets the whole configuration: an element left out of the next PUT is gone."""
    first, second = _log_target(s3, new_bucket_name, "one"), _log_target(s3, new_bucket_name, "two")
    key_format = {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}
    enabled = {"TargetBucket": first, "TargetPrefix": "a/", "TargetObjectKeyFormat": key_format}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    s3.put_bucket_logging(
        Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": second, "TargetPrefix": "b/"}}
    )
    got = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert (got["TargetBucket"], got["TargetPrefix"], "TargetObjectKeyFormat" in got) == (second, "b/", False), got


# -- the delivery ------------------------------------------------------------------------------------------

# One record (LogFormat.html): space-delimited fields; Time in brackets; Request-URI, Referer and
# User-Agent in double quotes.
_FIELD = re.compile(r'\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+')
_TIME = re.compile(r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\]")
_SIMPLE_KEY = re.compile(r"logs/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-Za-z]+")
_WAIT = float(os.environ.get("CARGOBAY_S3_LOG_WAIT", "30"))


def _records(s3: Any, target: str, prefix: str, request_ids: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The keys of the log objects under ``prefix`` and the records (fields) of ``request_ids``, once
    every one of them was delivered (or the wait ran out)."""
    deadline = time.monotonic() + _WAIT
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=target, Prefix=prefix).get("Contents", [])]
        found: dict[str, list[str]] = {}
        for key in keys:
            text = s3.get_object(Bucket=target, Key=key)["Body"].read().decode("utf-8")
            for line in text.splitlines():
                fields = _FIELD.findall(line)
                if len(fields) > 5 and fields[5] in request_ids:
                    found[fields[5]] = fields
        if set(found) == request_ids or time.monotonic() > deadline:
            return keys, found
        time.sleep(0.5)


@pytest.mark.s3_requires("server_logs")
@pytest.mark.aws_doc(_GUIDE + "LogFormat.html")
@pytest.mark.aws_doc(_GUIDE + "ServerLogs.html")
def test_logging_delivers_well_formed_records(s3: Any, bucket: str, new_bucket_name: Callable[[str], str]) -> None:
    target = _log_target(s3, new_bucket_name)
    s3.put_bucket_logging(
        Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}}
    )
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    key = 'a key "quoted"'
    ids = {}
    ids["put"] = s3.put_object(Bucket=bucket, Key=key, Body=b"0123456789")["ResponseMetadata"]["RequestId"]
    ids["get"] = s3.get_object(Bucket=bucket, Key=key)["ResponseMetadata"]["RequestId"]
    try:
        s3.get_object(Bucket=bucket, Key="missing")
    except s3.exceptions.NoSuchKey as exc:
        ids["missing"] = exc.response["ResponseMetadata"]["RequestId"]
    keys, found = _records(s3, target, "logs/", set(ids.values()))
    assert set(found) == set(ids.values()), f"records of {sorted(ids)} not all delivered in {_WAIT} s: {found}"
    assert keys and all(_SIMPLE_KEY.fullmatch(k) for k in keys), keys
    for fields in found.values():
        assert len(fields) >= 25, fields  # LogFormat.html: Bucket Owner ... Access Point ARN, then newer ones
        assert (fields[0], fields[1]) == (owner, bucket), fields
        assert _TIME.fullmatch(fields[2]), fields[2]
        # Requester: "The canonical user ID of the requester" (an IAM user's ARN on AWS), "-" only unsigned
        assert fields[4] not in ("-", ""), fields
        assert fields[8].startswith('"') and fields[8].endswith(' HTTP/1.1"'), fields[8]
        assert fields[15].startswith('"') and fields[16].startswith('"'), fields  # Referer, User-Agent
        assert fields[19] == "SigV4" and fields[21] == "AuthHeader", fields
    put, get, missing = found[ids["put"]], found[ids["get"]], found[ids["missing"]]
    # Key: "The key part of the request, URL encoded"; Operation REST.HTTP_method.resource_type.
    assert (put[6], put[7], put[9], put[10]) == ("REST.PUT.OBJECT", "a%20key%20%22quoted%22", "200", "-"), put
    assert put[8].startswith('"PUT /'), put[8]
    assert (get[6], get[9], get[11], get[12]) == ("REST.GET.OBJECT", "200", "10", "10"), get
    assert (missing[6], missing[7], missing[9], missing[10]) == ("REST.GET.OBJECT", "missing", "404", "NoSuchKey")


@pytest.mark.s3_requires("server_logs")
@pytest.mark.aws_doc(_API + "API_PartitionedPrefix.html")
def test_logging_partitioned_prefix_keys(s3: Any, bucket: str, new_bucket_name: Callable[[str], str]) -> None:
    """EventTime: "The year, month, and day correspond to the day on which the event occurred, and the
    hour, minutes and seconds are set to 00 in the key"."""
    target = _log_target(s3, new_bucket_name)
    key_format = {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}
    enabled = {"TargetBucket": target, "TargetPrefix": "p/", "TargetObjectKeyFormat": key_format}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    request_id = s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["RequestId"]
    keys, found = _records(s3, target, "p/", {request_id})
    assert request_id in found, f"no record of HeadBucket delivered in {_WAIT} s"
    region = s3.meta.region_name
    shape = re.compile(
        rf"p/[^/]+/{re.escape(region)}/{re.escape(bucket)}/(\d{{4}})/(\d\d)/(\d\d)/\1-\2-\3-00-00-00-[0-9A-Za-z]+"
    )
    assert keys and all(shape.fullmatch(k) for k in keys), keys
    assert found[request_id][6] == "REST.HEAD.BUCKET", found[request_id]
