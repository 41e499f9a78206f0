"""Request authentication for the S3 server: who sent a request, and how its body is framed.

The package owns deciding WHO sent a request (or that nobody provably did) from the request line
and headers alone, and the verification of what a signature covers after them: the payload hash
and the chunk and trailer signatures of an aws-chunked body. Everything in it is pure: no HTTP
framework, no I/O, no clock (``now`` is passed in); an import-linter contract keeps it so. The
HTTP layer adapts its request to :class:`RequestView`, calls :func:`authenticate`, and acts on the
one :class:`AuthResult` (authorization on ``access_key``; the body checked against
``payload_sha256``, or decoded by :class:`~cargobay.s3.auth.chunked.AwsChunkedDecoder` as
``framing`` and ``streaming`` say).

One module per scheme, as versitygw splits its authenticators (auth-reader, presign-auth-reader,
signed/unsigned chunk readers), with what the schemes share written once:

====================  ==========================================================================
``dispatch``          which scheme applies; the result of schemes that do not sign the payload
``sigv4``             SigV4 ``Authorization`` header and presigned URLs
``sigv2``             SigV2 ``AWS`` header and presigned URLs
``chunked``           aws-chunked bodies: framing, chunk signatures, trailers
``request``           :class:`RequestView`; the query and path forms both versions sign
``payload``           ``x-amz-content-sha256`` values and THE body-framing decision
``shared``            request time, skew, access-key lookup (both versions)
``result``            :class:`AuthResult`, :class:`StreamingContext`
====================  ==========================================================================

Browser form uploads sign a policy document instead (:mod:`cargobay.s3.post_policy`); the
client-side signer and the SigV4 key derivation are :mod:`cargobay.s3.signing`.
"""

from __future__ import annotations

from cargobay.s3.auth.dispatch import authenticate
from cargobay.s3.auth.payload import EMPTY_SHA256, BodyFraming
from cargobay.s3.auth.request import RequestView, canonical_query_string, canonical_uri_candidates, parse_query
from cargobay.s3.auth.result import AuthMethod, AuthResult, StreamingContext

__all__ = [
    "EMPTY_SHA256",
    "AuthMethod",
    "AuthResult",
    "BodyFraming",
    "RequestView",
    "StreamingContext",
    "authenticate",
    "canonical_query_string",
    "canonical_uri_candidates",
    "parse_query",
]
