"""moto's divergences from AWS in server access logging (PutBucketLogging / GetBucketLogging): pure
data, merged into :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`.

moto keeps only TargetBucket, TargetPrefix and TargetGrants of a LoggingEnabled and validates little of
the document; it delivers no log records (the ``server_logs`` capability, which its profile lacks).
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

MOTO_LOGGING: Mapping[str, str] = {
    "test_logging_target_object_key_format_reads_back[[]moto-*]": (
        f"moto drops the TargetObjectKeyFormat of a PutBucketLogging; AWS keeps it and GetBucketLogging "
        f"returns it ({_API}API_TargetObjectKeyFormat.html, {_API}API_GetBucketLogging.html)"
    ),
    **{
        f"test_logging_document_that_does_not_validate_is_malformed_xml[[]moto-{case}]": (
            f"moto accepts (or answers 500 to) a LoggingEnabled outside the schema ({why}); AWS answers 400 "
            f"MalformedXML ({_API}API_LoggingEnabled.html)"
        )
        for case, why in (
            ("bad-date-source", "a PartitionDateSource neither EventTime nor DeliveryTime"),
            ("no-target-prefix", "no TargetPrefix, which is required"),
            ("two-target-buckets", "two TargetBucket elements"),
            ("unknown-element", "an element LoggingEnabled does not have"),
        )
    },
    "test_logging_with_a_wrong_content_md5_is_refused_and_nothing_changes[[]moto]": (
        f"moto does not check the Content-MD5 of a PutBucketLogging body; AWS answers 400 BadDigest to one of "
        f"other bytes ({_API}API_PutBucketLogging.html, {_API}ErrorResponses.html)"
    ),
    "test_logging_both_key_formats_at_once_is_refused[[]moto]": (
        f"moto accepts a TargetObjectKeyFormat holding both SimplePrefix and PartitionedPrefix; it holds one "
        f"of them ({_API}API_TargetObjectKeyFormat.html)"
    ),
    "test_logging_target_grants_on_a_bucket_owner_enforced_target_are_refused[[]moto]": (
        f"moto accepts TargetGrants for a target bucket whose Object Ownership is BucketOwnerEnforced; such "
        f'buckets "don\'t support target grants" ({_API}API_LoggingEnabled.html)'
    ),
}
