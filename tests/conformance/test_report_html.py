"""The compatibility report page (``cargobay conformance --html``): content, escaping, and Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cargobay.testing.chromium import chromium, dump_dom
from cargobay.testing.conformance_html import render_html, split_message

DOC = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"


def _report() -> dict[str, object]:
    def t(id_: str, endpoint: str, family: str, outcome: str, message: str = "", doc: str = "") -> dict[str, str]:
        return {
            "id": id_,
            "endpoint": endpoint,
            "family": family,
            "outcome": outcome,
            "message": message,
            "doc": doc,
            "teardown": "",
        }

    return {
        "endpoints": {"cargobay": {}, "127.0.0.1:8333": {}},
        "tests": [
            t("test_a[cargobay]", "cargobay", "objects", "passed"),
            t(
                "test_a[127.0.0.1:8333]",
                "127.0.0.1:8333",
                "objects",
                "failed",
                "GetObject of a missing key: expected 404 NoSuchKey, got 500 <script>alert(1)</script>",
                DOC,
            ),
            t("test_b[127.0.0.1:8333]", "127.0.0.1:8333", "objects", "failed", "KeyError: 'Initiator'"),
            t(
                "test_c[127.0.0.1:8333]",
                "127.0.0.1:8333",
                "transport",
                "skipped-by-capability",
                "capability: 127.0.0.1:8333 lacks tls",
            ),
            t("test_d[127.0.0.1:8333]", "127.0.0.1:8333", "acl", "divergence", "grants are not kept"),
            t("test_e[127.0.0.1:8333]", "127.0.0.1:8333", "acl", "blocked", "blocked: test_basic failed"),
        ],
    }


def test_split_message_takes_the_suites_expected_got_shape() -> None:
    assert split_message("expected 404 NoSuchKey, got 200") == ("404 NoSuchKey", "200")
    assert split_message('HEAD: expected ETag "x", got None') == ('HEAD: ETag "x"', "None")
    assert split_message("assert (400, 'InvalidRequest') == (400, 'InvalidArgument') (At index 1 diff: x)") == (
        "(400, 'InvalidArgument')",
        "(400, 'InvalidRequest') (At index 1 diff: x)",
    )
    assert split_message("assert None") == ("", "assert None")
    assert split_message("KeyError: 'Initiator'") == ("", "KeyError: 'Initiator'")


def test_page_names_each_difference_with_expected_answer_and_doc_and_escapes_answers() -> None:
    page = render_html(_report(), names={"127.0.0.1:8333": "SeaweedFS (127.0.0.1:8333)"}, generated="then")
    assert "<script>alert(1)</script>" not in page  # a server's answer is text, never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "GetObject of a missing key: 404 NoSuchKey" in page  # what AWS documents
    assert f'<a href="{DOC}">API_GetObject</a>' in page
    assert "SeaweedFS (127.0.0.1:8333): differences from AWS (2)" in page
    assert "cargobay: differences from AWS (0)" in page
    # declared gaps are shown as such, not as failures
    assert "capability declared lacking" in page and "lacks tls" in page
    assert "divergence declared in the endpoint table" in page and "grants are not kept" in page
    assert "blocked: test_basic failed" in page


def test_cli_writes_the_page_and_its_json_twin(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cargobay",
            "conformance",
            "--endpoint",
            "cargobay",
            "--name",
            "cargobay=local",
            "-k",
            "test_basic_put_get_delete_object",
            "--html",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    twin = json.loads((tmp_path / "report.json").read_text())
    assert twin["names"] == {"cargobay": "local (cargobay)"}
    assert any(t["outcome"] == "passed" for t in twin["tests"])
    assert "local (cargobay): differences from AWS (0)" in out.read_text()


def test_cli_refuses_a_name_for_no_endpoint(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cargobay", "conformance", "--name", "http://x:1=X", "--html", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "not one of the --endpoint values" in done.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed here (.ci/run installs Debian's chromium)")
def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(_report(), names={"127.0.0.1:8333": "SeaweedFS"}))
    dom = dump_dom(page.as_uri(), timeout=180).stdout
    assert "SeaweedFS: differences from AWS (2)" in dom, dom[-2000:]
    assert "<table" in dom and "API_GetObject" in dom


@pytest.mark.skipif(
    os.environ.get("CARGOBAY_SEAWEEDFS") != "1", reason="SeaweedFS cluster tests are opt-in: CARGOBAY_SEAWEEDFS=1"
)
def test_report_names_seaweedfs_differences(tmp_path: Path) -> None:
    """A quick run (a few tests) against cargobay and a real SeaweedFS cluster: the page names two of
    SeaweedFS's known differences from AWS (found by the full run) and none of cargobay's."""
    from cargobay.testing.seaweedfs import SeaweedCluster

    out = tmp_path / "report.html"
    with SeaweedCluster() as cluster:
        ep = cluster.endpoint
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "cargobay",
                "conformance",
                "--endpoint",
                "cargobay",
                "--endpoint",
                ep.url,
                "--access-key",
                ep.access_key,
                "--secret-key",
                ep.secret_key,
                "--lacks",
                "tls",
                "--name",
                f"{ep.url}=SeaweedFS",
                "--html",
                str(out),
                "-k",
                "test_list_order_is_utf8_byte_order or test_delete_bucket_not_empty_is_409 or test_basic_put",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # SeaweedFS fails some
    page = out.read_text()
    assert "cargobay: differences from AWS (0)" in page
    heading = page.index("): differences from AWS")  # SeaweedFS (127.0.0.1:PORT): differences ...
    assert page.index("cargobay: differences") < heading  # the endpoints in the order given
    seaweed = page[heading:]
    assert "test_list_order_is_utf8_byte_order" in seaweed
    assert "test_delete_bucket_not_empty_is_409_bucket_not_empty" in seaweed
    assert '<a href="https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html">' in seaweed  # cited
