"""Multipart uploads, the rules the other multipart modules leave open: the 5 MiB boundary of a
part that is not the last, the part number 10,000, a part replaced by a second upload of its
number, the checksums a composite upload's completion must name, conditional completions on a key
with no object, and the answers a missing bucket gets.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, same_bytes
from cargobay.testing.conformance_suite._http import RawS3, key_path
from cargobay.testing.conformance_suite._multipart import MIB5, etag_of_parts, upload_parts

pytestmark = [
    pytest.mark.s3_requires("multipart"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html"),
]

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"


def _listed(sent: dict[int, Any], *numbers: int, checksum: str | None = None) -> dict[str, Any]:
    entries = []
    for n in numbers:
        entry = {"PartNumber": n, "ETag": sent[n]["ETag"]}
        if checksum is not None:
            entry[f"Checksum{checksum}"] = sent[n][f"Checksum{checksum}"]
        entries.append(entry)
    return {"Parts": entries}


# -- part sizes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html -------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html")
def test_part_one_byte_under_5_mib_is_too_small_unless_last(raw: RawS3, s3: Any, bucket: str) -> None:
    """qfacts.html, part size: "5 MiB to 5 GiB. There is no minimum size limit on the last part of
    your multipart upload." A part of 5 MiB - 1 bytes that is not the last is 400 EntityTooSmall
    (ErrorResponses.html: "Your proposed upload is smaller than the minimum allowed object size"); S3's
    error names the part: ProposedSize, MinSizeAllowed, PartNumber and its ETag (unquoted), as quoted
    from S3 in apache/arrow-rs-object-store#211 and versity/versitygw#2040. Nothing is written; the
    same part listed last completes (exactly 5 MiB before it is enough)."""
    bodies = {1: b"a" * MIB5, 2: b"b" * (MIB5 - 1), 3: b"tail"}
    upload, sent = upload_parts(s3, bucket, "mp", bodies)
    listed = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{sent[n]['ETag']}</ETag></Part>" for n in (1, 2, 3))
    body = f"<CompleteMultipartUpload>{listed}</CompleteMultipartUpload>".encode()
    answer = raw.request("POST", key_path(bucket, "mp"), [("uploadId", upload)], body=body)
    assert (answer.status, answer.code) == (400, "EntityTooSmall"), answer
    error = answer.xml()
    fields = ("ProposedSize", "MinSizeAllowed", "PartNumber", "ETag")
    assert [error.findtext(name) for name in fields] == [
        str(MIB5 - 1),
        str(MIB5),
        "2",
        sent[2]["ETag"].strip('"'),
    ], answer.body
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1, 2))
    assert done["ETag"] == etag_of_parts(bodies[1], bodies[2])
    same_bytes(s3.get_object(Bucket=bucket, Key="mp")["Body"].read(), bodies[1] + bodies[2])


@pytest.mark.aws_doc(_API + "API_UploadPart.html")
def test_part_number_10000_is_the_last_allowed(s3: Any, bucket: str) -> None:
    """API_UploadPart.html, partNumber: "a positive integer between 1 and 10,000": 10,000 itself is a
    part number, and an upload may consist of it alone ("Part numbers do not need to be consecutive")."""
    upload, sent = upload_parts(s3, bucket, "mp", {10000: b"the only part"})
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(10000, 13)]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 10000))
    assert done["ETag"] == etag_of_parts(b"the only part")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"the only part"


# -- a part number uploaded twice ---------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_UploadPart.html")
def test_completion_naming_a_replaced_part_by_its_old_etag_is_400_invalid_part(s3: Any, bucket: str) -> None:
    """API_UploadPart.html: "If you upload a new part using the same part number that was used with a
    previous part, the previously uploaded part is overwritten." The old part is gone: a completion
    naming it by its ETag is 400 InvalidPart and writes nothing; the new ETag completes."""
    upload, first = upload_parts(s3, bucket, "mp", {1: b"first body"})
    second = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"second body")
    assert first[1]["ETag"] != second["ETag"]
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(first, 1)
        )
    ) == (400, "InvalidPart")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed({1: second}, 1)
    )
    assert done["ETag"] == etag_of_parts(b"second body")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"second body"


def test_completion_naming_a_part_by_another_parts_etag_is_400_invalid_part(s3: Any, bucket: str) -> None:
    """Errors, InvalidPart: "the specified entity tag might not have matched the part's entity tag".
    Part 2 named with part 1's ETag (both uploaded) is that case; the upload survives the refusal."""
    bodies = {1: b"a" * MIB5, 2: b"part two"}
    upload, sent = upload_parts(s3, bucket, "mp", bodies)
    wrong = {"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}, {"PartNumber": 2, "ETag": sent[1]["ETag"]}]}
    assert error_of(
        lambda: s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=wrong)
    ) == (400, "InvalidPart")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1, 2))
    assert done["ETag"] == etag_of_parts(bodies[1], bodies[2])


