"""Whole-process timing that the side-by-side benchmarks of copy, select and sync share.

Issue 18 asks the benchmarks to time what users run: the whole ``cargobay`` command (interpreter
start-up, imports and argument parsing included) against the peer's command exactly as a user
types it. This module owns how one such run is timed and how rounds are ordered and summed up:

* :func:`cargobay_command` - the installed ``cargobay`` console script next to the interpreter
  (``python -m cargobay`` where there is none);
* :func:`measure` (and :func:`timed`, its older three-value form) - wall seconds, user+system CPU
  seconds (``wait4``'s resource usage, which includes every process the command started and
  reaped: rsync's and cp's helpers, cargobay's prober) and peak RSS of one child process
  (``/usr/bin/time -f %M`` when present: a child forked from this large process would carry our
  RSS into its own ``ru_maxrss`` until it execs). CPU seconds are less sensitive to other load
  on the machine than wall seconds, so reports print both;
* :func:`rotated` - the tool order of a round, rotated each round so no tool always runs first or
  always follows the same tool;
* :func:`bytecode_cache` - children run with compiled bytecode as an installed package does
  (``PYTHONDONTWRITEBYTECODE`` lifted, ``PYTHONPYCACHEPREFIX`` in the work directory, filled once
  before the first timed run), so start-up is what a user's start-up is.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from cargobay._procstat import load_averages

_GNU_TIME = "/usr/bin/time"


def cargobay_command() -> list[str]:
    """How a user starts cargobay: the console script pip installed beside this interpreter."""
    script = os.path.join(os.path.dirname(sys.executable), "cargobay")
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "cargobay"]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as printed beside every timing ("unknown" off Linux)."""
    averages = load_averages()
    return " ".join(averages) if averages is not None else "unknown"


class Run(NamedTuple):
    """One timed child process."""

    seconds: float  # wall
    cpu: float  # user + system, the command and every process it reaped
    rss_mib: float  # peak RSS, NaN when unknown
    stdout: bytes


def measure(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    allow_failure: bool = False,
    capture: bool = False,
) -> Run:
    """Run ``cmd`` once; its wall and CPU seconds, peak RSS and (with ``capture``) its stdout."""
    use_time = os.access(_GNU_TIME, os.X_OK)
    with tempfile.NamedTemporaryFile(prefix="cargobay-bench-rss-") as out, tempfile.TemporaryFile() as err:
        full = [_GNU_TIME, "-q", "-f", "%M", "-o", out.name, *cmd] if use_time else list(cmd)
        with tempfile.TemporaryFile() as captured:
            stdout = captured if capture else subprocess.DEVNULL
            t0 = time.perf_counter()
            proc = subprocess.Popen(full, stdout=stdout, stderr=err, env=env)
            _pid, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            captured.seek(0)
            text = captured.read() if capture else b""
        if proc.returncode != 0 and not allow_failure:
            err.seek(0)
            message = err.read().decode(errors="replace").strip()[-300:]
            raise RuntimeError(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {message}")
        rss = float("nan")
        if use_time:
            with open(out.name, encoding="ascii") as fh:
                words = fh.read().split()
            rss = int(words[-1]) / 1024 if words and words[-1].isdigit() else rss
    return Run(elapsed, usage.ru_utime + usage.ru_stime, rss, text)


def timed(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    allow_failure: bool = False,
    capture: bool = False,
) -> tuple[float, float, bytes]:
    """Run ``cmd``; return (wall seconds, peak RSS MiB or NaN, stdout if ``capture`` else b"")."""
    run = measure(cmd, env=env, allow_failure=allow_failure, capture=capture)
    return run.seconds, run.rss_mib, run.stdout


def rotated(tools: Sequence[str], round_no: int) -> list[str]:
    k = round_no % len(tools)
    return [*tools[k:], *tools[:k]]


@contextlib.contextmanager
def bytecode_cache(work: str, warm_imports: str) -> Iterator[dict[str, str]]:
    """Yield an environment for Python children that compiles once into ``work``/pycache.

    ``warm_imports`` is imported once, untimed, to fill the cache before the first timed run.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
    subprocess.run([sys.executable, "-c", f"import {warm_imports}"], env=env, check=True)
    yield env
