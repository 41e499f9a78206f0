"""Harness: interrupt ``cargobay copy SRC DST`` (DST absent, SRC a flat directory of 1 MiB files)
with one SIGINT near the end of the copy, many times, and report any file left under its real
name whose bytes are not its source's (the promise of ``copy/__init__.py``: never a truncated
file under a real name).

The signal is sent when the hidden tree (``fresh.py``) holds ``N - left`` entries or more, plus a
random jitter, so it lands while the last big files are being copied by the bulk helpers and the
main worker. ``--slow-helper MS`` widens the window where it was seen (a helper still writing a
file while the worker, its own work done, waits for the helpers): in the copy process a bulk
helper writes half of each file, sleeps, then the rest (a ``sitecustomize`` on ``PYTHONPATH``).
Usage::

    nice -n 19 .venv/bin/python scripts/interrupt_big_copy.py --files 120 --tries 40 --left -1 \
        --jitter 0.003 [--slow-helper 30] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from cargobay._fsutil import is_temp_name

MIB = 1 << 20

SLOW_HELPER = """
import os, threading, time
from cargobay.copy import writer

_real_fill = writer.FileWriter._fill

def _fill(self, sfd, dfd, st):
    if not threading.current_thread().name.startswith("cargobay-bulk"):
        return _real_fill(self, sfd, dfd, st)
    half = os.write(dfd, os.read(sfd, st.st_size // 2))
    time.sleep(%f)
    return half + _real_fill(self, sfd, dfd, st)

writer.FileWriter._fill = _fill
"""


def make_source(src: str, files: int) -> None:
    os.mkdir(src)
    for i in range(files):
        with open(os.path.join(src, f"f{i:04d}"), "wb") as fh:
            fh.write(os.urandom(MIB))


def entries_in_progress(parent: str, name: str) -> int:
    """Entries of the hidden tree beside ``parent/name`` (or of ``name`` once revealed)."""
    total = 0
    for entry in os.scandir(parent):
        if entry.name == name or (is_temp_name(entry.name) and entry.name.endswith("-" + name)):
            with contextlib.suppress(FileNotFoundError):
                total += len(os.listdir(entry.path))
    return total


def one_try(
    src: str, work: str, files: int, left: int, jitter: float, workers: int | None, env: dict[str, str] | None
) -> tuple[str, list[str]]:
    dst = os.path.join(work, "dst")
    cmd = [sys.executable, "-m", "cargobay", "copy", src, dst]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    # Files are copied in name order: with ``left`` = -k, send when the k-th last is created.
    last = f"f{files + left:04d}" if left < 0 else ""
    hidden = None
    while proc.poll() is None and time.monotonic() < deadline:
        if left < 0:
            if hidden is None:
                hidden = next((e.path for e in os.scandir(work) if is_temp_name(e.name)), None)
            elif os.path.lexists(os.path.join(hidden, last)):
                break
        elif entries_in_progress(work, "dst") >= files - left:
            break
        time.sleep(0.0002)
    time.sleep(random.uniform(0, jitter))
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    bad: list[str] = []
    if os.path.isdir(dst):
        for name in sorted(os.listdir(dst)):
            path = os.path.join(dst, name)
            with open(path, "rb") as a, open(os.path.join(src, name), "rb") as b:
                if a.read() != b.read():
                    bad.append(f"{name} ({os.path.getsize(path)} bytes)")
    hidden_left = [e.name for e in os.scandir(work) if is_temp_name(e.name)]
    if hidden_left:
        bad.append(f"tree left under its temp name {hidden_left}")
    if bad and os.environ.get("HARNESS_STDERR"):
        bad.append(err)
    summary = f"rc={proc.returncode} entries={len(os.listdir(dst)) if os.path.isdir(dst) else '-'} {out.strip()}"
    return summary, bad


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=400)
    p.add_argument("--tries", type=int, default=40)
    p.add_argument(
        "--left",
        type=int,
        default=4,
        help="send when this many files are not yet in the tree; -k: when the k-th last file is created",
    )
    p.add_argument("--jitter", type=float, default=0.02, help="random extra delay, seconds")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--workdir", default=None)
    p.add_argument("--slow-helper", type=float, default=0, help="ms a bulk helper sleeps half way through each file")
    args = p.parse_args()
    base = tempfile.mkdtemp(prefix="cargobay-intr-", dir=args.workdir)
    try:
        src = os.path.join(base, "src")
        make_source(src, args.files)
        env = None
        if args.slow_helper:
            site = os.path.join(base, "site")
            os.mkdir(site)
            with open(os.path.join(site, "sitecustomize.py"), "w") as fh:
                fh.write(SLOW_HELPER % (args.slow_helper / 1000))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")])))
        failures = 0
        for i in range(args.tries):
            work = os.path.join(base, f"w{i}")
            os.mkdir(work)
            summary, bad = one_try(src, work, args.files, args.left, args.jitter, args.workers, env)
            if bad:
                failures += 1
            print(f"try {i}: {summary} {'PARTIAL: ' + ', '.join(bad) if bad else 'ok'}", flush=True)
            shutil.rmtree(work)
        print(f"{failures} of {args.tries} tries left a file whose bytes differ under its real name")
        return 1 if failures else 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
