"""Where moto 5 differs from AWS in the fourth pass over multipart uploads, copies and additional
checksums: the suite's ``test_multipart_edges``, ``test_copy_edges`` and ``test_checksums_types``
(each seen failing against moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES` (kept apart so the
tables of other families merge without conflicts); the reasons name the AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

MOTO_MPC14: Mapping[str, str] = {
    # -- test_multipart_edges
    "test_create_multipart_metadata_over_2_kb_is_400_metadata_too_large*": (
        f"moto starts an upload whose user metadata is over 2 KB; AWS answers 400 MetadataTooLarge "
        f"({_GUIDE}UsingMetadata.html)"
    ),
    "test_upload_id_that_is_no_upload_is_404_no_such_upload_for_every_operation*": (
        f"moto answers 500 to UploadPart and CompleteMultipartUpload naming an upload id it never gave out; "
        f"AWS answers 404 NoSuchUpload ({_API}API_UploadPart.html)"
    ),
    "test_abort_while_a_part_is_being_sent*": (
        f"moto answers 500 to a part whose upload was aborted while it was being sent; AWS lets it succeed "
        f"or answers NoSuchUpload ({_API}API_AbortMultipartUpload.html)"
    ),
    "test_a_part_still_being_sent_when_the_upload_completes_is_not_in_the_object*": (
        f"moto answers 500 to a part whose upload was completed while it was being sent; AWS lets it succeed "
        f"or answers NoSuchUpload ({_API}API_AbortMultipartUpload.html)"
    ),
    "test_concurrent_completions_of_one_upload_make_one_object*": (
        f"moto answers 500 to the completions of an upload another completion has just finished; AWS answers "
        f"the object or NoSuchUpload ({_API}API_CompleteMultipartUpload.html)"
    ),
    # -- test_copy_edges
    "test_upload_part_copy_copy_source_without_a_key_is_400_invalid_argument*": (
        f"moto answers 500 (or 404) to an UploadPartCopy whose x-amz-copy-source names no key; AWS answers "
        f"400 InvalidArgument ({_API}API_UploadPartCopy.html)"
    ),
    "test_copy_object_replace_with_metadata_over_2_kb_is_400_metadata_too_large*": (
        f"moto copies with REPLACE metadata over 2 KB; AWS answers 400 MetadataTooLarge ({_GUIDE}UsingMetadata.html)"
    ),
    # -- test_checksums_types
    "test_upload_part_with_two_checksum_headers_is_400_invalid_request*": (
        f"moto stores a part carrying two x-amz-checksum-* headers; AWS answers 400 InvalidRequest "
        f"'Expecting a single x-amz-checksum- header' ({_API}API_UploadPart.html)"
    ),
    "test_full_object_checksum_of_a_copied_and_a_sent_part*": (
        f"moto's UploadPartCopy gives a part of a checksum upload no checksum, and its completion answers "
        f"no object checksum; AWS answers the part's and the whole object's ({_API}API_CopyPartResult.html)"
    ),
    "test_composite_checksum_of_a_copied_and_a_sent_part*": (
        f"moto's UploadPartCopy gives a part of a checksum upload no checksum, and its completion answers "
        f"no composite checksum; AWS answers both ({_API}API_CopyPartResult.html)"
    ),
}
