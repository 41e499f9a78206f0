"""Checksums on the way out: x-amz-checksum-mode: ENABLED on GET and HEAD (single-part objects,
COMPOSITE multipart values with their "-N" suffix, FULL_OBJECT multipart values, ranged GETs that
must not carry a whole-object checksum), x-amz-checksum-type on CreateMultipartUpload for each
algorithm that allows it, and the Checksum and ObjectParts of GetObjectAttributes.

References: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import RawS3, key_path
from cargobay.testing.conformance_suite.test_checksums_wire import checksum

pytestmark = [
    pytest.mark.s3_requires("checksums"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html"),
]

MIB5 = 5 << 20
PARTS = [b"x" * MIB5, b"y" * MIB5, b"z" * 100]


def composite(algorithm: str, parts: list[bytes]) -> str:
    """checking-object-integrity.html: a COMPOSITE checksum is the checksum of the concatenated
    binary checksums of the parts, followed by "-" and the number of parts."""
    joined = b"".join(base64.b64decode(checksum(algorithm, p)) for p in parts)
    return f"{checksum(algorithm, joined)}-{len(parts)}"


def _multipart(s3: Any, bucket: str, key: str, algorithm: str | None, kind: str | None = None) -> None:
    create: dict[str, Any] = {}
    if algorithm:
        create["ChecksumAlgorithm"] = algorithm.upper()
    if kind:
        create["ChecksumType"] = kind
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    listed = []
    for number, data in enumerate(PARTS, 1):
        extra = {"ChecksumAlgorithm": algorithm.upper()} if algorithm else {}
        done = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=data, **extra)
        entry = {"PartNumber": number, "ETag": done["ETag"]}
        if algorithm:
            name = f"Checksum{algorithm.upper()}"
            entry[name] = done[name]
        listed.append(entry)
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": listed})


# -- GET / HEAD in checksum mode -------------------------------------------------------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
@pytest.mark.parametrize("algorithm", ["sha256", "sha1", "crc32c", "crc32"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_checksum_mode_on_a_composite_multipart_object(
    raw: RawS3, s3: Any, bucket: str, algorithm: str, method: str
) -> None:
    """A multipart object with a COMPOSITE checksum: GET and HEAD in checksum mode answer the checksum
    of the parts' checksums with its "-N" suffix, and x-amz-checksum-type COMPOSITE."""
    _multipart(s3, bucket, "mp", algorithm, "COMPOSITE" if algorithm.startswith("crc") else None)
    answer = raw.request(method, key_path(bucket, "mp"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert answer.status == 200, answer
    name = f"x-amz-checksum-{algorithm}"
    assert (answer.headers.get(name), answer.headers.get("x-amz-checksum-type")) == (
        composite(algorithm, PARTS),
        "COMPOSITE",
    )


@pytest.mark.s3_requires("multipart")
@pytest.mark.parametrize("algorithm", ["crc64nvme", "crc32c", "crc32"])
def test_checksum_mode_on_a_full_object_multipart_object(raw: RawS3, s3: Any, bucket: str, algorithm: str) -> None:
    """A FULL_OBJECT multipart checksum is the CRC of the whole object, without a suffix, on GET and
    HEAD in checksum mode, and on GetObjectAttributes (ChecksumType FULL_OBJECT)."""
    _multipart(s3, bucket, "mp", algorithm, "FULL_OBJECT")
    whole = checksum(algorithm, b"".join(PARTS))
    name = f"x-amz-checksum-{algorithm}"
    for method in ("GET", "HEAD"):
        answer = raw.request(method, key_path(bucket, "mp"), headers={"x-amz-checksum-mode": "ENABLED"})
        assert (answer.headers.get(name), answer.headers.get("x-amz-checksum-type")) == (whole, "FULL_OBJECT"), method
    got = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["Checksum"])["Checksum"]
    assert (got.get(f"Checksum{algorithm.upper()}"), got.get("ChecksumType")) == (whole, "FULL_OBJECT")


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
@pytest.mark.parametrize("byte_range", ["bytes=0-1", "bytes=1-", "bytes=-2"])
def test_ranged_get_in_checksum_mode_carries_no_whole_object_checksum(
    raw: RawS3, s3: Any, bucket: str, byte_range: str
) -> None:
    """A checksum describes the whole object: a ranged GET (206) in checksum mode does not send it.
    The pages do not spell this case out, but SDKs validate a GET's body against any full-object
    x-amz-checksum-* that comes with it (botocore does), so one sent with a range's bytes would fail
    every such download."""
    value = checksum("sha256", b"hello")
    put = raw.request("PUT", key_path(bucket, "k"), headers={"x-amz-checksum-sha256": value}, body=b"hello")
    assert put.status == 200, put
    answer = raw.request("GET", key_path(bucket, "k"), headers={"x-amz-checksum-mode": "ENABLED", "range": byte_range})
    assert answer.status == 206, answer
    assert [h for h in answer.headers if h.startswith("x-amz-checksum-")] == [], answer.headers


# -- CreateMultipartUpload: x-amz-checksum-type ----------------------------------------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
@pytest.mark.parametrize("kind", ["COMPOSITE", "FULL_OBJECT"])
@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C"])
def test_create_multipart_crc32_takes_both_checksum_types(s3: Any, bucket: str, algorithm: str, kind: str) -> None:
    """checking-object-integrity.html: CRC-32 and CRC-32C have both types, full-object and composite;
    CreateMultipartUpload takes either and says which (x-amz-checksum-algorithm, x-amz-checksum-type),
    and ListParts reports it."""
    created = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, ChecksumType=kind)
    upload = created["UploadId"]
    try:
        assert (created.get("ChecksumAlgorithm"), created.get("ChecksumType")) == (algorithm, kind)
        listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)
        assert (listed.get("ChecksumAlgorithm"), listed.get("ChecksumType")) == (algorithm, kind)
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html")
@pytest.mark.parametrize("kind", ["BOGUS", "FULL-OBJECT"])
def test_create_multipart_unknown_checksum_type_is_400(raw: RawS3, s3: Any, bucket: str, kind: str) -> None:
    """x-amz-checksum-type: "Valid Values: COMPOSITE | FULL_OBJECT"; another value starts no upload."""
    headers = {"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": kind}
    answer = raw.request("POST", key_path(bucket, "mp"), [("uploads", "")], headers=headers)
    assert answer.status == 400, answer
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# -- GetObjectAttributes -------------------------------------------------------------------------------


