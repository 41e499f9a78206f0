"""moto's divergences from AWS in GetObjectAttributes (``test_object_attributes``): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`. Each names the AWS page that says what AWS does."""

from __future__ import annotations

from collections.abc import Mapping

_PAGE = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html"

MOTO_ATTRIBUTES: Mapping[str, str] = {
    "test_object_attributes_part_paging_header_that_is_no_number_is_400[[]moto-*": (
        f"moto ignores an x-amz-max-parts / x-amz-part-number-marker that is no 32-bit integer; both are "
        f"integers ({_PAGE}), and S3 refuses such text in its integer parameters with 400 InvalidArgument "
        f"(versity/versitygw#1794)"
    ),
}
