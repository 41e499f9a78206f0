"""Where moto 5 differs from AWS in bucket policies: the divergence patterns of the suite's
``test_policy_validation``, ``test_policy_conditions``, ``test_policy_requests`` and
``test_policy_public`` (each seen failing against moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

_NO_VALIDATION = (
    f"moto stores any PutBucketPolicy body without validating it; AWS answers 400 MalformedPolicy "
    f"({_API}API_PutBucketPolicy.html, {_IAM}reference_policies_grammar.html)"
)
_NO_EVALUATION = (
    f"moto does not evaluate bucket policy statements and conditions as AWS does: it ignores most "
    f"conditions and elements, and what it refuses it answers 403 without an error body (no AccessDenied) "
    f"({_IAM}reference_policies_evaluation-logic.html, {_IAM}reference_policies_elements_condition_operators.html)"
)
_ANONYMOUS_403 = (
    f"moto refuses an anonymous GetObject with a 403 that carries no S3 error body (no AccessDenied code) "
    f"({_API}ErrorResponses.html)"
)

MOTO_POLICY: Mapping[str, str] = {
    # test_policy_validation
    "test_policy_that_is_not_a_json_object_is_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_without_statements_is_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_effect_other_than_allow_or_deny_is_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_action_errors_are_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_resource_errors_are_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_principal_errors_are_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_condition_errors_are_400_malformed_policy*": _NO_VALIDATION,
    "test_refused_policy_leaves_the_previous_one_in_place*": _NO_VALIDATION,
    "test_policy_elements_outside_the_grammar_are_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_over_20_kb_is_refused_and_sets_nothing*": (
        f"moto stores a bucket policy over 20 KB; 'Bucket policies are limited to 20 KB in size' "
        f"({_GUIDE}bucket-policies.html)"
    ),
    "test_bucket_owner_manages_the_policy_even_when_it_denies_that*": (
        f"moto answers a Deny with 403 without an error code (no AccessDenied body); AWS answers 403 AccessDenied "
        f"and lets the bucket owner manage its policy whatever it denies ({_API}API_PutBucketPolicy.html)"
    ),
    "test_policy_operations_by_another_account_are_403_or_405*": (
        f"moto lets another account get, put and delete a bucket's policy; AWS answers 403 AccessDenied, or 405 "
        f"MethodNotAllowed when a policy grants it ({_API}API_GetBucketPolicy.html)"
    ),
    # test_policy_conditions
    "test_condition_values_are_ored_keys_and_operators_anded*": _NO_EVALUATION,
    "test_string_like_wildcards*": _NO_EVALUATION,
    "test_absent_key_fails_positive_operators_and_satisfies_negated_ones*": _NO_EVALUATION,
    "test_null_condition_tests_whether_the_key_is_present*": _NO_EVALUATION,
    "test_set_operators_on_request_object_tag_keys*": _NO_EVALUATION,
    "test_condition_key_names_ignore_case_values_do_not*": _NO_EVALUATION,
    "test_numeric_conditions_on_max_keys*": _NO_EVALUATION,
    "test_date_conditions_on_the_current_time*": _NO_EVALUATION,
    "test_not_action_and_not_resource*": _NO_EVALUATION,
    "test_explicit_deny_wins_and_not_principal_exempts*": _NO_EVALUATION,
    "test_policy_variables_for_special_characters*": _NO_EVALUATION,
    "test_policy_variable_of_an_absent_key*": _NO_EVALUATION,
    "test_copy_source_and_metadata_directive_conditions*": _NO_EVALUATION,
    "test_version_id_condition[[]*": _NO_EVALUATION,
    "test_object_lock_mode_and_legal_hold_conditions*": _NO_EVALUATION,
    "test_delimiter_condition*": _NO_EVALUATION,
    "test_policy_variable_in_a_condition_value*": _NO_EVALUATION,
    "test_each_listing_needs_its_own_action*": _NO_EVALUATION,
    "test_not_ip_address_and_arn_operators*": _NO_EVALUATION,
    "test_grant_header_conditions*": _NO_EVALUATION,
    # test_policy_requests
    "test_request_tag_conditions_on_put_object_tagging*": _NO_EVALUATION,
    "test_form_fields_are_condition_values*": _NO_EVALUATION,
    "test_version_id_condition_in_delete_objects*": _NO_EVALUATION,
    "test_version_id_condition_on_a_copy_source*": _NO_EVALUATION,
    # test_policy_public
    "test_policy_status_fixed_condition_values_make_it_not_public*": (
        f"moto counts a statement for everyone with any condition as not public (StringLike aws:SourceVpc "
        f"'vpc-*' included); AWS: only fixed values of the listed keys make it not public "
        f"({_API}API_PublicAccessBlockConfiguration.html, {_GUIDE}access-control-block-public-access.html)"
    ),
    "test_block_public_policy_refuses_public_policies_only*": (
        f"moto stores a public policy despite BlockPublicPolicy; AWS answers 403 AccessDenied "
        f"({_API}API_PublicAccessBlockConfiguration.html)"
    ),
    "test_restrict_public_buckets_blocks_cross_account_grants_of_a_public_policy*": (
        f"moto does not enforce RestrictPublicBuckets or bucket policies "
        f"({_API}API_PublicAccessBlockConfiguration.html)"
    ),
    "test_aws_star_principal_includes_anonymous_callers*": _ANONYMOUS_403,
    "test_policy_deny_overrides_an_acl_grant*": _ANONYMOUS_403,
}
