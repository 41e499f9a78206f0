"""``--all-versions``: a versioned bucket's history replayed onto another store, resumable, refused when unsafe.

Between two in-process cargobay servers, both with versioning. Not moto as the target: moto 5
lists every version of a key before its delete markers, with one-second LastModified, so a history
replayed onto it cannot be read back in order (AWS interleaves them newest first); the refusal of
an unversioned target is checked against moto. The SeaweedFS leg is opt-in with the other cluster
tests (``CARGOBAY_SEAWEEDFS=1``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from tests.sync.conftest import new_bucket, settings

from cargobay.errors import UsageError
from cargobay.sync import SyncOptions
from cargobay.sync.s3 import S3Prefix, listing_spec, make_client
from cargobay.sync.s3versions import replay_versions
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint, InProcessServer

PART = 5 * 1024 * 1024


def versioned(ep: Endpoint) -> str:
    bucket = new_bucket(ep)
    boto3_client(ep).put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def prefix(ep: Endpoint, bucket: str) -> S3Prefix:
    st = settings(ep)
    return S3Prefix(make_client(st), bucket, "", part_size=PART, listing=listing_spec(st, environ=os.environ))


def history(ep: Endpoint, bucket: str) -> dict[str, list[Any]]:
    """Every key's history oldest first: ("marker",) or (body, content type, metadata, tags)."""
    c = boto3_client(ep)
    out: dict[str, list[tuple[Any, ...]]] = {}
    page = c.list_object_versions(Bucket=bucket)
    keys = {v["Key"] for v in page.get("Versions", [])} | {m["Key"] for m in page.get("DeleteMarkers", [])}
    for key in sorted(keys):
        ordered = _ordered(c, bucket, key)
        hist: list[tuple[Any, ...]] = []
        for vid, marker in reversed(ordered):
            if marker:
                hist.append(("marker",))
                continue
            r = c.get_object(Bucket=bucket, Key=key, VersionId=vid)
            tags = c.get_object_tagging(Bucket=bucket, Key=key, VersionId=vid)["TagSet"]
            tagset = sorted((t["Key"], t["Value"]) for t in tags)
            hist.append((r["Body"].read(), r["ContentType"], r["Metadata"], tagset))
        out[key] = hist
    return out


def _ordered(c: Any, bucket: str, key: str) -> list[tuple[str, bool]]:
    """(version id, is a marker) of ``key``, newest first, from the raw listing's document order."""
    import xml.etree.ElementTree as ET

    captured: dict[str, bytes] = {}

    def keep(**kwargs: Any) -> None:  # botocore's raw answer, before its parser splits the two kinds
        captured["body"] = kwargs["response_dict"]["body"]

    c.meta.events.register("before-parse.s3.ListObjectVersions", keep)
    try:
        c.list_object_versions(Bucket=bucket, Prefix=key)
    finally:
        c.meta.events.unregister("before-parse.s3.ListObjectVersions", keep)
    root = ET.fromstring(captured["body"])
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return [
        (n.findtext(ns + "VersionId") or "", n.tag == ns + "DeleteMarker")
        for n in root
        if n.tag in (ns + "Version", ns + "DeleteMarker") and n.findtext(ns + "Key") == key
    ]


@pytest.fixture(scope="module")
def second_cargobay() -> Iterator[Endpoint]:
    with InProcessServer() as server:
        yield server.endpoint


@pytest.fixture
def pair(cargobay_endpoint: Endpoint, second_cargobay: Endpoint) -> Iterator[tuple[Endpoint, str, Endpoint, str]]:
    yield cargobay_endpoint, versioned(cargobay_endpoint), second_cargobay, versioned(second_cargobay)


def _write_history(ep: Endpoint, bucket: str) -> None:
    c = boto3_client(ep)
    c.put_object(Bucket=bucket, Key="a", Body=b"one", ContentType="text/plain", Metadata={"v": "1"}, Tagging="t=1")
    c.put_object(Bucket=bucket, Key="a", Body=b"two", ContentType="text/x", Metadata={"v": "2"})
    c.delete_object(Bucket=bucket, Key="a")
    c.put_object(Bucket=bucket, Key="a", Body=b"three", Metadata={"v": "3"})
    c.put_object(Bucket=bucket, Key="dir/b", Body=b"b1")
    c.delete_object(Bucket=bucket, Key="dir/b")  # the latest entry is a delete marker
    c.put_object(Bucket=bucket, Key="c", Body=os.urandom(PART + 5))  # a version large enough for the streamed PUT


def replay(a: Endpoint, ba: str, b: Endpoint, bb: str, **opts: Any) -> Any:
    return replay_versions(prefix(a, ba), prefix(b, bb), options=SyncOptions(part_size=PART, backoff_s=0.01, **opts))


