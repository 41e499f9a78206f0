"""The 5 GiB limit on a copy source: CopyObject of a larger source, and UploadPartCopy of one without a
range, are 400 InvalidRequest "The specified copy source is larger than the maximum allowable size for
a copy source: 5368709120" (API_CopyObject.html: "You can store individual objects of up to 5 TB in
Amazon S3. You create a copy of your object up to 5 GB in size in a single atomic action using this
API"; the message as S3 answers it: rclone/rclone#2375, versity/versitygw#1896). A larger object is
copied with UploadPartCopy ranges.

The limit is lowered for the test (the rule, not the number, is what a 5 GiB source would cost to
test); the message names the real limit, as S3's does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cargobay.s3.http import objects
from cargobay.testing.clients import boto3_client
from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.servers import InProcessServer

LIMIT = 16


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(objects, "MAX_COPY_SOURCE", LIMIT)
    with InProcessServer(str(tmp_path)) as server:
        client = boto3_client(server.endpoint)
        client.create_bucket(Bucket="bkt")
        client.put_object(Bucket="bkt", Key="big", Body=b"x" * (LIMIT + 1))
        client.put_object(Bucket="bkt", Key="limit", Body=b"x" * LIMIT)
        yield client
        assert server.running.services.internal_errors == 0


def _message(call: Any) -> str:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Message"])


def test_copy_object_of_a_source_over_the_limit_is_400_invalid_request(s3: Any) -> None:
    big = {"Bucket": "bkt", "Key": "big"}
    assert error_of(lambda: s3.copy_object(Bucket="bkt", Key="dst", CopySource=big)) == (400, "InvalidRequest")
    assert _message(lambda: s3.copy_object(Bucket="bkt", Key="dst", CopySource=big)) == (
        "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"
    )
    assert error_of(lambda: s3.head_object(Bucket="bkt", Key="dst")) == (404, None)
    s3.copy_object(Bucket="bkt", Key="dst", CopySource={"Bucket": "bkt", "Key": "limit"})  # at the limit: copied


def test_upload_part_copy_of_a_source_over_the_limit_needs_a_range(s3: Any) -> None:
    upload = s3.create_multipart_upload(Bucket="bkt", Key="mp")["UploadId"]
    big = {"Bucket": "bkt", "Key": "big"}

    def part(**extra: Any) -> Any:
        return s3.upload_part_copy(Bucket="bkt", Key="mp", UploadId=upload, PartNumber=1, CopySource=big, **extra)

    assert error_of(part) == (400, "InvalidRequest")
    assert s3.list_parts(Bucket="bkt", Key="mp", UploadId=upload).get("Parts", []) == []
    assert part(CopySourceRange=f"bytes=0-{LIMIT - 1}")["CopyPartResult"]["ETag"]
