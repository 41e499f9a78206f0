"""Where moto 5 differs from AWS in the third pass over bucket policies (session 13): the condition
keys of ``test_policy_keys``, the documents of ``test_policy_grammar`` and the matching of
``test_policy_matching`` (each seen failing against
moto, and passing against cargobay, on 2026-12-07).

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
    f"moto does not evaluate bucket policy conditions: a Deny whose condition holds does not refuse the "
    f"bucket owner's request ({_IAM}reference_policies_evaluation-logic.html, {_GUIDE}amazon-s3-policy-keys.html)"
)

MOTO_POL13: Mapping[str, str] = {
    # test_policy_keys
    "test_if_none_match_condition_enforces_conditional_writes*": (
        f"moto does not evaluate s3:if-none-match or s3:ObjectCreationOperation: a write without If-None-Match "
        f"goes through the Deny ({_GUIDE}conditional-writes-enforce.html)"
    ),
    "test_if_match_condition_and_its_value*": _NO_EVALUATION,
    "test_object_creation_operation_tells_uploads_from_writes*": _NO_EVALUATION,
    "test_signature_age_condition*": _NO_EVALUATION,
    "test_sse_kms_key_id_condition*": _NO_EVALUATION,
    "test_mfa_and_organization_keys_of_long_term_credentials*": _NO_EVALUATION,
    "test_request_keys_belong_to_the_actions_that_list_them*": _NO_EVALUATION,
    "test_service_and_region_keys_of_a_direct_request*": _NO_EVALUATION,
    "test_existing_object_tag_is_a_key_of_the_actions_that_list_it*": (
        f"moto answers the GetObject a Deny refuses 403 without an error body (no AccessDenied code) "
        f"({_API}ErrorResponses.html)"
    ),
    # test_policy_grammar
    "test_action_s3_does_not_have_is_400_malformed_policy*": _NO_VALIDATION,
    "test_principal_with_a_wildcard_inside_is_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_nested_too_deep_is_400_malformed_policy*": _NO_VALIDATION,
    "test_not_principal_with_allow_is_400_malformed_policy*": _NO_VALIDATION,
    "test_policy_size_limit_does_not_count_white_space*": (
        f"moto stores a bucket policy over 20 KB; 'Bucket policies are limited to 20 KB in size' "
        f"({_GUIDE}bucket-policies.html)"
    ),
    # test_policy_matching
    "test_bucket_and_object_resources_reach_only_their_kind*": (
        f"moto does not apply a Deny of s3:* on the bucket's ARN to its listing, and answers its refusals 403 "
        f"without an error body ({_GUIDE}s3-arn-format.html, {_API}ErrorResponses.html)"
    ),
    "test_resource_wildcards_and_case*": (
        f"moto lets a resource's '?' match no character at all (logs/day-.txt) and answers its refusals 403 without an "
        f"error body ({_IAM}reference_policies_elements_resource.html)"
    ),
    "test_every_spelling_of_the_caller_meets_a_deny*": (
        f"moto answers a refusal by a Deny 403 without an error body (no AccessDenied code) ({_API}ErrorResponses.html)"
    ),
    "test_policy_status_of_another_account_needs_its_action*": (
        f"moto lets another account read a bucket's policy status without s3:GetBucketPolicyStatus "
        f"({_API}API_GetBucketPolicyStatus.html)"
    ),
}
