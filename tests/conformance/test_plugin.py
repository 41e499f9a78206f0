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
        "import pytest\n@pytest.mark.s3_requires('multipart')\ndef test_needs_multipart(s3_endpoint):\n    pass\n"
    )
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        os.devnull,
        "--rootdir",
        str(tmp_path),
        "-p",
        "no:cacheprovider",
        "-rs",
        "-q",
        str(tmp_path / "test_gap.py"),
        "--collect-only" if "--collect-only" in args else "-q",
        *[a for a in args if a != "--collect-only"],
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)


def test_plugin_third_party_gap_is_skipped_and_named(tmp_path: Path) -> None:
    done = _run_plugin(
        tmp_path,
        "--s3-endpoint",
        "http://127.0.0.1:9",
        "--s3-access-key",
        "a",
        "--s3-secret-key",
        "b",
        "--s3-lacks",
        "multipart",
    )
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


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=5-100", 10, (5, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=10-", 10, None),
        ("bytes=0-", 0, None),
        ("bytes=-0", 10, None),
    ],
)
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


def test_plugin_stale_divergence_pattern_fails_a_full_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A moto divergence pattern that matches no test of a full run is an error, not a silent line."""
    from types import SimpleNamespace

    from cargobay.testing import pytest_plugin
    from cargobay.testing.s3_endpoints import EndpointProfile, EndpointSpec

    profile = EndpointProfile("moto", ALL_CAPABILITIES, {"test_real*": "why", "test_gone_forever*": "why"})
    spec = EndpointSpec("moto", "moto", None, profile)
    monkeypatch.setitem(pytest_plugin.PROFILES, "moto", profile)
    items = [
        SimpleNamespace(
            name="test_real[moto]", fspath=f"/x/{module}.py", callspec=SimpleNamespace(params={"s3_endpoint": spec})
        )
        for module in pytest_plugin._family_modules()
    ]
    with pytest.raises(pytest.UsageError, match="test_gone_forever"):
        pytest_plugin._check_divergences_match(items)  # type: ignore[arg-type]
    pytest_plugin._check_divergences_match(items[1:])  # type: ignore[arg-type]  # a partial run: not judged


def test_plugin_every_suite_test_cites_an_aws_page() -> None:
    import importlib
    import inspect

    from cargobay.testing.conformance_suite import FAMILIES

    missing = []
    for module_name in FAMILIES:
        module = importlib.import_module(f"cargobay.testing.conformance_suite.{module_name}")
        module_marks = getattr(module, "pytestmark", [])
        module_marks = module_marks if isinstance(module_marks, list) else [module_marks]
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_"):
                continue
            marks = [*module_marks, *getattr(function, "pytestmark", [])]
            if not any(
                m.name == "aws_doc" and str(m.args[0]).startswith("https://docs.aws.amazon.com/") for m in marks
            ):
                missing.append(f"{module_name}.{name}")
    assert missing == []


def test_cli_conformance_bad_endpoint_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from cargobay.cli import main

    assert main(["conformance", "--endpoint", "notaurl"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notaurl" in err and "Traceback" not in err


def test_cli_conformance_unreachable_endpoint_is_one_line_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from cargobay.cli import main

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert (
        main(["conformance", "--endpoint", f"http://127.0.0.1:{port}", "--access-key", "a", "--secret-key", "b"]) == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unreachable" in err


BLOCKING = """
import pytest

@pytest.mark.s3_requires("objects")
def test_basic_put_get_delete_object(s3_endpoint):
    assert False, "the basic put failed"

@pytest.mark.s3_requires("objects")
def test_needs_objects(s3_endpoint, bucket):
    assert False, "must not run: blocked"

@pytest.mark.s3_requires("buckets")
def test_only_buckets(s3_endpoint):
    pass

@pytest.fixture
def broken_cleanup():
    yield
    raise RuntimeError("teardown broke")

@pytest.mark.s3_requires("buckets")
def test_teardown_error_counts_once(s3_endpoint, broken_cleanup):
    assert False, "expected 1, got 2"
"""


def test_plugin_failed_basic_blocks_dependants_and_each_test_counts_once(tmp_path: Path) -> None:
    """The basic test runs first (it is written last), its dependants are blocked by it (named), others
    run; a test failing in call and teardown is one failure with its own one-line message."""
    from cargobay.testing.conformance_report import ConformanceTally

    (tmp_path / "test_blocking.py").write_text(BLOCKING)
    tally = ConformanceTally(["cargobay"])
    code = pytest.main(
        [
            str(tmp_path / "test_blocking.py"),
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            "-q",
            "-p",
            "no:cacheprovider",
            "--tb=no",
            "-p",
            "no:xdist",
        ],
        plugins=[tally],
    )
    assert code == 1
    by_name = {record.id.split("[")[0]: record for record in tally.records.values()}
    assert by_name["test_basic_put_get_delete_object"].outcome == "failed"
    assert by_name["test_needs_objects"].outcome == "blocked"
    assert "test_basic_put_get_delete_object" in by_name["test_needs_objects"].message
    assert by_name["test_only_buckets"].outcome == "passed"
    counted = by_name["test_teardown_error_counts_once"]
    assert (counted.outcome, counted.message) == ("failed", "expected 1, got 2")
    assert "teardown broke" in counted.teardown
    assert sum(row["failed"] for row in tally.counts()["cargobay"].values()) == 2
