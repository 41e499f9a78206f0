"""CompleteMultipartUpload, the edges of its request: the body (empty, not XML, a part without an
ETag, part numbers outside 1..10,000), the parts it may leave out, the consecutive numbering an
upload with checksums needs, an upload id used under another key, and what is left of an upload
after it is aborted or completed.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, same_bytes
from cargobay.testing.conformance_suite._http import RawS3, key_path
from cargobay.testing.conformance_suite._multipart import MIB5, etag_of_parts, upload_parts

pytestmark = [
    pytest.mark.s3_requires("multipart"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html"),
]


def _complete_xml(parts: list[tuple[str, str]]) -> bytes:
    inner = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in parts)
    return f"<CompleteMultipartUpload>{inner}</CompleteMultipartUpload>".encode()


def _post_complete(raw: RawS3, bucket: str, key: str, upload: str, body: bytes) -> Any:
    return raw.request("POST", key_path(bucket, key), [("uploadId", upload)], body=body)


def _still_completes(s3: Any, bucket: str, key: str, upload: str, number: int, etag: str, body: bytes) -> None:
    """A refused completion leaves the upload as it was: nothing written, the same parts complete it."""
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key)) == (404, None), "a refused completion wrote"
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag}]}
    )
    assert done["ETag"] == etag_of_parts(body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<CompleteMultipartUpload></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>1_0</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
    ],
    ids=[
        "empty",
        "not-xml",
        "no-parts",
        "part-without-etag",
        "part-without-number",
        "number-not-an-integer",
        "number-with-underscore",
    ],
)
def test_complete_malformed_body_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str, body: bytes) -> None:
    """Errors, MalformedXML (400): "The XML that you provided was not well formed or did not validate
    against our published schema"; the schema needs at least one Part, each with PartNumber (an
    integer) and ETag. The upload survives the refusal."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"only part"})
    answer = _post_complete(raw, bucket, "mp", upload, body)
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer
    _still_completes(s3, bucket, "mp", upload, 1, sent[1]["ETag"], b"only part")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html")
@pytest.mark.parametrize("number", ["0", "-1", "10001"])
def test_complete_part_number_outside_1_to_10000_is_400(raw: RawS3, s3: Any, bucket: str, number: str) -> None:
    """API_CompletedPart.html, PartNumber: "a positive integer between 1 and 10,000". No such part can
    have been uploaded; AWS documents no code for this exact case, so any of the completion's 400
    codes is accepted (never a 500), and the upload survives."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"only part"})
    etag = sent[1]["ETag"]
    answer = _post_complete(raw, bucket, "mp", upload, _complete_xml([(number, etag)]))
    assert answer.status == 400, answer
    assert answer.code in ("InvalidPart", "InvalidPartOrder", "InvalidArgument", "MalformedXML"), answer
    _still_completes(s3, bucket, "mp", upload, 1, etag, b"only part")


def test_complete_etag_without_quotes_names_the_part(raw: RawS3, s3: Any, bucket: str) -> None:
    """The ETag of a Part is the one UploadPart returned; clients (and the AWS examples) send it with or
    without the surrounding quotes, and both name the same part."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"unquoted"})
    answer = _post_complete(raw, bucket, "mp", upload, _complete_xml([("1", sent[1]["ETag"].strip('"'))]))
    assert answer.status == 200, answer
    assert answer.xml().findtext("{*}ETag") == etag_of_parts(b"unquoted")


def test_complete_leaves_out_parts_not_listed(s3: Any, bucket: str) -> None:
    """ "Part numbers do not need to be consecutive" (UploadPart); the object is the parts the
    completion lists, in order: part 2 uploaded but not listed is not in it, and the ETag counts two
    parts. A small part 2 is no obstacle: only listed parts other than the last must be 5 MiB."""
    bodies = {1: b"a" * MIB5, 2: b"small", 3: b"tail"}
    upload, sent = upload_parts(s3, bucket, "mp", bodies)
    listed = [{"PartNumber": n, "ETag": sent[n]["ETag"]} for n in (1, 3)]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": listed})
    assert done["ETag"] == etag_of_parts(bodies[1], bodies[3])
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["ContentLength"] == MIB5 + 4
    same_bytes(got["Body"].read(), bodies[1] + bodies[3])


