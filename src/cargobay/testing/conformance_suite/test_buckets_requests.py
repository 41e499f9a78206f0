"""Bucket requests whose parts an endpoint may take and drop: the Tags and the namespace of a
CreateBucket, its Object Lock and Object Ownership on a bucket that exists, the MfaDelete of a
PutBucketVersioning, the Payer of a PutBucketRequestPayment, the Status of an acceleration PUT.

Each asks for something: what the endpoint keeps must be what it reports afterwards, and what it
does not keep must be refused, never answered 200 and forgotten. Beside them, what bucket requests
answer and to whom: CreateBucket's Location, ListBuckets for another account, a wrong
x-amz-expected-bucket-owner, a bucket created again after DeleteBucket. ``_API`` =
https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, md5_b64

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

pytestmark = [pytest.mark.s3_requires("buckets")]


# -- CreateBucket: the answer --------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_answers_its_location(raw: RawS3, s3_endpoint: Any, new_bucket_name: Any) -> None:
    """Location: "A forward slash followed by the name of the bucket" for a bucket created in
    us-east-1 (elsewhere AWS answers the bucket's global endpoint URL, which names the bucket too);
    the 200 has no body."""
    name = new_bucket_name("loc")
    answer = raw.request("PUT", "/" + name)
    assert (answer.status, answer.body) == (200, b""), answer
    location = answer.headers.get("location", "")
    if s3_endpoint.endpoint.region == "us-east-1":
        assert location == "/" + name, answer.headers
    else:
        assert name in location, answer.headers


# -- CreateBucket: CreateBucketConfiguration Tags ----------------------------------------------------
# API_CreateBucketConfiguration.html, Tags: "An array of tags that you can apply to the bucket that
# you're creating"; they are the bucket's tag set, read back with GetBucketTagging.


def _tagged_configuration(*pairs: tuple[str, str]) -> bytes:
    from xml.sax.saxutils import escape

    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f"<CreateBucketConfiguration {_NS}><Tags>{tags}</Tags></CreateBucketConfiguration>".encode()


@pytest.mark.s3_requires("bucket_tagging")
@pytest.mark.aws_doc(_API + "API_CreateBucketConfiguration.html")
def test_create_bucket_with_tags_keeps_them_as_the_bucket_tag_set(raw: RawS3, s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("tags")
    answer = raw.request("PUT", "/" + name, body=_tagged_configuration(("team", "cargo"), ("cost center", "a/b=c")))
    assert answer.status == 200, answer
    got = s3.get_bucket_tagging(Bucket=name)["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in got) == [("cost center", "a/b=c"), ("team", "cargo")], (
        "CreateBucket took the Tags of its CreateBucketConfiguration and dropped them"
    )


@pytest.mark.s3_requires("bucket_tagging")
@pytest.mark.aws_doc(_API + "API_PutBucketTagging.html")
@pytest.mark.parametrize(
    "pairs",
    [
        [("aws:team", "cargo")],
        [("k", "1"), ("k", "2")],
        [("k" * 129, "v")],
        [("k", "v" * 257)],
        [(f"k{i}", "v") for i in range(51)],
    ],
    ids=["aws-prefix", "repeated-key", "key-129", "value-257", "51-tags"],
)
def test_create_bucket_with_a_tag_set_puttagging_refuses_is_400_invalid_tag_and_makes_nothing(
    raw: RawS3, s3: Any, new_bucket_name: Any, pairs: list[tuple[str, str]]
) -> None:
    """The Tags of a CreateBucket are a bucket tag set, under the limits of one
    (API_PutBucketTagging.html, InvalidTag; CostAllocTagging.html: 50 tags, keys up to 128 and values
    up to 256 characters, no ``aws:`` prefix, no key twice): a set PutBucketTagging refuses is 400
    InvalidTag here too, and no bucket is made."""
    name = new_bucket_name("badtags")
    answer = raw.request("PUT", "/" + name, body=_tagged_configuration(*pairs))
    refused(answer, 400, "InvalidTag", accepted="a CreateBucket tag set PutBucketTagging refuses accepted")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


# -- CreateBucket of a bucket you own ------------------------------------------------------------------
# API_CreateBucket.html, BucketAlreadyOwnedByYou: "For legacy compatibility, if you re-create an existing
# bucket that you already own in the North Virginia Region, Amazon S3 returns 200 OK and resets the bucket
# access control lists (ACLs)" - the ACLs, nothing else; elsewhere it is 409 and nothing changes.


def _recreate(raw: RawS3, s3_endpoint: Any, bucket: str, headers: dict[str, str]) -> None:
    answer = raw.request("PUT", "/" + bucket, headers=headers)
    if s3_endpoint.endpoint.region == "us-east-1":
        assert answer.status == 200 or (answer.status, answer.code) == (409, "BucketAlreadyOwnedByYou"), answer
    else:
        assert (answer.status, answer.code) == (409, "BucketAlreadyOwnedByYou"), answer


@pytest.mark.s3_requires("object_lock", "versioning")
@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_again_with_object_lock_leaves_the_bucket_without_it(
    raw: RawS3, s3: Any, s3_endpoint: Any, bucket: str
) -> None:
    """x-amz-bucket-object-lock-enabled "Specifies whether you want S3 Object Lock to be enabled for
    the new bucket": re-creating a bucket you own is no new bucket, so it does not turn on Object
    Lock (and with it versioning, for good: neither can be turned off again,
    object-lock-configure.html) on a bucket that has objects and never asked for either."""
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    _recreate(raw, s3_endpoint, bucket, {"x-amz-bucket-object-lock-enabled": "true"})
    assert error_of(lambda: s3.get_object_lock_configuration(Bucket=bucket)) == (
        404,
        "ObjectLockConfigurationNotFoundError",
    ), "re-creating an owned bucket turned Object Lock on"
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket), "re-creating an owned bucket turned versioning on"
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"x"


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_again_with_object_ownership_leaves_the_bucket_setting(
    raw: RawS3, s3: Any, s3_endpoint: Any, bucket: str
) -> None:
    """x-amz-object-ownership on a re-create of a bucket you own: only the ACLs are reset, so the
    bucket keeps its Object Ownership (changed with PutBucketOwnershipControls, which checks what
    the change would disable)."""
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    _recreate(raw, s3_endpoint, bucket, {"x-amz-object-ownership": "BucketOwnerEnforced"})
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "ObjectWriter"}], "re-creating an owned bucket changed its Object Ownership"


# -- ListBuckets: whose buckets ----------------------------------------------------------------------
# API_ListBuckets.html: "Returns a list of all buckets owned by the authenticated sender of the request".


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
@pytest.mark.parametrize("paged", [False, True], ids=["plain", "paged"])
def test_list_buckets_lists_only_the_callers_buckets(s3_endpoint: Any, s3: Any, bucket: str, paged: bool) -> None:
    """Another account's ListBuckets, plain or with prefix and max-buckets, does not name a bucket
    it does not own (and the Owner is the caller); the owner's does."""
    alt = s3_endpoint.alt_client()
    arguments: dict[str, Any] = {"Prefix": bucket, "MaxBuckets": 10} if paged else {}
    theirs = alt.list_buckets(**arguments)
    assert bucket not in [b["Name"] for b in theirs["Buckets"]], "ListBuckets named another account's bucket"
    mine = s3.list_buckets(**arguments)
    assert bucket in [b["Name"] for b in mine["Buckets"]]
    assert theirs["Owner"]["ID"] != mine["Owner"]["ID"]


# -- x-amz-expected-bucket-owner on bucket operations ------------------------------------------------
# bucket-owner-condition.html: "If the bucket is owned by a different account, the request fails with an
# HTTP 403 (Access Denied) error"; every bucket operation takes the header (each API page's Request Syntax).

_CORS = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}
_BUCKET_CALLS: dict[str, dict[str, Any]] = {
    "head_bucket": {},
    "get_bucket_location": {},
    "put_bucket_versioning": {"VersioningConfiguration": {"Status": "Suspended"}},
    "put_bucket_tagging": {"Tagging": {"TagSet": [{"Key": "a", "Value": "b"}]}},
    "put_bucket_cors": {"CORSConfiguration": _CORS},
    "get_bucket_request_payment": {},
    "list_object_versions": {},
    "delete_bucket": {},
}


