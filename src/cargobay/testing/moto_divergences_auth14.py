"""moto's divergences from AWS found in the fourth pass over request authentication (``test_auth_v2``,
``test_auth_v4_edges`` and ``test_post_object_fields``, each seen failing against moto and passing against cargobay on
2026-12-07): pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`.

moto verifies no Signature Version 2 signature and reads neither a browser form's policy nor its
signature fields; the reasons name the AWS page that says what S3 does instead."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_SIGV2 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html"

_NO_SIGV2 = f"moto verifies no Signature Version 2 signature; S3 answers 403 SignatureDoesNotMatch ({_SIGV2})"
_NO_POLICY = (
    "moto does not read a browser POST's policy: an unmet condition uploads anyway "
    f"({_API}sigv4-HTTPPOSTConstructPolicy.html)"
)
_NO_FORM_SIGNATURE = (
    "moto reads no signature field of a browser POST (x-amz-credential, x-amz-date, x-amz-signature), so a form "
    f"without them or with a wrong one uploads ({_API}sigv4-HTTPPOSTForms.html, "
    f"{_API}sigv4-authentication-HTTPPOST.html)"
)

_NO_SIGV4 = (
    "moto verifies no Signature Version 4 signature, header or presigned; S3 refuses this request "
    f"({_API}sig-v4-authenticating-requests.html, {_API}sigv4-query-string-auth.html)"
)

MOTO_AUTH14: Mapping[str, str] = {
    "test_sigv4_repeated_header_is_signed_as_its_values_joined_by_commas[[]moto*": _NO_SIGV4,
    "test_presigned_url_of_another_region_names_the_region_expected[[]moto*": _NO_SIGV4,
    "test_presigned_url_with_a_wrong_signature_names_its_canonical_request[[]moto*": _NO_SIGV4,
    "test_presigned_url_that_does_not_sign_host_is_refused[[]moto*": _NO_SIGV4,
    "test_aws_chunked_upload_sent_with_http_chunked_framing_is_stored[[]moto-unsigned-trailer]": (
        "moto stores an aws-chunked upload sent with Transfer-Encoding: chunked but drops its trailing "
        f"checksum, which S3 keeps and returns ({_API}sigv4-streaming-trailers.html; aws/aws-sdk-cpp#3411)"
    ),
    "test_sigv2_presigned_url_with_an_authorization_header_is_400_invalid_argument[[]moto*": (
        "moto takes a request that carries both a SigV2 presigned query and an Authorization header; S3 answers "
        f"400 InvalidArgument, only one auth mechanism allowed ({_API}ErrorResponses.html)"
    ),
    "test_sigv2_content_type_and_md5_are_signed[[]moto-*": _NO_SIGV2,
    "test_sigv2_repeated_amz_header_is_signed_as_one_comma_separated_line[[]moto*": _NO_SIGV2,
    "test_sigv2_query_parameters_that_are_not_sub_resources_are_not_signed[[]moto*": _NO_SIGV2,
    "test_sigv2_version_id_sub_resource_is_signed_with_its_value[[]moto*": _NO_SIGV2,
    "test_sigv2_presigned_response_override_is_signed_decoded[[]moto*": _NO_SIGV2,
    "test_sigv2_request_without_a_time_stamp_is_403_access_denied[[]moto*": (
        f"moto takes a SigV2 request without Date or x-amz-date; S3 answers 403 AccessDenied ({_SIGV2}, "
        "Time stamp requirement)"
    ),
    "test_post_object_starts_with_on_content_type_must_hold_for_each_listed_type[[]moto-*-does-not]": _NO_POLICY,
    "test_post_object_condition_naming_a_field_without_its_dollar_is_403_not_met[[]moto-*": _NO_POLICY,
    "test_post_object_expiration_not_in_iso8601_gmt_form_is_400_invalid_policy_document[[]moto-*": _NO_POLICY,
    "test_post_object_sigv4_form_without_x_amz_date_is_refused[[]moto*": _NO_FORM_SIGNATURE,
    "test_post_object_credential_of_another_region_is_400_naming_the_region[[]moto*": _NO_FORM_SIGNATURE,
    "test_post_object_credential_without_an_access_key_is_400_invalid_argument[[]moto*": _NO_FORM_SIGNATURE,
    "test_post_object_signed_form_without_a_signature_field_is_400_naming_it[[]moto-*": _NO_FORM_SIGNATURE,
    "test_post_object_sigv4_form_with_x_amz_date_not_iso8601_basic_is_400[[]moto-*": _NO_FORM_SIGNATURE,
    "test_post_object_wrong_signature_names_the_policy_as_the_string_to_sign[[]moto*": _NO_FORM_SIGNATURE,
    "test_post_object_location_encodes_the_key_slashes_included[[]moto-*": (
        "moto answers a browser POST without the object's Location (header and PostResponse element), which "
        f"S3 gives with the key percent-encoded ({_API}RESTObjectPOST.html; ceph/ceph#20330, boto/boto3#2851)"
    ),
    "test_post_object_fields_over_the_limit_name_the_limit_in_bytes[[]moto*": (
        "moto takes a browser POST whose fields before the file exceed 20 KB; S3 answers 400 "
        f"MaxPostPreDataLengthExceeded ({_API}ErrorResponses.html)"
    ),
    "test_post_object_that_is_not_multipart_is_412[[]moto-*": (
        "moto answers 500 to a bucket POST that is not multipart/form-data; S3 answers 412 "
        f"(RequestIsNotMultiPartContent, {_API}ErrorResponses.html; PreconditionFailed on the wire)"
    ),
    "test_post_object_redirect_that_is_no_url_is_as_if_absent[[]moto-*": (
        "moto redirects (303) to any success_action_redirect, a relative path or a bare word too; S3 acts "
        f"as if a URL it cannot interpret were absent ({_API}RESTObjectPOST.html)"
    ),
}
