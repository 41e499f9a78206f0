"""moto's divergences from AWS in session 14's bucket and CORS pass (the ``test_cors_preflight`` and
``test_buckets_edges`` modules): pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_EVERY_ANSWER = (
    f"moto's server puts Access-Control-Allow-Origin and -Allow-Methods on every answer, whatever the "
    f"bucket's CORS rules and whether the request has an Origin; AWS sends them only when a rule matches "
    f"a request's Origin ({_GUIDE}cors-troubleshooting.html, {_GUIDE}cors.html)"
)

MOTO_BKT14: Mapping[str, str] = {
    # test_cors_preflight
    "test_cors_preflight_carrying_parameters_no_rule_allows_is_403[[]moto*": (
        f"moto answers 200 to a preflight for a method no rule allows; AWS answers 403 AccessForbidden "
        f"({_GUIDE}cors-troubleshooting.html)"
    ),
    "test_cors_preflight_of_the_service_endpoint_is_403[[]moto*": (
        f"moto answers a preflight of the service endpoint with 500; AWS answers 403 ({_API}RESTOPTIONSobject.html, "
        f"aws/aws-sdk-js#1939)"
    ),
    "test_cors_preflight_origin_must_match_scheme_host_and_port[[]moto-*": _EVERY_ANSWER,
    "test_cors_preflight_requested_headers_match_case_insensitively_and_by_wildcard[[]moto*": (
        f"moto answers Access-Control-Allow-Headers with the rule's pattern (x-amz-meta-*), which no browser "
        f"reads as a wildcard, instead of the requested headers ({_API}RESTOPTIONSobject.html)"
    ),
    "test_cors_preflight_uses_the_first_rule_that_matches[[]moto*": (
        f"moto answers the last matching rule's MaxAgeSeconds; AWS uses the first rule that matches ({_GUIDE}cors.html)"
    ),
    "test_cors_preflight_of_a_named_origin_answers_it_with_credentials_and_varies[[]moto*": (
        f"moto sends no Access-Control-Allow-Credentials for a named origin and no Vary: Origin ({_GUIDE}cors.html)"
    ),
    "test_cors_preflight_of_a_wildcard_origin_answers_star_without_credentials_or_max_age[[]moto*": (
        f"moto echoes the request's Origin for an AllowedOrigin of '*'; AWS answers '*' ({_GUIDE}cors.html)"
    ),
    "test_cors_origin_matched_by_a_star_among_named_origins_is_answered_star[[]moto*": (
        f"moto echoes the request's Origin for an origin the rule's '*' matches; AWS answers '*' "
        f"({_API}RESTCommonResponseHeaders.html)"
    ),
    "test_cors_request_without_origin_gets_no_cors_headers[[]moto*": _EVERY_ANSWER,
    "test_cors_vary_is_answered_only_when_the_evaluation_succeeds[[]moto*": (
        f"moto's CORS answers carry no Vary: Origin; AWS's do when the evaluation succeeds "
        f"({_API}RESTCommonResponseHeaders.html)"
    ),
    "test_cors_request_to_a_bucket_without_cors_is_served_without_cors_headers[[]moto*": _EVERY_ANSWER,
    "test_cors_head_request_matches_on_its_own_method[[]moto*": _EVERY_ANSWER,
    "test_cors_configuration_missing_a_required_element_is_400_malformed_xml[[]moto-no-rule]": (
        f"moto answers a CORSConfiguration without a CORSRule with 500; AWS answers 400 MalformedXML "
        f"({_API}API_PutBucketCors.html: CORSRule Required)"
    ),
    "test_cors_configuration_missing_a_required_element_is_400_malformed_xml[[]moto-no-allowed-*]": (
        f"moto takes a CORS rule without AllowedOrigin or AllowedMethod (and drops the rules the bucket had); "
        f"AWS answers 400 MalformedXML ({_API}API_CORSRule.html: both Required)"
    ),
    "test_cors_delete_without_a_configuration_is_204_and_preflights_stop[[]moto*": (
        f"moto still answers a preflight 200 after DeleteBucketCors; AWS answers 403 'CORS is not enabled for "
        f"this bucket' ({_GUIDE}cors-troubleshooting.html)"
    ),
    # test_buckets_edges
    "test_create_bucket_name_breaking_a_character_rule_is_400_invalid_bucket_name[[]moto-*": (
        f"moto accepts this bucket name; AWS refuses it ({_GUIDE}bucketnamingrules.html)"
    ),
    "test_create_bucket_configuration_outside_its_schema_is_400_malformed_xml[[]moto-*": (
        f"moto takes a CreateBucketConfiguration repeating an element or holding one its schema does not name "
        f"(or answers 500); AWS answers 400 MalformedXML ({_API}API_CreateBucketConfiguration.html)"
    ),
    "test_create_bucket_asking_for_a_directory_bucket_is_refused_and_makes_nothing[[]moto-*": (
        f"moto makes a general purpose bucket when a directory bucket is asked for "
        f"({_API}API_CreateBucketConfiguration.html: Location, Bucket)"
    ),
    "test_create_bucket_again_with_a_public_acl_does_not_get_past_the_buckets_acl_settings[[]moto-*": (
        f"moto re-creates an owned bucket with a public canned ACL past BlockPublicAcls and BucketOwnerEnforced; "
        f"AWS refuses an ACL the bucket's settings refuse ({_GUIDE}access-control-block-public-access.html, "
        f"{_GUIDE}object-ownership-error-responses.html)"
    ),
    "test_create_bucket_location_constraint_eu_is_eu_west_1[[]moto*": (
        f"moto creates a bucket with LocationConstraint EU at a us-east-1 endpoint; AWS answers "
        f"IllegalLocationConstraintException ({_API}API_CreateBucket.html)"
    ),
    "test_head_bucket_signed_for_another_region_is_400_naming_the_buckets_region[[]moto*": (
        f"moto does not check the region of a signature; AWS refuses it (400) and names the bucket's region "
        f"({_API}API_GetBucketLocation.html)"
    ),
}
