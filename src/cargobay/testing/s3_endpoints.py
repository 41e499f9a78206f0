"""The endpoint table of the S3 conformance suite: capabilities, profiles, divergences, prerequisites.

Pure data and the parsing of ``--s3-endpoint`` values; no pytest hooks (those are
:mod:`cargobay.testing.pytest_plugin`'s) and no I/O.

**Capabilities.** A test that needs one says so with ``@pytest.mark.s3_requires("multipart")``; a
capability an endpoint lacks (its profile, or ``--s3-lacks``) is a skip whose reason starts with
``capability:``. The ``cargobay`` profile declares every capability.

**Divergences.** Where moto differs from AWS, AWS wins: the test is ``xfail(strict=True)`` with the AWS
documentation reason, so an upstream fix is noticed (the tables: :mod:`cargobay.testing.moto_divergences`).
A pattern that matches no test of a full run fails the run (a stale line would otherwise hide nothing
and say something false).

**Prerequisites.** :data:`BASICS` names, per capability, the one small test (in ``test_basics``)
whose failure explains the failure of every test needing that capability: those are reported as
*blocked by* it, not failed, so one root cause is one failure.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

from cargobay.testing.moto_divergences import MOTO_DIVERGENCES

# Every capability a test may require. Families map to test modules of the suite.
ALL_CAPABILITIES = frozenset(
    {
        "buckets",  # Create/Delete/Head/List buckets, location, versioning config, ACL
        "objects",  # Put/Get/Head/Delete object, user metadata, content headers
        "listing",  # ListObjects v1/v2: prefix, delimiter, markers, tokens, encoding-type
        "conditional",  # If-Match / If-None-Match / If-(Un)Modified-Since on reads and writes
        "copy",  # CopyObject with COPY/REPLACE and x-amz-copy-source-if-*
        "checksums",  # Content-MD5 and x-amz-checksum-* verification and checksum mode
        "delete_objects",  # DeleteObjects (multi-delete)
        "auth",  # SigV4 header auth verification (rejects wrong signatures)
        "presign",  # SigV4 presigned URLs
        "sigv2",  # SigV2 header and query auth
        "multipart",  # Create/UploadPart/Complete/Abort/ListParts/ListMultipartUploads
        "aws_chunked",  # aws-chunked request bodies (signed chunks, unsigned/signed trailers)
        "tagging",  # Put/Get/DeleteObjectTagging, x-amz-tagging on PUT
        "cors",  # Put/Get/DeleteBucketCors and preflight OPTIONS
        "tls",  # HTTPS endpoint
        "virtual_host",  # virtual-hosted-style addressing (bucket in the Host header)
        "versioning",  # Put/GetBucketVersioning, version ids, delete markers, ListObjectVersions
        "object_lock",  # Object Lock configuration, retention, legal hold, governance bypass
        "acl",  # bucket/object ACLs, ownership controls, public access block, policy conditions
        "multi_user",  # a second user (alt_client) and anonymous requests: who may do what
        "attributes",  # GetObjectAttributes
        "bucket_tagging",  # Put/Get/DeleteBucketTagging
        "lifecycle",  # Put/Get/DeleteBucketLifecycleConfiguration
        "logging",  # Put/GetBucketLogging (the configuration)
        "server_logs",  # server access log records delivered into the target bucket (soon enough to wait for)
        "metadata",  # x-amz-meta-* user metadata stored and returned
        "traversal",  # the server's data directory is known (started here or --s3-data-dir): checked from outside
    }
)


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


PROFILES: Mapping[str, EndpointProfile] = {
    "cargobay": EndpointProfile("cargobay", ALL_CAPABILITIES),
    "moto": EndpointProfile(
        "moto",
        ALL_CAPABILITIES - {"tls", "virtual_host", "traversal", "server_logs"},
        divergences=MOTO_DIVERGENCES,
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


def parse_endpoints(
    values: list[str], lacks: frozenset[str], data_dir: str | None = None, *, second_user: bool = False
) -> list[EndpointSpec]:
    """``--s3-endpoint`` values (default ``cargobay``) -> specs; ValueError with a one-line reason.

    A URL endpoint lacks ``traversal`` without its data directory and ``multi_user`` without a
    second user's credentials (``--s3-alt-access-key``)."""
    unknown = lacks - ALL_CAPABILITIES
    if unknown:
        raise ValueError(f"--s3-lacks: unknown capabilities {sorted(unknown)}; known: {sorted(ALL_CAPABILITIES)}")
    specs: list[EndpointSpec] = []
    if lacks and not any(v.startswith(("http://", "https://")) for v in values):
        # Declared gaps apply to the URL endpoints of the run (a report may set cargobay and moto
        # beside a third-party store); a run without one has nothing to declare them of.
        raise ValueError("--s3-lacks declares gaps of third-party (URL) endpoints only; cargobay lacks nothing")
    for value in values or ["cargobay"]:
        if value in ("cargobay", "moto"):
            specs.append(EndpointSpec(value, value, None, PROFILES[value]))
        elif value.startswith(("http://", "https://")) and len(value.split("://", 1)[1].strip("/")) > 0:
            gaps = (lacks if data_dir else lacks | {"traversal"}) | (set() if second_user else {"multi_user"})
            specs.append(
                EndpointSpec(
                    value.split("://", 1)[1].rstrip("/"), "url", value.rstrip("/"), PROFILES["url"], gaps, data_dir
                )
            )
        else:
            raise ValueError(f"--s3-endpoint {value!r}: expected 'cargobay', 'moto' or an http(s):// URL")
    return specs