@pytest.mark.s3_requires("versioning", "bucket_tagging", "cors")
@pytest.mark.aws_doc(_GUIDE + "bucket-owner-condition.html")
@pytest.mark.parametrize("call", sorted(_BUCKET_CALLS))
def test_bucket_operation_with_another_expected_owner_is_403_and_changes_nothing(
    s3: Any, bucket: str, call: str
) -> None:
    """A bucket operation naming another account as the expected owner fails with 403 AccessDenied
    before it acts: the bucket is still there, unversioned, without tags or CORS."""
    me = str(s3.list_buckets()["Owner"]["ID"])
    other = "1" * 64 if me != "1" * 64 else "2" * 64
    got = error_of(lambda: getattr(s3, call)(Bucket=bucket, ExpectedBucketOwner=other, **_BUCKET_CALLS[call]))
    assert got == ((403, None) if call == "head_bucket" else (403, "AccessDenied"))  # HEAD: no body, no code
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    assert error_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == (404, "NoSuchTagSet")
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")


# -- CreateBucket: the bucket namespace ----------------------------------------------------------------
# API_CreateBucket.html, x-amz-bucket-namespace: "Valid Values: account-regional | global"; bucket
# naming rules (bucketnamingrules.html): "Bucket names can only end with the suffix -an when you create
# a bucket in your account regional namespace".


