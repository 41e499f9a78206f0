"""The conformance plugin's table and the reference model, checked without a server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.testing.model import S3Model, multipart_etag, resolve_range
from cargobay.testing.s3_endpoints import ALL_CAPABILITIES, PROFILES
from cargobay.testing.strategies import object_keys


def test_plugin_cargobay_declares_every_capability() -> None:
    assert PROFILES["cargobay"].capabilities == ALL_CAPABILITIES
    assert PROFILES["cargobay"].divergences == {}


def test_plugin_moto_divergences_each_cite_aws_documentation() -> None:
    for pattern, reason in PROFILES["moto"].divergences.items():
        assert "docs.aws.amazon.com" in reason, pattern


def test_plugin_divergence_matches_by_test_name_and_parameter() -> None:
    moto = PROFILES["moto"]
    assert moto.divergence_for("test_sigv4_rejects_wrong_secret[moto]") is not None
    assert moto.divergence_for("test_create_bucket_invalid_name_is_400_invalid_bucket_name[moto-uppercase]")
    assert moto.divergence_for("test_create_bucket_invalid_name_is_400_invalid_bucket_name[moto-too-short]") is None
    assert moto.divergence_for("test_put_object_then_get_returns_bytes_etag_length_last_modified[moto]") is None


def _run_plugin(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_gap.py").write_text(
        "import pytest\n"
        "@pytest.mark.s3_requires('multipart')\n"
        "def test_needs_multipart(s3_endpoint):\n    pass\n")
    argv = [sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir", str(tmp_path), "-p", "no:cacheprovider",
            "-rs", "-q", str(tmp_path / "test_gap.py"), "--collect-only" if "--collect-only" in args else "-q",
            *[a for a in args if a != "--collect-only"]]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)


def test_plugin_third_party_gap_is_skipped_and_named(tmp_path: Path) -> None:
    done = _run_plugin(tmp_path, "--s3-endpoint", "http://127.0.0.1:9", "--s3-access-key", "a",
                       "--s3-secret-key", "b", "--s3-lacks", "multipart")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "capability: 127.0.0.1:9 lacks multipart" in done.stdout


def test_plugin_refuses_gaps_for_cargobay(tmp_path: Path) -> None:
    done = _run_plugin(tmp_path, "--s3-lacks", "multipart")
    assert done.returncode != 0
    assert "cargobay lacks nothing" in done.stdout + done.stderr


def test_plugin_rejects_unknown_endpoint_value(tmp_path: Path) -> None:
    done = _run_plugin(tmp_path, "--s3-endpoint", "ftp://x")
    assert done.returncode != 0
    assert "expected 'cargobay', 'moto' or an http(s):// URL" in done.stdout + done.stderr


@pytest.mark.parametrize(("header", "size", "expected"), [
    ("bytes=0-0", 10, (0, 0)), ("bytes=5-100", 10, (5, 9)), ("bytes=-3", 10, (7, 9)), ("bytes=-30", 10, (0, 9)),
    ("bytes=10-", 10, None), ("bytes=0-", 0, None), ("bytes=-0", 10, None),
])
def test_model_resolve_range_follows_aws(header: str, size: int, expected: tuple[int, int] | None) -> None:
    assert resolve_range(header, size) == expected


def test_model_multipart_etag_is_md5_of_part_md5s() -> None:
    # AWS documents the construction; a two-part literal pins it.
    assert multipart_etag([b"a", b"b"]) == '"96e024ba2074fe77e8e965ba43a704be-2"'


@given(st.lists(object_keys(long_keys=False), max_size=20), st.sampled_from(["", "/", "a"]))
def test_model_listing_partitions_keys(keys: list[str], delimiter: str) -> None:
    model = S3Model()
    model.create_bucket("b")
    for key in keys:
        model.put("b", key, b"", {})
    listing = model.list("b", delimiter=delimiter)
    assert not isinstance(listing, type(model.get("x", "y")))
    for key in set(keys):
        rolled = [p for p in listing.prefixes if key.startswith(p)]  # type: ignore[union-attr]
        assert (key in listing.keys) != bool(rolled)  # type: ignore[union-attr]
    assert list(listing.keys) == sorted(listing.keys, key=lambda k: k.encode())  # type: ignore[union-attr]
