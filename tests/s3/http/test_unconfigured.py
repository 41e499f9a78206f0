"""Configurations cargobay does not keep (unconfigured.py): a PUT is refused with 501 and keeps
nothing, never accepted and ignored; the AWS "none" answers are in the conformance suite
(test_buckets.py), since a server that keeps them answers otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of

_METRICS = {"Id": "m"}
_PUTS = {
    "website": lambda s3, b: s3.put_bucket_website(
        Bucket=b, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}}
    ),
    "requester-pays": lambda s3, b: s3.put_bucket_request_payment(
        Bucket=b, RequestPaymentConfiguration={"Payer": "Requester"}
    ),
    "mfa-delete": lambda s3, b: s3.put_bucket_versioning(
        Bucket=b, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"}, MFA="20899872 301749"
    ),
    "accelerate": lambda s3, b: s3.put_bucket_accelerate_configuration(
        Bucket=b, AccelerateConfiguration={"Status": "Enabled"}
    ),
    "metrics": lambda s3, b: s3.put_bucket_metrics_configuration(Bucket=b, Id="m", MetricsConfiguration=_METRICS),
    "intelligent-tiering": lambda s3, b: s3.put_bucket_intelligent_tiering_configuration(
        Bucket=b,
        Id="t",
        IntelligentTieringConfiguration={
            "Id": "t",
            "Status": "Enabled",
            "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}],
        },
    ),
}


@pytest.mark.parametrize("name", sorted(_PUTS))
def test_a_configuration_put_is_refused_and_nothing_is_kept(s3: Any, bucket: str, name: str) -> None:
    assert error_of(lambda: _PUTS[name](s3, bucket)) == (501, "NotImplemented")
    if name == "requester-pays":
        assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    if name == "mfa-delete":  # not a configuration of unconfigured.py, but refused the same way (versions.py)
        assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    if name == "metrics":
        assert s3.list_bucket_metrics_configurations(Bucket=bucket)["IsTruncated"] is False
        assert error_of(lambda: s3.get_bucket_metrics_configuration(Bucket=bucket, Id="m")) == (
            404,
            "NoSuchConfiguration",
        )


def test_deleting_an_id_configuration_that_does_not_exist_is_404(s3: Any, bucket: str) -> None:
    call = lambda: s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="none")  # noqa: E731
    assert error_of(call) == (404, "NoSuchConfiguration")
