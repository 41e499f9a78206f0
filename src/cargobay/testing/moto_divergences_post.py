"""Where moto 5 differs from AWS in browser-based uploads (POST Object): the divergence patterns of the
suite's ``test_post_object`` and ``test_post_object_policy`` (each seen failing against moto, and
passing against cargobay, on 2026-12-07).

moto reads a form's fields and stores its file, but checks neither the policy nor its signature, and
answers without the ETag, version, PostResponse document or redirect AWS gives. Pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the AWS page that says
otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_FORMS = "https://docs.aws.amazon.com/AmazonS3/latest/dev/HTTPPOSTForms.html"
_NO_POLICY = (
    "moto does not read a browser POST's policy: an expired, malformed or unmet one uploads anyway "
    f"({_API}sigv4-HTTPPOSTConstructPolicy.html)"
)
_NO_SIGNATURE = (
    "moto does not verify a browser POST's signature or access key "
    f"({_API}sigv4-authentication-HTTPPOST.html, {_FORMS})"
)
_ANSWER = (
    "moto answers a browser POST without its ETag, x-amz-version-id, PostResponse document or 303 "
    f"redirect, and takes any success_action_status as the status line ({_API}RESTObjectPOST.html)"
)

MOTO_POST: Mapping[str, str] = {
    # -- test_post_object_policy
    "test_post_object_expired_policy_is_403_access_denied*": _NO_POLICY,
    "test_post_object_policy_missing_an_element_is_400_invalid_policy_document*": _NO_POLICY,
    "test_post_object_policy_that_is_not_a_json_document_is_400_invalid_policy_document*": _NO_POLICY,
    "test_post_object_malformed_condition_is_400_invalid_policy_document*": _NO_POLICY,
    **{
        f"test_post_object_content_length_range_bounds_are_inclusive[[]moto-{case}]": _NO_POLICY
        for case in ("below", "above", "empty")
    },
    **{
        f"test_post_object_two_content_length_ranges_must_both_hold[[]moto-{case}]": _NO_POLICY
        for case in ("3-400", "9-400")
    },
    "test_post_object_field_without_a_condition_is_403_extra_input_fields*": _NO_POLICY,
    "test_post_object_sigv4_policy_must_name_the_credential_fields*": _NO_POLICY,
    "test_post_object_repeated_field_is_matched_as_its_values_joined_by_commas*": _NO_POLICY,
    "test_post_object_wrong_sigv4_signature_is_403_signature_does_not_match*": _NO_SIGNATURE,
    "test_post_object_unknown_access_key_is_403_invalid_access_key_id*": _NO_SIGNATURE,
    "test_post_object_signature_of_another_day_is_403_signature_does_not_match*": _NO_SIGNATURE,
    "test_post_object_sigv2_form_is_taken_and_checked*": _NO_SIGNATURE,
    "test_post_object_unreadable_expiration_is_400_invalid_policy_document*": _NO_POLICY,
    "test_post_object_exact_condition_on_a_field_the_form_lacks_is_403*": _NO_POLICY,
    "test_post_object_policy_without_its_signature_is_refused*": _NO_SIGNATURE,
    "test_post_object_credential_of_another_scope_is_refused*": _NO_SIGNATURE,
    "test_post_object_field_names_are_read_in_any_case*": (
        f"moto answers 500 to a form whose fields are named Key, Policy, X-Amz-Signature ({_FORMS})"
    ),
    # -- test_post_object
    "test_post_object_success_action_status_empty_answers*": _ANSWER,
    "test_post_object_success_action_status_201_answers_post_response_xml*": _ANSWER,
    "test_post_object_redirect_field_answers_303_with_bucket_key_and_etag*": _ANSWER,
    "test_post_object_into_a_versioned_bucket_answers_the_version_id*": _ANSWER,
    "test_post_object_redirect_wins_over_success_action_status*": _ANSWER,
    "test_post_object_201_document_names_the_key_as_given*": _ANSWER,
    "test_post_object_key_over_1024_bytes_is_400_key_too_long*": (
        f"moto stores a browser POST's key of more than 1024 bytes ({_API}ErrorResponses.html: KeyTooLongError)"
    ),
    "test_post_object_bucket_policy_deny_holds_for_a_signed_form*": (
        "moto does not enforce bucket policies on a browser POST "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html)"
    ),
    "test_post_object_into_a_lock_bucket_gets_the_default_retention*": (
        "moto does not apply a bucket's default retention to an object uploaded with a form "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html)"
    ),
    "test_post_object_website_redirect_location_field_is_kept_and_checked*": (
        f"moto ignores the x-amz-website-redirect-location field of a browser POST ({_API}RESTObjectPOST.html)"
    ),
    "test_post_object_body_that_is_not_the_form_it_says_is_400_malformed_post_request*": (
        f"moto answers 500 (or stores an object) for a body that is not the form its header declares "
        f"({_API}ErrorResponses.html: MalformedPOSTRequest)"
    ),
    "test_post_object_that_is_not_multipart_is_refused*": (
        f"moto answers 500 to a bucket POST that is not multipart/form-data ({_FORMS}, form declaration)"
    ),
    "test_post_object_form_that_ends_early_is_400_and_stores_nothing*": (
        f"moto stores the part of a form that ended early ({_API}RESTObjectPOST.html: never partial objects)"
    ),
    "test_post_object_large_file_with_boundary_like_bytes_is_stored_whole*": _ANSWER,
    "test_post_object_public_acl_field_is_refused_under_block_public_acls*": (
        "moto does not apply Block Public Access to a browser POST's acl field "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)"
    ),
    "test_post_object_signed_by_a_user_without_write_access_is_403*": (
        f"moto does not check that a browser POST's signer may write to the bucket ({_API}RESTObjectPOST.html)"
    ),
    "test_post_object_empty_key_is_400*": f"moto stores an object under the empty key ({_API}RESTObjectPOST.html)",
    "test_post_object_tagging_field_that_is_not_a_tag_set_is_400_malformed_xml*": (
        f"moto ignores a browser POST's tagging field ({_API}RESTObjectPOST.html)"
    ),
    "test_post_object_filename_variable_is_expanded_before_the_policy_is_checked*": (
        f"moto replaces ${{filename}} in the key only and keeps the file's directory ({_FORMS})"
    ),
    "test_post_object_file_part_without_a_filename_is_content*": (
        f"moto does not take a file part without a filename as the object's content ({_FORMS}, file)"
    ),
    "test_post_object_fields_after_the_file_are_ignored*": (
        f"moto answers 500 to a form with fields after the file; AWS ignores them ({_FORMS}, file)"
    ),
    "test_post_object_content_md5_field_is_checked*": (
        f"moto does not verify the Content-MD5 field of a browser POST ({_API}RESTObjectPOST.html)"
    ),
    "test_post_object_checksum_field_is_verified_and_kept*": (
        f"moto does not verify or keep the x-amz-checksum-* fields of a browser POST ({_API}RESTObjectPOST.html)"
    ),
    "test_post_object_unknown_canned_acl_is_400_invalid_argument*": (
        f"moto answers 500 to an unknown canned ACL in a browser POST; AWS 400 InvalidArgument ({_FORMS}, acl)"
    ),
    "test_post_object_without_a_file_is_400_incorrect_number_of_files*": (
        f"moto stores an empty object for a form without a file ({_API}ErrorResponses.html)"
    ),
    "test_post_object_without_a_key_is_400_invalid_argument*": (
        f"moto answers 500 to a form without a key; AWS 400 InvalidArgument ({_API}RESTObjectPOST.html)"
    ),
    "test_post_object_fields_over_20_kb_are_400_max_post_pre_data_length_exceeded*": (
        f"moto takes form fields of any size; AWS refuses more than 20 KB before the file ({_FORMS})"
    ),
}
