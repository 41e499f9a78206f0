"""Tests of :mod:`cargobay.s3.signing`, the client-side SigV4 signer, against two independent judges.

* botocore's ``S3SigV4Auth``, given the same request at the same instant, computes the same
  ``Authorization`` header (byte for byte) for generated paths, query parameters (unicode,
  spaces, ``+``, ``~``, ``%``, ``&``, ``=``) and session tokens;
* the server's verifier (:func:`cargobay.s3.auth.authenticate`) accepts what we sign, and
  rejects it when the secret, a query value or the path differs from what was signed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock
from urllib.parse import quote

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.auth import RequestView, authenticate
from cargobay.s3.errors import S3Error
from cargobay.s3.signing import EMPTY_SHA256, Credentials, canonical_query, encode_path, sign

AK = "AKIDSIGNING"
SECRET = "s3cr3t/with+chars="
REGION = "eu-central-1"
NOW = datetime(2024, 2, 29, 23, 59, 30, tzinfo=UTC)
HOST = "127.0.0.1:9000"

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(list(" +~!%&=;/?#*'()")),
    max_size=24,
)
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(
            ["prefix", "continuation-token", "start-after", "max-keys", "list-type", "encoding-type", "delimiter"]
        ),
        TEXT,
    ),
    max_size=5,
    unique_by=lambda p: p[0],
)
BUCKETS = st.from_regex(r"[a-z0-9][a-z0-9.-]{2,20}", fullmatch=True)
PATHS = st.builds(lambda b, k: f"/{b}/{k}" if k else f"/{b}", BUCKETS, TEXT)
TOKENS = st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


def _botocore_authorization(path: str, params: list[tuple[str, str]], token: str | None) -> str:
    # botocore encodes the path and the parameters itself: nothing of ours goes into its input.
    request = AWSRequest(method="GET", url=f"http://{HOST}{quote(path, safe='/~')}", params=dict(params))
    request.headers["X-Amz-Content-SHA256"] = EMPTY_SHA256
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        S3SigV4Auth(BotoCredentials(AK, SECRET, token), "s3", REGION).add_auth(request)
    return str(request.headers["Authorization"])


@given(path=PATHS, params=PARAMS, token=TOKENS)
def test_sign_matches_botocore_s3sigv4auth(path: str, params: list[tuple[str, str]], token: str | None) -> None:
    ours = sign("GET", HOST, path, params, credentials=Credentials(AK, SECRET, token), region=REGION, now=NOW)
    assert ours.headers["authorization"] == _botocore_authorization(path, params, token)


def _view(path: str, query: str, headers: dict[str, str]) -> RequestView:
    return RequestView("GET", path, query, {"host": HOST, **headers}, HOST)


def _verify(path: str, query: str, headers: dict[str, str], *, secret: str = SECRET) -> None:
    authenticate(
        _view(path, query, headers), lookup_secret=lambda ak: secret if ak == AK else None, region=REGION, now=NOW
    )


@given(path=PATHS, params=PARAMS)
def test_sign_is_accepted_by_the_server_verifier(path: str, params: list[tuple[str, str]]) -> None:
    signed = sign("GET", HOST, path, params, credentials=Credentials(AK, SECRET), region=REGION, now=NOW)
    _verify(signed.path, signed.query, signed.headers)


@given(path=PATHS, params=PARAMS.filter(bool), data=st.data())
def test_changed_query_value_or_path_or_secret_is_rejected(
    path: str, params: list[tuple[str, str]], data: st.DataObject
) -> None:
    signed = sign("GET", HOST, path, params, credentials=Credentials(AK, SECRET), region=REGION, now=NOW)
    with pytest.raises(S3Error):
        _verify(signed.path, signed.query, signed.headers, secret=SECRET + "x")
    with pytest.raises(S3Error):
        _verify(signed.path + "x", signed.query, signed.headers)
    index = data.draw(st.integers(0, len(params) - 1))
    name, value = params[index]
    changed = [*params[:index], (name, value + "x"), *params[index + 1 :]]
    with pytest.raises(S3Error):
        _verify(signed.path, canonical_query(changed), signed.headers)


def test_canonical_query_encodes_every_reserved_byte_and_sorts() -> None:
    assert canonical_query([("prefix", "a b+c~/é"), ("list-type", "2")]) == "list-type=2&prefix=a%20b%2Bc~%2F%C3%A9"
    assert encode_path("/b/a b/c+d~é") == "/b/a%20b/c%2Bd~%C3%A9"


def test_session_token_is_signed_and_sent() -> None:
    signed = sign("GET", HOST, "/b", [], credentials=Credentials(AK, SECRET, "TOKEN"), region=REGION, now=NOW)
    assert signed.headers["x-amz-security-token"] == "TOKEN"
    assert "x-amz-security-token" in signed.headers["authorization"].split("SignedHeaders=")[1]


def test_credentials_repr_hides_the_secret() -> None:
    assert SECRET not in repr(Credentials(AK, SECRET, "tok"))


def test_the_client_signer_owns_key_derivation_and_does_not_import_the_verifier() -> None:
    import subprocess
    import sys

    from cargobay.s3 import signing
    from cargobay.s3.auth import sigv4

    assert sigv4.derive_signing_key is signing.derive_signing_key  # one derivation, both sides
    code = (
        "import sys, cargobay.s3.signing\n"
        "heavy = sorted({'cargobay.s3.auth', 'email.utils', 'cargobay.s3.errors'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
