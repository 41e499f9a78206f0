"""Where moto 5 differs from AWS in CopyObject and UploadPartCopy, second pass: the divergence
patterns of the suite's ``test_copy_sources`` (each seen failing against moto, and passing against
cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page (and, where the page is silent, the observation of S3) that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_PLUS = (
    "moto reads a raw '+' in x-amz-copy-source as a plus and copies the key 'a+b'; S3 decodes it as a space "
    "(the value 'must be URL-encoded', {page}; S3 expects '%2B' for a plus, aws/aws-cli#614)"
)

MOTO_COPIES: Mapping[str, str] = {
    "test_copy_object_copy_source_plus_is_a_space[[]moto-raw-plus]": _PLUS.format(page=f"{_API}API_CopyObject.html"),
    "test_upload_part_copy_copy_source_plus_is_a_space[[]moto-raw-plus]": _PLUS.format(
        page=f"{_API}API_UploadPartCopy.html"
    ),
    "test_copy_object_source_not_modified_since_is_412*": (
        f"moto ignores x-amz-copy-source-if-modified-since and copies; AWS answers 412 PreconditionFailed "
        f"({_API}API_CopyObject.html)"
    ),
    "test_upload_part_copy_source_not_modified_since_is_412*": (
        f"moto ignores the x-amz-copy-source-if-* conditions of UploadPartCopy; AWS answers 412 "
        f"PreconditionFailed ({_API}API_UploadPartCopy.html)"
    ),
    "test_upload_part_copy_range_of_a_missing_source_is_404[[]moto-key]": (
        f"moto answers a missing UploadPartCopy source key with a bare 404, no NoSuchKey body "
        f"({_API}API_UploadPartCopy.html)"
    ),
    "test_copy_object_names_the_lifecycle_rule_that_expires_the_copy*": (
        f"moto answers a copy a lifecycle rule will expire without x-amz-expiration ({_API}API_CopyObject.html)"
    ),
}
