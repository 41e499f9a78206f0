"""ListBuckets, a fourth pass: the elements a paged answer carries or leaves out (ContinuationToken only when
more buckets are left, Prefix only when sent, Owner always), a token that came from another listing, and a
token whose bucket was deleted since.

test_listing_params pins paging by prefix and max-buckets, BucketRegion and the refusals of a bad
max-buckets, continuation-token or bucket-region; test_buckets the Owner and CreationDate of an unpaged
answer. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import refused
from cargobay.testing.conformance_suite._http import RawS3

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
pytestmark = [pytest.mark.s3_requires("buckets"), pytest.mark.aws_doc(_API + "API_ListBuckets.html")]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _top(answer: Any, element: str) -> list[str]:
    return [node.text or "" for node in ET.fromstring(answer.body) if _local(node.tag) == element]


def _names(answer: Any) -> list[str]:
    return [node.text or "" for node in ET.fromstring(answer.body).iterfind("{*}Buckets/{*}Bucket/{*}Name")]


def _list(raw: RawS3, *params: tuple[str, str]) -> Any:
    answer = raw.request("GET", "/", list(params))
    assert answer.status == 200, answer
    return answer


@pytest.fixture
def three(s3: Any, new_bucket_name: Any) -> Iterator[tuple[str, list[str]]]:
    """Three buckets sharing a run-unique prefix no other bucket has."""
    base = new_bucket_name("lbe") + "-"
    names = [base + str(n) for n in (1, 2, 3)]
    for name in names:
        s3.create_bucket(Bucket=name)
    yield base, names
    for name in names:
        if name in {b["Name"] for b in s3.list_buckets(Prefix=base)["Buckets"]}:
            s3.delete_bucket(Bucket=name)


def test_list_buckets_page_holding_exactly_the_rest_has_no_continuation_token(
    raw: RawS3, three: tuple[str, list[str]]
) -> None:
    """ContinuationToken "is included in the response when there are more buckets that can be listed with
    pagination": a page whose max-buckets equals the buckets left has none, and one short of them has one."""
    prefix, names = three
    whole = _list(raw, ("prefix", prefix), ("max-buckets", "3"))
    assert (_names(whole), _top(whole, "ContinuationToken")) == (names, [])
    short = _list(raw, ("prefix", prefix), ("max-buckets", "2"))
    assert _names(short) == names[:2] and len(_top(short, "ContinuationToken")) == 1


def test_list_buckets_names_the_prefix_only_when_sent(raw: RawS3, s3: Any, three: tuple[str, list[str]]) -> None:
    """Prefix: "If Prefix was sent with the request, it is included in the response" - a page asked for by
    max-buckets alone has no Prefix element; Owner ("The owner of the buckets listed") is the caller's
    canonical ID on a paged answer as on an unpaged one."""
    me = s3.list_buckets()["Owner"]["ID"]
    answer = _list(raw, ("max-buckets", "1"))
    assert _top(answer, "Prefix") == [] and len(_names(answer)) == 1
    owners = [node.text for node in ET.fromstring(answer.body).iterfind("{*}Owner/{*}ID")]
    assert owners == [me]
    prefix, _names_made = three
    assert _top(_list(raw, ("prefix", prefix)), "Prefix") == [prefix]


def test_list_buckets_continuation_token_goes_on_after_a_bucket_deleted_since(
    raw: RawS3, s3: Any, three: tuple[str, list[str]]
) -> None:
    """ContinuationToken "is obfuscated and is not a real bucket": the listing goes on after the place it
    names even when the last bucket of the page before was deleted in between."""
    prefix, names = three
    first = _list(raw, ("prefix", prefix), ("max-buckets", "1"))
    assert _names(first) == names[:1]
    (token,) = _top(first, "ContinuationToken")
    s3.delete_bucket(Bucket=names[0])
    rest = _list(raw, ("prefix", prefix), ("continuation-token", token))
    assert (_names(rest), _top(rest, "ContinuationToken")) == (names[1:], [])


@pytest.mark.s3_requires("listing")
def test_list_buckets_token_of_an_object_listing_is_400_and_back(raw: RawS3, s3: Any, bucket: str) -> None:
    """A continuation token continues the listing that issued it: ListObjectsV2's ("the list is being
    continued on this bucket") is no ListBuckets token and a ListBuckets token none of ListObjectsV2; each is
    refused as a token that listing did not issue, 400 InvalidArgument "The continuation token provided is
    incorrect", never read as a place to start from."""
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    objects_token = s3.list_objects_v2(Bucket=bucket, MaxKeys=1)["NextContinuationToken"]
    answer = raw.request("GET", "/", [("continuation-token", objects_token)])
    refused(answer, 400, "InvalidArgument", accepted="a ListObjectsV2 token taken by ListBuckets")
    buckets_page = _list(raw, ("max-buckets", "1"))
    tokens = _top(buckets_page, "ContinuationToken")
    if tokens:  # this account has more than one bucket (the suite's own buckets count)
        answer = raw.request("GET", "/" + bucket, [("list-type", "2"), ("continuation-token", tokens[0])])
        refused(answer, 400, "InvalidArgument", accepted="a ListBuckets token taken by ListObjectsV2")
