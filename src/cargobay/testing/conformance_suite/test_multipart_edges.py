"""Multipart uploads, fourth pass: what CreateMultipartUpload refuses before an upload exists
(user metadata over the 2 KB limit), and an upload ended (aborted, completed, completed several
times at once) while a request on it is still under way: each answer is one AWS documents, never a
500, and what is left afterwards is consistent.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of
from cargobay.testing.conformance_suite._http import UNSIGNED, RawS3, Response, key_path
from cargobay.testing.conformance_suite._multipart import MIB5, etag_of_parts, upload_parts

pytestmark = [
    pytest.mark.s3_requires("multipart"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html"),
]


def _uploads(s3: Any, bucket: str) -> list[str]:
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


@pytest.mark.s3_requires("metadata")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html")
def test_create_multipart_metadata_over_2_kb_is_400_metadata_too_large(s3: Any, bucket: str) -> None:
    """UsingMetadata.html: "the user-defined metadata is limited to 2 KB in size", and the metadata of
    a multipart object is the one given at CreateMultipartUpload: over the limit it is 400
    MetadataTooLarge there (ErrorResponses.html), before any part is sent; no upload is left in
    progress."""
    assert error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"big": "v" * 2100})) == (
        400,
        "MetadataTooLarge",
    )
    assert _uploads(s3, bucket) == []


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html")
@pytest.mark.parametrize(
    "upload",
    ["../../x", "..%2F..%2Fx", "a/b", "\u00e9t\u00e9", "u" * 2000],
    ids=["dotdot", "encoded-dotdot", "slash", "non-ascii", "2000-chars"],
)
def test_upload_id_that_is_no_upload_is_404_no_such_upload_for_every_operation(
    raw: RawS3, s3: Any, bucket: str, upload: str
) -> None:
    """API_UploadPart.html, Errors: NoSuchUpload, "The specified multipart upload does not exist. The
    upload ID might not be valid, or the multipart upload might have been aborted or completed." An id
    the server never gave out (one shaped like a path among them) names no upload for UploadPart,
    ListParts, AbortMultipartUpload and CompleteMultipartUpload alike: 404 NoSuchUpload, never a 5xx,
    and nothing is written."""
    params = [("uploadId", upload)]
    listed = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
    answers = {
        "UploadPart": raw.request("PUT", key_path(bucket, "mp"), [("partNumber", "1"), *params], body=b"x"),
        "ListParts": raw.request("GET", key_path(bucket, "mp"), params),
        "AbortMultipartUpload": raw.request("DELETE", key_path(bucket, "mp"), params),
        "CompleteMultipartUpload": raw.request("POST", key_path(bucket, "mp"), params, body=listed),
    }
    assert {name: (a.status, a.code) for name, a in answers.items()} == dict.fromkeys(answers, (404, "NoSuchUpload"))
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html")
def test_multipart_objects_at_keys_that_are_also_prefixes(s3: Any, bucket: str) -> None:
    """object-keys.html: "The Amazon S3 data model is a flat structure": ``a`` and ``a/b`` are two keys,
    whichever is written first and however (here one by PutObject, three by multipart uploads). Each
    completes and reads back its own bytes."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"A")
    for key, body in (("a/b", b"AB"), ("c/d", b"CD"), ("c", b"C")):
        upload, sent = upload_parts(s3, bucket, key, {1: body})
        listed = {"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}]}
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload=listed)
    got = {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in ("a", "a/b", "c", "c/d")}
    assert got == {"a": b"A", "a/b": b"AB", "c": b"C", "c/d": b"CD"}
    listed_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed_keys == ["a", "a/b", "c", "c/d"]


# -- an upload ended while a request on it is under way ----------------------------------------------

_SENT_FIRST = 4096  # bytes of a part's body sent before the upload is ended; the rest after


class _PartInFlight:
    """An UploadPart whose body is sent in two pieces: the headers and the first bytes now (the server
    has begun the part), the rest by :meth:`finish`, which returns the answer."""

    def __init__(self, raw: RawS3, bucket: str, key: str, upload: str, number: int, body: bytes) -> None:
        params = [("partNumber", str(number)), ("uploadId", upload)]
        headers = {"content-length": str(len(body))}
        signed = raw.sign_v4("PUT", key_path(bucket, key), params, payload_hash=UNSIGNED, headers=headers)
        self._conn = raw._connection(timeout=60)
        self._conn.putrequest(signed.method, signed.target, skip_host=True, skip_accept_encoding=True)
        for name, value in signed.headers.items():
            self._conn.putheader(name, value)
        self._conn.endheaders()
        self._conn.send(body[:_SENT_FIRST])
        self._rest = body[_SENT_FIRST:]
        time.sleep(0.2)  # let the server take the request up (ordering only: every outcome is checked)

    def finish(self) -> Response:
        try:
            with contextlib.suppress(OSError):  # the server answered early and closed: read its answer
                self._conn.send(self._rest)
            answer = self._conn.getresponse()
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        finally:
            self._conn.close()


