"""moto's divergences from AWS in what lifecycle configurations announce: x-amz-expiration
(``test_lifecycle_expiration``) and x-amz-transition-default-minimum-object-size (``test_lifecycle``).
Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

_NO_HEADER = (
    f"moto never answers x-amz-expiration, which AWS sends on PutObject, GetObject, HeadObject, CopyObject and "
    f"CompleteMultipartUpload when a lifecycle rule expires the object ({_API}API_HeadObject.html)"
)

# Checked against moto 5: every test that expects the header (the one that expects none passes).
MOTO_EXPIRATION: Mapping[str, str] = {
    "test_put_get_and_head_name_the_expiring_rule_and_its_date[[]moto]": _NO_HEADER,
    "test_overlapping_rules_name_the_earliest_expiration[[]moto]": _NO_HEADER,
    "test_a_date_rule_names_its_date[[]moto]": _NO_HEADER,
    "test_the_rule_id_is_url_encoded[[]moto]": _NO_HEADER,
    "test_tag_and_size_filters_decide_which_objects_get_the_header[[]moto]": _NO_HEADER,
    "test_the_header_follows_the_configuration_as_it_changes[[]moto]": _NO_HEADER,
    "test_copy_object_names_the_rule_that_expires_the_copy[[]moto]": _NO_HEADER,
    "test_complete_multipart_upload_names_the_expiring_rule[[]moto]": _NO_HEADER,
    "test_a_versioned_bucket_names_the_expiration_of_the_current_version[[]moto]": _NO_HEADER,
    "test_transition_default_minimum_object_size_is_answered[[]moto]": (
        f"moto answers no x-amz-transition-default-minimum-object-size on Put/GetBucketLifecycleConfiguration "
        f"({_API}API_GetBucketLifecycleConfiguration.html)"
    ),
    "test_transition_default_minimum_object_size_of_another_value_is_refused[[]moto]": (
        f"moto accepts any x-amz-transition-default-minimum-object-size; the two documented values are the only "
        f"ones ({_API}API_PutBucketLifecycleConfiguration.html)"
    ),
}