# -- checksums a completion must name --------------------------------------------------------------


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc(_API + "API_CompletedPart.html")
@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_composite_upload_completion_without_a_part_checksum_is_400_invalid_request(
    s3: Any, bucket: str, algorithm: str
) -> None:
    """API_CompletedPart.html, Checksum<ALG>: "This checksum is present if the multipart upload request
    was created with the <ALG> checksum algorithm." An upload created with a (composite) checksum
    algorithm is completed from the parts' checksums, so a completion that leaves one out is refused:
    AWS answers 400 InvalidRequest "The upload was created using a crc32c checksum. The complete
    request must include the checksum for each part. It was missing for part 1 in the request."
    (S3's answers quoted in aws/aws-sdk-php#2648, boto/boto3#3288 and apache/opendal#4580). Nothing is
    written; naming the checksums completes."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"a" * MIB5, 2: b"tail"}, ChecksumAlgorithm=algorithm)
    without = {
        "Parts": [
            {"PartNumber": 1, "ETag": sent[1]["ETag"], f"Checksum{algorithm}": sent[1][f"Checksum{algorithm}"]},
            {"PartNumber": 2, "ETag": sent[2]["ETag"]},
        ]
    }
    assert error_of(
        lambda: s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=without)
    ) == (400, "InvalidRequest")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1, 2, checksum=algorithm)
    )
    assert done.get("ChecksumType") == "COMPOSITE"
    assert str(done.get(f"Checksum{algorithm}", "")).endswith("-2")


@pytest.mark.s3_requires("checksums")
@pytest.mark.parametrize("sent", ["other", "other-2", "composite", "composite-2"])
def test_composite_upload_completion_checks_the_object_checksum_header(
    raw: RawS3, s3: Any, bucket: str, sent: str
) -> None:
    """x-amz-checksum-sha256 on CompleteMultipartUpload: "This header can be used as a data integrity
    check to verify that the data received is the same data that was originally sent." For a COMPOSITE
    upload S3 takes the composite, with or without its "-<parts>" suffix (versity/versitygw#1589,
    matched against S3), and answers anything else with 400 BadDigest "The sha256 you specified did not
    match the calculated checksum." (apache/arrow-rs-object-store#709); a refused completion writes
    nothing and the upload survives it."""
    import base64

    upload, part = upload_parts(s3, bucket, "mp", {1: b"a" * MIB5, 2: b"tail"}, ChecksumAlgorithm="SHA256")
    digests = b"".join(base64.b64decode(part[n]["ChecksumSHA256"]) for n in (1, 2))
    composite = base64.b64encode(hashlib.sha256(digests).digest()).decode()
    other = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    value = {"other": other, "other-2": other + "-2", "composite": composite, "composite-2": composite + "-2"}[sent]
    body = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{part[n]['ETag']}</ETag>"
        f"<ChecksumSHA256>{part[n]['ChecksumSHA256']}</ChecksumSHA256></Part>"
        for n in (1, 2)
    )
    xml = f"<CompleteMultipartUpload>{body}</CompleteMultipartUpload>".encode()
    path, query = key_path(bucket, "mp"), [("uploadId", upload)]
    answer = raw.request("POST", path, query, headers={"x-amz-checksum-sha256": value}, body=xml)
    if sent.startswith("other"):
        assert (answer.status, answer.code) == (400, "BadDigest"), answer
        assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
        answer = raw.request("POST", path, query, body=xml)
    assert answer.status == 200, answer
    assert answer.xml().findtext("{*}ChecksumSHA256") == composite + "-2"


# -- conditional completions: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html")
def test_complete_if_match_on_a_key_without_an_object_is_404_no_such_key(s3: Any, bucket: str) -> None:
    """If-Match on a write compares with the object's ETag; with no object at the key there is none to
    match, and S3 answers 404 NoSuchKey as it does to PutObject (test_conditional.py). The upload is
    not consumed: the same completion without the condition writes the object."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"body"})
    etag = '"' + hashlib.md5(b"body", usedforsecurity=False).hexdigest() + '"'
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1), IfMatch=etag
        )
    ) == (404, "NoSuchKey")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1))
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"body"


