"""ListMultipartUploads and ListParts, a fourth pass: a key-marker inside a common prefix, a delimiter of
several characters, markers past the end, pages that hold exactly the rest, negative integers, max-parts=0,
and the part checksums of every algorithm.

What test_multipart_listing, test_listing_params and test_multipart already pin is not repeated here.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import refused
from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

pytestmark = [pytest.mark.s3_requires("multipart"), pytest.mark.aws_doc(_API + "API_ListMultipartUploads.html")]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _top(answer: Any, name: str) -> list[str]:
    """Texts of the direct children of the root named ``name``."""
    return [node.text or "" for node in answer.xml() if _local(node.tag) == name]


def _keys(answer: Any) -> list[str]:
    return [node.findtext("{*}Key") or "" for node in answer.xml() if _local(node.tag) == "Upload"]


def _prefixes(answer: Any) -> list[str]:
    return [node.findtext("{*}Prefix") or "" for node in answer.xml() if _local(node.tag) == "CommonPrefixes"]


def _parts(answer: Any) -> list[str]:
    return [node.findtext("{*}PartNumber") or "" for node in answer.xml() if _local(node.tag) == "Part"]


def _start(s3: Any, bucket: str, *keys: str) -> dict[str, str]:
    return {key: s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"] for key in keys}


def _uploads(raw: RawS3, bucket: str, *params: tuple[str, str]) -> Any:
    answer = raw.request("GET", "/" + bucket, [("uploads", ""), *params])
    assert answer.status == 200, answer
    return answer


def _list_parts(raw: RawS3, bucket: str, key: str, upload: str, *params: tuple[str, str]) -> Any:
    answer = raw.request("GET", key_path(bucket, key), [("uploadId", upload), *params])
    assert answer.status == 200, answer
    return answer


# -- ListMultipartUploads ---------------------------------------------------------------------------------


def test_list_uploads_key_marker_inside_a_common_prefix_leaves_the_group_out(raw: RawS3, s3: Any, bucket: str) -> None:
    """delimiter: "CommonPrefixes is filtered out from results if it is not lexicographically greater than
    the key-marker" - a key-marker inside a group ("a/1" in "a/") or equal to it leaves the group out (its
    uploads are "not returned elsewhere in the response"); a key-marker before it keeps it."""
    _start(s3, bucket, "a/1", "a/2", "a/3", "b")
    for marker in ("a/1", "a/"):
        answer = _uploads(raw, bucket, ("delimiter", "/"), ("key-marker", marker))
        assert (_keys(answer), _prefixes(answer)) == (["b"], []), marker
    answer = _uploads(raw, bucket, ("delimiter", "/"), ("key-marker", "a"))
    assert (_keys(answer), _prefixes(answer)) == (["b"], ["a/"])


def test_list_uploads_delimiter_of_several_characters_after_the_prefix(raw: RawS3, s3: Any, bucket: str) -> None:
    """delimiter: keys "that contain the same string between the prefix, if specified, and the first
    occurrence of the delimiter after the prefix are grouped": a delimiter is a string, and a prefix that
    ends with part of it does not count that part."""
    _start(s3, bucket, "a--b", "a---c", "a-d--e", "a-f", "b--g")
    answer = _uploads(raw, bucket, ("prefix", "a-"), ("delimiter", "--"))
    assert (_keys(answer), _prefixes(answer)) == (["a--b", "a-f"], ["a---", "a-d--"])
    assert _top(answer, "Delimiter") == ["--"]
    answer = _uploads(raw, bucket, ("delimiter", "--"))
    assert (_keys(answer), _prefixes(answer)) == (["a-f"], ["a--", "a-d--", "b--"])


def test_list_uploads_key_marker_past_the_last_key_is_an_empty_untruncated_page(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """key-marker: "only the keys lexicographically greater than the specified key-marker will be included":
    after the last key nothing is, and the page is not truncated."""
    _start(s3, bucket, "a", "b/c")
    answer = _uploads(raw, bucket, ("key-marker", "zzz"), ("delimiter", "/"))
    assert (_keys(answer), _prefixes(answer), _top(answer, "IsTruncated")) == ([], [], ["false"])
    assert _top(answer, "KeyMarker") == ["zzz"]


def test_list_uploads_page_holding_exactly_the_rest_is_not_truncated(raw: RawS3, s3: Any, bucket: str) -> None:
    """IsTruncated: "The list can be truncated if the number of multipart uploads exceeds the limit allowed
    or specified by max uploads" - max-uploads equal to what is left (uploads and common prefixes
    together) does not truncate it."""
    _start(s3, bucket, "a", "b/1", "b/2", "c")
    answer = _uploads(raw, bucket, ("delimiter", "/"), ("max-uploads", "3"))
    assert (_keys(answer), _prefixes(answer), _top(answer, "IsTruncated")) == (["a", "c"], ["b/"], ["false"])
    answer = _uploads(raw, bucket, ("max-uploads", "4"))
    assert (_keys(answer), _top(answer, "IsTruncated")) == (["a", "b/1", "b/2", "c"], ["false"])


def test_list_uploads_page_ending_on_a_common_prefix_goes_on_after_it(raw: RawS3, s3: Any, bucket: str) -> None:
    """A truncated page whose last entry is a common prefix names it as NextKeyMarker (url-encoded with
    encoding-type=url, as its reference lists NextKeyMarker); sent back decoded as key-marker, the next page
    starts after every upload under it."""
    _start(s3, bucket, "s p/1", "s p/2", "t")
    answer = _uploads(raw, bucket, ("delimiter", "/"), ("max-uploads", "1"), ("encoding-type", "url"))
    assert _top(answer, "IsTruncated") == ["true"]
    (marker,) = _top(answer, "NextKeyMarker")
    assert " " not in marker and marker.replace("+", "%20") == "s%20p/"
    rest = _uploads(raw, bucket, ("delimiter", "/"), ("key-marker", "s p/"))
    assert (_keys(rest), _prefixes(rest), _top(rest, "IsTruncated")) == (["t"], [], ["false"])


# -- integers below zero ------------------------------------------------------------------------------------
# max-uploads, max-parts and part-number-marker are Integers: a negative one is 400 InvalidArgument
# ("Argument max-parts must be an integer between 0 and 2147483647"), never read as a default.


@pytest.mark.aws_doc(_API + "API_ListParts.html")
@pytest.mark.parametrize("param", ["max-uploads", "max-parts", "part-number-marker"])
def test_list_upload_integers_below_zero_are_400_invalid_argument(raw: RawS3, s3: Any, bucket: str, param: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    if param == "max-uploads":
        answer = raw.request("GET", "/" + bucket, [("uploads", ""), (param, "-1")])
    else:
        answer = raw.request("GET", key_path(bucket, "k"), [("uploadId", upload), (param, "-1")])
    refused(answer, 400, "InvalidArgument", accepted=f"{param}=-1 accepted")


# -- ListParts ----------------------------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_page_holding_exactly_the_rest_is_not_truncated(raw: RawS3, s3: Any, bucket: str) -> None:
    """IsTruncated: "A list can be truncated if the number of parts exceeds the limit returned in the
    MaxParts element" - it does not exceed it when max-parts equals the parts left."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    try:
        for number in (1, 2, 3):
            s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number, Body=b"p")
        answer = _list_parts(raw, bucket, "mp", upload, ("max-parts", "3"))
        assert (_parts(answer), _top(answer, "IsTruncated")) == (["1", "2", "3"], ["false"])
        answer = _list_parts(raw, bucket, "mp", upload, ("max-parts", "2"), ("part-number-marker", "1"))
        assert (_parts(answer), _top(answer, "IsTruncated")) == (["2", "3"], ["false"])
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_max_parts_zero_lists_no_part(raw: RawS3, s3: Any, bucket: str) -> None:
    """max-parts "Sets the maximum number of parts to return": 0 is an integer in range (the refusal of a
    negative one names 0 as the lowest), so no part is listed and MaxParts says 0."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    try:
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
        answer = _list_parts(raw, bucket, "mp", upload, ("max-parts", "0"))
        assert (_parts(answer), _top(answer, "MaxParts")) == ([], ["0"])
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc(_API + "API_Part.html")
@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [("CRC32C", "COMPOSITE"), ("SHA1", "COMPOSITE"), ("CRC32", "COMPOSITE"), ("CRC64NVME", "FULL_OBJECT")],
)
def test_list_parts_names_the_part_checksum_of_every_algorithm(s3: Any, bucket: str, algorithm: str, kind: str) -> None:
    """API_Part.html: Checksum<ALG>, "present if the object was uploaded with the <ALG> checksum algorithm",
    the value UploadPart returned; ChecksumType is what CreateMultipartUpload asked for (COMPOSITE when it
    named none, FULL_OBJECT for CRC64NVME, which supports only that: API_CreateMultipartUpload.html)."""
    extra = {"ChecksumType": kind} if kind == "FULL_OBJECT" else {}
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, **extra)["UploadId"]
    try:
        sent = {
            n: s3.upload_part(
                Bucket=bucket, Key="mp", UploadId=upload, PartNumber=n, Body=body, ChecksumAlgorithm=algorithm
            )[f"Checksum{algorithm}"]
            for n, body in ((1, b"first part"), (3, b"third"))
        }
        listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)
        assert (listed.get("ChecksumAlgorithm"), listed.get("ChecksumType")) == (algorithm, kind)
        assert {p["PartNumber"]: p.get(f"Checksum{algorithm}") for p in listed["Parts"]} == sent
        others = {f"Checksum{a}" for a in ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")} - {f"Checksum{algorithm}"}
        assert not [name for part in listed["Parts"] for name in part if name in others], listed["Parts"]
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)
