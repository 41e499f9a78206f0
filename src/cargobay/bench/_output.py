"""Output options the side-by-side benchmarks share: ``--plot FILE.png`` and ``--profile KIND``.

One convention for ratios in every report (:func:`speed_words`): a speed-up is peer time ÷
cargobay time (or cargobay rate ÷ peer rate), and it is said in words, "2.1× faster" or "1.4×
slower", never as a bare number whose direction the reader has to guess.

``--plot`` draws, for people, one bar per (case, peer): that speed-up, labelled in words, with the
issue's target drawn as a tick on the bar. One direction for every bar keeps the chart readable: a
target written "at most 0.5x the time of cp -a" is a speed-up of 2. ``--check`` makes a benchmark
exit 1 when a target is missed (:func:`finish_targets`).

``--profile cprofile|pyinstrument`` profiles one extra run of cargobay's side *after* the timed
rounds, so the profiler never distorts a reported time. cProfile writes a ``pstats`` file
(``python -m pstats FILE``, snakeviz); pyinstrument writes an HTML page. Both libraries see the
calling thread only: benchmarks profile a single-worker run so the work happens there.

matplotlib and pyinstrument are imported only when asked for (they are in the ``bench`` extra):
a benchmark that is not plotting or profiling never pays for them.
"""

from __future__ import annotations

import argparse
import math
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

    @property
    def missed(self) -> bool:
        return self.target is not None and self.speedup < self.target

    def describe(self) -> str:
        """``cargobay 2.1× faster than cp -a on CASE (target: 2× faster)``."""
        want = f" (target: {speed_words(self.target)})" if self.target is not None else ""
        return f"cargobay {speed_words(self.speedup)} than {self.peer} on {self.case}{want}"


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
    """A horizontal bar chart: one bar per (case, peer), labelled in words ("2.1× faster"), the
    target as a black tick, 1× as a dashed line; log scale with plain ticks (1×, 2×, 4×)."""
    if not bars:
        raise UsageError("--plot: no ratios to plot (was every peer excluded?)")
    import io
    import math

    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window or need a display
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    labels = [f"{b.case}\nvs {b.peer}" for b in bars]
    values = [b.speedup for b in bars]
    colors = [_color(b) for b in bars]
    height = 1.2 + 0.5 * len(bars)
    fig, ax = plt.subplots(figsize=(11, height))
    try:
        ys = list(range(len(bars)))[::-1]
        ax.barh(ys, values, color=colors, height=0.6)
        for y, b in zip(ys, bars, strict=True):
            # The words start after the bar and after its target tick, so they never cross it.
            ax.text(max(b.speedup, (b.target or 0.0) * 1.04), y, f"  {speed_words(b.speedup)}", va="center", fontsize=8)
            if b.target is not None:
                ax.plot([b.target, b.target], [y - 0.35, y + 0.35], color="black", linewidth=2)
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(ys, labels, fontsize=8)
        ax.set_ylim(-0.7, len(bars) - 0.3)
        ax.set_xscale("log")
        # Room on the right for the words after the longest bar, and on the left below the shortest.
        points = values + [b.target for b in bars if b.target is not None] + [1.0]
        low, high = min(points) / 1.6, max(points) * 4.0
        ax.set_xlim(low, high)
        ticks = [2.0**k for k in range(math.floor(math.log2(low)), math.ceil(math.log2(high)) + 1)]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}×"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(
            "peer time ÷ cargobay time (log scale): right of the dashed 1× line cargobay is faster; black tick: target",
            fontsize=9,
        )
        ax.set_title(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
    finally:
        plt.close(fig)
    _publish(path, buffer.getvalue())


def speed_words(speedup: float) -> str:
    """The one way every report says a ratio: ``speedup`` is peer time ÷ cargobay time (or
    cargobay rate ÷ peer rate): "2.1× faster", "1.43× slower", "as fast". Below 2× two decimals:
    "1.0× slower" once hid a 4% miss of a "≤ 1.0×" target."""
    if speedup <= 0 or math.isnan(speedup):
        return "not measured"
    if abs(speedup - 1.0) < 0.005:
        return "as fast"
    factor, word = (speedup, "faster") if speedup > 1.0 else (1.0 / speedup, "slower")
    digits = 2 if factor < 2 else 1 if factor < 10 else 0
    return f"{factor:.{digits}f}× {word}"


def add_check_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when any target is missed (default: report it and exit 0)"
    )


def finish_targets(missed: Sequence[str], check: bool, log: Callable[[str], None] = print) -> int:
    """The last line of a benchmark about its targets, and its exit status under ``--check``."""
    if not missed:
        log("targets: all met")
        return 0
    tail = "" if check else " (informational: --check makes this exit 1)"
    log(f"targets MISSED: {len(missed)}: " + "; ".join(missed) + tail)
    return 1 if check else 0


def _publish(path: str, data: bytes) -> None:
    """Write a result file whole or not at all (temp name, then rename)."""
    from cargobay._fsutil import atomic_write

    with atomic_write(path, durable=False) as out:
        out.write(data)


def _color(bar: Speedup) -> str:
    """Green where the target is met (or above 1x without a target), red otherwise."""
    goal = bar.target if bar.target is not None else 1.0
    return "#2e8b57" if bar.speedup >= goal else "#c0392b"
