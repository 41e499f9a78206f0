"""The request as a whole: how its body is framed (Content-Length missing or malformed), what
every error answer looks like (the error document and the request-id headers), and the limits
and round trips of the headers stored with an object (user metadata, content headers).

ErrorResponses.html, "REST error responses": an error answer has ``Content-Type: application/xml``,
a 3xx/4xx/5xx status, and a body whose ``Error`` element holds the ``Code``, ``Message``,
``Resource`` ("The bucket or object that is involved in the error") and ``RequestId`` of the
request; the same id is in the ``x-amz-request-id`` header, with ``x-amz-id-2`` beside it
(RESTCommonResponseHeaders.html). A HEAD answer has no body but the same headers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import UNSIGNED, RawS3, Response, key_path

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_ERRORS = _API + "ErrorResponses.html"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

pytestmark = [pytest.mark.s3_requires("objects"), pytest.mark.aws_doc(_ERRORS)]


def _error_document(answer: Response) -> dict[str, str | None]:
    """The children of an error body's ``Error`` root, asserting it is one (by name, not order)."""
    assert answer.body, f"{answer.status} answer without an error document"
    try:
        root = ET.fromstring(answer.body)
    except ET.ParseError:
        raise AssertionError(f"{answer.status} answer is not an XML error document: {answer.body[:200]!r}") from None
    assert root.tag == "Error", f"error document root is <{root.tag}>, not <Error>"
    return {child.tag: child.text for child in root}


def _assert_error_shape(answer: Response, *, resource: bool = True) -> None:
    """ErrorResponses.html's shape: XML, Code/Message/RequestId (and Resource), the request id in
    ``x-amz-request-id`` and ``x-amz-id-2`` present."""
    assert answer.status >= 300, answer
    content_type = answer.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == "application/xml", f"Content-Type {content_type!r}: {answer}"
    fields = _error_document(answer)
    wanted = ("Code", "Message", "RequestId", *(("Resource",) if resource else ()))
    missing = [name for name in wanted if not fields.get(name)]
    assert not missing, f"error document without {missing}: {answer}"
    assert answer.headers.get("x-amz-request-id") == fields["RequestId"], (
        f"x-amz-request-id {answer.headers.get('x-amz-request-id')!r} is not the RequestId {fields['RequestId']!r}"
    )
    assert answer.headers.get("x-amz-id-2"), f"no x-amz-id-2 header: {answer.headers}"


# -- Content-Length ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["signed", "unsigned"])
def test_put_object_without_content_length_is_411_missing_content_length(
    raw: RawS3, s3: Any, bucket: str, payload: str
) -> None:
    """ErrorResponses.html, MissingContentLength (411 Length Required): "You must provide the
    Content-Length HTTP header." A PUT that sends neither Content-Length nor a chunked transfer
    coding has an empty body on the wire (RFC 9112 section 6.3), and S3 refuses it rather than
    storing an empty object."""
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), payload_hash=UNSIGNED if payload == "unsigned" else None)
    answer = raw.send(signed, add_length=False, timeout=10)
    assert (answer.status, answer.code) == (411, "MissingContentLength"), answer
    _assert_error_shape(answer)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


@pytest.mark.s3_requires("multipart")
def test_upload_part_without_content_length_is_411_missing_content_length(raw: RawS3, s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    try:
        signed = raw.sign_v4("PUT", key_path(bucket, "k"), [("partNumber", "1"), ("uploadId", upload)])
        answer = raw.send(signed, add_length=False, timeout=10)
        assert (answer.status, answer.code) == (411, "MissingContentLength"), answer
        assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)


@pytest.mark.parametrize(
    "value",
    ["abc", "-1", "", "+5", "5, 5", "1.5"],
    ids=["word", "negative", "empty", "plus-sign", "list", "fraction"],
)
def test_put_object_malformed_content_length_is_400_error_document(
    raw: RawS3, s3: Any, bucket: str, value: str
) -> None:
    """RFC 9110 section 8.6: Content-Length is one or more digits; any other value makes the message
    invalid (RFC 9112 section 6.3: the server answers 400 and closes the connection). S3's answer is
    an error like any other: the error document and the request id of ErrorResponses.html (the AWS
    pages name no code for it, so the code is not checked), and nothing stored."""
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), body=b"hello", payload_hash=UNSIGNED)
    signed.headers["content-length"] = value
    answer = raw.send(signed, timeout=10)
    assert answer.status == 400, answer
    _assert_error_shape(answer, resource=False)
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k")) == (404, None)


