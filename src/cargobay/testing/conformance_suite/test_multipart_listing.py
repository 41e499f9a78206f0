"""ListMultipartUploads and ListParts, what the other modules leave open: grouping uploads by a
delimiter, paging across common prefixes, the elements every answer carries (echoed parameters,
Initiated, StorageClass, the checksum algorithm and type), url encoding of prefixes and markers, and
part-number-marker past the last part.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import unquote_plus

import pytest

from cargobay.testing.conformance_suite._http import RawS3, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

pytestmark = [pytest.mark.s3_requires("multipart"), pytest.mark.aws_doc(_API + "API_ListMultipartUploads.html")]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _top(answer: Any, name: str) -> list[str]:
    """Texts of the direct children of the root named ``name``."""
    return [node.text or "" for node in answer.xml() if _local(node.tag) == name]


def _uploads(answer: Any) -> list[tuple[str, str]]:
    return [
        (node.findtext("{*}Key") or "", node.findtext("{*}UploadId") or "")
        for node in answer.xml()
        if _local(node.tag) == "Upload"
    ]


def _prefixes(answer: Any) -> list[str]:
    return [node.findtext("{*}Prefix") or "" for node in answer.xml() if _local(node.tag) == "CommonPrefixes"]


def _start(s3: Any, bucket: str, *keys: str, **create: Any) -> dict[str, str]:
    return {key: s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"] for key in keys}


def _list(raw: RawS3, bucket: str, **params: str) -> Any:
    answer = raw.request("GET", "/" + bucket, [("uploads", ""), *((k.replace("_", "-"), v) for k, v in params.items())])
    assert answer.status == 200, answer
    return answer


def _near_now(text: str) -> bool:
    """An ISO 8601 time within a day of this machine's clock (the endpoint's clock may differ a little)."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return abs(when - dt.datetime.now(dt.UTC)) < dt.timedelta(days=1)


# -- ListMultipartUploads --------------------------------------------------------------------------


