"""The endpoint table of the S3 conformance suite: capabilities, profiles, divergences, prerequisites.

Pure data and the parsing of ``--s3-endpoint`` values; no pytest hooks (those are
:mod:`cargobay.testing.pytest_plugin`'s) and no I/O.

**Capabilities.** A test that needs one says so with ``@pytest.mark.s3_requires("multipart")``; a
capability an endpoint lacks (its profile, or ``--s3-lacks``) is a skip whose reason starts with
``capability:``. The ``cargobay`` profile declares every capability.

**Divergences.** Where moto differs from AWS, AWS wins: the test is ``xfail(strict=True)`` with the AWS
documentation reason, so an upstream fix is noticed. A pattern that matches no test of a full run
fails the run (a stale line would otherwise hide nothing and say something false).

**Prerequisites.** :data:`BASICS` names, per capability, the one small test (in ``test_basics``)
whose failure explains the failure of every test needing that capability: those are reported as
*blocked by* it, not failed, so one root cause is one failure.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

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
    "metadata",       # x-amz-meta-* user metadata stored and returned
    "traversal",      # the server's data directory is known (started here or --s3-data-dir): checked from outside
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
    "test_copy_object_source_conditions[[]moto-unmodified-since-past*": (
        f"moto ignores x-amz-copy-source-if-unmodified-since ({_API}API_CopyObject.html)"),
    "test_get_object_conditions[[]moto-modified-since-future-is-ignored*": (
        "moto answers 304 to an If-Modified-Since date in the future; AWS ignores such a date (RFC 9110 "
        f"section 13.1.3; the suite's recorded/conditional-future-date.md; {_API}API_GetObject.html)"),
    "test_head_object_conditions[[]moto-modified-since-future-is-ignored*": (
        "moto answers 304 to an If-Modified-Since date in the future; AWS ignores such a date (RFC 9110 "
        f"section 13.1.3; the suite's recorded/conditional-future-date.md; {_API}API_HeadObject.html)"),
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
}

PROFILES: Mapping[str, EndpointProfile] = {
    "cargobay": EndpointProfile("cargobay", ALL_CAPABILITIES),
    "moto": EndpointProfile(
        "moto",
        ALL_CAPABILITIES - {"tls", "virtual_host", "traversal"},
        divergences=_MOTO_DIVERGENCES,
    ),
    # A URL endpoint is judged against AWS: everything, unless --s3-lacks declares a gap; its data
    # directory is known only with --s3-data-dir (the plugin adds "traversal" to its gaps otherwise).
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
    data_dir: str | None = None  # a URL endpoint's data directory (--s3-data-dir), for the traversal family


# capability -> the basic test that proves it works at all (see the module docstring).
BASICS: Mapping[str, str] = {
    "buckets": "test_basic_create_and_delete_bucket",
    "objects": "test_basic_put_get_delete_object",
    "listing": "test_basic_list_objects",
    "metadata": "test_basic_user_metadata_round_trip",
    "multipart": "test_basic_multipart_upload",
    "tagging": "test_basic_object_tagging",
    "delete_objects": "test_basic_delete_objects",
}
# Tests using the raw hand-signed client depend on the server accepting its signature.
RAW_BASIC = "test_basic_raw_signed_request"
BASIC_NAMES = frozenset([*BASICS.values(), RAW_BASIC])


def prerequisites(test_name: str, module: str, capabilities: set[str], fixtures: set[str]) -> list[str]:
    """The basic tests whose failure blocks this test (never itself; buckets before objects)."""
    base = test_name.split("[", 1)[0]
    if base in BASIC_NAMES:
        # The basics depend on nothing but the bucket basic (every other one needs a bucket).
        return [] if base == BASICS["buckets"] else [BASICS["buckets"]]
    needed: list[str] = []
    if fixtures & {"bucket", "new_bucket_name", "big_bucket"} or "buckets" in capabilities:
        needed.append(BASICS["buckets"])
    if module != "test_buckets" and "bucket" in fixtures:
        needed.append(BASICS["objects"])
    needed += [BASICS[c] for c in sorted(capabilities) if c in BASICS and BASICS[c] not in needed]
    if "raw" in fixtures:
        needed.append(RAW_BASIC)
    return needed


def parse_endpoints(values: list[str], lacks: frozenset[str], data_dir: str | None = None) -> list[EndpointSpec]:
    """``--s3-endpoint`` values (default ``cargobay``) -> specs; ValueError with a one-line reason."""
    unknown = lacks - ALL_CAPABILITIES
    if unknown:
        raise ValueError(f"--s3-lacks: unknown capabilities {sorted(unknown)}; known: {sorted(ALL_CAPABILITIES)}")
    specs: list[EndpointSpec] = []
    for value in values or ["cargobay"]:
        if value in ("cargobay", "moto"):
            if lacks and value == "cargobay":
                raise ValueError("--s3-lacks declares gaps of third-party endpoints only; cargobay lacks nothing")
            specs.append(EndpointSpec(value, value, None, PROFILES[value]))
        elif value.startswith(("http://", "https://")) and len(value.split("://", 1)[1].strip("/")) > 0:
            gaps = lacks if data_dir else lacks | {"traversal"}
            specs.append(EndpointSpec(value.split("://", 1)[1].rstrip("/"), "url", value.rstrip("/"),
                                      PROFILES["url"], gaps, data_dir))
        else:
            raise ValueError(f"--s3-endpoint {value!r}: expected 'cargobay', 'moto' or an http(s):// URL")
    return specs
