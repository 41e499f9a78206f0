"""moto's divergences from AWS found by the listing-parameter hunt (``test_listing_params``): pure
data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

# Found by the listing-parameter hunt (test_listing_params, checked against moto 5): where moto differs from AWS.
MOTO_LISTING_PARAMS: Mapping[str, str] = {
    "test_list_max_keys_not_an_int32_is_400_invalid_argument[[]moto-*": (
        f"moto reads max-keys with Python's int() (taking '1_0' and ' 5') and answers 500 to other text; AWS "
        f"answers 400 InvalidArgument to a max-keys that is not a 32-bit integer ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_v2_continuation_token_made_from_a_key_is_400_invalid_argument*": (
        f"moto takes (or answers 500 to) a continuation token made up from a key; AWS answers 400 "
        f"InvalidArgument ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_upload_integers_not_decimal_are_400_invalid_argument[[]moto-*-underscore]": (
        f"moto reads max-uploads, max-parts and part-number-marker with Python's int() ('1_0' is 10); AWS "
        f"answers 400 InvalidArgument ({_API}API_ListParts.html, {_API}API_ListMultipartUploads.html)"
    ),
    "test_list_upload_integers_not_decimal_are_400_invalid_argument[[]moto-max-uploads-over-int32]": (
        f"moto takes a max-uploads beyond 32 bits; AWS answers 400 InvalidArgument 'Provided max-uploads not an "
        f"integer or within integer range' ({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_unknown_encoding_type_is_400_invalid_argument[[]moto-*": (
        f"moto ignores an encoding-type other than url; its only valid value is url ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_v1_next_marker_is_url_encoded*": (
        f"moto's v1 NextMarker with a delimiter is an opaque token, not the last key or common prefix, and is "
        f"not URL-encoded under encoding-type=url ({_API}API_ListObjects.html)"
    ),
    "test_list_v2_start_after_is_url_encoded*": (
        f"moto leaves StartAfter unencoded under encoding-type=url ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_multi_character_delimiter_across_pages[[]moto-v1-*": (
        f"moto's v1 NextMarker with a delimiter is opaque and paging through it repeats common prefixes "
        f"({_API}API_ListObjects.html)"
    ),
    "test_list_pages_over_keys_that_url_encoding_changes[[]moto-v1]": (
        f"moto's v1 NextMarker with a delimiter is opaque and paging through it repeats common prefixes "
        f"({_API}API_ListObjects.html)"
    ),
    "test_list_v1_next_marker_names_the_last_common_prefix*": (
        f"moto's v1 listing does not count common prefixes toward max-keys and its NextMarker is opaque "
        f"({_API}API_ListObjects.html)"
    ),
    "test_list_echoed_and_next_markers_carry_xml_special_characters[[]moto-v1]": (
        f"moto's v1 listing leaves out Marker (and its NextMarker is opaque) ({_API}API_ListObjects.html)"
    ),
    "test_list_echoed_and_next_markers_carry_xml_special_characters[[]moto-uploads]": (
        f"moto's ListMultipartUploads ignores and leaves out prefix and delimiter and ignores key-marker "
        f"({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_versions_malformed_version_id_marker_is_400_invalid_argument*": (
        f"moto accepts any version-id-marker; AWS answers 400 InvalidArgument 'Invalid version id specified' "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_list_parts_of_no_such_upload_is_404*": (
        f"moto's ListParts lists an upload's parts under any key; AWS answers 404 NoSuchUpload "
        f"({_API}API_ListParts.html)"
    ),
    "test_list_multipart_uploads_pages_by_both_markers*": (
        f"moto ignores max-uploads, key-marker and upload-id-marker ({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_multipart_uploads_key_marker_alone_and_upload_id_marker_alone*": (
        f"moto ignores key-marker ({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_buckets_pages_with_prefix_and_max_buckets*": (
        f"moto does not echo the ListBuckets Prefix ({_API}API_ListBuckets.html)"
    ),
    "test_list_buckets_bucket_region_only_for_a_paginated_request*": (
        f"moto never answers BucketRegion; AWS answers it when ListBuckets has a parameter ({_API}API_Bucket.html)"
    ),
    "test_list_buckets_empty_or_malformed_continuation_token_is_400*": (
        f"moto ignores a ListBuckets continuation-token it did not issue; AWS answers 400 InvalidArgument "
        f"({_API}API_ListBuckets.html)"
    ),
    "test_list_buckets_bucket_region_that_is_no_region_is_400*": (
        f"moto takes any bucket-region; AWS answers 400 InvalidArgument to a value that is no Region "
        f"({_API}API_ListBuckets.html)"
    ),
    "test_list_buckets_max_buckets_out_of_range_is_400*": (
        f"moto accepts a max-buckets outside 1 to 10000 ({_GUIDE}list-buckets.html)"
    ),
    "test_list_entries_name_their_checksum_algorithm[[]moto-v1]": (
        f"moto omits ChecksumAlgorithm from ListObjects (v1) entries ({_API}API_Object.html)"
    ),
    "test_list_parts_names_the_lifecycle_abort_date*": (
        f"moto omits x-amz-abort-date and x-amz-abort-rule-id from ListParts under a matching "
        f"AbortIncompleteMultipartUpload rule ({_API}API_ListParts.html)"
    ),
    "test_create_multipart_upload_names_the_lifecycle_abort_date*": (
        f"moto omits x-amz-abort-date and x-amz-abort-rule-id from CreateMultipartUpload under a matching "
        f"AbortIncompleteMultipartUpload rule ({_API}API_CreateMultipartUpload.html)"
    ),
    "test_list_versions_name_their_checksum_algorithm*": (
        f"moto omits ChecksumAlgorithm from ListObjectVersions entries ({_API}API_ObjectVersion.html)"
    ),
}
