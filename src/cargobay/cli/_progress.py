"""The progress bar of the long-running commands (copy, sync): rich, on stderr, only on a terminal.

What it shows, and why:

* files done of the total and bytes done of the total, one unit family: MiB and MiB/s (rich's
  own transfer columns mix decimal MB/s with binary sizes, so the two byte columns here are
  rich columns that print MiB);
* a spinner and the counts so far while the total is not known (``copy`` copies while it walks
  the tree: its totals are final only when the walk ends; a separate scan first would read all
  metadata twice), then a bar;
* an ETA from a moving rate: rich's ``TimeRemainingColumn`` on the speed of the last
  :data:`RATE_WINDOW_S` seconds, not the average since the start.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MiB = 1 << 20
RATE_WINDOW_S = 10.0


class TransferBar:
    """Label, counts, bar, MiB done/total, MiB/s and ETA; does nothing when ``enabled`` is false."""

    def __init__(self, enabled: bool, label: str, *, console: Any = None) -> None:
        self.enabled = enabled
        self.label = label
        self._console = console  # tests pass a recording console; default: stderr
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> TransferBar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                SpinnerColumn(finished_text=" "),
                TextColumn("{task.fields[label]}"),
                TextColumn("{task.fields[files]}"),
                BarColumn(),
                _mib_done_column(),
                _mib_rate_column(),
                TimeRemainingColumn(),
                console=self._console or Console(stderr=True),
                transient=True,
                speed_estimate_period=RATE_WINDOW_S,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None, label=self.label, files="")
        return self

    def update(self, bytes_done: int, bytes_total: int | None, files_done: int, files_total: int | None) -> None:
        """Progress so far; a total of None means not known yet (spinner and counts only)."""
        if self._progress is None:
            return
        files = f"{files_done:,}/{files_total:,} files" if files_total is not None else f"{files_done:,} files"
        self._progress.update(self._task, completed=bytes_done, total=bytes_total, files=files)

    def render(self) -> str:
        """The bar as text now (for tests)."""
        if self._progress is None:
            return ""
        with self._progress.console.capture() as capture:
            self._progress.console.print(self._progress.make_tasks_table(self._progress.tasks))
        return str(capture.get())

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _mib_done_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class MiBDone(ProgressColumn):
        def render(self, task: Any) -> Text:
            done = task.completed / MiB
            if task.total is None:
                return Text(f"{done:,.1f} MiB", style="progress.download")
            return Text(f"{done:,.1f}/{task.total / MiB:,.1f} MiB", style="progress.download")

    return MiBDone()


def _mib_rate_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class MiBRate(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            if speed is None:
                return Text("? MiB/s", style="progress.data.speed")
            return Text(f"{speed / MiB:,.1f} MiB/s", style="progress.data.speed")

    return MiBRate()
