"""Multipart uploads, fourth pass: what CreateMultipartUpload refuses before an upload exists
(user metadata over the 2 KB limit), leaving no upload behind.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

pytestmark = [
    pytest.mark.s3_requires("multipart"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html"),
]


def _uploads(s3: Any, bucket: str) -> list[str]:
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html")
def test_create_multipart_metadata_over_2_kb_is_400_metadata_too_large(s3: Any, bucket: str) -> None:
    """UsingMetadata.html: "the user-defined metadata is limited to 2 KB in size", and the metadata of
    a multipart object is the one given at CreateMultipartUpload: over the limit it is 400
    MetadataTooLarge there (ErrorResponses.html), before any part is sent; no upload is left in
    progress."""
    assert error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"big": "v" * 2100})) == (
        400,
        "MetadataTooLarge",
    )
    assert _uploads(s3, bucket) == []
