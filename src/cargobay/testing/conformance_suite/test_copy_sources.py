"""CopyObject and UploadPartCopy, second pass: how x-amz-copy-source is decoded (a raw ``+`` is a
space), a false x-amz-copy-source-if-modified-since, and what a copy carries over that the first
pass did not pin (Expires, a multipart source becoming one part).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("copy"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"),
]

_PART_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html"
MIB5 = 5 * 1024 * 1024


def _md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


@pytest.fixture
def plus_and_space(s3: Any, bucket: str) -> str:
    """Two objects whose keys differ only in ``+`` against `` ``."""
    s3.put_object(Bucket=bucket, Key="a b", Body=b"the space one")
    s3.put_object(Bucket=bucket, Key="a+b", Body=b"the plus one")
    return bucket


@pytest.fixture
def upload(s3: Any, bucket: str) -> Iterator[str]:
    """An upload to ``dst``; aborted afterwards."""
    from botocore.exceptions import ClientError

    upload_id: str = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    yield upload_id
    with contextlib.suppress(ClientError):  # completed or aborted by the test: nothing to abort
        s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id)


# -- x-amz-copy-source decoding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "body"),
    [("a+b", b"the space one"), ("a%20b", b"the space one"), ("a%2Bb", b"the plus one")],
    ids=["raw-plus", "percent-20", "percent-2B"],
)
def test_copy_object_copy_source_plus_is_a_space(
    raw: RawS3, s3: Any, plus_and_space: str, value: str, body: bytes
) -> None:
    """x-amz-copy-source: "The value must be URL-encoded", and in that encoding a raw ``+`` stands for a
    space: S3 answers a copy source ``foo++bar.txt`` with NoSuchKey for the key ``foo++bar.txt`` and
    "expects it to be foo%2B%2Bbar.txt" (aws/aws-cli#614, aws/aws-sdk-php#236), which is why rclone's
    S3 backend escapes ``+`` as ``%2B`` in that header. So ``a+b`` names the key ``a b``, and only
    ``a%2Bb`` names ``a+b``: a copy must never take the other object's bytes."""
    bucket = plus_and_space
    answer = raw.request("PUT", key_path(bucket, "dst"), headers={"x-amz-copy-source": f"/{bucket}/{value}"})
    assert answer.status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == body


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_PART_API)
@pytest.mark.parametrize(
    ("value", "body"), [("a+b", b"the space one"), ("a%2Bb", b"the plus one")], ids=["raw-plus", "percent-2B"]
)
def test_upload_part_copy_copy_source_plus_is_a_space(
    raw: RawS3, plus_and_space: str, upload: str, value: str, body: bytes
) -> None:
    """API_UploadPartCopy.html, x-amz-copy-source: "The value must be URL-encoded", read as CopyObject
    reads it (a raw ``+`` is a space, aws/aws-cli#614 met it on UploadPartCopy): the part is the bytes
    of the key the header names once decoded."""
    bucket = plus_and_space
    headers = {"x-amz-copy-source": f"/{bucket}/{value}"}
    answer = raw.request("PUT", key_path(bucket, "dst"), [("partNumber", "1"), ("uploadId", upload)], headers=headers)
    assert answer.status == 200, answer
    assert answer.xml().findtext("{*}ETag") == _md5_etag(body)
