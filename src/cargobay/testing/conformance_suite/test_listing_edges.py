"""ListObjects (v1), ListObjectsV2 and ListObjectVersions, a fourth pass: what the other listing modules
leave open. x-amz-optional-object-attributes naming an attribute that does not exist, a marker past the
last key, a page that holds exactly the rest, a prefix that is the delimiter, and the elements echoed
for a marker that matches nothing.

What test_listing, test_listing_params and test_listing_deep already pin is not repeated here.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import refused
from cargobay.testing.conformance_suite._http import RawS3
from cargobay.testing.conformance_suite._listing import common_prefixes as _prefixes
from cargobay.testing.conformance_suite._listing import entry_keys as _entry_keys
from cargobay.testing.conformance_suite._listing import local_name as _local
from cargobay.testing.conformance_suite._listing import top_texts as _top

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
pytestmark = [pytest.mark.s3_requires("listing"), pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")]
_LISTS = {"v1": [], "v2": [("list-type", "2")], "versions": [("versions", "")]}
_DOCS = {"v1": "API_ListObjects.html", "v2": "API_ListObjectsV2.html", "versions": "API_ListObjectVersions.html"}
# Each listing operation as a test parameter citing its own API reference page.
_APIS = [pytest.param(api, id=api, marks=pytest.mark.aws_doc(_API + page)) for api, page in _DOCS.items()]
_MARKER_PARAM = {"v1": "marker", "v2": "start-after", "versions": "key-marker"}
_MARKER_ECHO = {"v1": "Marker", "v2": "StartAfter", "versions": "KeyMarker"}


def _get(raw: RawS3, bucket: str, api: str, *params: tuple[str, str], headers: dict[str, str] | None = None) -> Any:
    answer = raw.request("GET", "/" + bucket, [*_LISTS[api], *params], headers=headers)
    assert answer.status == 200, answer
    return answer.xml()


# -- x-amz-optional-object-attributes -------------------------------------------------------------------
# Each listing's page: x-amz-optional-object-attributes "Specifies the optional fields that you want
# returned in the response", Valid Values: RestoreStatus. A name that is no such field asks for nothing S3
# can give: 400 InvalidArgument "Invalid attribute name specified" (S3's answer as quoted by
# noobaa/noobaa-core#8106; GetObjectAttributes answers an unknown x-amz-object-attributes name the same
# way, test_object_attributes), never a listing that silently leaves the field out.


@pytest.mark.parametrize("value", ["Bogus", "RestoreStatus,Bogus", "ETag"], ids=["unknown", "one-unknown", "etag"])
@pytest.mark.parametrize("api", _APIS)
def test_list_optional_object_attributes_unknown_name_is_400_invalid_argument(
    raw: RawS3, s3: Any, bucket: str, api: str, value: str
) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    answer = raw.request("GET", "/" + bucket, _LISTS[api], headers={"x-amz-optional-object-attributes": value})
    refused(answer, 400, "InvalidArgument", accepted=f"{api}: x-amz-optional-object-attributes {value!r} accepted")


@pytest.mark.parametrize("api", _APIS)
def test_list_optional_object_attributes_restore_status_listed_twice_is_taken(
    raw: RawS3, s3: Any, bucket: str, api: str
) -> None:
    """The header is a list (botocore joins OptionalObjectAttributes with commas): RestoreStatus named
    twice is still a valid request, and an object never restored lists without the field."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    root = _get(raw, bucket, api, headers={"x-amz-optional-object-attributes": "RestoreStatus,RestoreStatus"})
    assert _entry_keys(root) == ["a"]
    assert not [node for node in root.iter() if _local(node.tag) == "RestoreStatus"]


# -- markers past the end, pages that hold exactly the rest ---------------------------------------------


