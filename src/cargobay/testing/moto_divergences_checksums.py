"""Where moto 5 differs from AWS in checksums as current SDKs use them: the divergence patterns of the
suite's ``test_checksums_wire`` and ``test_checksums_reads`` (each seen failing against moto, and
passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
_NO_SDK_CHECK = (
    "moto does not check x-amz-sdk-checksum-algorithm against the checksum sent; AWS answers 400 without one "
    f"and BadDigest for one of another algorithm ({_API}API_PutObject.html)"
)
_NO_TRAILER_CHECK = (
    f"moto does not verify the trailing checksum of an aws-chunked body ({_API}sigv4-streaming-trailers.html)"
)
_NO_TYPE = (
    "moto sends no x-amz-checksum-type with the checksum of a GET in checksum mode "
    f"({_API}API_GetObject.html, {_GUIDE}checking-object-integrity.html)"
)

MOTO_CHECKSUMS: Mapping[str, str] = {
    # -- test_checksums_wire
    "test_sdk_checksum_algorithm_without_its_checksum_is_400*": _NO_SDK_CHECK,
    "test_sdk_checksum_algorithm_other_than_the_checksum_header_is_400_bad_digest*": _NO_SDK_CHECK,
    "test_sdk_checksum_algorithm_other_than_the_trailer_is_400_bad_digest*": _NO_SDK_CHECK,
    "test_malformed_checksum_headers_are_400_invalid_request*": (
        "moto stores an object sent with two checksums, a checksum that is not base64 or an unknown "
        f"x-amz-sdk-checksum-algorithm ({_API}API_PutObject.html)"
    ),
    "test_unsigned_trailer_of_each_algorithm_is_verified_and_kept*": _NO_TYPE,
    "test_wrong_trailer_checksum_is_400_bad_digest*": _NO_TRAILER_CHECK,
    "test_signed_trailer_of_each_algorithm_is_kept*": (
        f"moto does not keep the checksum of a signed aws-chunked trailer ({_API}sigv4-streaming-trailers.html)"
    ),
    "test_trailer_announced_but_not_sent_is_400*": (
        f"moto stores a body whose announced checksum trailer never came ({_API}sigv4-streaming-trailers.html)"
    ),
    "test_decoded_content_length_other_than_the_payload_is_400*": (
        "moto stores an aws-chunked body that decodes to another length than its x-amz-decoded-content-length "
        f"({_API}sigv4-streaming.html, {_API}ErrorResponses.html: IncompleteBody)"
    ),
    "test_upload_part_checksum_of_another_algorithm_than_the_upload_is_400*": (
        "moto stores a part whose checksum algorithm is not its upload's; AWS refuses it "
        f"({_API}API_UploadPart.html, x-amz-sdk-checksum-algorithm)"
    ),
    "test_upload_part_with_a_crc64nvme_trailer_completes_a_full_object_upload*": (
        "moto gives a CRC64NVME upload no full-object checksum at completion "
        f"({_GUIDE}checking-object-integrity.html, {_API}API_CompleteMultipartUpload.html)"
    ),
    "test_post_object_gets_the_default_crc64nvme*": (
        f"moto adds no checksum to an object uploaded with a form; AWS adds CRC64NVME ({_API}API_Checksum.html)"
    ),
    "test_put_without_a_checksum_gets_the_default_crc64nvme*": (
        "moto adds no checksum to an object written without one; AWS adds CRC64NVME "
        f"({_API}API_PutObject.html, {_API}API_Checksum.html)"
    ),
    # -- test_checksums_reads
    "test_checksum_mode_on_a_composite_multipart_object[[]moto-HEAD-*": (
        "moto's HEAD in checksum mode drops the '-N' suffix of a composite checksum (or the checksum type) "
        f"({_GUIDE}checking-object-integrity.html)"
    ),
    **{
        f"test_checksum_mode_on_a_composite_multipart_object[[]moto-GET-{alg}]": (
            "moto computes a composite CRC over something else than the parts' binary checksums "
            f"({_GUIDE}checking-object-integrity.html)"
        )
        for alg in ("crc32c",)
    },
    "test_checksum_mode_on_a_full_object_multipart_object[[]moto-crc32c]": (
        f"moto's full-object CRC-32C of a multipart object is not the CRC of its bytes ({_GUIDE}"
        "checking-object-integrity.html)"
    ),
    "test_create_multipart_crc32_takes_both_checksum_types*": (
        "moto's CreateMultipartUpload and ListParts answer no x-amz-checksum-algorithm/-type "
        f"({_API}API_CreateMultipartUpload.html, {_API}API_ListParts.html)"
    ),
    "test_create_multipart_unknown_checksum_type_is_400*": (
        "moto starts an upload with an x-amz-checksum-type outside COMPOSITE | FULL_OBJECT "
        f"({_API}API_CreateMultipartUpload.html)"
    ),
    "test_object_attributes_unknown_name_among_known_ones_is_400_invalid_argument*": (
        f"moto drops an unknown x-amz-object-attributes name ({_API}API_GetObjectAttributes.html)"
    ),
    "test_object_attributes_of_a_multipart_object_without_checksums_has_no_parts*": (
        "moto answers no ObjectParts (TotalPartsCount) for a multipart object without checksums "
        f"({_API}API_GetObjectAttributesParts.html)"
    ),
    "test_copy_of_a_composite_multipart_object_keeps_its_algorithm*": (
        "moto copies the composite checksum of a multipart source to the one-piece copy instead of the "
        f"checksum of its bytes ({_API}API_CopyObject.html, {_API}API_CopyObjectResult.html)"
    ),
    "test_copy_with_metadata_directive_replace_keeps_the_checksum*": (
        f"moto drops the source's checksum on a copy with metadata directive REPLACE ({_API}API_CopyObject.html)"
    ),
    "test_object_attributes_parts_paging_edges*": (
        "moto answers no ObjectParts for a multipart object with CRC-32C part checksums "
        f"({_API}API_GetObjectAttributesParts.html)"
    ),
}
