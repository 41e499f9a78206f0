"""ListObjects (v1), ListObjectsV2 and ListObjectVersions, a second, deeper pass: the response elements
each variant must and must not carry, every element encoding-type=url encodes, a prefix that ends
inside a delimiter, common prefixes at a page's end, a foreign continuation token, the version markers
meeting a prefix and a delete marker, and x-amz-optional-object-attributes.

What test_listing, test_listing_params, test_keys and test_versioning already pin (paging past 1,000,
malformed integers, XML-unsafe keys, version order) is not repeated here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import unquote

import pytest

from cargobay.testing.conformance_suite._expect import refused
from cargobay.testing.conformance_suite._http import RawS3
from cargobay.testing.conformance_suite._listing import common_prefixes as _prefixes
from cargobay.testing.conformance_suite._listing import entry_keys as _entry_keys
from cargobay.testing.conformance_suite._listing import local_name as _local
from cargobay.testing.conformance_suite._listing import top_texts as _top
from cargobay.testing.conformance_suite._versions import list_versions_page

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
# The page a test without its own cites; a test parametrized over the operations cites each one's page.
pytestmark = [pytest.mark.s3_requires("listing"), pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")]
_LISTS = {"v1": [], "v2": [("list-type", "2")], "versions": [("versions", "")]}
_DOCS = {"v1": "API_ListObjects.html", "v2": "API_ListObjectsV2.html", "versions": "API_ListObjectVersions.html"}
_ROOTS = {"v1": "ListBucketResult", "v2": "ListBucketResult", "versions": "ListVersionsResult"}
# Each listing operation as a test parameter citing its own API reference page.
_APIS = [pytest.param(api, id=api, marks=pytest.mark.aws_doc(_API + page)) for api, page in _DOCS.items()]


def _get(raw: RawS3, bucket: str, api: str, *params: tuple[str, str]) -> ET.Element:
    answer = raw.request("GET", "/" + bucket, [*_LISTS[api], *params])
    assert answer.status == 200, answer
    return answer.xml()


def _decoded(texts: list[str]) -> list[str]:
    """URL-encoded listing values, decoded; each must be printable ASCII (what percent-encoding yields).
    A space may come as ``+`` or ``%20`` (both are seen from S3-compatible servers; ``+`` is not a
    literal plus once encoded, which is ``%2B``)."""
    for text in texts:
        assert text.isascii() and text.isprintable() and " " not in text, f"not percent-encoded: {text!r}"
    return [unquote(text.replace("+", "%20")) for text in texts]


# -- the elements each variant carries --------------------------------------------------------------
# API_ListObjects.html (ListBucketResult): Name, Prefix, Marker, MaxKeys, IsTruncated, NextMarker (with a
# delimiter, when truncated), Delimiter, EncodingType; no KeyCount, no continuation token.
# API_ListObjectsV2.html (ListBucketResult): Name, Prefix, MaxKeys, KeyCount, IsTruncated, ContinuationToken
# ("If ContinuationToken was sent with the request, it is included in the response"), NextContinuationToken
# ("sent when isTruncated is true"), StartAfter ("If StartAfter was sent with the request, it is included in
# the response"); no Marker or NextMarker. API_ListObjectVersions.html (ListVersionsResult): Name, Prefix,
# KeyMarker, VersionIdMarker, MaxKeys, IsTruncated, NextKeyMarker and NextVersionIdMarker when truncated.
# EncodingType only "if you specify the encoding-type request parameter".

# Prefix, Marker, KeyMarker and VersionIdMarker of a request that sent none: the references do not say
# whether they appear, empty, or not at all ("Marker is included in the response if it was sent with the
# request" does not forbid an empty one); either is taken.
_MUST = {
    "v1": {"Name", "MaxKeys", "IsTruncated"},
    "v2": {"Name", "MaxKeys", "KeyCount", "IsTruncated"},
    "versions": {"Name", "MaxKeys", "IsTruncated"},
}
_NEVER = {
    "v1": {"KeyCount", "ContinuationToken", "NextContinuationToken", "StartAfter", "KeyMarker", "NextKeyMarker"},
    "v2": {"Marker", "NextMarker", "KeyMarker", "NextKeyMarker", "VersionIdMarker"},
    "versions": {"Marker", "NextMarker", "KeyCount", "ContinuationToken", "NextContinuationToken", "StartAfter"},
}
# Elements that name where to go on, or echo a parameter: absent from an untruncated page asked for nothing.
_UNASKED = {"EncodingType", "Delimiter", "NextMarker", "NextContinuationToken", "ContinuationToken", "StartAfter"}
_UNASKED |= {"NextKeyMarker", "NextVersionIdMarker"}


@pytest.mark.parametrize("api", _APIS)
def test_list_response_carries_the_elements_of_its_variant(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    root = _get(raw, bucket, api)
    assert _local(root.tag) == _ROOTS[api], root.tag
    assert root.tag.startswith("{http://s3.amazonaws.com/doc/2006-03-01/}"), root.tag
    top = {_local(node.tag) for node in root}
    assert _MUST[api] <= top, f"{api}: missing {sorted(_MUST[api] - top)}"
    assert not (_NEVER[api] | _UNASKED) & top, f"{api}: carries {sorted((_NEVER[api] | _UNASKED) & top)}"
    assert (_top(root, "Name"), _top(root, "MaxKeys")) == ([bucket], ["1000"])
    for unsent in ("Prefix", "Marker", "KeyMarker", "VersionIdMarker"):
        assert _top(root, unsent) in ([], [""]), f"{api}: {unsent} {_top(root, unsent)} for a request without it"
    assert _top(root, "IsTruncated") == ["false"] and _entry_keys(root) == ["a"]
    if api == "v2":
        assert _top(root, "KeyCount") == ["1"]


@pytest.mark.parametrize("api", _APIS)
def test_list_truncated_page_names_where_to_go_on_in_its_own_elements(
    raw: RawS3, s3: Any, bucket: str, api: str
) -> None:
    """A truncated page with a delimiter: v1 names NextMarker, v2 NextContinuationToken, versions
    NextKeyMarker (and NextVersionIdMarker); none carries another variant's element."""
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("delimiter", "/"), ("max-keys", "1"))
    top = {_local(node.tag) for node in root}
    assert _top(root, "IsTruncated") == ["true"] and _top(root, "Delimiter") == ["/"]
    own = {"v1": {"NextMarker"}, "v2": {"NextContinuationToken"}, "versions": {"NextKeyMarker", "NextVersionIdMarker"}}
    assert own[api] <= top, f"{api}: a truncated page without {sorted(own[api] - top)}"
    others = set().union(*own.values()) - own[api]
    assert not others & top, f"{api}: carries {sorted(others & top)}"


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_v2_echoes_start_after_beside_a_continuation_token(s3: Any, bucket: str) -> None:
    """StartAfter: "If StartAfter was sent with the request, it is included in the response" — also when a
    ContinuationToken decides where the page starts (the token wins; test_listing pins that)."""
    for key in ("a", "b", "c", "d"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=1, StartAfter="a")
    assert [o["Key"] for o in first["Contents"]] == ["b"]
    second = s3.list_objects_v2(
        Bucket=bucket, MaxKeys=1, StartAfter="a", ContinuationToken=first["NextContinuationToken"]
    )
    assert [o["Key"] for o in second["Contents"]] == ["c"]
    assert (second.get("StartAfter"), second.get("ContinuationToken")) == ("a", first["NextContinuationToken"])


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_v2_fetch_owner_false_leaves_owner_out(s3: Any, bucket: str) -> None:
    """FetchOwner: "The owner field is not present in ListObjectsV2 by default. If you want to return the
    owner field with each key in the result, then set the FetchOwner field to true"."""
    s3.put_object(Bucket=bucket, Key="o", Body=b"")
    (entry,) = s3.list_objects_v2(Bucket=bucket, FetchOwner=False)["Contents"]
    assert "Owner" not in entry


