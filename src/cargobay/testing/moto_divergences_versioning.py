"""moto's divergences from AWS in the versioning and object lock families: pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

# moto vs AWS on versioning and object lock (the versioning and object_lock families).
_MOTO_NO_GET_RETENTION = f"moto 5.2.6 has no GetObjectRetention: it answers 500 ({_API}API_GetObjectRetention.html)"
MOTO_VERSIONING_DIVERGENCES: Mapping[str, str] = {
    "test_versioning_malformed_document_is_400*": (
        f"moto accepts an unclosed VersioningConfiguration and answers 404 to a body that is not XML; AWS "
        f"answers 400 MalformedXML ({_API}API_PutBucketVersioning.html, {_API}ErrorResponses.html)"
    ),
    "test_versioning_unknown_status_is_400*": (
        f"moto accepts a versioning Status other than Enabled/Suspended ({_API}API_VersioningConfiguration.html)"
    ),
    "test_copy_object_from_a_delete_marker*": (
        f"moto answers 404 NoSuchVersion to a copy naming a delete marker by id; AWS answers 400 "
        f"({_API}API_CopyObject.html, x-amz-copy-source)"
    ),
    "test_object_tagging_by_version_id*": (
        f"moto omits x-amz-version-id on PutObjectTagging ({_API}API_PutObjectTagging.html)"
    ),
    "test_get_of_key_whose_latest_is_a_delete_marker_is_404_with_marker_header*": (
        f"moto omits x-amz-delete-marker on GET of a deleted key ({_API}API_GetObject.html)"
    ),
    "test_get_or_head_of_a_delete_marker_by_version_id_is_405*": (
        f"moto answers GET of a delete marker by id with 404 NoSuchVersion and HEAD without Last-Modified; AWS "
        f"answers 405 MethodNotAllowed with Last-Modified ({_API}API_GetObject.html, {_API}API_HeadObject.html)"
    ),
    "test_delete_of_the_delete_marker_restores_the_object*": (
        f"moto omits x-amz-delete-marker: true when a delete marker is deleted by id ({_API}API_DeleteObject.html)"
    ),
    "test_delete_objects_with_version_ids*": (
        f"moto omits DeleteMarker/DeleteMarkerVersionId when DeleteObjects removes a marker by id "
        f"({_API}API_DeletedObject.html)"
    ),
    "test_suspended_bucket_writes_and_replaces_the_null_version*": (
        f"moto drops the versions written while versioning was enabled when a suspended bucket writes the null "
        f"version ({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"
    ),
    "test_suspended_bucket_delete_adds_a_null_delete_marker*": (
        f"moto adds no null delete marker in a suspended bucket "
        f"({_GUIDE}DeletingObjectsfromVersioningSuspendedBuckets.html)"
    ),
    "test_list_versions_orders_keys_then_newest_first_with_markers*": (
        f"moto lists a key's delete markers after its versions instead of newest first "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_paging_with_small_max_keys_matches_the_full_listing*": (
        f"moto pages versions and delete markers separately, out of AWS order ({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_key_marker_alone_skips_every_version_of_that_key*": (
        f"moto's key-marker alone does not start after that key ({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_version_id_marker_without_key_marker_is_400*": (
        f"moto accepts version-id-marker without key-marker; AWS answers 400 InvalidArgument "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_list_versions_encoding_type_url*": (
        f"moto ignores encoding-type=url in ListObjectVersions ({_API}API_ListObjectVersions.html)"
    ),
    # object lock
    "test_put_object_lock_configuration_default_retention_round_trip*": (
        f"moto returns Years 0 beside Days (and Days 0 beside Years); AWS returns the one period that was set "
        f"({_API}API_DefaultRetention.html)"
    ),
    **{
        f"test_put_object_lock_configuration_invalid_is_400[[]moto-{case}]": (
            f"moto accepts this invalid Object Lock configuration ({_API}API_DefaultRetention.html, "
            f"{_API}API_ObjectLockConfiguration.html)"
        )
        for case in ("zero-days", "negative-days", "bad-mode", "no-period", "disabled")
    },
    "test_put_object_lock_configuration_invalid_is_400[[]moto-unclosed]": (
        f"moto answers MissingRequestBodyError to an unclosed document; AWS answers MalformedXML "
        f"({_API}ErrorResponses.html)"
    ),
    "test_put_object_lock_configuration_on_unversioned_bucket_is_409_invalid_bucket_state*": (
        f"moto answers InvalidBucketState with status 400; AWS's InvalidBucketState is 409 ({_API}ErrorResponses.html)"
    ),
    "test_suspending_versioning_of_a_lock_bucket_is_409_invalid_bucket_state*": (
        f"moto lets a bucket with Object Lock suspend versioning ({_GUIDE}object-lock-configure.html)"
    ),
    "test_object_retention_put_and_get*": _MOTO_NO_GET_RETENTION,
    "test_object_retention_without_one_is_404_no_such_object_lock_configuration*": _MOTO_NO_GET_RETENTION,
    "test_get_object_retention_on_a_bucket_without_lock_is_400_invalid_request*": _MOTO_NO_GET_RETENTION,
    "test_object_retention_in_the_past_is_400_invalid_argument*": (
        f"moto accepts a retain-until date in the past ({_GUIDE}object-lock-overview.html)"
    ),
    "test_legal_hold_put_and_get*": (
        f"moto answers GetObjectLegalHold of a version without a hold with an empty LegalHold (no Status, no "
        f"error) ({_API}API_GetObjectLegalHold.html)"
    ),
    "test_legal_hold_named_at_write_is_answered_and_a_copy_starts_without*": (
        f"moto answers GetObjectLegalHold of a copy written without a hold with an empty LegalHold (no Status, no "
        f"error); AWS answers 404 NoSuchObjectLockConfiguration ({_API}API_GetObjectLegalHold.html)"
    ),
    "test_put_object_lock_mode_without_date_is_400_invalid_argument*": (
        f"moto accepts x-amz-object-lock-mode without x-amz-object-lock-retain-until-date ({_API}API_PutObject.html)"
    ),
    "test_copy_object_with_lock_headers*": (
        f"moto demands Content-MD5 on a CopyObject with lock headers; CopyObject has no body and no checksum "
        f"member ({_API}API_CopyObject.html)"
    ),
    "test_multipart_upload_with_lock_headers*": (
        f"moto ignores x-amz-object-lock-* on CreateMultipartUpload ({_API}API_CreateMultipartUpload.html)"
    ),
    "test_compliance_retention_can_be_extended_but_not_shortened_or_changed*": (
        f"moto lets a COMPLIANCE retention be shortened or changed to GOVERNANCE ({_GUIDE}object-lock-overview.html)"
    ),
    "test_governance_retention_shortened_only_with_bypass*": (
        f"moto lets a GOVERNANCE retention be shortened without x-amz-bypass-governance-retention "
        f"({_GUIDE}object-lock-overview.html)"
    ),
    "test_delete_objects_reports_locked_versions_per_key*": (
        f"moto's DeleteObjects errors omit the VersionId of the refused version ({_API}API_Error.html)"
    ),
}
