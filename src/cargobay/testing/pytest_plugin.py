"""The S3 conformance pytest plugin: endpoints, their capability table, and the fixtures.

Loaded by the ``pytest11`` entry point ``cargobay_s3`` (or ``-p cargobay.testing.pytest_plugin``),
so it is active in every pytest run of an environment where cargobay is installed. It therefore
imports nothing heavy at import time (the model is hypothesis's ``_hypothesis_pytestplugin``):
boto3, moto and the cargobay server are imported inside the fixtures that need them, and only
tests that ask for ``s3_endpoint`` are parametrised.

Options: ``--s3-endpoint`` (repeatable; ``cargobay``, the default, is an in-process server on
127.0.0.1, a free port and a temp directory; ``moto`` is moto's threaded server; anything else is
a URL), ``--s3-access-key``/``--s3-secret-key``, ``--s3-region``, ``--s3-tls-verify`` and
``--s3-lacks CAPABILITY`` (declares a gap of a third-party URL endpoint; the summary names it).

**The table.** :data:`PROFILES` declares, once per endpoint kind, its capabilities and its known
divergences from AWS. A test that needs a capability says so with
``@pytest.mark.s3_requires("multipart")``; a missing capability is a skip whose reason starts with
``capability:``. A divergence is ``xfail(strict=True)`` with the AWS documentation reason, so an
upstream fix is noticed. The ``cargobay`` profile declares every capability.
:data:`CARGOBAY_PENDING` lists the capabilities being built right now (issue 3); each is probed
against the running server and skipped only while the server answers 501 NotImplemented, so the
tests run the moment the operation exists, and the summary says what is still missing.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from cargobay.testing.servers import Endpoint

# Every capability a test may require. Families map to test modules of the suite.
ALL_CAPABILITIES = frozenset({
    "buckets",        # Create/Delete/Head/List buckets, location, versioning config, ACL
    "objects",        # Put/Get/Head/Delete object, user metadata, content headers
    "listing",        # ListObjects v1/v2: prefix, delimiter, markers, tokens, encoding-type
    "conditional",    # If-Match / If-None-Match / If-(Un)Modified-Since on reads and writes
    "copy",           # CopyObject with COPY/REPLACE and x-amz-copy-source-if-*
    "checksums",      # Content-MD5 and x-amz-checksum-* verification and checksum mode
    "delete_objects",  # DeleteObjects (multi-delete)
    "auth",           # SigV4 header auth verification (rejects wrong signatures)
    "presign",        # SigV4 presigned URLs
    "sigv2",          # SigV2 header and query auth
    "multipart",      # Create/UploadPart/Complete/Abort/ListParts/ListMultipartUploads
    "aws_chunked",    # aws-chunked request bodies (signed chunks, unsigned/signed trailers)
    "tagging",        # Put/Get/DeleteObjectTagging, x-amz-tagging on PUT
    "cors",           # Put/Get/DeleteBucketCors and preflight OPTIONS
    "tls",            # HTTPS endpoint
    "virtual_host",   # virtual-hosted-style addressing (bucket in the Host header)
    "versioning",     # Put/GetBucketVersioning, version ids, delete markers, ListObjectVersions
    "object_lock",    # Object Lock configuration, retention, legal hold, governance bypass
    "acl",            # bucket/object ACLs, ownership controls, public access block, policy conditions
    "multi_user",     # a second user (alt_client) and anonymous requests: who may do what
    "attributes",     # GetObjectAttributes
    "bucket_tagging",  # Put/Get/DeleteBucketTagging
    "lifecycle",      # Put/Get/DeleteBucketLifecycleConfiguration
})


@dataclass(frozen=True)
class EndpointProfile:
    """What one kind of endpoint can do, and where it knowingly differs from AWS."""

    name: str
    capabilities: frozenset[str]
    # fnmatch pattern over the test name (with parameter ids) -> why AWS behaves otherwise.
    divergences: Mapping[str, str] = field(default_factory=dict)

    def divergence_for(self, test_name: str) -> str | None:
        for pattern, reason in self.divergences.items():
            if fnmatch.fnmatchcase(test_name, pattern):
                return reason
        return None


# Capabilities cargobay declares but is still building (issue 3). Probed: a capability is skipped
# only while the server answers its probe with 501 NotImplemented. Empty this table when done.
# Issue 3 (multipart, aws-chunked, tagging, CORS, TLS, virtual hosts) has landed: nothing pending.
CARGOBAY_PENDING: Mapping[str, str] = {}

_MOTO_NO_AUTH = (
    "moto does not verify request signatures; AWS rejects this request "
    "(https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html)"
)

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NO_CHECKSUM = (f"moto does not verify or store x-amz-checksum-* / Content-MD5 sent as headers "
                f"({_API}API_PutObject.html)")
_CONDITIONS = (f"moto evaluates If-Match/If-None-Match lists, '*' and their precedence differently "
               f"({_GUIDE}conditional-requests.html, RFC 7232 section 6)")

# moto vs AWS on versioning and object lock (the versioning and object_lock families).
_MOTO_NO_GET_RETENTION = (f"moto 5.2.6 has no GetObjectRetention: it answers 500 ({_API}API_GetObjectRetention.html)")
_MOTO_VERSIONING_DIVERGENCES: Mapping[str, str] = {
    "test_versioning_malformed_document_is_400*": (
        f"moto accepts an unclosed VersioningConfiguration and answers 404 to a body that is not XML; AWS "
        f"answers 400 MalformedXML ({_API}API_PutBucketVersioning.html, {_API}ErrorResponses.html)"),
    "test_versioning_unknown_status_is_400*": (
        f"moto accepts a versioning Status other than Enabled/Suspended ({_API}API_VersioningConfiguration.html)"),
    "test_copy_object_from_a_delete_marker*": (
        f"moto answers 404 NoSuchVersion to a copy naming a delete marker by id; AWS answers 400 "
        f"({_API}API_CopyObject.html, x-amz-copy-source)"),
    "test_object_tagging_by_version_id*": (
        f"moto omits x-amz-version-id on PutObjectTagging ({_API}API_PutObjectTagging.html)"),
    "test_get_of_key_whose_latest_is_a_delete_marker_is_404_with_marker_header*": (
        f"moto omits x-amz-delete-marker on GET of a deleted key ({_API}API_GetObject.html)"),
    "test_get_or_head_of_a_delete_marker_by_version_id_is_405*": (
        f"moto answers GET of a delete marker by id with 404 NoSuchVersion and HEAD without Last-Modified; AWS "
        f"answers 405 MethodNotAllowed with Last-Modified ({_API}API_GetObject.html, {_API}API_HeadObject.html)"),
    "test_delete_of_the_delete_marker_restores_the_object*": (
        f"moto omits x-amz-delete-marker: true when a delete marker is deleted by id ({_API}API_DeleteObject.html)"),
    "test_delete_objects_with_version_ids*": (
        f"moto omits DeleteMarker/DeleteMarkerVersionId when DeleteObjects removes a marker by id "
        f"({_API}API_DeletedObject.html)"),
    "test_suspended_bucket_writes_and_replaces_the_null_version*": (
        f"moto drops the versions written while versioning was enabled when a suspended bucket writes the null "
        f"version ({_GUIDE}AddingObjectstoVersionSuspendedBuckets.html)"),
    "test_suspended_bucket_delete_adds_a_null_delete_marker*": (
        f"moto adds no null delete marker in a suspended bucket "
        f"({_GUIDE}DeletingObjectsfromVersioningSuspendedBuckets.html)"),
    "test_list_versions_orders_keys_then_newest_first_with_markers*": (
        f"moto lists a key's delete markers after its versions instead of newest first "
        f"({_API}API_ListObjectVersions.html)"),
    "test_list_versions_paging_with_small_max_keys_matches_the_full_listing*": (
        f"moto pages versions and delete markers separately, out of AWS order ({_API}API_ListObjectVersions.html)"),
    "test_list_versions_key_marker_alone_skips_every_version_of_that_key*": (
        f"moto's key-marker alone does not start after that key ({_API}API_ListObjectVersions.html)"),
    "test_list_versions_version_id_marker_without_key_marker_is_400*": (
        f"moto accepts version-id-marker without key-marker; AWS answers 400 InvalidArgument "
        f"({_API}API_ListObjectVersions.html)"),
    "test_list_versions_encoding_type_url*": (
        f"moto ignores encoding-type=url in ListObjectVersions ({_API}API_ListObjectVersions.html)"),
    # object lock
    "test_put_object_lock_configuration_default_retention_round_trip*": (
        f"moto returns Years 0 beside Days (and Days 0 beside Years); AWS returns the one period that was set "
        f"({_API}API_DefaultRetention.html)"),
    **{f"test_put_object_lock_configuration_invalid_is_400[[]moto-{case}]": (
        f"moto accepts this invalid Object Lock configuration ({_API}API_DefaultRetention.html, "
        f"{_API}API_ObjectLockConfiguration.html)")
       for case in ("zero-days", "negative-days", "bad-mode", "no-period", "disabled")},
    "test_put_object_lock_configuration_invalid_is_400[[]moto-unclosed]": (
        f"moto answers MissingRequestBodyError to an unclosed document; AWS answers MalformedXML "
        f"({_API}ErrorResponses.html)"),
    "test_put_object_lock_configuration_on_unversioned_bucket_is_409_invalid_bucket_state*": (
        f"moto answers InvalidBucketState with status 400; AWS's InvalidBucketState is 409 "
        f"({_API}ErrorResponses.html)"),
    "test_suspending_versioning_of_a_lock_bucket_is_409_invalid_bucket_state*": (
        f"moto lets a bucket with Object Lock suspend versioning ({_GUIDE}object-lock-configure.html)"),
    "test_object_retention_put_and_get*": _MOTO_NO_GET_RETENTION,
    "test_object_retention_without_one_is_404_no_such_object_lock_configuration*": _MOTO_NO_GET_RETENTION,
    "test_get_object_retention_on_a_bucket_without_lock_is_400_invalid_request*": _MOTO_NO_GET_RETENTION,
    "test_object_retention_in_the_past_is_400_invalid_argument*": (
        f"moto accepts a retain-until date in the past ({_GUIDE}object-lock-overview.html)"),
    "test_legal_hold_put_and_get*": (
        f"moto answers GetObjectLegalHold of a version without a hold with an empty LegalHold (no Status, no "
        f"error) ({_API}API_GetObjectLegalHold.html)"),
    "test_put_object_lock_mode_without_date_is_400_invalid_argument*": (
        f"moto accepts x-amz-object-lock-mode without x-amz-object-lock-retain-until-date ({_API}API_PutObject.html)"),
    "test_copy_object_with_lock_headers*": (
        f"moto demands Content-MD5 on a CopyObject with lock headers; CopyObject has no body and no checksum "
        f"member ({_API}API_CopyObject.html)"),
    "test_multipart_upload_with_lock_headers*": (
        f"moto ignores x-amz-object-lock-* on CreateMultipartUpload ({_API}API_CreateMultipartUpload.html)"),
    "test_compliance_retention_can_be_extended_but_not_shortened_or_changed*": (
        f"moto lets a COMPLIANCE retention be shortened or changed to GOVERNANCE "
        f"({_GUIDE}object-lock-overview.html)"),
    "test_governance_retention_shortened_only_with_bypass*": (
        f"moto lets a GOVERNANCE retention be shortened without x-amz-bypass-governance-retention "
        f"({_GUIDE}object-lock-overview.html)"),
    "test_delete_objects_reports_locked_versions_per_key*": (
        f"moto's DeleteObjects errors omit the VersionId of the refused version ({_API}API_Error.html)"),
}

# moto vs AWS, each with the AWS documentation that says what AWS does. xfail(strict=True): a
# moto release that fixes one turns the run red, and the line is removed.
_MOTO_DIVERGENCES: Mapping[str, str] = {
    "test_sigv4_rejects_*": _MOTO_NO_AUTH,
    "test_presigned_rejects_*": _MOTO_NO_AUTH,
    "test_sigv2_rejects_*": _MOTO_NO_AUTH,
    "test_aws_chunked_rejects_bad_chunk_signature*": _MOTO_NO_AUTH,
    **{f"test_create_bucket_invalid_name_is_400_invalid_bucket_name[[]moto-{case}]": (
        f"moto accepts this bucket name; AWS refuses it ({_GUIDE}bucketnamingrules.html)")
       for case in ("uppercase", "underscore", "leading-dash", "trailing-dash", "ip-address", "double-dot",
                    "xn-prefix", "bang")},
    "test_create_bucket_foreign_location_constraint_is_400*": (
        f"moto creates the bucket; AWS answers IllegalLocationConstraintException ({_API}API_CreateBucket.html)"),
    "test_put_object_metadata_over_2kb_is_400_metadata_too_large*": (
        f"moto does not enforce the 2 KB user-metadata limit ({_GUIDE}UsingMetadata.html)"),
    "test_put_object_key_over_1024_bytes_is_400_key_too_long*": (
        f"moto does not enforce the 1024-byte key limit ({_GUIDE}object-keys.html)"),
    "test_key_1024_bytes_is_the_limit*": f"moto does not enforce the 1024-byte key limit ({_GUIDE}object-keys.html)",
    "test_get_object_invalid_or_multi_range_is_ignored_200_whole[[]moto-other-unit*": (
        f"moto honours a Range in another unit; AWS ignores it (only 'bytes', {_API}API_GetObject.html)"),
    "test_key_round_trips_and_lists_exactly[[]moto-newline*": (
        f"moto's router answers 404 for a key with a newline; any UTF-8 is a valid key ({_GUIDE}object-keys.html)"),
    "test_list_v1_without_delimiter_has_no_next_marker*": (
        f"moto sends NextMarker without a delimiter; AWS only with one ({_API}API_ListObjects.html)"),
    "test_list_v1_with_delimiter_truncated_has_next_marker*": (
        f"moto's NextMarker is opaque; AWS's is the last key or prefix returned ({_API}API_ListObjects.html)"),
    "test_list_v1_echoes_marker*": f"moto omits Marker in the response ({_API}API_ListObjects.html)",
    "test_list_v2_echoes_continuation_token*": (
        f"moto omits ContinuationToken in the response ({_API}API_ListObjectsV2.html)"),
    "test_list_invalid_continuation_token_is_400_invalid_argument*": (
        f"moto accepts a malformed continuation token; AWS answers 400 InvalidArgument ({_API}API_ListObjectsV2.html)"),
    "test_list_negative_max_keys_is_400_invalid_argument*": (
        f"moto answers 500 to max-keys=-1; AWS answers 400 InvalidArgument ({_API}API_ListObjectsV2.html)"),
    "test_put_object_wrong_content_md5*": _NO_CHECKSUM,
    "test_put_object_malformed_content_md5*": _NO_CHECKSUM,
    "test_put_object_wrong_checksum_is_400_bad_digest*": _NO_CHECKSUM,
    "test_put_object_checksum_header_is_verified_and_returned*": _NO_CHECKSUM,
    "test_failed_put_keeps_old_object*": _NO_CHECKSUM,
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
        f"moto ignores x-amz-copy-source-if-match ({_API}API_CopyObject.html)"),
    "test_copy_object_source_conditions[[]moto-modified-since-future*": (
        f"moto ignores x-amz-copy-source-if-modified-since ({_API}API_CopyObject.html)"),
    "test_copy_object_source_conditions[[]moto-unmodified-since-past*": (
        f"moto ignores x-amz-copy-source-if-unmodified-since ({_API}API_CopyObject.html)"),
    "test_aws_chunked_unsigned_payload_trailer*": (
        f"moto does not store the trailing checksum of an aws-chunked body ({_API}sigv4-streaming.html)"),
    "test_aws_chunked_wrong_trailer_checksum_is_400_bad_digest*": (
        f"moto does not verify the trailing checksum of an aws-chunked body ({_API}sigv4-streaming.html)"),
    "test_multipart_part_number_out_of_range_is_400_invalid_argument[[]moto-zero]": (
        f"moto accepts part number 0; AWS takes 1..10000 ({_API}API_UploadPart.html)"),
    "test_multipart_parts_out_of_order_is_400_invalid_part_order*": (
        f"moto completes parts listed in descending order; AWS answers InvalidPartOrder "
        f"({_API}API_CompleteMultipartUpload.html)"),
    "test_multipart_unknown_upload_id_is_404_no_such_upload*": (
        f"moto answers 500 for an unknown upload id; AWS 404 NoSuchUpload ({_API}API_UploadPart.html)"),
    "test_multipart_abort_then_no_such_upload*": (
        f"moto answers 500 after an abort; AWS 404 NoSuchUpload ({_API}API_AbortMultipartUpload.html)"),
    "test_delete_objects_quiet_reports_nothing*": (
        f"moto lists deleted keys in Quiet mode; AWS reports errors only ({_API}API_DeleteObjects.html)"),
    "test_delete_objects_1001_keys_is_400_malformed_xml*": (
        f"moto accepts more than 1000 keys; AWS answers 400 MalformedXML ({_API}API_DeleteObjects.html)"),
    "test_delete_objects_without_content_md5_is_400_invalid_request*": (
        f"moto does not require Content-MD5 or a checksum ({_API}API_DeleteObjects.html)"),
    "test_delete_objects_wrong_content_md5_is_400_bad_digest*": (
        f"moto does not verify Content-MD5 on DeleteObjects ({_API}API_DeleteObjects.html)"),
    **_MOTO_VERSIONING_DIVERGENCES,
}

_MOTO_IDS = (f"moto's ListBuckets Owner ID is not the canonical ID of its ACLs, listings and upload Initiator; "
             f"AWS names one account by one canonical user ID everywhere ({_GUIDE}acl-overview.html)")
_MOTO_NO_ACCESS_CONTROL = (f"moto does not enforce ACLs, bucket policies, Object Ownership or Block Public Access "
                           f"on requests; AWS does ({_GUIDE}acl-overview.html, "
                           f"{_GUIDE}access-control-block-public-access.html, {_GUIDE}about-object-ownership.html)")
_MOTO_LIFECYCLE = (f"moto does not validate lifecycle rules; AWS answers 400 "
                   f"({_API}API_PutBucketLifecycleConfiguration.html, {_API}API_LifecycleRule.html)")

# Issue 19 families (ACLs, ownership, public access block, policies, attributes, bucket config).
_MOTO_DIVERGENCES_19: Mapping[str, str] = {
    "test_put_object_canned_acl_is_kept*": _MOTO_IDS,
    "test_copy_object_canned_acl_is_kept*": _MOTO_IDS,
    "test_owner_id_is_one_64_hex_id_everywhere*": _MOTO_IDS,
    "test_multipart_initiator_and_owner_are_the_caller*": _MOTO_IDS,
    "test_listing_names_the_writer_as_owner*": _MOTO_IDS,
    "test_put_object_acl_canned_then_grant_headers_then_body*": (
        f"moto drops the Group grants of an AccessControlPolicy body ({_API}API_PutObjectAcl.html)"),
    "test_put_object_acl_unknown_canned_is_400_invalid_argument*": (
        f"moto accepts an unknown canned ACL; AWS answers 400 InvalidArgument ({_GUIDE}acl-overview.html#canned-acl)"),
    "test_put_object_acl_unknown_canonical_id_is_400_invalid_argument*": (
        f"moto answers 500 to a grant to an unknown canonical ID; AWS 400 InvalidArgument "
        f"({_API}API_PutObjectAcl.html)"),
    "test_put_bucket_acl_malformed_body_is_400_malformed_acl_error*": (
        f"moto accepts a grant to an unknown group URI; AWS answers 400 ({_API}API_PutBucketAcl.html)"),
    "test_expected_bucket_owner*": (
        f"moto ignores x-amz-expected-bucket-owner; AWS answers 403 on a mismatch "
        f"({_GUIDE}bucket-owner-condition.html)"),
    "test_anonymous_get_of_public_read_object_in_private_bucket*": _MOTO_NO_ACCESS_CONTROL,
    "test_bucket_grant_by_header_lets_the_second_user_list*": _MOTO_NO_ACCESS_CONTROL,
    "test_object_grant_lets_the_second_user_read*": _MOTO_NO_ACCESS_CONTROL,
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
        f"({_API}API_PutBucketPolicy.html)"),
    "test_recreated_bucket_starts_without_the_old_settings*": (
        f"moto keeps a deleted bucket's tags for a bucket created again under its name ({_API}API_DeleteBucket.html)"),
    "test_ownership_controls_unknown_value_is_400_malformed_xml*": (
        f"moto accepts an unknown ObjectOwnership value ({_API}API_OwnershipControlsRule.html)"),
    "test_lifecycle_round_trip*": (
        f"moto drops ObjectSizeGreaterThan from an And filter ({_API}API_LifecycleRuleAndOperator.html)"),
    "test_lifecycle_zero_days_is_400_invalid_argument*": _MOTO_LIFECYCLE,
    "test_lifecycle_duplicate_rule_ids_is_400_invalid_argument*": _MOTO_LIFECYCLE,
    "test_lifecycle_date_not_at_midnight_is_400_invalid_argument*": _MOTO_LIFECYCLE,
    "test_lifecycle_bad_status_is_400_malformed_xml*": _MOTO_LIFECYCLE,
    "test_bucket_tagging_51_tags_is_400_invalid_tag*": (
        f"moto accepts more than 50 bucket tags; AWS answers 400 InvalidTag ({_GUIDE}CostAllocTagging.html)"),
    "test_object_attributes_unknown_attribute_is_400_invalid_argument*": (
        f"moto accepts an unknown x-amz-object-attributes name ({_API}API_GetObjectAttributes.html)"),
    "test_object_attributes_parts_with_checksums_and_paging*": (
        f"moto omits ObjectParts for a multipart object ({_API}API_GetObjectAttributes.html)"),
}

PROFILES: Mapping[str, EndpointProfile] = {
    "cargobay": EndpointProfile("cargobay", ALL_CAPABILITIES),
    "moto": EndpointProfile(
        "moto",
        ALL_CAPABILITIES - {"tls", "virtual_host"},
        divergences={**_MOTO_DIVERGENCES, **_MOTO_DIVERGENCES_19},
    ),
    # A URL endpoint is judged against AWS: everything, unless --s3-lacks declares a gap.
    "url": EndpointProfile("url", ALL_CAPABILITIES),
}


@dataclass(frozen=True)
class EndpointSpec:
    """One ``--s3-endpoint`` value, resolved: its id, its profile and how to reach it."""

    id: str
    kind: str  # "cargobay" | "moto" | "url"
    url: str | None
    profile: EndpointProfile
    lacks: frozenset[str] = frozenset()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cargobay-s3", "S3 conformance (cargobay)")
    group.addoption("--s3-endpoint", action="append", default=[], metavar="URL",
                    help="endpoint to test (repeatable): 'cargobay' (default, in-process), 'moto', or a URL")
    group.addoption("--s3-access-key", default=None, help="access key for URL endpoints (default: $AWS_ACCESS_KEY_ID)")
    group.addoption("--s3-secret-key", default=None,
                    help="secret key for URL endpoints (default: $AWS_SECRET_ACCESS_KEY)")
    group.addoption("--s3-alt-access-key", default=None,
                    help="a second user's access key for URL endpoints (multi-user tests; without it they are skipped)")
    group.addoption("--s3-alt-secret-key", default=None, help="the second user's secret key")
    group.addoption("--s3-region", default="us-east-1", help="region for URL endpoints (default us-east-1)")
    group.addoption("--s3-tls-verify", default="true",
                    help="for https URL endpoints: 'true', 'false', or a CA bundle path")
    group.addoption("--s3-clients", action="store_true", default=False,
                    help="also run the real-client tests (marker 's3_clients'; "
                         "also CARGOBAY_S3_CLIENTS=1 or -m s3_clients)")
    group.addoption("--s3-lacks", action="append", default=[], metavar="CAPABILITY",
                    help="declare a capability a third-party URL endpoint lacks (skipped, named in the summary)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "s3_requires(*capabilities): the S3 capabilities a conformance test needs")
    config.addinivalue_line("markers", "s3_family(name): the operation family a conformance test belongs to")
    config.addinivalue_line("markers", "s3_clients: conformance tests driving real third-party S3 clients (opt-in)")
    config.addinivalue_line("markers", "s3_differential: stateful differential test (target vs references)")


def endpoint_specs(config: pytest.Config) -> list[EndpointSpec]:
    values: list[str] = config.getoption("s3_endpoint") or ["cargobay"]
    lacks = frozenset(config.getoption("s3_lacks") or ())
    unknown = lacks - ALL_CAPABILITIES
    if unknown:
        raise pytest.UsageError(
            f"--s3-lacks: unknown capabilities {sorted(unknown)}; known: {sorted(ALL_CAPABILITIES)}")
    specs: list[EndpointSpec] = []
    for value in values:
        if value in ("cargobay", "moto"):
            if lacks and value == "cargobay":
                raise pytest.UsageError(
                    "--s3-lacks declares gaps of third-party endpoints only; cargobay lacks nothing")
            specs.append(EndpointSpec(value, value, None, PROFILES[value]))
        elif value.startswith(("http://", "https://")):
            no_alt = frozenset() if config.getoption("s3_alt_access_key") else frozenset({"multi_user"})
            specs.append(EndpointSpec(value.split("://", 1)[1].rstrip("/"), "url", value.rstrip("/"),
                                      PROFILES["url"], lacks | no_alt))
        else:
            raise pytest.UsageError(f"--s3-endpoint {value!r}: expected 'cargobay', 'moto' or an http(s):// URL")
    return specs


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "s3_endpoint" in metafunc.fixturenames:
        specs = endpoint_specs(metafunc.config)
        metafunc.parametrize("s3_endpoint", specs, indirect=True, scope="session", ids=[s.id for s in specs])


def _spec_of(item: pytest.Item) -> EndpointSpec | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    spec = callspec.params.get("s3_endpoint")
    return spec if isinstance(spec, EndpointSpec) else None


def required_capabilities(item: pytest.Item) -> set[str]:
    needed: set[str] = set()
    for mark in item.iter_markers("s3_requires"):
        needed.update(mark.args)
    return needed


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply the table: skip what a profile lacks, xfail(strict) what it declares divergent.

    Real-client tests are opt-in: deselected unless ``--s3-clients``, ``CARGOBAY_S3_CLIENTS=1`` (CI sets it)
    or a ``-m`` expression is given."""
    wanted = config.getoption("s3_clients") or os.environ.get("CARGOBAY_S3_CLIENTS") == "1"
    if not wanted and not config.getoption("markexpr"):
        chosen = [item for item in items if item.get_closest_marker("s3_clients") is None]
        if len(chosen) != len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
            items[:] = chosen
    for item in items:
        spec = _spec_of(item)
        if spec is None:
            continue
        needed = required_capabilities(item)
        unknown = needed - ALL_CAPABILITIES
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown capability {sorted(unknown)}")
        missing = sorted((needed - spec.profile.capabilities) | (needed & spec.lacks))
        if missing:
            item.add_marker(pytest.mark.skip(
                reason=f"capability: {spec.id} lacks {', '.join(missing)} (declared in the endpoint table)"))
            continue
        reason = spec.profile.divergence_for(item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"divergence: {spec.id}: {reason}"))


