"""moto's divergences from AWS where versioning and object lock meet the other operations (the
``test_versioning_interplay`` and ``test_object_lock_interplay`` modules): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

_MOTO_DROPS_ENABLED = (
    f"moto drops the versions written while versioning was enabled when a suspended bucket writes the null "
    f"version ({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"
)
_MOTO_MARKERS_LAST = (
    f"moto lists a key's delete markers after its versions instead of newest first ({_API}API_ListObjectVersions.html)"
)
MOTO_INTERPLAY_DIVERGENCES: Mapping[str, str] = {
    "test_suspended_bucket_copy_replaces_the_null_version*": (
        f"moto's CopyObject into a suspended bucket answers no x-amz-version-id: null "
        f"({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"
    ),
    "test_upload_part_copy_of_the_current_version_names_it*": (
        f"moto's UploadPartCopy answers no x-amz-copy-source-version-id ({_API}API_UploadPartCopy.html)"
    ),
    "test_suspended_bucket_complete_multipart_upload_replaces_the_null_version*": _MOTO_DROPS_ENABLED,
    "test_upload_started_while_enabled_and_completed_while_suspended_is_the_null_version*": _MOTO_DROPS_ENABLED,
    "test_suspended_copy_of_the_null_version_onto_itself*": (
        f"moto's CopyObject into a suspended bucket answers no x-amz-version-id: null "
        f"({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"
    ),
    "test_suspended_put_replaces_a_null_version_below_newer_ones*": _MOTO_DROPS_ENABLED,
    "test_suspended_put_over_a_null_delete_marker_replaces_it*": _MOTO_DROPS_ENABLED,
    "test_suspended_delete_removes_a_null_version_below_and_adds_a_null_marker*": (
        f"moto adds no null delete marker in a suspended bucket "
        f"({_GUIDE}DeletingObjectsfromVersioningSuspendedBuckets.html)"
    ),
    "test_suspended_delete_of_the_null_version_by_id_promotes_the_next*": (
        f"moto's DELETE ?versionId=null answers no x-amz-version-id ({_API}API_DeleteObject.html)"
    ),
    "test_deleting_the_current_version_above_a_marker_leaves_the_marker_latest*": _MOTO_MARKERS_LAST,
    "test_removing_one_of_two_stacked_markers_keeps_the_key_deleted*": _MOTO_MARKERS_LAST,
    "test_delete_objects_etag_condition_decides_on_the_current_version*": _MOTO_MARKERS_LAST,
    "test_deleting_a_noncurrent_marker_changes_nothing_current*": (
        f"moto omits x-amz-delete-marker: true when a delete marker is deleted by id ({_API}API_DeleteObject.html)"
    ),
    "test_read_conditions_apply_to_the_version_named*": (
        f"moto's CopyObject checks x-amz-copy-source-if-match against the current version, not the one named "
        f"({_API}API_CopyObject.html)"
    ),
    "test_delete_objects_undecodable_version_id_is_a_no_such_version_entry*": (
        f"moto reports a key with an undecodable VersionId as Deleted; AWS answers a NoSuchVersion Error entry "
        f"({_API}API_DeleteObjects.html)"
    ),
    "test_delete_objects_in_a_suspended_bucket_adds_null_markers*": (
        f"moto's DeleteObjects in a suspended bucket adds no null delete marker ({_API}API_DeletedObject.html)"
    ),
    "test_delete_objects_of_a_key_that_never_existed_adds_a_marker*": (
        f"moto's DeleteObjects adds no delete marker for a key without versions ({_API}API_DeleteObject.html)"
    ),
    "test_object_attributes_of_a_delete_marker*": (
        f"moto's GetObjectAttributes of a key whose current version is a delete marker omits "
        f"x-amz-delete-marker ({_API}API_GetObjectAttributes.html)"
    ),
    "test_null_version_id_names_the_object_of_a_never_versioned_bucket*": (
        f"moto answers 400 to versionId=null in a bucket that was never versioned, whose objects are the null "
        f"version ({_GUIDE}versioning-workflows.html)"
    ),
    "test_an_empty_version_id_is_400_invalid_argument[[]moto-*]": (
        "moto takes ?versionId= with no value as a version that does not exist (404) or as no version at all; "
        "AWS answers 400 InvalidArgument 'Version id cannot be the empty string' "
        f"(https://github.com/noobaa/noobaa-core/pull/7970, {_API}ErrorResponses.html)"
    ),
    "test_an_undecodable_version_id_gets_one_answer_from_every_operation*": (
        f"moto's DeleteObjectTagging answers 500 to a version id that names no version where its other "
        f"operations answer 404 NoSuchVersion ({_API}ErrorResponses.html)"
    ),
    "test_list_versions_pages_through_a_null_version_in_any_position*": _MOTO_DROPS_ENABLED,
    "test_the_405_of_a_delete_marker_carries_the_markers_own_last_modified*": (
        f"moto answers GET of a delete marker by id with 404 NoSuchVersion; AWS answers 405 with the marker's "
        f"Last-Modified ({_API}API_GetObject.html)"
    ),
    "test_delete_objects_entries_naming_versions_need_delete_object_version*": (
        f"moto does not enforce bucket policies on its S3 calls; AWS needs s3:DeleteObjectVersion to delete a "
        f"version ({_API}API_DeleteObject.html)"
    ),
    "test_null_version_id_naming_a_null_delete_marker_is_405*": (
        f"moto adds no null delete marker in a suspended bucket, so versionId=null is 404 NoSuchVersion "
        f"({_GUIDE}DeletingObjectsfromVersioningSuspendedBuckets.html, {_API}API_GetObject.html)"
    ),
    # object lock
    "test_default_retention_applies_beside_a_requested_legal_hold*": (
        f"moto gives a PUT that asks only for a legal hold no default retention ({_GUIDE}object-lock-overview.html)"
    ),
    "test_default_retention_applies_to_copies*": (
        f"moto demands Content-MD5 on a CopyObject into a bucket with a default retention; CopyObject has no body "
        f"({_API}API_CopyObject.html)"
    ),
    "test_a_default_retention_applies_only_to_versions_written_after_it*": (
        f"moto refuses PutObjectLockConfiguration on a bucket that holds objects (400 InvalidBucket 'Bucket "
        f"needs to be empty'); AWS sets the default for new versions ({_API}API_PutObjectLockConfiguration.html)"
    ),
    "test_default_retention_applies_to_completed_multipart_uploads*": (
        f"moto gives a completed multipart upload no default retention ({_GUIDE}object-lock-overview.html)"
    ),
    "test_lock_headers_on_a_bucket_without_object_lock_are_400_invalid_request[[]moto-copy]": (
        f"moto answers a CopyObject with lock headers in a bucket without Object Lock with its own code "
        f"MissingUploadObjectWithObjectLockHeaders; AWS: 400 InvalidRequest ({_GUIDE}object-lock-managing.html)"
    ),
    "test_lock_headers_on_a_bucket_without_object_lock_are_400_invalid_request[[]moto-create-multipart]": (
        f"moto accepts lock headers on CreateMultipartUpload in a bucket without Object Lock "
        f"({_API}API_CreateMultipartUpload.html)"
    ),
    "test_put_with_lock_headers_needs_content_md5_or_a_checksum*": (
        f"moto refuses with its own code MissingUploadObjectWithObjectLockHeaders; AWS answers 400 InvalidRequest "
        f"(https://github.com/supabase/storage/issues/423, {_API}API_PutObject.html)"
    ),
    "test_put_into_a_bucket_with_default_retention_needs_content_md5_or_a_checksum*": (
        f"moto refuses with its own code MissingUploadObjectWithObjectLockHeaders; AWS answers 400 InvalidRequest "
        f"(https://github.com/supabase/storage/issues/423, {_API}API_PutObject.html)"
    ),
    "test_upload_part_of_an_upload_with_lock_headers_needs_content_md5_or_a_checksum*": (
        f"moto takes a part without Content-MD5 or a checksum into an upload created with lock headers "
        f"({_API}API_UploadPart.html: Content-MD5 'is required if object lock parameters are specified')"
    ),
    "test_delete_objects_removes_a_marker_above_a_locked_version*": (
        f"moto omits DeleteMarker/DeleteMarkerVersionId when DeleteObjects removes a marker by id "
        f"({_API}API_DeletedObject.html)"
    ),
    "test_governance_mode_changed_to_compliance_only_with_bypass*": (
        f"moto changes a GOVERNANCE retention to COMPLIANCE without x-amz-bypass-governance-retention "
        f"({_GUIDE}object-lock-overview.html)"
    ),
    "test_object_lock_on_a_suspended_bucket_is_409_invalid_bucket_state*": (
        f"moto answers 400 InvalidBucketState; AWS answers 409 ({_API}ErrorResponses.html)"
    ),
    # test_delete_objects_conditional (the lead's pass over DeleteObjects' ObjectIdentifier conditions)
    "test_delete_objects_etag_star_deletes_an_existing_key_and_fails_a_missing_one[[]moto]": (
        f"moto reports a missing key with ETag '*' as Deleted; a conditional delete of a missing key fails with "
        f"NoSuchKey ({_GUIDE}conditional-deletes.html; {_API}API_DeleteObject.html If-Match)"
    ),
    "test_delete_objects_directory_bucket_conditions_are_never_ignored[[]moto-*": (
        f"moto deletes unconditionally when an entry names Size or LastModifiedTime, conditions AWS evaluates "
        f"only in directory buckets ({_API}API_ObjectIdentifier.html); a server that does not evaluate them must "
        f"not act as if they held"
    ),
}
