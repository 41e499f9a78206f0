"""moto's divergences from AWS, per test of the conformance suite: pure data, used by the moto
profile of :mod:`cargobay.testing.s3_endpoints`.

Where moto differs from AWS, AWS wins: each entry maps an fnmatch pattern over test names (with
parameter ids) to what moto does and the AWS page that says otherwise; the test is
``xfail(strict=True)`` on moto, so an upstream fix is noticed. The families added later keep their
tables in modules of their own (:mod:`.moto_divergences_second_pass`,
:mod:`.moto_divergences_multipart`, :mod:`.moto_divergences_objects`), and so do versioning and object
lock (:mod:`.moto_divergences_versioning`), the listing parameters (:mod:`.moto_divergences_listing`),
the bucket-level hunt (:mod:`.moto_divergences_buckets`, :mod:`.moto_divergences_bucket_requests`),
the checksums as current SDKs send them
(:mod:`.moto_divergences_checksums`), the settling of what the AWS pages left open
(:mod:`.moto_divergences_settled`), GetObjectAttributes (:mod:`.moto_divergences_attributes`), versioning
and lock meeting the other operations (:mod:`.moto_divergences_interplay`), anonymous access, ACLs and
presigned URLs (:mod:`.moto_divergences_access`), the second pass over request authentication
(:mod:`.moto_divergences_auth`) and the fourth (:mod:`.moto_divergences_auth14`),
browser-based uploads (:mod:`.moto_divergences_post`),
bucket policies (:mod:`.moto_divergences_policy`), the second pass over copies (:mod:`.moto_divergences_copies`),
what lifecycle configurations announce (:mod:`.moto_divergences_expiration`) and repeated elements
(:mod:`.moto_divergences_repeated_elements`), the fourth Object Lock pass (:mod:`.moto_divergences_lock13`),
ACLs as enforced (:mod:`.moto_divergences_acl13`), the third pass over configuration documents
(:mod:`.moto_divergences_xml13`) and session 13's versioning pass
(:mod:`.moto_divergences_ver13`), session 14's multipart, copy and checksum pass
(:mod:`.moto_divergences_mpc14`), its listing pass (:mod:`.moto_divergences_lst14`), its authentication
and browser POST pass (:mod:`.moto_divergences_auth14`), its bucket and CORS pass (:mod:`.moto_divergences_bkt14`),
its fourth pass over single-object reads and writes (:mod:`.moto_divergences_obj14`) and server access logging
(:mod:`.moto_divergences_logging`): :data:`MOTO_DIVERGENCES` is all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cargobay.testing.moto_divergences_access import MOTO_ACCESS
from cargobay.testing.moto_divergences_acl13 import MOTO_ACL13
from cargobay.testing.moto_divergences_attributes import MOTO_ATTRIBUTES
from cargobay.testing.moto_divergences_auth import MOTO_AUTH
from cargobay.testing.moto_divergences_auth14 import MOTO_AUTH14
from cargobay.testing.moto_divergences_bkt14 import MOTO_BKT14
from cargobay.testing.moto_divergences_bucket_requests import MOTO_BUCKET_REQUESTS
from cargobay.testing.moto_divergences_buckets import MOTO_BUCKET_DIVERGENCES
from cargobay.testing.moto_divergences_checksums import MOTO_CHECKSUMS
from cargobay.testing.moto_divergences_copies import MOTO_COPIES
from cargobay.testing.moto_divergences_expiration import MOTO_EXPIRATION
from cargobay.testing.moto_divergences_interplay import MOTO_INTERPLAY_DIVERGENCES
from cargobay.testing.moto_divergences_listing import MOTO_LISTING_PARAMS
from cargobay.testing.moto_divergences_listing_deep import MOTO_LISTING_DEEP
from cargobay.testing.moto_divergences_lock13 import MOTO_LOCK13
from cargobay.testing.moto_divergences_logging import MOTO_LOGGING
from cargobay.testing.moto_divergences_lst14 import MOTO_LST14
from cargobay.testing.moto_divergences_mpc14 import MOTO_MPC14
from cargobay.testing.moto_divergences_multipart import MOTO_MULTIPART_COPY
from cargobay.testing.moto_divergences_multipart_rules import MOTO_MULTIPART_RULES
from cargobay.testing.moto_divergences_obj14 import MOTO_OBJ14
from cargobay.testing.moto_divergences_objects import MOTO_OBJECT_READS
from cargobay.testing.moto_divergences_objects_edges import MOTO_OBJECTS_EDGES
from cargobay.testing.moto_divergences_pol13 import MOTO_POL13
from cargobay.testing.moto_divergences_policy import MOTO_POLICY
from cargobay.testing.moto_divergences_post import MOTO_POST
from cargobay.testing.moto_divergences_repeated_elements import MOTO_REPEATED_ELEMENTS
from cargobay.testing.moto_divergences_second_pass import MOTO_SECOND_PASS_DIVERGENCES
from cargobay.testing.moto_divergences_settled import MOTO_SETTLED
from cargobay.testing.moto_divergences_tagging_acl import MOTO_TAGGING_ACL
from cargobay.testing.moto_divergences_ver13 import MOTO_VER13
from cargobay.testing.moto_divergences_versioning import MOTO_VERSIONING_DIVERGENCES
from cargobay.testing.moto_divergences_xml13 import MOTO_XML13

_MOTO_NO_AUTH = (
    "moto does not verify request signatures; AWS rejects this request "
    "(https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html)"
)

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NO_CHECKSUM = (
    f"moto does not verify or store x-amz-checksum-* / Content-MD5 sent as headers ({_API}API_PutObject.html)"
)
_MOTO_NO_BODY_DIGEST = (
    f"moto takes a bucket configuration without Content-MD5 (or a wrong one); AWS answers 400 InvalidRequest "
    f"'Missing required header for this request: Content-MD5' ({_API}API_PutBucketLifecycleConfiguration.html)"
)
_CONDITIONS = (
    f"moto evaluates If-Match/If-None-Match lists, '*' and their precedence differently "
    f"({_GUIDE}conditional-requests.html, RFC 7232 section 6)"
)

# moto vs AWS, each with the AWS documentation that says what AWS does. xfail(strict=True): a
# moto release that fixes one turns the run red, and the line is removed.
_MOTO_DIVERGENCES: Mapping[str, str] = {
    "test_sigv4_rejects_*": _MOTO_NO_AUTH,
    "test_presigned_rejects_*": _MOTO_NO_AUTH,
    "test_sigv2_rejects_*": _MOTO_NO_AUTH,
    "test_aws_chunked_rejects_bad_chunk_signature*": _MOTO_NO_AUTH,
    **{
        f"test_create_bucket_invalid_name_is_400_invalid_bucket_name[[]moto-{case}]": (
            f"moto accepts this bucket name; AWS refuses it ({_GUIDE}bucketnamingrules.html)"
        )
        for case in (
            "uppercase",
            "underscore",
            "leading-dash",
            "trailing-dash",
            "ip-address",
            "double-dot",
            "xn-prefix",
            "bang",
        )
    },
    "test_create_bucket_foreign_location_constraint_is_400*": (
        f"moto creates the bucket; AWS answers IllegalLocationConstraintException ({_API}API_CreateBucket.html)"
    ),
    "test_put_object_metadata_over_2kb_is_400_metadata_too_large*": (
        f"moto does not enforce the 2 KB user-metadata limit ({_GUIDE}UsingMetadata.html)"
    ),
    "test_create_multipart_upload_unknown_storage_class_is_400_invalid_storage_class*": (
        f"moto's CreateMultipartUpload accepts any x-amz-storage-class (its PutObject and CopyObject "
        f"refuse one it does not know); AWS answers 400 InvalidStorageClass ({_API}ErrorResponses.html)"
    ),
    "test_put_object_declared_over_5_gib_is_400_entity_too_large*": (
        f"moto waits for a body declared larger than 5 GiB; AWS refuses it as EntityTooLarge ({_API}API_PutObject.html)"
    ),
    "test_upload_part_declared_over_5_gib_is_400_entity_too_large*": (
        f"moto waits for a part declared larger than 5 GiB; AWS refuses it as EntityTooLarge ({_GUIDE}qfacts.html)"
    ),
    "test_post_object_every_condition_on_a_field_must_hold*": (
        f"moto does not check a browser POST's policy conditions; AWS refuses an upload a condition "
        f"does not allow ({_API}sigv4-HTTPPOSTConstructPolicy.html)"
    ),
    "test_post_object_policy_without_a_bucket_condition_is_403*": (
        f"moto does not check a browser POST's policy conditions; AWS refuses a policy without a bucket "
        f"condition ({_API}sigv4-HTTPPOSTConstructPolicy.html)"
    ),
    "test_post_object_metadata_over_2kb_is_400_metadata_too_large*": (
        f"moto stores more than 2 KB of user metadata from a browser POST ({_GUIDE}UsingMetadata.html)"
    ),
    "test_post_object_tagging_field_tags_the_object*": (
        f"moto ignores the tagging field of a browser POST ({_API}RESTObjectPOST.html)"
    ),
    "test_copy_object_unknown_checksum_algorithm_is_400*": (
        f"moto copies with any x-amz-checksum-algorithm; AWS answers 400 for one it does not support "
        f"({_API}API_CopyObject.html)"
    ),
    "test_post_object_storage_class_field_is_kept*": (
        f"moto ignores the x-amz-storage-class field of a browser POST (the object is STANDARD); AWS keeps it "
        f"as the header of PutObject ({_API}RESTObjectPOST.html)"
    ),
    "test_multipart_upload_storage_class_is_listed_and_kept*": (
        f"moto's ListParts answers StorageClass STANDARD whatever class the upload was created with "
        f"({_API}API_ListParts.html)"
    ),
    "test_post_object_unknown_storage_class_is_400_invalid_storage_class*": (
        f"moto accepts any x-amz-storage-class field in a browser POST; AWS answers 400 InvalidStorageClass "
        f"({_API}ErrorResponses.html)"
    ),
    "test_put_object_website_redirect_location_is_kept_and_returned*": (
        f"moto stores any x-amz-website-redirect-location; AWS refuses one that is not '/...' or an http(s) "
        f"URL with 400 InvalidRedirectLocation ({_API}RESTObjectPOST.html names the rule)"
    ),
    "test_copy_object_website_redirect_location_is_not_copied*": (
        f"moto copies the source's website redirect location; AWS does not ({_API}API_CopyObject.html)"
    ),
    "test_put_object_key_over_1024_bytes_is_400_key_too_long*": (
        f"moto does not enforce the 1024-byte key limit ({_GUIDE}object-keys.html)"
    ),
    "test_key_1024_bytes_is_the_limit*": f"moto does not enforce the 1024-byte key limit ({_GUIDE}object-keys.html)",
    "test_get_object_invalid_or_multi_range_is_ignored_200_whole[[]moto-other-unit*": (
        f"moto honours a Range in another unit; AWS ignores it (only 'bytes', {_API}API_GetObject.html)"
    ),
    "test_key_round_trips_and_lists_exactly[[]moto-newline*": (
        f"moto's router answers 404 for a key with a newline; any UTF-8 is a valid key ({_GUIDE}object-keys.html)"
    ),
    "test_list_v1_with_delimiter_truncated_has_next_marker*": (
        f"moto's NextMarker is opaque; AWS's is the last key or prefix returned ({_API}API_ListObjects.html)"
    ),
    "test_list_v1_echoes_marker*": f"moto omits Marker in the response ({_API}API_ListObjects.html)",
    "test_list_v2_echoes_continuation_token*": (
        f"moto omits ContinuationToken in the response ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_invalid_continuation_token_is_400_invalid_argument*": (
        f"moto accepts a malformed continuation token; AWS answers 400 InvalidArgument ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_negative_max_keys_is_400_invalid_argument*": (
        f"moto answers 500 to max-keys=-1; AWS answers 400 InvalidArgument ({_API}API_ListObjectsV2.html)"
    ),
    "test_put_object_wrong_content_md5*": _NO_CHECKSUM,
    "test_put_object_malformed_content_md5*": _NO_CHECKSUM,
    "test_put_object_wrong_checksum_is_400_bad_digest*": _NO_CHECKSUM,
    "test_put_object_checksum_header_is_verified_and_returned*": _NO_CHECKSUM,
    "test_failed_put_keeps_old_object*": _NO_CHECKSUM,
    "test_put_object_with_a_checksum_answers_checksum_type_full_object*": _NO_CHECKSUM,
    "test_copy_object_result_carries_the_checksum*": _NO_CHECKSUM,
    "test_get_object_conditions[[]moto-match-star*": _CONDITIONS,
    "test_get_object_conditions[[]moto-match-list*": _CONDITIONS,
    "test_get_object_conditions[[]moto-none-match-star*": _CONDITIONS,
    "test_get_object_conditions[[]moto-match-beats-unmodified-since*": _CONDITIONS,
    "test_get_object_conditions[[]moto-none-match-true-ignores-modified-since*": _CONDITIONS,
    "test_head_object_conditions[[]moto-match-star*": _CONDITIONS,
    "test_head_object_conditions[[]moto-match-list*": _CONDITIONS,
    "test_head_object_conditions[[]moto-none-match-star*": _CONDITIONS,
    "test_head_object_conditions[[]moto-match-beats-unmodified-since*": _CONDITIONS,
    "test_head_object_conditions[[]moto-none-match-true-ignores-modified-since*": _CONDITIONS,
    "test_copy_object_source_conditions[[]moto-if-match-other*": (
        f"moto ignores x-amz-copy-source-if-match ({_API}API_CopyObject.html)"
    ),
    "test_copy_object_source_conditions[[]moto-unmodified-since-past*": (
        f"moto ignores x-amz-copy-source-if-unmodified-since ({_API}API_CopyObject.html)"
    ),
    "test_get_object_conditions[[]moto-modified-since-future-is-ignored*": (
        "moto answers 304 to an If-Modified-Since date in the future; AWS ignores such a date (RFC 9110 "
        f"section 13.1.3; the suite's recorded/conditional-future-date.md; {_API}API_GetObject.html)"
    ),
    "test_head_object_conditions[[]moto-modified-since-future-is-ignored*": (
        "moto answers 304 to an If-Modified-Since date in the future; AWS ignores such a date (RFC 9110 "
        f"section 13.1.3; the suite's recorded/conditional-future-date.md; {_API}API_HeadObject.html)"
    ),
    "test_aws_chunked_unsigned_payload_trailer*": (
        f"moto does not store the trailing checksum of an aws-chunked body ({_API}sigv4-streaming.html)"
    ),
    "test_aws_chunked_wrong_trailer_checksum_is_400_bad_digest*": (
        f"moto does not verify the trailing checksum of an aws-chunked body ({_API}sigv4-streaming.html)"
    ),
    "test_multipart_part_number_out_of_range_is_400_invalid_argument[[]moto-zero]": (
        f"moto accepts part number 0; AWS takes 1..10000 ({_API}API_UploadPart.html)"
    ),
    "test_multipart_parts_out_of_order_is_400_invalid_part_order*": (
        f"moto completes parts listed in descending order; AWS answers InvalidPartOrder "
        f"({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_multipart_upload_part_copy_range_outside_the_source_is_400_invalid_argument*": (
        f"moto copies a part for a copy-source-range the source cannot satisfy; AWS answers 400 InvalidArgument "
        f"({_API}API_UploadPartCopy.html)"
    ),
    "test_multipart_unknown_upload_id_is_404_no_such_upload*": (
        f"moto answers 500 for an unknown upload id; AWS 404 NoSuchUpload ({_API}API_UploadPart.html)"
    ),
    "test_multipart_abort_then_no_such_upload*": (
        f"moto answers 500 after an abort; AWS 404 NoSuchUpload ({_API}API_AbortMultipartUpload.html)"
    ),
    "test_delete_objects_quiet_reports_nothing*": (
        f"moto lists deleted keys in Quiet mode; AWS reports errors only ({_API}API_DeleteObjects.html)"
    ),
    "test_delete_objects_quiet_still_reports_refused_keys*": (
        f"moto lists deleted keys in Quiet mode; AWS reports errors only ({_API}API_DeleteObjects.html)"
    ),
    "test_delete_objects_1001_keys_is_400_malformed_xml*": (
        f"moto accepts more than 1000 keys; AWS answers 400 MalformedXML ({_API}API_DeleteObjects.html)"
    ),
    "test_lifecycle_put_without_content_md5_is_400_invalid_request*": _MOTO_NO_BODY_DIGEST,
    "test_cors_rule_with_two_wildcards_is_400_invalid_request*": (
        f"moto takes an AllowedOrigin or AllowedHeader with two wildcards; AWS answers 400 InvalidRequest "
        f"({_GUIDE}cors.html)"
    ),
    "test_cors_put_without_content_md5_is_400_invalid_request*": _MOTO_NO_BODY_DIGEST,
    "test_bucket_tagging_put_without_content_md5_is_400_invalid_request*": _MOTO_NO_BODY_DIGEST,
    "test_delete_objects_without_content_md5_is_400_invalid_request*": (
        f"moto does not require Content-MD5 or a checksum ({_API}API_DeleteObjects.html)"
    ),
    "test_delete_objects_wrong_content_md5_is_400_bad_digest*": (
        f"moto does not verify Content-MD5 on DeleteObjects ({_API}API_DeleteObjects.html)"
    ),
    "test_get_bucket_request_payment_is_bucket_owner*": (
        f"moto's GetBucketRequestPayment answer has no Payer; AWS names the payer, BucketOwner unless "
        f"the bucket is Requester Pays ({_API}API_GetBucketRequestPayment.html)"
    ),
    **MOTO_VERSIONING_DIVERGENCES,
    **MOTO_INTERPLAY_DIVERGENCES,
    **MOTO_MULTIPART_RULES,
}

_MOTO_IDS = (
    f"moto's ListBuckets Owner ID is not the canonical ID of its ACLs, listings and upload Initiator; "
    f"AWS names one account by one canonical user ID everywhere ({_GUIDE}acl-overview.html)"
)
_MOTO_NO_ACCESS_CONTROL = (
    f"moto does not enforce ACLs, bucket policies, Object Ownership or Block Public Access "
    f"on requests; AWS does ({_GUIDE}acl-overview.html, "
    f"{_GUIDE}access-control-block-public-access.html, {_GUIDE}about-object-ownership.html)"
)
_MOTO_LIFECYCLE = (
    f"moto does not validate lifecycle rules; AWS answers 400 "
    f"({_API}API_PutBucketLifecycleConfiguration.html, {_API}API_LifecycleRule.html)"
)

# Issue 19 families (ACLs, ownership, public access block, policies, attributes, bucket config).
_MOTO_DIVERGENCES_19: Mapping[str, str] = {
    "test_put_object_canned_acl_is_kept*": _MOTO_IDS,
    "test_copy_object_canned_acl_is_kept*": _MOTO_IDS,
    "test_owner_id_is_one_64_hex_id_everywhere*": _MOTO_IDS,
    "test_multipart_initiator_and_owner_are_the_caller*": _MOTO_IDS,
    "test_listing_names_the_writer_as_owner*": _MOTO_IDS,
    "test_bucket_owner_deletes_objects_another_account_owns*": _MOTO_IDS,
    "test_version_listing_names_the_owner_not_the_requester*": _MOTO_IDS,
    "test_bucket_owner_preferred_takes_objects_written_with_full_control*": _MOTO_IDS,
    "test_bucket_owner_enforced_owns_what_another_account_writes*": _MOTO_IDS,
    "test_put_object_acl_canned_then_grant_headers_then_body*": (
        f"moto drops the Group grants of an AccessControlPolicy body ({_API}API_PutObjectAcl.html)"
    ),
    "test_put_object_canned_acl_header_not_utf8_is_400_invalid_argument*": (
        f"moto answers 500 to an x-amz-acl that is not UTF-8; AWS refuses an unknown canned ACL with "
        f"400 InvalidArgument ({_GUIDE}acl-overview.html#canned-acl)"
    ),
    "test_tagging_header_with_bytes_not_utf8_is_400_invalid_argument*": (
        f"moto stores an x-amz-tagging that is not UTF-8; AWS refuses a malformed tagging header "
        f"({_API}API_PutObject.html)"
    ),
    "test_put_object_acl_unknown_canned_is_400_invalid_argument*": (
        f"moto accepts an unknown canned ACL; AWS answers 400 InvalidArgument ({_GUIDE}acl-overview.html#canned-acl)"
    ),
    "test_put_object_acl_unknown_canonical_id_is_400_invalid_argument*": (
        f"moto answers 500 to a grant to an unknown canonical ID; AWS 400 InvalidArgument ({_API}API_PutObjectAcl.html)"
    ),
    "test_put_bucket_acl_malformed_body_is_400_malformed_acl_error*": (
        f"moto accepts a grant to an unknown group URI; AWS answers 400 ({_API}API_PutBucketAcl.html)"
    ),
    "test_expected_bucket_owner*": (
        f"moto ignores x-amz-expected-bucket-owner; AWS answers 403 on a mismatch ({_GUIDE}bucket-owner-condition.html)"
    ),
    "test_anonymous_get_of_public_read_object_in_private_bucket*": _MOTO_NO_ACCESS_CONTROL,
    "test_anonymous_get_of_missing_key_in_public_read_bucket_is_404*": _MOTO_NO_ACCESS_CONTROL,
    "test_anonymous_get_with_response_override_is_400_invalid_request*": (
        f"moto applies response-* overrides to an anonymous GET; AWS answers 400 InvalidRequest "
        f"({_API}API_GetObject.html)"
    ),
    "test_bucket_grant_by_header_lets_the_second_user_list*": _MOTO_NO_ACCESS_CONTROL,
    "test_object_grant_lets_the_second_user_read*": _MOTO_NO_ACCESS_CONTROL,
    "test_bucket_owner_cannot_read_a_private_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_nothing_on_an_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_no_tagging_on_an_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_no_delete_on_an_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_no_attributes_on_an_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_no_retention_or_legal_hold_on_an_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_no_copy_from_an_object_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_grants_nothing_on_a_version_another_account_owns*": _MOTO_NO_ACCESS_CONTROL,
    "test_the_policy_reaches_another_accounts_object_only_while_acls_are_disabled*": _MOTO_NO_ACCESS_CONTROL,
    "test_bucket_owner_preferred_policy_reaches_only_the_objects_it_took*": _MOTO_NO_ACCESS_CONTROL,
    "test_copies_need_read_on_the_source*": _MOTO_NO_ACCESS_CONTROL,
    "test_governance_bypass_needs_the_bypass_permission*": _MOTO_NO_ACCESS_CONTROL,
    "test_delete_objects_is_authorized_per_key*": _MOTO_NO_ACCESS_CONTROL,
    "test_writes_that_set_tags_or_an_acl_need_those_permissions*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_auth_type_condition_refuses_presigned_urls*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_version_other_than_2012_or_2008_is_400_malformed_policy*": (
        "moto takes a policy with any Version; AWS answers 400 MalformedPolicy "
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html)"
    ),
    "test_policy_action_that_applies_to_no_resource_is_400_malformed_policy*": (
        "moto takes a policy whose actions apply to none of its resources; AWS answers 400 MalformedPolicy "
        "(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)"
    ),
    "test_policy_signature_version_condition_refuses_sigv2*": _MOTO_NO_ACCESS_CONTROL,
    "test_missing_key_is_403_without_list_bucket*": _MOTO_NO_ACCESS_CONTROL,
    "test_reading_a_named_version_needs_get_object_version*": _MOTO_NO_ACCESS_CONTROL,
    "test_upload_part_copy_from_an_old_version*": (
        f"moto's UploadPartCopy answers without x-amz-copy-source-version-id ({_API}API_UploadPartCopy.html)"
    ),
    "test_anonymous_browser_post_into_public_read_write_bucket*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_prefix_resource_with_source_ip_condition*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_source_ip_condition_that_does_not_match_denies*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_s3_prefix_condition_on_list_bucket*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_existing_object_tag_condition*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_deny_insecure_transport*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_request_object_tag_condition_on_put*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_deny_by_canned_acl_header_applies_to_the_owner*": _MOTO_NO_ACCESS_CONTROL,
    "test_bucket_owner_enforced_refuses_acls*": _MOTO_NO_ACCESS_CONTROL,
    "test_block_public_acls_refuses_public_acls*": _MOTO_NO_ACCESS_CONTROL,
    "test_ignore_public_acls_makes_public_objects_private*": _MOTO_NO_ACCESS_CONTROL,
    "test_block_public_policy_refuses_public_policy*": _MOTO_NO_ACCESS_CONTROL,
    "test_restrict_public_buckets_ignores_public_policy*": _MOTO_NO_ACCESS_CONTROL,
    "test_policy_unknown_condition_operator_is_400_malformed_policy*": (
        f"moto does not validate bucket policy conditions; AWS answers 400 MalformedPolicy "
        f"({_API}API_PutBucketPolicy.html)"
    ),
    "test_recreated_bucket_starts_without_the_old_settings*": (
        f"moto keeps a deleted bucket's tags for a bucket created again under its name ({_API}API_DeleteBucket.html)"
    ),
    "test_bucket_owner_enforced_with_a_public_bucket_acl_is_400*": (
        f"moto creates a BucketOwnerEnforced bucket with a public ACL; AWS answers 400 "
        f"InvalidBucketAclWithObjectOwnership ({_GUIDE}object-ownership-error-responses.html)"
    ),
    "test_ownership_controls_unknown_value_is_400_malformed_xml*": (
        f"moto accepts an unknown ObjectOwnership value ({_API}API_OwnershipControlsRule.html)"
    ),
    "test_lifecycle_round_trip*": (
        f"moto drops ObjectSizeGreaterThan from an And filter ({_API}API_LifecycleRuleAndOperator.html)"
    ),
    "test_lifecycle_zero_days_is_400_invalid_argument*": _MOTO_LIFECYCLE,
    "test_lifecycle_date_not_in_the_iso_8601_timestamp_form_is_400*": _MOTO_LIFECYCLE,
    "test_lifecycle_duplicate_rule_ids_is_400_invalid_argument*": _MOTO_LIFECYCLE,
    "test_lifecycle_date_not_at_midnight_is_400_invalid_argument*": _MOTO_LIFECYCLE,
    "test_lifecycle_bad_status_is_400_malformed_xml*": _MOTO_LIFECYCLE,
    "test_bucket_tagging_51_tags_is_400_invalid_tag*": (
        f"moto accepts more than 50 bucket tags; AWS answers 400 InvalidTag ({_GUIDE}CostAllocTagging.html)"
    ),
    "test_object_attributes_unknown_attribute_is_400_invalid_argument*": (
        f"moto accepts an unknown x-amz-object-attributes name ({_API}API_GetObjectAttributes.html)"
    ),
    "test_object_attributes_parts_with_checksums_and_paging*": (
        f"moto omits ObjectParts for a multipart object ({_API}API_GetObjectAttributes.html)"
    ),
}

# Found by issue 19's deviation tests (each checked against moto 5): where moto differs from AWS.
_MOTO_DEVIATIONS_19: Mapping[str, str] = {
    **MOTO_LISTING_PARAMS,  # test_listing_params (moto_divergences_listing.py)
    **MOTO_LISTING_DEEP,  # test_listing_deep (moto_divergences_listing_deep.py)
    "test_put_object_wrong_checksum_from_boto3_is_400_bad_digest*": _NO_CHECKSUM,
    "test_upload_part_wrong_checksum_is_400_bad_digest*": _NO_CHECKSUM,
    "test_multipart_complete_with_wrong_part_checksum_is_400_invalid_part*": (
        f"moto completes with a wrong part checksum; AWS answers InvalidPart ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_multipart_complete_listing_a_checksum_the_upload_lacks_is_400*": (
        f"moto completes on a part checksum it cannot verify ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_multipart_complete_retried_after_success_answers_again*": (
        f"moto answers 500 to a retried completion; AWS answers it again ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_multipart_part_listed_twice_uses_the_last_entry*": (
        f"moto refuses a part number listed twice in a row (not out of order) ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_multipart_uploads_die_with_their_bucket*": (
        f"moto answers 500 for an upload of a deleted bucket; AWS 404 NoSuchUpload ({_API}API_DeleteBucket.html)"
    ),
    "test_expect_continue_refused_before_the_body_when_not_allowed*": (
        f"moto's server sends 100 Continue before authorizing; AWS answers the final status first "
        f"({_GUIDE}RESTRedirect.html, RFC 9110 section 10.1.1)"
    ),
    "test_complete_multipart_if_match*": (
        f"moto ignores If-Match on CompleteMultipartUpload ({_GUIDE}conditional-writes.html)"
    ),
    "test_copy_object_destination_if_*": (
        f"moto ignores If-Match / If-None-Match on CopyObject's destination ({_API}API_CopyObject.html)"
    ),
    "test_sse_c_*_over_plain_http_is_400_invalid_request*": (
        f"moto accepts SSE-C over plain HTTP; AWS refuses it ({_GUIDE}ServerSideEncryptionCustomerKeys.html)"
    ),
    "test_sse_c_over_plain_http_is_400_invalid_request*": (
        f"moto accepts SSE-C over plain HTTP; AWS refuses it ({_GUIDE}ServerSideEncryptionCustomerKeys.html)"
    ),
    "test_write_offset_is_honoured_or_refused*": (
        f"moto ignores x-amz-write-offset-bytes and replaces the object ({_API}API_PutObject.html)"
    ),
    "test_cors_preflight_without_*_is_400*": (
        f"moto answers 500/200 to a preflight without Origin or Access-Control-Request-Method, both "
        f"required ({_API}RESTOPTIONSobject.html)"
    ),
    "test_key_not_valid_utf8_in_path_is_400*": (
        f"moto answers 404 for a path that is not UTF-8; AWS 400 InvalidURI ({_API}ErrorResponses.html)"
    ),
    "test_key_raw_bytes_not_utf8_in_path_is_400*": (
        f"moto answers 404 for a path that is not UTF-8; AWS 400 InvalidURI ({_API}ErrorResponses.html)"
    ),
    "test_list_v2_empty_continuation_token_is_absent_and_echoed*": (
        f"moto refuses an empty continuation token; AWS lists from the start and echoes it "
        f"({_API}API_ListObjectsV2.html)"
    ),
    "test_list_v*_empty_parameter_is_like_absent[[]moto-max-keys]": (
        f"moto answers 500 to an empty max-keys ({_API}API_ListObjectsV2.html)"
    ),
    "test_list_prefix_with_newline_is_not_url_encoded_unasked*": (
        f"moto's router answers 404 for a key with a newline; any UTF-8 is a valid key ({_GUIDE}object-keys.html)"
    ),
    "test_list_boto3_prefix_with_newline_round_trips*": (
        f"moto's router answers 404 for a key with a newline; any UTF-8 is a valid key ({_GUIDE}object-keys.html)"
    ),
    "test_put_object_non_ascii_metadata_is_rfc2047_encoded_as_documented*": (
        f"moto returns non-ASCII metadata bytes raw; AWS RFC 2047-encodes them ({_GUIDE}UsingMetadata.html)"
    ),
    "test_put_object_rfc2047_metadata_is_decoded_then_encoded_again*": (
        f"moto does not decode RFC 2047 encoded-words before storing ({_GUIDE}UsingMetadata.html)"
    ),
    "test_put_object_non_ascii_metadata_counts_utf8_bytes_toward_2kb*": (
        f"moto does not enforce the 2 KB user-metadata limit ({_GUIDE}UsingMetadata.html)"
    ),
    "test_put_object_non_ascii_content_disposition_is_rfc2047_encoded*": (
        f"moto returns non-ASCII header bytes raw; AWS RFC 2047-encodes them ({_GUIDE}UsingMetadata.html)"
    ),
    "test_get_object_non_ascii_response_override_is_rfc2047_encoded*": (
        f"moto returns non-ASCII header text raw; AWS RFC 2047-encodes it ({_GUIDE}UsingMetadata.html)"
    ),
    "test_get_object_torrent_of_missing_data_is_404*": (
        f"moto answers ?torrent with the object itself ({_API}API_GetObjectTorrent.html)"
    ),
    "test_tagging_more_than_10_tags_is_400_invalid_tag*": (
        f"moto answers BadRequest; AWS InvalidTag for a tag set over the limit of 10 ({_API}API_PutObjectTagging.html)"
    ),
    "test_multipart_complete_checks_the_expected_object_size*": (
        f"moto ignores x-amz-mp-object-size ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_tagging_header_forms_aws_refuses*": (
        f"moto does not apply the tag rules to x-amz-tagging on PutObject ({_GUIDE}tagging-managing.html)"
    ),
    # keys XML 1.0 cannot carry (test_keys): a newline in the key never reaches moto's handler
    **{
        f"test_*_control_character_*[[]moto-{case}*": (
            f"moto's router answers 404 for a key with a newline; any UTF-8 is a valid key ({_GUIDE}object-keys.html)"
        )
        for case in ("lf", "crlf")
    },
    **{
        f"test_delete_objects_key_written_as_entity_code[[]moto-lf-{form}]": (
            f"moto's router answers 404 for a key with a newline; any UTF-8 is a valid key ({_GUIDE}object-keys.html)"
        )
        for form in ("dec", "hex")
    },
    "test_list_key_with_control_character_url_encoded[[]moto-*": (
        f"moto leaves Delimiter (and in ListObjectVersions every key) unencoded under encoding-type=url, and "
        f"writes control characters raw ({_API}API_ListObjectsV2.html, {_API}API_ListObjectVersions.html)"
    ),
    **{
        f"test_list_multipart_uploads_key_with_control_character_url_encoded[[]moto-{case}]": (
            f"moto ignores encoding-type=url in ListMultipartUploads ({_API}API_ListMultipartUploads.html)"
        )
        for case in ("soh-01", "nel-85")
    },
    "test_list_key_with_control_character_without_encoding_type[[]moto-cr-*": (
        f"moto writes a carriage return raw in listing XML, which parsers read as a line feed; XML needs "
        f"&#13; ({_GUIDE}object-keys.html)"
    ),
    **{
        f"test_delete_objects_key_written_as_entity_code[[]moto-cr-{form}]": (
            f"moto writes a carriage return raw in the DeleteObjects result, which parsers read as a line feed; "
            f"XML needs &#13; ({_GUIDE}object-keys.html)"
        )
        for form in ("dec", "hex")
    },
    # the request as a whole (test_requests): framing, the error document, metadata limits
    "test_*_without_content_length_is_411_missing_content_length*": (
        f"moto takes a PUT without Content-Length as an empty body and stores it; AWS answers 411 "
        f"MissingContentLength ({_API}ErrorResponses.html)"
    ),
    "test_put_object_refused_on_its_headers_answers_before_100_continue*": (
        f"moto's server sends 100 Continue to every request that expects it, before looking at the headers; "
        f"S3 refuses on the headers before the body is sent ({_API}RESTObjectPUT.html, Expect)"
    ),
    "test_put_object_key_over_1024_utf8_bytes_is_400_key_too_long*": (
        f"moto counts a key's characters, not its UTF-8 bytes, against the 1,024 limit ({_GUIDE}object-keys.html)"
    ),
    "test_*_shorter_than_content_length_is_400_incomplete_body*": (
        f"moto's server answers a body cut short by a half-close with an HTML 400 page, not the error document "
        f"with IncompleteBody ({_API}ErrorResponses.html)"
    ),
    "test_put_object_malformed_content_length_is_400_error_document*": (
        f"moto's server reads a malformed Content-Length as no body and stores an empty object; the message is "
        f"invalid (RFC 9110 section 8.6) and AWS answers 400 with its error document ({_API}ErrorResponses.html)"
    ),
    **{
        f"test_error_answer_is_the_documented_error_document[[]moto-{case}]": (
            f"moto's error document has no Resource element and its answers no x-amz-request-id/x-amz-id-2 "
            f"headers (it sends x-amzn-requestid) ({_API}ErrorResponses.html, {_API}RESTCommonResponseHeaders.html)"
        )
        for case in ("no-such-key", "no-such-bucket")
    },
    "test_error_answer_is_the_documented_error_document[[]moto-invalid-argument]": (
        f"moto answers 500 to ListObjects with max-keys=abc; AWS answers 400 InvalidArgument "
        f"({_API}ErrorResponses.html)"
    ),
    "test_error_answer_is_the_documented_error_document[[]moto-method-not-allowed]": (
        f"moto answers 500 to a PATCH; AWS answers 405 MethodNotAllowed ({_API}ErrorResponses.html)"
    ),
    "test_error_answer_is_the_documented_error_document[[]moto-invalid-digest]": _NO_CHECKSUM,
    **{
        f"test_error_answer_is_the_documented_error_document[[]moto-{case}]": _MOTO_NO_AUTH
        for case in ("signature-does-not-match", "anonymous")
    },
    **{
        f"{name}*": (
            f"moto's answers carry no x-amz-request-id/x-amz-id-2 headers (it sends x-amzn-requestid) "
            f"({_API}RESTCommonResponseHeaders.html)"
        )
        for name in (
            "test_error_answer_to_head_has_no_body_and_the_request_id_headers",
            "test_error_answers_have_distinct_request_ids",
        )
    },
    **{
        f"{name}*": f"moto does not enforce the 2 KB user-metadata limit ({_GUIDE}UsingMetadata.html)"
        for name in (
            "test_put_object_metadata_of_exactly_2kb_is_accepted",
            "test_create_multipart_upload_metadata_over_2kb_is_400_metadata_too_large",
            "test_copy_object_replaced_metadata_over_2kb_is_400_metadata_too_large",
        )
    },
}


MOTO_DIVERGENCES: Mapping[str, str] = {
    **_MOTO_DIVERGENCES,
    **MOTO_ACCESS,
    **_MOTO_DIVERGENCES_19,
    **_MOTO_DEVIATIONS_19,
    **MOTO_SECOND_PASS_DIVERGENCES,
    **MOTO_MULTIPART_COPY,
    **MOTO_OBJECT_READS,
    **MOTO_OBJECTS_EDGES,
    **MOTO_POLICY,
    **MOTO_POL13,
    **MOTO_BUCKET_DIVERGENCES,
    **MOTO_BUCKET_REQUESTS,
    **MOTO_CHECKSUMS,
    **MOTO_SETTLED,
    **MOTO_ATTRIBUTES,
    **MOTO_AUTH,
    **MOTO_AUTH14,
    **MOTO_POST,
    **MOTO_COPIES,
    **MOTO_EXPIRATION,
    **MOTO_REPEATED_ELEMENTS,
    **MOTO_LOCK13,
    **MOTO_TAGGING_ACL,
    **MOTO_ACL13,
    **MOTO_XML13,
    **MOTO_LOGGING,
    **MOTO_VER13,
    **MOTO_MPC14,
    **MOTO_LST14,
    **MOTO_BKT14,
    **MOTO_OBJ14,
}