def test_list_uploads_delimiter_groups_keys_into_common_prefixes(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_ListMultipartUploads.html, delimiter: "All keys that contain the same string between the
    prefix and the first occurrence of the delimiter are grouped under a single result element,
    CommonPrefixes"; the grouped uploads are not listed as Upload elements. With a prefix, the
    grouping starts after it."""
    made = _start(s3, bucket, "a/1", "a/2", "b/x/1", "b/y", "c", "d/")
    whole = _list(raw, bucket, delimiter="/")
    assert _prefixes(whole) == ["a/", "b/", "d/"]
    assert _uploads(whole) == [("c", made["c"])]
    assert (_top(whole, "Delimiter"), _top(whole, "IsTruncated")) == (["/"], ["false"])
    under_b = _list(raw, bucket, delimiter="/", prefix="b/")
    assert _prefixes(under_b) == ["b/x/"]
    assert _uploads(under_b) == [("b/y", made["b/y"])]
    assert _top(under_b, "Prefix") == ["b/"]


def test_list_uploads_paging_across_common_prefixes_lists_each_once(raw: RawS3, s3: Any, bucket: str) -> None:
    """max-uploads counts uploads and common prefixes alike; a page that ends on a common prefix names
    it as NextKeyMarker, and key-marker set to it goes on after every key under it: paging one entry
    at a time gives the same entries as the whole listing, each once, in order."""
    made = _start(s3, bucket, "a/1", "a/2", "a/3", "b", "c/1", "c/2", "d")
    whole = _list(raw, bucket, delimiter="/")
    assert (_prefixes(whole), _uploads(whole)) == (["a/", "c/"], [("b", made["b"]), ("d", made["d"])])
    seen: list[str] = []
    markers: dict[str, str] = {}
    for _ in range(10):
        page = _list(raw, bucket, delimiter="/", max_uploads="1", **markers)
        entries = [f"prefix:{p}" for p in _prefixes(page)] + [f"upload:{k}" for k, _u in _uploads(page)]
        assert len(entries) <= 1, page.body
        seen += entries
        if _top(page, "IsTruncated") != ["true"]:
            break
        (next_key,) = _top(page, "NextKeyMarker")
        markers = {"key_marker": next_key}
        next_upload = _top(page, "NextUploadIdMarker")
        if next_upload and next_upload != [""]:
            markers["upload_id_marker"] = next_upload[0]
    assert seen == ["prefix:a/", "upload:b", "prefix:c/", "upload:d"]


def test_list_uploads_echoes_its_parameters_and_describes_each_upload(raw: RawS3, s3: Any, bucket: str) -> None:
    """The result names the Bucket, KeyMarker, UploadIdMarker, Prefix and MaxUploads it was asked for,
    and IsTruncated; each Upload has Key, UploadId, Initiated (when it was started), StorageClass and
    the checksum algorithm and type it was created with (ChecksumAlgorithm, ChecksumType)."""
    made = _start(s3, bucket, "p/plain", "z")
    made.update(_start(s3, bucket, "p/sums", ChecksumAlgorithm="SHA256"))
    answer = _list(raw, bucket, prefix="p/", key_marker="p/", upload_id_marker="x", max_uploads="7")
    assert _top(answer, "Bucket") == [bucket]
    assert (_top(answer, "KeyMarker"), _top(answer, "UploadIdMarker")) == (["p/"], ["x"])
    assert (_top(answer, "Prefix"), _top(answer, "MaxUploads"), _top(answer, "IsTruncated")) == (
        ["p/"],
        ["7"],
        ["false"],
    )
    assert _uploads(answer) == [("p/plain", made["p/plain"]), ("p/sums", made["p/sums"])]
    uploads = {node.findtext("{*}Key"): node for node in answer.xml() if _local(node.tag) == "Upload"}
    for node in uploads.values():
        assert _near_now(node.findtext("{*}Initiated") or ""), ET.tostring(node)
        assert node.findtext("{*}StorageClass") == "STANDARD"
    assert (uploads["p/sums"].findtext("{*}ChecksumAlgorithm"), uploads["p/sums"].findtext("{*}ChecksumType")) == (
        "SHA256",
        "COMPOSITE",
    )
    assert uploads["p/plain"].find("{*}ChecksumAlgorithm") is None


def test_list_uploads_url_encoding_covers_prefixes_delimiter_and_markers(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_ListMultipartUploads.html, EncodingType: "Encoding type used by Amazon S3 to encode the object
    keys in the response"; with url, Delimiter, KeyMarker, Prefix, NextKeyMarker and Key are encoded,
    and so is the Prefix of each CommonPrefixes (ListObjects does the same)."""
    _start(s3, bucket, "sp ace/one", "sp ace/two", "sp ace+x", "sp ace~z")
    answer = _list(
        raw, bucket, encoding_type="url", prefix="sp ace", delimiter=" ", key_marker="sp ace ", max_uploads="1"
    )
    assert _top(answer, "EncodingType") == ["url"]
    assert [unquote_plus(p) for p in _top(answer, "Prefix")] == ["sp ace"]
    assert [unquote_plus(p) for p in _top(answer, "Delimiter")] == [" "]
    assert [unquote_plus(p) for p in _top(answer, "KeyMarker")] == ["sp ace "]
    assert " " not in "".join(_top(answer, "Prefix") + _top(answer, "Delimiter") + _top(answer, "KeyMarker"))
    (key,) = [k for k, _u in _uploads(answer)]
    assert unquote_plus(key) == "sp ace+x" and key != "sp ace+x"
    (marker,) = _top(answer, "NextKeyMarker")
    assert unquote_plus(marker) == "sp ace+x"
    grouped = _list(raw, bucket, encoding_type="url", delimiter="/")
    assert [unquote_plus(p) for p in _prefixes(grouped)] == ["sp ace/"]
    assert " " not in "".join(_prefixes(grouped))


@pytest.mark.parametrize("limit", ["0", "5000"])
def test_list_uploads_max_uploads_zero_and_above_1000(raw: RawS3, s3: Any, bucket: str, limit: str) -> None:
    """max-uploads "from 1 to 1,000"; a larger number is no error but a page still holds at most 1,000
    (API_ListMultipartUploads.html: "1,000 multipart uploads is the maximum number of uploads a response
    can include"; Hadoop's S3A asks for 5,000, apache/ozone#9060). max-uploads=0 lists nothing, and a
    page that says IsTruncated names where to go on (else a client pages forever)."""
    made = _start(s3, bucket, "a", "b")
    answer = _list(raw, bucket, max_uploads=limit)
    if limit == "0":
        assert _uploads(answer) == []
        if _top(answer, "IsTruncated") == ["true"]:
            assert _top(answer, "NextKeyMarker") not in ([], [""]), answer.body
    else:
        assert _uploads(answer) == [("a", made["a"]), ("b", made["b"])]
        assert _top(answer, "IsTruncated") == ["false"]


# -- ListParts -----------------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_describes_the_upload_and_each_part(raw: RawS3, s3: Any, bucket: str) -> None:
    """ListPartsResult: Bucket, Key, UploadId, PartNumberMarker, MaxParts (1,000 when not asked: "By
    default, ListParts returns up to 1,000 parts", mpuoverview), IsTruncated; each Part has PartNumber,
    LastModified, ETag (as UploadPart returned it) and Size."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    try:
        etags = {
            n: s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=n, Body=b"x" * n)["ETag"]
            for n in (2, 7)
        }
        answer = raw.request("GET", key_path(bucket, "mp"), [("uploadId", upload)])
        assert answer.status == 200, answer
        assert (_top(answer, "Bucket"), _top(answer, "Key"), _top(answer, "UploadId")) == (
            [bucket],
            ["mp"],
            [upload],
        )
        assert (_top(answer, "MaxParts"), _top(answer, "IsTruncated")) == (["1000"], ["false"])
        assert _top(answer, "PartNumberMarker") in ([], ["0"]), answer.body
        parts = [node for node in answer.xml() if _local(node.tag) == "Part"]
        assert [(p.findtext("{*}PartNumber"), p.findtext("{*}ETag"), p.findtext("{*}Size")) for p in parts] == [
            ("2", etags[2], "2"),
            ("7", etags[7], "7"),
        ]
        assert all(_near_now(p.findtext("{*}LastModified") or "") for p in parts)
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc(_API + "API_ListParts.html")
@pytest.mark.parametrize(("algorithm", "kind"), [("SHA256", "COMPOSITE"), ("CRC32", "FULL_OBJECT")])
def test_list_parts_names_each_parts_checksum(s3: Any, bucket: str, algorithm: str, kind: str) -> None:
    """API_ListParts.html, Part: Checksum<ALG>, "The Base64 encoded ... checksum of the part", the one
    UploadPart returned; the result names the upload's ChecksumAlgorithm and ChecksumType."""
    extra = {"ChecksumType": kind} if kind == "FULL_OBJECT" else {}
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, **extra)["UploadId"]
    try:
        sent = {
            n: s3.upload_part(
                Bucket=bucket, Key="mp", UploadId=upload, PartNumber=n, Body=body, ChecksumAlgorithm=algorithm
            )[f"Checksum{algorithm}"]
            for n, body in ((1, b"first part"), (2, b"second"))
        }
        listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)
        assert (listed.get("ChecksumAlgorithm"), listed.get("ChecksumType")) == (algorithm, kind)
        assert {p["PartNumber"]: p.get(f"Checksum{algorithm}") for p in listed["Parts"]} == sent
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_max_parts_above_1000_is_no_error(s3: Any, bucket: str) -> None:
    """max-parts above 1,000 is taken ("1,000 parts is the maximum number of parts that can be returned
    in a response" is a cap, not a refusal); the parts are listed."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    try:
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
        listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload, MaxParts=5000)
        assert ([p["PartNumber"] for p in listed["Parts"]], listed["IsTruncated"]) == ([1], False)
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.aws_doc(_API + "API_ListParts.html")
@pytest.mark.parametrize("marker", ["3", "10000"])
def test_list_parts_marker_at_or_past_the_last_part_lists_none(raw: RawS3, s3: Any, bucket: str, marker: str) -> None:
    """part-number-marker: "Only parts with higher part numbers will be listed"; past the last part the
    page is empty and not truncated (no endless paging), and the marker is echoed."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    try:
        for n in (1, 3):
            s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=n, Body=b"p")
        answer = raw.request("GET", key_path(bucket, "mp"), [("uploadId", upload), ("part-number-marker", marker)])
        assert answer.status == 200, answer
        assert [node for node in answer.xml() if _local(node.tag) == "Part"] == []
        assert (_top(answer, "IsTruncated"), _top(answer, "PartNumberMarker")) == (["false"], [marker])
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)
