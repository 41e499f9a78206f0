"""The signed keep-alive data path of S3-to-S3 sync (``cargobay.sync.s3wire``)."""

from __future__ import annotations

import socket
import threading

import pytest
from tests.sync.conftest import new_bucket

from cargobay.s3.signing import Credentials
from cargobay.sync.execute import _retryable
from cargobay.sync.s3 import ListingSpec
from cargobay.sync.s3wire import Wire, WireFailed, refused
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint


def wire(ep: Endpoint, secret: str | None = None) -> Wire:
    creds = Credentials(ep.access_key, secret or ep.secret_key)
    return Wire(ListingSpec(ep.url, ep.region, lambda: creds, "path"))


def test_headers_are_sent_as_given_and_signed_trimmed(cargobay_endpoint: Endpoint) -> None:
    bucket, w = new_bucket(cargobay_endpoint), wire(cargobay_endpoint)
    try:
        headers = {"x-amz-meta-note": "two  spaces", "Content-Type": "text/plain", "x-amz-tagging": "a=b%20c"}
        answer = w.request("PUT", bucket, "k ey/ü", (), headers, b"body")
        assert answer.status == 200, answer.read()
        answer.read()
        got = w.request("GET", bucket, "k ey/ü")  # the same connection, kept alive
        assert got.status == 200 and got.read() == b"body"
        assert got.getheader("x-amz-meta-note") == "two  spaces"
    finally:
        w.close()
    tags = boto3_client(cargobay_endpoint).get_object_tagging(Bucket=bucket, Key="k ey/ü")["TagSet"]
    assert tags == [{"Key": "a", "Value": "b c"}]


def test_a_refusal_has_status_and_code_and_is_not_retried(cargobay_endpoint: Endpoint) -> None:
    w = wire(cargobay_endpoint, secret="wrong")
    try:
        answer = w.request("GET", new_bucket(cargobay_endpoint), "k")
        failure = refused("GetObject k", answer)
    finally:
        w.close()
    assert failure.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert failure.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert not _retryable(failure)


def test_a_connection_closed_without_an_answer_is_a_retryable_failure() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def close_each() -> None:
        for _ in range(2):  # the first attempt and the one on a fresh connection
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=close_each, daemon=True)
    thread.start()
    w = wire(Endpoint(f"http://127.0.0.1:{port}", "AK", "SK"))
    try:
        with pytest.raises(WireFailed) as caught:
            w.request("GET", "bucket", "key")
    finally:
        w.close()
        thread.join(5)
        listener.close()
    assert not hasattr(caught.value, "response")
    assert _retryable(caught.value)
