"""Where moto 5 differs from AWS on object tagging requests, ACL documents and the headers a reader may
be told: the divergence patterns of the suite's ``test_tagging_requests``, ``test_acl_documents`` and
``test_object_lock_headers`` (each seen failing against moto, and passing against cargobay, on 2026-12-07).

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

_OBJECT_DOCUMENT_UNCHECKED = (
    f"moto does not read the AccessControlPolicy document of PutObjectAcl: it answers 200 and keeps the old "
    f"ACL; AWS validates the document (400 MalformedACLError for one off the schema) and sets its grants "
    f"({_API}API_PutObjectAcl.html, {_API}API_Grant.html, {_API}API_Grantee.html)"
)
_MOTO_OWNER_ID = (
    f"moto's object and bucket ACLs name an owner ID other than the one ListBuckets names; AWS names one "
    f"canonical ID for the account ({_GUIDE}acl-overview.html, {_API}API_ListBuckets.html)"
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
    "test_tagging_count_only_for_a_reader_who_may_read_the_tags*": (
        f"moto tells x-amz-tagging-count to every reader of the object; AWS only to one allowed to read its "
        f"tags ({_API}API_GetObject.html, {_API}API_HeadObject.html)"
    ),
    "test_tagging_header_with_an_empty_key_is_400*": (
        f"moto takes a tag with an empty key from x-amz-tagging; AWS refuses it (Key: 'Minimum length of 1', "
        f"{_API}API_Tag.html)"
    ),
    # -- test_acl_documents -------------------------------------------------------------------------
    **{
        f"{name}[[]moto-*-object]": _OBJECT_DOCUMENT_UNCHECKED
        for name in (
            "test_acl_document_grantee_of_no_known_type_is_400_malformed_acl_error",
            "test_acl_document_permission_outside_the_five_is_400_malformed_acl_error",
            "test_acl_document_that_is_no_policy_is_400_malformed_acl_error",
        )
    },
    **{
        f"test_acl_document_that_is_no_policy_is_400_malformed_acl_error[[]moto-{case}-bucket]": (
            f"moto answers a PutBucketAcl document that is not well-formed, has two Owners or a Grant without a "
            f"Grantee (or two IDs) with 500 or takes it; AWS answers 400 MalformedACLError ({_API}ErrorResponses.html)"
        )
        for case in (
            "unclosed",
            "not-xml",
            "two-owners",
            "grant-without-grantee",
            "grantee-with-two-ids",
            "owner-with-two-ids",
        )
    },
    "test_acl_document_every_group_and_permission_round_trips[[]moto-object]": _OBJECT_DOCUMENT_UNCHECKED,
    "test_acl_document_grants_are_kept_in_order_and_repeated[[]moto-object]": _OBJECT_DOCUMENT_UNCHECKED,
    "test_acl_document_grant_to_an_unknown_canonical_id_is_400_invalid_argument*": (
        f"moto takes a grant to a canonical ID that names no account; AWS answers 400 InvalidArgument "
        f"'Invalid id' ({_GUIDE}acl-overview.html)"
    ),
    "test_acl_document_group_that_is_not_one_of_the_three_is_400_invalid_argument*": (
        f"moto takes a Group grantee whose URI is none of the three predefined groups; AWS answers 400 "
        f"InvalidArgument 'Invalid group uri' ({_GUIDE}acl-overview.html)"
    ),
    "test_acl_document_with_a_grant_header_is_400_unexpected_content*": (
        f"moto takes an ACL document together with an x-amz-grant-* header; AWS answers 400 UnexpectedContent "
        f"({_API}API_PutObjectAcl.html: the request body or the headers)"
    ),
    "test_acl_document_without_grants_leaves_the_owner_its_acl*": (
        f"moto keeps the old object ACL for an empty AccessControlList and answers GetBucketAcl of an empty one "
        f"with 500; AWS sets an ACL of no grants ({_API}API_AccessControlPolicy.html)"
    ),
    "test_bucket_owner_enforced_takes_the_owner_full_control_document[[]moto-object]": _MOTO_OWNER_ID,
    "test_get_acl_answers_an_access_control_policy_document*": _MOTO_OWNER_ID,
    "test_object_acl_of_a_version_that_does_not_exist_is_404_no_such_version[[]moto-put]": (
        f"moto answers PutObjectAcl naming a version that does not exist with 200; AWS answers 404 "
        f"NoSuchVersion ({_API}ErrorResponses.html)"
    ),
    "test_acl_document_of_more_than_100_grants_is_400_malformed_acl_error*": (
        f"moto takes an ACL document of 101 grants; AWS answers 400 MalformedACLError ({_GUIDE}acl-overview.html: "
        f"'An ACL can have up to 100 grants')"
    ),
    "test_write_acp_grantee_writes_a_document_naming_the_owner_not_itself*": (
        f"moto lets an ACL document hand the object to another owner; AWS answers 403 AccessDenied "
        f"({_GUIDE}acl-overview.html: the owner is the account that wrote the object)"
    ),
    # -- test_object_lock_headers -------------------------------------------------------------------
    "test_lock_headers_only_for_a_reader_who_may_read_the_lock*": (
        f"moto tells the Object Lock headers to every reader of the object; AWS only to one allowed "
        f"s3:GetObjectRetention / s3:GetObjectLegalHold ({_API}API_HeadObject.html)"
    ),
}
