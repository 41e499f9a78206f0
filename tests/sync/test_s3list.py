"""The botocore-free listing (:mod:`cargobay.sync.s3.listing`) and when the sync may use it (``listing_spec``).

The listing must equal botocore's paginator, key for key, against cargobay and moto, for keys
that stress the URL encoding; a first page it cannot get for a reason botocore might handle
falls back to botocore; and a no-change sync with keys in the environment never imports botocore.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.sync.conftest import new_bucket, settings

from cargobay.s3.signing import Credentials
from cargobay.select import Selection
from cargobay.sync import S3Prefix, S3Settings, sync
from cargobay.sync.s3 import LazyClient, ListingSpec, listing_spec, make_client
from cargobay.sync.s3.listing import ListingClient, ListingFailed, parse_list_page, peek_continuation
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint


def write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


KEYS = ["a", "a b", "a+b", "a%2Fb", "dir/é ü", "dir/x~y", "dir/sub/deep=1&2", "z?q#frag", "tab\there", "ü/€"]


def _spec(ep: Endpoint, *, secret: str | None = None) -> ListingSpec:
    creds = Credentials(ep.access_key, secret or ep.secret_key)
    return ListingSpec(ep.url, ep.region, lambda: creds, "path")


def _boto_keys(ep: Endpoint, bucket: str, prefix: str = "") -> list[tuple[str, int, str]]:
    out = []
    for page in boto3_client(ep).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [(o["Key"], o["Size"], o["ETag"]) for o in page.get("Contents", ())]
    return out


def test_listing_client_pages_equal_botocore_paginator(endpoint: Endpoint) -> None:
    bucket = new_bucket(endpoint)
    c = boto3_client(endpoint)
    for i, key in enumerate(KEYS):
        c.put_object(Bucket=bucket, Key=key, Body=b"x" * i)
    lister = _spec(endpoint).open()
    try:
        ours = []
        token = None
        pages = 0
        while True:  # three keys a page: the continuation token is exercised
            page = lister.get_page(bucket, "", token=token, max_keys=3)
            pages += 1
            ours += [(k, s, e) for k, s, e, _ in page.rows]
            if not page.truncated:
                break
            token = page.next_token
        assert pages == 4
        assert ours == _boto_keys(endpoint, bucket)
        dir_rows = [r[0] for p in lister.pages(bucket, "dir/") for r in p.rows]
        assert dir_rows == [k for k, _, _ in _boto_keys(endpoint, bucket, "dir/")]
    finally:
        lister.close()


def test_listing_client_missing_bucket_is_a_definite_failure(endpoint: Endpoint) -> None:
    lister = _spec(endpoint).open()
    try:
        with pytest.raises(ListingFailed) as info:
            lister.get_page("no-such-bucket-here", "")
    finally:
        lister.close()
    assert (info.value.status, info.value.code) == (404, "NoSuchBucket")


def test_s3prefix_falls_back_to_botocore_when_the_first_page_is_refused(endpoint: Endpoint) -> None:
    bucket = new_bucket(endpoint)
    boto3_client(endpoint).put_object(Bucket=bucket, Key="p/k", Body=b"1")
    client = make_client(settings(endpoint))
    wrong = _spec(endpoint, secret="not-the-secret")
    remote = S3Prefix(client, bucket, "p", listing=wrong)
    assert [e.path for e in remote.list(Selection(ignore_file_name=None), errors=[])] == ["k"]


def test_parse_list_page_reads_plain_and_url_encoded_bodies_with_or_without_namespace() -> None:
    ns = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    body = (
        f"<ListBucketResult{ns}><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
        "<NextContinuationToken>tok</NextContinuationToken>"
        "<Contents><Key>a+b%2Bc/%C3%A9</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
        "<ETag>&quot;abc&quot;</ETag><Size>7</Size></Contents></ListBucketResult>"
    ).encode()
    page = parse_list_page(body)
    assert page.rows == [("a b+c/é", 7, '"abc"', "2024-01-01T00:00:00.000Z")]
    assert page.truncated and page.next_token == "tok"
    plain = parse_list_page(
        b"<ListBucketResult><IsTruncated>false</IsTruncated>"
        b"<Contents><Key>a+b</Key><Size>1</Size></Contents></ListBucketResult>"
    )
    assert plain.rows == [("a+b", 1, "", "")] and not plain.truncated and plain.next_token is None


KEYS_ENV = {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"}


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        (KEYS_ENV, None, ("AK", "us-east-1")),
        ({**KEYS_ENV, "AWS_DEFAULT_REGION": "eu-west-3"}, None, ("AK", "eu-west-3")),
        (KEYS_ENV, "[default]\nregion = ap-south-1\noutput = json\n", ("AK", "ap-south-1")),
        (KEYS_ENV, "[default]\nregion = x\ns3 =\n  addressing_style = virtual\n", None),
        ({**KEYS_ENV, "AWS_PROFILE": "work"}, None, None),
        ({**KEYS_ENV, "HTTPS_PROXY": "http://proxy:3128"}, None, None),
        ({}, None, None),
    ],
    ids=["env-keys", "env-region", "config-region", "config-beyond-region", "profile", "proxy", "no-keys"],
)
def test_listing_spec_resolves_only_what_botocore_would_resolve_the_same_way(
    tmp_path: Path, environ: dict[str, str], config: str | None, expected: tuple[str, str] | None
) -> None:
    env = {**environ, "AWS_CONFIG_FILE": str(tmp_path / "config")}
    if config is not None:
        (tmp_path / "config").write_text(config)
    spec = listing_spec(S3Settings(endpoint_url="http://127.0.0.1:1"), environ=env)
    if expected is None:
        assert spec is None
    else:
        assert spec is not None and (spec.credentials().access_key, spec.region) == expected


def test_listing_spec_prefers_explicit_keys_and_needs_an_endpoint() -> None:
    explicit = S3Settings(endpoint_url="http://h:1", access_key="EX", secret_key="S", region="r")
    spec = listing_spec(explicit, environ={**KEYS_ENV, "AWS_PROFILE": "work"})
    assert spec is not None and spec.credentials() == Credentials("EX", "S") and spec.region == "r"
    assert listing_spec(S3Settings(), environ=KEYS_ENV) is None


def test_lazy_client_is_made_once_on_first_use() -> None:
    made: list[int] = []

    def make() -> str:
        made.append(1)
        return "client"

    lazy = LazyClient(make)
    assert not lazy.created and made == []
    assert lazy.get() == "client" and lazy.get() == "client" and made == [1]


def test_no_change_sync_with_keys_in_the_environment_never_imports_botocore(
    cargobay_endpoint: Endpoint, tmp_path: Path
) -> None:
    ep = cargobay_endpoint
    bucket = new_bucket(ep)
    src = tmp_path / "src"
    write(src, "a/b", b"hello")
    write(src, "c", b"world")
    assert sync(str(src), f"s3://{bucket}/p", s3=settings(ep), state_dir=str(tmp_path / "state")).ok
    script = (
        "import sys\n"
        "from cargobay.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "assert 'botocore' not in sys.modules, 'botocore was imported'\n"
        "heavy = sorted({'cargobay.s3.auth'} & set(sys.modules))\n"
        "assert not heavy, f'imported on the no-change path to an http endpoint: {heavy}'\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k != "AWS_PROFILE"}
    env.update(
        AWS_ACCESS_KEY_ID=ep.access_key,
        AWS_SECRET_ACCESS_KEY=ep.secret_key,
        AWS_DEFAULT_REGION=ep.region,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "sync",
            str(src),
            f"s3://{bucket}/p",
            "--endpoint",
            ep.url,
            "--state-dir",
            str(tmp_path / "state"),
            "--delete",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "transferred: 0 files" in done.stdout and "skipped (unchanged): 2" in done.stdout


class _Recording:
    """Wraps a ListingClient's transport: logs sends, and can fail chosen receives or sends."""

    def __init__(
        self,
        lister: ListingClient,
        *,
        fail_receive: dict[int, BaseException | int] | None = None,
        fail_send: set[int] | None = None,
    ) -> None:
        self.lister = lister
        self.log: list[str] = []
        self.fail_receive = dict(fail_receive or {})
        self.fail_send = set(fail_send or ())
        self.sends = self.receives = 0
        real_send, real_receive = lister._send, lister._receive

        def send(bucket: str, params: list[tuple[str, str]]) -> Any:
            self.sends += 1
            self.log.append("send")
            if self.sends in self.fail_send:
                lister.close()
                return None
            return real_send(bucket, params)

        def receive(conn: Any) -> tuple[int, bytes]:
            self.receives += 1
            status, body = real_receive(conn)
            failure = self.fail_receive.pop(self.receives, None)
            if isinstance(failure, BaseException):
                raise failure
            if isinstance(failure, int):
                return failure, b""
            return status, body

        lister._send = send  # type: ignore[method-assign]
        lister._receive = receive  # type: ignore[method-assign]