@pytest.mark.aws_doc(_API + "API_CreateBucket.html")
def test_create_bucket_unknown_namespace_is_400_invalid_argument(raw: RawS3, s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("ns")
    answer = raw.request("PUT", "/" + name, headers={"x-amz-bucket-namespace": "everywhere"})
    refused(answer, 400, "InvalidArgument", accepted="x-amz-bucket-namespace: everywhere accepted")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)


@pytest.mark.aws_doc(_GUIDE + "bucketnamingrules.html")
@pytest.mark.parametrize("namespace", [None, "global"], ids=["no-header", "global"])
def test_create_bucket_name_ending_in_an_outside_the_account_regional_namespace_is_400(
    raw: RawS3, s3: Any, new_bucket_name: Any, namespace: str | None
) -> None:
    """The ``-an`` suffix belongs to the account regional namespace
    (``bucket-name-prefix-accountId-region-an``, gpbucketnamespaces.html): a bucket of the global
    namespace may not end with it (400 InvalidBucketName, nothing made); ``-and`` and ``-ant`` are
    ordinary names."""
    name = new_bucket_name("an")  # the run's prefix, a counter, then "-an"
    assert name.endswith("-an")
    headers = {} if namespace is None else {"x-amz-bucket-namespace": namespace}
    answer = raw.request("PUT", "/" + name, headers=headers)
    refused(answer, 400, "InvalidBucketName", accepted=f"{name!r} created in the global namespace")
    assert error_of(lambda: s3.head_bucket(Bucket=name)) == (404, None)
    ordinary = new_bucket_name("and")
    assert raw.request("PUT", "/" + ordinary, headers=headers).status == 200


# -- PutBucketVersioning: MfaDelete --------------------------------------------------------------------
# API_VersioningConfiguration.html, MfaDelete: "Valid Values: Enabled | Disabled". MultiFactorAuthentication
# Delete.html / UsingMFADelete.html: with MFA delete, every request that permanently deletes a version or
# changes the versioning state must carry x-amz-mfa (a device serial and its current code), over HTTPS;
# "If you don't include this request header, the request fails".