def test_every_version_and_delete_marker_is_replayed_in_order_and_a_rerun_replays_nothing(pair: Any) -> None:
    a, ba, b, bb = pair
    _write_history(a, ba)
    report = replay(a, ba, b, bb)
    assert report.ok, report.failed
    assert len(report.transferred) == 7 and sum("delete marker" in t for t in report.transferred) == 2
    source = history(a, ba)
    assert [len(h) for h in source.values()] == [4, 1, 2]
    assert history(b, bb) == source
    again = replay(a, ba, b, bb)
    assert again.ok and again.transferred == [] and again.skipped_unchanged == 7


def test_a_run_continues_a_history_the_target_has_the_beginning_of(pair: Any) -> None:
    a, ba, b, bb = pair
    c = boto3_client(a)
    c.put_object(Bucket=ba, Key="k", Body=b"1")
    assert replay(a, ba, b, bb).transferred == ["k (version " + c.head_object(Bucket=ba, Key="k")["VersionId"] + ")"]
    c.put_object(Bucket=ba, Key="k", Body=b"2")
    c.delete_object(Bucket=ba, Key="k")
    report = replay(a, ba, b, bb)
    assert report.ok and report.skipped_unchanged == 1 and len(report.transferred) == 2
    assert (
        history(b, bb)
        == history(a, ba)
        == {"k": [(b"1", "binary/octet-stream", {}, []), (b"2", "binary/octet-stream", {}, []), ("marker",)]}
    )


def test_a_target_history_that_differs_is_left_alone_and_reported(pair: Any) -> None:
    a, ba, b, bb = pair
    boto3_client(a).put_object(Bucket=ba, Key="k", Body=b"source")
    boto3_client(b).put_object(Bucket=bb, Key="k", Body=b"written on the target")
    before = history(b, bb)
    report = replay(a, ba, b, bb)
    assert [(f.path, f.operation) for f in report.failed] == [("k", "versions")]
    assert "left alone" in report.failed[0].message
    assert history(b, bb) == before


def test_an_unversioned_target_is_refused_before_anything_is_written(
    cargobay_endpoint: Endpoint, moto_endpoint: Endpoint
) -> None:
    ba, bb = versioned(cargobay_endpoint), new_bucket(moto_endpoint)
    boto3_client(cargobay_endpoint).put_object(Bucket=ba, Key="k", Body=b"x")
    with pytest.raises(UsageError, match=r"versioning is never enabled on s3://.*Enable versioning on the target"):
        replay(cargobay_endpoint, ba, moto_endpoint, bb)
    assert boto3_client(moto_endpoint).list_objects_v2(Bucket=bb).get("KeyCount", 0) == 0
    with pytest.raises(UsageError, match="never deletes"):
        replay(cargobay_endpoint, ba, moto_endpoint, versioned(moto_endpoint), delete=True)


def test_cli_all_versions_dry_run_then_run(pair: Any, capsys: Any, monkeypatch: Any) -> None:
    from cargobay.cli import main

    a, ba, b, bb = pair
    _write_history(a, ba)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", a.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", a.secret_key)
    common = [
        "sync",
        f"s3://{ba}",
        f"s3://{bb}",
        "--src-endpoint",
        a.url,
        "--dst-endpoint",
        b.url,
        "--all-versions",
        "--no-state",
    ]
    # Each side's keys: the source's from the environment, the target's... the same variables
    # cannot serve two stores, so the destination is a named remote.
    creds = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"cargobay-versions-{bb}")
    with open(creds, "w") as fh:
        fh.write(f"[dst]\naws_access_key_id={b.access_key}\naws_secret_access_key={b.secret_key}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
    try:
        assert main([*common, "--dst-profile", "dst", "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert out.count("replay  ") == 7 and "would transfer: 7 files" in out
        assert history(b, bb) == {}
        assert main([*common, "--dst-profile", "dst", "-q"]) == 0
        assert history(b, bb) == history(a, ba)
    finally:
        os.unlink(creds)


@pytest.mark.skipif(
    os.environ.get("CARGOBAY_SEAWEEDFS") != "1", reason="SeaweedFS cluster tests are opt-in: CARGOBAY_SEAWEEDFS=1"
)
def test_history_onto_a_seaweedfs_cluster(cargobay_endpoint: Endpoint) -> None:
    from cargobay.testing.seaweedfs import SeaweedCluster

    with SeaweedCluster() as cluster:
        ba, bb = versioned(cargobay_endpoint), versioned(cluster.endpoint)
        _write_history(cargobay_endpoint, ba)
        report = replay(cargobay_endpoint, ba, cluster.endpoint, bb)
        assert report.ok, report.failed
        assert history(cluster.endpoint, bb) == history(cargobay_endpoint, ba)
        again = replay(cargobay_endpoint, ba, cluster.endpoint, bb)
        assert again.ok and again.transferred == [] and again.skipped_unchanged == 7