def test_complete_small_part_is_fine_when_listed_last(s3: Any, bucket: str) -> None:
    """EntityTooSmall is about the parts the completion lists: a small part uploaded as number 2 is the
    last part when part 3 is left out."""
    bodies = {1: b"a" * MIB5, 2: b"small", 3: b"never used"}
    upload, sent = upload_parts(s3, bucket, "mp", bodies)
    listed = [{"PartNumber": n, "ETag": sent[n]["ETag"]} for n in (1, 2)]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": listed})
    assert done["ETag"] == etag_of_parts(bodies[1], bodies[2])


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html")
@pytest.mark.parametrize("listed", [(1, 3), (2, 3)], ids=["gap", "not-from-1"])
@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_complete_checksum_upload_needs_consecutive_parts_from_1(
    s3: Any, bucket: str, algorithm: str, listed: tuple[int, ...]
) -> None:
    """API_CompletedPart.html, PartNumber: "when a additional checksum ... is applied to each part, the
    PartNumber must start at 1 and the part numbers must be consecutive. Otherwise, Amazon S3
    generates an HTTP 400 Bad Request status code and an InvalidPartOrder error code." The upload
    survives: all three parts complete it."""
    bodies = {1: b"a" * MIB5, 2: b"b" * MIB5, 3: b"tail"}
    upload, sent = upload_parts(s3, bucket, "mp", bodies, ChecksumAlgorithm=algorithm)

    def entry(n: int) -> dict[str, Any]:
        return {"PartNumber": n, "ETag": sent[n]["ETag"], f"Checksum{algorithm}": sent[n][f"Checksum{algorithm}"]}

    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [entry(n) for n in listed]}
        )
    ) == (400, "InvalidPartOrder")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [entry(n) for n in (1, 2, 3)]}
    )
    assert done["ETag"] == etag_of_parts(bodies[1], bodies[2], bodies[3])


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html")
@pytest.mark.parametrize(
    "number",
    ["abc", "1.5", "-1", "", "1_0", " 5"],
    ids=["letters", "fraction", "negative", "empty", "underscore", "leading-space"],
)
def test_upload_part_number_not_an_integer_in_range_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, number: str
) -> None:
    """API_UploadPart.html, partNumber: "Part number of part being uploaded. This is a positive integer
    between 1 and 10,000." AWS: 400 InvalidArgument "Part number must be an integer between 1 and
    10000, inclusive" (as for 0 and 10001, test_multipart.py). No part is stored."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    try:
        answer = raw.request("PUT", key_path(bucket, "mp"), [("partNumber", number), ("uploadId", upload)], body=b"x")
        assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
        assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.parametrize("operation", ["upload-part", "list-parts", "complete"])
def test_upload_id_under_another_key_is_404_no_such_upload(s3: Any, bucket: str, operation: str) -> None:
    """An upload belongs to the key it was created for: its id under another key names no upload
    ("NoSuchUpload: The specified multipart upload does not exist", API_UploadPart.html,
    API_ListParts.html, API_CompleteMultipartUpload.html). Nothing is written under either key."""
    upload, sent = upload_parts(s3, bucket, "mine", {1: b"part"})
    calls = {
        "upload-part": lambda: s3.upload_part(Bucket=bucket, Key="other", UploadId=upload, PartNumber=2, Body=b"x"),
        "list-parts": lambda: s3.list_parts(Bucket=bucket, Key="other", UploadId=upload),
        "complete": lambda: s3.complete_multipart_upload(
            Bucket=bucket,
            Key="other",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}]},
        ),
    }
    assert error_of(calls[operation]) == (404, "NoSuchUpload")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="other")) == (404, None)
    parts = s3.list_parts(Bucket=bucket, Key="mine", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 4)]
    s3.abort_multipart_upload(Bucket=bucket, Key="mine", UploadId=upload)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html")
def test_abort_twice_and_list_parts_after_abort_are_404_no_such_upload(s3: Any, bucket: str) -> None:
    """API_AbortMultipartUpload.html, Errors: NoSuchUpload, "The specified multipart upload does not
    exist"; an aborted upload is gone for every operation naming it."""
    upload, _sent = upload_parts(s3, bucket, "mp", {1: b"part"})
    assert (
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)["ResponseMetadata"]["HTTPStatusCode"] == 204
    )
    assert error_of(lambda: s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)) == (
        404,
        "NoSuchUpload",
    )
    assert error_of(lambda: s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)) == (404, "NoSuchUpload")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html")
