"""The server through boto3: bucket and object operations, listings, odd keys, errors."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cargobay.testing.clients import boto3_client as make_client
from cargobay.testing.servers import Endpoint, SubprocessServer


def _error(exc: ClientError) -> tuple[int, str]:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"]


def test_bucket_lifecycle(s3: Any) -> None:
    s3.create_bucket(Bucket="life-cycle")
    assert "life-cycle" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.head_bucket(Bucket="life-cycle")
    assert s3.get_bucket_location(Bucket="life-cycle")["LocationConstraint"] is None
    s3.create_bucket(Bucket="life-cycle")  # us-east-1: re-creating your own bucket is 200 (AWS legacy)
    s3.put_object(Bucket="life-cycle", Key="k", Body=b"x")
    with pytest.raises(ClientError) as info:
        s3.delete_bucket(Bucket="life-cycle")
    assert _error(info.value) == (409, "BucketNotEmpty")
    s3.delete_object(Bucket="life-cycle", Key="k")
    s3.delete_bucket(Bucket="life-cycle")
    with pytest.raises(ClientError) as info:
        s3.head_bucket(Bucket="life-cycle")
    assert _error(info.value)[0] == 404


@pytest.mark.parametrize("name", ["ab", "UPPER", "under_score", "-start", "a..b", "192.168.1.1", "x" * 64])
def test_create_bucket_with_invalid_name_is_400(s3: Any, name: str) -> None:
    with pytest.raises(ClientError) as info:
        s3.create_bucket(Bucket=name)
    assert _error(info.value) == (400, "InvalidBucketName")


def test_a_served_directory_ending_in_an_stays_a_bucket_but_none_is_created(s3: Any, served: SubprocessServer) -> None:
    """The ``-an`` suffix is kept for the account regional namespace (bucketnamingrules.html): a new
    global bucket may not take it, but a directory of the served tree named so is still served."""
    import os

    os.mkdir(os.path.join(served.root, "kept-an"))
    assert "kept-an" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.put_object(Bucket="kept-an", Key="k", Body=b"x")
    assert s3.get_object(Bucket="kept-an", Key="k")["Body"].read() == b"x"
    with pytest.raises(ClientError) as info:
        s3.create_bucket(Bucket="made-an")
    assert _error(info.value) == (400, "InvalidBucketName")
    s3.delete_object(Bucket="kept-an", Key="k")
    s3.delete_bucket(Bucket="kept-an")


def test_put_get_with_metadata_and_headers(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket,
        Key="docs/report.txt",
        Body=b"hello world",
        ContentType="text/plain",
        ContentEncoding="identity",
        ContentDisposition='attachment; filename="r.txt"',
        ContentLanguage="en",
        CacheControl="max-age=60",
        Metadata={"colour": "blue", "n": "1"},
    )
    assert put["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    got = s3.get_object(Bucket=bucket, Key="docs/report.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain"
    assert got["ContentEncoding"] == "identity"
    assert got["ContentDisposition"] == 'attachment; filename="r.txt"'
    assert got["ContentLanguage"] == "en"
    assert got["CacheControl"] == "max-age=60"
    assert got["Metadata"] == {"colour": "blue", "n": "1"}
    assert got["ContentLength"] == 11
    head = s3.head_object(Bucket=bucket, Key="docs/report.txt")
    assert head["ETag"] == put["ETag"] and head["ContentLength"] == 11
    over = s3.get_object(Bucket=bucket, Key="docs/report.txt", ResponseContentType="application/x-test")
    assert over["ContentType"] == "application/x-test"


def test_ranges(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    cases = {
        "bytes=0-0": b"0",
        "bytes=2-4": b"234",
        "bytes=7-": b"789",
        "bytes=-3": b"789",
        "bytes=8-100": b"89",
        "bytes=-100": b"0123456789",
    }
    for header, expected in cases.items():
        got = s3.get_object(Bucket=bucket, Key="r", Range=header)
        assert got["Body"].read() == expected, header
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-")
    assert _error(info.value) == (416, "InvalidRange")


def test_conditional_get_precedence(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"abc")
    etag = put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="c")
    modified = head["LastModified"]
    from datetime import timedelta

    past, future = modified - timedelta(days=1), modified + timedelta(days=1)
    # If-Match true wins over a failing If-Unmodified-Since: 200
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=past)["Body"].read() == b"abc"
    # If-None-Match false (no match) wins over a true If-Modified-Since... 200
    assert s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"other"', IfModifiedSince=future)["Body"].read()
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"nope"')
    assert _error(info.value) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert _error(info.value)[0] == 304
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=modified)
    assert _error(info.value)[0] == 304
    # A date later than the server's clock is ignored, as AWS does (recorded in the conformance suite's
    # recorded/conditional-future-date.md): the GET answers 200 as if the header were absent.
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)["Body"].read() == b"abc"
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    assert _error(info.value) == (412, "PreconditionFailed")


def test_wrong_content_md5_is_bad_digest_and_keeps_old_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="m", Body=b"old")
    import base64

    wrong = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket=bucket, Key="m", Body=b"new", ContentMD5=wrong)
    assert _error(info.value) == (400, "BadDigest")
    assert s3.get_object(Bucket=bucket, Key="m")["Body"].read() == b"old"


ODD_KEYS = [
    "../../x",
    "a/../../b",
    "%2E%2E/x",
    "k" * 1024,
    "a",
    "a/b",
    "dir/",
    "e//f",
    "./z",
    "sp ace",
    "plus+sign",
    "q?x#y&z=1",
    "ü/ñ/漢字",
    "tab\there",
    "a%2Fb",
    "~tilde!*'()",
]


def test_odd_keys_round_trip_and_list(s3: Any, bucket: str, served: SubprocessServer) -> None:
    for key in ODD_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in ODD_KEYS:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode(), key
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(ODD_KEYS, key=lambda k: k.encode())
    assert s3.get_object(Bucket=bucket, Key="a%2Fb")["Body"].read() == b"a%2Fb"
    assert s3.get_object(Bucket=bucket, Key="a/b")["Body"].read() == b"a/b"
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"")
    assert _error(info.value) == (400, "KeyTooLongError")


@pytest.mark.parametrize("api", ["list_objects", "list_objects_v2"])
def test_1500_keys_list_completely_through_paginator(s3: Any, api: str) -> None:
    name = f"many-{api.replace('_', '-')}"
    s3.create_bucket(Bucket=name)
    keys = sorted(f"k/{i:05d}" for i in range(1500))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=name, Key=k, Body=b""), keys))
    pages = list(s3.get_paginator(api).paginate(Bucket=name))
    assert len(pages) == 2
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys
    delimited = list(s3.get_paginator(api).paginate(Bucket=name, Delimiter="/", PaginationConfig={"PageSize": 1}))
    assert [p["Prefix"] for page in delimited for p in page.get("CommonPrefixes", [])] == ["k/"]
    for start in range(0, 1500, 1000):
        batch = [{"Key": k} for k in keys[start : start + 1000]]
        s3.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
    s3.delete_bucket(Bucket=name)


def test_delete_objects_reports_each_key_and_refuses_1001(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="d1", Body=b"1")
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d1"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["d1", "missing"]
    with pytest.raises(ClientError) as info:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"x{i}"} for i in range(1001)]})
    assert _error(info.value) == (400, "MalformedXML")


def test_copy_object_directives(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src key+ü", Body=b"payload", ContentType="text/x", Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src key+ü"})
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"payload" and got["Metadata"] == {"a": "1"} and got["ContentType"] == "text/x"
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "dst"},
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="text/y",
    )
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Metadata"] == {"b": "2"} and got["ContentType"] == "text/y"
    with pytest.raises(ClientError) as info:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "dst"})
    assert _error(info.value) == (400, "InvalidRequest")


def test_errors_for_missing_things(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="nope")
    assert _error(info.value) == (404, "NoSuchKey")
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="no-such-bucket-here", Key="k")
    assert _error(info.value) == (404, "NoSuchBucket")
    with pytest.raises(ClientError) as info:
        s3.list_objects_v2(Bucket="no-such-bucket-here")
    assert _error(info.value) == (404, "NoSuchBucket")


def test_wrong_secret_unknown_key_and_anonymous_are_refused(endpoint: Endpoint) -> None:
    cases = [
        (Endpoint(endpoint.url, endpoint.access_key, "wrong-secret"), (403, "SignatureDoesNotMatch")),
        (Endpoint(endpoint.url, "AKIDUNKNOWN", endpoint.secret_key), (403, "InvalidAccessKeyId")),
    ]
    for ep, expected in cases:
        with pytest.raises(ClientError) as info:
            make_client(ep).list_buckets()
        assert _error(info.value) == expected
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    anon = boto3.client(
        "s3", endpoint_url=endpoint.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )
    with pytest.raises(ClientError) as info:
        anon.list_buckets()
    assert _error(info.value) == (403, "AccessDenied")


def test_presigned_get_works_and_expires(s3: Any, bucket: str, endpoint: Endpoint) -> None:
    import time
    import urllib.error
    import urllib.request

    from botocore.config import Config

    v4 = make_client(endpoint, signature_version="s3v4")
    s3.put_object(Bucket=bucket, Key="p/q r", Body=b"presigned")
    url = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p/q r"}, ExpiresIn=60)
    assert urllib.request.urlopen(url).read() == b"presigned"
    expired = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p/q r"}, ExpiresIn=1)
    time.sleep(2)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(expired)
    assert info.value.code == 403 and b"<Code>AccessDenied</Code>" in info.value.read()
    _ = Config
