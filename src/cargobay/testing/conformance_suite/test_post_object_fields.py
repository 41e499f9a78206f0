"""POST Object, fourth pass: the condition forms' finer points (a comma list of Content-Types
under starts-with), the SigV4 form's required x-amz-date field, and what a refused signature says.

``test_post_object`` holds the form and its answers, ``test_post_object_policy`` the policy
document and the signature's first pass.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTForms.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree

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
_FORMS = f"{_API}sigv4-HTTPPOSTForms.html"
_AUTH = f"{_API}sigv4-authentication-HTTPPOST.html"
_POST = f"{_API}RESTObjectPOST.html"


def _in_an_hour() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- Matching Content-Types in a comma-separated list ------------------------------------------


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize(
    ("content_type", "status"),
    [("image/jpg,image/png,image/gif", 204), ("image/jpg,text/plain", 403), ("text/plain,image/jpg", 403)],
    ids=["all-listed-match", "second-does-not", "first-does-not"],
)
def test_post_object_starts_with_on_content_type_must_hold_for_each_listed_type(
    s3_endpoint: Any, s3: Any, bucket: str, content_type: str, status: int
) -> None:
    """POST Policy, "Matching Content-Types in a Comma-Separated List": "Content-Types values for a
    starts-with condition that include commas are interpreted as lists. Each value in the list must
    meet the condition for the whole condition to pass": under ["starts-with", "$Content-Type",
    "image/"], "image/jpg,image/png,image/gif" passes and "image/jpg,text/plain" does not (403
    AccessDenied, "Invalid according to Policy", and nothing stored)."""
    fields = signed_fields(
        s3, bucket, "k", {"Content-Type": content_type}, [["starts-with", "$Content-Type", "image/"]]
    )
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    if status == 204:
        assert answer.status == 204, answer
        assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == content_type
    else:
        assert (answer.status, answer.code) == (403, "AccessDenied"), answer
        nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POLICY)
def test_post_object_starts_with_on_other_fields_reads_commas_as_text(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """POST Policy: "Data elements other than Content-Type are treated as strings, regardless of the
    presence of commas": "ab,zz" starts with "ab" as one string, so it passes a starts-with "ab"
    on x-amz-meta-tag that the list reading ("zz" does not start with "ab") would fail."""
    fields = signed_fields(s3, bucket, "k", {"x-amz-meta-tag": "ab,zz"}, [["starts-with", "$x-amz-meta-tag", "ab"]])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 204, answer
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"tag": "ab,zz"}


# -- the SigV4 form's x-amz-date ---------------------------------------------------------------


@pytest.mark.aws_doc(_AUTH)
def test_post_object_sigv4_form_without_x_amz_date_is_refused(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """sigv4-HTTPPOSTForms.html lists x-amz-date as required in a SigV4 form ("the date value in
    ISO8601 format ... the same date you used in creating the signing key"), and
    sigv4-authentication-HTTPPOST.html: "The POST policy must include ... x-amz-date". A form
    signed and covered in every other respect but without the field is refused (AWS's code for it
    is not documented: 400 or 403) and nothing is stored."""
    now = dt.datetime.now(dt.UTC)
    credentials = credential_fields(s3_endpoint.endpoint, now)
    del credentials["x-amz-date"]
    conditions = [{"bucket": bucket}, {"key": "k"}, *({name: value} for name, value in credentials.items())]
    signed = signed_policy(s3_endpoint.endpoint, encode_policy({"expiration": _in_an_hour(), "conditions": conditions}))
    del signed["x-amz-date"]
    answer = form_request(form_url(s3_endpoint), bucket, [("key", "k"), *signed.items()], b"posted")
    assert answer.status in (400, 403) and answer.code is not None, answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_FORMS)
@pytest.mark.parametrize(
    "value", ["yesterday", "20240101", "2024-01-01T00:00:00Z"], ids=["word", "date-only", "extended"]
)
def test_post_object_sigv4_form_with_x_amz_date_not_iso8601_basic_is_400(
    s3_endpoint: Any, s3: Any, bucket: str, value: str
) -> None:
    """x-amz-date is "The date value specified in the ISO8601 formatted string. For example,
    20130728T000000Z" (sigv4-HTTPPOSTForms.html); one in any other form, even one the policy names
    exactly, is 400 InvalidArgument (S3's answer names X-Amz-Date: "X-Amz-Date must be formated via
    ISO8601 Long format", michaeldyrynda/s3upload#1) and nothing is stored."""
    now = dt.datetime.now(dt.UTC)
    credentials = {**credential_fields(s3_endpoint.endpoint, now), "x-amz-date": value}
    conditions = [{"bucket": bucket}, {"key": "k"}, *({name: v} for name, v in credentials.items())]
    signed = signed_policy(s3_endpoint.endpoint, encode_policy({"expiration": _in_an_hour(), "conditions": conditions}))
    answer = form_request(form_url(s3_endpoint), bucket, [("key", "k"), *{**signed, **credentials}.items()], b"posted")
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    nothing_at(s3, bucket, "k")


# -- what a refused signature says -------------------------------------------------------------


def _element(body: bytes, name: str) -> str | None:
    return ElementTree.fromstring(body).findtext(name)


@pytest.mark.aws_doc(_AUTH)
def test_post_object_wrong_signature_names_the_policy_as_the_string_to_sign(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """A form's string to sign is its base64 policy ("For signature calculation this policy is the
    string you sign", sigv4-authentication-HTTPPOST.html): a wrong signature is 403
    SignatureDoesNotMatch whose StringToSign is the policy as sent, SignatureProvided the signature
    sent, and StringToSignBytes the policy's bytes in hex, as S3 answers (LocalStack's recordings
    against S3, test_s3.py TestS3PresignedPost, validated 2026-02-21)."""
    fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    fields["x-amz-signature"] = "0" * 64
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "SignatureDoesNotMatch"), answer
    assert _element(answer.body, "StringToSign") == fields["policy"], answer
    assert _element(answer.body, "SignatureProvided") == "0" * 64, answer
    assert _element(answer.body, "StringToSignBytes") == " ".join(f"{b:02x}" for b in fields["policy"].encode()), answer
    assert _element(answer.body, "AWSAccessKeyId") == s3_endpoint.endpoint.access_key, answer
    nothing_at(s3, bucket, "k")


# -- success_action_redirect that cannot be interpreted ----------------------------------------


@pytest.mark.aws_doc(_POST)
@pytest.mark.parametrize(
    "target", ["/relative/done", "done.html", "example.com/done"], ids=["path", "word", "no-scheme"]
)
def test_post_object_redirect_that_is_no_url_is_as_if_absent(
    s3_endpoint: Any, s3: Any, bucket: str, target: str
) -> None:
    """success_action_redirect: "If Amazon S3 cannot interpret the URL, it acts as if the field is not
    present" (RESTObjectPOST.html): a value that is no absolute URL gets the success_action_status
    answer (the default 204, empty), not a 303 to it, as S3 answered "/wrong/redirect/relative"
    (LocalStack's recordings against S3, validated 2026-02-21); the object is stored."""
    fields = signed_fields(s3, bucket, "k", {"success_action_redirect": target}, [{"success_action_redirect": target}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.body) == (204, b""), answer
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"posted"


# -- a condition operand without its $ ---------------------------------------------------------


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize("op", ["eq", "starts-with"])
def test_post_object_condition_naming_a_field_without_its_dollar_is_403_not_met(
    s3_endpoint: Any, s3: Any, bucket: str, op: str
) -> None:
    """A condition names its form field as a variable, "$key" (sigv4-HTTPPOSTConstructPolicy.html,
    "Condition Matching"); S3 reads ["eq", "success_action_redirect", "http://localhost.test/random"]
    as a condition that does not hold (403 AccessDenied, "Invalid according to Policy: Policy
    Condition failed: ..."), not as a malformed document (LocalStack's recordings against S3,
    test_s3.py TestS3PresignedPost "eq", validated 2026-02-21); nothing is stored."""
    target = "http://localhost.test/random"
    fields = own_policy_fields(
        s3_endpoint.endpoint,
        [{"bucket": bucket}, {"key": "k"}, [op, "success_action_redirect", target]],
        {"key": "k", "success_action_redirect": target},
    )
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    assert "Policy Condition failed" in (_element(answer.body, "Message") or ""), answer
    nothing_at(s3, bucket, "k")


# -- a signed form without one of its signature fields -----------------------------------------


@pytest.mark.aws_doc(_FORMS)
@pytest.mark.parametrize(
    ("version", "left_out", "named"),
    [
        ("v4", "x-amz-signature", "X-Amz-Signature"),
        ("v4", "x-amz-algorithm", "X-Amz-Algorithm"),
        ("v4", "x-amz-credential", "X-Amz-Credential"),
        ("v2", "signature", "Signature"),
        ("v2", "AWSAccessKeyId", "AWSAccessKeyId"),
    ],
    ids=["v4-signature", "v4-algorithm", "v4-credential", "v2-signature", "v2-access-key"],
)
def test_post_object_signed_form_without_a_signature_field_is_400_naming_it(
    s3_endpoint: Any, s3: Any, bucket: str, version: str, left_out: str, named: str
) -> None:
    """The signature fields of a form come together (sigv4-HTTPPOSTForms.html: x-amz-algorithm,
    x-amz-credential, x-amz-date and x-amz-signature; HTTPPOSTForms.html: AWSAccessKeyId and
    signature, "required if a policy document is included"): a form that carries some of them but
    not another is 400 InvalidArgument naming the missing one ("Bucket POST must contain a field
    named 'X-Amz-Signature'.  If it is specified, please check the order of the fields.", with
    <ArgumentName>X-Amz-Signature</ArgumentName>, as LocalStack's recordings of S3 show), and
    nothing is stored."""
    if version == "v4":
        fields = own_policy_fields(s3_endpoint.endpoint, [{"bucket": bucket}, {"key": "k"}], {"key": "k"})
    else:
        policy = encode_policy({"expiration": _in_an_hour(), "conditions": [{"bucket": bucket}, {"key": "k"}]})
        fields = {"key": "k", **sigv2_fields(s3_endpoint.endpoint, policy)}
    del fields[left_out]
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    assert _element(answer.body, "ArgumentName") == named, answer
    nothing_at(s3, bucket, "k")


# -- the expiration's form ---------------------------------------------------------------------


@pytest.mark.aws_doc(_POLICY)
@pytest.mark.parametrize(
    "form",
    ["%Y-%m-%dT%H:%M:%S.000+02:00", "%Y-%m-%dT%H:%M:%S-05:00", "%Y-%m-%d %H:%M:%SZ", "%Y-%m-%d %H:%M:%S UTC"],
    ids=["offset-east", "offset-west", "space", "space-utc"],
)
def test_post_object_expiration_not_in_iso8601_gmt_form_is_400_invalid_policy_document(
    s3_endpoint: Any, s3: Any, bucket: str, form: str
) -> None:
    """ "The expiration element specifies the expiration date and time of the POST policy in ISO8601
    GMT date format. For example, 2013-08-01T12:00:00.000Z": a time with a zone offset, or a space
    for the T, is no such date, however far ahead it lies: 400 InvalidPolicyDocument ("Invalid
    Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'" and "... '2015-10-17 03:15:59
    UTC'" are S3's answers quoted in dwilkie/carrierwave_direct#2 and #189), and nothing is stored."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    document = {
        "expiration": later.strftime(form),
        "conditions": [{"bucket": bucket}, {"key": "k"}, *({k: v} for k, v in _credentials(s3_endpoint).items())],
    }
    fields = {"key": "k", **signed_policy(s3_endpoint.endpoint, encode_policy(document))}
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "InvalidPolicyDocument"), answer
    nothing_at(s3, bucket, "k")


def _credentials(s3_endpoint: Any) -> dict[str, str]:
    return credential_fields(s3_endpoint.endpoint, dt.datetime.now(dt.UTC))


# -- the object's URL in the answer ------------------------------------------------------------


@pytest.mark.aws_doc(_POST)
@pytest.mark.parametrize("status", ["201", "204"])
def test_post_object_location_encodes_the_key_slashes_included(
    s3_endpoint: Any, s3: Any, bucket: str, status: str
) -> None:
    """Location is "The URI of the object" (RESTObjectPOST.html, in the 201 PostResponse document and
    as a header): S3 writes the key percent-encoded, its slashes as %2F, as every captured answer
    shows (path style "http://s3.amazonaws.com/happybucket2/prefix%2F111222", ceph/ceph#20330;
    "uploads%2F...%2Fch%C3%A9.jpg", blueimp/jQuery-File-Upload#1339; the 204 header in the SDK
    maintainers' wire trace of boto/boto3#2851). Decoded, it names the stored key."""
    key = "dir/sub/a b\u00e9.txt"
    fields = signed_fields(s3, bucket, key, {"success_action_status": status}, [{"success_action_status": status}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == int(status), answer
    locations = [answer.headers["location"]]
    if status == "201":
        locations.append(_element(answer.body, "Location") or "")
    for location in locations:
        assert location.endswith(f"/{bucket}/dir%2Fsub%2Fa%20b%C3%A9.txt"), location
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"posted"


# -- a form that is not multipart/form-data ----------------------------------------------------


@pytest.mark.aws_doc(f"{_API}ErrorResponses.html")
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_post_object_that_is_not_multipart_is_412(s3_endpoint: Any, s3: Any, bucket: str, content_type: str) -> None:
    """ErrorResponses.html: RequestIsNotMultiPartContent, "Bucket POST must be of the enclosure-type
    multipart/form-data", 412 Precondition Failed. S3 itself answers 412 with the code
    PreconditionFailed and <Condition>Bucket POST must be of the enclosure-type
    multipart/form-data</Condition> (LocalStack's recordings of S3, validated 2026-02-21): the
    status is 412 whichever of the two codes, and nothing is stored."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted", content_type=content_type)
    assert answer.status == 412 and answer.code in ("RequestIsNotMultiPartContent", "PreconditionFailed"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(f"{_API}ErrorResponses.html")
def test_post_object_fields_over_the_limit_name_the_limit_in_bytes(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """The fields before the file may take 20 KB ("cannot exceed 20 KB", HTTPPOSTForms.html); S3's
    MaxPostPreDataLengthExceeded answer names the limit, <MaxPostPreDataLengthBytes>20480
    </MaxPostPreDataLengthBytes>, in every captured answer (waynehoover/s3_direct_upload#45,
    benefitcloud/ember-uploader#45, Vydia/react-native-background-upload#55)."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    padding = [(f"x-ignore-pad{i}", "p" * 4000) for i in range(8)]
    answer = form_request(form_url(s3_endpoint), bucket, [*fields.items(), *padding], b"posted")
    assert (answer.status, answer.code) == (400, "MaxPostPreDataLengthExceeded"), answer
    assert _element(answer.body, "MaxPostPreDataLengthBytes") == "20480", answer
    nothing_at(s3, bucket, "k")


# -- the credential's parts --------------------------------------------------------------------


def _form_with_credential(s3_endpoint: Any, bucket: str, edit: Any) -> Any:
    """A form signed with the endpoint's secret whose x-amz-credential is ``edit(parts)`` joined."""
    now = dt.datetime.now(dt.UTC)
    credentials = credential_fields(s3_endpoint.endpoint, now)
    credentials["x-amz-credential"] = "/".join(edit(credentials["x-amz-credential"].split("/")))
    conditions = [{"bucket": bucket}, {"key": "k"}, *({k: v} for k, v in credentials.items())]
    policy = encode_policy({"expiration": _in_an_hour(), "conditions": conditions})
    fields = {"key": "k", **signed_policy(s3_endpoint.endpoint, policy, now), **credentials}
    return form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")


@pytest.mark.aws_doc(_AUTH)
def test_post_object_credential_of_another_region_is_400_naming_the_region(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """ "The bucket must be in the region that you specified in the credential scope ... because the
    signature you provided is valid only within this scope" (sigv4-post-example.html): S3 answers 400
    InvalidArgument, "the region 'us-east-1' is wrong; expecting 'us-west-1'", naming
    X-Amz-Credential and <Region> the region expected (CulturalMe/meteor-slingshot#150,
    aws/aws-sdk-js#2529); nothing is stored."""
    region = s3_endpoint.endpoint.region
    other = "ap-south-2" if region != "ap-south-2" else "eu-west-3"
    answer = _form_with_credential(s3_endpoint, bucket, lambda parts: [*parts[:2], other, *parts[3:]])
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    assert (_element(answer.body, "ArgumentName"), _element(answer.body, "Region")) == ("X-Amz-Credential", region)
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_AUTH)
def test_post_object_credential_without_an_access_key_is_400_invalid_argument(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """x-amz-credential is "<your-access-key-id>/<date>/<aws-region>/<aws-service>/aws4_request": one
    whose access key is empty is 400 InvalidArgument, "a non-empty Access Key (AKID) must be provided
    in the credential." (S3's answer quoted in outline/outline#7060), not an unknown key's 403."""
    answer = _form_with_credential(s3_endpoint, bucket, lambda parts: ["", *parts[1:]])
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    nothing_at(s3, bucket, "k")