@pytest.mark.parametrize("api", _APIS)
def test_list_marker_past_the_last_key_is_an_empty_untruncated_page(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """A marker (Marker, StartAfter, key-marker) after every key: "Amazon S3 starts listing after this
    specified key", so nothing is listed, the page is not truncated (no element names where to go on),
    and the marker is echoed as sent."""
    for key in ("a", "b/c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, (_MARKER_PARAM[api], "zzz"), ("delimiter", "/"))
    assert (_entry_keys(root), _prefixes(root), _top(root, "IsTruncated")) == ([], [], ["false"])
    assert _top(root, _MARKER_ECHO[api]) == ["zzz"]
    going_on = {"NextMarker", "NextContinuationToken", "NextKeyMarker", "NextVersionIdMarker"}
    assert not going_on & {_local(node.tag) for node in root}
    if api == "v2":
        assert _top(root, "KeyCount") == ["0"]


@pytest.mark.parametrize("api", _APIS)
def test_list_page_holding_exactly_the_rest_is_not_truncated(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """IsTruncated: "true if more keys are available to return" - a page whose max-keys equals what is
    left (keys and common prefixes together) has nothing after it."""
    for key in ("a", "b/1", "b/2", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("delimiter", "/"), ("max-keys", "3"))
    assert (_entry_keys(root), _prefixes(root), _top(root, "IsTruncated")) == (["a", "c"], ["b/"], ["false"])
    root = _get(raw, bucket, api, ("max-keys", "4"))
    assert (_entry_keys(root), _top(root, "IsTruncated")) == (["a", "b/1", "b/2", "c"], ["false"])


@pytest.mark.parametrize("api", _APIS)
def test_list_prefix_that_is_the_delimiter(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    """Keys under a leading "/" (a prefix equal to the delimiter): the delimiter is looked for after the
    prefix, so "/x" is a key of that level and "//y" rolls up into "//"."""
    for key in ("/x", "//y", "//z", "a"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("prefix", "/"), ("delimiter", "/"))
    assert (_entry_keys(root), _prefixes(root)) == (["/x"], ["//"])
    root = _get(raw, bucket, api, ("delimiter", "/"))
    assert (_entry_keys(root), _prefixes(root)) == (["a"], ["/"])


@pytest.mark.aws_doc(_API + "API_ListObjectsV2.html")
def test_list_v2_start_after_the_last_key_of_a_page_resumes_as_its_token(s3: Any, bucket: str) -> None:
    """StartAfter "can be any key in the bucket": started after the last key of a page, the listing goes
    on exactly where that page's NextContinuationToken does."""
    for key in ("a", "b", "c", "d", "e"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)
    by_token = s3.list_objects_v2(Bucket=bucket, MaxKeys=2, ContinuationToken=first["NextContinuationToken"])
    by_key = s3.list_objects_v2(Bucket=bucket, MaxKeys=2, StartAfter=first["Contents"][-1]["Key"])
    assert [o["Key"] for o in by_token["Contents"]] == [o["Key"] for o in by_key["Contents"]] == ["c", "d"]
    assert by_token["IsTruncated"] is by_key["IsTruncated"] is True


# -- a marker inside a common prefix ----------------------------------------------------------------------
# The Delimiter of each request: "CommonPrefixes is filtered out from results if it is not lexicographically
# greater than the key-marker" (ListObjects, of its Marker; ListObjectVersions), "... than the StartAfter
# value" (ListObjectsV2). A marker inside a group ("a/1" in "a/") leaves the group out, and the keys after
# the marker in it are not listed either (they are "not returned elsewhere in the response"); a marker
# before the group ("a") keeps it. test_listing_deep pins the version-id-marker case.


@pytest.mark.parametrize("api", _APIS)
def test_list_marker_inside_a_common_prefix_leaves_the_group_out(raw: RawS3, s3: Any, bucket: str, api: str) -> None:
    for key in ("a/1", "a/2", "a/3", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    root = _get(raw, bucket, api, ("delimiter", "/"), (_MARKER_PARAM[api], "a/1"))
    assert (_entry_keys(root), _prefixes(root)) == (["b"], [])
    root = _get(raw, bucket, api, ("delimiter", "/"), (_MARKER_PARAM[api], "a/"))
    assert (_entry_keys(root), _prefixes(root)) == (["b"], [])
    root = _get(raw, bucket, api, ("delimiter", "/"), (_MARKER_PARAM[api], "a"))
    assert (_entry_keys(root), _prefixes(root)) == (["b"], ["a/"])