def _part_ended_with_its_upload(answer: Response) -> None:
    """A part under way when its upload ends "might or might not succeed" (API_AbortMultipartUpload.html):
    200, or the upload is gone, 404 NoSuchUpload; never a 5xx."""
    assert (answer.status, answer.code) in ((200, None), (404, "NoSuchUpload")), answer


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html")
def test_abort_while_a_part_is_being_sent(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_AbortMultipartUpload.html: "If any part uploads are currently in progress, those part uploads
    might or might not succeed. As a result, it might be necessary to abort a given multipart upload
    multiple times in order to completely free all storage consumed by all parts." The part's answer is
    200 or 404 NoSuchUpload; a second abort is 204 or 404 NoSuchUpload; afterwards the upload is gone
    (ListParts 404 NoSuchUpload, not listed) and no object was made."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part = _PartInFlight(raw, bucket, "mp", upload, 1, b"p" * (1 << 20))
    aborted = raw.request("DELETE", key_path(bucket, "mp"), [("uploadId", upload)])
    assert aborted.status == 204, aborted
    _part_ended_with_its_upload(part.finish())
    again = raw.request("DELETE", key_path(bucket, "mp"), [("uploadId", upload)])
    assert (again.status, again.code) in ((204, None), (404, "NoSuchUpload")), again
    assert error_of(lambda: s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)) == (404, "NoSuchUpload")
    assert _uploads(s3, bucket) == []
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
def test_a_part_still_being_sent_when_the_upload_completes_is_not_in_the_object(
    raw: RawS3, s3: Any, bucket: str
) -> None:
    """API_CompleteMultipartUpload.html: the object is assembled "by concatenating the parts" the
    completion lists, "in ascending order by part number". Part 2, still arriving when a completion of
    part 1 alone succeeds, is not in the object: its own answer is 200 or 404 NoSuchUpload (the upload is
    gone), the object is part 1 with its ETag, and no upload is left in progress."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"the first part"})
    part = _PartInFlight(raw, bucket, "mp", upload, 2, b"q" * (1 << 20))
    listed = {"Parts": [{"PartNumber": 1, "ETag": sent[1]["ETag"]}]}
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=listed)
    _part_ended_with_its_upload(part.finish())
    assert done["ETag"] == etag_of_parts(b"the first part")
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert (got["Body"].read(), got["ETag"]) == (b"the first part", done["ETag"])
    assert _uploads(s3, bucket) == []


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html")
def test_concurrent_completions_of_one_upload_make_one_object(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_CompleteMultipartUpload.html: a completion may be retried ("applications should be prepared to
    retry any failed requests"), so a client can send it again before the first answer arrives. Four at
    once: each is answered 200 with the object's ETag or 404 NoSuchUpload (the upload already gone),
    never a 5xx; at least one succeeds, and the object is the whole of the parts."""
    bodies = {1: b"a" * MIB5, 2: b"the tail"}
    upload, sent = upload_parts(s3, bucket, "mp", bodies)
    listed = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{sent[n]['ETag']}</ETag></Part>" for n in (1, 2))
    body = f"<CompleteMultipartUpload>{listed}</CompleteMultipartUpload>".encode()
    answers: list[Response] = []

    def complete() -> None:
        answers.append(raw.request("POST", key_path(bucket, "mp"), [("uploadId", upload)], body=body))

    threads = [threading.Thread(target=complete) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    etag = etag_of_parts(bodies[1], bodies[2])
    outcomes = [("ok", a.xml().findtext("{*}ETag")) if a.status == 200 else (a.status, a.code) for a in answers]
    assert set(outcomes) <= {("ok", etag), (404, "NoSuchUpload")}, answers
    assert ("ok", etag) in outcomes, answers
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert (got["Body"].read() == bodies[1] + bodies[2], got["ETag"]) == (True, etag)
    assert _uploads(s3, bucket) == []
