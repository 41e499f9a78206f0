"""moto's divergences from AWS found by the bucket-level hunt (``test_buckets_rules``, and the
additions to ``test_cors`` and ``test_lifecycle``): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

# Checked against moto 5.2.6: where moto differs from AWS.
MOTO_BUCKET_DIVERGENCES: Mapping[str, str] = {
    "test_create_bucket_reserved_prefix_or_suffix_is_400_invalid_bucket_name[[]moto-*": (
        f"moto accepts bucket names with a reserved prefix or suffix; AWS refuses them ({_GUIDE}bucketnamingrules.html)"
    ),
    "test_create_bucket_malformed_configuration_is_400_malformed_xml[[]moto-*": (
        f"moto answers 500 to a CreateBucket body that is not XML and takes one with another root element; AWS "
        f"answers 400 MalformedXML ({_API}API_CreateBucket.html)"
    ),
    "test_create_bucket_unknown_location_constraint_is_400_invalid_location_constraint[[]moto*": (
        f"moto creates a bucket with a LocationConstraint that names no Region; AWS answers 400 "
        f"InvalidLocationConstraint ({_API}API_CreateBucketConfiguration.html)"
    ),
    "test_create_bucket_unknown_header_value_is_400_invalid_argument[[]moto-*": (
        f"moto answers 500 to an unknown canned x-amz-acl and takes an unknown x-amz-object-ownership on "
        f"CreateBucket; AWS answers 400 InvalidArgument ({_API}API_CreateBucket.html)"
    ),
    "test_create_bucket_another_account_holds_is_409_bucket_already_exists[[]moto*": (
        f"moto lets a second account create a bucket name another account holds; AWS answers 409 "
        f"BucketAlreadyExists ({_API}API_CreateBucket.html)"
    ),
    "test_head_bucket_answers_access_point_alias_false[[]moto*": (
        f"moto's HeadBucket sends no x-amz-access-point-alias; AWS answers false for a bucket's own name "
        f"({_API}API_HeadBucket.html)"
    ),
    "test_head_bucket_of_another_account_is_403_and_names_the_region[[]moto*": (
        f"moto lets any account HEAD a private bucket (no access control); AWS answers 403 with "
        f"x-amz-bucket-region ({_API}API_HeadBucket.html)"
    ),
    "test_bucket_operations_by_another_account_are_403_access_denied[[]moto-*": (
        f"moto does not check which account calls a bucket operation (no access control); AWS answers 403 "
        f"AccessDenied to an account without the permission ({_API}API_DeleteBucket.html)"
    ),
    "test_delete_bucket_with_only_versions_or_markers_is_409_bucket_not_empty[[]moto-delete-marker-only]": (
        f"moto deletes a bucket that holds only a delete marker; AWS answers 409 BucketNotEmpty until every "
        f"version and delete marker is deleted ({_API}API_DeleteBucket.html)"
    ),
    # test_lifecycle (the additions of this hunt)
    "test_lifecycle_filter_with_two_predicates_outside_and_is_400_malformed_xml[[]moto-prefix-and-size]": (
        f"moto takes a Filter holding Prefix and ObjectSizeGreaterThan side by side; AWS allows exactly one "
        f"predicate outside And ({_API}API_LifecycleRuleFilter.html)"
    ),
    "test_lifecycle_rules_without_an_id_are_accepted_and_given_distinct_ids[[]moto*": (
        f"moto keeps a rule sent without an ID without one; AWS gives it an identifier ({_API}API_LifecycleRule.html)"
    ),
    **{
        f"{name}[[]moto*": f"moto does not validate lifecycle rules; AWS answers 400 ({_API}API_LifecycleRule.html)"
        for name in (
            "test_lifecycle_negative_days_is_400_invalid_argument",
            "test_lifecycle_noncurrent_days_zero_is_400_invalid_argument",
            "test_lifecycle_newer_noncurrent_versions_over_100_is_400",
            "test_lifecycle_id_over_255_characters_is_400_invalid_argument",
            "test_lifecycle_over_1000_rules_is_400",
            "test_lifecycle_days_beyond_32_bits_is_400",
            "test_lifecycle_and_filter_with_a_repeated_tag_key_is_400",
        )
    },
    # test_cors (the additions of this hunt)
    "test_cors_expose_header_no_header_can_carry_is_refused_and_reads_go_on[[]moto*": (
        f"moto takes an ExposeHeader holding a line break, which no Access-Control-Expose-Headers value can "
        f"carry (RFC 9110 section 5.5; {_API}API_CORSRule.html)"
    ),
    "test_cors_rule_id_over_255_characters_is_400[[]moto*": (
        f"moto takes a CORS rule ID over 255 characters; AWS refuses it ({_API}API_CORSRule.html)"
    ),
    "test_cors_max_age_seconds_not_an_integer_is_400_malformed_xml[[]moto-*": (
        f"moto takes a MaxAgeSeconds that is no 32-bit integer; AWS answers 400 MalformedXML ({_API}API_CORSRule.html)"
    ),
    "test_cors_preflight_to_a_bucket_without_cors_is_403_not_enabled[[]moto*": (
        f"moto answers 200 to a preflight to a bucket with no CORS configuration; AWS answers 403 'CORS is not "
        f"enabled for this bucket' ({_GUIDE}cors-troubleshooting.html)"
    ),
    "test_cors_preflight_no_rule_allows_is_403_access_forbidden[[]moto-*": (
        f"moto allows a preflight whose method or requested header no rule names, and sends "
        f"Access-Control-* headers with its 403; AWS answers 403 'This CORS request is not allowed' without them "
        f"({_GUIDE}cors-troubleshooting.html)"
    ),
    "test_cors_actual_response_varies_on_origin_and_allows_credentials[[]moto*": (
        f"moto's CORS answers carry no Vary: Origin; AWS's do ({_GUIDE}cors.html)"
    ),
    "test_cors_wildcard_origin_answers_star_without_credentials[[]moto*": (
        f"moto echoes the request's Origin for an AllowedOrigin of '*'; AWS answers '*' ({_GUIDE}cors.html)"
    ),
    "test_get_id_configuration_never_set_is_404_no_such_configuration[[]moto-*": (
        "moto answers a Get of an analytics, metrics or Intelligent-Tiering id that does not exist with 200, and "
        "of an inventory id with NoSuchInventoryConfig; S3's code for all four is 404 NoSuchConfiguration "
        "(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)"
    ),
}