@pytest.mark.parametrize("api", _APIS)
def test_list_owner_is_the_writers_canonical_id(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """Owner (API_Owner.html) names the object's owner by its canonical user ID, the ID ListBuckets gives
    the caller who wrote it: always in v1 and versions, in v2 with fetch-owner=true."""
    me = s3.list_buckets()["Owner"]["ID"]
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    root = _get(raw, bucket, api, *([("fetch-owner", "true")] if api == "v2" else []))
    owners = [
        node.text
        for node in root.iterfind("{*}" + ("Version" if api == "versions" else "Contents") + "/{*}Owner/{*}ID")
    ]
    assert owners == [me]


# -- continuation tokens ------------------------------------------------------------------------------


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_v2_continuation_token_of_another_bucket_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Any
) -> None:
    """ContinuationToken "indicates to Amazon S3 that the list is being continued on this bucket with a
    token"; a token issued for another bucket continues nothing here: 400 InvalidArgument "The continuation
    token provided is incorrect", as for any token this bucket's listing did not issue."""
    other = new_bucket_name("tok")
    s3.create_bucket(Bucket=other)
    try:
        for name in (bucket, other):
            for key in ("a", "b"):
                s3.put_object(Bucket=name, Key=key, Body=b"x")
        token = s3.list_objects_v2(Bucket=other, MaxKeys=1)["NextContinuationToken"]
        answer = raw.request("GET", "/" + bucket, [("list-type", "2"), ("continuation-token", token)])
        refused(answer, 400, "InvalidArgument", accepted="another bucket's continuation token accepted")
    finally:
        for key in ("a", "b"):
            s3.delete_object(Bucket=other, Key=key)
        s3.delete_bucket(Bucket=other)


