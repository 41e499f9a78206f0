"""POST Object: the policy document and the form's signature (sigv4-HTTPPOSTConstructPolicy.html,
sigv4-authentication-HTTPPOST.html, HTTPPOSTForms.html for SigV2).

What a refused form must leave behind is checked too: nothing stored under its key.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from cargobay.testing.conformance_suite._forms import (
    credential_fields,
    encode_policy,
    form_request,
    form_url,
    nothing_at,
    own_policy_fields,
    signed_fields,
    signed_policy,
    sigv2_fields,
)

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_POLICY = f"{_API}sigv4-HTTPPOSTConstructPolicy.html"
_AUTH = f"{_API}sigv4-authentication-HTTPPOST.html"
_SIGV2 = "https://docs.aws.amazon.com/AmazonS3/latest/dev/HTTPPOSTForms.html"


def _in_an_hour() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _post_document(s3_endpoint: Any, bucket: str, document: Any, key: str = "k") -> Any:
    """A form signed over ``document`` (base64 JSON) with a key field only."""
    fields = {"key": key, **signed_policy(s3_endpoint.endpoint, encode_policy(document))}
    return form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")


# -- the document itself -----------------------------------------------------------------------


@pytest.mark.aws_doc(_POLICY)
def test_post_object_expired_policy_is_403_access_denied(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ "The expiration element specifies the expiration date and time of the POST policy": a form
    sent after it is refused, 403 AccessDenied "Invalid according to Policy: Policy expired."."""
    fields = own_policy_fields(
        s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"}, expires=dt.timedelta(seconds=-5)
    )
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    assert b"Policy expired" in answer.body, answer.body[:300]
    nothing_at(s3, bucket, "k")


def _credential_conditions(s3_endpoint: Any) -> list[dict[str, str]]:
    now = dt.datetime.now(dt.UTC)
    return [{k: v} for k, v in credential_fields(s3_endpoint.endpoint, now).items()]


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize("missing", ["expiration", "conditions"])
def test_post_object_policy_missing_an_element_is_400_invalid_policy_document(
    s3_endpoint: Any, s3: Any, bucket: str, missing: str
) -> None:
    """ "The POST policy always contains the expiration and conditions elements": a document
    without one is not a policy, 400 InvalidPolicyDocument, nothing stored."""
    document: dict[str, Any] = {
        "expiration": _in_an_hour(),
        "conditions": [{"bucket": bucket}, {"key": "k"}, *_credential_conditions(s3_endpoint)],
    }
    del document[missing]
    answer = _post_document(s3_endpoint, bucket, document)
    assert (answer.status, answer.code) == (400, "InvalidPolicyDocument"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize(
    "policy",
    [
        "not base64 at all!",
        "bm90IGpzb24=",
        "WzEsIDJd",
        "eyJleHBpcmF0aW9uIjo=",
        base64.b64encode(b'{"conditions":' + b"[" * 4000 + b"]" * 4000 + b"}").decode(),
    ],
    ids=["not-base64", "not-json", "json-array", "truncated-json", "nested-too-deep"],
)
def test_post_object_policy_that_is_not_a_json_document_is_400_invalid_policy_document(
    s3_endpoint: Any, s3: Any, bucket: str, policy: str
) -> None:
    """The policy is "a UTF-8 and base64-encoded document written in JSON": one that does not
    decode to a JSON object is 400 InvalidPolicyDocument ("Invalid Policy: Invalid JSON." on AWS),
    never a 500, nothing stored. The signature is over the base64 text, so it is valid here."""
    fields = {"key": "k", **signed_policy(s3_endpoint.endpoint, policy)}
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "InvalidPolicyDocument"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize(
    "condition",
    [
        {"success_action_status": 201},
        ["eq", "$key", 5],
        ["starts-with", "$key"],
        ["in", "$key", ["k"]],
        ["content-length-range", 1.5, 10],
        ["content-length-range", "one", 10],
        ["content-length-range", 1],
        "key",
    ],
    ids=[
        "simple-not-string",
        "eq-not-string",
        "short",
        "unknown-op",
        "range-float",
        "range-word",
        "range-short",
        "bare",
    ],
)
def test_post_object_malformed_condition_is_400_invalid_policy_document(
    s3_endpoint: Any, s3: Any, bucket: str, condition: Any
) -> None:
    """Each condition is an object of one string, or ["eq"|"starts-with", "$field", string], or
    ["content-length-range", integer, integer] (sigv4-HTTPPOSTConstructPolicy.html, "Condition
    Matching"). Anything else makes the document invalid: 400 InvalidPolicyDocument (AWS: "Invalid
    Policy: Invalid Simple-Condition: value must be a string."), not a condition read loosely."""
    document = {
        "expiration": _in_an_hour(),
        "conditions": [
            {"bucket": bucket},
            ["starts-with", "$key", ""],
            ["starts-with", "$success_action_status", ""],
            condition,
            *_credential_conditions(s3_endpoint),
        ],
    }
    fields = {
        "key": "k",
        "success_action_status": "201",
        **signed_policy(s3_endpoint.endpoint, encode_policy(document)),
    }
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "InvalidPolicyDocument"), answer
    nothing_at(s3, bucket, "k")


