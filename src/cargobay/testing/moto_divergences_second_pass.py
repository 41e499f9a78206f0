"""moto's divergences from AWS in the second-pass families of versioning, object lock, ACLs and
tagging (``test_versioning_headers``, ``test_object_lock_requests``, ``test_acl_requests``,
``test_tagging_rules``) and of the document bodies' Content-MD5 (``test_request_digests``): pure data,
part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`.

Each value says what moto does and cites the AWS page that says otherwise (AWS wins; the test is
``xfail(strict=True)`` on moto so an upstream fix is noticed).
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

_MOTO_WRONG_DIGEST = (
    f"moto does not check a Content-MD5 sent with a subresource body; AWS answers 400 BadDigest / "
    f"InvalidDigest ({_API}ErrorResponses.html)"
)

_MOTO_NO_ACCESS_CONTROL = (
    f"moto does not enforce Object Ownership on requests carrying an ACL; AWS answers 400 "
    f"AccessControlListNotSupported ({_GUIDE}object-ownership-error-responses.html)"
)

MOTO_SECOND_PASS_DIVERGENCES: Mapping[str, str] = {
    # test_request_digests
    "test_put_bucket_policy_with_a_wrong_content_md5_*": _MOTO_WRONG_DIGEST,
    "test_complete_multipart_upload_with_a_wrong_content_md5_*": _MOTO_WRONG_DIGEST,
    "test_create_bucket_with_a_wrong_content_md5_*": _MOTO_WRONG_DIGEST,
    # test_versioning_headers
    "test_writes_to_an_unversioned_bucket_carry_no_version_id*": (
        f"moto answers CompleteMultipartUpload in a bucket that never had versioning with x-amz-version-id: "
        f"null ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_writes_to_a_suspended_bucket_name_the_null_version*": (
        f"moto omits x-amz-version-id: null on writes and deletes in a suspended bucket "
        f"({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"
    ),
    "test_delete_of_a_key_that_never_existed_adds_a_marker_in_an_enabled_bucket*": (
        f"moto adds no delete marker for a key that never existed ({_API}API_DeleteObject.html)"
    ),
    "test_list_versions_entries_carry_every_element*": (
        f"moto lists a key's delete markers after its versions instead of newest first "
        f"({_API}API_ListObjectVersions.html)"
    ),
    "test_put_bucket_versioning_with_a_wrong_content_md5_is_400_bad_digest*": _MOTO_WRONG_DIGEST,
    # test_object_lock_requests
    "test_object_lock_can_be_enabled_on_an_existing_versioned_bucket*": (
        f"moto answers 400 InvalidBucket to PutObjectLockConfiguration on a versioned bucket created without "
        f"Object Lock ({_GUIDE}object-lock-configure.html)"
    ),
    "test_put_object_retention_malformed_is_400_malformed_xml*": (
        f"moto takes or answers 500 to a malformed Retention document ({_API}API_ObjectLockRetention.html)"
    ),
    "test_put_object_legal_hold_malformed_is_400_malformed_xml*": (
        f"moto takes or answers 500 to a malformed LegalHold document ({_API}API_ObjectLockLegalHold.html)"
    ),
    "test_lock_documents_with_a_wrong_content_md5_are_400_bad_digest*": _MOTO_WRONG_DIGEST,
    "test_lock_settings_of_a_delete_marker_by_version_id_are_405*": (
        f"moto answers 404 NoSuchVersion or 500 for retention and legal hold of a delete marker by id "
        f"({_GUIDE}DeleteMarker.html)"
    ),
    "test_delete_objects_with_bypass_removes_governance_locked_versions*": (
        f"moto's DeleteObjects Error for a locked version has no VersionId ({_API}API_Error.html)"
    ),
    "test_an_undecodable_version_id_gets_one_answer_from_every_lock_operation*": (
        f"moto answers 500 to PutObjectRetention / PutObjectLegalHold naming an unknown version "
        f"({_API}ErrorResponses.html)"
    ),
    # test_acl_requests
    "test_acl_document_without_owner_is_400_malformed_acl_error[[]moto-object]": (
        f"moto takes an object AccessControlPolicy without Owner; AWS answers 400 MalformedACLError "
        f"({_API}API_AccessControlPolicy.html)"
    ),
    "test_acl_document_naming_another_owner_is_403_access_denied*": (
        f"moto takes an AccessControlPolicy naming another owner; AWS answers 403 AccessDenied "
        f"({_GUIDE}acl-overview.html)"
    ),
    "test_acl_document_with_a_wrong_content_md5_is_400_bad_digest*": _MOTO_WRONG_DIGEST,
    "test_ownership_controls_with_a_wrong_content_md5_is_400_bad_digest*": _MOTO_WRONG_DIGEST,
    "test_public_access_block_with_a_wrong_content_md5_is_400_bad_digest*": _MOTO_WRONG_DIGEST,
    "test_grant_headers_every_grantee_form*": (
        f"moto keeps only one grantee of a comma-separated x-amz-grant-* list ({_API}API_PutObject.html)"
    ),
    "test_grant_header_to_an_unknown_email_is_400_unresolvable_grant*": (
        f"moto takes a grant to an email address no account has; AWS answers 400 "
        f"UnresolvableGrantByEmailAddress ({_API}ErrorResponses.html)"
    ),
    "test_grant_header_malformed_is_400_invalid_argument*": (
        f"moto takes or answers 500 to an x-amz-grant-* value naming no grantee; AWS answers 400 "
        f"InvalidArgument ({_API}API_PutObjectAcl.html)"
    ),
    "test_object_acl_by_version_id_is_that_versions_own*": (
        f"moto's PutObjectAcl with versionId changes the latest version ({_API}API_PutObjectAcl.html)"
    ),
    "test_object_acl_of_a_delete_marker_by_version_id_is_405*": (
        f"moto answers 404 for the ACL of a delete marker by id; AWS answers 405 MethodNotAllowed "
        f"({_GUIDE}DeleteMarker.html)"
    ),
    "test_bucket_owner_enforced_refuses_each_acl_carrying_request*": _MOTO_NO_ACCESS_CONTROL,
    # test_tagging_rules
    "test_tagging_character_outside_the_tag_pattern_is_400_invalid_tag[[]moto-tab-*]": (
        f"moto takes a tab in a tag key or value; the S3 tag pattern allows only the space separators "
        f"of \\p{{Z}} ({_API}API_control_S3Tag.html)"
    ),
    "test_tagging_header_character_outside_the_tag_pattern_is_400*": (
        f"moto does not apply the tag rules to x-amz-tagging on PutObject ({_GUIDE}tagging-managing.html)"
    ),
    "test_tagging_header_on_copy_and_multipart_follows_the_tag_rules*": (
        f"moto does not apply the tag rules to x-amz-tagging on CopyObject and CreateMultipartUpload "
        f"({_GUIDE}tagging-managing.html)"
    ),
    "test_tagging_document_length_limits_are_400_invalid_tag[[]moto-empty-key]": (
        f"moto takes a tag with an empty key; Key has a minimum length of 1 ({_API}API_Tag.html)"
    ),
    "test_bucket_tagging_character_outside_the_tag_pattern_is_400_invalid_tag*": (
        f"moto does not apply the S3 tag pattern to bucket tags ({_API}API_control_S3Tag.html)"
    ),
    "test_put_object_tagging_with_a_wrong_content_md5_is_400_bad_digest*": _MOTO_WRONG_DIGEST,
    "test_tagging_of_a_delete_marker_by_version_id_is_405*": (
        f"moto answers tagging of a delete marker by id with 404 NoSuchVersion, 500, or a 405 without "
        f"x-amz-delete-marker ({_GUIDE}DeleteMarker.html, {_API}API_GetObject.html)"
    ),
}
