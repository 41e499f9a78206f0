"""Listing parameters at their edges, across the listing operations: ListObjects (v1), ListObjectsV2,
ListObjectVersions, ListMultipartUploads, ListParts and ListBuckets.

What test_listing covers (order, paging past 1,000 keys, StartAfter, the ``/`` delimiter) is not
repeated here; this module checks what each operation's API reference says about malformed and
out-of-range values, a missing or empty bucket, other delimiters across page boundaries, the markers
of the upload and part listings, the elements encoding-type=url encodes, and the response elements
of a listed object (its checksum algorithm).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import refused
from cargobay.testing.conformance_suite._http import RawS3, key_path
from cargobay.testing.conformance_suite._versions import list_all_versions, list_versions_page
from cargobay.testing.normalize import full_listing

pytestmark = pytest.mark.s3_requires("listing")

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
# The query that selects each bucket-level listing operation.
_LISTS = {"v1": [], "v2": [("list-type", "2")], "versions": [("versions", "")]}
_DOCS = {"v1": "API_ListObjects.html", "v2": "API_ListObjectsV2.html", "versions": "API_ListObjectVersions.html"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _top(body: bytes, element: str) -> list[str]:
    """The texts of ``element`` directly under the document's root."""
    return [node.text or "" for node in ET.fromstring(body) if _local(node.tag) == element]


def _all(body: bytes, element: str) -> list[str]:
    """The texts of every ``element`` in the document, in document order."""
    return [node.text or "" for node in ET.fromstring(body).iter() if _local(node.tag) == element]


# -- integers: max-keys, max-uploads, max-parts, part-number-marker ---------------------------------
# Each is an Integer in the API reference (API_ListObjectsV2.html "max-keys", API_ListMultipartUploads.html
# "max-uploads", API_ListParts.html "max-parts" and "part-number-marker"): a 32-bit integer written in
# decimal digits. Anything else is 400 InvalidArgument ("Provided max-keys not an integer or within
# integer range"), never read as some other number.

_NOT_INTEGERS = {
    "underscore": "1_0",  # a Python int() literal, not an integer on the wire
    "space": " 5",
    "decimal-point": "5.0",
    "hex": "0x10",
    "over-int32": "2147483648",
    "superscript-two": "\u00b2",  # str.isdigit() says yes, int() says no
}


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
@pytest.mark.parametrize("value", list(_NOT_INTEGERS.values()), ids=list(_NOT_INTEGERS))
@pytest.mark.parametrize("api", list(_LISTS), ids=list(_LISTS))
def test_list_max_keys_not_an_int32_is_400_invalid_argument(raw: RawS3, bucket: str, api: str, value: str) -> None:
    answer = raw.request("GET", "/" + bucket, [*_LISTS[api], ("max-keys", value)])
    refused(answer, 400, "InvalidArgument", accepted=f"{api}: max-keys={value!r} accepted")


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_ListParts.html")
@pytest.mark.parametrize("value", ["1_0", "2157483647"], ids=["underscore", "over-int32"])
@pytest.mark.parametrize("param", ["max-uploads", "max-parts", "part-number-marker"])
def test_list_upload_integers_not_decimal_are_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, param: str, value: str
) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    if param == "max-uploads":
        answer = raw.request("GET", "/" + bucket, [("uploads", ""), (param, value)])
    else:
        answer = raw.request("GET", key_path(bucket, "k"), [("uploadId", upload), (param, value)])
    refused(answer, 400, "InvalidArgument", accepted=f"{param}={value} accepted")