@pytest.mark.s3_requires("attributes")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html")
def test_object_attributes_unknown_name_among_known_ones_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """x-amz-object-attributes: "Valid Values: ETag | Checksum | ObjectParts | StorageClass |
    ObjectSize"; an unknown name is refused even next to valid ones (not silently dropped)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for value in ("ETag,Bogus", "ObjectSize, Checksum, NoSuchAttribute"):
        answer = raw.request(
            "GET", key_path(bucket, "k"), [("attributes", "")], headers={"x-amz-object-attributes": value}
        )
        assert (answer.status, answer.code) == (400, "InvalidArgument"), (value, answer)


@pytest.mark.s3_requires("attributes", "multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributesParts.html")
def test_object_attributes_of_a_multipart_object_without_checksums_has_no_parts(s3: Any, bucket: str) -> None:
    """API_GetObjectAttributesParts.html, Parts: "if an additional checksum ... isn't applied to the
    object specified in the request, the response doesn't return the Part element"; TotalPartsCount
    is still there."""
    _multipart(s3, bucket, "mp", None)
    got = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts", "ObjectSize"])
    assert got["ObjectSize"] == sum(map(len, PARTS))
    assert got["ObjectParts"]["TotalPartsCount"] == len(PARTS)
    assert "Parts" not in got["ObjectParts"], got["ObjectParts"]


@pytest.mark.s3_requires("attributes", "multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributesParts.html")
def test_object_attributes_parts_paging_edges(s3: Any, bucket: str) -> None:
    """MaxParts at or above the part count: not truncated, no NextPartNumberMarker; a PartNumberMarker
    at the last part: no parts, not truncated; each part's checksum is that part's CRC-32C
    (API_ObjectPart.html); the object's Checksum is COMPOSITE."""
    _multipart(s3, bucket, "mp", "crc32c", "COMPOSITE")
    every = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts", "Checksum"], MaxParts=3)
    parts = every["ObjectParts"]
    assert (parts["IsTruncated"], parts.get("NextPartNumberMarker"), parts["MaxParts"]) == (False, None, 3)
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32C"]) for p in parts["Parts"]] == [
        (n, len(d), checksum("crc32c", d)) for n, d in enumerate(PARTS, 1)
    ]
    assert every["Checksum"]["ChecksumType"] == "COMPOSITE"
    after = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"], PartNumberMarker=3)
    assert after["ObjectParts"]["IsTruncated"] is False
    assert after["ObjectParts"].get("Parts", []) == []
    assert after["ObjectParts"]["TotalPartsCount"] == len(PARTS)


@pytest.mark.s3_requires("attributes")
def test_object_attributes_in_a_missing_bucket_is_404_no_such_bucket(s3: Any, bucket: str) -> None:
    """A bucket that does not exist: 404 NoSuchBucket (ErrorResponses.html), not NoSuchKey."""
    assert error_of(lambda: s3.get_object_attributes(Bucket=bucket + "-none", Key="k", ObjectAttributes=["ETag"])) == (
        404,
        "NoSuchBucket",
    )


# -- CopyObject ------------------------------------------------------------------------------------


@pytest.mark.s3_requires("copy", "multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_of_a_composite_multipart_object_keeps_its_algorithm(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-checksum-algorithm: "If the CopyObject request does not include this
    x-amz-checksum-algorithm header, the checksum algorithm will be copied from the source object to
    the destination object". A copy is one piece, so the copy of a composite SHA-256 multipart object
    has the SHA-256 of its bytes (FULL_OBJECT), in the CopyObjectResult and on HEAD."""
    _multipart(s3, bucket, "mp", "sha256")
    whole = checksum("sha256", b"".join(PARTS))
    result = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "mp"})
    assert (result["CopyObjectResult"].get("ChecksumSHA256"), result["CopyObjectResult"].get("ChecksumType")) == (
        whole,
        "FULL_OBJECT",
    )
    head = raw.request("HEAD", key_path(bucket, "copy"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert (head.headers.get("x-amz-checksum-sha256"), head.headers.get("x-amz-checksum-type")) == (
        whole,
        "FULL_OBJECT",
    )


@pytest.mark.s3_requires("copy", "metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_with_metadata_directive_replace_keeps_the_checksum(raw: RawS3, s3: Any, bucket: str) -> None:
    """The checksum describes the bytes, which a copy keeps whatever its metadata directive: a copy with
    x-amz-metadata-directive REPLACE still has the source's CRC-32 (the algorithm "will be copied from
    the source object", API_CopyObject.html)."""
    value = checksum("crc32", b"hello")
    put = raw.request("PUT", key_path(bucket, "src"), headers={"x-amz-checksum-crc32": value}, body=b"hello")
    assert put.status == 200, put
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        Metadata={"new": "1"},
    )
    head = raw.request("HEAD", key_path(bucket, "dst"), headers={"x-amz-checksum-mode": "ENABLED"})
    assert (head.headers.get("x-amz-checksum-crc32"), head.headers.get("x-amz-meta-new")) == (value, "1")
