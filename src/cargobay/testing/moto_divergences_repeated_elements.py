"""moto's divergences from AWS where a request document repeats an element its schema allows once
(a bucket Tag with two Keys, a DeleteObjects Object with two Keys or VersionIds): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

# Checked against moto 5: it takes one of the repeated elements or answers 500.
MOTO_REPEATED_ELEMENTS: Mapping[str, str] = {
    "test_bucket_tagging_tag_with_two_keys_or_values_is_400_malformed_xml[[]moto-*": (
        f"moto stores a bucket Tag with two Keys or two Values (or answers 500); a Tag has one of each, so AWS "
        f"answers 400 MalformedXML ({_API}API_Tag.html)"
    ),
    "test_delete_objects_entry_with_two_keys_or_version_ids_is_400_malformed_xml[[]moto-*": (
        f"moto deletes one key of an Object naming two Keys or two VersionIds (or answers 500); an Object names "
        f"one Key and at most one VersionId, so AWS answers 400 MalformedXML ({_API}API_ObjectIdentifier.html)"
    ),
}