def _answer_after_half_close(raw: RawS3, signed: Any, declared: int, sent: bytes) -> Response:
    """Send the request head declaring ``declared`` body bytes, then ``sent`` (fewer), then close
    the sending side of the connection (a half-close): the answer read after that."""
    import http.client
    import socket

    if raw.scheme != "http":
        pytest.skip("capability: a half-closed connection is sent over plain HTTP only")
    head = [f"{signed.method} {signed.target} HTTP/1.1", *(f"{k}: {v}" for k, v in signed.headers.items())]
    head.append(f"content-length: {declared}")
    with socket.create_connection((raw.host, raw.port), timeout=20) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + sent)
        sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        try:
            response.begin()
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except (http.client.RemoteDisconnected, ConnectionError):
            pytest.fail("no answer: the connection was closed when the client stopped sending")
        finally:
            response.close()


@pytest.mark.parametrize(("declared", "sent"), [(10, 5), (3 << 20, 3 << 19)], ids=["small", "streamed"])
def test_put_object_body_shorter_than_content_length_is_400_incomplete_body(
    raw: RawS3, s3: Any, bucket: str, declared: int, sent: int
) -> None:
    """ErrorResponses.html, IncompleteBody (400): "You did not provide the number of bytes specified
    by the Content-Length HTTP header." The client sends fewer bytes and closes its side of the
    connection (it can still read: RFC 9112 section 9.6); nothing is stored, an older object stays."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    signed = raw.sign_v4("PUT", key_path(bucket, "k"), payload_hash=UNSIGNED)
    answer = _answer_after_half_close(raw, signed, declared, b"x" * sent)
    assert (answer.status, answer.code) == (400, "IncompleteBody"), answer
    _assert_error_shape(answer)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.s3_requires("multipart")
def test_upload_part_shorter_than_content_length_is_400_incomplete_body(raw: RawS3, s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    try:
        params = [("partNumber", "1"), ("uploadId", upload)]
        signed = raw.sign_v4("PUT", key_path(bucket, "k"), params, payload_hash=UNSIGNED)
        answer = _answer_after_half_close(raw, signed, 3 << 20, b"x" * (1 << 20))
        assert (answer.status, answer.code) == (400, "IncompleteBody"), answer
        assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload).get("Parts", []) == []
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)


# -- Expect: 100-continue ------------------------------------------------------------------------
# RESTObjectPUT.html, Expect: "When your application uses 100-continue, it does not send the
# request body until it receives an acknowledgment. If the message is rejected based on the
# headers, the body of the message is not sent." (RFC 9110 section 10.1.1.) test_auth checks it
# for authentication; here for the other refusals the request line and headers decide.

_HEADER_REFUSALS: dict[str, tuple[dict[str, str], str, str]] = {
    "malformed-content-md5": ({"content-md5": "not base64!"}, "k", "InvalidDigest"),
    "metadata-over-2kb": ({"x-amz-meta-a": "v" * 2100}, "k", "MetadataTooLarge"),
    "unknown-storage-class": ({"x-amz-storage-class": "COLD"}, "k", "InvalidStorageClass"),
    "over-5-gib": ({"content-length": str(5 * 1024**3 + 1)}, "k", "EntityTooLarge"),
    "key-over-1024-bytes": ({}, "k" * 1025, "KeyTooLongError"),
}


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPUT.html")
@pytest.mark.parametrize("case", list(_HEADER_REFUSALS))
def test_put_object_refused_on_its_headers_answers_before_100_continue(
    raw: RawS3, s3: Any, bucket: str, case: str
) -> None:
    from cargobay.testing.conformance_suite.test_auth import _first_answer_to_expect_continue

    headers, key, code = _HEADER_REFUSALS[case]
    body = b"x" * 1000
    sent = {"expect": "100-continue", "content-length": str(len(body)), **headers}
    signed = raw.sign_v4("PUT", key_path(bucket, key), body=body, headers=sent, payload_hash=UNSIGNED)
    first = _first_answer_to_expect_continue(raw, signed)
    assert first.split(b" ")[1:2] == [b"400"], f"{code} expected before the body, got {first!r}"
    if case != "over-5-gib":  # the same request without Expect, its body sent: the refusal named
        del sent["expect"]
        signed = raw.sign_v4("PUT", key_path(bucket, key), body=body, headers=sent, payload_hash=UNSIGNED)
        answer = raw.send(signed, timeout=10)
        assert (answer.status, answer.code) == (400, code), answer


# -- the error document on every error -------------------------------------------------------------


def _missing_key(raw: RawS3, bucket: str) -> Response:
    return raw.request("GET", key_path(bucket, "no-such-key"))


def _missing_bucket(raw: RawS3, bucket: str) -> Response:
    return raw.request("GET", key_path(bucket + "-none", "k"))


def _bad_argument(raw: RawS3, bucket: str) -> Response:
    return raw.request("GET", "/" + bucket, [("max-keys", "abc")])


def _bad_digest(raw: RawS3, bucket: str) -> Response:
    return raw.request("PUT", key_path(bucket, "k"), headers={"content-md5": "not base64!"}, body=b"x")


def _wrong_method(raw: RawS3, bucket: str) -> Response:
    return raw.request("PATCH", key_path(bucket, "k"))


def _wrong_secret(raw: RawS3, bucket: str) -> Response:
    return raw.request("GET", "/" + bucket, secret="not-the-secret")


def _anonymous(raw: RawS3, bucket: str) -> Response:
    return raw.send("/" + bucket, method="GET")


_ERROR_CASES: dict[str, tuple[Callable[[RawS3, str], Response], int, str]] = {
    "no-such-key": (_missing_key, 404, "NoSuchKey"),
    "no-such-bucket": (_missing_bucket, 404, "NoSuchBucket"),
    "invalid-argument": (_bad_argument, 400, "InvalidArgument"),
    "invalid-digest": (_bad_digest, 400, "InvalidDigest"),
    "method-not-allowed": (_wrong_method, 405, "MethodNotAllowed"),
    "signature-does-not-match": (_wrong_secret, 403, "SignatureDoesNotMatch"),
    "anonymous": (_anonymous, 403, "AccessDenied"),
}


@pytest.mark.parametrize("case", list(_ERROR_CASES))
def test_error_answer_is_the_documented_error_document(raw: RawS3, bucket: str, case: str) -> None:
    send, status, code = _ERROR_CASES[case]
    answer = send(raw, bucket)
    assert (answer.status, answer.code) == (status, code), answer
    _assert_error_shape(answer)


def test_error_answer_to_head_has_no_body_and_the_request_id_headers(raw: RawS3, bucket: str) -> None:
    """RFC 9110 section 9.3.2: a HEAD answer has no body; the status and the request-id headers
    still say what happened (API_HeadObject.html: 404 for a missing key)."""
    answer = raw.request("HEAD", key_path(bucket, "no-such-key"))
    assert (answer.status, answer.body) == (404, b""), answer
    assert answer.headers.get("x-amz-request-id") and answer.headers.get("x-amz-id-2"), answer.headers


def test_error_answers_have_distinct_request_ids(raw: RawS3, bucket: str) -> None:
    """RESTCommonResponseHeaders.html: x-amz-request-id "uniquely identifies the request"."""
    ids = {_missing_key(raw, bucket).headers.get("x-amz-request-id") for _ in range(3)}
    assert len(ids) == 3 and None not in ids, ids


# -- user metadata and content headers -------------------------------------------------------------


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc(_GUIDE + "UsingMetadata.html")
def test_put_object_metadata_of_exactly_2kb_is_accepted(s3: Any, bucket: str) -> None:
    """UsingMetadata.html: user metadata "is limited to 2 KB in size", measured as "the sum of the
    number of bytes in the UTF-8 encoding of each key and value" (the x-amz-meta- prefix is not
    counted): 2,048 bytes are accepted, 2,049 are MetadataTooLarge (400)."""
    exact = {"k": "v" * 2047}
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata=exact)
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == exact
    over = {"k": "v" * 2048}
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="n", Body=b"x", Metadata=over)) == (
        400,
        "MetadataTooLarge",
    )
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="n")) == (404, None)


@pytest.mark.s3_requires("metadata")
@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_GUIDE + "UsingMetadata.html")
def test_create_multipart_upload_metadata_over_2kb_is_400_metadata_too_large(s3: Any, bucket: str) -> None:
    over = {"k": "v" * 2048}
    assert error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="n", Metadata=over)) == (
        400,
        "MetadataTooLarge",
    )
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.s3_requires("metadata")
@pytest.mark.s3_requires("copy")
@pytest.mark.aws_doc(_GUIDE + "UsingMetadata.html")
def test_copy_object_replaced_metadata_over_2kb_is_400_metadata_too_large(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    over = {"k": "v" * 2048}
    status_code = error_of(
        lambda: s3.copy_object(
            Bucket=bucket,
            Key="dst",
            CopySource={"Bucket": bucket, "Key": "src"},
            Metadata=over,
            MetadataDirective="REPLACE",
        )
    )
    assert status_code == (400, "MetadataTooLarge")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="dst")) == (404, None)


@pytest.mark.aws_doc(_API + "API_GetObject.html")
def test_get_object_returns_the_stored_content_headers(s3: Any, bucket: str) -> None:
    """API_GetObject.html lists Cache-Control, Content-Disposition, Content-Encoding,
    Content-Language, Content-Type and Expires among the response headers: GetObject returns what
    PutObject stored, as HeadObject does (test_objects checks HEAD)."""
    stored = {
        "cache-control": "no-cache, max-age=0",
        "content-disposition": "inline",
        "content-encoding": "identity",
        "content-language": "en-GB, fr",
        "content-type": "application/json; charset=utf-8",
        "expires": "Thu, 01 Jan 2037 00:00:00 GMT",
    }
    s3.put_object(
        Bucket=bucket,
        Key="c",
        Body=b"{}",
        CacheControl=stored["cache-control"],
        ContentDisposition=stored["content-disposition"],
        ContentEncoding=stored["content-encoding"],
        ContentLanguage=stored["content-language"],
        ContentType=stored["content-type"],
        Expires=stored["expires"],
    )
    got = s3.get_object(Bucket=bucket, Key="c")
    assert got["Body"].read() == b"{}"
    assert {name: header(got, name) for name in stored} == stored


@pytest.mark.aws_doc(_GUIDE + "object-keys.html")
def test_put_object_key_over_1024_utf8_bytes_is_400_key_too_long(s3: Any, bucket: str) -> None:
    """object-keys.html: "The name for a key is a sequence of Unicode characters whose UTF-8
    encoding is at most 1,024 bytes long." 513 two-byte characters are 1,026 bytes: 400
    KeyTooLongError (ErrorResponses.html), though they are fewer than 1,024 characters."""
    key = "\u00e9" * 513
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"x")) == (400, "KeyTooLongError")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


# -- numbers longer than any size ------------------------------------------------------------------
# A well-formed decimal number with thousands of digits is past every size, offset and count S3
# takes; it is refused (or read as the past-the-end value it is) like any other too-large number,
# never a 500 (CPython's int() refuses strings over 4,300 digits: a server that hands it such a
# string answers InternalError). Only the answer's kind is checked: a 4xx S3 error document.

_DIGITS = "9" * 5000


def _decoded_length(raw: RawS3, s3: Any, bucket: str) -> Response:
    headers = {"x-amz-decoded-content-length": _DIGITS, "content-encoding": "aws-chunked"}
    return raw.request("PUT", key_path(bucket, "n"), headers=headers, body=b"0\r\n\r\n", payload_hash=UNSIGNED)


def _copy_source_range(raw: RawS3, s3: Any, bucket: str) -> Response:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="n")["UploadId"]
    headers = {"x-amz-copy-source": f"/{bucket}/src", "x-amz-copy-source-range": f"bytes=0-{_DIGITS}"}
    return raw.request("PUT", key_path(bucket, "n"), [("partNumber", "1"), ("uploadId", upload)], headers=headers)


def _object_size(raw: RawS3, s3: Any, bucket: str) -> Response:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="n")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="n", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    body = f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
    body += "</CompleteMultipartUpload>"
    headers = {"x-amz-mp-object-size": _DIGITS}
    return raw.request("POST", key_path(bucket, "n"), [("uploadId", upload)], headers=headers, body=body.encode())


def _presigned_expires(raw: RawS3, s3: Any, bucket: str) -> Response:
    target = raw.presign_v4("GET", key_path(bucket, "src"), expires=60)
    return raw.send(target.replace("X-Amz-Expires=60", f"X-Amz-Expires={_DIGITS}"), method="GET")


_LONG_NUMBERS: dict[str, Callable[[RawS3, Any, str], Response]] = {
    "x-amz-decoded-content-length": _decoded_length,
    "x-amz-copy-source-range": _copy_source_range,
    "x-amz-mp-object-size": _object_size,
    "presigned-x-amz-expires": _presigned_expires,
}


@pytest.mark.s3_requires("multipart")
@pytest.mark.parametrize("case", list(_LONG_NUMBERS))
def test_number_of_5000_digits_is_a_4xx_error_never_a_500(raw: RawS3, s3: Any, bucket: str, case: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    answer = _LONG_NUMBERS[case](raw, s3, bucket)
    assert 400 <= answer.status < 500, answer
    _assert_error_shape(answer, resource=False)
