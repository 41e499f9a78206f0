"""Fixtures only the conformance suite uses (the endpoint fixtures are the plugin's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cargobay.testing.conformance_suite._http import RawS3

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target


@pytest.fixture
def raw(s3_endpoint: S3Target) -> RawS3:
    """Hand-signed raw HTTP requests to the endpoint under test."""
    return RawS3(s3_endpoint.endpoint, tls_verify=s3_endpoint.tls_verify)