# -- running endpoints ---------------------------------------------------------------------------


class S3Target:
    """A running endpoint under test: how to reach it, what it can do, run-unique bucket names."""

    def __init__(self, spec: EndpointSpec, endpoint: Endpoint, *, tls_verify: bool | str = True,
                 server: Any = None, alt: Endpoint | None = None) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.alt = alt  # a second user of the endpoint (multi-user tests), when there is one
        self.tls_verify = tls_verify
        self.server = server  # the in-process server object, when there is one
        self.run_id = "cbt" + uuid.uuid4().hex[:10]
        self._names = itertools.count()
        self._client: Any = None
        self._pending: dict[str, str] | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def capabilities(self) -> frozenset[str]:
        return self.spec.profile.capabilities - self.spec.lacks

    def client(self, **config: Any) -> Any:
        """A boto3 client (path style, no retries). Without options, one shared client."""
        if not config and self._client is not None:
            return self._client
        import boto3
        from botocore.config import Config

        options: dict[str, Any] = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1},
                                   "connect_timeout": 10, "read_timeout": 60}
        options.update(config)
        made = boto3.client(
            "s3", endpoint_url=self.endpoint.url, aws_access_key_id=self.endpoint.access_key,
            aws_secret_access_key=self.endpoint.secret_key, region_name=self.endpoint.region,
            config=Config(**options), verify=self.tls_verify,
        )
        if not config:
            self._client = made
        return made

    def alt_client(self) -> Any:
        """A boto3 client signed as the second user (capability ``multi_user``)."""
        assert self.alt is not None, "this endpoint has no second user (capability multi_user)"
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.alt.url, aws_access_key_id=self.alt.access_key,
            aws_secret_access_key=self.alt.secret_key, region_name=self.alt.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}), verify=self.tls_verify,
        )

    def anonymous_client(self) -> Any:
        """A boto3 client that sends unsigned (anonymous) requests."""
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.endpoint.url, region_name=self.endpoint.region,
            config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            verify=self.tls_verify,
        )

    def new_bucket_name(self, hint: str = "") -> str:
        """A run-unique bucket name (≤ 63 chars) starting with this run's prefix."""
        slug = "".join(c for c in hint.lower() if c.isalnum())[:20]
        name = f"{self.run_id}-{next(self._names)}" + (f"-{slug}" if slug else "")
        return name[:63].rstrip("-")

    def pending(self) -> dict[str, str]:
        """Capabilities cargobay still lacks (probed once): capability -> reason."""
        if self._pending is None:
            self._pending = {}
            if self.spec.kind == "cargobay":
                from cargobay.testing.conformance_suite import _probes

                for capability, reason in CARGOBAY_PENDING.items():
                    if not _probes.available(capability, self):
                        self._pending[capability] = reason
        return self._pending

    def empty_and_delete(self, bucket: str) -> None:
        """Delete every object, abort every multipart upload, then the bucket. A bucket that is
        already gone is fine; any other failure is raised (a cleanup that hides errors hides bugs)."""
        from botocore.exceptions import ClientError

        client = self.client()
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return
            raise
        if "multipart" in self.capabilities and "multipart" not in self.pending():
            for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
                for upload in page.get("Uploads", []):
                    client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            for start in range(0, len(keys), 1000):
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys[start:start + 1000], "Quiet": True})
        client.delete_bucket(Bucket=bucket)

    def nuke_run_buckets(self) -> None:
        """Remove every bucket carrying this run's prefix (ceph's nuke_prefixed_buckets)."""
        for info in self.client().list_buckets().get("Buckets", []):
            if info["Name"].startswith(self.run_id + "-"):
                self.empty_and_delete(info["Name"])