@pytest.mark.parametrize("api", _APIS)
def test_list_expected_bucket_owner_is_checked_by_every_variant(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """Each listing takes x-amz-expected-bucket-owner: the owner's account answers as without it, another
    account is 403 AccessDenied (bucket-owner-condition.html)."""
    me = s3.list_buckets()["Owner"]["ID"]
    other = "1" * 64 if me != "1" * 64 else "2" * 64
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    answer = raw.request("GET", "/" + bucket, _LISTS[api], headers={"x-amz-expected-bucket-owner": me})
    assert answer.status == 200 and _entry_keys(answer.xml()) == ["a"], answer
    answer = raw.request("GET", "/" + bucket, _LISTS[api], headers={"x-amz-expected-bucket-owner": other})
    refused(answer, 403, "AccessDenied", accepted=f"{api}: another account as the expected bucket owner accepted")


# -- max-keys -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-1", "1e3"], ids=["letters", "negative", "exponent"])
@pytest.mark.parametrize("api", _APIS)
def test_list_max_keys_not_a_count_is_400_invalid_argument(raw: RawS3, bucket: str, api: str, value: str) -> None:
    """MaxKeys is an Integer "Sets the maximum number of keys returned in the response" (each variant's
    page): text, a negative number or an exponent is 400 InvalidArgument, never a 500 or a default page."""
    answer = raw.request("GET", "/" + bucket, [*_LISTS[api], ("max-keys", value)])
    refused(answer, 400, "InvalidArgument", accepted=f"{api}: max-keys={value} accepted")


@pytest.mark.aws_doc(_API + "API_ListObjects.html")
@pytest.mark.parametrize("delimiter", ["", "/"], ids=["no-delimiter", "delimiter"])
def test_list_v1_max_keys_zero_returns_nothing_and_a_page_to_stop_on(
    raw: RawS3, s3: Any, bucket: str, delimiter: str
) -> None:
    """max-keys=0 asks for no keys: none are listed and MaxKeys says 0. A page that then said IsTruncated
    true would have to name where to go on (NextMarker, or a last Key), or a client following IsTruncated
    asks for the same empty page forever; v1 has neither here."""
    for key in ("a", "b/c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, "v1", ("max-keys", "0"), *([("delimiter", delimiter)] if delimiter else []))
    assert (_entry_keys(root), _prefixes(root), _top(root, "MaxKeys")) == ([], [], ["0"])
    if _top(root, "IsTruncated") == ["true"]:
        assert _top(root, "NextMarker") not in ([], [""]), "IsTruncated true without NextMarker or a last Key"


# -- delimiters that are not "/" ------------------------------------------------------------------------
# API_ListObjectsV2.html, Delimiter / CommonPrefixes: keys "that contain the same string between the prefix
# and the first occurrence of the delimiter" are rolled up; the delimiter is looked for after the prefix,
# so a prefix ending with part of (or all of) a delimiter does not count it.

_OVERLAP = ["a--b", "a---c", "a-d--e", "a-f", "b--g"]


@pytest.mark.parametrize("api", _APIS)
def test_list_delimiter_is_looked_for_after_the_prefix(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    for key in _OVERLAP:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("prefix", "a-"), ("delimiter", "--"))
    assert (_entry_keys(root), _prefixes(root)) == (["a--b", "a-f"], ["a---", "a-d--"])
    root = _get(raw, bucket, api, ("prefix", "a--"), ("delimiter", "--"))
    assert (_entry_keys(root), _prefixes(root)) == (["a---c", "a--b"], [])


@pytest.mark.parametrize("api", _APIS)
def test_list_non_ascii_delimiter(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """A delimiter is a string of characters, any of them: one of several UTF-8 bytes groups as any other."""
    for key in ("x\u00e9y", "x\u00e9z", "xe", "\U0001f600\u00e9"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("delimiter", "\u00e9"))
    assert (_entry_keys(root), _prefixes(root)) == (["xe"], ["x\u00e9", "\U0001f600\u00e9"])


@pytest.mark.parametrize("api", _APIS)
def test_list_page_whose_rest_rolls_into_its_last_common_prefix_is_not_truncated(
    raw: RawS3, s3: Any, bucket: str, api: str
) -> None:
    """A common prefix counts once toward max-keys: when every key left after a page rolls up into that
    page's last common prefix, nothing remains and the page is not truncated (IsTruncated: "true if more
    keys are available to return")."""
    for key in ("a", "b/1", "b/2", "b/3"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("delimiter", "/"), ("max-keys", "2"))
    assert (_entry_keys(root), _prefixes(root)) == (["a"], ["b/"])
    assert _top(root, "IsTruncated") == ["false"]


@pytest.mark.parametrize("api", _APIS)
def test_list_marker_before_the_prefix_keeps_every_common_prefix(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """A marker (StartAfter, Marker, key-marker) that sorts before every key with the prefix starts the
    listing at the prefix: "Amazon S3 starts listing after this specified key. StartAfter can be any key
    in the bucket". Every common prefix after it is listed (a grouping fault Apache Ozone met, HDDS-17308:
    StartAfter dir1/dir2/file1 with Prefix dir1bh left out dir1bh/ and dir1bha/)."""
    for key in ("dir1/dir2/file1", "dir1bh/file1", "dir1bha/file1", "dir2/x"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    query = [("prefix", "dir1bh"), ("delimiter", "/"), (_MARKER_PARAM[api], "dir1/dir2/file1")]
    root = _get(raw, bucket, api, *query)
    assert (_entry_keys(root), _prefixes(root)) == ([], ["dir1bh/", "dir1bha/"])


# -- encoding-type=url: every element each reference names ---------------------------------------------
# API_ListObjects.html, EncodingType: with url, "Delimiter, Marker, Prefix, NextMarker, Key" are encoded;
# API_ListObjectsV2.html: "Delimiter, Prefix, Key, and StartAfter"; API_ListObjectVersions.html:
# "KeyMarker, NextKeyMarker, Prefix, Key, and Delimiter". CommonPrefixes/Prefix holds keys' leading
# parts and is encoded with them. V1's own Prefix is left out of the check: botocore, which decodes
# exactly what S3 encodes, decodes it only for V2 and versions (see test_keys).

# A space, an XML special and a character XML 1.0 cannot carry (U+0001) in keys, a delimiter and a marker.
_SPACED = ["p q/a\x01", "p q/b&1", "p q/b&2", "p q/c"]
_MARKER = "p q/0\x01 0"
_MARKER_PARAM = {"v1": "marker", "v2": "start-after", "versions": "key-marker"}
_MARKER_ECHO = {"v1": "Marker", "v2": "StartAfter", "versions": "KeyMarker"}


@pytest.mark.parametrize("api", _APIS)
def test_list_encoding_type_url_encodes_every_element_its_reference_names(
    raw: RawS3, s3: Any, bucket: str, api: str
) -> None:
    for key in _SPACED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    query = [("prefix", "p q/"), ("delimiter", "&"), (_MARKER_PARAM[api], _MARKER), ("max-keys", "2")]
    root = _get(raw, bucket, api, ("encoding-type", "url"), *query)
    assert _top(root, "EncodingType") == ["url"]
    assert _decoded(_entry_keys(root)) == ["p q/a\x01"]
    assert _decoded(_prefixes(root)) == ["p q/b&"]
    assert _decoded(_top(root, "Delimiter")) == ["&"]
    assert _decoded(_top(root, _MARKER_ECHO[api])) == [_MARKER]
    if api != "v1":
        assert _decoded(_top(root, "Prefix")) == ["p q/"]
    assert _top(root, "IsTruncated") == ["true"]
    going_on = {"v1": "NextMarker", "versions": "NextKeyMarker"}.get(api)
    if going_on is not None:  # the page ends on the common prefix, which names where to go on
        assert _decoded(_top(root, going_on)) == ["p q/b&"]


@pytest.mark.parametrize("api", _APIS)
def test_list_encoding_type_url_pages_resume_after_the_decoded_marker(
    raw: RawS3, s3: Any, bucket: str, api: str
) -> None:
    """The markers a url-encoded page names are sent back decoded (as SDKs do); the next page starts
    after that key or common prefix, and the listing read that way is the whole one."""
    for key in _SPACED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    keys: list[str] = []
    prefixes: list[str] = []
    params: list[tuple[str, str]] = [("delimiter", "&"), ("max-keys", "1"), ("encoding-type", "url")]
    for _ in range(10):
        root = _get(raw, bucket, api, *params)
        keys += _decoded(_entry_keys(root))
        prefixes += _decoded(_prefixes(root))
        if _top(root, "IsTruncated") != ["true"]:
            break
        if api == "v2":
            (token,) = _top(root, "NextContinuationToken")
            params = [*params[:3], ("continuation-token", token)]
        elif api == "v1":
            (marker,) = _decoded(_top(root, "NextMarker"))
            params = [*params[:3], ("marker", marker)]
        else:
            (key_marker,) = _decoded(_top(root, "NextKeyMarker"))
            resume = [("key-marker", key_marker)]
            resume += [("version-id-marker", v) for v in _top(root, "NextVersionIdMarker")]
            params = [*params[:3], *resume]
    assert (keys, prefixes) == (["p q/a\x01", "p q/c"], ["p q/b&"])


# -- ListObjectVersions: the markers ---------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_page_ending_on_a_delete_marker_names_it(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """NextKeyMarker and NextVersionIdMarker name the last entry of a truncated page, a delete marker as
    any version; the next page resumes with the next older version of that key."""
    older = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    later = s3.put_object(Bucket=versioned_bucket, Key="l", Body=b"x")["VersionId"]
    first = list_versions_page(raw, versioned_bucket, **{"max-keys": "1"})
    assert [(e.kind, e.version_id, e.is_latest) for e in first.entries] == [("DeleteMarker", marker, True)]
    assert first.is_truncated and (first.next_key_marker, first.next_version_id_marker) == ("k", marker)
    second = list_versions_page(raw, versioned_bucket, **{"key-marker": "k", "version-id-marker": marker})
    assert [(e.kind, e.key, e.version_id) for e in second.entries] == [("Version", "k", older), ("Version", "l", later)]
    # KeyMarker and VersionIdMarker echo the markers the page was asked with
    root = _get(raw, versioned_bucket, "versions", ("key-marker", "k"), ("version-id-marker", marker))
    assert (_top(root, "KeyMarker"), _top(root, "VersionIdMarker")) == (["k"], [marker])


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_delete_marker_key_is_url_encoded(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """EncodingType: with url, Key is encoded; a DeleteMarker's Key as a Version's, and NextKeyMarker of a
    page ending on the marker."""
    key = "d m/\u00e9&"
    s3.put_object(Bucket=versioned_bucket, Key=key, Body=b"x")
    s3.delete_object(Bucket=versioned_bucket, Key=key)
    root = _get(raw, versioned_bucket, "versions", ("encoding-type", "url"))
    kinds = [_local(node.tag) for node in root if _local(node.tag) in ("Version", "DeleteMarker")]
    assert kinds == ["DeleteMarker", "Version"] and _decoded(_entry_keys(root)) == [key, key]
    root = _get(raw, versioned_bucket, "versions", ("encoding-type", "url"), ("max-keys", "1"))
    assert _decoded(_top(root, "NextKeyMarker")) == [key]


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_prefix_holds_with_a_version_id_marker(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """Prefix: "Use this parameter to select only those keys that begin with the specified prefix" — also
    when key-marker and version-id-marker name a version of a key outside it: that key's older versions
    are not listed."""
    a = [s3.put_object(Bucket=versioned_bucket, Key="a", Body=b"x")["VersionId"] for _ in range(2)]
    b = s3.put_object(Bucket=versioned_bucket, Key="b/1", Body=b"x")["VersionId"]
    page = list_versions_page(raw, versioned_bucket, prefix="b/", **{"key-marker": "a", "version-id-marker": a[1]})
    assert [(e.key, e.version_id) for e in page.entries] == [("b/1", b)]


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_common_prefix_not_after_the_key_marker_is_left_out(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """Delimiter: "CommonPrefixes is filtered out from results if it is not lexicographically greater than
    the key-marker" — a key-marker inside a group leaves that group's prefix out."""
    for key in ("a/1", "a/2", "b"):
        s3.put_object(Bucket=versioned_bucket, Key=key, Body=b"x")
    page = list_versions_page(raw, versioned_bucket, delimiter="/", **{"key-marker": "a/1"})
    assert ([e.key for e in page.entries], page.prefixes) == (["b"], ())
    page = list_versions_page(raw, versioned_bucket, delimiter="/", **{"key-marker": "a"})
    assert ([e.key for e in page.entries], page.prefixes) == (["b"], ("a/",))


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
def test_list_versions_version_id_marker_inside_a_common_prefix_goes_on_after_it(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """key-marker and version-id-marker naming a version of a key that the delimiter rolls up: the group
    is not after the key-marker, so it is filtered out ("CommonPrefixes is filtered out from results if it
    is not lexicographically greater than the key-marker"), and none of that key's versions is listed."""
    a = [s3.put_object(Bucket=versioned_bucket, Key="a/1", Body=b"x")["VersionId"] for _ in range(2)]
    b = s3.put_object(Bucket=versioned_bucket, Key="b", Body=b"x")["VersionId"]
    page = list_versions_page(raw, versioned_bucket, delimiter="/", **{"key-marker": "a/1", "version-id-marker": a[1]})
    assert ([(e.key, e.version_id) for e in page.entries], page.prefixes) == ([("b", b)], ())


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_ListObjectVersions.html")
@pytest.mark.parametrize("param", ["prefix", "delimiter", "key-marker", "version-id-marker", "max-keys"])
def test_list_versions_empty_parameter_is_like_absent(raw: RawS3, s3: Any, versioned_bucket: str, param: str) -> None:
    """An empty parameter selects nothing, as in ListObjects (test_listing): an empty version-id-marker is
    no version-id-marker, so it needs no key-marker."""
    for key in ("a/1", "b"):
        s3.put_object(Bucket=versioned_bucket, Key=key, Body=b"x")
    page = list_versions_page(raw, versioned_bucket, **{param: ""})
    assert ([e.key for e in page.entries], page.prefixes, page.is_truncated) == (["a/1", "b"], (), False)


# -- x-amz-optional-object-attributes ---------------------------------------------------------------------
# Each listing takes x-amz-optional-object-attributes (Valid Values: RestoreStatus): "Specifies the
# optional fields that you want returned in the response. Fields that you do not specify are not
# returned." API_RestoreStatus.html: "If the object hasn't been restored, there is no header response":
# an object never archived and restored lists as without the header.


@pytest.mark.parametrize("api", _APIS)
def test_list_optional_object_attributes_restore_status_of_an_unrestored_object(
    raw: RawS3, s3: Any, bucket: str, api: str
) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    answer = raw.request(
        "GET", "/" + bucket, _LISTS[api], headers={"x-amz-optional-object-attributes": "RestoreStatus"}
    )
    assert answer.status == 200, answer
    root = answer.xml()
    assert _entry_keys(root) == ["a"]
    assert not [n for n in root.iter() if _local(n.tag) == "RestoreStatus"], answer.body


@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_optional_object_attributes_through_boto3(s3: Any, bucket: str, api: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    call = s3.list_objects_v2 if api == "v2" else s3.list_objects
    (entry,) = call(Bucket=bucket, OptionalObjectAttributes=["RestoreStatus"])["Contents"]
    assert entry["Key"] == "a" and "RestoreStatus" not in entry
