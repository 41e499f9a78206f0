"""Incremental decoder for ``aws-chunked`` request bodies (SigV4 streaming uploads).

This module owns the framing of ``Content-Encoding: aws-chunked`` bodies and the verification of
their chunk and trailer signatures. It is pure and push-based: the HTTP layer feeds whatever it
read from the socket, in any split, and writes out the payload pieces it gets back. It imports
no HTTP framework.

Wire formats (the S3 "SigV4 streaming" documents)::

    STREAMING-AWS4-HMAC-SHA256-PAYLOAD
        <hex-size>;chunk-signature=<sig>\\r\\n<data>\\r\\n ... 0;chunk-signature=<sig>\\r\\n\\r\\n
    STREAMING-UNSIGNED-PAYLOAD-TRAILER
        <hex-size>\\r\\n<data>\\r\\n ... 0\\r\\n<name>:<value>\\r\\n ... \\r\\n
    STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
        signed chunks as above, then after the 0-chunk:
        <name>:<value>\\r\\n ... x-amz-trailer-signature:<sig>\\r\\n\\r\\n

Each chunk signature is HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\\n" date "\\n" scope "\\n"
previous-signature "\\n" sha256("") "\\n" sha256(chunk)), the chain starting at the seed
signature of the Authorization header. The trailer signature is HMAC over
"AWS4-HMAC-SHA256-TRAILER\\n" date "\\n" scope "\\n" previous-signature "\\n" sha256(trailers),
where the trailers are ``name:value\\n`` lines (the AWS CRT signer's form); the on-wire
``\\r\\n`` form, which the Kotlin SDK signs, is accepted too.

Design:

* **No quadratic copying.** Payload pieces are zero-copy ``memoryview`` slices of the fed buffer
  (valid while the caller keeps that buffer unchanged); only header lines, at most
  :data:`MAX_LINE` bytes, are ever buffered.
* **Verification order.** A chunk's bytes are handed out before its signature (which needs the
  whole chunk) is checked; a bad signature raises on the ``feed`` that completes the chunk and
  the caller must then discard what it wrote. Nothing may be committed before :meth:`finish`
  returns.
* **Errors** are the S3 ones: bad chunk/trailer signature → ``SignatureDoesNotMatch``; a chunk
  under 8 KiB that is not the last data chunk → ``InvalidChunkSizeError``; a body
  shorter or longer than ``x-amz-decoded-content-length``, or cut short → ``IncompleteBody``;
  broken framing → ``InvalidArgument``. After an error the decoder stays failed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from enum import Enum, auto

from cargobay.s3.auth.payload import EMPTY_SHA256
from cargobay.s3.auth.result import StreamingContext
from cargobay.s3.errors import (
    IncompleteBody,
    InvalidArgument,
    InvalidChunkSizeError,
    MissingContentLength,
    S3Error,
    SignatureDoesNotMatch,
)
from cargobay.s3.numbers import decimal

__all__ = ["MAX_LINE", "MAX_TRAILERS", "MIN_CHUNK", "AwsChunkedDecoder", "decoded_content_length"]

#: Longest chunk header or trailer line accepted (a signed header is about 85 bytes).
MAX_LINE = 4096
#: Most trailing headers accepted.
MAX_TRAILERS = 64
#: Smallest chunk but the last data chunk (sigv4-streaming.html: "at least 8 KB").
MIN_CHUNK = 8192
_SIGNED_HEADER = re.compile(rb"([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})")
_UNSIGNED_HEADER = re.compile(rb"([0-9a-fA-F]{1,16})")
_CRLF = b"\r\n"
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


class _State(Enum):
    HEADER = auto()
    DATA = auto()
    DATA_CRLF = auto()
    FINAL_CRLF = auto()
    TRAILER = auto()
    DONE = auto()


def decoded_content_length(headers: Mapping[str, str]) -> int | None:
    """The ``x-amz-decoded-content-length`` header as an int; None when absent, 411
    ``MissingContentLength`` when it is not a non-negative decimal integer."""
    raw = headers.get("x-amz-decoded-content-length")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():
        # S3's answer to a length that is no number (versity/versitygw#1656): no length given.
        raise MissingContentLength()
    return decimal(raw)  # any length: past 19 digits, past every limit (numbers.py)


def _framing(message: str) -> InvalidArgument:
    return InvalidArgument(f"Malformed aws-chunked body: {message}")


class AwsChunkedDecoder:
    """Push decoder for one aws-chunked body.

    ``streaming`` is the :class:`~cargobay.s3.auth.result.StreamingContext` of a signed stream, or
    None for ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``. ``decoded_length`` is the
    ``x-amz-decoded-content-length`` (checked when given). ``trailer_expected`` says whether
    trailing headers follow the final chunk (the ``-TRAILER`` variants). ``min_chunk`` is the
    smallest size of a data chunk that is not the last (AWS's 8 KiB; the framing tests use less).
    """

    def __init__(
        self,
        streaming: StreamingContext | None,
        *,
        decoded_length: int | None,
        trailer_expected: bool,
        min_chunk: int = MIN_CHUNK,
    ) -> None:
        self._ctx = streaming
        self._min_chunk = min_chunk
        self._decoded_length = decoded_length
        self._trailer_expected = trailer_expected
        self._state = _State.HEADER
        self._line = bytearray()
        self._remaining = 0
        self._crlf_seen = 0
        self._total = 0
        self._chunks = 0  # data chunks whose header was read
        self._last_size = 0  # size of the latest data chunk
        self._hasher: hashlib._Hash | None = None
        self._expected_sig = b""
        self._prev_sig = streaming.seed_signature if streaming is not None else ""
        self._trailers: dict[str, str] = {}
        self._trailer_lines: list[tuple[str, str]] = []
        self._trailer_signed = False
        self._error: S3Error | None = None
        if streaming is not None:
            self._sts_prefix = f"AWS4-HMAC-SHA256-PAYLOAD\n{streaming.amz_date}\n{streaming.scope}\n"

    @property
    def decoded_bytes(self) -> int:
        """Payload bytes decoded so far."""
        return self._total

    def feed(self, data: bytes | bytearray | memoryview) -> list[memoryview]:
        """Consume the next bytes of the body; return the payload pieces they complete.

        The pieces are slices of ``data``: use them before mutating a reused buffer.
        """
        if self._error is not None:
            raise self._error
        try:
            return self._feed(data)
        except S3Error as exc:
            self._error = exc
            raise

    def finish(self) -> dict[str, str]:
        """Declare the end of the body; return the trailing headers (lower-cased names)."""
        if self._error is not None:
            raise self._error
        try:
            if self._state is not _State.DONE:
                raise IncompleteBody("The aws-chunked body ended before its final chunk.")
            if self._decoded_length is not None and self._total != self._decoded_length:
                raise IncompleteBody(
                    f"The decoded body has {self._total} bytes; "
                    f"x-amz-decoded-content-length says {self._decoded_length}.",
                    NumberBytesExpected=str(self._decoded_length),
                    NumberBytesProvided=str(self._total),
                )
        except S3Error as exc:
            self._error = exc
            raise
        return dict(self._trailers)

    # ----------------------------------------------------------------------------------------

    def _feed(self, data: bytes | bytearray | memoryview) -> list[memoryview]:
        mv = data if isinstance(data, memoryview) else memoryview(data)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        searchable: bytes | bytearray | None = data if isinstance(data, (bytes, bytearray)) else None
        n = len(mv)
        pos = 0
        out: list[memoryview] = []
        while pos < n:
            state = self._state
            if state is _State.DATA:
                take = min(self._remaining, n - pos)
                piece = mv[pos : pos + take]
                if self._hasher is not None:
                    self._hasher.update(piece)
                out.append(piece)
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = _State.DATA_CRLF
                    self._crlf_seen = 0
            elif state is _State.DATA_CRLF:
                while self._crlf_seen < 2 and pos < n:
                    if mv[pos] != _CRLF[self._crlf_seen]:
                        raise _framing("chunk data is not followed by CRLF")
                    self._crlf_seen += 1
                    pos += 1
                if self._crlf_seen == 2:
                    self._end_chunk()
                    self._state = _State.HEADER
            elif state is _State.DONE:
                raise _framing("data after the final chunk")
            else:
                pos = self._take_line(mv, searchable, pos, n)
        return out

    def _take_line(self, mv: memoryview, searchable: bytes | bytearray | None, pos: int, n: int) -> int:
        """Accumulate one CRLF-terminated line; process it when complete. Returns the new pos."""
        budget = MAX_LINE - len(self._line)
        end = min(n, pos + budget)
        if searchable is not None:
            idx = searchable.find(b"\n", pos, end)
        else:
            window = bytes(mv[pos:end])
            idx = window.find(b"\n")
            if idx >= 0:
                idx += pos
        if idx < 0:
            if end - pos >= budget:
                raise _framing("header line too long")
            self._line += mv[pos:end]
            return end
        self._line += mv[pos : idx + 1]
        line = bytes(self._line)
        self._line.clear()
        if not line.endswith(_CRLF):
            raise _framing("line not terminated by CRLF")
        line = line[:-2]
        if _CONTROL.search(line):
            raise _framing("control character in a chunk header or trailer line")
        self._process_line(line)
        return idx + 1

    def _process_line(self, line: bytes) -> None:
        state = self._state
        if state is _State.HEADER:
            self._chunk_header(line)
        elif state is _State.FINAL_CRLF:
            if line:
                raise _framing("unexpected trailing headers (x-amz-content-sha256 does not announce any)")
            self._state = _State.DONE
        else:
            self._trailer_line(line)

    def _chunk_header(self, line: bytes) -> None:
        if self._ctx is not None:
            m = _SIGNED_HEADER.fullmatch(line)
            if m is None:
                raise _framing("bad chunk header (expected <hex-size>;chunk-signature=<64 hex>)")
            self._expected_sig = m.group(2)
        else:
            m = _UNSIGNED_HEADER.fullmatch(line)
            if m is None:
                raise _framing("bad chunk header (expected <hex-size>)")
        size = int(m.group(1), 16)
        if self._decoded_length is not None and self._total + size > self._decoded_length:
            raise IncompleteBody(
                f"The decoded body is longer than x-amz-decoded-content-length ({self._decoded_length}).",
                NumberBytesExpected=str(self._decoded_length),
                NumberBytesProvided=str(self._total + size),
            )
        self._total += size
        if size:
            self._chunks += 1
            if self._chunks > 1 and self._last_size < self._min_chunk:
                # A chunk follows a small one, which was therefore not the last: AWS names the
                # chunk being read and the size of the small one (versity/versitygw#1683).
                raise InvalidChunkSizeError(Chunk=str(self._chunks), BadChunkSize=str(self._last_size))
            self._last_size = size
        if size == 0:
            self._hasher = None
            self._end_chunk()
            self._state = _State.TRAILER if self._trailer_expected else _State.FINAL_CRLF
            return
        self._remaining = size
        self._hasher = hashlib.sha256() if self._ctx is not None else None
        self._state = _State.DATA

    def _end_chunk(self) -> None:
        """Verify the signature of the chunk just completed (no-op when unsigned)."""
        ctx = self._ctx
        if ctx is None:
            return
        digest = self._hasher.hexdigest() if self._hasher is not None else EMPTY_SHA256
        sts = f"{self._sts_prefix}{self._prev_sig}\n{EMPTY_SHA256}\n{digest}"
        sig = hmac.new(ctx.signing_key, sts.encode(), "sha256").hexdigest()
        if not hmac.compare_digest(sig.encode(), self._expected_sig):
            raise SignatureDoesNotMatch(
                "The chunk signature we calculated does not match the signature you provided.",
                AWSAccessKeyId=ctx.access_key,
                StringToSign=sts,
                SignatureProvided=self._expected_sig.decode(),
            )
        self._prev_sig = sig
        self._hasher = None

    def _trailer_line(self, line: bytes) -> None:
        if not line:
            if self._ctx is not None and not self._trailer_signed:
                raise SignatureDoesNotMatch(
                    "The trailing headers of a signed stream must end with x-amz-trailer-signature.",
                    AWSAccessKeyId=self._ctx.access_key,
                )
            self._state = _State.DONE
            return
        if self._trailer_signed:
            raise _framing("trailing header after x-amz-trailer-signature")
        name_b, colon, value_b = line.partition(b":")
        try:
            name = name_b.decode("ascii").strip().lower()
            value = value_b.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise _framing("trailing header is not text") from None
        if not colon or not name or any(c.isspace() for c in name):
            raise _framing("bad trailing header line")
        if name == "x-amz-trailer-signature":
            self._check_trailer_signature(value)
            return
        if len(self._trailer_lines) >= MAX_TRAILERS:
            raise _framing("too many trailing headers")
        self._trailer_lines.append((name, value))
        self._trailers[name] = f"{self._trailers[name]},{value}" if name in self._trailers else value

    def _check_trailer_signature(self, provided: str) -> None:
        ctx = self._ctx
        if ctx is None:
            raise _framing("x-amz-trailer-signature in an unsigned stream")
        prefix = f"AWS4-HMAC-SHA256-TRAILER\n{ctx.amz_date}\n{ctx.scope}\n{self._prev_sig}\n"
        forms = [
            "".join(f"{n}:{v}\n" for n, v in self._trailer_lines),
            "".join(f"{n}:{v}\r\n" for n, v in self._trailer_lines),
        ]
        provided_b = provided.encode("ascii", "replace")
        for form in forms:
            sts = prefix + hashlib.sha256(form.encode()).hexdigest()
            sig = hmac.new(ctx.signing_key, sts.encode(), "sha256").hexdigest()
            if hmac.compare_digest(sig.encode(), provided_b):
                self._trailer_signed = True
                self._prev_sig = sig
                return
        raise SignatureDoesNotMatch(
            "The trailer signature we calculated does not match the signature you provided.",
            AWSAccessKeyId=ctx.access_key,
            StringToSign=prefix + hashlib.sha256(forms[0].encode()).hexdigest(),
            SignatureProvided=provided,
        )