def _retrying_lister(endpoint: Endpoint, **options: Any) -> ListingClient:
    """A listing client of ``endpoint`` that retries a failed page at once (no backoff)."""
    spec = _spec(endpoint)
    return ListingClient(
        endpoint_url=spec.endpoint_url,
        credentials=spec.credentials,
        region=spec.region,
        addressing_style="path",
        backoff_s=0.0,
        **options,
    )


def _ten_keys(endpoint: Endpoint, client: Any = None) -> tuple[str, list[tuple[str, int, str]]]:
    c = client or boto3_client(endpoint)
    bucket = f"ten-{uuid.uuid4().hex[:12]}" if client is not None else new_bucket(endpoint)
    if client is not None:
        c.create_bucket(Bucket=bucket)
    for i in range(10):
        c.put_object(Bucket=bucket, Key=f"k{i:02d}", Body=b"x" * i)
    listed = [(o["Key"], o["Size"], o["ETag"]) for o in c.list_objects_v2(Bucket=bucket).get("Contents", ())]
    return bucket, listed


def test_pages_ask_for_the_next_page_before_handing_this_one_over(endpoint: Endpoint) -> None:
    bucket, expected = _ten_keys(endpoint)
    lister = _spec(endpoint).open()
    rec = _Recording(lister)
    try:
        rows = []
        sends_seen = []
        for page in lister.pages(bucket, "", max_keys=3):
            sends_seen.append(rec.sends)
            rows += [(k, s, e) for k, s, e, _ in page.rows]
    finally:
        lister.close()
    assert rows == expected
    # Four pages, four requests (none repeated); each truncated page arrives with the request
    # for the next one already sent.
    assert rec.sends == 4
    assert sends_seen == [2, 3, 4, 4]


