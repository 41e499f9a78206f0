"""Where moto 5 differs from AWS in the multipart rules of the suite's ``test_multipart_rules``,
``test_multipart_listing`` and cases added to ``test_multipart_completion`` (each seen failing
against moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES` (kept apart so the
tables of other families merge without conflicts); the reasons name the AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

MOTO_MULTIPART_RULES: Mapping[str, str] = {
    "test_part_one_byte_under_5_mib_is_too_small_unless_last*": (
        f"moto's EntityTooSmall names neither ProposedSize, MinSizeAllowed, PartNumber nor ETag; S3's does "
        f"({_GUIDE}qfacts.html)"
    ),
    "test_composite_upload_completion_without_a_part_checksum_is_400_invalid_request*": (
        f"moto completes a composite-checksum upload whose completion leaves out a part's checksum; AWS "
        f"answers 400 InvalidRequest ({_API}API_CompletedPart.html)"
    ),
    "test_composite_upload_completion_checks_the_object_checksum_header*": (
        f"moto neither checks the x-amz-checksum-<alg> of a composite upload's completion nor returns the "
        f"composite; AWS answers BadDigest to a wrong one ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_refused_reupload_of_a_part_keeps_the_part_it_would_replace*": (
        f"moto's UploadPart checks neither Content-MD5 nor x-amz-checksum-*, and stores the part; AWS refuses "
        f"it (400 BadDigest / InvalidDigest) ({_API}API_UploadPart.html)"
    ),
    "test_upload_id_in_another_bucket_is_404_no_such_upload*": (
        f"moto answers 500 to UploadPart naming another bucket's upload id; AWS 404 NoSuchUpload "
        f"({_API}API_UploadPart.html)"
    ),
    "test_get_part_number_not_decimal_digits_is_400_invalid_argument*": (
        f"moto answers 500 (or the object) to a partNumber that is not decimal digits; AWS answers 400 InvalidArgument "
        f"({_API}API_GetObject.html)"
    ),
    "test_complete_location_is_a_url_of_the_object*": (
        f"moto's CompleteMultipartUpload Location puts the key in unencoded (spaces, '?'); S3 answers a URL "
        f"of the object, its key encoded ({_API}API_CompleteMultipartUpload.html)"
    ),
    "test_complete_if_match_on_a_key_without_an_object_is_404_no_such_key*": (
        f"moto completes an upload with If-Match on a key that has no object; AWS answers 404 NoSuchKey "
        f"({_GUIDE}conditional-writes.html)"
    ),
    # -- test_multipart_completion (cases added here; its other divergences: moto_divergences_multipart.py)
    "test_complete_malformed_body_is_400_malformed_xml[[]moto-number-with-underscore]": (
        f"moto reads PartNumber 1_0 as a number (InvalidPart); it is no xs:int, AWS answers 400 MalformedXML "
        f"({_API}API_CompleteMultipartUpload.html)"
    ),
    # -- test_multipart_listing
    **{
        name: (
            f"moto's ListMultipartUploads ignores delimiter (no CommonPrefixes); AWS groups keys "
            f"({_API}API_ListMultipartUploads.html)"
        )
        for name in (
            "test_list_uploads_delimiter_groups_keys_into_common_prefixes*",
            "test_list_uploads_paging_across_common_prefixes_lists_each_once*",
        )
    },
    "test_list_uploads_echoes_its_parameters_and_describes_each_upload*": (
        f"moto's ListMultipartUploads echoes no KeyMarker/UploadIdMarker and names no upload's checksum "
        f"algorithm; AWS does both ({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_uploads_url_encoding_covers_prefixes_delimiter_and_markers*": (
        f"moto's ListMultipartUploads ignores encoding-type=url; AWS encodes keys, prefixes and markers "
        f"({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_uploads_max_uploads_zero_and_above_1000[[]moto-0]": (
        f"moto lists every upload for max-uploads=0 ({_API}API_ListMultipartUploads.html)"
    ),
    "test_list_parts_names_each_parts_checksum*": (
        f"moto's ListParts names neither the upload's ChecksumAlgorithm/ChecksumType nor the parts' checksums "
        f"({_API}API_ListParts.html)"
    ),
}