def _put_versioning(raw: RawS3, bucket: str, inner: str, headers: dict[str, str] | None = None) -> Any:
    body = f"<VersioningConfiguration {_NS}>{inner}</VersioningConfiguration>".encode()
    sent = {"content-md5": md5_b64(body), **(headers or {})}
    return raw.request("PUT", "/" + bucket, [("versioning", "")], headers=sent, body=body)


def _versioning_document(raw: RawS3, bucket: str) -> dict[str, str]:
    answer = raw.request("GET", "/" + bucket, [("versioning", "")])
    assert answer.status == 200, answer
    return {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in answer.xml()}


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_GUIDE + "MultiFactorAuthenticationDelete.html")
@pytest.mark.parametrize("mfa", [None, "20899872 301749"], ids=["no-mfa-header", "made-up-device"])
def test_put_bucket_versioning_enabling_mfa_delete_without_a_real_device_is_refused(
    raw: RawS3, bucket: str, mfa: str | None
) -> None:
    """Enabling MFA delete needs x-amz-mfa with a real device's code (over HTTPS): without one, or
    with a made-up device, the request fails and the bucket keeps its state. The pages name no code:
    400 InvalidRequest, 403 AccessDenied, and 501 NotImplemented (an endpoint that has no MFA
    devices) are each a refusal; a 200 that leaves MFA delete off, or turns it on for good with no
    device to turn it off, is not."""
    headers = {} if mfa is None else {"x-amz-mfa": mfa}
    answer = _put_versioning(raw, bucket, "<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>", headers)
    allowed = {(400, "InvalidRequest"), (403, "AccessDenied"), (501, "NotImplemented")}
    assert (answer.status, answer.code) in allowed, f"MfaDelete Enabled without a real MFA device: {answer}"
    assert _versioning_document(raw, bucket) == {}, "a refused PutBucketVersioning changed the bucket"


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_VersioningConfiguration.html")
@pytest.mark.parametrize("value", ["Maybe", "enabled", ""], ids=["maybe", "lower-case", "empty"])
def test_put_bucket_versioning_unknown_mfa_delete_is_400(raw: RawS3, bucket: str, value: str) -> None:
    """MfaDelete "Valid Values: Enabled | Disabled": another value does not validate (400
    MalformedXML, or IllegalVersioningConfigurationException as for an unknown Status), and the
    versioning state stays as it was."""
    answer = _put_versioning(raw, bucket, f"<Status>Enabled</Status><MfaDelete>{value}</MfaDelete>")
    allowed = {(400, "MalformedXML"), (400, "IllegalVersioningConfigurationException")}
    assert (answer.status, answer.code) in allowed, f"MfaDelete {value!r}: {answer}"
    assert _versioning_document(raw, bucket) == {}


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_PutBucketVersioning.html")
def test_put_bucket_versioning_with_mfa_delete_disabled_is_accepted(raw: RawS3, bucket: str) -> None:
    """MfaDelete Disabled asks for what a bucket that never had MFA delete already is (Terraform's
    aws_s3_bucket_versioning sends it with ``mfa_delete = "Disabled"``): the Status is set, and MFA
    delete is not reported Enabled."""
    answer = _put_versioning(raw, bucket, "<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>")
    assert answer.status == 200, answer
    document = _versioning_document(raw, bucket)
    assert document.get("Status") == "Enabled"
    assert document.get("MfaDelete", "Disabled") == "Disabled", document


# -- PutBucketRequestPayment ---------------------------------------------------------------------------
# API_PutBucketRequestPayment.html / API_RequestPaymentConfiguration.html: Payer "Specifies who pays for
# the download and request fees. Valid Values: Requester | BucketOwner".


def _put_payment(raw: RawS3, bucket: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [("requestPayment", "")], headers={"content-md5": md5_b64(body)}, body=body)