def test_abort_and_list_parts_after_complete_are_404_no_such_upload(s3: Any, bucket: str) -> None:
    """A completed upload is no longer in progress: AbortMultipartUpload and ListParts name no upload
    (404 NoSuchUpload), and the object the completion wrote stays."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"done"})
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}]},
    )
    assert error_of(lambda: s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)) == (
        404,
        "NoSuchUpload",
    )
    assert error_of(lambda: s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)) == (404, "NoSuchUpload")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"done"


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html")
def test_list_parts_paging_and_a_reuploaded_part(s3: Any, bucket: str) -> None:
    """API_ListParts.html: max-parts, part-number-marker ("Specifies the part after which listing
    should begin. Only parts with higher part numbers will be listed"), NextPartNumberMarker and
    IsTruncated; a part number uploaded twice is listed once, with the last upload's ETag and size."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"1", 2: b"22", 3: b"333", 5: b"55555"})
    again = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=b"two, again")
    try:
        first = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload, MaxParts=2)
        assert [(p["PartNumber"], p["Size"]) for p in first["Parts"]] == [(1, 1), (2, 10)]
        assert (first["IsTruncated"], first["NextPartNumberMarker"], first["MaxParts"]) == (True, 2, 2)
        assert first["Parts"][1]["ETag"] == again["ETag"] != sent[2]["ETag"]
        rest = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload, PartNumberMarker=first["NextPartNumberMarker"])
        assert [(p["PartNumber"], p["Size"]) for p in rest["Parts"]] == [(3, 3), (5, 5)]
        assert (rest["IsTruncated"], rest["PartNumberMarker"]) == (False, 2)
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html")
@pytest.mark.parametrize("operation", ["create", "upload-part", "list-parts", "complete", "abort"])
def test_multipart_expected_bucket_owner_mismatch_is_403(s3: Any, bucket: str, operation: str) -> None:
    """x-amz-expected-bucket-owner on every multipart operation: a mismatch "fails with the HTTP status
    code 403 Forbidden (access denied)", and the upload is as it was."""
    me = str(s3.list_buckets()["Owner"]["ID"])
    other = {"ExpectedBucketOwner": "1" * 64 if me != "1" * 64 else "2" * 64}
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"part"})
    listed = {"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}]}
    call = {
        "create": lambda: s3.create_multipart_upload(Bucket=bucket, Key="other", **other),
        "upload-part": lambda: s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=b"x", **other
        ),
        "list-parts": lambda: s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload, **other),
        "complete": lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=listed, **other
        ),
        "abort": lambda: s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, **other),
    }[operation]
    assert error_of(call) == (403, "AccessDenied")
    assert [(p["PartNumber"], p["Size"]) for p in s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]] == [
        (1, 4)
    ]
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == ["mp"]
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, ExpectedBucketOwner=me)


# -- checksum types (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html)


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [("SHA256", "FULL_OBJECT"), ("SHA1", "FULL_OBJECT"), ("CRC64NVME", "COMPOSITE"), (None, "FULL_OBJECT")],
    ids=["sha256-full", "sha1-full", "crc64nvme-composite", "type-without-algorithm"],
)
def test_create_multipart_checksum_type_the_algorithm_cannot_have_is_400(
    s3: Any, bucket: str, algorithm: str | None, kind: str
) -> None:
    """checking-object-integrity.html: full-object checksums are CRC-64/NVME, CRC-32 and CRC-32C;
    composite ones CRC-32, CRC-32C, SHA-1 and SHA-256 (CRC-64/NVME is full-object only), and
    x-amz-checksum-type describes the x-amz-checksum-algorithm given with it. Another pairing is
    refused with a 400 (AWS: InvalidRequest) and starts no upload."""
    extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    status, _code = error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumType=kind, **extra))
    assert status == 400
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
@pytest.mark.parametrize(
    ("algorithm", "kind"), [("SHA1", "COMPOSITE"), ("SHA256", "COMPOSITE"), ("CRC64NVME", "FULL_OBJECT")]
)
def test_create_multipart_default_checksum_type(s3: Any, bucket: str, algorithm: str, kind: str) -> None:
    """Without x-amz-checksum-type an upload's checksum is the one type its algorithm has: composite for
    SHA-1 and SHA-256, full-object for CRC-64/NVME; CreateMultipartUpload says which (its
    x-amz-checksum-algorithm and x-amz-checksum-type response headers). (The default for CRC-32 and
    CRC-32C, which have both, is not stated on the pages this cites; not checked.)"""
    created = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm)
    try:
        assert (created.get("ChecksumAlgorithm"), created.get("ChecksumType")) == (algorithm, kind)
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=created["UploadId"])