# -- encoding-type ----------------------------------------------------------------------------------
# Valid Values: url (API_ListObjects.html, API_ListObjectsV2.html, API_ListObjectVersions.html,
# API_ListMultipartUploads.html). Any other value: 400 InvalidArgument "Invalid Encoding Method
# specified in Request".


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
@pytest.mark.parametrize("api", [*_LISTS, "uploads"])
def test_list_unknown_encoding_type_is_400_invalid_argument(raw: RawS3, bucket: str, api: str) -> None:
    query = _LISTS.get(api, [("uploads", "")])
    answer = raw.request("GET", "/" + bucket, [*query, ("encoding-type", "base64")])
    refused(answer, 400, "InvalidArgument", accepted=f"{api}: encoding-type=base64 accepted")


@pytest.mark.aws_doc(_API + "API_ListObjects.html")
def test_list_v1_next_marker_is_url_encoded(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_ListObjects.html, EncodingType: with url, Delimiter, Marker, Prefix, NextMarker and Key are
    encoded. Here the page ends on a common prefix, which NextMarker names."""
    for key in ("a b/1", "a b/2", "c d"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    answer = raw.request(
        "GET", "/" + bucket, [("delimiter", "/"), ("max-keys", "1"), ("encoding-type", "url"), ("marker", "a")]
    )
    assert answer.status == 200, answer
    assert _top(answer.body, "NextMarker") in (["a%20b/"], ["a+b/"]), answer.body
    assert _top(answer.body, "Marker") == ["a"]


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_v2_start_after_is_url_encoded(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_ListObjectsV2.html, EncodingType: with url, Delimiter, Prefix, Key and StartAfter are encoded."""
    s3.put_object(Bucket=bucket, Key="b c", Body=b"")
    answer = raw.request("GET", "/" + bucket, [("list-type", "2"), ("encoding-type", "url"), ("start-after", "a b")])
    assert answer.status == 200, answer
    assert _top(answer.body, "StartAfter") in (["a%20b"], ["a+b"]), answer.body
    assert _all(answer.body, "Key") in (["b%20c"], ["b+c"]), answer.body


_XML_SPECIAL = "a&b<c>'d\"e"


@pytest.mark.aws_doc(_API + "API_ListObjects.html")
@pytest.mark.parametrize("api", [*_LISTS, "uploads"])
def test_list_echoed_and_next_markers_carry_xml_special_characters(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """Without encoding-type, every echoed parameter (Prefix, Delimiter, Marker/StartAfter/KeyMarker) and
    every marker to go on from (NextMarker, NextKeyMarker) is the text itself, escaped as XML needs."""
    keys = [f"{_XML_SPECIAL}/1", f"{_XML_SPECIAL}/2", f"{_XML_SPECIAL}/3"]
    if api == "uploads":
        for key in keys:
            s3.create_multipart_upload(Bucket=bucket, Key=key)
    else:
        for key in keys:
            s3.put_object(Bucket=bucket, Key=key, Body=b"")
    marker = {"v1": "marker", "v2": "start-after", "versions": "key-marker", "uploads": "key-marker"}[api]
    query = [("prefix", _XML_SPECIAL), ("delimiter", "&"), (marker, keys[0])]
    limit = "max-uploads" if api == "uploads" else "max-keys"
    answer = raw.request("GET", "/" + bucket, [*_LISTS.get(api, [("uploads", "")]), *query, (limit, "1")])
    assert answer.status == 200, answer
    echoed = {"v1": "Marker", "v2": "StartAfter", "versions": "KeyMarker", "uploads": "KeyMarker"}[api]
    assert (_top(answer.body, "Prefix"), _top(answer.body, "Delimiter")) == ([_XML_SPECIAL], ["&"])
    assert _top(answer.body, echoed) == [keys[0]]
    assert _all(answer.body, "Key") == [keys[1]] and _top(answer.body, "IsTruncated") == ["true"]
    going_on = {"v1": "NextMarker", "v2": None, "versions": "NextKeyMarker", "uploads": "NextKeyMarker"}[api]
    if going_on is not None:
        assert _top(answer.body, going_on) == [keys[1]]


# -- a missing bucket, an empty bucket --------------------------------------------------------------


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize("api", [*_LISTS, "uploads"])
def test_list_missing_bucket_is_404_no_such_bucket(raw: RawS3, new_bucket_name: Any, api: str) -> None:
    answer = raw.request("GET", "/" + new_bucket_name("gone"), _LISTS.get(api, [("uploads", "")]))
    refused(answer, 404, "NoSuchBucket", accepted=f"{api} of a missing bucket answered")


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
@pytest.mark.parametrize("api", [*_LISTS, "uploads"])
def test_list_empty_bucket_is_one_untruncated_page(raw: RawS3, bucket: str, api: str) -> None:
    answer = raw.request("GET", "/" + bucket, _LISTS.get(api, [("uploads", "")]))
    assert answer.status == 200, answer
    assert _top(answer.body, "IsTruncated") == ["false"]
    listed = [_local(node.tag) for node in ET.fromstring(answer.body)]
    assert not {"Contents", "Version", "DeleteMarker", "Upload", "CommonPrefixes"} & set(listed), answer.body
    if api == "v2":
        assert _top(answer.body, "KeyCount") == ["0"]


# -- delimiters other than "/" across pages ----------------------------------------------------------
# API_ListObjectsV2.html, Delimiter: "A delimiter is a character that you use to group keys"; the
# reference puts no limit on its length, and CommonPrefixes count toward max-keys. A listing read page
# by page gives what one page gives, whatever the page size, each common prefix once.

_DASHED = ["a", "a--b", "a--c--d", "a-e", "b--", "b--x", "c", "c--y--z", "d-"]


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
@pytest.mark.parametrize("page_size", [1, 2, 3])
@pytest.mark.parametrize("v2", [True, False], ids=["v2", "v1"])
def test_list_multi_character_delimiter_across_pages(s3: Any, bucket: str, v2: bool, page_size: int) -> None:
    for key in _DASHED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    paged = full_listing(s3, bucket, delimiter="--", page_size=page_size, v2=v2)
    assert (paged.keys, paged.prefixes) == (("a", "a-e", "c", "d-"), ("a--", "b--", "c--"))
    inside = full_listing(s3, bucket, prefix="a--", delimiter="--", page_size=page_size, v2=v2)
    assert (inside.keys, inside.prefixes) == (("a--b",), ("a--c--",))


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_v2_start_after_before_a_common_prefix_and_a_one_character_delimiter(s3: Any, bucket: str) -> None:
    """Two listings AWS was seen answering (versity/versitygw#1275 and #1845): StartAfter sorting just
    before a common prefix keeps that prefix; a delimiter "5" rolls up the key holding it."""
    for key in ("prefix1/object", "prefix2/object", "f3", "f4", "f5", "f6"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    page = s3.list_objects_v2(Bucket=bucket, Prefix="prefix", StartAfter="prefix1", Delimiter="/")
    assert [p["Prefix"] for p in page.get("CommonPrefixes", [])] == ["prefix1/", "prefix2/"]
    assert page.get("Contents", []) == []
    page = s3.list_objects_v2(Bucket=bucket, Prefix="f", StartAfter="f3", Delimiter="5")
    assert [o["Key"] for o in page.get("Contents", [])] == ["f4", "f6"]
    assert [p["Prefix"] for p in page.get("CommonPrefixes", [])] == ["f5"]


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
@pytest.mark.parametrize("v2", [True, False], ids=["v2", "v1"])
def test_list_pages_over_keys_that_url_encoding_changes(s3: Any, bucket: str, v2: bool) -> None:
    """boto3 asks for encoding-type=url; the tokens and markers of a page must still resume after the key
    itself, not after its encoded form (a keys-with-'=' paging fault localstack/localstack#13745 met)."""
    keys = sorted(["date=2026-01-01/a", "date=2026-01-01/b", "a b", "a+b", "\u00e9/x", "x%41", "~t"], key=str.encode)
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    assert full_listing(s3, bucket, page_size=1, v2=v2).keys == tuple(keys)
    with_delimiter = full_listing(s3, bucket, page_size=1, v2=v2, delimiter="/")
    assert (with_delimiter.keys, with_delimiter.prefixes) == (
        ("a b", "a+b", "x%41", "~t"),
        ("date=2026-01-01/", "\u00e9/"),
    )


@pytest.mark.aws_doc(_API + "API_ListObjects.html")
def test_list_v1_next_marker_names_the_last_common_prefix(s3: Any, bucket: str) -> None:
    """API_ListObjects.html, NextMarker: returned with a delimiter when the response is truncated, to be
    sent as the next Marker; a page ending on a common prefix names it, and the next page does not
    repeat it."""
    for key in _DASHED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    first = s3.list_objects(Bucket=bucket, Delimiter="--", MaxKeys=2)
    assert [o["Key"] for o in first.get("Contents", [])] == ["a"]
    assert [p["Prefix"] for p in first.get("CommonPrefixes", [])] == ["a--"]
    assert first["IsTruncated"] is True and first.get("NextMarker") == "a--"
    second = s3.list_objects(Bucket=bucket, Delimiter="--", MaxKeys=2, Marker=first["NextMarker"])
    assert [o["Key"] for o in second.get("Contents", [])] == ["a-e"]
    assert [p["Prefix"] for p in second.get("CommonPrefixes", [])] == ["b--"]


# -- ListObjectVersions ------------------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_max_keys_zero_names_where_to_go_on(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """max-keys=0 returns nothing. API_ListObjectVersions.html: NextKeyMarker is the key-marker of the
    request that goes on "when the number of responses exceeds the value of MaxKeys"; a page that says
    IsTruncated true must name it, or a client following IsTruncated asks for the same page forever."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    answer = raw.request("GET", "/" + versioned_bucket, [("versions", ""), ("max-keys", "0")])
    assert answer.status == 200, answer
    assert _all(answer.body, "Version") == [] and _top(answer.body, "MaxKeys") == ["0"]
    if _top(answer.body, "IsTruncated") == ["true"]:
        assert _top(answer.body, "NextKeyMarker") not in ([], [""]), "IsTruncated true without NextKeyMarker"


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_list_versions_multi_character_delimiter_across_pages(
    raw: RawS3, s3: Any, versioned_bucket: str, page_size: int
) -> None:
    """Delimiter: keys sharing the text up to the delimiter are one CommonPrefixes entry, counted once
    against max-keys; paging by NextKeyMarker/NextVersionIdMarker gives what one page gives."""
    made = {}
    for key, count in [("a--1", 2), ("a--2", 1), ("b", 2), ("c--x--y", 2), ("d-", 1)]:
        made[key] = [s3.put_object(Bucket=versioned_bucket, Key=key, Body=b"x")["VersionId"] for _ in range(count)]
    whole = list_versions_page(raw, versioned_bucket, delimiter="--")
    assert [(e.key, e.version_id) for e in whole.entries] == [
        ("b", made["b"][1]),
        ("b", made["b"][0]),
        ("d-", made["d-"][0]),
    ]
    assert whole.prefixes == ("a--", "c--")
    entries, prefixes, _ = list_all_versions(raw, versioned_bucket, page_size=page_size, delimiter="--")
    assert ([(e.key, e.version_id) for e in entries], prefixes) == (
        [(e.key, e.version_id) for e in whole.entries],
        list(whole.prefixes),
    ), f"paging by {page_size} differs from the one-page listing"


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_malformed_version_id_marker_is_400_invalid_argument(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """version-id-marker names a version; text that cannot be a version id is refused as AWS refuses it:
    400 InvalidArgument "Invalid version id specified" (AWS's answer as quoted in versity/versitygw#1811;
    the reference itself does not list it)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    answer = raw.request(
        "GET", "/" + versioned_bucket, [("versions", ""), ("key-marker", "k"), ("version-id-marker", "not a version")]
    )
    refused(answer, 400, "InvalidArgument", accepted="a malformed version-id-marker accepted")


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
@pytest.mark.parametrize("page_size", [1, 2])
def test_list_versions_pages_through_a_null_version(raw: RawS3, s3: Any, bucket: str, page_size: int) -> None:
    """An object written before versioning was enabled is the version "null" (versioning-workflows.html);
    paging stops on it and resumes after it like any other version (version-id-marker=null)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    s3.put_object(Bucket=bucket, Key="l", Body=b"before")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    newer = [s3.put_object(Bucket=bucket, Key="k", Body=b"v%d" % i)["VersionId"] for i in range(2)]
    try:
        entries, _, _ = list_all_versions(raw, bucket, page_size=page_size)
        assert [(e.key, e.version_id, e.is_latest) for e in entries] == [
            ("k", newer[1], True),
            ("k", newer[0], False),
            ("k", "null", False),
            ("l", "null", True),
        ]
    finally:
        for key, version in [("k", newer[0]), ("k", newer[1]), ("k", "null"), ("l", "null")]:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version)


# -- ListMultipartUploads: key-marker and upload-id-marker ---------------------------------------------
# API_ListMultipartUploads.html: uploads are sorted by key, and the uploads of one key by initiation
# time; key-marker alone lists keys after it; upload-id-marker is ignored without key-marker, and with
# it the uploads of key-marker after that upload are included; NextKeyMarker/NextUploadIdMarker go on.


def _uploads(answer: Any) -> list[tuple[str, str]]:
    root = ET.fromstring(answer.body)
    out = []
    for node in root:
        if _local(node.tag) == "Upload":
            fields = {_local(c.tag): c.text or "" for c in node}
            out.append((fields["Key"], fields["UploadId"]))
    return out


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_ListMultipartUploads.html")
def test_list_multipart_uploads_pages_by_both_markers(raw: RawS3, s3: Any, bucket: str) -> None:
    made = [(key, s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]) for key in ("b", "a", "b", "c")]
    expected = sorted(made, key=lambda u: u[0])  # by key; a key's uploads in the order they were started
    whole = raw.request("GET", "/" + bucket, [("uploads", "")])
    assert whole.status == 200, whole
    assert _uploads(whole) == expected
    seen: list[tuple[str, str]] = []
    markers: list[tuple[str, str]] = []
    for _ in range(len(made) + 1):
        page = raw.request("GET", "/" + bucket, [("uploads", ""), ("max-uploads", "1"), *markers])
        assert page.status == 200, page
        seen += _uploads(page)
        if _top(page.body, "IsTruncated") != ["true"]:
            break
        (key,), (upload,) = _top(page.body, "NextKeyMarker"), _top(page.body, "NextUploadIdMarker")
        markers = [("key-marker", key), ("upload-id-marker", upload)]
    assert seen == expected, "paging by key-marker and upload-id-marker does not give the whole listing"


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_ListMultipartUploads.html")
def test_list_multipart_uploads_key_marker_alone_and_upload_id_marker_alone(raw: RawS3, s3: Any, bucket: str) -> None:
    made = {key: s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"] for key in ("a", "b")}
    after_a = raw.request("GET", "/" + bucket, [("uploads", ""), ("key-marker", "a")])
    assert after_a.status == 200, after_a
    assert _uploads(after_a) == [("b", made["b"])], "key-marker alone must list only keys after it"
    ignored = raw.request("GET", "/" + bucket, [("uploads", ""), ("upload-id-marker", made["a"])])
    assert ignored.status == 200, ignored
    assert _uploads(ignored) == [("a", made["a"]), ("b", made["b"])], "upload-id-marker without key-marker is ignored"


# -- ListParts ---------------------------------------------------------------------------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_pages_by_part_number_marker(raw: RawS3, s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for number in (1, 2, 5):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=number, Body=b"p")
    path = key_path(bucket, "k")
    first = raw.request("GET", path, [("uploadId", upload), ("max-parts", "2")])
    assert first.status == 200, first
    assert _all(first.body, "PartNumber") == ["1", "2"] and _top(first.body, "IsTruncated") == ["true"]
    assert (_top(first.body, "MaxParts"), _top(first.body, "NextPartNumberMarker")) == (["2"], ["2"])
    rest = raw.request("GET", path, [("uploadId", upload), ("max-parts", "2"), ("part-number-marker", "2")])
    assert rest.status == 200, rest
    assert _all(rest.body, "PartNumber") == ["5"] and _top(rest.body, "IsTruncated") == ["false"]
    assert _top(rest.body, "PartNumberMarker") == ["2"]


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_of_no_such_upload_is_404(raw: RawS3, s3: Any, bucket: str) -> None:
    """An upload id that is unknown, belongs to another key, or was aborted names no upload: 404
    NoSuchUpload (ErrorResponses.html), never another upload's parts."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"p")
    other_key = raw.request("GET", key_path(bucket, "other"), [("uploadId", upload)])
    refused(other_key, 404, "NoSuchUpload", accepted="ListParts under another key listed the upload")
    unknown = raw.request("GET", key_path(bucket, "k"), [("uploadId", "no" + upload[2:])])
    refused(unknown, 404, "NoSuchUpload", accepted="ListParts of an unknown upload id answered")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    aborted = raw.request("GET", key_path(bucket, "k"), [("uploadId", upload)])
    refused(aborted, 404, "NoSuchUpload", accepted="ListParts of an aborted upload answered")


# -- ListBuckets: prefix, max-buckets, continuation-token, bucket-region --------------------------------
# API_ListBuckets.html: max-buckets is 1 to 10000; prefix limits the names; a truncated page carries a
# ContinuationToken for the next; bucket-region limits the buckets to those in that Region.


def _bucket_names(answer: Any) -> list[str]:
    root = ET.fromstring(answer.body)
    return [node.text or "" for node in root.iterfind("{*}Buckets/{*}Bucket/{*}Name")]


@pytest.fixture
def three_buckets(s3: Any, new_bucket_name: Any) -> Any:
    """Three buckets sharing a run-unique prefix no other bucket has."""
    base = new_bucket_name("lb")
    names = [f"{base}-{n}" for n in (1, 2, 3)]
    for name in names:
        s3.create_bucket(Bucket=name)
    yield base + "-", names
    for name in names:
        s3.delete_bucket(Bucket=name)


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
def test_list_buckets_pages_with_prefix_and_max_buckets(raw: RawS3, three_buckets: Any) -> None:
    prefix, names = three_buckets
    seen: list[str] = []
    token: list[tuple[str, str]] = []
    for _ in range(4):
        page = raw.request("GET", "/", [("prefix", prefix), ("max-buckets", "2"), *token])
        assert page.status == 200, page
        assert _top(page.body, "Prefix") == [prefix]
        seen += _bucket_names(page)
        next_token = _top(page.body, "ContinuationToken")
        if not next_token:
            break
        token = [("continuation-token", next_token[0])]
    assert seen == names


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_Bucket.html")
def test_list_buckets_bucket_region_only_for_a_paginated_request(
    raw: RawS3, s3_endpoint: Any, three_buckets: Any
) -> None:
    """API_Bucket.html, BucketRegion: "If the request contains at least one valid parameter, it is
    included in the response" - and only then."""
    prefix, names = three_buckets
    plain = raw.request("GET", "/")
    assert plain.status == 200, plain
    assert set(names) <= set(_bucket_names(plain)) and _all(plain.body, "BucketRegion") == [], plain.body[:600]
    paged = raw.request("GET", "/", [("prefix", prefix), ("max-buckets", "10")])
    assert paged.status == 200, paged
    assert _all(paged.body, "BucketRegion") == [s3_endpoint.endpoint.region] * 3, paged.body


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
@pytest.mark.parametrize("value", ["0", "10001", "abc", "\u00b2"], ids=["0", "10001", "abc", "superscript-two"])
def test_list_buckets_max_buckets_out_of_range_is_400(raw: RawS3, value: str) -> None:
    answer = raw.request("GET", "/", [("max-buckets", value)])
    refused(answer, 400, "InvalidArgument", accepted=f"max-buckets={value} accepted")


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
@pytest.mark.parametrize("token", ["", "not-a-token!"], ids=["empty", "malformed"])
def test_list_buckets_empty_or_malformed_continuation_token_is_400(raw: RawS3, token: str) -> None:
    """ContinuationToken is one S3 issued ("obfuscated and is not a real key"); AWS refuses an empty or
    made-up one with 400 InvalidArgument "The continuation token provided is incorrect" (localstack's
    AWS-validated parity tests, localstack/localstack#12609), rather than listing from the start."""
    answer = raw.request("GET", "/", [("continuation-token", token)])
    refused(answer, 400, "InvalidArgument", accepted=f"ListBuckets continuation-token={token!r} accepted")


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
def test_list_buckets_bucket_region_that_is_no_region_is_400(raw: RawS3) -> None:
    """bucket-region is an AWS Region code; AWS answers 400 InvalidArgument "Argument value abc is not a
    valid AWS Region" to one that is not (as quoted in versity/versitygw#1923)."""
    answer = raw.request("GET", "/", [("bucket-region", "abc")])
    refused(answer, 400, "InvalidArgument", accepted="bucket-region=abc accepted")


@pytest.mark.s3_requires("buckets")
@pytest.mark.aws_doc(_API + "API_ListBuckets.html")
def test_list_buckets_bucket_region_limits_the_buckets(raw: RawS3, s3_endpoint: Any, three_buckets: Any) -> None:
    """bucket-region "limits the response to buckets that are located in the specified Region": every
    bucket of this endpoint is in its region, so another region lists none of them (AWS notes that a
    request for another region's buckets belongs at that region's endpoint; a refusal is no listing
    either)."""
    prefix, names = three_buckets
    here = raw.request("GET", "/", [("prefix", prefix), ("bucket-region", s3_endpoint.endpoint.region)])
    assert here.status == 200, here
    assert _bucket_names(here) == names
    assert _all(here.body, "BucketRegion") in ([], [s3_endpoint.endpoint.region] * 3)
    other = "eu-west-3" if s3_endpoint.endpoint.region != "eu-west-3" else "ap-south-2"
    elsewhere = raw.request("GET", "/", [("prefix", prefix), ("bucket-region", other)])
    assert elsewhere.status >= 400 or _bucket_names(elsewhere) == [], f"bucket-region={other} ignored"


# -- a listed object's checksum algorithm -------------------------------------------------------------
# API_Object.html and API_ObjectVersion.html: ChecksumAlgorithm, "the algorithm that was used to create a
# checksum of the object", and ChecksumType (FULL_OBJECT for a PutObject, API_PutObject.html).


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc(_API + "API_Object.html")
@pytest.mark.parametrize("v2", [True, False], ids=["v2", "v1"])
def test_list_entries_name_their_checksum_algorithm(s3: Any, bucket: str, v2: bool) -> None:
    s3.put_object(Bucket=bucket, Key="with", Body=b"x", ChecksumAlgorithm="SHA256")
    listing = s3.list_objects_v2(Bucket=bucket) if v2 else s3.list_objects(Bucket=bucket)
    (entry,) = listing["Contents"]
    assert entry.get("ChecksumAlgorithm") == ["SHA256"], entry
    assert entry.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT", entry


@pytest.mark.s3_requires("checksums", "multipart")
@pytest.mark.aws_doc(_API + "API_Object.html")
def test_list_multipart_object_names_its_composite_checksum(s3: Any, bucket: str) -> None:
    """A multipart upload with SHA256 keeps a checksum of its parts' checksums: COMPOSITE
    (API_CreateMultipartUpload.html x-amz-checksum-type; SHA256 supports only COMPOSITE)."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"x", ChecksumAlgorithm="SHA256")
    done = {"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]}
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [done]})
    (entry,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert entry.get("ChecksumAlgorithm") == ["SHA256"], entry
    assert entry.get("ChecksumType", "COMPOSITE") == "COMPOSITE", entry


@pytest.mark.s3_requires("checksums", "versioning")
@pytest.mark.aws_doc(_API + "API_ObjectVersion.html")
def test_list_versions_name_their_checksum_algorithm(s3: Any, versioned_bucket: str) -> None:
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"old", ChecksumAlgorithm="SHA1")
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"new", ChecksumAlgorithm="SHA256")
    versions = s3.list_object_versions(Bucket=versioned_bucket)["Versions"]
    assert [v.get("ChecksumAlgorithm") for v in versions] == [["SHA256"], ["SHA1"]], versions


# -- ListParts and CreateMultipartUpload: the lifecycle abort date --------------------------------------
# API_ListParts.html and API_CreateMultipartUpload.html: when a lifecycle rule of the bucket aborts
# incomplete multipart uploads and its prefix matches the key, the response has x-amz-abort-date (when
# the upload becomes eligible for the abort) and x-amz-abort-rule-id (that rule's ID).
# lifecycle-expire-general-considerations.html: a lifecycle time is the days added to the creation
# time, rounded to the next midnight UTC.


def _abort_rule(s3: Any, bucket: str) -> None:
    rule = {
        "ID": "abort-stale-tmp",
        "Status": "Enabled",
        "Filter": {"Prefix": "tmp/"},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
    }
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})


def _is_abort_date(when: Any, initiated: Any) -> bool:
    """Midnight UTC, two to three days after the initiation."""
    from datetime import timedelta

    span = when - initiated
    return (when.hour, when.minute, when.second) == (0, 0, 0) and timedelta(days=2) <= span <= timedelta(days=3)


@pytest.mark.s3_requires("multipart", "lifecycle")
@pytest.mark.aws_doc(_API + "API_ListParts.html")
def test_list_parts_names_the_lifecycle_abort_date(s3: Any, bucket: str) -> None:
    _abort_rule(s3, bucket)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="tmp/x")["UploadId"]
    initiated = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"]
    parts = s3.list_parts(Bucket=bucket, Key="tmp/x", UploadId=upload)
    assert parts.get("AbortRuleId") == "abort-stale-tmp", parts
    assert "AbortDate" in parts and _is_abort_date(parts["AbortDate"], initiated), (parts.get("AbortDate"), initiated)
    other = s3.create_multipart_upload(Bucket=bucket, Key="keep/x")["UploadId"]
    unmatched = s3.list_parts(Bucket=bucket, Key="keep/x", UploadId=other)
    assert "AbortDate" not in unmatched and "AbortRuleId" not in unmatched, unmatched


@pytest.mark.s3_requires("multipart", "lifecycle")
@pytest.mark.aws_doc(_API + "API_CreateMultipartUpload.html")
def test_create_multipart_upload_names_the_lifecycle_abort_date(s3: Any, bucket: str) -> None:
    _abort_rule(s3, bucket)
    created = s3.create_multipart_upload(Bucket=bucket, Key="tmp/y")
    initiated = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"]
    assert created.get("AbortRuleId") == "abort-stale-tmp", created
    assert "AbortDate" in created and _is_abort_date(created["AbortDate"], initiated), created.get("AbortDate")
    unmatched = s3.create_multipart_upload(Bucket=bucket, Key="keep/y")
    assert "AbortDate" not in unmatched and "AbortRuleId" not in unmatched, unmatched