# -- conditions --------------------------------------------------------------------------------


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (4, (400, "EntityTooSmall")),
        (5, (204, None)),
        (10, (204, None)),
        (11, (400, "EntityTooLarge")),
        (0, (400, "EntityTooSmall")),
    ],
    ids=["below", "at-min", "at-max", "above", "empty"],
)
def test_post_object_content_length_range_bounds_are_inclusive(
    s3_endpoint: Any, s3: Any, bucket: str, size: int, expected: tuple[int, str | None]
) -> None:
    """["content-length-range", 5, 10] allows a file of 5 to 10 bytes ("the minimum and maximum
    allowable size"); one outside is 400 EntityTooSmall / EntityTooLarge and nothing is stored."""
    fields = signed_fields(s3, bucket, "sized", {}, [["content-length-range", 5, 10]])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"x" * size)
    assert (answer.status, answer.code) == expected, answer
    if expected[0] == 204:
        assert s3.head_object(Bucket=bucket, Key="sized")["ContentLength"] == size
    else:
        # The error names the size sent and the bound it broke (ErrorResponses.html: the extra elements).
        bound = b"<MinSizeAllowed>5</MinSizeAllowed>" if size < 5 else b"<MaxSizeAllowed>10</MaxSizeAllowed>"
        assert f"<ProposedSize>{size}</ProposedSize>".encode() in answer.body and bound in answer.body, answer.body
        nothing_at(s3, bucket, "sized")


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize(("size", "status"), [(3, 400), (6, 204), (9, 400)])
def test_post_object_two_content_length_ranges_must_both_hold(
    s3_endpoint: Any, s3: Any, bucket: str, size: int, status: int
) -> None:
    """ "You can create more complex matching criteria by specifying multiple conditions for a form
    field": [4, 10] and [1, 7] together allow 4 to 7 bytes, not just the last range read."""
    conditions = [["content-length-range", 4, 10], ["content-length-range", 1, 7]]
    fields = signed_fields(s3, bucket, "sized", {}, conditions)
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"x" * size)
    assert answer.status == status, answer


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize("extra", ["x-amz-meta-extra", "x-amz-security-token", "success_action_status", "acl"])
def test_post_object_field_without_a_condition_is_403_extra_input_fields(
    s3_endpoint: Any, s3: Any, bucket: str, extra: str
) -> None:
    """ "Each form field that you specify in a form (except x-amz-signature, file, policy, and field
    names that have an x-ignore- prefix) must appear in the list of conditions": a field the policy
    does not name (x-amz-security-token and success_action_status included: the conditions table
    lists them) is 403 AccessDenied ("Invalid according to Policy: Extra input fields: ..."); an
    x-ignore- field needs no condition."""
    url = form_url(s3_endpoint)
    fields = signed_fields(s3, bucket, "k", {}, [])
    value = {"success_action_status": "201", "acl": "private"}.get(extra, "v")
    answer = form_request(url, bucket, [*fields.items(), (extra, value)], b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    assert extra.encode() in answer.body, answer.body[:300]
    nothing_at(s3, bucket, "k")
    answer = form_request(url, bucket, [*fields.items(), ("x-ignore-filename", "a.txt")], b"posted")
    assert answer.status == 204, answer
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {}


@pytest.mark.aws_doc(_AUTH)
@pytest.mark.parametrize("left_out", ["x-amz-algorithm", "x-amz-credential", "x-amz-date"])
def test_post_object_sigv4_policy_must_name_the_credential_fields(
    s3_endpoint: Any, s3: Any, bucket: str, left_out: str
) -> None:
    """sigv4-authentication-HTTPPOST.html: "The POST policy must include the following elements:
    x-amz-algorithm, x-amz-credential, x-amz-date". They are form fields like any other, not among
    the exceptions: a policy without a condition on one is 403 AccessDenied, nothing stored."""
    now = dt.datetime.now(dt.UTC)
    credentials = credential_fields(s3_endpoint.endpoint, now)
    conditions = [{"bucket": bucket}, {"key": "k"}, *({k: v} for k, v in credentials.items() if k != left_out)]
    document = {"expiration": _in_an_hour(), "conditions": conditions}
    fields = {"key": "k", **signed_policy(s3_endpoint.endpoint, encode_policy(document), now)}
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POLICY)
def test_post_object_conditions_name_fields_in_any_case(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """A condition on "$Content-Type" covers a field sent as "content-type" and the reverse
    (the documents' own examples write "$Content-Type" while browsers send what the page says);
    an empty starts-with prefix matches any value ("Matching Any Content")."""
    url = form_url(s3_endpoint)
    fields = signed_fields(s3, bucket, "a", {}, [["starts-with", "$Content-Type", ""]])
    answer = form_request(url, bucket, [*fields.items(), ("content-type", "image/png")], b"posted")
    assert answer.status == 204, answer
    assert s3.head_object(Bucket=bucket, Key="a")["ContentType"] == "image/png"
    fields = signed_fields(s3, bucket, "b", {}, [{"x-amz-meta-color": "blue"}])
    answer = form_request(url, bucket, [*fields.items(), ("X-Amz-Meta-Color", "blue")], b"posted")
    assert answer.status == 204, answer
    assert s3.head_object(Bucket=bucket, Key="b")["Metadata"] == {"color": "blue"}


@pytest.mark.aws_doc(_SIGV2)
def test_post_object_repeated_field_is_matched_as_its_values_joined_by_commas(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """HTTPPOSTForms.html, Conditions: "If you have multiple fields with the same name, the values
    must be separated by commas": two x-amz-meta-tag fields "Ninja" and "Stallman" match the
    condition "Ninja,Stallman" (and not a condition on either value alone)."""
    url = form_url(s3_endpoint)
    fields = signed_fields(s3, bucket, "k", {}, [{"x-amz-meta-tag": "Ninja,Stallman"}])
    tags = [("x-amz-meta-tag", "Ninja"), ("x-amz-meta-tag", "Stallman")]
    answer = form_request(url, bucket, [*fields.items(), *tags], b"posted")
    assert answer.status == 204, answer
    fields = signed_fields(s3, bucket, "k2", {}, [{"x-amz-meta-tag": "Stallman"}])
    answer = form_request(url, bucket, [*fields.items(), *tags], b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    nothing_at(s3, bucket, "k2")


# -- the signature -----------------------------------------------------------------------------


@pytest.mark.aws_doc(_AUTH)
def test_post_object_wrong_sigv4_signature_is_403_signature_does_not_match(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    fields["x-amz-signature"] = "0" * 64
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "SignatureDoesNotMatch"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_AUTH)
def test_post_object_unknown_access_key_is_403_invalid_access_key_id(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    scope = fields["x-amz-credential"].split("/", 1)[1]
    fields["x-amz-credential"] = f"AKIANOSUCHKEY0000000/{scope}"
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "InvalidAccessKeyId"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_AUTH)
def test_post_object_signature_of_another_day_is_403_signature_does_not_match(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """The signing key is derived from the credential's date: a policy signed with yesterday's key
    but a credential naming today does not verify."""
    now = dt.datetime.now(dt.UTC)
    document = {"expiration": _in_an_hour(), "conditions": [{"bucket": bucket}, {"key": "k"}]}
    policy = encode_policy({**document, "conditions": [*document["conditions"], *_credential_conditions(s3_endpoint)]})
    yesterday = signed_policy(s3_endpoint.endpoint, policy, now - dt.timedelta(days=1))
    fields = {"key": "k", **signed_policy(s3_endpoint.endpoint, policy, now)}
    fields["x-amz-signature"] = yesterday["x-amz-signature"]
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "SignatureDoesNotMatch"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.s3_requires("sigv2")
@pytest.mark.aws_doc(_SIGV2)
def test_post_object_sigv2_form_is_taken_and_checked(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """HTTPPOSTForms.html: AWSAccessKeyId, policy and signature (base64 HMAC-SHA1 of the policy);
    AWSAccessKeyId and signature need no condition. A wrong signature is 403 SignatureDoesNotMatch."""
    url = form_url(s3_endpoint)
    policy = encode_policy({"expiration": _in_an_hour(), "conditions": [{"bucket": bucket}, {"key": "v2"}]})
    fields = {"key": "v2", **sigv2_fields(s3_endpoint.endpoint, policy)}
    bad = {**fields, "signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}
    answer = form_request(url, bucket, list(bad.items()), b"posted")
    assert (answer.status, answer.code) == (403, "SignatureDoesNotMatch"), answer
    nothing_at(s3, bucket, "v2")
    stranger = {**fields, "AWSAccessKeyId": "AKIANOSUCHKEY0000000"}
    answer = form_request(url, bucket, list(stranger.items()), b"posted")
    assert (answer.status, answer.code) == (403, "InvalidAccessKeyId"), answer
    answer = form_request(url, bucket, list(fields.items()), b"posted")
    assert answer.status == 204, answer
    assert s3.get_object(Bucket=bucket, Key="v2")["Body"].read() == b"posted"


# -- more of the document and the form ---------------------------------------------------------


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize("expiration", ["tomorrow", 1893456000, "", None], ids=["word", "number", "empty", "null"])
def test_post_object_unreadable_expiration_is_400_invalid_policy_document(
    s3_endpoint: Any, s3: Any, bucket: str, expiration: Any
) -> None:
    """ "The expiration element specifies the expiration date and time of the POST policy in ISO8601
    GMT date format": anything else makes the document invalid (400 InvalidPolicyDocument)."""
    document = {
        "expiration": expiration,
        "conditions": [{"bucket": bucket}, {"key": "k"}, *_credential_conditions(s3_endpoint)],
    }
    answer = _post_document(s3_endpoint, bucket, document)
    assert (answer.status, answer.code) == (400, "InvalidPolicyDocument"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POLICY)
def test_post_object_exact_condition_on_a_field_the_form_lacks_is_403(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """An exact-match condition says what the field must be; a form without the field does not
    meet it (403 AccessDenied, "Invalid according to Policy: Policy Condition failed")."""
    fields = signed_fields(s3, bucket, "k", {}, [{"x-amz-meta-owner": "me"}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_AUTH)
def test_post_object_field_names_are_read_in_any_case(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """Form field names are not case-sensitive: "Key", "Policy", "X-Amz-Signature" (as HTML pages
    often write them) are the fields key, policy and x-amz-signature."""
    fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    renamed = [("-".join(part.capitalize() for part in name.split("-")), value) for name, value in fields.items()]
    assert ("Key", "k") in renamed and any(name == "X-Amz-Signature" for name, _ in renamed), renamed
    answer = form_request(form_url(s3_endpoint), bucket, renamed, b"posted")
    assert answer.status == 204, answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"posted"


@pytest.mark.aws_doc(_SIGV2)
@pytest.mark.parametrize("left_out", ["x-amz-signature", "x-amz-credential"])
def test_post_object_policy_without_its_signature_is_refused(
    s3_endpoint: Any, s3: Any, bucket: str, left_out: str
) -> None:
    """A form with a policy must carry the signature and the key that signed it ("This field is
    required if the request includes a policy document", HTTPPOSTForms.html): without one the form
    is refused (AWS's exact code for it is not documented: 400 or 403) and nothing is stored."""
    fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    del fields[left_out]
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status in (400, 403) and answer.code is not None, answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_AUTH)
@pytest.mark.parametrize("part", [2, 3, 4], ids=["region", "service", "terminator"])
def test_post_object_credential_of_another_scope_is_refused(s3_endpoint: Any, s3: Any, bucket: str, part: int) -> None:
    """x-amz-credential is "<your-access-key-id>/<date>/<aws-region>/<aws-service>/aws4_request",
    the service s3: a credential naming another region, service or terminator does not sign for
    this endpoint (AWS's code for each is not documented: 400 or 403) and nothing is stored."""
    now = dt.datetime.now(dt.UTC)
    credentials = credential_fields(s3_endpoint.endpoint, now)
    scope = credentials["x-amz-credential"].split("/")
    scope[part] = {2: "ap-south-2" if scope[2] != "ap-south-2" else "eu-west-3", 3: "ec2", 4: "aws4_other"}[part]
    credentials["x-amz-credential"] = "/".join(scope)
    conditions = [{"bucket": bucket}, {"key": "k"}, *({k: v} for k, v in credentials.items())]
    policy = encode_policy({"expiration": _in_an_hour(), "conditions": conditions})
    fields = {"key": "k", **signed_policy(s3_endpoint.endpoint, policy, now), **credentials}
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status in (400, 403) and answer.code is not None, answer
    nothing_at(s3, bucket, "k")
