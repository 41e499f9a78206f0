"""moto's divergences from AWS found by the second listing pass (``test_listing_deep``): pure data, part
of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

# Checked against moto 5.2.6: where moto differs from AWS, with the page that says what AWS does.
MOTO_LISTING_DEEP: Mapping[str, str] = {
    "test_list_v2_echoes_start_after_beside_a_continuation_token*": (
        f"moto leaves StartAfter out of a page asked for with a continuation token; 'If StartAfter was sent "
        f"with the request, it is included in the response' ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_v2_fetch_owner_false_leaves_owner_out*": (
        f"moto lists Owner with fetch-owner=false; 'The owner field is not present in ListObjectsV2 by "
        f"default' ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_owner_is_the_writers_canonical_id*": (
        f"moto's listed Owner ID is not the canonical ID its ListBuckets gives the same caller "
        f"({_API}API_Owner.html, {_API}API_ListBuckets.html)"
    ),
    "test_list_v2_continuation_token_of_another_bucket_is_400_invalid_argument*": (
        f"moto takes another bucket's continuation token; a token continues 'the list ... on this bucket' "
        f"({_API}API_ListObjectsV2.html)"
    ),
    "test_list_expected_bucket_owner_is_checked_by_every_variant*": (
        f"moto ignores x-amz-expected-bucket-owner; AWS answers 403 on a mismatch ({_GUIDE}bucket-owner-condition.html)"
    ),
    "test_list_max_keys_not_a_count_is_400_invalid_argument[[]moto-*": (
        f"moto answers 500 to a max-keys that is not an integer and takes a negative one; AWS answers 400 "
        f"InvalidArgument ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_page_whose_rest_rolls_into_its_last_common_prefix_is_not_truncated[[]moto-versions]": (
        f"moto's ListObjectVersions says IsTruncated true when what is left rolls into the page's last common "
        f"prefix, which 'count as a single return' ({_API}API_ListObjectVersions.html)"
    ),
    "test_list_encoding_type_url_encodes_every_element_its_reference_names[[]moto-*": (
        f"moto leaves the markers, Delimiter and CommonPrefixes (and for versions, everything) unencoded under "
        f"encoding-type=url ({_API}API_ListObjects.html, {_API}API_ListObjectsV2.html, "
        f"{_API}API_ListObjectVersions.html, EncodingType)"
    ),
    "test_list_encoding_type_url_pages_resume_after_the_decoded_marker[[]moto-v1]": (
        f"moto's v1 NextMarker with a delimiter is opaque, not the last key or common prefix "
        f"({_API}API_ListObjects.html)"
    ),
    "test_list_encoding_type_url_pages_resume_after_the_decoded_marker[[]moto-versions]": (
        f"moto's ListObjectVersions does not url-encode its keys under encoding-type=url "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_delete_marker_key_is_url_encoded*": (
        f"moto lists every Version before every DeleteMarker (not one sequence newest first) and leaves keys "
        f"unencoded under encoding-type=url ({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_common_prefix_not_after_the_key_marker_is_left_out*": (
        f"moto lists a common prefix that is not after key-marker; 'CommonPrefixes is filtered out from "
        f"results if it is not lexicographically greater than the key-marker' ({_API}API_ListObjectVersions.html)"
    ),
    "test_list_v1_max_keys_zero_returns_nothing_and_a_page_to_stop_on[[]moto-delimiter]": (
        f"moto's v1 listing returns a common prefix under max-keys=0; common prefixes count toward MaxKeys "
        f"('Each rolled-up result counts as only one return against the MaxKeys value', {_API}API_ListObjects.html)"
    ),
    "test_list_versions_version_id_marker_inside_a_common_prefix_goes_on_after_it*": (
        f"moto lists a common prefix that is not after key-marker; 'CommonPrefixes is filtered out from "
        f"results if it is not lexicographically greater than the key-marker' ({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_empty_parameter_is_like_absent[[]moto-key-marker]": (
        f"moto reads an empty key-marker as a marker and skips keys; an empty parameter selects nothing, as in "
        f"ListObjects ({_API}API_ListObjectVersions.html)"
    ),
}
