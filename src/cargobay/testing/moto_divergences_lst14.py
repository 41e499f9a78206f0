"""moto's divergences from AWS in session 14's listing pass (``test_listing_edges`` and the other
``*_edges`` listing modules): pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

# Checked against moto 5.2.6: where moto differs from AWS, with the page that says what AWS does.
MOTO_LST14: Mapping[str, str] = {
    "test_list_optional_object_attributes_unknown_name_is_400_invalid_argument*": (
        f"moto ignores x-amz-optional-object-attributes, so a name that is no listing field is taken; "
        f"Valid Values: RestoreStatus ({_API}API_ListObjectsV2.html, {_API}API_ListObjects.html, "
        f"{_API}API_ListObjectVersions.html)"
    ),
    "test_list_marker_past_the_last_key_is_an_empty_untruncated_page[[]moto-v1]": (
        f"moto's ListObjects (v1) lists a common prefix that sorts before the Marker; 'Amazon S3 starts "
        f"listing after this specified key' ({_API}API_ListObjects.html)"
    ),
    "test_list_marker_inside_a_common_prefix_leaves_the_group_out[[]moto-v1]": (
        f"moto's ListObjects (v1) lists a common prefix that is not after the Marker; 'CommonPrefixes is "
        f"filtered out from results if it is not lexicographically greater than the key-marker' "
        f"({_API}API_ListObjects.html, Delimiter)"
    ),
    "test_list_marker_inside_a_common_prefix_leaves_the_group_out[[]moto-versions]": (
        f"moto's ListObjectVersions lists a common prefix that is not after the key-marker; 'CommonPrefixes is "
        f"filtered out from results if it is not lexicographically greater than the key-marker' "
        f"({_API}API_ListObjectVersions.html, Delimiter)"
    ),
    **{
        name: (
            f"moto's ListMultipartUploads ignores delimiter and key-marker (no CommonPrefixes, every upload "
            f"listed); AWS groups keys and starts after key-marker ({_API}API_ListMultipartUploads.html)"
        )
        for name in (
            "test_list_uploads_key_marker_inside_a_common_prefix_leaves_the_group_out*",
            "test_list_uploads_delimiter_of_several_characters_after_the_prefix*",
            "test_list_uploads_key_marker_past_the_last_key_is_an_empty_untruncated_page*",
            "test_list_uploads_page_holding_exactly_the_rest_is_not_truncated*",
            "test_list_uploads_page_ending_on_a_common_prefix_goes_on_after_it*",
        )
    },
    "test_list_upload_integers_below_zero_are_400_invalid_argument[[]moto-max-uploads]": (
        f"moto takes max-uploads=-1 and lists uploads; AWS refuses a negative integer with 400 InvalidArgument "
        f"({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_parts_names_the_part_checksum_of_every_algorithm*": (
        f"moto's ListParts names neither the upload's ChecksumAlgorithm/ChecksumType nor the parts' checksums "
        f"({_API}API_ListParts.html, {_API}API_Part.html)"
    ),
    "test_list_buckets_page_holding_exactly_the_rest_has_no_continuation_token*": (
        f"moto's ListBuckets never names a ContinuationToken, also when max-buckets leaves buckets out "
        f"({_API}API_ListBuckets.html)"
    ),
    "test_list_buckets_names_the_prefix_only_when_sent*": (
        f"moto's ListBuckets leaves out the Prefix that was sent; 'If Prefix was sent with the request, it is "
        f"included in the response' ({_API}API_ListBuckets.html)"
    ),
    "test_list_buckets_continuation_token_goes_on_after_a_bucket_deleted_since*": (
        f"moto's ListBuckets names no ContinuationToken to go on with ({_API}API_ListBuckets.html)"
    ),
    "test_list_buckets_token_of_an_object_listing_is_400_and_back*": (
        f"moto's ListBuckets takes a continuation token it did not issue ({_API}API_ListBuckets.html)"
    ),
}
