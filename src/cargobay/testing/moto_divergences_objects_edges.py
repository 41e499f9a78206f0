"""Where moto 5 differs from AWS in the suite's ``test_objects_edges`` and in the long-number test of
``test_requests`` (each seen failing against moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page (or the RFC it names) that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_RFC7232 = "https://www.rfc-editor.org/rfc/rfc7232"
_NO_REQUEST_ID = (
    "moto's answers carry no x-amz-request-id header (it sends x-amzn-requestid); every S3 answer has it "
    "(https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html)"
)
_STAR_ONLY = (
    "moto reads an If-None-Match other than '*' on a write as an entity-tag list (or ignores it); the header "
    "'Expects the '*' (asterisk) character' and AWS answers any other value 501 NotImplemented "
    f"({_API}API_PutObject.html, {_API}API_CopyObject.html, {_API}API_CompleteMultipartUpload.html)"
)

MOTO_OBJECTS_EDGES: Mapping[str, str] = {
    "test_put_object_if_none_match_other_than_star_is_501_not_implemented*": _STAR_ONLY,
    "test_copy_object_if_none_match_other_than_star_is_501_not_implemented*": _STAR_ONLY,
    "test_complete_multipart_upload_if_none_match_other_than_star_is_501_not_implemented*": _STAR_ONLY,
    "test_if_match_with_a_weak_etag_never_matches*": (
        f"moto does not take a list of entity-tags in If-Match; RFC 7232 section 3.1 ({_RFC7232}, which "
        f"{_API}API_GetObject.html names) lets any strong tag of the list match"
    ),
    "test_if_none_match_with_a_weak_etag_matches*": (
        f'moto compares If-None-Match strongly: W/"x" does not match "x"; RFC 7232 section 3.2 ({_RFC7232}, '
        f"which {_API}API_GetObject.html names) requires the weak comparison, so the read is 304"
    ),
    **{
        f"test_head_object_error_is_its_status_without_a_body[[]moto-{case}]": _NO_REQUEST_ID
        for case in ("precondition", "range", "missing-key", "missing-bucket")
    },
    "test_head_object_error_is_its_status_without_a_body[[]moto-signature]": (
        f"moto checks no signature: a HEAD signed with the wrong secret is 200; AWS answers 403 "
        f"({_API}API_HeadObject.html)"
    ),
    "test_head_object_error_is_its_status_without_a_body[[]moto-part-number]": (
        f"moto serves partNumber=0; it is 'a positive integer between 1 and 10,000' and AWS answers 400 "
        f"({_API}API_HeadObject.html)"
    ),
    "test_delete_object_in_an_unversioned_bucket_is_204_without_marker_or_version*": _NO_REQUEST_ID,
    "test_user_metadata_names_count_toward_the_2kb*": (
        "moto does not enforce the 2 KB user-metadata limit, 'the sum of the number of bytes in the UTF-8 "
        "encoding of each key and value' "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html)"
    ),
    "test_put_object_header_section_over_8kb_is_400_request_header_section_too_large*": (
        "moto takes a PUT whose header section is over 8 KB; 'The PUT request header is limited to 8 KB in size' "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html) and AWS answers 400 "
        f"RequestHeaderSectionTooLarge ({_API}ErrorResponses.html)"
    ),
    "test_put_object_failing_condition_answers_before_100_continue*": (
        "moto's server sends 100 Continue to every request that expects it, before looking at the headers; "
        "'If the message is rejected based on the headers, the body of the message is not sent' "
        f"({_API}RESTObjectPUT.html)"
    ),
    **{
        f"test_get_object_range_edges[[]moto-{case}]": (
            "moto ignores a Range whose positions have thousands of digits (200, the whole object); the range is "
            "valid and means the end (or, as a first position, past it: 416 InvalidRange) "
            f"({_API}API_GetObject.html, RFC 9110 section 14.1.2)"
        )
        for case in ("5000-digit-last", "5000-digit-suffix", "5000-zeros-first")
    },
    "test_get_object_unsatisfiable_range_error_names_the_range_and_the_object_size[[]moto-5000-digits]": (
        "moto ignores a Range whose first position has thousands of digits (200); it starts past the end: 416 "
        f"InvalidRange ({_API}ErrorResponses.html)"
    ),
    "test_number_of_5000_digits_is_a_4xx_error_never_a_500[[]moto-x-amz-decoded-content-length]": (
        "moto takes an aws-chunked PUT declaring a decoded length of 5,000 digits; a PUT is at most 5 GB "
        f"(400 EntityTooLarge, {_API}API_PutObject.html)"
    ),
    "test_number_of_5000_digits_is_a_4xx_error_never_a_500[[]moto-x-amz-copy-source-range]": (
        "moto copies a part whose x-amz-copy-source-range ends far past the 10-byte source; the range must lie "
        f"within the source ({_API}API_UploadPartCopy.html)"
    ),
    "test_number_of_5000_digits_is_a_4xx_error_never_a_500[[]moto-x-amz-mp-object-size]": (
        "moto ignores x-amz-mp-object-size; a size that is not the object's is 'an HTTP 400 InvalidRequest error' "
        f"({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_number_of_5000_digits_is_a_4xx_error_never_a_500[[]moto-presigned-x-amz-expires]": (
        "moto checks no presigned signature nor X-Amz-Expires (at most 604,800 seconds); AWS refuses the URL "
        f"({_API}sigv4-query-string-auth.html)"
    ),
}
