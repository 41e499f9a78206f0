"""Assertions in the shape ceph/s3-tests made standard: ``(status, code)``, then headers and bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cargobay.testing.normalize import status_and_code


def error_of(call: Callable[[], Any]) -> tuple[int, str | None]:
    """(status, AWS code) of a boto3 call that must fail; AssertionError if it succeeds."""
    from botocore.exceptions import ClientError

    try:
        result = call()
    except ClientError as exc:
        return status_and_code(exc)
    status = result.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(result, dict) else None
    body = result.get("Body") if isinstance(result, dict) else None
    if body is not None and hasattr(body, "close"):
        body.close()  # a GetObject that should have failed: its connection is not left to the GC
    raise AssertionError(f"expected an error response, got success (status {status})")


def header(result: dict[str, Any], name: str) -> str | None:
    value = result["ResponseMetadata"]["HTTPHeaders"].get(name.lower())
    return None if value is None else str(value)


def same_bytes(got: bytes, expected: bytes, what: str = "body") -> None:
    """Assert two bodies are equal, reporting size and first differing offset.

    Never lets pytest diff the two values: difflib is quadratic on large byte strings, and a
    faulty endpoint would stall the run instead of failing it."""
    if got == expected:
        return
    pairs = enumerate(zip(got, expected, strict=False))
    first = next((i for i, (a, b) in pairs if a != b), min(len(got), len(expected)))
    raise AssertionError(
        f"{what} differs: {len(got)} bytes received, {len(expected)} expected, first difference at byte {first}"
    )


def refused(answer: Any, status: int, code: str, *, accepted: str) -> None:
    """Assert a raw :class:`~._http.Response` is the refusal ``(status, code)``, naming the fault exactly:
    ``accepted`` (e.g. "wrong signature accepted") only when the server said yes; otherwise the
    expected and the received refusal, so a different rejection is not reported as an acceptance."""
    got = (answer.status, answer.code)
    if answer.status < 300:
        raise AssertionError(f"{accepted}: expected {status} {code}, got {answer.status}")
    if got != (status, code):
        raise AssertionError(f"expected {status} {code}, got {answer.status} {answer.code or '(no code)'}")


def refuses_a_body_without_digest(raw: Any, bucket: str, subresource: str, body: bytes, what: str) -> None:
    """A bucket configuration PUT (``?subresource``) needs a digest of its body: without Content-MD5
    (or an x-amz-checksum-* header) AWS answers 400 InvalidRequest "Missing required header for this
    request: Content-MD5" (the answer SDK users have met since 2012 when their SDK left it out), and
    a Content-MD5 that does not match is 400 BadDigest. ``raw`` is a :class:`~._http.RawS3`."""
    from cargobay.testing.conformance_suite._http import md5_b64

    answer = raw.request("PUT", "/" + bucket, [(subresource, "")], body=body)
    refused(answer, 400, "InvalidRequest", accepted=f"{what} without Content-MD5 accepted")
    wrong = raw.request("PUT", "/" + bucket, [(subresource, "")], headers={"content-md5": md5_b64(b"x")}, body=body)
    refused(wrong, 400, "BadDigest", accepted=f"{what} with a wrong Content-MD5 accepted")


def refuses_a_wrong_digest(
    raw: Any, path: str, params: list[tuple[str, str]], body: bytes, what: str, *, method: str = "PUT"
) -> None:
    """A request body sent with a Content-MD5 AWS must check: one that does not match the body is 400
    BadDigest ("The Content-MD5 you specified did not match what we received"), one that is not a
    base64 MD5 is 400 InvalidDigest ("The Content-MD5 you specified is not valid")
    (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). ``raw`` is a
    :class:`~._http.RawS3`; the caller checks that nothing changed."""
    from cargobay.testing.conformance_suite._http import md5_b64

    wrong = raw.request(method, path, params, headers={"content-md5": md5_b64(body + b" ")}, body=body)
    refused(wrong, 400, "BadDigest", accepted=f"{what} with a Content-MD5 of other bytes accepted")
    garbled = raw.request(method, path, params, headers={"content-md5": "not-an-md5"}, body=body)
    refused(garbled, 400, "InvalidDigest", accepted=f"{what} with a Content-MD5 that is no MD5 accepted")