@pytest.mark.s3_requires("checksums")
def test_complete_full_object_crc32_is_the_crc_of_the_whole_object(s3: Any, bucket: str) -> None:
    """A FULL_OBJECT upload's checksum is the CRC-32 of the whole object (no "-N" suffix), in the
    completion's result and on HEAD with checksum mode; an x-amz-checksum-crc32 on the completion
    that does not match it is refused (400) and writes nothing."""
    import base64
    import zlib

    bodies = {1: b"a" * MIB5, 2: b"tail"}
    whole = bodies[1] + bodies[2]
    crc = base64.b64encode(zlib.crc32(whole).to_bytes(4, "big")).decode()
    wrong = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    upload, sent = upload_parts(s3, bucket, "mp", bodies, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    listed = {
        "Parts": [{"PartNumber": n, "ETag": sent[n]["ETag"], "ChecksumCRC32": sent[n]["ChecksumCRC32"]} for n in (1, 2)]
    }
    status, _code = error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=listed, ChecksumCRC32=wrong
        )
    )
    assert status == 400
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=listed, ChecksumCRC32=crc
    )
    assert (done.get("ChecksumCRC32"), done.get("ChecksumType")) == (crc, "FULL_OBJECT")
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert (head.get("ChecksumCRC32"), head.get("ChecksumType")) == (crc, "FULL_OBJECT")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html")
def test_abort_if_match_initiated_time_is_honoured_or_refused(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_AbortMultipartUpload.html, x-amz-if-match-initiated-time: "aborts an in progress multipart
    upload only if it was initiated on the provided timestamp. If the initiated timestamp of the
    multipart upload does not match the provided value, the operation returns a 412 Precondition
    Failed error" (documented for directory buckets). An endpoint that does not check it must refuse
    it (501 NotImplemented) rather than abort regardless: either way the upload survives."""
    upload, _sent = upload_parts(s3, bucket, "mp", {1: b"part"})
    headers = {"x-amz-if-match-initiated-time": "Sat, 01 Jan 2000 00:00:00 GMT"}
    answer = raw.request("DELETE", key_path(bucket, "mp"), [("uploadId", upload)], headers=headers)
    assert (answer.status, answer.code) in ((412, "PreconditionFailed"), (501, "NotImplemented")), answer
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == [upload]
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("checksums")
@pytest.mark.parametrize(
    ("created", "sent"), [("COMPOSITE", "FULL_OBJECT"), ("FULL_OBJECT", "COMPOSITE"), (None, "COMPOSITE")]
)
def test_complete_checksum_type_other_than_the_uploads_is_400_bad_digest(
    raw: RawS3, s3: Any, bucket: str, created: str | None, sent: str
) -> None:
    """API_CompleteMultipartUpload.html, x-amz-checksum-type: "You can use this header as a data
    integrity check to verify that the checksum type that is received is the same checksum that
    was specified. If the checksum type doesn't match the checksum type that was specified for the
    object during the CreateMultipartUpload request, it'll result in a BadDigest error." Nothing is
    written; the same completion with the upload's own type (or none) succeeds."""
    create = {"ChecksumAlgorithm": "CRC32", "ChecksumType": created} if created else {}
    upload, part = upload_parts(s3, bucket, "mp", {1: b"part"}, **create)
    checksum = f"<ChecksumCRC32>{part[1]['ChecksumCRC32']}</ChecksumCRC32>" if created else ""
    body = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part[1]['ETag']}</ETag>{checksum}"
        "</Part></CompleteMultipartUpload>"
    ).encode()
    path, query = key_path(bucket, "mp"), [("uploadId", upload)]
    answer = raw.request("POST", path, query, headers={"x-amz-checksum-type": sent}, body=body)
    assert (answer.status, answer.code) == (400, "BadDigest"), answer
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    own = {"x-amz-checksum-type": created} if created else {}
    assert raw.request("POST", path, query, headers=own, body=body).status == 200


@pytest.mark.s3_requires("metadata", "tagging")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
def test_multipart_object_keeps_the_headers_given_at_create(s3: Any, bucket: str) -> None:
    """CreateMultipartUpload takes the object's Cache-Control, Content-Disposition, Content-Encoding,
    Content-Language, Expires, x-amz-website-redirect-location and x-amz-tagging; the completed
    object has them (UploadPart and the completion carry none of them)."""
    import datetime as dt

    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    headers = {
        "CacheControl": "no-cache",
        "ContentDisposition": "attachment; filename=a.bin",
        "ContentEncoding": "gzip",
        "ContentLanguage": "de",
        "WebsiteRedirectLocation": "/moved.html",
    }
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"part"}, Expires=expires, Tagging="a=1&b=2", **headers)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}]},
    )
    head = s3.head_object(Bucket=bucket, Key="mp")
    assert {name: head.get(name) for name in headers} == headers
    assert head.get("Expires") == expires
    tags = s3.get_object_tagging(Bucket=bucket, Key="mp")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "1"), ("b", "2")]
