"""moto's divergences from AWS found while settling what the AWS pages left open (``test_settled`` and
the settled tests added to other families): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`. Each names the evidence of what AWS answers."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"

MOTO_SETTLED: Mapping[str, str] = {
    "test_list_max_keys_above_1000_is_echoed_and_a_page_holds_1000[[]moto-*": (
        f"moto returns every key when max-keys is above 1,000; AWS returns at most 1,000 "
        f"({_API}API_ListObjectsV2.html: 'up to 1,000'; goamz/goamz#76 shows real S3 truncating at 1,000)"
    ),
    "test_put_with_transfer_encoding_chunked_is_501_not_implemented[[]moto-*": (
        f"moto stores a body framed by Transfer-Encoding: chunked alone; S3 answers 501 NotImplemented naming "
        f"the header ({_API}ErrorResponses.html; real S3's answer quoted in JuliaWeb/HTTP.jl#98)"
    ),
    "test_empty_authorization_header_is_403_access_denied[[]moto-*": (
        f"moto does not authenticate requests; S3 takes an empty Authorization header as anonymous and answers "
        f"403 AccessDenied on a private resource ({_API}ErrorResponses.html; storj/edge#142)"
    ),
    "test_put_acl_with_a_canned_acl_header_and_a_body_is_400_unexpected_content[[]moto-*": (
        f"moto takes an ACL given by both a header and a body; S3 answers 400 UnexpectedContent "
        f"({_API}API_PutObjectAcl.html; minio/minio-java#253 quotes S3's error)"
    ),
    "test_private_canned_acl_under_bucket_owner_enforced_is_400[[]moto-*": (
        f"moto takes x-amz-acl: private under BucketOwnerEnforced; S3 answers 400 AccessControlListNotSupported "
        f"({_API}API_OwnershipControlsRule.html; hashicorp/terraform-provider-aws#34079)"
    ),
    "test_object_lock_put_without_a_digest_is_400_invalid_request[[]moto-*": (
        f"moto takes (or answers otherwise to) an object lock PUT without Content-MD5 or x-amz-checksum-*; S3 "
        f"answers 400 InvalidRequest ({_API}API_PutObjectLockConfiguration.html; versity/versitygw#1301, #1311)"
    ),
    "test_part_number_one_of_an_empty_object_is_200_without_content_range[[]moto-*": (
        f"moto answers 206 without Content-Range to partNumber=1 of an empty object; S3 answers 200 with no "
        f"range ({_API}API_GetObject.html; aws/aws-sdk-net#4477)"
    ),
    "test_part_number_read_of_a_full_object_upload[[]moto-1]": (
        f"moto gives no checksum to a part read of a one-part FULL_OBJECT upload; S3 gives the part's, equal to "
        f"the object's ({_API}API_GetObject.html; localstack/localstack#12842)"
    ),
    "test_delete_object_if_match_of_a_missing_key_is_404_no_such_key[[]moto-star]": (
        f"moto deletes nothing and answers 204 to If-Match: * on a missing key; S3 answers 404 NoSuchKey "
        f"({_API}API_DeleteObject.html; ministackorg/ministack#1458 tested live S3)"
    ),
    "test_cors_expose_header_with_a_wildcard_is_400_invalid_request[[]moto-*": (
        f"moto stores an ExposeHeader holding '*'; S3 answers 400 InvalidRequest ({_API}API_CORSRule.html; "
        f"noobaa/noobaa-core#8954)"
    ),
}
