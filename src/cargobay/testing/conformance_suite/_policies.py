"""Helpers of the policy tests: a policy document, a policy in place for a block, and a Deny statement."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

DENIED = (403, "AccessDenied")


def policy_document(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    """The JSON text of a bucket policy of ``statements``."""
    return json.dumps({"Version": version, "Statement": list(statements)})


@contextlib.contextmanager
def policy_in_place(s3: Any, bucket: str, *statements: dict[str, Any], version: str = "2012-10-17") -> Iterator[None]:
    """The bucket carries a policy of ``statements`` inside the block, none after it."""
    s3.put_bucket_policy(Bucket=bucket, Policy=policy_document(*statements, version=version))
    try:
        yield
    finally:
        s3.delete_bucket_policy(Bucket=bucket)


def deny(bucket: str, action: str, condition: dict[str, Any] | None = None, *, resource: str = "/*") -> dict[str, Any]:
    """A statement denying everyone ``action`` on the bucket's objects (``resource`` "": the bucket)
    under ``condition``."""
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": f"arn:aws:s3:::{bucket}{resource}",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement
