"""Where moto 5 differs from AWS in single-object reads: the divergence patterns of the suite's
``test_object_reads`` (each seen failing against moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES` (kept apart so that
module stays readable); the reasons name the AWS page (or the RFC it names) that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_RFC7232 = "https://www.rfc-editor.org/rfc/rfc7232"
_MISSING_META = (
    f"moto sends a form-uploaded metadata entry that is not a legal header (or answers 500); AWS leaves it out "
    f"and counts it in x-amz-missing-meta ({_API}API_GetObject.html)"
)

MOTO_OBJECT_READS: Mapping[str, str] = {
    "test_get_object_part_number_outside_1_to_10000_is_400_invalid_argument*": (
        f"moto serves (or answers 416 or 500 to) a partNumber outside 1..10,000; it is 'a positive integer "
        f"between 1 and 10,000' ({_API}API_GetObject.html)"
    ),
    "test_get_object_part_number_with_range_is_400_invalid_request*": (
        f"moto serves a GET with both partNumber and Range; AWS answers 400 InvalidRequest ({_API}API_GetObject.html)"
    ),
    "test_head_object_response_override_replaces_the_header*": (
        f"moto ignores the response-* parameters on HEAD; HeadObject takes them as GetObject does "
        f"({_API}API_HeadObject.html)"
    ),
    "test_anonymous_head_with_response_override_is_400*": (
        f"moto takes response-* parameters on an anonymous request; they 'cannot be used with an unsigned "
        f"(anonymous) request' ({_API}API_GetObject.html)"
    ),
    "test_not_modified_carries_etag_cache_control_and_expires*": (
        f"moto's 304 leaves out the object's Cache-Control and Expires; a 304 MUST carry them ({_RFC7232} "
        f"section 4.1, which {_API}API_GetObject.html names)"
    ),
    **{
        f"test_conditional_date_that_is_not_an_http_date_is_ignored[[]moto-{value}-*": (
            f"moto answers 500 to an If-(Un)Modified-Since that is not an HTTP date; a recipient MUST ignore it "
            f"({_RFC7232} sections 3.3 and 3.4, which {_API}API_GetObject.html names)"
        )
        for value in ("word", "iso-8601")
    },
    "test_posted_metadata_that_is_not_a_legal_header_is_counted_in_missing_meta*": _MISSING_META,
    "test_posted_metadata_name_that_is_not_a_header_name_is_counted_in_missing_meta*": _MISSING_META,
    "test_post_object_redirect_that_cannot_be_a_location_is_ignored*": (
        f"moto redirects (303) to a success_action_redirect holding a line break; 'If Amazon S3 cannot "
        f"interpret the URL, it acts as if the field is not present' ({_API}RESTObjectPOST.html)"
    ),
    **{
        f"test_if_range_that_does_not_hold_gives_the_whole_object[[]moto-{case}]": (
            f"moto ignores If-Range and serves the Range of a changed object; the Range must then be ignored "
            f"(RFC 9110 section 13.1.5, which {_API}API_GetObject.html names for Range)"
        )
        for case in ("etag-other", "weak-etag", "date-other")
    },
    "test_response_override_holding_a_ctl_never_breaks_the_answer*": (
        f"moto writes a response-* value ({_API}API_GetObject.html) with a control character raw into the header "
        f"block (or answers 500); a header value cannot hold one (RFC 9110 section 5.5)"
    ),
}