@pytest.mark.parametrize(
    "failure",
    [
        {"fail_receive": {2: ConnectionResetError("peer reset the early request")}},
        {"fail_receive": {3: 503}},
        {"fail_send": {2}},
        {"fail_send": {3}, "fail_receive": {1: 500}},
    ],
    ids=["reset-after-early-send", "503-on-a-later-page", "early-send-fails", "500-then-send-fails"],
)
def test_pages_retry_a_failed_page_without_losing_or_repeating_keys(
    endpoint: Endpoint, failure: dict[str, Any]
) -> None:
    bucket, expected = _ten_keys(endpoint)
    lister = _retrying_lister(endpoint)
    _Recording(lister, **failure)
    try:
        rows = [(k, s, e) for page in lister.pages(bucket, "", max_keys=3) for k, s, e, _ in page.rows]
    finally:
        lister.close()
    assert rows == expected


def test_pages_give_up_after_the_attempts(endpoint: Endpoint) -> None:
    bucket, _ = _ten_keys(endpoint)
    lister = _retrying_lister(endpoint, attempts=2)
    _Recording(lister, fail_receive={2: 503, 3: 503})
    try:
        with pytest.raises(ListingFailed, match="503"):
            list(lister.pages(bucket, "", max_keys=3))
    finally:
        lister.close()


def test_https_listing_verifies_the_server_against_the_ca_bundle(tmp_path: Path) -> None:
    from cargobay.s3.http.tls import self_signed
    from cargobay.testing.servers import InProcessServer

    cert, key = self_signed(str(tmp_path / "tls"))
    with InProcessServer(tls_cert=cert, tls_key=key) as server:
        ep = server.endpoint
        assert ep.url.startswith("https://")
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=ep.url,
            aws_access_key_id=ep.access_key,
            aws_secret_access_key=ep.secret_key,
            region_name=ep.region,
            verify=cert,
        )
        bucket, expected = _ten_keys(ep, client)
        creds = Credentials(ep.access_key, ep.secret_key)
        trusted = ListingSpec(ep.url, ep.region, lambda: creds, "path", cert).open()
        try:
            rows = [(k, s, e) for page in trusted.pages(bucket, "", max_keys=3) for k, s, e, _ in page.rows]
        finally:
            trusted.close()
        assert rows == expected
        untrusted = ListingClient(
            endpoint_url=ep.url, credentials=lambda: creds, region=ep.region, addressing_style="path", attempts=1
        )
        try:
            with pytest.raises(ListingFailed, match=r"SSL|certificate"):
                untrusted.get_page(bucket, "")
        finally:
            untrusted.close()


_NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _page(*, truncated: bool, token: str | None, rows: int, token_first: bool, ns: bool) -> bytes:
    head = f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
    tok = f"<NextContinuationToken>{token}</NextContinuationToken>" if token is not None else ""
    contents = "".join(
        f"<Contents><Key>k{i}</Key><Size>{i}</Size><ETag>&quot;e{i}&quot;</ETag>"
        f"<LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>"
        for i in range(rows)
    )
    inner = head + tok + contents if token_first else head + contents + tok
    root = f"ListBucketResult{_NS if ns else ''}"
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</ListBucketResult>'.encode()


@given(
    truncated=st.booleans(),
    token=st.none() | st.text(alphabet="abcXYZ019-_=", min_size=1, max_size=40),
    rows=st.integers(min_value=0, max_value=400),
    token_first=st.booleans(),
    ns=st.booleans(),
    cut=st.none() | st.integers(min_value=0, max_value=20000),
)
def test_peek_continuation_agrees_with_the_full_parse_whenever_it_answers(
    truncated: bool, token: str | None, rows: int, token_first: bool, ns: bool, cut: int | None
) -> None:
    body = _page(truncated=truncated, token=token, rows=rows, token_first=token_first, ns=ns)
    if cut is not None:
        body = body[:cut]
    early = peek_continuation(body)
    try:
        page = parse_list_page(body)
    except ET.ParseError:
        page = None
    if early is not None and page is not None:
        assert early == (page.truncated, page.next_token if page.truncated else None)
    before_rows = token_first or rows == 0
    if cut is None and (not truncated or (token is not None and before_rows)):
        assert early == (truncated, token if truncated else None)  # the head says it: it is read
    if truncated and (token is None or not before_rows) and early is not None:
        raise AssertionError("a token after the rows must not be read early")