# -- a bucket that does not exist -------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
@pytest.mark.parametrize("operation", ["create", "upload-part", "list-parts", "complete", "abort", "list-uploads"])
def test_multipart_operation_on_a_missing_bucket_is_404_no_such_bucket(
    raw: RawS3, s3_endpoint: Any, operation: str
) -> None:
    """ErrorResponses.html, NoSuchBucket (404): "The specified bucket does not exist", answered before
    the upload id is looked at (there can be no upload in a bucket that does not exist)."""
    name = s3_endpoint.new_bucket_name("mpnone")
    path, upload = key_path(name, "mp"), [("uploadId", "0123456789abcdef")]
    body = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
    method, target, query, data = {
        "create": ("POST", path, [("uploads", "")], b""),
        "upload-part": ("PUT", path, [("partNumber", "1"), *upload], b"x"),
        "list-parts": ("GET", path, upload, b""),
        "complete": ("POST", path, upload, body),
        "abort": ("DELETE", path, upload, b""),
        "list-uploads": ("GET", "/" + name, [("uploads", "")], b""),
    }[operation]
    answer = raw.request(method, target, query, body=data)
    assert (answer.status, answer.code) == (404, "NoSuchBucket"), answer


# -- what a refused or a later request leaves of an upload -------------------------------------------


@pytest.mark.aws_doc(_API + "API_UploadPart.html")
@pytest.mark.parametrize(
    ("digest", "expected"),
    [
        ({"content-md5": "eV8yArF8trw9S3cdjGyerw=="}, "BadDigest"),  # the MD5 of b"other"
        ({"content-md5": "not an md5"}, "InvalidDigest"),
        ({"x-amz-checksum-crc32": "AAAAAA=="}, "BadDigest"),
    ],
    ids=["wrong-md5", "malformed-md5", "wrong-crc32"],
)
def test_refused_reupload_of_a_part_keeps_the_part_it_would_replace(
    raw: RawS3, s3: Any, bucket: str, digest: dict[str, str], expected: str
) -> None:
    """API_UploadPart.html: "To ensure that data is not corrupted when traversing the network, specify
    the Content-MD5 header ... Amazon S3 checks the part data against the provided MD5 value. If they
    do not match, Amazon S3 returns an error" (400 BadDigest; a Content-MD5 that is no MD5 is 400
    InvalidDigest, ErrorResponses.html). A refused part replaces nothing: the part uploaded earlier
    under that number is listed and completes the upload."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"first"})
    path, query = key_path(bucket, "mp"), [("partNumber", "1"), ("uploadId", upload)]
    answer = raw.request("PUT", path, query, headers=digest, body=b"second")
    assert (answer.status, answer.code) == (400, expected), answer
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(1, sent[1]["ETag"], 5)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1))
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"first"


@pytest.mark.s3_requires("metadata", "tagging")
def test_object_headers_on_upload_part_and_complete_change_nothing(raw: RawS3, s3: Any, bucket: str) -> None:
    """The object's metadata, content headers, tags and storage class are those of
    CreateMultipartUpload: UploadPart and CompleteMultipartUpload take none of them (their request
    headers in API_UploadPart.html and API_CompleteMultipartUpload.html list none), so such headers sent
    with them do not reach the object."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"a": "1"}, ContentType="text/plain")[
        "UploadId"
    ]
    part = raw.request(
        "PUT",
        key_path(bucket, "mp"),
        [("partNumber", "1"), ("uploadId", upload)],
        headers={"x-amz-meta-b": "2", "content-type": "image/png"},
        body=b"body",
    )
    assert part.status == 200, part
    etag = part.headers["etag"]
    body = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    )
    extra = {"x-amz-meta-c": "3", "cache-control": "no-store", "x-amz-tagging": "t=1", "content-type": "text/xml"}
    done = raw.request("POST", key_path(bucket, "mp"), [("uploadId", upload)], headers=extra, body=body.encode())
    assert done.status == 200, done
    head = s3.head_object(Bucket=bucket, Key="mp")
    assert (head["Metadata"], head["ContentType"], head.get("CacheControl")) == ({"a": "1"}, "text/plain", None)
    assert s3.get_object_tagging(Bucket=bucket, Key="mp")["TagSet"] == []


