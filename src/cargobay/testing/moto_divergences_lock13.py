"""moto's divergences from AWS in the fourth Object Lock pass (``test_object_lock_rules``) and in two
tests the pass led to elsewhere (a document's checksum in ``test_request_digests``, a lifecycle Date
outside the calendar in ``test_lifecycle``): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"


# Checked against moto 5 (each seen failing there, passing against cargobay).
MOTO_LOCK13: Mapping[str, str] = {
    "test_remaining_retention_days_bound_put_object_retention[[]moto*": (
        f"moto does not evaluate s3:object-lock-remaining-retention-days: it sets a retention the guide's own "
        f"policy denies; AWS: {_GUIDE}object-lock-managing.html (Setting retention limits)"
    ),
    "test_remaining_retention_days_bound_the_lock_headers_of_put_object[[]moto*": (
        f"moto does not evaluate s3:object-lock-remaining-retention-days on PutObject "
        f"({_GUIDE}object-lock-managing.html, {_GUIDE}amazon-s3-policy-keys.html)"
    ),
    "test_a_write_asking_for_a_retention_needs_s3_put_object_retention[[]moto-*": (
        f"moto refuses PutObjectLockConfiguration in a bucket that has objects ('Bucket needs to be empty') and "
        f"does not make a write's retention headers need s3:PutObjectRetention ({_GUIDE}object-lock-overview.html, "
        f"Default retention settings)"
    ),
    "test_a_write_placing_a_legal_hold_needs_s3_put_object_legal_hold[[]moto-*": (
        f"moto does not make a write's x-amz-object-lock-legal-hold need s3:PutObjectLegalHold "
        f"({_GUIDE}object-lock-overview.html, Legal holds)"
    ),
    "test_the_bypass_header_without_the_permission_changes_nothing[[]moto*": (
        f"moto does not enforce bucket policies, so the bypass header counts without s3:BypassGovernanceRetention "
        f"({_GUIDE}object-lock-managing.html, Bypassing governance mode)"
    ),
    "test_lock_documents_with_a_wrong_checksum_are_400_bad_digest[[]moto-*": (
        f"moto does not check an x-amz-checksum-* header against a lock document (and refuses "
        f"PutObjectLockConfiguration in a bucket holding objects); AWS checks every checksum it is sent "
        f"({_GUIDE}checking-object-integrity.html)"
    ),
    "test_a_document_with_a_wrong_checksum_header_is_400_bad_digest[[]moto-*": (
        f"moto does not check an x-amz-checksum-* header against a DeleteObjects or PutBucketTagging body; "
        f"AWS answers 400 BadDigest ({_GUIDE}checking-object-integrity.html, {_API}ErrorResponses.html)"
    ),
    "test_a_retain_until_date_outside_the_calendar_is_never_a_500[[]moto-before-0001]": (
        f"moto writes an object locked until a date before year 1 in UTC (0001-01-01T00:00:00+14:00), a date in "
        f"the past; AWS answers 400 InvalidArgument ({_API}API_PutObject.html)"
    ),
    "test_a_retain_until_date_outside_the_calendar_under_a_retention_limit_is_refused[[]moto-*": (
        f"moto answers these writes under a Deny of s3:PutObject with 403 and no error code, the date before "
        f"year 1 (in the past: 400 InvalidArgument) included "
        f"({_GUIDE}object-lock-managing.html, {_API}API_PutObject.html)"
    ),
    "test_lifecycle_date_before_year_one_in_utc_is_400_not_500[[]moto*": (
        f"moto stores a lifecycle Date that is not at midnight GMT (0001-01-01T00:00:00+14:00); AWS answers 400 "
        f"({_API}API_LifecycleExpiration.html: the date 'must be in ISO 8601 format' at midnight GMT)"
    ),
    "test_an_empty_retention_removes_a_governance_retention_only_with_bypass[[]moto*": (
        f"moto removes a GOVERNANCE retention with an empty Retention document without "
        f"x-amz-bypass-governance-retention ({_GUIDE}object-lock-managing.html, Bypassing governance mode)"
    ),
    "test_an_empty_retention_cannot_remove_a_compliance_retention[[]moto*": (
        f"moto removes a COMPLIANCE retention with an empty Retention document; its mode cannot change and its "
        f"period cannot be shortened ({_GUIDE}object-lock-overview.html)"
    ),
    "test_put_object_with_a_malformed_lock_header_is_400_invalid_argument[[]moto-*": (
        f"moto writes the object with an x-amz-object-lock-mode or -legal-hold outside the valid values, or a "
        f"retain-until date that is not a timestamp; AWS answers 400 InvalidArgument ({_API}API_PutObject.html)"
    ),
    "test_lock_settings_of_a_key_that_does_not_exist_are_404_no_such_key[[]moto-put-*": (
        f"moto answers 500 to PutObjectRetention / PutObjectLegalHold of a key that does not exist; AWS: 404 "
        f"NoSuchKey ({_API}ErrorResponses.html)"
    ),
}
