"""moto's divergences from AWS found while settling what the AWS pages left open (``test_settled`` and
the settled tests added to other families): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`. Each names the evidence of what AWS answers."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

MOTO_SETTLED: Mapping[str, str] = {
    "test_list_max_keys_above_1000_is_echoed_and_a_page_holds_1000[[]moto-*": (
        f"moto returns every key when max-keys is above 1,000; AWS returns at most 1,000 "
        f"({_API}API_ListObjectsV2.html: 'up to 1,000'; goamz/goamz#76 shows real S3 truncating at 1,000)"
    ),
}