def _payer(s3: Any, bucket: str) -> str:
    return str(s3.get_bucket_request_payment(Bucket=bucket)["Payer"])


@pytest.mark.aws_doc(_API + "API_PutBucketRequestPayment.html")
def test_put_bucket_request_payment_bucket_owner_is_accepted(raw: RawS3, s3: Any, bucket: str) -> None:
    """Payer BucketOwner is every bucket's default (API_GetBucketRequestPayment.html); setting it
    is 200 (Terraform's aws_s3_bucket_request_payment_configuration sends it), and it is reported."""
    body = f"<RequestPaymentConfiguration {_NS}><Payer>BucketOwner</Payer></RequestPaymentConfiguration>".encode()
    answer = _put_payment(raw, bucket, body)
    assert answer.status == 200, answer
    assert _payer(s3, bucket) == "BucketOwner"


@pytest.mark.aws_doc(_API + "API_RequestPaymentConfiguration.html")
@pytest.mark.parametrize(
    "body",
    [
        b"<RequestPaymentConfiguration><Payer>Nobody</Payer></RequestPaymentConfiguration>",
        b"<RequestPaymentConfiguration></RequestPaymentConfiguration>",
        b"<RequestPaymentConfiguration><Payer>",
        b"<VersioningConfiguration><Payer>BucketOwner</Payer></VersioningConfiguration>",
    ],
    ids=["unknown-payer", "no-payer", "truncated", "wrong-root"],
)
def test_put_bucket_request_payment_malformed_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, body: bytes
) -> None:
    """A body that is not a RequestPaymentConfiguration with a Payer of the valid values is 400
    MalformedXML ("did not validate against our published schema", ErrorResponses.html), whatever
    the endpoint would do with a valid one; the payer stays BucketOwner."""
    answer = _put_payment(raw, bucket, body)
    refused(answer, 400, "MalformedXML", accepted="a malformed RequestPaymentConfiguration accepted")
    assert _payer(s3, bucket) == "BucketOwner"


@pytest.mark.aws_doc(_API + "API_PutBucketRequestPayment.html")
def test_put_bucket_request_payment_requester_is_kept_or_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    """Payer Requester makes requesters pay (RequesterPaysBuckets.html); an endpoint that bills no
    one may refuse it, but one that answers 200 must then report Requester: the payer reported is
    the one in force."""
    body = f"<RequestPaymentConfiguration {_NS}><Payer>Requester</Payer></RequestPaymentConfiguration>".encode()
    answer = _put_payment(raw, bucket, body)
    expected = "Requester" if answer.status == 200 else "BucketOwner"
    assert answer.status == 200 or (answer.status, answer.code) == (501, "NotImplemented"), answer
    assert _payer(s3, bucket) == expected


# -- PutBucketAccelerateConfiguration ------------------------------------------------------------------
# API_AccelerateConfiguration.html, Status: "Specifies the transfer acceleration status of the bucket.
# Valid Values: Enabled | Suspended".


@pytest.mark.aws_doc(_API + "API_AccelerateConfiguration.html")
@pytest.mark.parametrize(
    "body",
    [
        b"<AccelerateConfiguration><Status>On</Status></AccelerateConfiguration>",
        b"<AccelerateConfiguration><Status>",
        b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
    ],
    ids=["unknown-status", "truncated", "wrong-root"],
)
def test_put_bucket_accelerate_malformed_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str, body: bytes) -> None:
    """A body that is no AccelerateConfiguration with a Status of the valid values is 400
    MalformedXML, whatever the endpoint would do with a valid one; the bucket still has no
    acceleration state (API_GetBucketAccelerateConfiguration.html: none is returned then)."""
    answer = raw.request("PUT", "/" + bucket, [("accelerate", "")], headers={"content-md5": md5_b64(body)}, body=body)
    refused(answer, 400, "MalformedXML", accepted="a malformed AccelerateConfiguration accepted")
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)


