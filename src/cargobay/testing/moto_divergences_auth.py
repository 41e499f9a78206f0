"""moto's divergences from AWS found in the second pass over request authentication
(``test_auth_header_edges`` and the aws-chunked framing tests of ``test_aws_chunked``): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`. The general rule (moto verifies no
signature) already covers the tests named ``test_sigv4_rejects_*``; these are the others."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

_STREAMING = _API + "sigv4-streaming.html"

MOTO_AUTH: Mapping[str, str] = {
    "test_aws_chunked_rejects_chunk_under_8_kib_that_is_not_the_last_with_403[[]moto*": (
        f"moto takes an aws-chunked body whose chunks before the last are under 8 KiB; S3 answers 403 "
        f"InvalidChunkSizeError ({_STREAMING}; aws/aws-sdk-cpp#2727, #3132)"
    ),
    "test_aws_chunked_rejects_decoded_content_length_not_a_number_with_411[[]moto*": (
        f"moto does not answer 411 MissingContentLength to an x-amz-decoded-content-length that is no number, "
        f"as S3 does ({_STREAMING}; versity/versitygw#1656)"
    ),
    "test_aws_chunked_decoded_length_mismatch_names_both_counts[[]moto*": (
        f"moto stores an aws-chunked body of another length than its x-amz-decoded-content-length; S3 answers "
        f"400 IncompleteBody naming NumberBytesExpected and NumberBytesProvided ({_STREAMING}; versity/versitygw#1684)"
    ),
    "test_aws_chunked_rejects_bad_signature_of_the_final_chunk[[]moto*": (
        f"moto verifies no chunk signature; S3 answers 403 SignatureDoesNotMatch ({_STREAMING})"
    ),
    "test_aws_chunked_rejects_bad_trailer_signature[[]moto*": (
        f"moto verifies no trailer signature; S3 answers 403 SignatureDoesNotMatch "
        f"({_API}sigv4-streaming-trailers.html)"
    ),
    "test_aws_chunked_rejects_broken_framing_with_a_4xx_and_stores_nothing[[]moto-size-not-hex*": (
        f"moto answers 500 to an aws-chunked body whose chunk size is not hexadecimal; S3 refuses it with a 4xx "
        f"({_STREAMING})"
    ),
    "test_aws_chunked_rejects_broken_framing_with_a_4xx_and_stores_nothing[[]moto-final-chunk-missing*": (
        f"moto stores an aws-chunked body that ends before its final zero-length chunk ({_STREAMING})"
    ),
    "test_sigv2_amz_header_is_signed_lower_cased_and_trimmed[[]moto*": (
        f"moto does not verify Signature Version 2 signatures, so one over an untrimmed amz header is taken "
        f"({_GUIDE}RESTAuthentication.html, CanonicalizedAmzHeaders)"
    ),
    "test_sigv2_subresource_is_part_of_the_signed_resource[[]moto*": (
        f"moto does not verify Signature Version 2 signatures, so a signature that leaves out the ?acl "
        f"sub-resource is taken ({_GUIDE}RESTAuthentication.html, CanonicalizedResource)"
    ),
}
