"""Multipart upload: the part rules AWS documents (5 MiB minimum except the last part, 1..10000
part numbers, ascending order, matching ETags), the ``<md5-of-md5s>-N`` ETag, abort, listing
uploads and parts, UploadPartCopy."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header, same_bytes
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("multipart"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html"),
]

MIB5 = 5 * 1024 * 1024
PART1 = b"a" * MIB5
PART2 = b"tail bytes"


def _etag_of_parts(*parts: bytes) -> str:
    # AWS: MD5 of the concatenated binary MD5s of the parts, then "-<number of parts>".
    joined = b"".join(hashlib.md5(p, usedforsecurity=False).digest() for p in parts)
    return f'"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(parts)}"'


def _upload(s3: Any, bucket: str, key: str, parts: list[bytes], **create: Any) -> tuple[str, list[dict[str, Any]]]:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = [
        {
            "PartNumber": n,
            "ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=body)["ETag"],
        }
        for n, body in enumerate(parts, start=1)
    ]
    return upload, done


@pytest.mark.s3_requires("metadata")
def test_multipart_upload_two_parts_etag_and_bytes(s3: Any, bucket: str) -> None:
    upload, parts = _upload(s3, bucket, "mp", [PART1, PART2], Metadata={"m": "1"}, ContentType="text/x-mp")
    assert parts[0]["ETag"] == '"' + hashlib.md5(PART1, usedforsecurity=False).hexdigest() + '"'
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})
    assert done["ETag"] == _etag_of_parts(PART1, PART2)
    got = s3.get_object(Bucket=bucket, Key="mp")
    same_bytes(got["Body"].read(), PART1 + PART2)
    assert (got["ETag"], got["Metadata"], header(got, "content-type")) == (
        _etag_of_parts(PART1, PART2),
        {"m": "1"},
        "text/x-mp",
    )
    assert header(got, "content-length") == str(MIB5 + len(PART2))
    ranged = s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={MIB5 - 2}-{MIB5 + 1}")
    assert ranged["Body"].read() == b"aata"


def test_multipart_single_small_part_is_allowed(s3: Any, bucket: str) -> None:
    upload, parts = _upload(s3, bucket, "one", [b"small"])
    done = s3.complete_multipart_upload(Bucket=bucket, Key="one", UploadId=upload, MultipartUpload={"Parts": parts})
    assert done["ETag"] == _etag_of_parts(b"small")
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == b"small"


def test_multipart_small_non_last_part_is_400_entity_too_small(s3: Any, bucket: str) -> None:
    upload, parts = _upload(s3, bucket, "small", [b"too small", b"last"])
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="small", UploadId=upload, MultipartUpload={"Parts": parts}
        )
    ) == (400, "EntityTooSmall")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="small")) == (404, None)


def test_multipart_wrong_part_etag_is_400_invalid_part(s3: Any, bucket: str) -> None:
    upload, parts = _upload(s3, bucket, "k", [b"x"])
    parts[0]["ETag"] = '"00000000000000000000000000000000"'
    assert error_of(
        lambda: s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts})
    ) == (400, "InvalidPart")


def test_multipart_missing_part_is_400_invalid_part(s3: Any, bucket: str) -> None:
    """Part 2 was never uploaded: InvalidPart. Part 1 is 1 byte and no longer the last part, so
    EntityTooSmall is an answer AWS documents too (API_CompleteMultipartUpload.html lists both and
    not their order): either is accepted; the object must not appear."""
    upload, parts = _upload(s3, bucket, "k", [b"x"])
    parts.append({"PartNumber": 2, "ETag": parts[0]["ETag"]})
    assert error_of(
        lambda: s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts})
    ) in ((400, "InvalidPart"), (400, "EntityTooSmall"))
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def test_multipart_parts_out_of_order_is_400_invalid_part_order(s3: Any, bucket: str) -> None:
    upload, parts = _upload(s3, bucket, "k", [PART1, PART1])  # both large: only the order is wrong
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts[::-1]}
        )
    ) == (400, "InvalidPartOrder")


@pytest.mark.parametrize("number", [0, 10001], ids=["zero", "10001"])
def test_multipart_part_number_out_of_range_is_400_invalid_argument(s3: Any, bucket: str, number: int) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    assert error_of(lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=number, Body=b"x")) == (
        400,
        "InvalidArgument",
    )


def test_multipart_abort_then_no_such_upload(s3: Any, bucket: str) -> None:
    upload, parts = _upload(s3, bucket, "k", [b"x"])
    assert (
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)["ResponseMetadata"]["HTTPStatusCode"] == 204
    )
    assert error_of(lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=2, Body=b"y")) == (
        404,
        "NoSuchUpload",
    )
    assert error_of(
        lambda: s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts})
    ) == (404, "NoSuchUpload")
    assert full_listing(s3, bucket).keys == ()


def test_multipart_unknown_upload_id_is_404_no_such_upload(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x")) == (
        404,
        "NoSuchUpload",
    )


def test_multipart_list_uploads_and_parts(s3: Any, bucket: str) -> None:
    upload, _ = _upload(s3, bucket, "dir/k", [b"one", b"two"])
    uploads = s3.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in uploads["Uploads"]] == [("dir/k", upload)]
    parts = s3.list_parts(Bucket=bucket, Key="dir/k", UploadId=upload)
    assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [(1, 3), (2, 3)]
    assert full_listing(s3, bucket).keys == (), "an unfinished upload is visible as an object"


def test_multipart_reuploading_a_part_replaces_it(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"first")
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"second")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"


def test_multipart_complete_replaces_existing_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"old", Metadata={"old": "1"})
    upload, parts = _upload(s3, bucket, "k", [b"new"])
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts})
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["Body"].read(), got["Metadata"]) == (b"new", {})


def test_multipart_upload_part_copy(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange="bytes=2-5",
    )
    etag = part["CopyPartResult"]["ETag"]
    assert etag == '"' + hashlib.md5(b"2345", usedforsecurity=False).hexdigest() + '"'
    s3.complete_multipart_upload(
        Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"2345"


def test_multipart_boto3_transfer_manager_round_trip(s3: Any, bucket: str, tmp_path: Any) -> None:
    from boto3.s3.transfer import TransferConfig

    data = bytes(range(256)) * (24 * 1024 + 3)  # ~6 MiB, not a multiple of the part size
    source = tmp_path / "in.bin"
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=MIB5, multipart_chunksize=MIB5, max_concurrency=2)
    s3.upload_file(str(source), bucket, "tm", Config=config)
    head = s3.head_object(Bucket=bucket, Key="tm")
    assert head["ETag"].endswith('-2"'), f"expected a two-part multipart ETag '\"...-2\"', got {head['ETag']}"
    target = tmp_path / "out.bin"
    s3.download_file(bucket, "tm", str(target), Config=config)
    assert target.read_bytes() == data


def test_multipart_complete_retried_after_success_answers_again(s3: Any, bucket: str) -> None:
    # API_CompleteMultipartUpload.html: "Processing of a Complete Multipart Upload request could
    # take several minutes ... you should retry the request"; a client whose connection dropped
    # retries a completion that did succeed, and gets the same answer, not NoSuchUpload.
    upload, parts = _upload(s3, bucket, "mp", [PART1, PART2])
    first = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})
    again = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (again["ETag"], again["Key"], again["Bucket"]) == (first["ETag"], "mp", bucket)
    same_bytes(s3.get_object(Bucket=bucket, Key="mp")["Body"].read(), PART1 + PART2)
    # The upload itself is finished: it is not listed and takes no parts.
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert error_of(lambda: s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=3, Body=b"x")) == (
        404,
        "NoSuchUpload",
    )


def test_multipart_part_reuploaded_after_a_later_part_completes(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    first = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"b" * MIB5)["ETag"]
    second = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=PART2)["ETag"]
    again = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=PART1)["ETag"]
    assert first != again
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": again}, {"PartNumber": 2, "ETag": second}]},
    )
    assert done["ETag"] == _etag_of_parts(PART1, PART2)
    same_bytes(s3.get_object(Bucket=bucket, Key="mp")["Body"].read(), PART1 + PART2)


def test_multipart_part_listed_twice_uses_the_last_entry(s3: Any, bucket: str) -> None:
    # API_CompleteMultipartUpload.html: parts must be "in ascending order by part number"; a
    # part number listed twice in a row is not out of order, and its last entry names the part.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    old = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"old")["ETag"]
    new = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"new")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": old}, {"PartNumber": 1, "ETag": new}]},
    )
    assert done["ETag"] == _etag_of_parts(b"new")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"new"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_multipart_complete_with_wrong_part_checksum_is_400_invalid_part(s3: Any, bucket: str, algorithm: str) -> None:
    # API_CompleteMultipartUpload.html, Errors: InvalidPart, "One or more of the specified parts
    # could not be found ... or the specified entity tag might not have matched the part's entity
    # tag"; the part's checksum is part of what the completion names (Part.Checksum<ALG>).
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm)["UploadId"]
    part = s3.upload_part(
        Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part", ChecksumAlgorithm=algorithm
    )
    wrong = {
        "CRC32": "AAAAAA==",
        "CRC32C": "AAAAAA==",
        "SHA1": "qvTGHdzF6KLavt4PO0gs2a6pQ0A=",
        "SHA256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCA=",
        "CRC64NVME": "AAAAAAAAAAA=",
    }[algorithm]
    assert part[f"Checksum{algorithm}"] != wrong
    listed = {"PartNumber": 1, "ETag": part["ETag"], f"Checksum{algorithm}": wrong}
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [listed]}
        )
    ) == (400, "InvalidPart")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)


def test_multipart_complete_listing_a_checksum_the_upload_lacks_is_400(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    listed = {"PartNumber": 1, "ETag": etag, "ChecksumSHA256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCA="}
    status, _code = error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [listed]}
        )
    )
    assert status == 400
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)


def test_multipart_uploads_die_with_their_bucket(s3: Any, s3_endpoint: Any) -> None:
    # API_DeleteBucket.html: the bucket is deleted with everything in it that is not an object;
    # a bucket created later under the same name is a new bucket with no uploads in progress.
    name = s3_endpoint.new_bucket_name("mpdel")
    s3.create_bucket(Bucket=name)
    upload, parts = _upload(s3, name, "mp", [PART2])
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.create_bucket(Bucket=name)
    try:
        assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
        assert error_of(
            lambda: s3.complete_multipart_upload(
                Bucket=name, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}
            )
        ) == (404, "NoSuchUpload")
        assert error_of(lambda: s3.head_object(Bucket=name, Key="mp")) == (404, None)
    finally:
        s3_endpoint.empty_and_delete(name)


def test_multipart_complete_checks_the_expected_object_size(s3: Any, bucket: str) -> None:
    # API_CompleteMultipartUpload.html, x-amz-mp-object-size: "The expected total object size of
    # the multipart upload request. If there's a mismatch between the specified object size value
    # and the actual object size value, it results in an HTTP 400 InvalidRequest error."
    upload, parts = _upload(s3, bucket, "mp", [PART1, PART2])
    assert error_of(
        lambda: s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload,
            MultipartUpload={"Parts": parts},
            MpuObjectSize=len(PART1) + len(PART2) + 1,
        )
    ) == (400, "InvalidRequest")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": parts},
        MpuObjectSize=len(PART1) + len(PART2),
    )
    assert done["ETag"] == _etag_of_parts(PART1, PART2)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html")
@pytest.mark.parametrize(
    "copy_range", ["bytes=0-16", "bytes=16-20", "bytes=10-5"], ids=["past-end", "after-end", "reversed"]
)
def test_multipart_upload_part_copy_range_outside_the_source_is_400_invalid_argument(
    s3: Any, bucket: str, copy_range: str
) -> None:
    """A well-formed x-amz-copy-source-range that the 16-byte source cannot satisfy: AWS answers 400
    InvalidArgument "Range specified is not valid for source object of size: 16" (observed against
    S3, versity/versitygw#610), not the 416 of a GET; no part is stored."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789abcdef")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    try:
        assert error_of(
            lambda: s3.upload_part_copy(
                Bucket=bucket,
                Key="dst",
                UploadId=upload,
                PartNumber=1,
                CopySource={"Bucket": bucket, "Key": "src"},
                CopySourceRange=copy_range,
            )
        ) == (400, "InvalidArgument")
        assert s3.list_parts(Bucket=bucket, Key="dst", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)
