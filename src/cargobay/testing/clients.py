"""Clients for an :class:`~cargobay.testing.servers.Endpoint`: boto3 configured for path style."""

from __future__ import annotations

from typing import Any

from cargobay.testing.servers import Endpoint


def boto3_client(endpoint: Endpoint, **config: Any) -> Any:
    """A boto3 S3 client for ``endpoint`` (path-style, no retries: a test sees every failure)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config),
    )
