"""Header values a signed request cannot carry reach a server run without authentication
(``serve --no-auth``, or an anonymous read of a public object) as sent: they still get a 4xx,
never a 500, and never a meaning S3 would not give them.

'²' is a digit to ``str.isdigit`` and not to ``int``; a header read with the first and converted with
the second was an InternalError (API_GetObjectAttributes.html: x-amz-max-parts and
x-amz-part-number-marker are integers). U+0660 and U+0662 (ARABIC-INDIC DIGIT ZERO and TWO) are
digits to a Unicode regular expression's digit class and to ``int``: a Range or
x-amz-copy-source-range written with them was read as bytes 0-2, where the HTTP grammar (RFC 9110
section 14.1.1: DIGIT is 0-9) makes it no range at all.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer

BUCKET = "noauth-headers"


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer(auth=False) as srv:
        client = boto3_client(srv.endpoint)
        client.create_bucket(Bucket=BUCKET)
        upload = client.create_multipart_upload(Bucket=BUCKET, Key="mp", ChecksumAlgorithm="CRC32")["UploadId"]
        part = client.upload_part(
            Bucket=BUCKET, Key="mp", UploadId=upload, PartNumber=1, Body=b"x", ChecksumAlgorithm="CRC32"
        )
        done = [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32": part["ChecksumCRC32"]}]
        client.complete_multipart_upload(Bucket=BUCKET, Key="mp", UploadId=upload, MultipartUpload={"Parts": done})
        client.put_object(Bucket=BUCKET, Key="ten", Body=b"0123456789")
        yield srv
        assert srv.running.services.internal_errors == 0


def _answer(server: InProcessServer, head: bytes) -> bytes:
    """The whole answer to ``head`` (sent with Connection: close)."""
    host, port = server.endpoint.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def _status_of(server: InProcessServer, head: bytes) -> int:
    return int(_answer(server, head).split(b" ", 2)[1])


# U+0660 and U+0662, ARABIC-INDIC DIGIT ZERO and TWO, in UTF-8, with a hyphen between.
_ARABIC_ZERO_TO_TWO = b"\xd9\xa0-\xd9\xa2"


def test_a_range_of_non_ascii_digits_is_no_range(server: InProcessServer) -> None:
    """RFC 9110 section 14.2: a Range field the server does not understand is ignored, and the whole
    object is answered (200), as AWS does for any malformed Range (API_GetObject.html names RFC 9110)."""
    head = (
        b"GET /" + BUCKET.encode() + b"/ten HTTP/1.1\r\nHost: s3\r\nConnection: close\r\n"
        b"Range: bytes=" + _ARABIC_ZERO_TO_TWO + b"\r\n\r\n"
    )
    answer = _answer(server, head)
    assert answer.split(b" ", 2)[1] == b"200", answer[:200]
    assert answer.endswith(b"\r\n\r\n0123456789"), answer[-60:]


def test_a_copy_source_range_of_non_ascii_digits_is_400(server: InProcessServer) -> None:
    """API_UploadPartCopy.html: x-amz-copy-source-range is "bytes=first-last" with byte offsets;
    anything else is 400 InvalidArgument, and no part is made."""
    client = boto3_client(server.endpoint)
    upload = client.create_multipart_upload(Bucket=BUCKET, Key="copied")["UploadId"]
    head = (
        (
            f"PUT /{BUCKET}/copied?partNumber=1&uploadId={upload} HTTP/1.1\r\nHost: s3\r\nConnection: close\r\n"
            f"Content-Length: 0\r\nx-amz-copy-source: /{BUCKET}/ten\r\n"
        ).encode()
        + b"x-amz-copy-source-range: bytes="
        + _ARABIC_ZERO_TO_TWO
        + b"\r\n\r\n"
    )
    answer = _answer(server, head)
    assert answer.split(b" ", 2)[1] == b"400" and b"<Code>InvalidArgument</Code>" in answer, answer[:400]
    assert client.list_parts(Bucket=BUCKET, Key="copied", UploadId=upload).get("Parts", []) == []
    client.abort_multipart_upload(Bucket=BUCKET, Key="copied", UploadId=upload)


@pytest.mark.parametrize("name", [b"x-amz-max-parts", b"x-amz-part-number-marker"])
def test_a_non_ascii_digit_in_a_paging_header_is_400(server: InProcessServer, name: bytes) -> None:
    head = (
        b"GET /" + BUCKET.encode() + b"/mp?attributes HTTP/1.1\r\nHost: s3\r\nConnection: close\r\n"
        b"x-amz-object-attributes: ObjectParts\r\n" + name + b": \xc2\xb2\r\n\r\n"
    )
    assert _status_of(server, head) == 400


def test_a_non_ascii_digit_in_the_multipart_object_size_is_400(server: InProcessServer) -> None:
    """x-amz-mp-object-size (API_CompleteMultipartUpload.html) read as a number S3 would read."""
    client = boto3_client(server.endpoint)
    upload = client.create_multipart_upload(Bucket=BUCKET, Key="sized")["UploadId"]
    etag = client.upload_part(Bucket=BUCKET, Key="sized", UploadId=upload, PartNumber=1, Body=b"x")["ETag"]
    body = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    ).encode()
    head = (
        (
            f"POST /{BUCKET}/sized?uploadId={upload} HTTP/1.1\r\nHost: s3\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n"
        ).encode()
        + b"x-amz-mp-object-size: \xc2\xb2\r\n\r\n"
        + body
    )
    assert _status_of(server, head) == 400
    client.abort_multipart_upload(Bucket=BUCKET, Key="sized", UploadId=upload)
