"""moto's divergences from AWS found in the second pass over request authentication
(``test_auth_header_edges`` and the aws-chunked framing tests): pure data, part of
:data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`. The general rule (moto verifies no
signature) already covers the tests named ``test_sigv4_rejects_*``; these are the others."""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

MOTO_AUTH: Mapping[str, str] = {
    "test_sigv2_subresource_is_part_of_the_signed_resource[[]moto*": (
        f"moto does not verify Signature Version 2 signatures, so a signature that leaves out the ?acl "
        f"sub-resource is taken ({_GUIDE}RESTAuthentication.html, CanonicalizedResource)"
    ),
}
