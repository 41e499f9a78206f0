"""Where moto 5 differs from AWS in the suite's ``test_objects_headers`` (each seen failing against
moto, and passing against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page (or the RFC it names) that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

MOTO_OBJ14: Mapping[str, str] = {
    "test_object_operation_with_another_expected_owner_is_403_and_changes_nothing*": (
        "moto ignores x-amz-expected-bucket-owner on object operations; AWS answers 403 AccessDenied when it "
        f"names another account ({_GUIDE}bucket-owner-condition.html, {_API}API_PutObject.html, "
        f"{_API}API_GetObject.html, {_API}API_HeadObject.html, {_API}API_DeleteObject.html)"
    ),
    "test_conditions_are_evaluated_in_rfc_7232_order[[]moto-match-star-then-none-match-star-*]": (
        "moto answers If-Match: * with If-None-Match: * on an existing object 412; RFC 7232 section 6 (named by "
        f"{_API}API_GetObject.html): If-Match * holds, then the matching If-None-Match gives 304 for GET and HEAD"
    ),
    "test_put_object_content_md5_that_is_not_a_base64_md5_is_400_invalid_digest*": (
        "moto does not check Content-MD5 on PutObject; AWS refuses one that is not a base64 128-bit digest "
        f"with 400 InvalidDigest ({_API}API_PutObject.html, {_API}ErrorResponses.html)"
    ),
    "test_encryption_method_outside_the_valid_values_is_400_invalid_argument*": (
        "moto stores the object (or starts the upload) under an x-amz-server-side-encryption value that names no "
        "method; AWS answers 400 InvalidArgument 'The encryption method specified is not supported' "
        f"({_API}API_PutObject.html: Valid Values AES256 | aws:kms | aws:kms:dsse)"
    ),
    "test_part_number_past_the_objects_parts_is_refused[[]moto-*-GET]": (
        "moto answers a partNumber the object does not have with an HTML 416 page, not an S3 error document "
        f"({_API}ErrorResponses.html: every error is the XML document with a Code)"
    ),
    "test_website_redirect_location_over_2kb_is_refused*": (
        "moto stores an x-amz-website-redirect-location longer than 2 KB; the value is limited to 2 KB "
        f"({_API}RESTObjectPOST.html)"
    ),
    **{
        f"test_unquoted_etag_in_a_condition_is_the_same_etag[[]moto-{case}]": (
            "moto's HeadObject compares If-Match / If-None-Match with the quoted ETag only; S3 takes the bare "
            f"digits as the same ETag (the aws s3api example of {_GUIDE}conditional-deletes.html sends them bare)"
        )
        for case in ("head-match", "head-none-match")
    },
    "test_encryption_header_on_a_read_is_400*": (
        "moto serves a GetObject / HeadObject that carries x-amz-server-side-encryption; for an object encrypted "
        f"with SSE-S3 (every object on S3) it is an HTTP 400 Bad Request error ({_API}API_GetObject.html, "
        f"{_API}API_HeadObject.html)"
    ),
}
