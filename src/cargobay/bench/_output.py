"""Output options the side-by-side benchmarks share: ``--plot FILE.png`` and ``--profile KIND``.

``--plot`` draws, for people, one bar per (case, peer): how many times faster cargobay was than
that peer (peer median seconds ÷ cargobay median seconds, so a bar above 1 means cargobay won),
with the issue's target drawn as a tick on the bar. One direction for every bar keeps the chart
readable: a target written "at most 0.5x the time of cp -a" is a speed-up of 2.

``--profile cprofile|pyinstrument`` profiles one extra run of cargobay's side *after* the timed
rounds, so the profiler never distorts a reported time. cProfile writes a ``pstats`` file
(``python -m pstats FILE``, snakeviz); pyinstrument writes an HTML page. Both libraries see the
calling thread only: benchmarks profile a single-worker run so the work happens there.

matplotlib and pyinstrument are imported only when asked for (they are in the ``bench`` extra):
a benchmark that is not plotting or profiling never pays for them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cargobay.errors import UsageError

PROFILERS = ("cprofile", "pyinstrument")


@dataclass(frozen=True)
class Speedup:
    """One bar: ``peer`` seconds ÷ cargobay seconds for one benchmark case (> 1: cargobay faster)."""

    case: str
    peer: str
    speedup: float
    target: float | None = None  # the speed-up the issue asks for, when it sets one


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        default=None,
        help="write a bar chart of cargobay's speed-up over each peer (needs matplotlib)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILERS,
        default=None,
        help="profile one extra, untimed run of cargobay's side",
    )
    parser.add_argument(
        "--profile-output",
        metavar="FILE",
        default=None,
        help="where --profile writes (default: cargobay-bench-NAME.prof, or .html for pyinstrument)",
    )


def check_output_options(args: argparse.Namespace, *, name: str) -> None:
    """Fail before the (long) measurement, not after it: missing libraries, unwritable paths.

    Fills in ``args.profile_output`` when ``--profile`` is given without it.
    """
    if args.plot is not None:
        _require("matplotlib", "--plot")
        _check_writable(args.plot, "--plot")
    if args.profile is not None:
        if args.profile == "pyinstrument":
            _require("pyinstrument", "--profile pyinstrument")
        if args.profile_output is None:
            suffix = ".html" if args.profile == "pyinstrument" else ".prof"
            args.profile_output = f"cargobay-bench-{name}{suffix}"
        _check_writable(args.profile_output, "--profile-output")
    elif args.profile_output is not None:
        raise UsageError("--profile-output needs --profile cprofile|pyinstrument")


def _require(module: str, option: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"{option} needs {module}: pip install 'cargobay[bench]'")


def _check_writable(path: str, option: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError(f"{option}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{option}: directory {parent} is not writable")
    if os.path.isdir(path):
        raise UsageError(f"{option}: {path} is a directory")


def profile_call(kind: str, path: str, fn: Callable[[], object]) -> None:
    """Run ``fn`` once under the chosen profiler and write its profile to ``path``."""
    if kind == "cprofile":
        import cProfile
        import marshal
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(fn)
        stats = pstats.Stats(profiler)
        # pstats.dump_stats writes in place; marshal the same data through atomic_write instead,
        # so an interrupted run never leaves a truncated profile under the real name.
        data = marshal.dumps(stats.stats)  # type: ignore[attr-defined]
        _publish(path, data)
    elif kind == "pyinstrument":
        from pyinstrument import Profiler

        sampler = Profiler()
        sampler.start()
        try:
            fn()
        finally:
            sampler.stop()
        _publish(path, sampler.output_html().encode())
    else:
        raise UsageError(f"unknown profiler {kind!r} (choose from {', '.join(PROFILERS)})")


def write_plot(path: str, title: str, bars: Sequence[Speedup]) -> None:
    """A horizontal bar chart: one bar per (case, peer), the target as a black tick, 1x as a line."""
    if not bars:
        raise UsageError("--plot: no ratios to plot (was every peer excluded?)")
    import io

    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window or need a display
    import matplotlib.pyplot as plt

    labels = [f"{b.case}\nvs {b.peer}" for b in bars]
    values = [b.speedup for b in bars]
    colors = [_color(b) for b in bars]
    height = 0.6 + 0.55 * len(bars)
    fig, ax = plt.subplots(figsize=(9, height))
    try:
        ys = list(range(len(bars)))[::-1]
        ax.barh(ys, values, color=colors, height=0.6)
        for y, b in zip(ys, bars, strict=True):
            ax.text(b.speedup, y, f" {b.speedup:.2f}x", va="center", fontsize=8)
            if b.target is not None:
                ax.plot([b.target, b.target], [y - 0.35, y + 0.35], color="black", linewidth=2)
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(ys, labels, fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("cargobay speed-up over the peer (peer time ÷ cargobay time; black tick: target)")
        ax.set_title(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
    finally:
        plt.close(fig)
    _publish(path, buffer.getvalue())


def _publish(path: str, data: bytes) -> None:
    """Write a result file whole or not at all (temp name, then rename)."""
    from cargobay._fsutil import atomic_write

    with atomic_write(path, durable=False) as out:
        out.write(data)


def _color(bar: Speedup) -> str:
    """Green where the target is met (or above 1x without a target), red otherwise."""
    goal = bar.target if bar.target is not None else 1.0
    return "#2e8b57" if bar.speedup >= goal else "#c0392b"