@pytest.mark.aws_doc(_API + "API_CreateMultipartUpload.html")
def test_two_uploads_to_one_key_are_independent(s3: Any, bucket: str) -> None:
    """Each CreateMultipartUpload starts an upload of its own, with its own id and parts
    (ListMultipartUploads lists several for one key, "sorted in ascending order within each key by the
    upload initiation time"). Completing one leaves the other in progress with its parts; completing
    that one later replaces the object, as the last write to a key does."""
    first, a = upload_parts(s3, bucket, "mp", {1: b"from the first"})
    second, b = upload_parts(s3, bucket, "mp", {1: b"from the second"})
    assert first != second
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=second, MultipartUpload=_listed(b, 1))
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"from the second"
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [first]
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=first)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in listed] == [(1, a[1]["ETag"])]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=first, MultipartUpload=_listed(a, 1))
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"from the first"


@pytest.mark.s3_requires("delete_objects")
@pytest.mark.aws_doc(_API + "API_DeleteObject.html")
def test_deleting_the_key_leaves_its_upload_in_progress(s3: Any, bucket: str) -> None:
    """An upload in progress is no object: DeleteObject and DeleteObjects of its key delete the object
    there and leave the upload (listed, with its parts), which completes afterwards."""
    s3.put_object(Bucket=bucket, Key="mp", Body=b"old")
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"new"})
    s3.delete_object(Bucket=bucket, Key="mp")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "mp"}]})
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [upload]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1))
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"new"


@pytest.mark.aws_doc(_API + "API_UploadPart.html")
def test_upload_id_in_another_bucket_is_404_no_such_upload(s3: Any, s3_endpoint: Any, bucket: str) -> None:
    """An upload belongs to the bucket it was started in: its id under the same key of another bucket
    names no upload (404 NoSuchUpload) for UploadPart, ListParts, CompleteMultipartUpload and
    AbortMultipartUpload, and the upload is as it was."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"part"})
    other = s3_endpoint.new_bucket_name("mpother")
    s3.create_bucket(Bucket=other)
    try:
        calls = [
            lambda: s3.upload_part(Bucket=other, Key="mp", UploadId=upload, PartNumber=2, Body=b"x"),
            lambda: s3.list_parts(Bucket=other, Key="mp", UploadId=upload),
            lambda: s3.complete_multipart_upload(
                Bucket=other, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1)
            ),
            lambda: s3.abort_multipart_upload(Bucket=other, Key="mp", UploadId=upload),
        ]
        assert [error_of(call) for call in calls] == [(404, "NoSuchUpload")] * 4
        assert error_of(lambda: s3.head_object(Bucket=other, Key="mp")) == (404, None)
    finally:
        s3_endpoint.empty_and_delete(other)
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 4)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1))


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_API + "API_CreateMultipartUpload.html")
def test_create_grant_headers_reach_the_object_and_exclude_a_canned_acl(s3: Any, bucket: str) -> None:
    """API_CreateMultipartUpload.html, x-amz-grant-*: the grants of the object the upload will make
    ("You can use either a canned ACL or specify access permissions explicitly. You cannot do both.":
    both together is 400 InvalidRequest and starts no upload)."""
    me = str(s3.list_buckets()["Owner"]["ID"])
    everyone = "http://acs.amazonaws.com/groups/global/AllUsers"
    assert error_of(
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="both", ACL="private", GrantRead=f'id="{me}"')
    ) == (400, "InvalidRequest")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    upload, sent = upload_parts(
        s3, bucket, "mp", {1: b"granted"}, GrantRead=f'uri="{everyone}"', GrantFullControl=f'id="{me}"'
    )
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=_listed(sent, 1))
    grants = {
        (g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"])
        for g in s3.get_object_acl(Bucket=bucket, Key="mp")["Grants"]
    }
    assert grants == {(everyone, "READ"), (me, "FULL_CONTROL")}


@pytest.mark.aws_doc(_API + "API_GetObject.html")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("number", [" 1", "1_0", "01x"], ids=["leading-space", "underscore", "trailing-letter"])
def test_get_part_number_not_decimal_digits_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, method: str, number: str
) -> None:
    """API_GetObject.html, partNumber: "Part number of the object being read. This is a positive integer
    between 1 and 10,000." Text that is not written in decimal digits names no part: 400 InvalidArgument
    ("Part number must be an integer between 1 and 10000, inclusive"), never part 1 or part 10."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"whole object")
    answer = raw.request(method, key_path(bucket, "k"), [("partNumber", number)])
    assert answer.status == 400, answer
    if method == "GET":  # a HEAD answer has no body to name the code
        assert answer.code == "InvalidArgument", answer