def _tls_verify(config: pytest.Config) -> bool | str:
    value = str(config.getoption("s3_tls_verify"))
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    return value


@pytest.fixture(scope="session")
def s3_endpoint(request: pytest.FixtureRequest) -> Iterator[S3Target]:
    """The endpoint under test (parametrised over every ``--s3-endpoint``), started if needed."""
    spec: EndpointSpec = request.param
    from cargobay.testing.servers import Endpoint, InProcessServer, MotoServer

    server: Any
    if spec.kind == "cargobay":
        from cargobay.testing.conformance_suite._probes import config_has
        from cargobay.testing.servers import new_credentials

        # Two users (the second for multi-user tests); virtual-hosted style needs a domain:
        # <bucket>.localhost resolves to 127.0.0.1.
        (main_key, main_secret), (alt_key, alt_secret) = new_credentials(), new_credentials()
        options: dict[str, Any] = {"credentials": {main_key: main_secret, alt_key: alt_secret},
                                   "users": {main_key: "conformance", alt_key: "conformance-alt"},
                                   "default_owner": "conformance"}
        if config_has("domain"):
            options["domain"] = "localhost"
        server = InProcessServer(**options).start()
        url = server.endpoint.url
        target = S3Target(spec, server.endpoint, server=server,
                          alt=Endpoint(url, alt_key, alt_secret, server.endpoint.region))
    elif spec.kind == "moto":
        server = MotoServer().start()
        # moto keeps one account per access key id (12-digit keys name the account).
        target = S3Target(spec, server.endpoint, server=server,
                          alt=Endpoint(server.endpoint.url, "222222222222", "testing", server.endpoint.region))
    else:
        config = request.config
        access = config.getoption("s3_access_key") or os.environ.get("AWS_ACCESS_KEY_ID", "")
        secret = config.getoption("s3_secret_key") or os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        if not access or not secret:
            raise pytest.UsageError(f"{spec.url}: give --s3-access-key/--s3-secret-key (or AWS_* variables)")
        assert spec.url is not None
        server = None
        alt_key = config.getoption("s3_alt_access_key")
        alt = (Endpoint(spec.url, alt_key, config.getoption("s3_alt_secret_key") or "", config.getoption("s3_region"))
               if alt_key else None)
        target = S3Target(spec, Endpoint(spec.url, access, secret, config.getoption("s3_region")),
                          tls_verify=_tls_verify(config), alt=alt)
    try:
        yield target
        target.nuke_run_buckets()
    finally:
        if server is not None:
            server.stop()


