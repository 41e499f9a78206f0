"""What ``cargobay copy`` imports at start-up (issue 18: the whole command's time is what users see).

A no-change mirror of 10,000 files takes ~50 ms of work; ``dataclasses`` (with ``inspect``,
``ast``, ``dis``) and ``typing`` added ~20 ms of imports to every run. These tests run the real
command in a fresh interpreter and fail when one of those modules comes back onto its path, so a
regression shows here rather than only on a benchmark page. No timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Modules the copy command must not need: each is a measurable part of a short run's start-up.
HEAVY = ("dataclasses", "inspect", "typing", "ast", "dis", "shutil", "asyncio", "cargobay.select", "cargobay.sync")

_PROBE = """
import json, sys
from cargobay.cli import main
try:
    code = main(sys.argv[1:])
finally:
    sys.stdout.flush()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
raise SystemExit(code)
"""


def _modules_after(args: list[str]) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def _tree(root: Path) -> Path:
    src = root / "src"
    (src / "d").mkdir(parents=True)
    for i in range(3):
        (src / "d" / f"f{i}").write_bytes(b"x" * i)
    os.symlink("d/f1", src / "link")
    return src


def test_copy_and_mirror_start_without_heavy_modules(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    dst = tmp_path / "dst"
    first = _modules_after(["copy", str(src), str(dst)])
    again = _modules_after(["copy", "--mirror", str(src), str(dst)])
    for loaded in (first, again):
        assert "cargobay.copy.execute" in loaded  # the probe saw a real run
        assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))


def test_selector_protocol_still_public() -> None:
    import cargobay.copy as cb
    from cargobay.copy import model
    from cargobay.select import build_selection

    assert cb.Selector is model.Selector
    assert isinstance(build_selection(exclude=["*.tmp"], ignore_file_name=None), cb.Selector)


# What a no-change sync between two directories must not load: dataclasses (with inspect, ast, dis) and the
# S3-to-S3 streamer's imports (http.client with email and ssl) were a third of a no-change sync's
# start-up. (A sync to S3 imports http.client for its listing, in the listing's thread.)
SYNC_HEAVY = ("dataclasses", "inspect", "ast", "http.client", "email.parser", "ssl")


def test_sync_and_select_start_without_heavy_modules(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    state = tmp_path / "state"
    args = ["sync", str(src), str(tmp_path / "out"), "--state-dir", str(state)]
    _modules_after(args)  # transfers (a pool of threads: concurrent.futures)
    synced = _modules_after(args)  # no change: what every re-run loads
    assert "cargobay.sync.api" in synced  # the probe saw a real run
    assert not synced.intersection(SYNC_HEAVY), sorted(synced.intersection(SYNC_HEAVY))
    selected = _modules_after(["select", str(src)])
    assert "cargobay.select.selection" in selected
    assert not selected.intersection(SYNC_HEAVY), sorted(selected.intersection(SYNC_HEAVY))
