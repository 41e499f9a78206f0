"""moto's divergences from AWS found in ``test_buckets_requests`` (the parts of bucket requests an
endpoint may take and drop): pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NO_PAYER = (
    f"moto's GetBucketRequestPayment answer has no Payer; AWS names the payer, BucketOwner unless the bucket "
    f"is Requester Pays ({_API}API_GetBucketRequestPayment.html)"
)

# Checked against moto 5.2.6: where moto differs from AWS.
MOTO_BUCKET_REQUESTS: Mapping[str, str] = {
    "test_create_bucket_with_tags_keeps_them_as_the_bucket_tag_set[[]moto*": (
        f"moto drops the Tags of a CreateBucketConfiguration; AWS gives them to the new bucket "
        f"({_API}API_CreateBucketConfiguration.html)"
    ),
    "test_create_bucket_with_a_tag_set_puttagging_refuses_is_400_invalid_tag_and_makes_nothing[[]moto-*": (
        f"moto creates the bucket whatever the Tags of its CreateBucketConfiguration; AWS refuses a tag set "
        f"outside the bucket tag rules with 400 InvalidTag ({_API}API_PutBucketTagging.html)"
    ),
    "test_create_bucket_again_with_object_lock_leaves_the_bucket_without_it[[]moto*": (
        f"moto turns Object Lock (and versioning) on for a bucket re-created in us-east-1; AWS's 200 there "
        f"only resets the bucket ACLs ({_API}API_CreateBucket.html)"
    ),
    "test_create_bucket_again_with_object_ownership_leaves_the_bucket_setting[[]moto*": (
        f"moto takes x-amz-object-ownership from a re-create of an existing bucket; AWS's 200 there only resets "
        f"the bucket ACLs ({_API}API_CreateBucket.html)"
    ),
    "test_list_buckets_lists_only_the_callers_buckets[[]moto-*": (
        f"moto's ListBuckets for a second account names the first account's bucket; AWS lists the buckets "
        f"owned by the sender ({_API}API_ListBuckets.html)"
    ),
    "test_bucket_operation_with_another_expected_owner_is_403_and_changes_nothing[[]moto-*": (
        f"moto ignores x-amz-expected-bucket-owner; AWS answers 403 on a mismatch ({_GUIDE}bucket-owner-condition.html)"
    ),
    "test_recreated_bucket_has_no_cors_versioning_or_policy_of_the_old_one[[]moto*": (
        f"moto answers a preflight to a bucket without CORS with 200; AWS answers 403 AccessForbidden 'CORS is "
        f"not enabled for this bucket' ({_GUIDE}cors-troubleshooting.html)"
    ),
    "test_create_bucket_unknown_namespace_is_400_invalid_argument[[]moto*": (
        f"moto ignores x-amz-bucket-namespace; its valid values are account-regional and global "
        f"({_API}API_CreateBucket.html)"
    ),
    "test_create_bucket_name_ending_in_an_outside_the_account_regional_namespace_is_400[[]moto-*": (
        f"moto creates a global bucket whose name ends in -an; AWS keeps that suffix for the account regional "
        f"namespace ({_GUIDE}bucketnamingrules.html)"
    ),
    "test_put_bucket_versioning_enabling_mfa_delete_without_a_real_device_is_refused[[]moto-*": (
        f"moto answers 200 to MfaDelete Enabled without a valid x-amz-mfa and does not keep it; AWS fails the "
        f"request without the header ({_GUIDE}MultiFactorAuthenticationDelete.html)"
    ),
    "test_put_bucket_versioning_unknown_mfa_delete_is_400[[]moto-*": (
        f"moto takes any MfaDelete value; AWS's are Enabled and Disabled ({_API}API_VersioningConfiguration.html)"
    ),
    "test_put_bucket_request_payment_malformed_is_400_malformed_xml[[]moto-unknown-payer]": (
        f"moto takes a Payer outside Requester | BucketOwner ({_API}API_RequestPaymentConfiguration.html)"
    ),
    "test_put_bucket_request_payment_malformed_is_400_malformed_xml[[]moto-no-payer]": (
        f"moto takes a RequestPaymentConfiguration without a Payer ({_API}API_RequestPaymentConfiguration.html)"
    ),
    "test_put_bucket_request_payment_malformed_is_400_malformed_xml[[]moto-truncated]": (
        f"moto answers 500 to a RequestPaymentConfiguration that is not well-formed; AWS answers 400 "
        f"MalformedXML ({_API}API_PutBucketRequestPayment.html)"
    ),
    "test_put_bucket_request_payment_malformed_is_400_malformed_xml[[]moto-wrong-root]": (
        f"moto takes a body whose root is not RequestPaymentConfiguration ({_API}API_PutBucketRequestPayment.html)"
    ),
    # test_bucket_tagging (the additions of this hunt)
    **{
        f"test_bucket_tagging_outside_the_limits_is_400_invalid_tag[[]moto-{case}]": (
            f"moto takes a bucket tag outside the limits ({case}); AWS answers 400 InvalidTag "
            f"({_GUIDE}CostAllocTagging.html)"
        )
        for case in ("aws-prefix-upper-case", "key-129", "value-257", "empty-key")
    },
    "test_bucket_tagging_at_the_limits_is_kept[[]moto*": (
        f"moto answers 500 to this 50-tag set (a 128-character non-ASCII key, a 256-character value, an empty "
        f"value, all within the limits); AWS keeps it ({_GUIDE}CostAllocTagging.html)"
    ),
    "test_put_bucket_accelerate_malformed_is_400_malformed_xml[[]moto-truncated]": (
        f"moto answers 500 to an AccelerateConfiguration that is not well-formed; AWS answers 400 MalformedXML "
        f"({_API}API_PutBucketAccelerateConfiguration.html)"
    ),
    "test_put_bucket_request_payment_bucket_owner_is_accepted[[]moto*": _NO_PAYER,
    "test_put_bucket_request_payment_requester_is_kept_or_refused[[]moto*": _NO_PAYER,
    "test_put_bucket_logging_or_notification_malformed_is_400_malformed_xml[[]moto-*-truncated]": (
        f"moto answers 500 to a BucketLoggingStatus or NotificationConfiguration that is not well-formed; AWS "
        f"answers 400 MalformedXML ({_API}API_PutBucketLogging.html)"
    ),
}
