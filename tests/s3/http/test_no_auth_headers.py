"""Header values a signed request cannot carry reach a server run without authentication
(``serve --no-auth``) as sent: they still get a 4xx, never a 500.

'²' is a digit to ``str.isdigit`` and not to ``int``; a header read with the first and converted with
the second was an InternalError (API_GetObjectAttributes.html: x-amz-max-parts and
x-amz-part-number-marker are integers).
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
        yield srv
        assert srv.running.services.internal_errors == 0


def _status_of(server: InProcessServer, head: bytes) -> int:
    host, port = server.endpoint.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        answer = b""
        while b"\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


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
