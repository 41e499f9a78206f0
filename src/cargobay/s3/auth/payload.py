"""What a request says about its body: the ``x-amz-content-sha256`` value and the body's framing.

This module owns the payload-hash header (its allowed values, and the hash it asks the body to
have) and THE decision of how a body is framed on the wire, made once per request and carried by
:class:`~cargobay.s3.auth.result.AuthResult` to the HTTP layer, which acts on it and never looks
at the headers again. It is pure: no HTTP framework, no I/O.

The framing rule (the S3 "SigV4 streaming" documents; AWS also accepts ``Content-Encoding:
aws-chunked`` as the announcement):

* aws-chunked when ``x-amz-content-sha256`` starts with ``STREAMING-`` or ``Content-Encoding``
  names ``aws-chunked``; otherwise the body is the payload as it is (plain). A hex SHA-256 in
  ``x-amz-content-sha256`` always means plain: the signature covers the payload's hash, and
  ``Content-Encoding`` (which need not be signed) added on the way must not turn a body into
  chunks whose hash nobody checks (S3 stores such a body as sent: rustfs/rustfs#4962);
* chunk signatures when the value starts with ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` (the
  signature chain is verified with the result's ``streaming`` context; without one, as on a
  server run without authentication, the chunks are read as unsigned);
* trailing headers when the value ends with ``-TRAILER``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cargobay.s3.errors import InvalidArgument, InvalidRequest

__all__ = [
    "EMPTY_SHA256",
    "PLAIN",
    "STREAMING_ECDSA",
    "STREAMING_SIGNED",
    "STREAMING_SIGNED_TRAILER",
    "STREAMING_UNSIGNED_TRAILER",
    "UNSIGNED_PAYLOAD",
    "BodyFraming",
    "framing_of",
    "hex_or_none",
    "payload_field",
]

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
#: Signature Version 4A streaming values: recognised (so they are not "invalid"), never accepted.
STREAMING_ECDSA = (
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
_PAYLOAD_CONSTANTS = frozenset(
    {
        UNSIGNED_PAYLOAD,
        STREAMING_SIGNED,
        STREAMING_SIGNED_TRAILER,
        STREAMING_UNSIGNED_TRAILER,
        *STREAMING_ECDSA,
    }
)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True, slots=True)
class BodyFraming:
    """How the request body is framed on the wire (see the module docstring for the rule)."""

    aws_chunked: bool = False  # strip aws-chunked framing; the payload is what the chunks carry
    chunk_signatures: bool = False  # chunk headers carry ``;chunk-signature=`` (a signed stream)
    trailer: bool = False  # trailing headers (a checksum, a trailer signature) follow the last chunk


#: A body that is the payload as sent.
PLAIN = BodyFraming()


def framing_of(headers: Mapping[str, str]) -> BodyFraming:
    """The framing a request announces in ``x-amz-content-sha256`` and ``Content-Encoding``."""
    content_sha = headers.get("x-amz-content-sha256", "")
    if _HEX64.fullmatch(content_sha):
        return PLAIN  # signed over its payload: never a stream, whatever Content-Encoding says
    encoding = headers.get("content-encoding", "").lower()
    if not content_sha.startswith("STREAMING-") and "aws-chunked" not in encoding:
        return PLAIN
    return BodyFraming(
        aws_chunked=True,
        chunk_signatures=content_sha.startswith(STREAMING_SIGNED),
        trailer=content_sha.endswith("-TRAILER"),
    )


def payload_field(headers: Mapping[str, str], *, required: bool) -> str | None:
    """Validate ``x-amz-content-sha256``; return it (None when absent and not required)."""
    value = headers.get("x-amz-content-sha256")
    if value is None:
        if required:
            raise InvalidRequest("Missing required header for this request: x-amz-content-sha256")
        return None
    if value in _PAYLOAD_CONSTANTS or _HEX64.fullmatch(value):
        return value
    raise InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
        "or a valid sha256 value.",
        ArgumentName="x-amz-content-sha256",
        ArgumentValue=value,
    )


def hex_or_none(value: str | None) -> str | None:
    """The lower-case SHA-256 a payload-hash value names; None for the special values."""
    if value is not None and _HEX64.fullmatch(value):
        return value.lower()
    return None