# -- the Location a completion answers ------------------------------------------------------------

_SPECIAL_KEY = "dir/a b/\u00fc+x?.txt"


def _location_names(location: str, bucket: str, key: str, host: str | None = None) -> None:
    """``location`` is an absolute URL that addresses ``key``: no raw space or '?' (S3 encodes the key,
    '/' as %2F and ' ' as '+' in its answers: aws/aws-sdk-js#811 and #1707); decoded, its path is
    /bucket/key, or /key on the bucket's own host."""
    from urllib.parse import unquote_plus, urlsplit

    parts = urlsplit(location)
    assert parts.scheme in ("http", "https") and parts.netloc, location
    assert " " not in location and not parts.query and not parts.fragment, location
    path = unquote_plus(parts.path)
    assert path == (f"/{key}" if host is not None and parts.netloc == host else f"/{bucket}/{key}"), location


def test_complete_location_is_a_url_of_the_object(s3: Any, bucket: str) -> None:
    """API_CompleteMultipartUpload.html, Location: "The URI that identifies the newly created object"."""
    upload, sent = upload_parts(s3, bucket, _SPECIAL_KEY, {1: b"located"})
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=_SPECIAL_KEY, UploadId=upload, MultipartUpload=_listed(sent, 1)
    )
    assert done["Key"] == _SPECIAL_KEY
    _location_names(done["Location"], bucket, _SPECIAL_KEY)


@pytest.mark.s3_requires("virtual_host")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html")
def test_complete_on_the_buckets_own_host_answers_a_location_of_the_object(
    s3_endpoint: Any, s3: Any, bucket: str, s3_vhost_domain: str
) -> None:
    """A completion sent to the bucket's own host (virtual-hosted style) answers a Location that
    addresses the object: on that host the path is the key alone, never the bucket again (which would
    name the key "<bucket>/<key>")."""
    from cargobay.testing.conformance_suite._http import uri_encode

    raw = RawS3(s3_endpoint.endpoint, tls_verify=s3_endpoint.tls_verify)
    host = f"{bucket}.{s3_vhost_domain}:{raw.port}"
    upload, sent = upload_parts(s3, bucket, _SPECIAL_KEY, {1: b"located"})
    body = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{sent[1]['ETag']}</ETag></Part>"
        "</CompleteMultipartUpload>"
    ).encode()
    path = "/" + uri_encode(_SPECIAL_KEY, slash=True)
    answer = raw.send(raw.sign_v4("POST", path, [("uploadId", upload)], body=body, host=host))
    assert answer.status == 200, answer
    _location_names(answer.xml().findtext("{*}Location") or "", bucket, _SPECIAL_KEY, host)
    assert s3.get_object(Bucket=bucket, Key=_SPECIAL_KEY)["Body"].read() == b"located"
