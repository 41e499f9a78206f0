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
}
