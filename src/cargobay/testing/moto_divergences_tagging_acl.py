"""Where moto 5 differs from AWS on object tagging requests and ACL documents: the divergence patterns
of the suite's ``test_tagging_requests`` and ``test_acl_documents`` (each seen failing against moto,
and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

_NO_DOCUMENT_CHECK = (
    f"moto answers a Tagging document that is not one (not well-formed, no TagSet, a Tag without Key or "
    f"Value, another root) with 500 or takes it; AWS answers 400 MalformedXML ({_API}API_Tagging.html, "
    f"{_API}API_Tag.html, {_API}ErrorResponses.html)"
)
_NO_VERSION_HEADER = (
    f"moto's PutObjectTagging/GetObjectTagging/DeleteObjectTagging answer no x-amz-version-id; AWS names the "
    f"version ({_API}API_PutObjectTagging.html, {_API}API_GetObjectTagging.html, "
    f"{_API}API_DeleteObjectTagging.html)"
)

MOTO_TAGGING_ACL: Mapping[str, str] = {
    # -- test_tagging_requests ----------------------------------------------------------------------
    "test_tagging_document_breaking_a_tag_rule_is_400_invalid_tag[[]moto-duplicate-*]": (
        f"moto keeps one of two tags with the same key; AWS answers 400 InvalidTag "
        f"({_GUIDE}tagging-managing.html, {_API}ErrorResponses.html)"
    ),
    "test_tagging_empty_tag_set_removes_every_tag*": (
        f"moto answers PutObjectTagging with an empty TagSet with 500; AWS replaces the tag set with none "
        f"({_API}API_PutObjectTagging.html)"
    ),
    "test_tagging_document_that_is_no_tagging_is_400_malformed_xml*": _NO_DOCUMENT_CHECK,
    "test_tagging_of_a_missing_key_is_404_no_such_key[[]moto-delete]": (
        f"moto answers DeleteObjectTagging of a missing key with 500; AWS answers 404 NoSuchKey "
        f"({_API}ErrorResponses.html)"
    ),
    "test_tagging_of_a_version_that_does_not_exist_is_404_no_such_version[[]moto-delete]": (
        f"moto answers DeleteObjectTagging of a version that does not exist with 500; AWS answers 404 "
        f"NoSuchVersion ({_API}ErrorResponses.html)"
    ),
    "test_tagging_of_a_key_whose_current_version_is_a_delete_marker_is_refused[[]moto-delete]": (
        f"moto answers DeleteObjectTagging of a key whose current version is a delete marker with 500; AWS "
        f"refuses it with a 4xx ({_GUIDE}DeleteMarker.html)"
    ),
    "test_tagging_by_version_id_is_that_versions_own*": _NO_VERSION_HEADER,
    "test_tagging_without_version_id_answers_the_current_versions_id*": _NO_VERSION_HEADER,
    "test_tagging_header_with_an_empty_key_is_400*": (
        f"moto takes a tag with an empty key from x-amz-tagging; AWS refuses it (Key: 'Minimum length of 1', "
        f"{_API}API_Tag.html)"
    ),
}
