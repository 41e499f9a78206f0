"""moto's divergences from AWS in the configuration documents a client PUTs (lifecycle, CORS,
versioning, ownership controls, Block Public Access) and the CompleteMultipartUpload body: the third
pass (session 13). Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_SCHEMA = f"AWS answers 400 MalformedXML for a document that does not validate ({_API}ErrorResponses.html)"

# Checked against moto 5 (session 13): it takes one of the repeated elements, stores the document
# it cannot check, or answers 500 where AWS answers 400.
MOTO_XML13: Mapping[str, str] = {
    "test_lifecycle_element_given_twice_is_400_malformed_xml[[]moto-*": (
        f"moto stores a lifecycle rule repeating an element its schema allows once, or answers 500; {_SCHEMA} "
        f"({_API}API_LifecycleRule.html)"
    ),
    "test_lifecycle_rule_with_neither_filter_nor_prefix_is_400_malformed_xml[[]moto]": (
        f"moto answers 500 to a rule with neither Filter nor Prefix; Filter is required without Prefix, so "
        f"{_SCHEMA} ({_API}API_LifecycleRule.html)"
    ),
    "test_lifecycle_prefix_beside_filter_is_400_malformed_xml[[]moto]": (
        f"moto stores a rule with both Prefix and Filter; {_SCHEMA} ({_API}API_LifecycleRule.html)"
    ),
    "test_lifecycle_expiration_with_days_and_date_is_400_malformed_xml[[]moto]": (
        f"moto stores an Expiration with both Days and Date; {_SCHEMA} ({_API}API_LifecycleExpiration.html)"
    ),
    "test_lifecycle_and_with_fewer_than_two_predicates_is_400_malformed_xml[[]moto-*": (
        f"moto stores a lifecycle And holding fewer than two predicates; And joins 'two or more predicates', and "
        f"AWS answers 400 MalformedXML ({_API}API_LifecycleRuleAndOperator.html)"
    ),
    "test_lifecycle_size_range_that_holds_no_size_is_400[[]moto-*": (
        f"moto stores a size range no object fits; AWS refuses it with 400 ({_GUIDE}intro-lifecycle-filters.html)"
    ),
    "test_lifecycle_rule_without_an_action_is_400[[]moto-*": (
        f"moto stores a rule with no action; AWS answers 400 InvalidRequest ({_API}API_LifecycleRule.html)"
    ),
    "test_lifecycle_tag_filter_with_an_action_that_cannot_have_one_is_400[[]moto-*": (
        f"moto stores AbortIncompleteMultipartUpload or ExpiredObjectDeleteMarker with a tag filter; AWS answers 400 "
        f"InvalidRequest ({_API}API_AbortIncompleteMultipartUpload.html)"
    ),
    "test_lifecycle_days_after_initiation_not_positive_is_400[[]moto-*": (
        f"moto stores a DaysAfterInitiation of 0 or less; AWS answers 400 InvalidArgument "
        f"({_API}API_AbortIncompleteMultipartUpload.html)"
    ),
    "test_lifecycle_document_that_is_no_configuration_is_400[[]moto-*": (
        f"moto answers 500 (or 200) to a body that is no LifecycleConfiguration with a Rule; {_SCHEMA} "
        f"({_API}API_PutBucketLifecycleConfiguration.html)"
    ),
    "test_cors_rule_with_two_ids_or_max_ages_is_400_malformed_xml[[]moto-*": (
        f"moto stores a CORS rule with two IDs or two MaxAgeSeconds; {_SCHEMA} ({_API}API_CORSRule.html)"
    ),
    "test_cors_document_over_64_kb_is_400[[]moto]": (
        f"moto stores a CORS document over 64 KB; 'The document is limited to 64 KB in size' "
        f"({_API}API_PutBucketCors.html)"
    ),
    "test_versioning_configuration_with_a_repeated_element_is_400[[]moto-*": (
        f"moto takes one of two Status (or MfaDelete) elements; {_SCHEMA} ({_API}API_VersioningConfiguration.html)"
    ),
    "test_ownership_controls_with_two_settings_is_400_malformed_xml[[]moto-*": (
        f"moto takes one of two ObjectOwnership settings, or answers 500 to two Rules; {_SCHEMA} "
        f"({_API}API_OwnershipControlsRule.html)"
    ),
    "test_public_access_block_with_a_repeated_switch_is_400_malformed_xml[[]moto]": (
        f"moto takes one of two BlockPublicAcls elements; {_SCHEMA} ({_API}API_PublicAccessBlockConfiguration.html)"
    ),
    "test_complete_part_with_two_numbers_or_etags_is_400_malformed_xml[[]moto-*": (
        f"moto completes with one of a Part's two PartNumbers or ETags; {_SCHEMA} ({_API}API_CompletedPart.html)"
    ),
    "test_configuration_put_with_a_checksum_of_other_bytes_is_400_bad_digest[[]moto-*": (
        "moto takes a configuration document whose x-amz-checksum-* header is of other bytes; S3 checks it as it "
        "checks Content-MD5 and answers 400 BadDigest "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html)"
    ),
    "test_delete_objects_with_a_checksum_of_other_bytes_is_400_bad_digest[[]moto]": (
        f"moto deletes on a DeleteObjects body whose x-amz-checksum-crc32 is of other bytes; AWS answers 400 "
        f"BadDigest ({_API}API_DeleteObjects.html)"
    ),
    "test_lifecycle_element_the_schema_does_not_have_is_400_malformed_xml[[]moto-*": (
        f"moto stores a lifecycle document holding an element its schema does not name, ignoring it; {_SCHEMA} "
        f"({_API}API_LifecycleRule.html)"
    ),
    "test_configuration_with_an_element_the_schema_does_not_name_is_400_malformed_xml[[]moto-*": (
        f"moto stores a CORS, versioning, Block Public Access, ownership, bucket tagging or request payment document "
        f"holding an element its schema does not name, ignoring it; {_SCHEMA}"
    ),
    **{
        f"test_configuration_body_that_is_no_such_document_is_400[[]moto-{case}]": (
            f"moto answers 500 (or 200) to a body that is no such configuration document; {_SCHEMA}"
        )
        for case in (
            "cors-empty",
            "cors-no-rule",
            "versioning-wrong-root",
            "public-access-block-empty",
            "public-access-block-wrong-root",
            "public-access-block-not-a-boolean",
            "ownership-empty",
            "ownership-wrong-root",
            "ownership-no-rule",
            "ownership-rule-without-setting",
        )
    },
    "test_configuration_put_with_a_wrong_content_md5_is_refused[[]moto-*": (
        f"moto takes a configuration document whose Content-MD5 is of other bytes; S3 checks every Content-MD5 it "
        f"is sent: 400 BadDigest ({_API}ErrorResponses.html)"
    ),
}
