"""moto's divergences from AWS in session 13's versioning pass (the ``test_versioning_states`` module):
pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_MARKER_405 = "test_an_operation_on_a_delete_marker_by_id_is_405_allowing_only_delete[[]moto-{}]"
_ONLY_DELETE = f"({_GUIDE}DeleteMarker.html: the only operation on a delete marker is DELETE; RFC 9110 section 15.5.6)"

MOTO_VER13: Mapping[str, str] = {
    _MARKER_405.format("DeleteObjectTagging"): (
        f"moto answers DeleteObjectTagging of a delete marker by id with 500; AWS answers 405 MethodNotAllowed "
        f"{_ONLY_DELETE}"
    ),
    **{
        _MARKER_405.format(operation): (
            f"moto answers {operation} of a delete marker by id with 404 (NoSuchVersion or NoSuchKey); AWS answers "
            f"405 MethodNotAllowed, Allow: DELETE {_ONLY_DELETE}"
        )
        for operation in ("GetObject", "GetObjectTagging", "GetObjectAcl", "PutObjectAcl", "GetObjectAttributes")
    },
    _MARKER_405.format("PutObjectTagging"): (
        f"moto's 405 for PutObjectTagging of a delete marker carries no Allow header {_ONLY_DELETE}"
    ),
    _MARKER_405.format("HeadObject"): (
        f"moto lists a key's delete markers after its versions instead of newest first "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_the_404_of_a_key_whose_current_version_is_a_marker_names_the_marker_and_its_time*": (
        f"moto omits x-amz-delete-marker on GET of a key whose current version is a delete marker, and "
        f"Last-Modified on HEAD ({_API}API_GetObject.html; https://aws.amazon.com/about-aws/whats-new/2023/09/"
        f"amazon-s3-last-modified-time-delete-markers-s3-head-get-apis)"
    ),
    "test_versions_of_awkward_keys_list_read_and_promote_as_any_other*": (
        f"moto lists a key's delete markers after its versions instead of newest first "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_put_bucket_versioning_with_status_not_one_string_is_400_and_changes_nothing*": (
        f"moto takes a VersioningConfiguration with two Status elements, or one holding an element "
        f"({_API}API_VersioningConfiguration.html: Status is one string; {_API}ErrorResponses.html MalformedXML)"
    ),
    "test_delete_objects_empty_version_id_is_a_no_such_version_entry*": (
        f"moto reads an empty VersionId in DeleteObjects as none and deletes the object (or adds a marker); "
        f"AWS answers a NoSuchVersion Error entry ({_API}API_DeleteObjects.html, {_API}API_ObjectIdentifier.html)"
    ),
    "test_lock_settings_of_a_delete_marker_are_refused*": (
        f"moto answers the legal hold or retention of a delete marker by id with 404 NoSuchVersion (reads) or "
        f"500 (writes); AWS answers 405 MethodNotAllowed {_ONLY_DELETE}"
    ),
    **{
        name: (
            f"moto lists none of a key's older versions after a version-id-marker whose version was deleted "
            f"since the page that named it ({_API}API_ListObjectVersions.html: the marker is where listing starts)"
        )
        for name in (
            "test_list_versions_pages_on_after_the_marker_version_was_deleted*",
            "test_deleting_each_page_of_versions_as_it_comes_empties_the_bucket*",
        )
    },
    "test_reads_name_the_null_version_once_versioning_was_configured*": (
        f"moto names x-amz-version-id: null on reads in a bucket that never had a versioning state "
        f"({_API}API_PutObject.html: a version id exists once versioning is enabled)"
    ),
    "test_the_null_version_through_enabled_suspended_enabled_suspended*": (
        f"moto's PutObject in a suspended bucket answers no x-amz-version-id: null "
        f"({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"
    ),
    "test_delete_objects_removing_a_null_delete_marker_says_so*": (
        f"moto omits DeleteMarker/DeleteMarkerVersionId when DeleteObjects removes a delete marker by id "
        f"({_API}API_DeletedObject.html)"
    ),
    "test_date_and_range_conditions_apply_to_the_version_named*": (
        f"moto ignores If-Range and serves the Range of a version whose ETag does not match ({_API}API_GetObject.html "
        f"Range names RFC 9110; https://www.rfc-editor.org/rfc/rfc9110#section-13.1.5)"
    ),
}
