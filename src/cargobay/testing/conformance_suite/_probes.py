"""Is a capability cargobay is still building there yet? One probe per pending capability.

A probe answers False only while the server says, explicitly, that the operation is not
implemented (501 NotImplemented) or lacks the configuration option: a broken implementation
(a 500, a wrong answer) counts as present, so its tests run and fail.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING

from cargobay.testing.conformance_suite._http import RawS3, key_path

if TYPE_CHECKING:
    from cargobay.testing.pytest_plugin import S3Target


def config_has(*names: str) -> bool:
    """Does cargobay's ServeConfig have these options yet (TLS: tls_cert/tls_key; vhost: domain)?"""
    from cargobay.s3.http.context import ServeConfig

    fields = {f.name for f in dataclasses.fields(ServeConfig)}
    return all(name in fields for name in names)


def available(capability: str, target: S3Target) -> bool:
    if capability == "tls":
        return config_has("tls_cert", "tls_key")
    raw = RawS3(target.endpoint, tls_verify=target.tls_verify)
    bucket = "cbprobe-" + uuid.uuid4().hex[:12]
    made = raw.request("PUT", "/" + bucket)
    assert made.status == 200, f"probe could not create a bucket: {made}"
    try:
        if capability == "multipart":
            answer = raw.request("POST", key_path(bucket, "k"), [("uploads", "")])
            if answer.status == 200:
                upload = answer.xml().findtext("{*}UploadId") or ""
                raw.request("DELETE", key_path(bucket, "k"), [("uploadId", upload)])
        elif capability == "aws_chunked":
            answer = raw.send(raw.unsigned_trailer(key_path(bucket, "k"), [b"x"], ("x-amz-checksum-crc32", "jNwWgw==")))
        elif capability == "tagging":
            raw.request("PUT", key_path(bucket, "k"), body=b"x")
            answer = raw.request("GET", key_path(bucket, "k"), [("tagging", "")])
        elif capability == "cors":
            answer = raw.request("GET", "/" + bucket, [("cors", "")])
        elif capability == "virtual_host":
            if not config_has("domain"):
                return False
            host = f"{bucket}.localhost:{raw.port}"
            answer = raw.send(raw.sign_v4("GET", "/", host=host))
            return answer.status == 200 and b"<Name>" + bucket.encode() + b"</Name>" in answer.body
        else:
            raise ValueError(f"no probe for {capability}")
        return not (answer.status == 501 or answer.code == "NotImplemented")
    finally:
        raw.request("DELETE", key_path(bucket, "k"))
        gone = raw.request("DELETE", "/" + bucket)
        assert gone.status == 204, f"probe could not remove its bucket: {gone}"
