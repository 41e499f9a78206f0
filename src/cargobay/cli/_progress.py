"""The progress bar of the long-running commands (copy, sync): rich, on stderr, only on a terminal."""

from __future__ import annotations

from typing import Any


class TransferBar:
    """Label, bar, bytes done/total, rate and ETA; does nothing when ``enabled`` is false."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> TransferBar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.fields[label]}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None, label=self.label)
        return self

    def show(self, done: int, total: int | None, label: str | None = None) -> None:
        """Bytes done of ``total`` (None: not known yet); ``label`` replaces the text on the left."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total, label=label or self.label)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
