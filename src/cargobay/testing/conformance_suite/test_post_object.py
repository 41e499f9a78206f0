"""POST Object: the form and the answer (RESTObjectPOST.html, HTTPPOSTForms.html): which fields
are read and how, the success answers (200, 201 with its XML, 204, 303 redirect) and the refusals
of a form that is not one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

from cargobay.testing.conformance_suite._forms import form_request, form_url, nothing_at, signed_fields

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_POST = f"{_API}RESTObjectPOST.html"
_FORMS = "https://docs.aws.amazon.com/AmazonS3/latest/dev/HTTPPOSTForms.html"
_ERRORS = f"{_API}ErrorResponses.html"


def _md5(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


# -- success answers ---------------------------------------------------------------------------


@pytest.mark.aws_doc(_POST)
@pytest.mark.parametrize(
    ("sent", "status"), [("200", 200), ("204", 204), (None, 204), ("404", 204), ("2O1", 204)], ids=str
)
def test_post_object_success_action_status_empty_answers(
    s3_endpoint: Any, s3: Any, bucket: str, sent: str | None, status: int
) -> None:
    """success_action_status: "If the value is set to 200 or 204, Amazon S3 returns an empty
    document with a 200 or 204 status code ... If the value is not set or if it is set to an
    invalid value, Amazon S3 returns an empty document with a 204 status code." The ETag of the
    stored bytes comes with it."""
    extra = {} if sent is None else {"success_action_status": sent}
    fields = signed_fields(s3, bucket, "k", extra, [extra] if extra else [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.body) == (status, b""), answer
    assert answer.headers.get("etag") == _md5(b"posted"), answer.headers
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"posted"


@pytest.mark.aws_doc(_POST)
def test_post_object_success_action_status_201_answers_post_response_xml(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """success_action_status 201: "Amazon S3 returns an XML document with a 201 status code":
    PostResponse with Location, Bucket, Key and ETag (the key as stored, ${filename} expanded)."""
    fields = signed_fields(
        s3,
        bucket,
        "up/${filename}",
        {"success_action_status": "201"},
        [{"success_action_status": "201"}, ["starts-with", "$key", "up/"]],
    )
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted", filename="photo.jpg")
    assert answer.status == 201, answer
    root = ElementTree.fromstring(answer.body)
    values = {child.tag.rsplit("}", 1)[-1]: child.text for child in root}
    assert root.tag.rsplit("}", 1)[-1] == "PostResponse", answer.body
    assert (values["Bucket"], values["Key"], values["ETag"]) == (bucket, "up/photo.jpg", _md5(b"posted")), values
    location = values["Location"] or ""
    # the key's slash as %2F, as S3 writes it (test_post_object_fields: location encodes the key)
    assert location.startswith("http") and location.endswith("/up%2Fphoto.jpg") and bucket in location, location
    assert s3.get_object(Bucket=bucket, Key="up/photo.jpg")["Body"].read() == b"posted"


@pytest.mark.aws_doc(_FORMS)
@pytest.mark.parametrize("name", ["success_action_redirect", "redirect"])
def test_post_object_redirect_field_answers_303_with_bucket_key_and_etag(
    s3_endpoint: Any, s3: Any, bucket: str, name: str
) -> None:
    """success_action_redirect, redirect: "The URL to which the client is redirected upon successful
    upload. Amazon S3 appends the bucket, key, and etag values as query string parameters to the
    URL" (RESTObjectPOST.html: status 303). ``redirect`` is the deprecated name of the same field."""
    target = "http://example.com/done?from=form"
    fields = signed_fields(s3, bucket, "r", {name: target}, [{name: target}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 303, answer
    location = urlsplit(answer.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "example.com", "/done"), location
    query = parse_qs(location.query)
    assert query["from"] == ["form"] and query["bucket"] == [bucket] and query["key"] == ["r"], query
    assert query["etag"] == [_md5(b"posted")], query
    assert s3.get_object(Bucket=bucket, Key="r")["Body"].read() == b"posted"


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_POST)
def test_post_object_into_a_versioned_bucket_answers_the_version_id(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """RESTObjectPOST.html, response headers: x-amz-version-id, "Version of the object" (in a bucket
    with versioning enabled), the one HEAD then reports."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    fields = signed_fields(s3, bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 204, answer
    assert answer.headers.get("x-amz-version-id") == s3.head_object(Bucket=bucket, Key="k")["VersionId"], answer


# -- the fields that make the object -----------------------------------------------------------


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc(_POST)
def test_post_object_header_and_metadata_fields_are_kept(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ "Parameters that are passed to PUT through HTTP headers are instead passed as form fields":
    Cache-Control, Content-Type, Content-Disposition, Content-Encoding, Expires and x-amz-meta-*
    come back on HEAD as a PUT's headers would."""
    given = {
        "Cache-Control": "max-age=60",
        "Content-Type": "image/png",
        "Content-Disposition": 'attachment; filename="a.png"',
        "Content-Encoding": "identity",
        "Expires": "Wed, 21 Oct 2037 07:28:00 GMT",
        "x-amz-meta-owner": "form",
    }
    fields = signed_fields(s3, bucket, "k", given, [{name: value} for name, value in given.items()])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 204, answer
    head = s3.head_object(Bucket=bucket, Key="k")
    got = head["ResponseMetadata"]["HTTPHeaders"]
    for name, value in given.items():
        if not name.startswith("x-amz-meta-"):
            assert got.get(name.lower()) == value, (name, got)
    assert head["Metadata"] == {"owner": "form"}


@pytest.mark.aws_doc(_FORMS)
def test_post_object_filename_variable_is_expanded_before_the_policy_is_checked(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """HTTPPOSTForms.html: "${filename} is automatically replaced with the name of the file provided
    by the user and is recognized by all form fields. If the browser or client provides a full or
    partial path to the file, only the text following the last slash (/) or backslash (\\\\) will be
    used" and "All variables within the form are expanded before the policy is validated"."""
    url = form_url(s3_endpoint)
    conditions: list[Any] = [{"key": "up/report.txt"}, {"x-amz-meta-name": "report.txt"}]
    fields = signed_fields(s3, bucket, "up/${filename}", {"x-amz-meta-name": "${filename}"}, conditions)
    answer = form_request(url, bucket, list(fields.items()), b"posted", filename="C:\\Users\\me\\report.txt")
    assert answer.status == 204, answer
    head = s3.head_object(Bucket=bucket, Key="up/report.txt")
    assert head["Metadata"] == {"name": "report.txt"}
    fields = signed_fields(s3, bucket, "in/${filename}", {}, [])
    answer = form_request(url, bucket, list(fields.items()), b"posted", filename="dir/sub/x.bin")
    assert answer.status == 204, answer
    assert s3.get_object(Bucket=bucket, Key="in/x.bin")["Body"].read() == b"posted"


@pytest.mark.aws_doc(_FORMS)
def test_post_object_file_part_without_a_filename_is_content(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """file: "File or text content": a file part without a filename (a text area) is the object's
    content, and ${filename} becomes "" ("If no file or file name is provided, the variable is
    replaced with an empty string")."""
    fields = signed_fields(s3, bucket, "t/${filename}", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"typed text", filename=None)
    assert answer.status == 204, answer
    assert s3.get_object(Bucket=bucket, Key="t/")["Body"].read() == b"typed text"


@pytest.mark.aws_doc(_POST)
def test_post_object_empty_file_is_an_empty_object(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    fields = signed_fields(s3, bucket, "empty", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"")
    assert answer.status == 204, answer
    head = s3.head_object(Bucket=bucket, Key="empty")
    assert (head["ContentLength"], head["ETag"]) == (0, _md5(b""))


@pytest.mark.aws_doc(_FORMS)
def test_post_object_fields_after_the_file_are_ignored(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """file: "The file or content must be the last field in the form. Any fields below it are
    ignored": a metadata field after it is neither stored nor checked against the policy."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    answer = form_request(
        form_url(s3_endpoint),
        bucket,
        list(fields.items()),
        b"posted",
        after=[("x-amz-meta-late", "v"), ("acl", "bogus")],
    )
    assert answer.status == 204, answer
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {}


@pytest.mark.aws_doc(_POST)
def test_post_object_content_md5_field_is_checked(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ "To ensure that data is not corrupted while traversing the network, use the Content-MD5 form
    field ... If they do not match, Amazon S3 returns an error" (400 BadDigest, as PutObject),
    and nothing is stored; the right one is taken."""
    url = form_url(s3_endpoint)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    fields = signed_fields(s3, bucket, "k", {"Content-MD5": wrong}, [{"Content-MD5": wrong}])
    answer = form_request(url, bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "BadDigest"), answer
    nothing_at(s3, bucket, "k")
    right = base64.b64encode(hashlib.md5(b"posted").digest()).decode()
    fields = signed_fields(s3, bucket, "k", {"Content-MD5": right}, [{"Content-MD5": right}])
    assert form_request(url, bucket, list(fields.items()), b"posted").status == 204


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc(_POST)
def test_post_object_checksum_field_is_verified_and_kept(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """The x-amz-checksum-* form fields are the PutObject headers: a wrong one is 400 BadDigest
    and stores nothing; the right one is kept and returned in checksum mode."""
    url = form_url(s3_endpoint)
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    fields = signed_fields(s3, bucket, "k", {"x-amz-checksum-sha256": wrong}, [{"x-amz-checksum-sha256": wrong}])
    answer = form_request(url, bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "BadDigest"), answer
    nothing_at(s3, bucket, "k")
    right = base64.b64encode(hashlib.sha256(b"posted").digest()).decode()
    fields = signed_fields(s3, bucket, "k", {"x-amz-checksum-sha256": right}, [{"x-amz-checksum-sha256": right}])
    assert form_request(url, bucket, list(fields.items()), b"posted").status == 204
    assert s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED").get("ChecksumSHA256") == right


@pytest.mark.aws_doc(_POST)
def test_post_object_unknown_canned_acl_is_400_invalid_argument(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """acl: "If an invalid access control list is specified, an error is generated" (HTTPPOSTForms.html):
    400 InvalidArgument as for the x-amz-acl header of PutObject; nothing stored."""
    fields = signed_fields(s3, bucket, "k", {"acl": "world-writable"}, [{"acl": "world-writable"}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    nothing_at(s3, bucket, "k")


# -- forms that are not an upload --------------------------------------------------------------


@pytest.mark.aws_doc(_ERRORS)
def test_post_object_without_a_file_is_400_incorrect_number_of_files(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ErrorResponses.html: IncorrectNumberOfFilesInPostRequest, "POST requires exactly one file
    upload per request", 400. S3 itself has been seen answering 400 InvalidArgument naming the
    ``file`` field (LocalStack's recordings of S3): either is taken, nothing may be stored."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), None)
    assert answer.status == 400, answer
    assert answer.code in ("IncorrectNumberOfFilesInPostRequest", "InvalidArgument"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POST)
def test_post_object_without_a_key_is_400_invalid_argument(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """key is required: a form without it is 400 InvalidArgument ("Bucket POST must contain a field
    named 'key'"), as S3 answers; ErrorResponses.html lists UserKeyMustBeSpecified ("The bucket POST
    request must contain the specified field name"), 400, for the same case: either is taken."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    del fields["key"]
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 400, answer
    assert answer.code in ("InvalidArgument", "UserKeyMustBeSpecified"), answer
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.aws_doc(_ERRORS)
def test_post_object_to_a_missing_bucket_is_404_no_such_bucket(s3_endpoint: Any, s3: Any, new_bucket_name: Any) -> None:
    name = new_bucket_name("nopost")
    fields = signed_fields(s3, name, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), name, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (404, "NoSuchBucket"), answer


@pytest.mark.aws_doc(_FORMS)
def test_post_object_fields_over_20_kb_are_400_max_post_pre_data_length_exceeded(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """HTTPPOSTForms.html: "The form data and boundaries (excluding the contents of the file) cannot
    exceed 20 KB"; ErrorResponses.html: MaxPostPreDataLengthExceeded, "Your POST request fields
    preceding the upload file were too large", 400. Nothing stored."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    padding = [(f"x-ignore-pad{i}", "p" * 4000) for i in range(8)]
    answer = form_request(form_url(s3_endpoint), bucket, [*fields.items(), *padding], b"posted")
    assert (answer.status, answer.code) == (400, "MaxPostPreDataLengthExceeded"), answer
    nothing_at(s3, bucket, "k")


# -- more of the answer and the key ------------------------------------------------------------


@pytest.mark.aws_doc(_FORMS)
def test_post_object_redirect_wins_over_success_action_status(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """success_action_status is "the status code returned ... if success_action_redirect is not
    specified": with both, the answer is the 303 redirect."""
    given = {"success_action_redirect": "http://example.com/done", "success_action_status": "201"}
    fields = signed_fields(s3, bucket, "k", given, [{name: value} for name, value in given.items()])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 303 and answer.headers["location"].startswith("http://example.com/done?"), answer


@pytest.mark.aws_doc(_POST)
def test_post_object_201_document_names_the_key_as_given(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """The PostResponse Key is the object's key itself (spaces, slashes, non-ASCII as sent); the
    Location is a URL, so the key appears in it percent-encoded, its slash as %2F as S3 writes it."""
    key = "a b/\u00fc.txt"
    fields = signed_fields(s3, bucket, key, {"success_action_status": "201"}, [{"success_action_status": "201"}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert answer.status == 201, answer
    values = {child.tag.rsplit("}", 1)[-1]: child.text for child in ElementTree.fromstring(answer.body)}
    assert values["Key"] == key, values
    assert " " not in (values["Location"] or "") and (values["Location"] or "").endswith("/a%20b%2F%C3%BC.txt"), values
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"posted"


@pytest.mark.aws_doc(_ERRORS)
def test_post_object_key_over_1024_bytes_is_400_key_too_long(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ErrorResponses.html: KeyTooLongError, "Your key is too long" (400): the form's key is the
    object's key, and its limit is PutObject's (1024 bytes of UTF-8)."""
    key = "k" * 1025
    fields = signed_fields(s3, bucket, key, {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "KeyTooLongError"), answer
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.aws_doc(_POST)
def test_post_object_empty_key_is_400(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """A key must have at least one character; a form whose key is empty (or only ${filename}
    with no file name) is refused (AWS's code is not documented), nothing stored."""
    url = form_url(s3_endpoint)
    for key, filename in (("", "f.txt"), ("${filename}", None)):
        fields = signed_fields(s3, bucket, key, {}, [])
        answer = form_request(url, bucket, list(fields.items()), b"posted", filename=filename)
        assert answer.status == 400 and answer.code is not None, answer
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.s3_requires("tagging")
@pytest.mark.aws_doc(_POST)
def test_post_object_tagging_field_that_is_not_a_tag_set_is_400_malformed_xml(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """tagging: "The tag-set must be encoded as XML" (PutObjectTagging's Tagging document): other
    text is 400 MalformedXML, as PutObjectTagging answers it, and nothing is stored."""
    fields = signed_fields(s3, bucket, "k", {"tagging": "team=blue"}, [{"tagging": "team=blue"}])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.s3_requires("virtual_host")
@pytest.mark.aws_doc(_POST)
def test_post_object_virtual_hosted_form_answers_a_location_of_the_object(
    s3_endpoint: Any, s3: Any, bucket: str, s3_vhost_domain: str
) -> None:
    """A form posted to the bucket's own host (the action URL "http://johnsmith.s3.amazonaws.com/",
    HTTPPOSTForms.html) stores the key, and the Location it answers addresses that object: on the
    bucket's host the path is the key alone, never the bucket again."""
    url = form_url(s3_endpoint)
    host = f"{bucket}.{s3_vhost_domain}:{urlsplit(url).port}"
    fields = signed_fields(s3, bucket, "k", {"success_action_status": "201"}, [{"success_action_status": "201"}])
    answer = form_request(url, bucket, list(fields.items()), b"posted", host=host)
    assert answer.status == 201, answer
    location = urlsplit(answer.headers["location"])
    assert location.path == ("/k" if location.netloc == host else f"/{bucket}/k"), location
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"posted"


@pytest.mark.s3_requires("acl", "multi_user")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html")
def test_post_object_bucket_policy_deny_holds_for_a_signed_form(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """A signed form is a PutObject by its signer: a bucket policy that denies s3:PutObject under a
    prefix refuses it there (403 AccessDenied, nothing stored), judged on the key as stored (after
    ${filename}), and takes it elsewhere."""
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/locked/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    try:
        url = form_url(s3_endpoint)
        fields = signed_fields(s3, bucket, "${filename}", {}, [])
        answer = form_request(url, bucket, list(fields.items()), b"posted", filename="locked/a.txt")
        assert answer.status == 204, answer  # the directory is stripped: the key is "a.txt"
        fields = signed_fields(s3, bucket, "locked/${filename}", {}, [])
        answer = form_request(url, bucket, list(fields.items()), b"posted", filename="b.txt")
        assert (answer.status, answer.code) == (403, "AccessDenied"), answer
        nothing_at(s3, bucket, "locked/b.txt")
        assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"posted"
    finally:
        s3.delete_bucket_policy(Bucket=bucket)


@pytest.mark.s3_requires("versioning", "object_lock")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html")
def test_post_object_into_a_lock_bucket_gets_the_default_retention(s3_endpoint: Any, s3: Any, lock_bucket: str) -> None:
    """A bucket's default retention applies to "new objects placed in the bucket" however they come:
    a form's object is a locked version like a PUT's (GOVERNANCE here, removed by the fixture)."""
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    s3.put_object_lock_configuration(
        Bucket=lock_bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule}
    )
    fields = signed_fields(s3, lock_bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), lock_bucket, list(fields.items()), b"posted")
    assert answer.status == 204, answer
    head = s3.head_object(Bucket=lock_bucket, Key="k")
    assert head.get("ObjectLockMode") == "GOVERNANCE" and head.get("ObjectLockRetainUntilDate"), head
    assert answer.headers.get("x-amz-version-id") == head["VersionId"], answer


@pytest.mark.aws_doc(_POST)
def test_post_object_website_redirect_location_field_is_kept_and_checked(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """x-amz-website-redirect-location is a form field as it is a PutObject header: kept and
    answered on HEAD; a value that is neither "/..." nor an http(s) URL is 400 InvalidRedirectLocation
    (RESTObjectPOST.html: "The value must be prefixed by /, http://, or https://"; the code as AWS
    answers PutObject, test_objects), nothing stored."""
    url = form_url(s3_endpoint)
    name = "x-amz-website-redirect-location"
    fields = signed_fields(s3, bucket, "bad", {name: "ftp://example.com/x"}, [{name: "ftp://example.com/x"}])
    answer = form_request(url, bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (400, "InvalidRedirectLocation"), answer
    nothing_at(s3, bucket, "bad")
    fields = signed_fields(s3, bucket, "k", {name: "/other.html"}, [{name: "/other.html"}])
    assert form_request(url, bucket, list(fields.items()), b"posted").status == 204
    assert s3.head_object(Bucket=bucket, Key="k").get("WebsiteRedirectLocation") == "/other.html"


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=not-the-one-used", "multipart/form-data; boundary="],
    ids=["no-boundary", "other-boundary", "empty-boundary"],
)
def test_post_object_body_that_is_not_the_form_it_says_is_400_malformed_post_request(
    s3_endpoint: Any, s3: Any, bucket: str, content_type: str
) -> None:
    """ErrorResponses.html: MalformedPOSTRequest, "The body of your POST request is not well-formed
    multipart/form-data" (400): a body whose boundary is not the declared one, or none declared."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted", content_type=content_type)
    assert (answer.status, answer.code) == (400, "MalformedPOSTRequest"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_FORMS)
def test_post_object_that_is_not_multipart_is_refused(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ "The enclosure type (enctype) must be specified and must be set to multipart/form-data ... If
    any of these values is improperly set, the request fails" (HTTPPOSTForms.html); AWS's code for it
    is not documented (4xx), and nothing is stored."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    url = form_url(s3_endpoint)
    answer = form_request(
        url, bucket, list(fields.items()), b"posted", content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= answer.status < 500 and answer.code is not None, answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_ERRORS)
@pytest.mark.parametrize("cut", [10, 40], ids=["no-closing-boundary", "file-cut-short"])
def test_post_object_form_that_ends_early_is_400_and_stores_nothing(
    s3_endpoint: Any, s3: Any, bucket: str, cut: int
) -> None:
    """A form whose body stops before its closing boundary is not well-formed multipart/form-data
    (400 MalformedPOSTRequest; IncompleteBody would say the same): "Amazon S3 never stores partial
    objects" (RESTObjectPOST.html)."""
    fields = signed_fields(s3, bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"p" * 64, cut=cut)
    assert answer.status == 400 and answer.code in ("MalformedPOSTRequest", "IncompleteBody"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_POST)
def test_post_object_large_file_with_boundary_like_bytes_is_stored_whole(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """A file of several MiB whose bytes hold CRLF, "--" and near-boundaries is stored byte for byte
    (the ETag is its MD5): the form's framing never leaks into, nor cuts, the object."""
    unit = b"\r\n--\r\n--x\r\n" + bytes(range(256))
    data = (unit * (3 * 1024 * 1024 // len(unit) + 1))[: 3 * 1024 * 1024 + 7]
    fields = signed_fields(s3, bucket, "big", {}, [["content-length-range", len(data), len(data)]])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), data)
    assert (answer.status, answer.headers.get("etag")) == (204, _md5(data)), answer
    got = s3.get_object(Bucket=bucket, Key="big")["Body"].read()
    assert len(got) == len(data) and got == data


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html")
def test_post_object_public_acl_field_is_refused_under_block_public_acls(
    s3_endpoint: Any, s3: Any, bucket: str
) -> None:
    """BlockPublicAcls: "PUT Object calls fail if the request includes a public ACL"; a form's acl
    field is that request's ACL (403 AccessDenied, nothing stored); a private one is taken."""
    block = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    url = form_url(s3_endpoint)
    fields = signed_fields(s3, bucket, "k", {"acl": "public-read"}, [{"acl": "public-read"}])
    answer = form_request(url, bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    nothing_at(s3, bucket, "k")
    fields = signed_fields(s3, bucket, "k", {"acl": "private"}, [{"acl": "private"}])
    assert form_request(url, bucket, list(fields.items()), b"posted").status == 204


@pytest.mark.s3_requires("multi_user")
@pytest.mark.aws_doc(_POST)
def test_post_object_signed_by_a_user_without_write_access_is_403(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ "To add an object to a bucket, you must have WRITE access on the bucket": a form whose policy
    another user signed, for a private bucket of ours, is 403 AccessDenied and stores nothing."""
    alt = s3_endpoint.alt_client()
    fields = signed_fields(alt, bucket, "k", {}, [])
    answer = form_request(form_url(s3_endpoint), bucket, list(fields.items()), b"posted")
    assert (answer.status, answer.code) == (403, "AccessDenied"), answer
    nothing_at(s3, bucket, "k")


@pytest.mark.aws_doc(_FORMS)
def test_post_object_utf8_filename_becomes_the_key(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """ "The form and policy must be UTF-8 encoded": a browser sends a file's name as raw UTF-8 in
    the part's filename, and ${filename} is that name ("résumé 1.pdf" stays itself, accents and
    space included)."""
    fields = signed_fields(s3, bucket, "up/${filename}", {}, [])
    answer = form_request(
        form_url(s3_endpoint), bucket, list(fields.items()), b"posted", filename="r\u00e9sum\u00e9 1.pdf"
    )
    assert answer.status == 204, answer
    assert s3.get_object(Bucket=bucket, Key="up/r\u00e9sum\u00e9 1.pdf")["Body"].read() == b"posted"
