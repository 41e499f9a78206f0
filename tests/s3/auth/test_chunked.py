"""Tests of the aws-chunked decoder against an independent test-side encoder and AWS's example.

The encoder below is written from the S3 "SigV4 streaming" documents, not from
:mod:`cargobay.s3.auth.chunked`; the AWS worked example ("Example: PUT Object", 64 KiB chunks) pins
both to the published signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import zlib
from collections.abc import Sequence

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.auth import StreamingContext
from cargobay.s3.auth.chunked import MAX_LINE, MIN_CHUNK, AwsChunkedDecoder, decoded_content_length
from cargobay.s3.errors import S3Error
from cargobay.s3.signing import derive_signing_key

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
DATE = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"
CTX = StreamingContext(SEED, derive_signing_key(SECRET, "20130524", "us-east-1"), SCOPE, DATE, AK)
EMPTY_HASH = hashlib.sha256(b"").hexdigest()


# --- the test-side encoder


def _hmac_hex(message: str) -> str:
    key = hmac.digest(("AWS4" + SECRET).encode(), b"20130524", "sha256")
    for part in (b"us-east-1", b"s3", b"aws4_request"):
        key = hmac.digest(key, part, "sha256")
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def encode(
    payload: bytes,
    chunk_size: int,
    *,
    signed: bool,
    trailers: Sequence[tuple[str, str]] | None = None,
    trailer_newline: str = "\n",
) -> bytes:
    """aws-chunked framing of ``payload``: signed chunks chained from SEED, optional trailers."""
    out = bytearray()
    prev = SEED
    pieces = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)] + [b""]
    for piece in pieces:
        if signed:
            sts = "\n".join(
                ["AWS4-HMAC-SHA256-PAYLOAD", DATE, SCOPE, prev, EMPTY_HASH, hashlib.sha256(piece).hexdigest()]
            )
            prev = _hmac_hex(sts)
            out += f"{len(piece):x};chunk-signature={prev}\r\n".encode()
        else:
            out += f"{len(piece):x}\r\n".encode()
        if piece:
            out += piece + b"\r\n"
    if trailers is not None:
        for name, value in trailers:
            out += f"{name}:{value}\r\n".encode()
        if signed:
            canonical = "".join(f"{n}:{v}{trailer_newline}" for n, v in trailers)
            sts = "\n".join(
                [
                    "AWS4-HMAC-SHA256-TRAILER",
                    DATE,
                    SCOPE,
                    prev,
                    hashlib.sha256(canonical.encode()).hexdigest(),
                ]
            )
            out += f"x-amz-trailer-signature:{_hmac_hex(sts)}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


def decode(
    body: bytes,
    splits: Sequence[int] = (),
    *,
    signed: bool = True,
    trailer: bool = False,
    length: int | None = None,
    min_chunk: int = 1,
) -> tuple[bytes, dict[str, str]]:
    """Decode ``body`` fed in the pieces ``splits`` cut. The framing tests use chunks of a few bytes,
    so the 8 KiB minimum of a chunk that is not the last is off unless ``min_chunk`` says it (its
    own tests are below)."""
    decoder = AwsChunkedDecoder(
        CTX if signed else None, decoded_length=length, trailer_expected=trailer, min_chunk=min_chunk
    )
    out = bytearray()
    start = 0
    for cut in [*sorted(set(splits)), len(body)]:
        for piece in decoder.feed(body[start:cut]):
            out += piece
        start = cut
    return bytes(out), decoder.finish()


def decode_error(body: bytes, **kw: object) -> S3Error:
    with pytest.raises(S3Error) as info:
        decode(body, **kw)  # type: ignore[arg-type]
    return info.value


# --- AWS's worked example

EXAMPLE_SIGNATURES = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
]
EXAMPLE_BODY = (
    f"10000;chunk-signature={EXAMPLE_SIGNATURES[0]}\r\n".encode() + b"a" * 65536 + b"\r\n"
    + f"400;chunk-signature={EXAMPLE_SIGNATURES[1]}\r\n".encode() + b"a" * 1024 + b"\r\n"
    + f"0;chunk-signature={EXAMPLE_SIGNATURES[2]}\r\n\r\n".encode()
)  # fmt: skip


def test_aws_put_object_example_decodes() -> None:
    assert len(EXAMPLE_BODY) == 66824  # the example's Content-Length
    assert decode(EXAMPLE_BODY, length=66560) == (b"a" * 66560, {})


def test_test_encoder_reproduces_aws_example() -> None:
    assert encode(b"a" * 66560, 65536, signed=True) == EXAMPLE_BODY


@pytest.mark.parametrize("which", range(3))
def test_aws_example_with_wrong_chunk_signature_is_rejected(which: int) -> None:
    bad = EXAMPLE_BODY.replace(EXAMPLE_SIGNATURES[which].encode(), b"0" * 64)
    err = decode_error(bad, length=66560)
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)


def test_chunk_signature_error_is_raised_by_the_feed_that_completes_the_chunk() -> None:
    bad = bytearray(EXAMPLE_BODY)
    bad[100] ^= 1  # inside the first chunk's data
    decoder = AwsChunkedDecoder(CTX, decoded_length=66560, trailer_expected=False)
    decoder.feed(bytes(bad[:60000]))
    with pytest.raises(S3Error) as info:
        decoder.feed(bytes(bad[60000:]))
    assert info.value.code == "SignatureDoesNotMatch"
    with pytest.raises(S3Error):  # stays failed
        decoder.finish()


# --- random splits and flipped bits

MODES = st.sampled_from(["signed", "signed-trailer", "unsigned-trailer"])
TRAILERS = st.lists(
    st.tuples(
        st.sampled_from(["x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha256", "x-amz-meta-t"]),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12),
    ),
    max_size=3,
    unique_by=lambda t: t[0],
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes, bytes, list[tuple[str, str]]]:
    mode = draw(MODES)
    payload = draw(st.binary(max_size=600))
    size = draw(st.integers(1, 200))
    trailers = draw(TRAILERS) if mode.endswith("trailer") else []
    if mode == "signed-trailer" and not trailers:
        trailers = [("x-amz-checksum-crc32", "AAAAAA==")]
    body = encode(
        payload,
        size,
        signed=mode.startswith("signed"),
        trailers=trailers if mode.endswith("trailer") else None,
    )
    return mode, payload, body, trailers


def _decode_mode(mode: str, body: bytes, splits: Sequence[int], length: int | None) -> tuple[bytes, dict[str, str]]:
    return decode(body, splits, signed=mode.startswith("signed"), trailer=mode.endswith("trailer"), length=length)


@given(case=bodies(), data=st.data())
def test_decoder_returns_payload_and_trailers_for_any_split(
    case: tuple[str, bytes, bytes, list[tuple[str, str]]], data: st.DataObject
) -> None:
    mode, payload, body, trailers = case
    splits = data.draw(st.lists(st.integers(0, len(body)), max_size=12))
    length = data.draw(st.sampled_from([None, len(payload)]))
    assert _decode_mode(mode, body, splits, length) == (payload, dict(trailers))


@given(case=bodies(), data=st.data())
def test_flipped_bit_is_rejected_or_changes_nothing(
    case: tuple[str, bytes, bytes, list[tuple[str, str]]], data: st.DataObject
) -> None:
    # Signed streams: every byte is covered. Unsigned ones: only the framing is checked here (their
    # data and trailer values are protected by the trailer checksum, which the caller verifies).
    mode, payload, body, trailers = case
    if mode == "unsigned-trailer":
        framing = _framing_positions(body)
        index = data.draw(st.sampled_from(framing))
    else:
        index = data.draw(st.integers(0, len(body) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(body)
    flipped[index] ^= 1 << bit
    splits = data.draw(st.lists(st.integers(0, len(body)), max_size=6))
    try:
        result = _decode_mode(mode, bytes(flipped), splits, len(payload))
    except S3Error as err:
        assert err.code in {"SignatureDoesNotMatch", "InvalidArgument", "IncompleteBody"}
        assert err.status in (400, 403)
    else:
        # Only an equivalent spelling survives: hex digit or trailer-name case.
        assert result == (payload, dict(trailers))


def _framing_positions(body: bytes) -> list[int]:
    """Offsets of the chunk-size lines and CRLFs of an unsigned body (not data, not trailer text)."""
    positions: list[int] = []
    pos = 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol], 16)
        positions.extend(range(pos, eol + 2))
        pos = eol + 2
        if size == 0:
            break
        positions.extend([pos + size, pos + size + 1])
        pos += size + 2
    while True:  # trailer lines: only their CRLF (names and values are unprotected when unsigned)
        eol = body.index(b"\r\n", pos)
        positions.extend([eol, eol + 1])
        if eol == pos:
            break
        pos = eol + 2
    return positions


# --- trailers


def test_signed_trailer_accepts_wire_form_canonicalisation_too() -> None:
    trailers = [("x-amz-checksum-crc32c", "sOO8/Q==")]
    for newline in ("\n", "\r\n"):
        body = encode(b"x" * 100, 64, signed=True, trailers=trailers, trailer_newline=newline)
        assert decode(body, trailer=True, length=100) == (b"x" * 100, dict(trailers))


def test_signed_trailer_with_changed_value_is_rejected() -> None:
    body = encode(b"x" * 100, 64, signed=True, trailers=[("x-amz-checksum-crc32", "AAAAAA==")])
    bad = body.replace(b"AAAAAA==", b"AAAAAB==")
    err = decode_error(bad, trailer=True)
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)


def test_signed_trailer_without_signature_is_rejected() -> None:
    body = encode(b"x" * 10, 64, signed=True, trailers=[("x-amz-checksum-crc32", "AAAAAA==")])
    cut = body.index(b"x-amz-trailer-signature")
    err = decode_error(body[:cut] + b"\r\n", trailer=True)
    assert err.code == "SignatureDoesNotMatch"


def test_unsigned_trailer_signature_line_is_malformed() -> None:
    body = encode(b"x" * 10, 64, signed=False, trailers=[("x-amz-trailer-signature", "0" * 64)])
    assert decode_error(body, signed=False, trailer=True).code == "InvalidArgument"


def test_botocore_aws_chunked_wrapper_body_decodes_with_its_crc32_trailer() -> None:
    payload = bytes(range(256)) * 1000
    wrapper = AwsChunkedWrapper(
        io.BytesIO(payload),
        checksum_cls=Crc32Checksum,
        checksum_name="x-amz-checksum-crc32",
        chunk_size=65536,
    )
    body = wrapper.read()
    got, trailers = decode(body, [7, 70000, 70001], signed=False, trailer=True, length=len(payload))
    assert got == payload
    expected = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
    assert trailers == {"x-amz-checksum-crc32": expected}


# --- framing and length errors


def test_truncated_body_is_incomplete() -> None:
    for cut in (0, 10, 100, len(EXAMPLE_BODY) - 1):
        err = decode_error(EXAMPLE_BODY[:cut], length=66560)
        assert (err.code, err.status) == ("IncompleteBody", 400)


def test_decoded_length_mismatch_is_incomplete_body() -> None:
    shorter = decode_error(EXAMPLE_BODY, length=66561)  # shorter than declared
    longer = decode_error(EXAMPLE_BODY, length=66559)  # longer: raised while feeding
    # Both name the declared and the decoded count, as S3 does (versity/versitygw#1684).
    assert (shorter.code, shorter.extra) == (
        "IncompleteBody",
        {"NumberBytesExpected": "66561", "NumberBytesProvided": "66560"},
    )
    assert (longer.code, longer.extra) == (
        "IncompleteBody",
        {"NumberBytesExpected": "66559", "NumberBytesProvided": "66560"},
    )


@pytest.mark.parametrize(
    ("body", "signed"),
    [
        (EXAMPLE_BODY + b"x", True),
        (EXAMPLE_BODY.replace(b"10000;", b"1000g;"), True),
        (EXAMPLE_BODY.replace(b";chunk-signature=", b";chunk-signatur="), True),
        (b"5\r\nhello\r\n0\r\n\r\n", True),
        (b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n0\r\n\r\n", False),
        (b"5\r\nhelloXX0\r\n\r\n", False),
        (b"5\nhello\r\n0\r\n\r\n", False),
        (b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", False),
        (b"f" * (MAX_LINE + 1), False),
    ],
    ids=["data-after-end", "bad-hex", "bad-extension", "missing-signature", "signature-when-unsigned",
         "no-crlf-after-data", "bare-lf", "unannounced-trailer", "endless-header"],
)  # fmt: skip
def test_malformed_framing_is_invalid_argument(body: bytes, signed: bool) -> None:
    err = decode_error(body, signed=signed)
    assert (err.code, err.status) == ("InvalidArgument", 400)


def test_decoder_accepts_memoryview_and_bytearray_input() -> None:
    decoder = AwsChunkedDecoder(CTX, decoded_length=66560, trailer_expected=False)
    out = bytearray()
    for i in range(0, len(EXAMPLE_BODY), 5000):
        piece = EXAMPLE_BODY[i : i + 5000]
        for part in decoder.feed(memoryview(piece) if i % 2 else bytearray(piece)):
            out += part
    assert decoder.finish() == {}
    assert bytes(out) == b"a" * 66560
    assert decoder.decoded_bytes == 66560


def test_payload_pieces_are_views_of_the_input() -> None:
    body = encode(b"z" * 1000, 1000, signed=False, trailers=[])
    decoder = AwsChunkedDecoder(None, decoded_length=None, trailer_expected=True)
    pieces = decoder.feed(body)
    assert [p.obj is body for p in pieces] == [True]


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("0", 0), ("66560", 66560)])
def test_decoded_content_length_parses(value: str | None, expected: int | None) -> None:
    headers = {} if value is None else {"x-amz-decoded-content-length": value}
    assert decoded_content_length(headers) == expected


@pytest.mark.parametrize("value", ["-1", "1e3", "", "\u0661"])
def test_decoded_content_length_rejects_non_integers(value: str) -> None:
    with pytest.raises(S3Error) as info:
        decoded_content_length({"x-amz-decoded-content-length": value})
    # S3 answers as if no length were given (versity/versitygw#1656).
    assert (info.value.code, info.value.status) == ("MissingContentLength", 411)


# --- the size of a chunk (sigv4-streaming.html: at least 8 KB, but the last)


@pytest.mark.parametrize("signed", [True, False])
def test_chunk_under_8_kib_followed_by_another_is_invalid_chunk_size(signed: bool) -> None:
    body = encode(b"s" * 1000 + b"t" * 9000, 1000, signed=signed, trailers=None if signed else [])
    err = decode_error(body, signed=signed, trailer=not signed, min_chunk=MIN_CHUNK)
    assert (err.code, err.status) == ("InvalidChunkSizeError", 403)
    assert err.extra == {"Chunk": "2", "BadChunkSize": "1000"}


@pytest.mark.parametrize("signed", [True, False])
def test_chunks_of_8_kib_and_a_smaller_last_one_are_valid(signed: bool) -> None:
    payload = b"a" * 8192 * 3 + b"b" * 10
    body = encode(payload, 8192, signed=signed, trailers=None if signed else [])
    assert decode(body, [5, 9000], signed=signed, trailer=not signed, min_chunk=MIN_CHUNK) == (payload, {})


def test_one_small_chunk_is_valid() -> None:
    body = encode(b"tiny", 8192, signed=True)
    assert decode(body, signed=True, min_chunk=MIN_CHUNK) == (b"tiny", {})
