"""Where moto 5 differs from AWS in multipart uploads and copies: the divergence patterns of the
suite's ``test_multipart_completion``, ``test_multipart_copy`` and ``test_copy_directives``
(each seen failing against moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES` (kept apart so that
module stays readable); the reasons name the AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_OWNER = (
    "moto ignores x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner; AWS answers 403 on a "
    f"mismatch ({_GUIDE}bucket-owner-condition.html)"
)

MOTO_MULTIPART_COPY: Mapping[str, str] = {
    # -- CompleteMultipartUpload / UploadPart / ListParts (test_multipart_completion)
    **{
        f"test_complete_malformed_body_is_400_malformed_xml[[]moto-{case}]": (
            f"moto completes (or answers 500 to) a CompleteMultipartUpload body the schema refuses; AWS answers "
            f"400 MalformedXML ({_API}API_CompleteMultipartUpload.html)"
        )
        for case in ("empty", "not-xml", "part-without-etag", "part-without-number", "number-not-an-integer")
    },
    "test_complete_checksum_upload_needs_consecutive_parts_from_1*": (
        f"moto completes an upload with checksums from parts not numbered 1..N; AWS answers 400 "
        f"InvalidPartOrder ({_API}API_CompletedPart.html)"
    ),
    "test_upload_part_number_not_an_integer_in_range_is_400_invalid_argument*": (
        f"moto answers 500 or 404 to a partNumber that is not an integer in 1..10000; AWS 400 InvalidArgument "
        f"({_API}API_UploadPart.html)"
    ),
    "test_upload_id_under_another_key_is_404_no_such_upload*": (
        f"moto takes an upload id under any key; AWS answers 404 NoSuchUpload ({_API}API_UploadPart.html)"
    ),
    "test_multipart_expected_bucket_owner_mismatch_is_403*": _OWNER,
    "test_create_multipart_checksum_type_the_algorithm_cannot_have_is_400*": (
        f"moto starts an upload for any x-amz-checksum-type / algorithm pairing; AWS refuses those it cannot "
        f"compute ({_GUIDE}checking-object-integrity.html)"
    ),
    "test_create_multipart_default_checksum_type*": (
        f"moto's CreateMultipartUpload omits x-amz-checksum-type when none was asked for "
        f"({_API}API_CreateMultipartUpload.html)"
    ),
    "test_complete_full_object_crc32_is_the_crc_of_the_whole_object*": (
        f"moto neither checks nor returns a FULL_OBJECT upload's checksum on completion "
        f"({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_complete_checksum_type_other_than_the_uploads_is_400_bad_digest*": (
        f"moto ignores x-amz-checksum-type on CompleteMultipartUpload; AWS answers BadDigest to a type other "
        f"than the upload's ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_abort_if_match_initiated_time_is_honoured_or_refused*": (
        f"moto ignores x-amz-if-match-initiated-time and aborts the upload ({_API}API_AbortMultipartUpload.html)"
    ),
    # -- UploadPartCopy (test_multipart_copy)
    "test_upload_part_copy_expected_owner_of_source_or_destination_bucket*": _OWNER,
    "test_upload_part_copy_malformed_range_is_400_invalid_argument*": (
        f"moto copies a part for an x-amz-copy-source-range not of the form bytes=first-last; AWS answers "
        f"400 InvalidArgument ({_API}API_UploadPartCopy.html)"
    ),
    **{
        f"test_upload_part_copy_source_conditions[[]moto-{case}]": (
            f"moto ignores the x-amz-copy-source-if-* conditions of UploadPartCopy ({_API}API_UploadPartCopy.html)"
        )
        for case in (
            "if-match-other",
            "if-none-match",
            "unmodified-since-past",
            "none-match-false-beats-modified-since",
        )
    },
    "test_upload_part_copy_missing_source_key_is_404_no_such_key*": (
        f"moto answers 404 without an error body (no NoSuchKey code) ({_API}API_UploadPartCopy.html)"
    ),
    "test_upload_part_copy_missing_source_version_is_404_no_such_version*": (
        f"moto answers 404 without an error body (no NoSuchVersion code) ({_API}API_UploadPartCopy.html)"
    ),
    "test_upload_part_copy_into_a_checksum_upload_reports_the_parts_checksum*": (
        f"moto's CopyPartResult and ListParts carry no part checksum for an upload with a checksum algorithm "
        f"({_API}API_CopyPartResult.html)"
    ),
    "test_upload_part_copy_from_a_delete_marker*": (
        f"moto answers 404 without an error body to a copy from a delete marker, by version id too; AWS "
        f"404 NoSuchKey and 400 ({_API}API_UploadPartCopy.html)"
    ),
    "test_upload_part_copy_part_number_out_of_range_is_400_invalid_argument*": (
        f"moto does not check UploadPartCopy's partNumber; AWS takes 1..10000 ({_API}API_UploadPartCopy.html)"
    ),
    "test_upload_part_copy_unknown_upload_is_404_no_such_upload*": (
        f"moto answers 500 for an aborted upload; AWS 404 NoSuchUpload ({_API}API_UploadPartCopy.html)"
    ),
    # -- CopyObject (test_copy_directives)
    "test_copy_object_expected_owner_of_source_or_destination_bucket*": _OWNER,
    "test_copy_object_unknown_directive_is_400_invalid_argument*": (
        f"moto copies with an x-amz-metadata-directive / x-amz-tagging-directive other than COPY or REPLACE; "
        f"AWS answers 400 InvalidArgument ({_API}API_CopyObject.html)"
    ),
    "test_copy_object_copy_source_without_a_key_is_400_invalid_argument*": (
        f"moto answers 500 (or 404) to an x-amz-copy-source without a key; AWS 400 InvalidArgument "
        f"({_API}API_CopyObject.html)"
    ),
}
