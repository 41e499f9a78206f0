"""Additional checksums, the cases the other checksum modules leave open: a part that names two
x-amz-checksum-* values, and the object checksum of a multipart upload whose parts were partly
copied (UploadPartCopy) rather than sent, for each checksum type.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyPartResult.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3, key_path
from cargobay.testing.conformance_suite.test_checksums_wire import checksum

pytestmark = [
    pytest.mark.s3_requires("checksums"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html"),
]

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
MIB5 = 5 << 20
# The source a first part is copied from: not one repeated byte, so a wrong offset changes every CRC.
SOURCE = bytes(range(256)) * (MIB5 // 256 + 8)
FIRST = (7, 7 + MIB5 - 1)  # the copied range (inclusive), exactly 5 MiB
TAIL = b"the last part, sent"


# -- one checksum per request --------------------------------------------------------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_UploadPart.html")
def test_upload_part_with_two_checksum_headers_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """A part carries one checksum, as a PUT does (test_checksums_wire pins PutObject): API_UploadPart.html
    describes the x-amz-checksum-<algorithm> header of the one algorithm the request uses, and S3 refuses
    two, even correct ones, with 400 InvalidRequest "Expecting a single x-amz-checksum- header. Multiple
    checksum Types are not allowed." (S3's answer to UploadPart, quoted in versity/versitygw#1188). No
    part is stored."""
    body = b"two checksums for one part"
    headers = {"x-amz-checksum-crc32": checksum("crc32", body), "x-amz-checksum-sha256": checksum("sha256", body)}
    upload = s3.create_multipart_upload(Bucket=bucket, Key="obj")["UploadId"]
    try:
        params = [("partNumber", "1"), ("uploadId", upload)]
        answer = raw.request("PUT", key_path(bucket, "obj"), params, headers=headers, body=body)
        assert (answer.status, answer.code) == (400, "InvalidRequest"), answer
        assert s3.list_parts(Bucket=bucket, Key="obj", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="obj", UploadId=upload)


# -- an object checksum made of a copied part and a sent one -----------------------------------------


def _upload_copied_and_sent(s3: Any, bucket: str, algorithm: str, kind: str) -> tuple[str, dict[str, Any], Any]:
    """An upload of ``algorithm`` and ``kind``: part 1 copied from SOURCE[FIRST], part 2 sent (TAIL).
    The upload id, the CopyPartResult and the UploadPart answer."""
    s3.put_object(Bucket=bucket, Key="src", Body=SOURCE)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, ChecksumType=kind)[
        "UploadId"
    ]
    copied = s3.upload_part_copy(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes={FIRST[0]}-{FIRST[1]}",
    )["CopyPartResult"]
    sent = s3.upload_part(
        Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=TAIL, ChecksumAlgorithm=algorithm
    )
    return upload, copied, sent


def _complete(s3: Any, bucket: str, upload: str, algorithm: str, copied: dict[str, Any], sent: Any) -> Any:
    name = f"Checksum{algorithm}"
    parts = [
        {"PartNumber": 1, "ETag": copied["ETag"], name: copied[name]},
        {"PartNumber": 2, "ETag": sent["ETag"], name: sent[name]},
    ]
    return s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_CopyPartResult.html")
@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_full_object_checksum_of_a_copied_and_a_sent_part(s3: Any, bucket: str, algorithm: str) -> None:
    """checking-object-integrity.html: a full object checksum is "calculated based on all of the content
    of a multipart upload, covering all data from the first byte of the first part to the last byte of
    the last part", however a part arrived; API_CopyPartResult.html gives a copied part its checksum
    ("present if the multipart upload request was created with the <ALG> checksum algorithm"). The
    completion, HEAD in checksum mode and GetObjectAttributes all answer the CRC of the whole object,
    type FULL_OBJECT."""
    upload, copied, sent = _upload_copied_and_sent(s3, bucket, algorithm, "FULL_OBJECT")
    try:
        part = SOURCE[FIRST[0] : FIRST[1] + 1]
        assert copied.get(f"Checksum{algorithm}") == checksum(algorithm.lower(), part), copied
        done = _complete(s3, bucket, upload, algorithm, copied, sent)
    except Exception:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)
        raise
    whole = checksum(algorithm.lower(), part + TAIL)
    name = f"Checksum{algorithm}"
    assert (done.get(name), done.get("ChecksumType")) == (whole, "FULL_OBJECT"), done
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert (head.get(name), head.get("ChecksumType")) == (whole, "FULL_OBJECT")
    attributes = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["Checksum", "ObjectSize"])
    assert (attributes.get("Checksum", {}).get(name), attributes.get("ObjectSize")) == (whole, MIB5 + len(TAIL))


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_CopyPartResult.html")
@pytest.mark.parametrize("algorithm", ["CRC32C", "SHA1", "SHA256"])
def test_composite_checksum_of_a_copied_and_a_sent_part(s3: Any, bucket: str, algorithm: str) -> None:
    """checking-object-integrity.html: a composite checksum is the checksum of the parts' checksums,
    followed by "-" and the number of parts; a copied part takes part with the checksum of the bytes it
    copied (API_CopyPartResult.html). The completion and GET in checksum mode answer it, type COMPOSITE,
    and the part's checksum is that of the copied range."""
    upload, copied, sent = _upload_copied_and_sent(s3, bucket, algorithm, "COMPOSITE")
    try:
        part = SOURCE[FIRST[0] : FIRST[1] + 1]
        assert copied.get(f"Checksum{algorithm}") == checksum(algorithm.lower(), part), copied
        done = _complete(s3, bucket, upload, algorithm, copied, sent)
    except Exception:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)
        raise
    joined = base64.b64decode(checksum(algorithm.lower(), part)) + base64.b64decode(checksum(algorithm.lower(), TAIL))
    expected = f"{checksum(algorithm.lower(), joined)}-2"
    name = f"Checksum{algorithm}"
    assert (done.get(name), done.get("ChecksumType")) == (expected, "COMPOSITE"), done
    got = s3.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    got["Body"].close()
    assert (got.get(name), got.get("ChecksumType")) == (expected, "COMPOSITE")
