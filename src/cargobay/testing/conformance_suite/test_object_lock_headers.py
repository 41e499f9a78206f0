"""Object Lock headers of GetObject and HeadObject are told only to a caller allowed to read them, as
x-amz-tagging-count is (test_tagging_requests.py): a reader of a public-read object is not.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (x-amz-object-lock-mode,
x-amz-object-lock-retain-until-date, x-amz-object-lock-legal-hold).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._expect import header
from cargobay.testing.conformance_suite._versions import soon

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

pytestmark = [
    pytest.mark.s3_requires("versioning", "object_lock", "acl", "multi_user"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html"),
]

_HOUR = 3600
_LOCK_HEADERS = ("x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold")


@pytest.mark.parametrize("method", ["get", "head"])
def test_lock_headers_only_for_a_reader_who_may_read_the_lock(
    s3_endpoint: S3Target, s3: Any, lock_bucket: str, method: str
) -> None:
    """API_HeadObject.html: x-amz-object-lock-mode and x-amz-object-lock-retain-until-date are "only
    returned if the requester has the s3:GetObjectRetention permission", x-amz-object-lock-legal-hold
    "only ... if the requester has the s3:GetObjectLegalHold permission" (API_GetObject.html names the same
    headers). A public-read object's ACL grants neither (acl-overview.html): an anonymous reader gets the
    object without them; the owner gets all three; a bucket policy allowing each permission gives its
    headers, and only those."""
    b = lock_bucket
    s3.put_object(
        Bucket=b,
        Key="k",
        Body=b"x",
        ACL="public-read",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=soon(_HOUR),
        ObjectLockLegalHoldStatus="ON",
    )
    anonymous = s3_endpoint.anonymous_client()

    def told(client: Any) -> set[str]:
        if method == "head":
            got = client.head_object(Bucket=b, Key="k")
        else:
            got = client.get_object(Bucket=b, Key="k")
            assert got["Body"].read() == b"x"
        return {name for name in _LOCK_HEADERS if header(got, name) is not None}

    assert told(s3) == set(_LOCK_HEADERS)
    assert told(anonymous) == set(), "a reader who may not read the lock was told it"

    def allow(*actions: str) -> None:
        statement = {"Effect": "Allow", "Principal": "*", "Action": list(actions), "Resource": f"arn:aws:s3:::{b}/*"}
        s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))

    allow("s3:GetObjectLegalHold")
    assert told(anonymous) == {"x-amz-object-lock-legal-hold"}
    allow("s3:GetObjectRetention")
    assert told(anonymous) == {"x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date"}
