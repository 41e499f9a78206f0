"""The outcome of authenticating a request: who sent it, what its body must hash to, how it is framed.

This module owns :class:`AuthResult`, the one value the HTTP layer acts on after authentication
(the caller's access key for authorization; the payload hash to check; the body framing and, for
a signed stream, the :class:`StreamingContext` that verifies its chunk signatures). It is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cargobay.s3.auth.payload import PLAIN, BodyFraming

__all__ = ["AuthMethod", "AuthResult", "StreamingContext"]

#: How the request proved who sent it. ``unverified``: the server runs without authentication
#: (``serve --no-auth``) or the request authenticates itself elsewhere (a browser form's policy).
AuthMethod = Literal["sigv4-header", "sigv4-query", "sigv2-header", "sigv2-query", "anonymous", "unverified"]


@dataclass(frozen=True)
class StreamingContext:
    """What verifying an aws-chunked body needs: the chain starts at ``seed_signature``."""

    seed_signature: str
    signing_key: bytes
    scope: str  # "20130524/us-east-1/s3/aws4_request"
    amz_date: str  # "20130524T000000Z"
    access_key: str


@dataclass(frozen=True)
class AuthResult:
    """The outcome of a successful authentication.

    ``payload_sha256`` is the lower-case hex SHA-256 the payload must have (the caller compares it
    and raises ``XAmzContentSHA256Mismatch``), None when the payload is unsigned or streamed.
    ``content_sha256_header`` is the raw ``x-amz-content-sha256`` value. ``framing`` says how the
    body is framed (decided once, in :func:`cargobay.s3.auth.payload.framing_of`). ``streaming`` is
    set exactly when a verified request sends signed chunks (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD
    [-TRAILER]``): a verifying :func:`~cargobay.s3.auth.authenticate` never returns signed
    framing without it.
    """

    access_key: str | None
    method: AuthMethod
    payload_sha256: str | None
    content_sha256_header: str | None
    streaming: StreamingContext | None
    framing: BodyFraming = PLAIN

    @property
    def aws_chunked(self) -> bool:
        """True when the body is aws-chunked framed and must go through the chunk decoder."""
        return self.framing.aws_chunked

    @property
    def trailer_expected(self) -> bool:
        """True when the aws-chunked body ends with trailing headers (e.g. a checksum)."""
        return self.framing.trailer
