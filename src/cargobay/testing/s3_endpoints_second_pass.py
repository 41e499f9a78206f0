"""moto's divergences from AWS in the second-pass families of versioning, object lock, ACLs and
tagging (``test_versioning_headers``, ``test_object_lock_requests``, ``test_acl_requests``,
``test_tagging_rules``): pure data, merged into the moto profile by :mod:`cargobay.testing.s3_endpoints`.

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
