"""asv's published report works with no network: headless Chromium finds a benchmark graph.

Issue 14, finding 8: ``asv publish`` (asv 0.6) writes a page that loads jQuery/flot/bootstrap from
CDNs, so offline it is blank. ``asv_bench/publish_offline.py`` vendors them. This test publishes
a tiny results set made by asv itself (one ``track_`` benchmark, saved with the README's quick
command: ``--set-commit-hash`` and one sample), serves the HTML on 127.0.0.1 and opens it in
headless Chromium with every host name but 127.0.0.1 unresolvable. The same page before
``publish_offline`` is the control: it must show asv's "failed to load" error, proving the network
really is cut.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.chromium import chromium, dump_dom, serving

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "asv_bench"))
from publish_offline import make_offline  # type: ignore[import-not-found]  # noqa: E402  (a script, found on the path above)

BENCH = 'def track_answer():\n    return 42\n\n\ntrack_answer.unit = "things"\n'
FAILED = "failed to load"


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("asv-tiny")
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "__init__.py").write_text("")
    (root / "benchmarks" / "bench_tiny.py").write_text(BENCH)
    (root / "asv.conf.json").write_text(
        json.dumps(
            {
                "version": 1,
                "project": "tiny",
                "project_url": "http://example.invalid/",
                "repo": ".",
                "branches": ["main"],
                "environment_type": "existing",
                "benchmark_dir": "benchmarks",
                "results_dir": "results",
                "html_dir": "html",
                "env_dir": "env",
            }
        )
    )
    env = dict(
        os.environ,
        HOME=str(root),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@t",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@t",
    )
    asv = [sys.executable, "-m", "asv"]
    _run(["git", "init", "-q", "-b", "main"], root, env)
    _run(["git", "add", "-A"], root, env)
    _run(["git", "commit", "-qm", "tiny"], root, env)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    _run([*asv, "machine", "--yes", "--machine", "tiny"], root, env)
    # The README's quick command: one sample of each benchmark, saved for the current commit.
    _run(
        [
            *asv,
            "run",
            "--python=same",
            "--set-commit-hash",
            commit,
            "--machine",
            "tiny",
            "-a",
            "repeat=1",
            "-a",
            "number=1",
            "-a",
            "warmup_time=0",
            "-a",
            "rounds=1",
        ],
        root,
        env,
    )
    assert list((root / "results" / "tiny").glob(f"{commit[:8]}-*.json")), "the quick run saved no results"
    _run([*asv, "publish"], root, env)
    return root / "html"


def _render(html_dir: Path, fragment: str) -> str:
    handler = functools.partial(_Quiet, directory=str(html_dir))
    with serving(handler) as port:
        result = dump_dom(
            f"http://127.0.0.1:{port}/index.html{fragment}",
            "--disable-quic",
            "--disable-component-update",
            "--disable-sync",
            # No network: every name but 127.0.0.1 fails to resolve (the CDNs included).
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=direct://",
            "--virtual-time-budget=15000",
            timeout=180,
        )
    return result.stdout


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed here (.ci/run installs Debian's chromium)")
def test_published_asv_page_shows_a_graph_offline(published: Path, tmp_path: Path) -> None:
    online_only = tmp_path / "as-published"
    shutil.copytree(published, online_only)
    control = _render(online_only, "#bench_tiny.track_answer")
    assert FAILED in control, "the control page loaded its CDN assets: the network is not cut"

    assert make_offline(published) == []
    dom = _render(published, "#bench_tiny.track_answer")
    assert FAILED not in dom, dom[-3000:]
    assert "flot-base" in dom, dom[-3000:]  # flot drew the benchmark's graph on its canvas
    assert "bench_tiny.track_answer" in dom
