"""Assertions in the shape ceph/s3-tests made standard: ``(status, code)``, then headers and bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cargobay.testing.normalize import status_and_code


def error_of(call: Callable[[], Any]) -> tuple[int, str | None]:
    """(status, AWS code) of a boto3 call that must fail; AssertionError if it succeeds."""
    from botocore.exceptions import ClientError

    try:
        result = call()
    except ClientError as exc:
        return status_and_code(exc)
    status = result.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(result, dict) else None
    raise AssertionError(f"expected an error response, got success (status {status})")


def header(result: dict[str, Any], name: str) -> str | None:
    value = result["ResponseMetadata"]["HTTPHeaders"].get(name.lower())
    return None if value is None else str(value)