@pytest.fixture(autouse=True)
def _s3_capability_gate(request: pytest.FixtureRequest) -> None:
    """Skip a test whose capability cargobay is still building (probed; see CARGOBAY_PENDING)."""
    if "s3_endpoint" not in request.fixturenames:
        return
    needed = required_capabilities(request.node)
    if not needed:
        return
    target: S3Target = request.getfixturevalue("s3_endpoint")
    pending = {cap: why for cap, why in target.pending().items() if cap in needed}
    if pending:
        pytest.skip("capability: cargobay lacks " + "; ".join(f"{cap} ({why})" for cap, why in sorted(pending.items())))


@pytest.fixture
def s3(s3_endpoint: S3Target) -> Any:
    """The shared boto3 client of the endpoint under test."""
    return s3_endpoint.client()


@pytest.fixture
def bucket(s3_endpoint: S3Target) -> Iterator[str]:
    """A fresh, empty, run-unique bucket, removed with its contents after the test."""
    name = s3_endpoint.new_bucket_name()
    s3_endpoint.client().create_bucket(Bucket=name)
    yield name
    s3_endpoint.empty_and_delete(name)


@pytest.fixture
def new_bucket_name(s3_endpoint: S3Target) -> Iterator[Callable[[str], str]]:
    """Run-unique names for buckets a test creates itself; whatever exists at the end is removed."""
    made: list[str] = []

    def make(hint: str = "") -> str:
        made.append(s3_endpoint.new_bucket_name(hint))
        return made[-1]

    yield make
    for name in made:
        s3_endpoint.empty_and_delete(name)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Name every declared gap and pending capability, so a green run never hides one."""
    try:
        specs = endpoint_specs(config)
    except pytest.UsageError:
        return
    if not any(item for item in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
               if "s3_endpoint" in getattr(item, "keywords", {}) or "[" in getattr(item, "nodeid", "")):
        return
    lines = []
    for spec in specs:
        gaps = sorted((ALL_CAPABILITIES - spec.profile.capabilities) | spec.lacks)
        if gaps:
            lines.append(f"{spec.id}: declared gaps (skipped): {', '.join(gaps)}")
        if spec.profile.divergences:
            lines.append(f"{spec.id}: declared divergences (xfail strict): {len(spec.profile.divergences)} patterns")
    if lines:
        terminalreporter.write_sep("-", "S3 endpoint table")
        for line in lines:
            terminalreporter.write_line(line)
