"""ListObjects v1 and v2: order, prefix, delimiter, MaxKeys, every token style past 1000 keys,
StartAfter, encoding-type=url."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("listing"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html"),
]

MANY = 1010
MANY_KEYS = sorted(f"k{i:05d}" for i in range(MANY))


@pytest.fixture(scope="module")
def big_bucket(s3_endpoint: Any) -> Any:
    """A bucket with 1,010 keys (past the 1,000-key page) plus a few under sub/."""
    client = s3_endpoint.client()
    name = s3_endpoint.new_bucket_name("big")
    client.create_bucket(Bucket=name)
    keys = [*MANY_KEYS, "sub/a", "sub/b", "sub/c/d"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: client.put_object(Bucket=name, Key=k, Body=k.encode()), keys))
    yield name
    s3_endpoint.empty_and_delete(name)


def _keys(page: dict[str, Any]) -> list[str]:
    return [o["Key"] for o in page.get("Contents", [])]


def _token(page: dict[str, Any]) -> str:
    """NextContinuationToken of a truncated V2 page, or a failure naming the V2 paging fault."""
    token = page.get("NextContinuationToken")
    assert page.get("IsTruncated") is True and token, (
        f"V2 paging broken: expected IsTruncated true with a NextContinuationToken, got IsTruncated "
        f"{page.get('IsTruncated')!r} and token {token!r} after {len(_keys(page))} keys"
    )
    return str(token)


def test_list_v2_default_page_is_1000_then_continuation(s3: Any, big_bucket: str) -> None:
    first = s3.list_objects_v2(Bucket=big_bucket)
    assert first["IsTruncated"] is True, "listing truncated at 1000 keys: IsTruncated is false"
    assert len(_keys(first)) == 1000, f"V2 paging: first page has {len(_keys(first))} keys, expected 1000"
    assert (first.get("KeyCount"), first.get("MaxKeys")) == (1000, 1000), (
        f"V2 paging: expected KeyCount 1000 and MaxKeys 1000, got {first.get('KeyCount')!r}, {first.get('MaxKeys')!r}"
    )
    second = s3.list_objects_v2(Bucket=big_bucket, ContinuationToken=_token(first))
    assert second["IsTruncated"] is False
    assert _keys(first) + _keys(second) == [*MANY_KEYS, "sub/a", "sub/b", "sub/c/d"], (
        "continuation token ignored: pages do not add up to the bucket"
    )


def test_list_v2_echoes_continuation_token(s3: Any, big_bucket: str) -> None:
    first = s3.list_objects_v2(Bucket=big_bucket, MaxKeys=5)
    second = s3.list_objects_v2(Bucket=big_bucket, MaxKeys=5, ContinuationToken=_token(first))
    assert second["ContinuationToken"] == first["NextContinuationToken"]
    assert _keys(second) == MANY_KEYS[5:10]


def test_list_v1_echoes_marker(s3: Any, big_bucket: str) -> None:
    page = s3.list_objects(Bucket=big_bucket, Marker="k00007", MaxKeys=2)
    assert page["Marker"] == "k00007"
    assert _keys(page) == ["k00008", "k00009"], "marker ignored"


def test_list_v1_without_delimiter_pages_by_last_key(s3: Any, big_bucket: str) -> None:
    """AWS sends NextMarker only with a delimiter (API_ListObjects.html); a server that sends one
    anyway (moto: an opaque one) harms no client, so it is not judged. The next page starts after the
    last key returned, which is what clients send as Marker when there is no NextMarker."""
    first = s3.list_objects(Bucket=big_bucket, MaxKeys=5)
    assert first["IsTruncated"] is True and _keys(first) == MANY_KEYS[:5]
    second = s3.list_objects(Bucket=big_bucket, MaxKeys=5, Marker=MANY_KEYS[4])
    assert _keys(second) == MANY_KEYS[5:10], "marker ignored"


def test_list_v1_default_page_is_1000_then_marker(s3: Any, big_bucket: str) -> None:
    first = s3.list_objects(Bucket=big_bucket)
    assert len(_keys(first)) == 1000 and first["IsTruncated"] is True
    second = s3.list_objects(Bucket=big_bucket, Marker=_keys(first)[-1])
    assert _keys(first) + _keys(second) == [*MANY_KEYS, "sub/a", "sub/b", "sub/c/d"], "marker ignored"


def test_list_v1_with_delimiter_truncated_has_next_marker(s3: Any, big_bucket: str) -> None:
    first = s3.list_objects(Bucket=big_bucket, Delimiter="/", MaxKeys=500)
    assert first["IsTruncated"] is True and first["NextMarker"] == MANY_KEYS[499]
    rest = full_listing(s3, big_bucket, delimiter="/", v2=False, page_size=500)
    assert (list(rest.keys), rest.prefixes) == (MANY_KEYS, ("sub/",))


@pytest.mark.parametrize("page_size", [1, 7, 333, 1000], ids=lambda n: f"page-{n}")
@pytest.mark.parametrize("v2", [True, False], ids=["v2", "v1"])
def test_list_every_page_size_gives_the_same_listing(s3: Any, big_bucket: str, page_size: int, v2: bool) -> None:
    if page_size == 1:
        listing = full_listing(s3, big_bucket, prefix="k0000", page_size=1, v2=v2)
        assert list(listing.keys) == MANY_KEYS[:10]
        return
    listing = full_listing(s3, big_bucket, page_size=page_size, v2=v2)
    assert list(listing.keys) == [*MANY_KEYS, "sub/a", "sub/b", "sub/c/d"]


def test_list_v2_start_after_skips_keys(s3: Any, big_bucket: str) -> None:
    page = s3.list_objects_v2(Bucket=big_bucket, StartAfter="k01000")
    assert page["StartAfter"] == "k01000"
    assert _keys(page) == [*MANY_KEYS[1001:], "sub/a", "sub/b", "sub/c/d"], "StartAfter ignored"
    page = s3.list_objects_v2(Bucket=big_bucket, StartAfter="k00999x", MaxKeys=2)
    assert _keys(page) == ["k01000", "k01001"], "StartAfter ignored"


def test_list_v2_start_after_a_key_that_does_not_exist(s3: Any, big_bucket: str) -> None:
    page = s3.list_objects_v2(Bucket=big_bucket, StartAfter="sub/", MaxKeys=10)
    assert _keys(page) == ["sub/a", "sub/b", "sub/c/d"], "StartAfter ignored"


def test_list_v2_continuation_token_wins_over_start_after(s3: Any, big_bucket: str) -> None:
    first = s3.list_objects_v2(Bucket=big_bucket, MaxKeys=3)
    second = s3.list_objects_v2(Bucket=big_bucket, MaxKeys=3, StartAfter="k00500", ContinuationToken=_token(first))
    assert _keys(second) == MANY_KEYS[3:6]


def test_list_v2_max_keys_zero_returns_nothing(s3: Any, big_bucket: str) -> None:
    # and is not truncated: AWS answers KeyCount 0, IsTruncated false (as reported in InsForge/InsForge#1959);
    # IsTruncated true without a NextContinuationToken would send a paginator round forever
    page = s3.list_objects_v2(Bucket=big_bucket, MaxKeys=0)
    assert (_keys(page), page["KeyCount"], page["IsTruncated"]) == ([], 0, False)


@pytest.mark.parametrize("v2", [False, True], ids=["v1", "v2"])
def test_list_max_keys_above_1000_is_echoed_and_a_page_holds_1000(raw: RawS3, big_bucket: str, v2: bool) -> None:
    """A max-keys above 1,000 is taken: the page still holds at most 1,000 keys (API_ListObjectsV2.html:
    "returns some or all (up to 1,000)"), and MaxKeys echoes the number asked for, not 1,000. The AWS
    pages are silent on the echo; real S3 answered ``max-keys=20000000`` with MaxKeys 20000000, 1,000
    keys and IsTruncated true (goamz/goamz#76, a v1 listing), and scality/cloudserver#470 made its
    listing "return a max keys number greater than actual keys returned to mirror AWS"."""
    answer = raw.request("GET", "/" + big_bucket, [*([("list-type", "2")] if v2 else []), ("max-keys", "5000")])
    assert answer.status == 200, answer
    root = answer.xml()
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    keys = root.findall(f"{ns}Contents")
    assert (root.findtext(f"{ns}MaxKeys"), len(keys), root.findtext(f"{ns}IsTruncated")) == ("5000", 1000, "true")


def test_list_prefix_and_delimiter_roll_up(s3: Any, bucket: str) -> None:
    for key in ["a", "a/b", "a/c/d", "b", "dir/", "dir/x", "dir/y/z", "e/"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    top = full_listing(s3, bucket, delimiter="/")
    assert (top.keys, top.prefixes) == (("a", "b"), ("a/", "dir/", "e/"))
    inside = full_listing(s3, bucket, prefix="dir/", delimiter="/")
    assert (inside.keys, inside.prefixes) == (("dir/", "dir/x"), ("dir/y/",))
    partial = full_listing(s3, bucket, prefix="d")
    assert partial.keys == ("dir/", "dir/x", "dir/y/z")
    other_delim = full_listing(s3, bucket, delimiter="c")
    assert (other_delim.keys, other_delim.prefixes) == (("a", "a/b", "b", "dir/", "dir/x", "dir/y/z", "e/"), ("a/c",))


def test_list_common_prefixes_count_toward_max_keys(s3: Any, bucket: str) -> None:
    for key in ["a/1", "a/2", "b/1", "c", "d/1"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    page = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["a/", "b/"] and page["KeyCount"] == 2
    assert page["IsTruncated"] is True
    rest = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=2, ContinuationToken=_token(page))
    assert (_keys(rest), [p["Prefix"] for p in rest.get("CommonPrefixes", [])]) == (["c"], ["d/"])
    assert rest["IsTruncated"] is False


def test_list_order_is_utf8_byte_order(s3: Any, bucket: str) -> None:
    keys = ["a", "B", "\u00e9", "\u4e2d", "\U0001f600", "~", "a/", "a-", "a0", "\uff61", "\U00010000"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    assert list(full_listing(s3, bucket).keys) == sorted(keys, key=lambda k: k.encode("utf-8"))


def test_list_entries_have_size_etag_and_storage_class(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="hello", Body=b"hello")
    (entry,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert (entry["Key"], entry["Size"], entry["ETag"], entry["StorageClass"]) == (
        "hello",
        5,
        '"5d41402abc4b2a76b9719d911017c592"',
        "STANDARD",
    )
    assert entry["LastModified"].year >= 2024


def test_list_v2_owner_only_with_fetch_owner(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"")
    assert "Owner" not in s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"]["ID"]
    assert s3.list_objects(Bucket=bucket)["Contents"][0]["Owner"]["ID"]


def test_list_encoding_type_url_encodes_keys(raw: RawS3, s3: Any, bucket: str) -> None:
    key = "a b/\u00e9+&<x>"
    s3.put_object(Bucket=bucket, Key=key, Body=b"")
    answer = raw.request("GET", "/" + bucket, [("list-type", "2"), ("encoding-type", "url")])
    assert answer.status == 200, answer
    root = ET.fromstring(answer.body)
    listed = [node.text for node in root.iter() if node.tag.endswith("}Key") or node.tag == "Key"]
    assert listed == [quote(key, safe="/")] or listed == [quote(key, safe="/").replace("%20", "+")], listed
    assert root.findtext("{*}EncodingType") == "url"


def test_list_invalid_continuation_token_is_400_invalid_argument(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, ContinuationToken="not-a-token!")) == (
        400,
        "InvalidArgument",
    )


@pytest.mark.parametrize("made_up", ["a", "YQ==", "YQ"], ids=["the-key", "its-base64", "unpadded-base64"])
def test_list_v2_continuation_token_made_from_a_key_is_400_invalid_argument(s3: Any, bucket: str, made_up: str) -> None:
    """ContinuationToken "is obfuscated and is not a real key": a token the client made up from a key
    is refused as any other AWS did not issue, 400 InvalidArgument "The continuation token provided is
    incorrect" (AWS's answer to a made-up token, as quoted in versity/versitygw#993), not read as a
    StartAfter."""
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, ContinuationToken=made_up)) == (400, "InvalidArgument")


def test_list_negative_max_keys_is_400_invalid_argument(raw: RawS3, bucket: str) -> None:
    answer = raw.request("GET", "/" + bucket, [("list-type", "2"), ("max-keys", "-1")])
    refused(answer, 400, "InvalidArgument", accepted="max-keys=-1 accepted")


def test_list_prefix_with_special_characters(s3: Any, bucket: str) -> None:
    for key in ["x y/1", "x y/2", "x+y/1", "x%y/1"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    assert full_listing(s3, bucket, prefix="x y/").keys == ("x y/1", "x y/2")
    assert full_listing(s3, bucket, prefix="x+y/").keys == ("x+y/1",)
    assert full_listing(s3, bucket, prefix="x%y").keys == ("x%y/1",)


# -- empty and odd parameters ---------------------------------------------------------------------
# API_ListObjectsV2.html: ContinuationToken "indicates to Amazon S3 that the list is being continued
# on this bucket with a token"; the response echoes it. An empty token continues nothing: the list
# starts at the beginning and the empty token is echoed.


def test_list_v2_empty_continuation_token_is_absent_and_echoed(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"")
    page = s3.list_objects_v2(Bucket=bucket, ContinuationToken="")
    assert page["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _keys(page) == ["a"]
    assert page.get("ContinuationToken") == ""


@pytest.mark.parametrize("param", ["prefix", "delimiter", "start-after", "max-keys", "fetch-owner"])
def test_list_v2_empty_parameter_is_like_absent(raw: RawS3, s3: Any, bucket: str, param: str) -> None:
    for key in ("a/1", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    answer = raw.request("GET", "/" + bucket, [("list-type", "2"), (param, "")])
    assert answer.status == 200, answer
    listed = [node.text for node in ET.fromstring(answer.body).iterfind(".//{*}Key")]
    assert listed == ["a/1", "b"]


@pytest.mark.parametrize("v2", [True, False], ids=["v2", "v1"])
def test_list_prefix_with_newline_is_not_url_encoded_unasked(raw: RawS3, s3: Any, bucket: str, v2: bool) -> None:
    s3.put_object(Bucket=bucket, Key="\nk", Body=b"")
    params = [("list-type", "2")] if v2 else []
    answer = raw.request("GET", "/" + bucket, [*params, ("prefix", "\n")])
    assert answer.status == 200, answer
    root = ET.fromstring(answer.body)
    assert root.findtext("{*}Prefix") == "\n"
    assert [node.text for node in root.iterfind(".//{*}Key")] == ["\nk"]
    assert root.find("{*}EncodingType") is None


def test_list_boto3_prefix_with_newline_round_trips(s3: Any, bucket: str) -> None:
    # boto3 asks for encoding-type=url on its own and decodes what the API reference says is
    # encoded; the Prefix a client sent must come back as sent in both versions.
    s3.put_object(Bucket=bucket, Key="\nk", Body=b"")
    v2 = s3.list_objects_v2(Bucket=bucket, Prefix="\n")
    assert (v2["Prefix"], _keys(v2)) == ("\n", ["\nk"])
    v1 = s3.list_objects(Bucket=bucket, Prefix="\n")
    assert (v1["Prefix"], _keys(v1)) == ("\n", ["\nk"])


@pytest.mark.parametrize("param", ["prefix", "delimiter", "marker", "max-keys"])
def test_list_v1_empty_parameter_is_like_absent(raw: RawS3, s3: Any, bucket: str, param: str) -> None:
    for key in ("a/1", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    answer = raw.request("GET", "/" + bucket, [(param, "")])
    assert answer.status == 200, answer
    root = ET.fromstring(answer.body)
    assert [node.text for node in root.iterfind(".//{*}Key")] == ["a/1", "b"]
    assert root.findtext("{*}IsTruncated") == "false"


@pytest.mark.s3_requires("multipart")
def test_list_multipart_uploads_empty_parameters_are_like_absent(raw: RawS3, s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="u")["UploadId"]
    try:
        answer = raw.request(
            "GET",
            "/" + bucket,
            [
                ("uploads", ""),
                ("prefix", ""),
                ("delimiter", ""),
                ("key-marker", ""),
                ("upload-id-marker", ""),
                ("max-uploads", ""),
            ],
        )
        assert answer.status == 200, answer
        assert [node.text for node in ET.fromstring(answer.body).iterfind(".//{*}UploadId")] == [upload]
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="u", UploadId=upload)
