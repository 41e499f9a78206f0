"""The whole-process timer and the fresh-filesystem condition of ``cargobay bench copy``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from cargobay.bench import _freshfs
from cargobay.bench._wholeproc import measure

_BUSY = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.2: pass\n"


def test_measure_counts_the_cpu_of_the_processes_a_command_starts() -> None:
    # The command itself idles; its child burns ~0.2 s of CPU: wait4's usage must include it, as
    # it includes rsync's helpers and cargobay's prober.
    script = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {_BUSY!r}], check=True)"
    run = measure([sys.executable, "-c", script])
    assert run.cpu >= 0.15
    assert run.seconds >= run.cpu * 0.5


def test_measure_captures_and_reports_failures() -> None:
    assert measure(["sh", "-c", "echo hi"], capture=True).stdout == b"hi\n"
    with pytest.raises(RuntimeError, match=r"failed \(3\): bad"):
        measure(["sh", "-c", "echo bad >&2; exit 3"])
    assert measure(["sh", "-c", "exit 3"], allow_failure=True).stdout == b""


def test_fresh_filesystem_is_new_empty_and_gone_after(tmp_path: Path) -> None:
    if not _freshfs.available():
        # Only where root may loop-mount: say why not, rather than pass silently.
        assert os.geteuid() != 0 or shutil.which("mkfs.ext4") is None or not os.path.exists("/dev/loop-control")
        return
    with _freshfs.fresh_filesystem(str(tmp_path), 64 << 20) as mount:
        assert os.stat(mount).st_dev != os.stat(tmp_path).st_dev
        assert sorted(os.listdir(mount)) == ["lost+found"]
        Path(mount, "f").write_bytes(b"x")
    assert not os.path.ismount(mount)
    assert not (tmp_path / "fresh-space.img").exists()