# -- DeleteBucket takes the bucket's configurations with it ----------------------------------------------


@pytest.mark.s3_requires("cors", "versioning", "acl")
@pytest.mark.aws_doc(_API + "API_DeleteBucket.html")
def test_recreated_bucket_has_no_cors_versioning_or_policy_of_the_old_one(
    raw: RawS3, s3: Any, new_bucket_name: Any
) -> None:
    """DeleteBucket deletes the bucket with its subresources: a bucket created again under the name
    answers a preflight as one without CORS (403 AccessForbidden, cors-troubleshooting.html), has
    no versioning state and no policy (404 NoSuchBucketPolicy). (test_ownership.py covers the ACL,
    ownership, public access block, tags and lifecycle.)"""
    name = new_bucket_name("again")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration=_CORS)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
        f'"Resource":"arn:aws:s3:::{name}/*"}}]}}'
    )
    s3.put_bucket_policy(Bucket=name, Policy=policy)
    preflight = {"origin": "https://app.example", "access-control-request-method": "GET"}
    assert raw.send(f"/{name}/k", method="OPTIONS", headers=preflight).status == 200
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    answer = raw.send(f"/{name}/k", method="OPTIONS", headers=preflight)
    assert (answer.status, answer.code) == (403, "AccessForbidden"), answer
    assert error_of(lambda: s3.get_bucket_cors(Bucket=name)) == (404, "NoSuchCORSConfiguration")
    assert "Status" not in s3.get_bucket_versioning(Bucket=name)
    assert error_of(lambda: s3.get_bucket_policy(Bucket=name)) == (404, "NoSuchBucketPolicy")


# -- PutBucketLogging and PutBucketNotificationConfiguration: turning them off -------------------------
# API_PutBucketLogging.html: "To disable logging, you use an empty BucketLoggingStatus request element:
# <BucketLoggingStatus xmlns="http://doc.s3.amazonaws.com/2006-03-01" />".
# API_PutBucketNotificationConfiguration.html: "you can disable notifications by adding the empty
# NotificationConfiguration element". Either is what a bucket without them already is; the request is
# answered 200 and the configuration reads back empty. A body of another document is MalformedXML.


def _put_sub(raw: RawS3, bucket: str, sub: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [(sub, "")], headers={"content-md5": md5_b64(body)}, body=body)


@pytest.mark.aws_doc(_API + "API_PutBucketLogging.html")
def test_put_bucket_logging_empty_status_turns_logging_off(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = _put_sub(raw, bucket, "logging", f"<BucketLoggingStatus {_NS}/>".encode())
    assert answer.status == 200, answer
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})  # as boto3 sends it
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.mark.aws_doc(_API + "API_PutBucketNotificationConfiguration.html")
def test_put_bucket_notification_empty_configuration_turns_notifications_off(raw: RawS3, s3: Any, bucket: str) -> None:
    answer = _put_sub(raw, bucket, "notification", f"<NotificationConfiguration {_NS}/>".encode())
    assert answer.status == 200, answer
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})  # as boto3 sends it
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not any(name.endswith("Configurations") for name in got), got


@pytest.mark.aws_doc(_API + "API_PutBucketLogging.html")
@pytest.mark.parametrize(
    ("sub", "body"),
    [
        ("logging", b"<BucketLoggingStatus><LoggingEnabled>"),
        ("logging", b"<NotificationConfiguration/>"),
        ("notification", b"<NotificationConfiguration><TopicConfiguration>"),
        ("notification", b"<BucketLoggingStatus/>"),
    ],
    ids=["logging-truncated", "logging-wrong-root", "notification-truncated", "notification-wrong-root"],
)
def test_put_bucket_logging_or_notification_malformed_is_400_malformed_xml(
    raw: RawS3, bucket: str, sub: str, body: bytes
) -> None:
    refused(_put_sub(raw, bucket, sub, body), 400, "MalformedXML", accepted=f"a malformed {sub} body accepted")
